"""Template webhooks (Cloud API spec §5.6): status, quality and category updates. Routed by the
WABA id of the entry to the connection, applied once per natural key (template id + event +
entry time, and for status events the template's version), and never older news over newer: a
change older than what the template holds (by the entry's `time`) is skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qms.models import MessageTemplate, WhatsAppConnection
from qms.state import AppState
from qms.templates import service
from qms.webhooks.registry import Change, on
from qms.webhooks.service import claim
from qms.whatsapp.service import find_connection_by_waba

log = structlog.get_logger(__name__)

# Events that put a template back in service.
BACK_TO_APPROVED = {"REINSTATED", "UNARCHIVED", "UNPAUSED"}


def _at(change: Change) -> datetime:
    if change.entry_time is not None:
        return datetime.fromtimestamp(change.entry_time, UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _stale(held: datetime | None, at: datetime) -> bool:
    return held is not None and at < held.replace(microsecond=0)


async def template_for(
    session: AsyncSession, connection: WhatsAppConnection, value: dict[str, Any]
) -> MessageTemplate | None:
    """The template a change is about, locked. By Meta id; failing that by name and language
    (locking waits for a submission still in flight to commit its Meta id)."""
    meta_id = str(value.get("message_template_id") or "")
    if not meta_id:
        return None
    scope = (
        MessageTemplate.workspace_id == connection.workspace_id,
        MessageTemplate.mode == connection.mode,
    )
    template = await session.scalar(
        select(MessageTemplate)
        .where(*scope, MessageTemplate.meta_template_id == meta_id)
        .with_for_update()
    )
    if template is not None:
        return template
    name = value.get("message_template_name")
    language = service.normalise_language(value.get("message_template_language"))
    if not name or not language:
        return None
    by_name: MessageTemplate | None = await session.scalar(
        select(MessageTemplate)
        .where(*scope, MessageTemplate.name == str(name), MessageTemplate.language == language)
        .with_for_update()
    )
    if by_name is not None and by_name.meta_template_id == meta_id:
        return by_name
    return None


async def _target(
    session: AsyncSession, change: Change, key: str, *, per_version: bool = False
) -> MessageTemplate | None:
    """The template a change is about, if the change was not applied before. With
    `per_version`, the natural key also names the template's current version: a new version's
    review can end with the same event in the same second as the previous version's."""
    if change.waba_id is None:
        return None
    connection = await find_connection_by_waba(session, change.waba_id)
    if connection is None:
        return None
    template = await template_for(session, connection, change.value)
    if template is None:
        log.info(
            "template_webhook_unknown_template",
            field=change.field,
            meta_template_id=str(change.value.get("message_template_id")),
        )
        return None
    if not await claim(session, f"{key}:v{template.version}" if per_version else key):
        return None
    return template


@on("message_template_status_update")
async def status_update(session: AsyncSession, state: AppState, change: Change) -> None:
    value = change.value
    event = str(value.get("event") or "").upper()
    meta_id = value.get("message_template_id")
    if not event or not meta_id:
        return
    at = _at(change)
    other = value.get("other_info") if isinstance(value.get("other_info"), dict) else {}
    title = str(other.get("title") or "") if other else ""
    key = f"template_status:{meta_id}:{event}:{int(at.timestamp())}:{title}"
    template = await _target(session, change, key, per_version=True)
    if template is None or _stale(template.status_at, at):
        return
    status = "APPROVED" if event in BACK_TO_APPROVED else service.normalise_status(event)
    if status is None:
        log.warning("template_status_unknown_event", event=event[:40])
        return
    info = {
        k: value[k]
        for k in ("other_info", "disable_info")
        if isinstance(value.get(k), dict) and value[k]
    }
    rejection_info = value.get("rejection_info")
    await service.set_status(
        session,
        template,
        status,
        at,
        reason=str(value.get("reason")) if value.get("reason") else None,
        rejection_info=rejection_info if isinstance(rejection_info, dict) else None,
        info={"event": event, **info},
    )
    category = str(value.get("message_template_category") or "").upper()
    if category in service.CATEGORIES and category != template.category:
        template.previous_category = template.category
        template.category = category


@on("message_template_quality_update")
async def quality_update(session: AsyncSession, state: AppState, change: Change) -> None:
    value = change.value
    score = str(value.get("new_quality_score") or "").upper()
    meta_id = value.get("message_template_id")
    if score not in service.QUALITY_SCORES or not meta_id:
        return
    at = _at(change)
    template = await _target(
        session, change, f"template_quality:{meta_id}:{score}:{int(at.timestamp())}"
    )
    if template is None or _stale(template.quality_updated_at, at):
        return
    template.quality_score = score
    template.quality_updated_at = at


@on("template_category_update")
async def category_update(session: AsyncSession, state: AppState, change: Change) -> None:
    value = change.value
    category = str(value.get("new_category") or "").upper()
    meta_id = value.get("message_template_id")
    if category not in service.CATEGORIES or not meta_id:
        return
    at = _at(change)
    template = await _target(
        session, change, f"template_category:{meta_id}:{category}:{int(at.timestamp())}"
    )
    if template is None or template.category == category:
        return
    previous = str(value.get("previous_category") or template.category).upper()
    template.previous_category = previous
    template.category = category
