"""Consent: the per-contact ledger (record, history, chain check, export), the suppression list
and the workspace's keywords."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, status
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import delete, select, tuple_

from qms.audit import service as audit
from qms.auth.dependencies import Principal, requires
from qms.consent import keywords, ledger
from qms.consent.schemas import (
    KeywordsIn,
    KeywordsOut,
    SuppressionIn,
    SuppressionOut,
)
from qms.contacts import service as contacts
from qms.contacts.phones import hint, phone_hash, to_e164
from qms.contacts.schemas import (
    ChainCheckOut,
    ConsentEventOut,
    ConsentHistoryOut,
    ConsentIn,
)
from qms.deps import Session, State
from qms.errors import Conflict, NotFound, Unprocessable
from qms.models import ConsentEvent, ConsentKeyword, Contact, Suppression
from qms.pagination import Cursor, Limit, Page, cursor_time, cursor_uuid, encode_cursor, read_cursor
from qms.spreadsheet import csv_chunks, safe_row

router = APIRouter(tags=["consent"])

ContactsRead = Annotated[Principal, Depends(requires("contacts:read"))]
ContactsWrite = Annotated[Principal, Depends(requires("contacts:write"))]


async def _history(
    session: Session, state: State, principal: Principal, contact_id: uuid.UUID
) -> ConsentHistoryOut:
    contact = await contacts.get_contact(session, principal.workspace_id, contact_id)
    events = (
        await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == contact.id)
            .order_by(ConsentEvent.seq)
        )
    ).all()
    check = await ledger.verify(session, state.secrets, contact.id)
    return ConsentHistoryOut(
        contact_id=contact.id,
        marketing_consent=contact.marketing_consent,
        utility_consent=contact.utility_consent,
        chain=ChainCheckOut(
            valid=check.valid,
            events=check.events,
            broken_at_seq=check.broken_at_seq,
            reason=check.reason,
        ),
        items=[ConsentEventOut.model_validate(e) for e in events],
    )


@router.post(
    "/contacts/{contact_id}/consent",
    status_code=status.HTTP_201_CREATED,
    operation_id="consent:record",
)
async def record_consent(
    contact_id: uuid.UUID, body: ConsentIn, principal: ContactsWrite, session: Session, state: State
) -> ConsentEventOut:
    """Record an opt-in or opt-out given outside QMS (by phone, in a shop…) with its evidence.
    An opt-in recorded this way never lifts a suppression: only the person's own new opt-in from
    their number does (`effective: false` says so)."""
    contact = await contacts.get_contact(session, principal.workspace_id, contact_id)
    event = await ledger.append(
        session,
        state.secrets,
        contact,
        body.purpose,
        body.status,
        ledger.Evidence(
            source=contacts.source_for(principal), evidence=body.evidence, actor=principal
        ),
    )
    return ConsentEventOut.model_validate(event)


@router.get("/contacts/{contact_id}/consent", operation_id="consent:history")
async def consent_history(
    contact_id: uuid.UUID, principal: ContactsRead, session: Session, state: State
) -> ConsentHistoryOut:
    """Every consent event of the contact, oldest first, with the chain check."""
    return await _history(session, state, principal, contact_id)


@router.get(
    "/contacts/{contact_id}/consent/export",
    operation_id="consent:export",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def export_consent(
    contact_id: uuid.UUID,
    principal: ContactsRead,
    session: Session,
    state: State,
    format: Literal["json", "csv"] = "json",
) -> Response:
    history = await _history(session, state, principal, contact_id)
    await audit.record(
        session,
        "consent.exported",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="contact",
        target_id=contact_id,
    )
    filename = f"consent-{contact_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "json":
        return Response(
            history.model_dump_json(indent=2), media_type="application/json", headers=headers
        )
    columns = list(ConsentEventOut.model_fields)

    async def rows() -> AsyncIterator[list[object]]:
        for item in history.items:
            data = item.model_dump(mode="json")
            yield safe_row(data[c] for c in columns)  # evidence can come from a public form

    return StreamingResponse(csv_chunks(columns, rows()), media_type="text/csv", headers=headers)


@router.get("/suppressions", operation_id="suppressions:list")
async def list_suppressions(
    principal: ContactsRead,
    session: Session,
    limit: Limit = 50,
    cursor: Cursor = None,
    purpose: Literal["marketing", "utility"] | None = None,
) -> Page[SuppressionOut]:
    query = select(Suppression).where(
        Suppression.workspace_id == principal.workspace_id, Suppression.lifted_at.is_(None)
    )
    if purpose:
        query = query.where(Suppression.purpose == purpose)
    position = read_cursor(cursor, lambda p: (cursor_time(p["at"]), cursor_uuid(p["id"])))
    if position is not None:
        query = query.where(tuple_(Suppression.created_at, Suppression.id) < position)
    rows = (
        await session.scalars(
            query.order_by(Suppression.created_at.desc(), Suppression.id.desc()).limit(limit + 1)
        )
    ).all()
    items = [SuppressionOut.model_validate(r) for r in rows[:limit]]
    next_cursor = (
        encode_cursor({"at": rows[limit - 1].created_at.isoformat(), "id": str(rows[limit - 1].id)})
        if len(rows) > limit
        else None
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/suppressions", status_code=status.HTTP_201_CREATED, operation_id="suppressions:create"
)
async def create_suppression(
    body: SuppressionIn, principal: ContactsWrite, session: Session, state: State
) -> SuppressionOut:
    """Suppress a number (e.g. an opt-out received by phone). Its contact, if any, is opted
    out with the reason as evidence."""
    country = await contacts.default_country(session, principal.workspace_id)
    phone = to_e164(body.phone, country)
    digest = phone_hash(state.secrets.hmac_key, phone)
    contact = await session.scalar(
        select(Contact).where(
            Contact.workspace_id == principal.workspace_id, Contact.phone == phone
        )
    )
    if contact is not None:
        await ledger.append(
            session,
            state.secrets,
            contact,
            body.purpose,
            "opted_out",
            ledger.Evidence(
                source=contacts.source_for(principal),
                evidence=body.reason or "Suppressed by an agent",
                actor=principal,
            ),
        )
    else:
        await ledger.suppress(
            session,
            principal.workspace_id,
            body.purpose,
            digest,
            source=contacts.source_for(principal),
            phone_hint=hint(phone),
            reason=body.reason,
        )
    suppression = await ledger.active_suppression(
        session, principal.workspace_id, body.purpose, digest
    )
    assert suppression is not None
    return SuppressionOut.model_validate(suppression)


@router.delete(
    "/suppressions/{suppression_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="suppressions:delete",
    responses={409: {"description": "Locked"}},
)
async def delete_suppression(
    suppression_id: uuid.UUID, principal: ContactsWrite, session: Session
) -> None:
    """Answers 409 unless the person's own new opt-in from that number exists (an inbound START,
    or a form submission confirmed by one). Nobody else can lift a suppression."""
    suppression = await session.scalar(
        select(Suppression).where(
            Suppression.id == suppression_id, Suppression.workspace_id == principal.workspace_id
        )
    )
    if suppression is None:
        raise NotFound("No such suppression.")
    if suppression.lifted_at is not None:
        return
    own_optin = await session.scalar(
        select(ConsentEvent.id)
        .join(Contact, Contact.id == ConsentEvent.contact_id)
        .where(
            Contact.workspace_id == principal.workspace_id,
            ConsentEvent.phone_digest == suppression.phone_hash,
            ConsentEvent.purpose == suppression.purpose,
            ConsentEvent.status == "opted_in",
            ConsentEvent.source.in_(ledger.PERSONAL_SOURCES),
            ConsentEvent.occurred_at > suppression.created_at,
        )
        .limit(1)
    )
    if own_optin is None:
        raise Conflict(
            "Only the person's own new opt-in from this number (an inbound START) can lift "
            "this suppression.",
            code="consent.suppression_locked",
        )
    suppression.lifted_at = datetime.now(UTC)
    suppression.lifted_by_event_id = own_optin


@router.get("/consent/keywords", operation_id="consent:keywords")
async def get_keywords(principal: ContactsRead, session: Session) -> KeywordsOut:
    current = await keywords.keywords_for(session, principal.workspace_id)
    return KeywordsOut(
        opt_out=sorted(k for k, kind in current.items() if kind == "opt_out"),
        opt_in=sorted(k for k, kind in current.items() if kind == "opt_in"),
    )


# The stored column's width (consent_keywords.keyword).
KEYWORD_MAX_LENGTH = 64


def _normalised_keywords(given: list[str]) -> set[str]:
    """Keywords as they are matched. One that is only punctuation or symbols would match no
    message (a list of them would silently stop honouring STOP), so it is refused."""
    normalised = set()
    for keyword in given:
        form = keywords.normalise(keyword)
        if not form or len(form) > KEYWORD_MAX_LENGTH:
            raise Unprocessable(
                f"'{keyword}' is not a usable keyword: it needs letters or digits, "
                f"at most {KEYWORD_MAX_LENGTH} characters once normalised.",
                code="consent.invalid_keyword",
                extra={"keyword": keyword},
            )
        normalised.add(form)
    return normalised


@router.put("/consent/keywords", operation_id="consent:set_keywords")
async def set_keywords(body: KeywordsIn, principal: ContactsWrite, session: Session) -> KeywordsOut:
    """Replace the workspace's keywords (stored normalised; matching is on the whole message)."""
    opt_out = _normalised_keywords(body.opt_out)
    opt_in = _normalised_keywords(body.opt_in)
    if both := sorted(opt_out & opt_in):
        raise Unprocessable(
            f"'{both[0]}' cannot both opt out and opt in.",
            code="consent.keyword_conflict",
            extra={"keyword": both[0]},
        )
    await session.execute(
        delete(ConsentKeyword).where(ConsentKeyword.workspace_id == principal.workspace_id)
    )
    session.add_all(
        [
            ConsentKeyword(workspace_id=principal.workspace_id, keyword=k, kind="opt_out")
            for k in opt_out
        ]
        + [
            ConsentKeyword(workspace_id=principal.workspace_id, keyword=k, kind="opt_in")
            for k in opt_in
        ]
    )
    return KeywordsOut(opt_out=sorted(opt_out), opt_in=sorted(opt_in))


@router.get("/suppressions/{suppression_id}", operation_id="suppressions:get")
async def get_suppression(
    suppression_id: uuid.UUID, principal: ContactsRead, session: Session
) -> SuppressionOut:
    suppression = await session.scalar(
        select(Suppression).where(
            Suppression.id == suppression_id, Suppression.workspace_id == principal.workspace_id
        )
    )
    if suppression is None:
        raise NotFound("No such suppression.")
    return SuppressionOut.model_validate(suppression)
