"""The consent ledger: append-only events per contact and purpose, chained by an HMAC whose key
lives outside the database. The canonical record holds personal data (phone, IP, user agent)
only as keyed digests, so erasure can blank those fields and the chain still verifies — and
someone who edits an event cannot recompute the downstream digests without the key."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from qms.auth.dependencies import Principal
from qms.errors import Unprocessable
from qms.models import ConsentEvent, Contact, OptInRequest, Suppression
from qms.secrets_store import Secrets

PURPOSES = ("marketing", "utility")
STATUSES = ("opted_in", "opted_out")
# Sources that are the person acting themselves from their own number: only these lift a
# suppression. A web form counts once an inbound START from the number confirmed it.
PERSONAL_SOURCES = {"inbound_keyword", "web_form_confirmed"}
SOURCES = {
    "web_form",
    "web_form_confirmed",
    "import",
    "api",
    "inbound_keyword",
    "meta_user_preferences",
    "agent",
}
OPTIN_CONFIRMATION_WINDOW = timedelta(days=7)


def _key(secrets: Secrets, purpose: str) -> bytes:
    return hmac.new(secrets.hmac_key, f"qms:{purpose}".encode(), hashlib.sha256).digest()


def digest_of(secrets: Secrets, value: str | None) -> str | None:
    if value is None:
        return None
    return hmac.new(_key(secrets, "consent-field"), value.encode(), hashlib.sha256).hexdigest()


def _canonical(event: ConsentEvent) -> bytes:
    record: dict[str, Any] = {
        "v": 1,
        "workspace": str(event.workspace_id),
        "contact": str(event.contact_id),
        "seq": event.seq,
        "purpose": event.purpose,
        "status": event.status,
        "source": event.source,
        "source_ref": event.source_ref,
        "evidence": event.evidence,
        "effective": event.effective,
        "phone": event.phone_digest,
        "ip": event.ip_digest,
        "user_agent": event.user_agent_digest,
        "actor_user": str(event.actor_user_id) if event.actor_user_id else None,
        "actor_key": str(event.actor_api_key_id) if event.actor_api_key_id else None,
        "at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev": event.prev_digest,
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_digest(secrets: Secrets, event: ConsentEvent) -> str:
    return hmac.new(_key(secrets, "consent-chain"), _canonical(event), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Evidence:
    """What is known about how consent was given or withdrawn."""

    source: str
    evidence: str | None = None
    source_ref: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    actor: Principal | None = None
    occurred_at: datetime | None = None


async def active_suppression(
    session: AsyncSession, workspace_id: uuid.UUID, purpose: str, phone_hash: str
) -> Suppression | None:
    result: Suppression | None = await session.scalar(
        select(Suppression).where(
            Suppression.workspace_id == workspace_id,
            Suppression.purpose == purpose,
            Suppression.phone_hash == phone_hash,
            Suppression.lifted_at.is_(None),
        )
    )
    return result


async def suppress(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    purpose: str,
    phone_hash: str,
    *,
    source: str,
    phone_hint: str | None,
    reason: str | None = None,
) -> None:
    await session.execute(
        insert(Suppression)
        .values(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            purpose=purpose,
            phone_hash=phone_hash,
            phone_hint=phone_hint,
            source=source,
            reason=reason,
        )
        .on_conflict_do_nothing(
            index_elements=["workspace_id", "purpose", "phone_hash"],
            index_where=text("lifted_at IS NULL"),
        )
    )


async def append(
    session: AsyncSession,
    secrets: Secrets,
    contact: Contact,
    purpose: str,
    status: str,
    how: Evidence,
) -> ConsentEvent:
    """Record a consent event and apply it. One writer per contact at a time (row lock), so the
    chain never forks."""
    if purpose not in PURPOSES or status not in STATUSES or how.source not in SOURCES:
        raise Unprocessable(
            "Unknown consent purpose, status or source.", code="consent.invalid_event"
        )
    await session.execute(select(Contact.id).where(Contact.id == contact.id).with_for_update())
    last = (
        await session.execute(
            select(ConsentEvent.seq, ConsentEvent.digest)
            .where(ConsentEvent.contact_id == contact.id)
            .order_by(ConsentEvent.seq.desc())
            .limit(1)
        )
    ).first()
    suppression = await active_suppression(
        session, contact.workspace_id, purpose, contact.phone_hash
    )
    effective = True
    if status == "opted_in" and suppression is not None:
        # Only the person's own new opt-in from that number lifts a suppression.
        effective = how.source in PERSONAL_SOURCES
    at = how.occurred_at or datetime.now(UTC)
    event = ConsentEvent(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        seq=(last.seq + 1) if last else 1,
        purpose=purpose,
        status=status,
        source=how.source,
        source_ref=how.source_ref,
        evidence=how.evidence,
        effective=effective,
        ip=how.ip,
        user_agent=how.user_agent,
        phone_digest=contact.phone_hash,
        ip_digest=digest_of(secrets, how.ip),
        user_agent_digest=digest_of(secrets, how.user_agent),
        actor_user_id=how.actor.user_id if how.actor else None,
        actor_api_key_id=how.actor.api_key_id if how.actor else None,
        occurred_at=at,
        prev_digest=last.digest if last else None,
    )
    event.digest = chain_digest(secrets, event)
    session.add(event)
    await session.flush()
    if effective:
        setattr(contact, f"{purpose}_consent", status)
        if status == "opted_out":
            await suppress(
                session,
                contact.workspace_id,
                purpose,
                contact.phone_hash,
                source=how.source,
                phone_hint=contact.phone[-4:] if contact.phone else None,
            )
        elif suppression is not None:
            suppression.lifted_at = at
            suppression.lifted_by_event_id = event.id
    return event


async def request_form_optin(
    session: AsyncSession,
    secrets: Secrets,
    contact: Contact,
    purpose: str,
    how: Evidence,
) -> OptInRequest | ConsentEvent:
    """A web-form opt-in: immediate unless the number is suppressed; then it waits for the
    person's START from that number."""
    if await active_suppression(session, contact.workspace_id, purpose, contact.phone_hash):
        request = OptInRequest(
            workspace_id=contact.workspace_id,
            phone_hash=contact.phone_hash,
            contact_id=contact.id,
            purpose=purpose,
            evidence=how.evidence or "",
            ip=how.ip,
            user_agent=how.user_agent,
            expires_at=datetime.now(UTC) + OPTIN_CONFIRMATION_WINDOW,
        )
        session.add(request)
        await session.flush()
        return request
    return await append(session, secrets, contact, purpose, "opted_in", how)


