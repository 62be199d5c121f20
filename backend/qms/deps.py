"""FastAPI dependencies shared by every router, as `Annotated` aliases. All `async def`: FastAPI
runs a plain `def` dependency in a worker thread, a hand-off that costs more than the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from arq.connections import ArqRedis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from qms.config import Settings
from qms.db import flush_jobs
from qms.errors import AppError
from qms.state import AppState


async def get_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.qms)


State = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit once after the handler, roll back on error, then send
    queued jobs."""
    async with state.sessionmaker() as session:
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
