"""arq worker: `arq qms.worker.settings.WorkerSettings`. Tasks open their own unit of work
(commit once; queued follow-up jobs are sent after commit)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import structlog
from arq import Retry, cron
from arq.connections import RedisSettings

from qms.auth import service as auth_service
from qms.config import get_settings
from qms.db import unit_of_work
from qms.email.service import deliver, unsent_email_ids
from qms.imports.tasks import run_import
from qms.logging import configure_logging
from qms.resources import build_state, close_state
from qms.state import AppState
from qms.templates.service import reconcile_all as reconcile_all_templates
from qms.webhooks.registry import load_handlers
from qms.webhooks.service import process_event

log = structlog.get_logger("qms.worker")


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    logging.getLogger("arq").propagate = False  # arq prints its own lines; don't print twice
    load_handlers()
    ctx["state"] = build_state(settings, ctx["redis"])


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_state(ctx["state"])


async def deliver_email(ctx: dict[str, Any], email_id: str) -> None:
    state: AppState = ctx["state"]
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        done = await deliver(session, state.keyring, state.settings, uuid.UUID(email_id))
    if not done:  # the failed attempt is committed; try again later
        raise Retry(defer=min(600, 30 * int(ctx.get("job_try", 1)) ** 2))


async def send_password_reset(ctx: dict[str, Any], email: str) -> None:
    state: AppState = ctx["state"]
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        await auth_service.send_password_reset(session, state, email)


async def process_meta_webhook(ctx: dict[str, Any], event_id: int) -> None:
    state: AppState = ctx["state"]
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        await process_event(session, state, event_id)


async def reconcile_templates(ctx: dict[str, Any]) -> None:
    """Re-read the status, quality and category of every submitted template from the Cloud API
    (webhooks can be lost or late: this keeps template status from going stale)."""
    await reconcile_all_templates(ctx["state"])


async def housekeeping(ctx: dict[str, Any]) -> None:
    """The periodic slot: retention and reconciliation jobs of later issues hook in here."""
    state: AppState = ctx["state"]
    if state.settings.smtp_host:
        async with state.sessionmaker() as session:
            for email_id in await unsent_email_ids(session):
                await state.redis.enqueue_job("deliver_email", str(email_id))
    log.info("housekeeping_tick")


class WorkerSettings:
    functions = [
        deliver_email,
        send_password_reset,
        process_meta_webhook,
        reconcile_templates,
        run_import,
    ]
    cron_jobs = [
        cron(housekeeping, minute={0, 15, 30, 45}, run_at_startup=False),
        cron(reconcile_templates, minute={5, 15, 25, 35, 45, 55}, run_at_startup=False),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_tries = 5
    job_timeout = 300
