"""Meta webhook ingestion: verify the signature over the raw body, store the event durably,
answer 200 only after commit; a worker parses and dispatches it."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from qms.db import enqueue_after_commit
from qms.errors import AppError
from qms.models import MetaWebhookEvent, MetaWebhookKey
from qms.state import AppState
from qms.webhooks.registry import Change, handlers_for

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 3 * 1024 * 1024 + 1024  # Meta's payloads are at most 3 MB


class InvalidSignature(AppError):
    status = 401
    code = "webhooks.invalid_signature"
    title = "Invalid signature"


def signature_for(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    if not header or not hmac.compare_digest(signature_for(secret, body), header.strip()):
        raise InvalidSignature("The X-Hub-Signature-256 header does not match the body.")


async def store_event(session: AsyncSession, body: bytes) -> MetaWebhookEvent:
    event = MetaWebhookEvent(body=body.decode("utf-8", errors="replace"))
    session.add(event)
    await session.flush()
    enqueue_after_commit(session, "process_meta_webhook", event.id)
    return event


def changes_of(payload: Any) -> list[Change]:
    """Every change of every entry, tolerant of anything Meta adds (unknown keys are ignored)."""
    if not isinstance(payload, dict):
        return []
    changes: list[Change] = []
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        time = entry.get("time")
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                changes.append(
                    Change(
                        field=str(change.get("field")),
                        value=change["value"],
                        waba_id=str(entry["id"]) if entry.get("id") is not None else None,
                        entry_time=time if isinstance(time, int) else None,
                    )
                )
    return changes


async def claim(session: AsyncSession, key: str) -> bool:
    """True the first time a natural key is seen: handlers apply a change only then."""
    inserted = await session.scalar(
        insert(MetaWebhookKey)
        .values(key=key[:200])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MetaWebhookKey.key)
    )
    return inserted is not None


async def process_event(session: AsyncSession, state: AppState, event_id: int) -> None:
    event = await session.scalar(
        select(MetaWebhookEvent)
        .where(MetaWebhookEvent.id == event_id)
        .with_for_update(skip_locked=True)
    )
    if event is None or event.processed_at is not None:
        return
    event.attempts += 1
    try:
        payload = json.loads(event.body)
    except ValueError:
        log.warning("meta_webhook_unparseable", event_id=event_id)
        payload = None
    for change in changes_of(payload):
        for handler in handlers_for(change.field):
            await handler(session, state, change)
    event.processed_at = datetime.now(UTC)
