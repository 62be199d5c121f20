"""The hosted opt-in page per workspace (and its embeddable endpoint): records the person's
number, the exact notice shown, IP and user agent. A submission for a suppressed number stays
pending until an inbound START from that number confirms it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, status
from pydantic import Field
from sqlalchemy import select

from qms.auth.dependencies import public
from qms.consent import ledger
from qms.consent.handlers import contact_for
from qms.contacts.phones import to_e164
from qms.context import request_meta
from qms.deps import Session, State
from qms.errors import Conflict, NotFound
from qms.models import ConsentEvent, Workspace
from qms.schemas import Out, Schema
from qms.throttle import hit

router = APIRouter(tags=["opt-in"], dependencies=[Depends(public)])


class OptInPage(Out):
    workspace_name: str
    notice: str


class OptInIn(Schema):
    phone: str = Field(min_length=3, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    notice: str = Field(max_length=4000, description="The notice text exactly as shown.")


class OptInResult(Out):
    status: Literal["opted_in", "pending_confirmation"]
    detail: str


def notice_for(workspace: Workspace) -> str:
    return (
        f"I agree to receive WhatsApp messages with offers and updates from {workspace.name}. "
        "I can reply STOP at any time to stop them."
    )


async def _workspace(session: Session, slug: str) -> Workspace:
    workspace = await session.scalar(
        select(Workspace).where(Workspace.slug == slug, Workspace.status == "active")
    )
    if workspace is None:
        raise NotFound("No such opt-in page.")
    return workspace


@router.get("/api/v1/optin/{slug}", operation_id="optin:page")
async def optin_page(slug: str, session: Session) -> OptInPage:
    """What the hosted page (or an embedded form) shows."""
    workspace = await _workspace(session, slug)
    return OptInPage(workspace_name=workspace.name, notice=notice_for(workspace))


@router.post("/optin/{slug}", status_code=status.HTTP_201_CREATED, operation_id="optin:submit")
async def optin_submit(slug: str, body: OptInIn, session: Session, state: State) -> OptInResult:
    meta = request_meta.get()
    await hit(state.redis, "optin-ip", meta.ip or "unknown", 20, 3600)
    workspace = await _workspace(session, slug)
    if body.notice != notice_for(workspace):
        raise Conflict(
            "The notice changed; reload the page and read it again.", code="optin.notice_changed"
        )
    phone = to_e164(body.phone, workspace.default_country)
    contact = await contact_for(session, state, workspace.id, phone, body.name)
    assert contact is not None
    result = await ledger.request_form_optin(
        session,
        state.secrets,
        contact,
        "marketing",
        ledger.Evidence(
            source="web_form",
            evidence=body.notice,
            source_ref=f"optin:{slug}",
            ip=meta.ip,
            user_agent=meta.user_agent,
        ),
    )
    if isinstance(result, ConsentEvent):
        return OptInResult(status="opted_in", detail="You are subscribed. Reply STOP to stop.")
    return OptInResult(
        status="pending_confirmation",
        detail="To confirm, send START to us on WhatsApp from this number.",
    )
