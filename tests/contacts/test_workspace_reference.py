"""Contacts' workspace reference, kept by statement-level triggers (migration 0007) instead of
a per-row foreign key: the same guarantees, checked once per statement."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.conftest import signup

INSERT = text(
    "INSERT INTO contacts (id, workspace_id, phone, phone_hash)"
    " SELECT gen_random_uuid(), w, '+2499' || lpad(n::text, 8, '0'), md5(n::text)"
    " FROM unnest(CAST(:workspaces AS uuid[])) WITH ORDINALITY AS t(w, n)"
)


async def _contacts(conn: AsyncConnection, workspace_id: str) -> int:
    count = await conn.scalar(
        text("SELECT count(*) FROM contacts WHERE workspace_id = :w"), {"w": workspace_id}
    )
    return int(count or 0)


async def test_a_contact_needs_an_existing_workspace(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    account = await signup(client)
    missing = str(uuid.uuid4())
    # one bad row among good ones fails the whole statement
    savepoint = await conn.begin_nested()
    with pytest.raises(DBAPIError, match=f"{missing} is not a workspace"):
        await conn.execute(INSERT, {"workspaces": [account.workspace_id, missing]})
    await savepoint.rollback()
    assert await _contacts(conn, account.workspace_id) == 0
    await conn.execute(INSERT, {"workspaces": [account.workspace_id] * 3})
    assert await _contacts(conn, account.workspace_id) == 3


async def test_a_contact_stays_in_its_workspace(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    first, second = await signup(client), await signup(client)
    await conn.execute(INSERT, {"workspaces": [first.workspace_id]})
    savepoint = await conn.begin_nested()
    with pytest.raises(DBAPIError, match="stays in its workspace"):
        await conn.execute(
            text("UPDATE contacts SET workspace_id = :to WHERE workspace_id = :w"),
            {"to": second.workspace_id, "w": first.workspace_id},
        )
    await savepoint.rollback()
    assert await _contacts(conn, first.workspace_id) == 1


async def test_deleting_a_workspace_deletes_its_contacts_only(
    client: httpx.AsyncClient, conn: AsyncConnection
) -> None:
    gone, kept = await signup(client), await signup(client)
    await conn.execute(INSERT, {"workspaces": [gone.workspace_id] * 2 + [kept.workspace_id]})
    await conn.execute(text("DELETE FROM workspaces WHERE id = :w"), {"w": gone.workspace_id})
    assert await _contacts(conn, gone.workspace_id) == 0
    assert await _contacts(conn, kept.workspace_id) == 1
