from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from qms.auth.dependencies import Principal, requires
from qms.deps import Session, State
from qms.models import WhatsAppConnection, WhatsAppPhoneNumber
from qms.pagination import Items
from qms.whatsapp import service
from qms.whatsapp.schemas import ConnectionIn, ConnectionOut, PhoneNumberOut

router = APIRouter(prefix="/whatsapp", tags=["whatsapp"])

WhatsAppRead = Annotated[Principal, Depends(requires("whatsapp:read"))]
WhatsAppWrite = Annotated[Principal, Depends(requires("whatsapp:write"))]

STALE_AFTER = timedelta(minutes=5)


def _out(connection: WhatsAppConnection, numbers: list[WhatsAppPhoneNumber]) -> ConnectionOut:
    return ConnectionOut(
        mode=connection.mode,
        waba_id=connection.waba_id,
        status=connection.status,
        status_reason=connection.status_reason,
        access_token_hint=f"••••{connection.token_hint}",
        connected_at=connection.connected_at,
        phone_numbers=[PhoneNumberOut.model_validate(n) for n in numbers],
    )


@router.put("/connection", operation_id="whatsapp:connect")
async def connect(
    body: ConnectionIn, principal: WhatsAppWrite, session: Session, state: State
) -> ConnectionOut:
    """Connect (or replace) the workspace's WhatsApp Business Account. The token is checked
    against the Cloud API and stored encrypted; it is never returned."""
    connection = await service.connect(session, state, principal, body)
    numbers = await service.list_numbers(session, principal.workspace_id, connection.mode)
    return _out(connection, numbers)


@router.get("/connection", operation_id="whatsapp:get_connection")
async def get_connection(principal: WhatsAppRead, session: Session) -> ConnectionOut:
    mode = service.mode_of(principal)
    connection = await service.get_connection(session, principal.workspace_id, mode)
    return _out(connection, await service.list_numbers(session, principal.workspace_id, mode))


@router.delete(
    "/connection", status_code=status.HTTP_204_NO_CONTENT, operation_id="whatsapp:disconnect"
)
async def disconnect(principal: WhatsAppWrite, session: Session) -> None:
    await service.disconnect(session, principal)


@router.get("/phone-numbers", operation_id="whatsapp:phone_numbers")
async def phone_numbers(
    principal: WhatsAppRead,
    session: Session,
    state: State,
    refresh: Annotated[bool, Query(description="Fetch fresh figures from the Cloud API")] = False,
) -> Items[PhoneNumberOut]:
    """Quality rating, throughput and messaging tier of each connected number (refreshed from
    the Cloud API when older than 5 minutes, and by webhooks as they arrive)."""
    mode = service.mode_of(principal)
    connection = await service.get_connection(session, principal.workspace_id, mode)
    numbers = await service.list_numbers(session, principal.workspace_id, mode)
    stale = any(datetime.now(UTC) - n.refreshed_at > STALE_AFTER for n in numbers)
    if (refresh or stale) and connection.status == "active":
        await service.refresh_numbers(session, state, connection)
        await session.flush()
        session.expire_all()
        numbers = await service.list_numbers(session, principal.workspace_id, mode)
    return Items(items=[PhoneNumberOut.model_validate(n) for n in numbers])
