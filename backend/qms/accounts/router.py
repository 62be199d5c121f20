from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from qms.accounts import service
from qms.accounts.schemas import (
    PasswordChange,
    RecoveryCodes,
    SessionOut,
    TotpCode,
    TotpDisable,
    TotpSetup,
    UserOut,
    UserUpdate,
)
from qms.auth import service as auth_service
from qms.auth.dependencies import CurrentUser
from qms.deps import Session, State
from qms.models import User
from qms.pagination import Items

router = APIRouter(prefix="/me", tags=["account"])


@router.get("", operation_id="me:get")
async def get_me(principal: CurrentUser, session: Session) -> UserOut:
    return service.user_out(await session.get_one(User, principal.require_user()))


@router.patch("", operation_id="me:update")
async def update_me(body: UserUpdate, principal: CurrentUser, session: Session) -> UserOut:
    user = await service.update_me(session, principal.require_user(), body)
    await session.flush()
    await session.refresh(user)
    return service.user_out(user)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, operation_id="me:change_password")
async def change_password(
    body: PasswordChange, principal: CurrentUser, session: Session, state: State
) -> None:
    """Change the password; every other session is signed out."""
    await auth_service.change_password(
        session,
        state,
        principal.require_user(),
        principal.session_id,
        principal.workspace_id,
        body.current_password,
        body.new_password,
    )


@router.get("/sessions", operation_id="me:list_sessions")
async def list_sessions(principal: CurrentUser, session: Session) -> Items[SessionOut]:
    rows = await service.list_sessions(session, principal.require_user())
    return Items(
        items=[
            SessionOut(
                id=s.id,
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                ip=s.ip,
                user_agent=s.user_agent,
                current=s.id == principal.session_id,
            )
            for s in rows
        ]
    )


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="me:revoke_session",
)
async def revoke_session(session_id: uuid.UUID, principal: CurrentUser, session: Session) -> None:
    await service.revoke_session(
        session, principal.require_user(), principal.workspace_id, session_id
    )


@router.post("/totp/setup", operation_id="me:totp_setup")
async def totp_setup(principal: CurrentUser, session: Session, state: State) -> TotpSetup:
    secret, uri = await service.totp_setup(session, state, principal.require_user())
    return TotpSetup(secret=secret, otpauth_uri=uri)


@router.post("/totp/enable", operation_id="me:totp_enable")
async def totp_enable(
    body: TotpCode, principal: CurrentUser, session: Session, state: State
) -> RecoveryCodes:
    """Turn two-factor on; the recovery codes are shown this once."""
    codes = await service.totp_enable(
        session, state, principal.require_user(), principal.workspace_id, body.code
    )
    return RecoveryCodes(recovery_codes=codes)


@router.post(
    "/totp/disable", status_code=status.HTTP_204_NO_CONTENT, operation_id="me:totp_disable"
)
async def totp_disable(
    body: TotpDisable, principal: CurrentUser, session: Session, state: State
) -> None:
    await service.totp_disable(
        session, state, principal.require_user(), principal.workspace_id, body.password, body.code
    )
