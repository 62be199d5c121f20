"""The audit log records security events, is queryable by admins, and is append-only in the
database: raw UPDATE/DELETE/TRUNCATE fail; only the two retention/erasure functions change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import add_member, signup


async def test_events_are_recorded_with_actor_ip_and_agent(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    await client.post(
        "/api/v1/api-keys",
        headers={**owner.headers, "User-Agent": "probe/1"},
        json={"name": "k", "scopes": ["contacts:read"]},
    )
    r = await client.get("/api/v1/audit-events?action=api_key.created", headers=owner.headers)
    assert r.status_code == 200
    [event] = r.json()["items"]
    assert event["actor_user_id"] == owner.user_id and event["actor_email"] == owner.email
    assert event["ip"] == "203.0.113.7" and event["user_agent"] == "probe/1"


async def test_pagination_and_admin_only(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    marketer = await add_member(client, owner, "marketer")
    for i in range(3):
        await client.post(
            "/api/v1/api-keys",
            headers=owner.headers,
            json={"name": f"k{i}", "scopes": ["contacts:read"]},
        )
    page1 = (await client.get("/api/v1/audit-events?limit=2", headers=owner.headers)).json()
    assert len(page1["items"]) == 2 and page1["next_cursor"]
    page2 = (
        await client.get(
            f"/api/v1/audit-events?limit=2&cursor={page1['next_cursor']}", headers=owner.headers
        )
    ).json()
    ids = [e["id"] for e in page1["items"] + page2["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    assert (await client.get("/api/v1/audit-events", headers=marketer.headers)).status_code == 403


async def _count(conn: AsyncConnection) -> int:
    return int((await conn.execute(text("select count(*) from audit_events"))).scalar_one())


@pytest.mark.parametrize(
    "statement",
    [
        "update audit_events set action = 'forged'",
        "update audit_events set ip = null, user_agent = null",
        "delete from audit_events",
        "truncate audit_events",
    ],
)
async def test_raw_changes_are_refused(
    client: httpx.AsyncClient, conn: AsyncConnection, statement: str
) -> None:
    await signup(client)
    before = await _count(conn)
    assert before > 0
    savepoint = await conn.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        await conn.execute(text(statement))
    await savepoint.rollback()
    assert await _count(conn) == before


async def test_session_settings_cannot_open_the_guard(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    await signup(client)
    before = await _count(conn)
    for statement in (
        "delete from audit_events",
        "update audit_events set ip = null, user_agent = null",
    ):
        savepoint = await conn.begin_nested()
        await conn.execute(text("set local qms.audit_maintenance = 'purge'"))
        await conn.execute(text("set local qms.audit_purge_cutoff = 'infinity'"))
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text(statement))
        await savepoint.rollback()
    # nor does an anonymous code block
    savepoint = await conn.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        await conn.execute(text("do $$ begin delete from audit_events; end $$"))
    await savepoint.rollback()
    assert await _count(conn) == before


async def test_blank_personal_data_function(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    owner = await signup(client)
    other = await signup(client)
    n = (
        await conn.execute(text("select audit_blank_personal_data(:u)"), {"u": owner.user_id})
    ).scalar_one()
    assert n > 0
    rows = (
        await conn.execute(
            text("select actor_user_id::text, ip, user_agent, action from audit_events")
        )
    ).all()
    mine = [r for r in rows if r[0] == owner.user_id]
    assert mine and all(r[1] is None and r[2] is None and r[3] for r in mine)
    assert any(r[1] is not None for r in rows if r[0] == other.user_id)


async def test_purge_function_deletes_only_old_rows(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    await signup(client)
    before = await _count(conn)
    past = datetime.now(UTC) - timedelta(days=1)
    assert (
        await conn.execute(text("select audit_purge_before(:c)"), {"c": past})
    ).scalar_one() == 0
    assert await _count(conn) == before
    future = datetime.now(UTC) + timedelta(seconds=5)
    assert (
        await conn.execute(text("select audit_purge_before(:c)"), {"c": future})
    ).scalar_one() == before
    assert await _count(conn) == 0
    # the guard is closed again after the function
    savepoint = await conn.begin_nested()
    with pytest.raises(DBAPIError):
        await conn.execute(text("insert into audit_events(action) values ('x')"))
        await conn.execute(text("delete from audit_events"))
    await savepoint.rollback()
