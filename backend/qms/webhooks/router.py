"""Meta's webhook endpoint: the verification handshake and signed event POSTs."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from qms.auth.dependencies import public
from qms.deps import Session, State
from qms.errors import AppError, Forbidden
from qms.webhooks import service

router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(public)])


@router.get("/whatsapp", operation_id="webhooks:whatsapp_verify", response_class=PlainTextResponse)
async def verify(
    state: State,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=32)] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token", max_length=256)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=256)] = None,
) -> PlainTextResponse:
    """Meta's subscription handshake: echo `hub.challenge` when the verify token matches."""
    expected = state.secrets.meta_verify_token
    if (
        mode != "subscribe"
        or challenge is None
        or verify_token is None
        or not hmac.compare_digest(verify_token.encode(), expected.encode())
    ):
        raise Forbidden("Verification failed.", code="webhooks.verification_failed")
    return PlainTextResponse(challenge)


@router.post(
    "/whatsapp", operation_id="webhooks:whatsapp_receive", response_class=PlainTextResponse
)
async def receive(request: Request, session: Session, state: State) -> PlainTextResponse:
    """Signed events from Meta. Stored durably before the 200 (a 5xx makes Meta retry)."""
    body = await request.body()
    if len(body) > service.MAX_BODY_BYTES:
        raise AppError("Payload too large.", code="payload_too_large", status=413)
    service.verify_signature(
        state.secrets.meta_app_secret, body, request.headers.get("x-hub-signature-256")
    )
    await service.store_event(session, body)
    return PlainTextResponse("OK")
