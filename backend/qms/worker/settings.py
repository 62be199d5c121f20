"""arq worker: `arq qms.worker.settings.WorkerSettings`. Tasks open their own unit of work
(commit once; queued follow-up jobs are sent after commit)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog
from arq import cron
from arq.connections import RedisSettings

from qms.config import get_settings
from qms.db import create_engine, create_sessionmaker, unit_of_work
from qms.email.service import deliver
from qms.logging import configure_logging
from qms.secrets_store import load_secrets
from qms.security.crypto import Keyring
from qms.state import AppState

log = structlog.get_logger("qms.worker")


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    secrets = load_secrets(settings)
    engine = create_engine(settings.database_url)
    ctx["state"] = AppState(
        settings=settings,
        secrets=secrets,
        keyring=Keyring(secrets.keyring),
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        redis=ctx["redis"],
        http=httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0)),
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    state: AppState = ctx["state"]
    await state.http.aclose()
    await state.engine.dispose()


async def deliver_email(ctx: dict[str, Any], email_id: str) -> None:
    state: AppState = ctx["state"]
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        await deliver(session, state.keyring, state.settings, uuid.UUID(email_id))


async def housekeeping(ctx: dict[str, Any]) -> None:
    """The periodic slot: retention and reconciliation jobs of later issues hook in here."""
    log.info("housekeeping_tick")


class WorkerSettings:
    functions = [deliver_email]
    cron_jobs = [cron(housekeeping, minute={0, 15, 30, 45}, run_at_startup=False)]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_tries = 5
    job_timeout = 300
