"""Consent from WhatsApp itself: inbound opt-out / opt-in keywords (text and quick-reply
buttons) and Meta's `user_preferences` marketing stop/resume. Idempotent on the inbound message
id / the preference event, since Meta resends changes in different batches."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qms.consent import keywords, ledger
from qms.contacts.phones import country_of, phone_hash, timezone_of, try_e164
from qms.models import Contact, WhatsAppPhoneNumber
from qms.state import AppState
from qms.webhooks.registry import Change, on
from qms.webhooks.service import claim

log = structlog.get_logger(__name__)


def message_text(message: dict[str, Any]) -> str | None:
    """What the person said: text body, quick-reply payload (or its label), or the interactive
    reply."""
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body") or "") or None
    if kind == "button":
        button = message.get("button") or {}
        return str(button.get("payload") or button.get("text") or "") or None
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return str(reply.get("id") or reply.get("title") or "") or None
    return None


async def _workspace_of(session: AsyncSession, change: Change) -> uuid.UUID | None:
    if not change.phone_number_id:
        return None
    workspace: uuid.UUID | None = await session.scalar(
        select(WhatsAppPhoneNumber.workspace_id).where(
            WhatsAppPhoneNumber.phone_number_id == change.phone_number_id
        )
    )
    return workspace


async def contact_for(
    session: AsyncSession,
    state: AppState,
    workspace_id: uuid.UUID,
    wa_id: str,
    name: str | None = None,
) -> Contact | None:
    """The contact with this WhatsApp number, created if the person is new to the workspace."""
    phone = try_e164("+" + "".join(ch for ch in wa_id if ch.isdigit()))
    if phone is None:
        return None
    contact: Contact | None = await session.scalar(
        select(Contact).where(Contact.workspace_id == workspace_id, Contact.phone == phone)
    )
    if contact is None:
        contact = Contact(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            phone=phone,
            phone_hash=phone_hash(state.secrets.hmac_key, phone),
            name=name,
            country=country_of(phone),
            timezone=timezone_of(phone),
            tags=[],
            fields={},
        )
        session.add(contact)
        await session.flush()
    return contact


@on("messages")
async def inbound_keywords(session: AsyncSession, state: AppState, change: Change) -> None:
    messages = change.value.get("messages") or []
    if not messages:
        return
    workspace_id = await _workspace_of(session, change)
    if workspace_id is None:
        return
    words = await keywords.keywords_for(session, workspace_id)
    names = {
        c.get("wa_id"): (c.get("profile") or {}).get("name")
        for c in change.value.get("contacts") or []
        if isinstance(c, dict)
    }
    for message in messages:
        if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
            continue
        said = message_text(message)
        kind = keywords.classify(said, words) if said else None
        if kind is None or not await claim(session, f"inbound:{message['id']}"):
            continue
        contact = await contact_for(
            session, state, workspace_id, str(message["from"]), names.get(message["from"])
        )
        if contact is None:
            continue
        at = (
            datetime.fromtimestamp(int(message.get("timestamp") or 0), UTC)
            if str(message.get("timestamp") or "").isdigit()
            else None
        )
        how = ledger.Evidence(
            source="inbound_keyword",
            evidence=f"WhatsApp message: {said}",
            source_ref=str(message["id"]),
            occurred_at=at,
        )
        status = "opted_out" if kind == "opt_out" else "opted_in"
        await ledger.append(session, state.secrets, contact, "marketing", status, how)
        if kind == "opt_in":
            await ledger.confirm_pending_optins(session, state.secrets, contact, str(message["id"]))
        log.info("consent_keyword", workspace_id=str(workspace_id), kind=kind)


@on("user_preferences")
async def user_preferences(session: AsyncSession, state: AppState, change: Change) -> None:
    """Meta's platform-level marketing stop: its own flag. A stop also opts the person out of
    our marketing; a resume lifts only the flag (it is not an opt-in to this business)."""
    workspace_id = await _workspace_of(session, change)
    if workspace_id is None:
        return
    for pref in change.value.get("user_preferences") or []:
        if not isinstance(pref, dict) or pref.get("category") != "marketing_messages":
            continue
        value, wa_id = pref.get("value"), str(pref.get("wa_id") or "")
        if value not in ("stop", "resume") or not wa_id:
            continue
        if not await claim(session, f"userpref:{wa_id}:{pref.get('timestamp')}:{value}"):
            continue
        contact = await contact_for(session, state, workspace_id, wa_id)
        if contact is None:
            continue
        contact.platform_marketing_stop = value == "stop"
        if value == "stop":
            await ledger.append(
                session,
                state.secrets,
                contact,
                "marketing",
                "opted_out",
                ledger.Evidence(
                    source="meta_user_preferences",
                    evidence=str(pref.get("detail") or "Stopped marketing messages in WhatsApp"),
                    source_ref=f"user_preferences:{pref.get('timestamp')}",
                ),
            )
