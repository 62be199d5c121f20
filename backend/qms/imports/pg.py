"""COPY into PostgreSQL from inside a session's transaction (asyncpg's COPY: the fastest way in,
no bind-parameter limit)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    # The driver opens its transaction lazily, on the first statement: make sure it is open.
    await connection.execute(text("SELECT 1"))
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def copy_text(session: AsyncSession, table: str, columns: Sequence[str], data: bytes) -> None:
    """COPY rows given in PostgreSQL's text format (tab-separated, `\\N` for NULL)."""
    if data:
        driver = await _driver(session)
        await driver.copy_to_table(
            table, source=io.BytesIO(data), columns=list(columns), format="text"
        )


async def copy_records(
    session: AsyncSession, table: str, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """COPY rows given as tuples (binary format; jsonb as JSON text)."""
    if records:
        driver = await _driver(session)
        await driver.copy_records_to_table(table, records=records, columns=list(columns))
