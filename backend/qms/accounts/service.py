"""The signed-in user's own account: profile, sessions, two-factor."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qms.accounts.schemas import UserOut, UserUpdate
from qms.audit import service as audit
from qms.auth.service import check_password, check_second_factor
from qms.errors import AppError, Conflict, NotFound
from qms.models import AuthSession, User
from qms.security.tokens import hash_token
from qms.state import AppState


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        phone=user.phone,
        locale=user.locale,
        marketing_emails=user.marketing_emails,
        email_verified=user.email_verified_at is not None,
        totp_enabled=user.totp_enabled_at is not None,
        created_at=user.created_at,
    )


async def update_me(session: AsyncSession, user_id: uuid.UUID, data: UserUpdate) -> User:
    user = await session.get_one(User, user_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None and field in {"full_name", "locale", "marketing_emails"}:
            continue
        setattr(user, field, value)
    return user


async def list_sessions(session: AsyncSession, user_id: uuid.UUID) -> list[AuthSession]:
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > datetime.now(UTC),
        )
        .order_by(AuthSession.last_used_at.desc())
    )
    return list(rows)


async def revoke_session(
    session: AsyncSession, user_id: uuid.UUID, workspace_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    target = await session.scalar(
        select(AuthSession).where(AuthSession.id == session_id, AuthSession.user_id == user_id)
    )
    if target is None:
        raise NotFound("No such session.")
    if target.revoked_at is None:
        target.revoked_at = datetime.now(UTC)
        target.revoked_reason = "revoked_by_user"
        await audit.record(
            session,
            "auth.session_revoked",
            workspace_id=workspace_id,
            actor_user_id=user_id,
            target_type="session",
            target_id=session_id,
        )


def _totp_aad(user_id: uuid.UUID) -> str:
    return f"totp:{user_id}"


async def totp_setup(session: AsyncSession, state: AppState, user_id: uuid.UUID) -> tuple[str, str]:
    user = await session.get_one(User, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor authentication is already on.", code="auth.totp_already_enabled")
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = state.keyring.encrypt_text(secret, _totp_aad(user.id))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="QMS")
    return secret, uri


async def totp_enable(
    session: AsyncSession, state: AppState, user_id: uuid.UUID, workspace_id: uuid.UUID, code: str
) -> list[str]:
    user = await session.get_one(User, user_id)
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor authentication is already on.", code="auth.totp_already_enabled")
    if user.totp_secret_encrypted is None:
        raise AppError("Start the set-up first.", code="auth.totp_not_set_up", status=409)
    secret = state.keyring.decrypt_text(user.totp_secret_encrypted, _totp_aad(user.id))
    code = code.replace(" ", "")
    if not pyotp.TOTP(secret).verify(code, valid_window=1):
        raise AppError("The two-factor code is not valid.", code="auth.totp_invalid", status=400)
    # The code that turned 2FA on cannot then be replayed at login.
    await state.redis.set(f"qms:totp-used:{user.id}:{code}", 1, ex=120)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(10)]
    user.totp_recovery_hashes = [hash_token(c, state.secrets.hmac_key) for c in codes]
    user.totp_enabled_at = datetime.now(UTC)
    await audit.record(
        session,
        "auth.totp_enabled",
        workspace_id=workspace_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
    )
    return codes


async def totp_disable(
    session: AsyncSession,
    state: AppState,
    user_id: uuid.UUID,
    workspace_id: uuid.UUID,
    password: str,
    code: str,
) -> None:
    user = await session.get_one(User, user_id)
    if user.totp_enabled_at is None:
        return
    await check_password(state, user, password)
    await check_second_factor(state, user, code)
    user.totp_enabled_at = None
    user.totp_secret_encrypted = None
    user.totp_recovery_hashes = None
    await audit.record(
        session,
        "auth.totp_disabled",
        workspace_id=workspace_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
    )
