from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from qms.contacts import router as contacts_router
from qms.state import AppState
from qms.workspaces import router as workspaces_router


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
    for handler in (
        contacts_router.list_contacts,
        contacts_router.get_contact,
        workspaces_router.get_workspace,
    ):
        assert getattr(handler, "qms_read_only", False), handler.__name__
