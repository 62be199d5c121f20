from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Integer, bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from qms.contacts import router as contacts_router
from qms.db import Precompiled, create_reader_pool
from qms.deps import get_session
from qms.main import create_app
from qms.security.tokens import AccessClaims, issue_access_token
from qms.state import AppState
from qms.workspaces import router as workspaces_router
from tests.conftest import make_settings


async def test_read_only_sessions_run_without_a_transaction(app_state: AppState) -> None:
    """Handlers marked read-only get autocommit sessions: no BEGIN/COMMIT round trips, each
    statement its own transaction (so `now()`, the transaction's start, moves on)."""

    async def transaction_starts(maker: async_sessionmaker[AsyncSession]) -> set[object]:
        async with maker() as session:
            first = await session.scalar(text("SELECT now()"))
            await session.execute(text("SELECT pg_sleep(0.02)"))
            return {first, await session.scalar(text("SELECT now()"))}

    maker = app_state.read_only_sessionmaker()
    assert maker is not app_state.sessionmaker
    assert len(await transaction_starts(maker)) == 2
    assert len(await transaction_starts(app_state.sessionmaker)) == 1


def test_hot_reads_are_marked_read_only() -> None:
    for handler in (contacts_router.get_contact, workspaces_router.get_workspace):
        assert getattr(handler, "qms_read_only", False), handler.__name__


def _calls(dependant: Dependant) -> set[object]:
    return {dependant.call} | {c for d in dependant.dependencies for c in _calls(d)}


def test_the_contacts_page_opens_no_orm_session() -> None:
    """The busiest read authenticates and reads its page on the reader (`AppState.reader`)
    alone."""
    route = next(
        r
        for r in contacts_router.router.routes
        if isinstance(r, APIRoute) and r.endpoint is contacts_router.list_contacts
    )
    calls = _calls(route.dependant)
    assert get_session not in calls


async def test_the_reader_pool_runs_precompiled_statements(app_state: AppState) -> None:
    """Outside the tests' shared connection the reader is a pool of plain asyncpg connections:
    named and constant parameters bound, JSONB decoded, each call its own transaction."""
    reader = await app_state.reader()
    assert reader is await app_state.reader()  # one pool, made once
    statement = Precompiled.of(
        select(
            literal_column("'{\"a\": [1, 2]}'::jsonb").label("doc"),
            (bindparam("n", type_=Integer) + 1).label("next"),
            (literal_column("'x'") == "x").label("constant"),
            func.now().label("started"),
        )
    )
    row = await statement.fetchrow(reader, {"n": 41})
    assert row is not None
    assert (row["doc"], row["next"], row["constant"]) == ({"a": [1, 2]}, 42, True)
    await asyncio.sleep(0.02)
    again = await statement.fetchrow(reader, {"n": 1})
    assert again is not None and again["started"] > row["started"]


async def test_the_reader_pool_recovers_from_errors_and_cancellations(app_state: AppState) -> None:
    """A statement the database refuses leaves its connection in use; one cancelled mid-way
    gets its connection replaced; more statements than connections wait their turn."""
    pool = await create_reader_pool(app_state.settings.database_url, size=2)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await pool.fetchrow("SELECT 1 / $1::int", 0)
        assert await pool.fetchrow("SELECT 6 * $1::int AS n", 7) == (42,)
        slow = asyncio.ensure_future(pool.execute("SELECT pg_sleep(5)"))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        results = await asyncio.gather(
            *(pool.fetchrow("SELECT $1::int AS n, pg_sleep(0.01)", n) for n in range(10))
        )
        assert [row["n"] for row in results if row is not None] == list(range(10))
    finally:
        await pool.close()


async def test_an_unreachable_database_answers_5xx_on_the_reader_path() -> None:
    """The reader's pool cannot be made: the request gets a problem response, and the next one
    tries again rather than waiting on a half-made pool."""
    settings = make_settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    app = create_app(settings)
    ids = AccessClaims(user_id=uuid.uuid4(), workspace_id=uuid.uuid4(), session_id=uuid.uuid4())
    token = issue_access_token(settings.jwt_secret.get_secret_value(), ids, 60)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(2):
                r = await client.get(
                    "/api/v1/contacts", headers={"Authorization": f"Bearer {token}"}
                )
                assert r.status_code == 500
                assert r.headers["content-type"] == "application/problem+json"
            # a token that is not valid is refused before the database is asked
            r = await client.get("/api/v1/contacts", headers={"Authorization": "Bearer x.y.z"})
            assert r.status_code == 401


async def test_the_reader_pool_reconnects_once_the_database_is_back(app_state: AppState) -> None:
    """A slot whose connection broke reconnects when borrowed; while that fails, it stays empty
    and is tried again by the next borrower."""
    pool = await create_reader_pool(app_state.settings.database_url, size=1)
    dsn = pool._dsn
    try:
        [connection] = pool._open
        connection.terminate()  # as a restart of the database would
        pool._dsn = "postgresql://postgres@127.0.0.1:1/nowhere"
        for _ in range(2):
            with pytest.raises(OSError):
                await pool.fetchrow("SELECT 1")
        pool._dsn = dsn
        assert await pool.fetchrow("SELECT 2 AS n") == (2,)
    finally:
        await pool.close()


async def test_a_half_made_reader_pool_closes_what_it_opened(
    app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[asyncpg.Connection] = []
    connect = asyncpg.connect

    async def third_fails(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        if len(opened) == 2:
            raise OSError("too many clients")
        opened.append(await connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(asyncpg, "connect", third_fails)
    with pytest.raises(OSError):
        await create_reader_pool(app_state.settings.database_url, size=3)
    assert len(opened) == 2 and all(c.is_closed() for c in opened)