async def confirm_pending_optins(
    session: AsyncSession, secrets: Secrets, contact: Contact, wamid: str
) -> int:
    """An inbound START confirms the number's pending form opt-ins."""
    pending = (
        await session.scalars(
            select(OptInRequest).where(
                OptInRequest.workspace_id == contact.workspace_id,
                OptInRequest.phone_hash == contact.phone_hash,
                OptInRequest.confirmed_at.is_(None),
                OptInRequest.expires_at > datetime.now(UTC),
            )
        )
    ).all()
    for request in pending:
        request.confirmed_at = datetime.now(UTC)
        await append(
            session,
            secrets,
            contact,
            request.purpose,
            "opted_in",
            Evidence(
                source="web_form_confirmed",
                evidence=request.evidence,
                source_ref=wamid,
                ip=request.ip,
                user_agent=request.user_agent,
            ),
        )
    return len(pending)


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    events: int
    broken_at_seq: int | None = None
    reason: str | None = None


async def verify(session: AsyncSession, secrets: Secrets, contact_id: uuid.UUID) -> ChainCheck:
    events = (
        await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == contact_id)
            .order_by(ConsentEvent.seq)
        )
    ).all()
    previous: str | None = None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainCheck(False, len(events), event.seq, "sequence gap")
        if event.prev_digest != previous:
            return ChainCheck(False, len(events), event.seq, "link to the previous event broken")
        if not hmac.compare_digest(chain_digest(secrets, event), event.digest):
            return ChainCheck(False, len(events), event.seq, "event altered")
        for clear, digest in (
            (event.ip, event.ip_digest),
            (event.user_agent, event.user_agent_digest),
        ):
            if clear is not None and digest_of(secrets, clear) != digest:
                return ChainCheck(False, len(events), event.seq, "personal field altered")
        previous = event.digest
    return ChainCheck(True, len(events))


async def erase_contact(session: AsyncSession, contact: Contact) -> None:
    """The erasure primitive: blank the contact's personal data everywhere this domain stores it.
    The keyed phone hash stays (suppression must outlive erasure); the ledger still verifies."""
    await session.execute(
        text("SELECT consent_blank_personal_data(:contact_id)"), {"contact_id": contact.id}
    )
    await session.execute(
        update(OptInRequest)
        .where(OptInRequest.contact_id == contact.id)
        .values(ip=None, user_agent=None)
    )
    contact.phone = None
    contact.name = None
    contact.language = None
    contact.country = None
    contact.timezone = None
    contact.tags = []
    contact.fields = {}
    contact.erased_at = datetime.now(UTC)
