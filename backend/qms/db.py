"""Database engine, the declarative base and the unit of work.

The request (or the task) owns the transaction: services never commit. Jobs queued with
`enqueue_after_commit` are sent to arq only once the transaction committed, and dropped on
rollback, so a worker never sees a row that does not exist.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from arq.connections import ArqRedis
from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


_UUID7_BITS = (0x7 << 76) | (0x2 << 62)  # version 7, RFC 9562 variant
_UUID7_MASK = ~((0xF << 76) | (0x3 << 62))


def _uuid7_int() -> int:
    return (
        (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    ) & _UUID7_MASK | _UUID7_BITS


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7: milliseconds, then 74 random bits). For tables
    that grow by millions of rows (contacts): new keys land at the right edge of the primary
    key's index instead of on a random page of it."""
    return uuid.UUID(int=_uuid7_int())


def uuid7_text() -> str:
    """`str(uuid7())`, without building the UUID object (imports make a million)."""
    h = f"{_uuid7_int():032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid_pk(default: Callable[[], uuid.UUID] = uuid.uuid4) -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=default)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(server_default=func.now(), default=utcnow)


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    # No pre-ping (a round trip per checkout); recycle instead, and errors invalidate connections.
    # JSONB values are parsed by orjson (several times faster than the json module).
    return create_async_engine(
        url,
        pool_recycle=1800,
        pool_size=10,
        max_overflow=10,
        json_deserializer=orjson.loads,
        **kw,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


_JOBS_KEY = "qms.after_commit_jobs"


def enqueue_after_commit(session: AsyncSession, function: str, *args: Any) -> None:
    session.info.setdefault(_JOBS_KEY, []).append((function, args))


async def flush_jobs(session: AsyncSession, arq: ArqRedis | None) -> None:
    jobs = session.info.pop(_JOBS_KEY, [])
    if arq is None:
        return
    for function, args in jobs:
        await arq.enqueue_job(function, *args)


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession], arq: ArqRedis | None
) -> AsyncIterator[AsyncSession]:
    """Commit once on success, roll back (and drop queued jobs) on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            session.info.pop(_JOBS_KEY, None)
            await session.rollback()
            raise
        await flush_jobs(session, arq)
