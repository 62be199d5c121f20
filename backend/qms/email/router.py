"""Development-only outbox: shows the mails QMS would have sent (404 in production)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends
from sqlalchemy import select

from qms.auth.dependencies import public
from qms.deps import Session, State
from qms.email.service import read_body
from qms.errors import NotFound
from qms.models import OutboxEmail
from qms.pagination import Items
from qms.schemas import Out

router = APIRouter(prefix="/dev", tags=["development"])


class DevEmail(Out):
    id: uuid.UUID
    to: str
    subject: str
    body: str | None
    created_at: datetime
    sent_at: datetime | None


@router.get("/outbox", operation_id="dev:outbox", dependencies=[Depends(public)])
async def dev_outbox(session: Session, state: State) -> Items[DevEmail]:
    if state.settings.is_production:
        raise NotFound()
    rows = await session.scalars(
        select(OutboxEmail).order_by(OutboxEmail.created_at.desc()).limit(100)
    )
    return Items(
        items=[
            DevEmail(
                id=e.id,
                to=e.to_address,
                subject=e.subject,
                body=read_body(state.keyring, e),
                created_at=e.created_at,
                sent_at=e.sent_at,
            )
            for e in rows
        ]
    )
