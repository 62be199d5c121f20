"""Database engine, the declarative base and the unit of work.

The request (or the task) owns the transaction: services never commit. Jobs queued with
`enqueue_after_commit` are sent to arq only once the transaction committed, and dropped on
rollback, so a worker never sees a row that does not exist.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

import asyncpg
import orjson
from arq.connections import ArqRedis
from sqlalchemy import ClauseElement, DateTime, MetaData, func, make_url
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from asyncpg import Record

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


_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Precompiled:
    """A statement compiled once and run straight on asyncpg (a `Reader`), for the hottest reads
    (authentication, the contacts page): per execution, SQLAlchemy's cache key, ORM loading and
    result processing cost about twice the query itself (`tests.bench.contacts_page`). Values
    are named `bindparam`s; rows come back as the driver's records (JSONB decoded, enums as
    their text). Outside any session's transaction: for reads, and writes that stand alone."""

    sql: str
    # Per positional parameter: the name of a `bindparam` to take from the call's values, or
    # the constant the statement itself holds (`status == "active"`), and the type's bind
    # processor if it has one.
    parameters: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]

    @classmethod
    def of(cls, statement: ClauseElement) -> Precompiled:
        compiled = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
        processors = compiled._bind_processors
        parameters: list[tuple[str, Any, Any]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            value = _GIVEN if bind.required else bind.value
            parameters.append((name, value, processors.get(name)))
        return cls(compiled.string, tuple(parameters))

    def _args(self, values: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, constant, process in self.parameters:
            value = values[name] if constant is _GIVEN else constant
            args.append(value if process is None or value is None else process(value))
        return args

    async def fetch(self, reader: Reader, values: Mapping[str, Any]) -> list[Record]:
        return await reader.fetch(self.sql, *self._args(values))

    async def fetchrow(self, reader: Reader, values: Mapping[str, Any]) -> Record | None:
        return await reader.fetchrow(self.sql, *self._args(values))

    async def execute(self, reader: Reader, values: Mapping[str, Any]) -> None:
        await reader.execute(self.sql, *self._args(values))


_GIVEN = object()


class Reader(Protocol):
    """Where precompiled statements run: a `ReaderPool` (each call borrows a connection) or one
    asyncpg connection (`AppState.reader`)."""

    async def fetch(self, query: str, *args: Any) -> list[Record]: ...

    async def fetchrow(self, query: str, *args: Any) -> Record | None: ...

    async def execute(self, query: str, *args: Any) -> str: ...


class ReaderPool:
    """A fixed set of plain asyncpg connections for `Precompiled` statements, each borrowed for
    one statement. asyncpg's own pool spends a task (`shield`), a timeout and a reset query on
    every borrow, about as much as these statements take; they need none of it: no transaction
    or session setting spans two of them. A connection whose statement ended in anything but
    the database's own answer (cancelled, timed out, broken) is closed; its slot reconnects
    when next borrowed, and stays empty while the database cannot be reached. All connections
    are opened up front, so none is opened (nor its statements prepared) in the middle of a
    burst of requests."""

    # As long as a request waits for a free connection, and a statement runs, before it fails
    # (the ORM's pool waits as long).
    TIMEOUT = 30.0

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._idle: asyncio.Queue[asyncpg.Connection | None] = asyncio.Queue()
        self._open: set[asyncpg.Connection] = set()

    async def open(self, size: int) -> None:
        try:
            for _ in range(size):
                self._idle.put_nowait(await self._connect())
        except BaseException:
            await self.close()  # none of a half-made pool stays open
            raise

    async def _connect(self) -> asyncpg.Connection:
        connection = await asyncpg.connect(self._dsn, command_timeout=self.TIMEOUT)
        self._open.add(connection)
        try:
            await connection.set_type_codec(
                "jsonb", encoder=_json_text, decoder=orjson.loads, schema="pg_catalog"
            )
        except BaseException:
            self._open.discard(connection)
            connection.terminate()
            raise
        return connection

    async def _run(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        async with asyncio.timeout(self.TIMEOUT):
            connection = await self._idle.get()
        try:
            if connection is None or connection.is_closed():
                self._open.discard(connection)
                connection = None  # the slot stays empty if this fails
                connection = await self._connect()
            return await getattr(connection, method)(query, *args)
        except asyncpg.PostgresError:
            raise  # the database's answer: the connection is as good as before
        except BaseException:
            if connection is not None:
                connection.terminate()  # its state is unknown mid-statement
            raise
        finally:
            self._idle.put_nowait(connection)

    async def fetch(self, query: str, *args: Any) -> list[Record]:
        return await self._run("fetch", query, args)  # type: ignore[no-any-return]

    async def fetchrow(self, query: str, *args: Any) -> Record | None:
        return await self._run("fetchrow", query, args)

    async def execute(self, query: str, *args: Any) -> str:
        return await self._run("execute", query, args)  # type: ignore[no-any-return]

    async def close(self) -> None:
        for connection in self._open:
            if not connection.is_closed():
                await connection.close()
        self._open.clear()


async def create_reader_pool(url: str, size: int = 10) -> ReaderPool:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = ReaderPool(dsn)
    await pool.open(size)
    return pool


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


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
