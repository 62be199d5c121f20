"""Jobs are enqueued only after the transaction commits, and the email task runs with a real
worker context."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from arq.jobs import Job
from sqlalchemy import select

from qms.db import enqueue_after_commit, unit_of_work
from qms.email.service import queue_email, read_body
from qms.models import OutboxEmail
from qms.state import AppState
from qms.worker import settings as worker
from qms.worker.settings import WorkerSettings


async def _queued(state: AppState) -> list[str]:
    jobs = await state.redis.queued_jobs()
    return [j.function for j in jobs]


async def test_jobs_are_sent_after_commit_and_dropped_on_rollback(
    app_state: AppState, conn: Any
) -> None:
    async with unit_of_work(app_state.sessionmaker, app_state.redis) as session:
        enqueue_after_commit(session, "deliver_email", "a")
        assert await _queued(app_state) == []  # not before the commit
    assert await _queued(app_state) == ["deliver_email"]

    await app_state.redis.flushdb()
    with pytest.raises(RuntimeError):
        async with unit_of_work(app_state.sessionmaker, app_state.redis) as session:
            enqueue_after_commit(session, "deliver_email", "b")
            raise RuntimeError("boom")
    assert await _queued(app_state) == []


async def test_deliver_email_task_in_development_keeps_mail_for_outbox(
    app_state: AppState, conn: Any
) -> None:
    async with unit_of_work(app_state.sessionmaker, app_state.redis) as session:
        email = await queue_email(
            session, app_state.keyring, to="x@example.com", subject="Hi", body="secret link"
        )
    [job] = await app_state.redis.queued_jobs()
    assert job.function == "deliver_email" and job.args == (str(email.id),)
    await worker.deliver_email({"state": app_state}, str(email.id))
    async with app_state.sessionmaker() as session:
        stored = await session.scalar(select(OutboxEmail).where(OutboxEmail.id == email.id))
        assert stored is not None and stored.sent_at is None
        assert read_body(app_state.keyring, stored) == "secret link"
        assert "secret link" not in (stored.body_encrypted or "")


async def test_unknown_email_id_is_a_no_op(app_state: AppState, conn: Any) -> None:
    await worker.deliver_email({"state": app_state}, str(uuid.uuid4()))


def test_worker_settings_register_tasks_and_cron_slot() -> None:
    names = {f.__name__ for f in WorkerSettings.functions}
    assert "deliver_email" in names
    assert [c.name for c in WorkerSettings.cron_jobs] == [
        "cron:housekeeping",
        "cron:reconcile_templates",
    ]
    assert Job  # arq's job API is what the tests above inspect
