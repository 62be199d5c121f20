"""FastAPI dependencies shared by every router, as `Annotated` aliases. All `async def`: FastAPI
runs a plain `def` dependency in a worker thread, a hand-off that costs more than the work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar, cast

from arq.connections import ArqRedis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from qms.config import Settings
from qms.db import flush_jobs
from qms.errors import AppError
from qms.state import AppState

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


async def get_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.qms)


State = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def read_only(endpoint: Endpoint) -> Endpoint:
    """Marks a handler that only reads (authentication included: an API key's last-used time is
    one statement). Its session runs without a transaction: two round trips fewer (BEGIN,
    COMMIT) on the hottest requests, such as the contacts page; each statement sees the latest
    committed data."""
    endpoint.qms_read_only = True  # type: ignore[attr-defined]
    return endpoint


async def get_session(request: Request, state: State) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit once after the handler, roll back on error, then send
    queued jobs."""
    read_only_handler = getattr(request.scope.get("endpoint"), "qms_read_only", False)
    maker = state.read_only_sessionmaker() if read_only_handler else state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except AppError as exc:
            if not exc.keep_changes:
                session.info.clear()
                await session.rollback()
                raise
            await session.commit()
            await flush_jobs(session, state.redis)
            raise
        except BaseException:
            session.info.clear()
            await session.rollback()
            raise
        await flush_jobs(session, state.redis)


# scope="function": commit before the response is sent, so a 2xx means the data is durable.
Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_redis(state: State) -> ArqRedis:
    return state.redis


Redis = Annotated[ArqRedis, Depends(get_redis)]
