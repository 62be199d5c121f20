"""The connection's own webhook handlers: phone-number quality/tier, account and capability
updates, and delivery statuses. Each is idempotent: re-applying a change changes nothing."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from qms.models import MessageStatusEvent, WhatsAppConnection, WhatsAppPhoneNumber
from qms.state import AppState
from qms.webhooks.registry import Change, on
from qms.whatsapp import service
from qms.whatsapp.payloads import parse_statuses

log = structlog.get_logger(__name__)

RESTRICTING_EVENTS = {
    "ACCOUNT_RESTRICTION",
    "DISABLED_UPDATE",
    "ACCOUNT_DELETED",
    "ACCOUNT_OFFBOARDED",
    "ACCOUNT_VIOLATION",
}


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


@on("phone_number_quality_update")
async def phone_number_quality(session: AsyncSession, state: AppState, change: Change) -> None:
    if change.waba_id is None:
        return
    connection = await service.find_connection_by_waba(session, change.waba_id)
    if connection is None:
        return
    value = change.value
    changes: dict[str, Any] = {}
    limit = value.get("max_daily_conversations_per_business") or value.get("current_limit")
    if limit:
        changes["messaging_limit"] = str(limit)
    if value.get("event") == "THROUGHPUT_UPGRADE":
        changes["throughput_level"] = "HIGH"
    for key in ("quality_rating", "new_quality_score", "current_quality_rating"):
        if value.get(key):
            changes["quality_rating"] = str(value[key])
    display = _digits(value.get("display_phone_number"))
    if changes and display:
        numbers = await service.list_numbers(session, connection.workspace_id, connection.mode)
        ids = [n.phone_number_id for n in numbers if _digits(n.display_phone_number) == display]
        if ids:
            await session.execute(
                update(WhatsAppPhoneNumber)
                .where(WhatsAppPhoneNumber.phone_number_id.in_(ids))
                .values(**changes)
            )
    # The event names what changed, not always the new rating: read the current figures.
    if connection.status == "active":
        await service.refresh_numbers(session, state, connection)


@on("business_capability_update")
async def business_capability(session: AsyncSession, state: AppState, change: Change) -> None:
    limit = change.value.get("max_daily_conversations_per_business")
    if change.waba_id is None or not limit:
        return
    connection = await service.find_connection_by_waba(session, change.waba_id)
    if connection is not None:
        await session.execute(
            update(WhatsAppPhoneNumber)
            .where(
                WhatsAppPhoneNumber.workspace_id == connection.workspace_id,
                WhatsAppPhoneNumber.mode == connection.mode,
            )
            .values(messaging_limit=str(limit))
        )


@on("account_update")
async def account_update(session: AsyncSession, state: AppState, change: Change) -> None:
    event = change.value.get("event")
    if change.waba_id is None or not event:
        return
    values: dict[str, Any]
    if event in RESTRICTING_EVENTS:
        values = {"status": "restricted", "status_reason": f"Meta: {event}"}
    elif event == "ACCOUNT_RECONNECTED":
        values = {"status": "active", "status_reason": None}
    else:
        return
    await session.execute(
        update(WhatsAppConnection)
        .where(WhatsAppConnection.waba_id == change.waba_id)
        .values(**values)
    )
    log.info("whatsapp_account_update", waba_id=change.waba_id, event=event)


@on("messages")
async def delivery_statuses(session: AsyncSession, state: AppState, change: Change) -> None:
    """Record each (wamid, status) once, in one statement per change; campaigns read them."""
    updates = parse_statuses(change.value)
    if not updates:
        return
    number = None
    if change.phone_number_id:
        number = await session.scalar(
            WhatsAppPhoneNumber.__table__.select()
            .with_only_columns(WhatsAppPhoneNumber.workspace_id)
            .where(WhatsAppPhoneNumber.phone_number_id == change.phone_number_id)
        )
    rows = [
        {
            "workspace_id": number,
            "phone_number_id": change.phone_number_id,
            "wamid": u.wamid,
            "status": u.status,
            "occurred_at": u.occurred_at,
            "error_code": u.error.code if u.error else None,
            "error_kind": u.error.kind if u.error else None,
            "error_title": u.error.message[:500] if u.error else None,
            "callback_data": (u.callback_data or None) and u.callback_data[:512],
            "pricing": u.pricing,
        }
        for u in updates
    ]
    await session.execute(
        insert(MessageStatusEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["wamid", "status"])
    )
