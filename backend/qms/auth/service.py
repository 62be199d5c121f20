"""Sign-up, sign-in, refresh-token rotation, email verification and password reset."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qms.audit import service as audit
from qms.auth.schemas import SignupRequest, TokenResponse
from qms.context import request_meta
from qms.db import enqueue_after_commit
from qms.email.service import queue_email
from qms.errors import AppError, Conflict, Unauthenticated, Unprocessable
from qms.legal.service import POLICY_VERSION
from qms.models import (
    AuthSession,
    Invitation,
    Membership,
    OneTimeToken,
    RefreshToken,
    Role,
    User,
    Workspace,
)
from qms.security.passwords import hash_password, verify_password
from qms.security.tokens import AccessClaims, hash_token, issue_access_token, new_opaque_token
from qms.state import AppState
from qms.throttle import clear, hit

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"


class InvalidCredentials(AppError):
    keep_changes = True  # keep the audit record of the failed attempt
    status = 401
    code = "auth.invalid_credentials"
    title = "Invalid credentials"


class TokenInvalid(AppError):
    status = 400
    code = "auth.token_invalid"
    title = "Invalid or expired link"


@dataclass
class IssuedTokens:
    response: TokenResponse
    refresh_token: str


def now() -> datetime:
    return datetime.now(UTC)


def _slugify(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "workspace"
    return f"{base}-{secrets.token_hex(3)}"


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    user: User | None = await session.scalar(
        select(User).where(func.lower(User.email) == email.lower())
    )
    return user


async def pending_invitation(
    session: AsyncSession, state: AppState, token: str
) -> tuple[Invitation, Workspace]:
    row = (
        await session.execute(
            select(Invitation, Workspace)
            .join(Workspace, Workspace.id == Invitation.workspace_id)
            .where(Invitation.token_hash == hash_token(token, state.secrets.hmac_key))
            # Concurrent accepts of one link queue here; the later ones see it accepted.
            .with_for_update(of=Invitation)
        )
    ).first()
    if row is None or row[0].status_at(now()) != "pending" or row[1].status != "active":
        raise TokenInvalid("This invitation is invalid, expired or already used.")
    return row[0], row[1]


async def signup(session: AsyncSession, state: AppState, data: SignupRequest) -> User:
    await hit(
        state.redis,
        "signup-ip",
        request_meta.get().ip or "unknown",
        state.settings.signup_max_per_ip,
        state.settings.throttle_window_seconds,
    )
    if not data.age_confirmed:
        raise Unprocessable(
            "You must be 18 or older to use QMS.", code="auth.age_confirmation_required"
        )
    if data.privacy_policy_version != POLICY_VERSION:
        raise Unprocessable(
            "Please read and accept the current privacy policy.",
            code="legal.policy_version_mismatch",
            extra={"current_version": POLICY_VERSION},
        )
    invitation: Invitation | None = None
    if data.invitation_token:
        invitation, _ = await pending_invitation(session, state, data.invitation_token)
        if invitation.email.lower() != data.email.lower():
            raise AppError(
                "This invitation was sent to another email address.",
                code="invitations.email_mismatch",
                status=403,
            )
    elif not data.business_name:
        raise Unprocessable(
            "A business name is required.",
            extra={"errors": [{"loc": ["body", "business_name"], "msg": "Field required"}]},
        )
    email_taken = Conflict("An account with this email already exists.", code="auth.email_taken")
    if await find_user_by_email(session, data.email) is not None:
        raise email_taken

    at = now()
    user = User(
        id=uuid.uuid4(),
        email=data.email,
        password_hash=hash_password(data.password),
        full_name=data.full_name,
        phone=data.phone,
        locale=data.locale,
        age_confirmed_at=at,
        privacy_policy_version=POLICY_VERSION,
        privacy_policy_accepted_at=at,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent signup with the same email won
        raise email_taken from exc
    if invitation is not None:
        workspace_id = invitation.workspace_id
        session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=invitation.role))
        invitation.accepted_at = at
        # The invitation link proved the address.
        user.email_verified_at = at
        await audit.record(
            session,
            "member.joined",
            workspace_id=workspace_id,
            actor_user_id=user.id,
            target_type="user",
            target_id=user.id,
            details={"role": invitation.role.value, "invitation_id": str(invitation.id)},
        )
    else:
        assert data.business_name is not None
        workspace = Workspace(
            id=uuid.uuid4(),
            name=data.business_name,
            slug=_slugify(data.business_name),
            contact_email=data.email,
        )
        session.add(workspace)
        await session.flush()
        workspace_id = workspace.id
        session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=Role.owner))
        await send_verification_email(session, state, user)
    await session.flush()
    await audit.record(
        session,
        "user.signed_up",
        workspace_id=workspace_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
        details={"privacy_policy_version": POLICY_VERSION},
    )
    return user


async def default_membership(
    session: AsyncSession, user_id: uuid.UUID, preferred: uuid.UUID | None = None
) -> Membership:
    query = (
        select(Membership)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user_id, Workspace.status == "active")
        .order_by((Membership.workspace_id == preferred).desc(), Membership.created_at)
        .limit(1)
    )
    membership = await session.scalar(query)
    if membership is None:
        raise Unauthenticated("This account has no active workspace.", code="auth.no_workspace")
    return membership


def access_token_for(
    state: AppState, user_id: uuid.UUID, membership: Membership, session_id: uuid.UUID
) -> TokenResponse:
    ttl = state.settings.access_token_ttl_seconds
    token = issue_access_token(
        state.secrets.jwt_key,
        AccessClaims(user_id=user_id, workspace_id=membership.workspace_id, session_id=session_id),
        ttl,
    )
    return TokenResponse(
        access_token=token,
        expires_in=ttl,
        workspace_id=str(membership.workspace_id),
        role=membership.role,
    )


async def start_session(
    session: AsyncSession, state: AppState, user: User, membership: Membership
) -> IssuedTokens:
    meta = request_meta.get()
    auth_session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        workspace_id=membership.workspace_id,
        ip=meta.ip,
        user_agent=(meta.user_agent or "")[:500] or None,
        expires_at=now() + timedelta(days=state.settings.refresh_token_ttl_days),
    )
    session.add(auth_session)
    await session.flush()
    refresh = new_opaque_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=hash_token(refresh, state.secrets.hmac_key)
        )
    )
    return IssuedTokens(access_token_for(state, user.id, membership, auth_session.id), refresh)


async def check_second_factor(state: AppState, user: User, code: str | None) -> bool:
    """True when a recovery code was consumed (the caller saves the user)."""
    if user.totp_enabled_at is None or user.totp_secret_encrypted is None:
        return False
    if not code:
        raise AppError(
            "Enter the code from your authenticator app.", code="auth.totp_required", status=401
        )
    code = code.replace(" ", "")
    secret = state.keyring.decrypt_text(user.totp_secret_encrypted, f"totp:{user.id}")
    if code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1):
        # A code is good once: replaying an observed code within its window fails.
        fresh = await state.redis.set(f"qms:totp-used:{user.id}:{code}", 1, ex=120, nx=True)
        if fresh:
            return False
    digest = hash_token(code.lower(), state.secrets.hmac_key)
    if user.totp_recovery_hashes and digest in user.totp_recovery_hashes:
        user.totp_recovery_hashes = [h for h in user.totp_recovery_hashes if h != digest]
        return True
    raise AppError("The two-factor code is not valid.", code="auth.totp_invalid", status=401)


async def check_password(state: AppState, user: User, password: str) -> None:
    """Re-authentication inside a session (password change, 2FA off), throttled per account."""
    await hit(
        state.redis,
        "password-check",
        str(user.id),
        state.settings.password_check_max_per_account,
        state.settings.throttle_window_seconds,
    )
    if not verify_password(password, user.password_hash):
        raise AppError("The password is incorrect.", code="auth.wrong_password")
    await clear(state.redis, "password-check", str(user.id))


async def login(
    session: AsyncSession, state: AppState, email: str, password: str, totp_code: str | None
) -> IssuedTokens:
    settings = state.settings
    meta = request_meta.get()
    window = settings.throttle_window_seconds
    await hit(state.redis, "login-ip", meta.ip or "unknown", settings.login_max_per_ip, window)
    await hit(state.redis, "login-account", email, settings.login_max_per_account, window)

    user = await find_user_by_email(session, email)
    if not verify_password(password, user.password_hash if user else None) or user is None:
        # The same statements for unknown and known emails: timing tells nothing.
        await audit.record_login_failure(session, user.id if user else None)
        raise InvalidCredentials("The email or password is incorrect.")
    membership = await default_membership(session, user.id)
    if user.totp_enabled_at is not None:
        # Lock the user: a recovery code must not be spent twice by concurrent logins.
        await session.refresh(user, with_for_update=True)
    await check_second_factor(state, user, totp_code)
    await clear(state.redis, "login-account", email)
    issued = await start_session(session, state, user, membership)
    await audit.record(
        session,
        "auth.login_succeeded",
        workspace_id=membership.workspace_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
    )
    return issued


async def revoke_sessions(
    session: AsyncSession, user_id: uuid.UUID, reason: str, keep: uuid.UUID | None = None
) -> None:
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await session.execute(query.values(revoked_at=now(), revoked_reason=reason))


async def refresh(session: AsyncSession, state: AppState, token: str) -> IssuedTokens:
    digest = hash_token(token, state.secrets.hmac_key)
    row = (
        await session.execute(
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == digest)
            .with_for_update(of=RefreshToken)
        )
    ).first()
    invalid = Unauthenticated("Your session has ended; sign in again.", code="auth.refresh_invalid")
    if row is None:
        raise invalid
    stored, auth_session = row
    if auth_session.revoked_at is not None or auth_session.expires_at <= now():
        raise invalid
    grace = timedelta(seconds=state.settings.refresh_reuse_grace_seconds)
    if stored.used_at is not None and now() - stored.used_at > grace:
        # A rotated token came back: someone holds a copy. End the whole family.
        auth_session.revoked_at = now()
        auth_session.revoked_reason = "refresh_reuse"
        await audit.record(
            session,
            "auth.refresh_reuse_detected",
            workspace_id=auth_session.workspace_id,
            actor_user_id=auth_session.user_id,
            target_type="session",
            target_id=auth_session.id,
        )
        raise Unauthenticated(
            "This session was revoked because a refresh token was reused.",
            code="auth.refresh_reused",
            keep_changes=True,
        )
    stored.used_at = stored.used_at or now()
    auth_session.last_used_at = now()
    membership = await default_membership(
        session, auth_session.user_id, preferred=auth_session.workspace_id
    )
    auth_session.workspace_id = membership.workspace_id
    new_token = new_opaque_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id, token_hash=hash_token(new_token, state.secrets.hmac_key)
        )
    )
    return IssuedTokens(
        access_token_for(state, auth_session.user_id, membership, auth_session.id), new_token
    )


async def logout(session: AsyncSession, state: AppState, token: str) -> None:
    digest = hash_token(token, state.secrets.hmac_key)
    auth_session = await session.scalar(
        select(AuthSession)
        .join(RefreshToken, RefreshToken.session_id == AuthSession.id)
        .where(RefreshToken.token_hash == digest)
    )
    if auth_session is not None and auth_session.revoked_at is None:
        auth_session.revoked_at = now()
        auth_session.revoked_reason = "logout"


async def _new_one_time_token(
    session: AsyncSession, state: AppState, user: User, purpose: str, ttl: timedelta
) -> str:
    # A new link supersedes older ones of the same purpose.
    await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now())
    )
    token = new_opaque_token()
    session.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token, state.secrets.hmac_key),
            expires_at=now() + ttl,
        )
    )
    return token


async def send_verification_email(session: AsyncSession, state: AppState, user: User) -> None:
    token = await _new_one_time_token(
        session, state, user, VERIFY_EMAIL, timedelta(hours=state.settings.email_token_ttl_hours)
    )
    link = f"{state.settings.public_url}/verify-email?token={token}"
    await queue_email(
        session,
        state.keyring,
        to=user.email,
        subject="Confirm your email address for QMS",
        body=f"Hello {user.full_name},\n\nConfirm your email address by opening this link:\n"
        f"{link}\n\nThe link expires in {state.settings.email_token_ttl_hours} hours.",
    )


async def resend_verification(session: AsyncSession, state: AppState, user_id: uuid.UUID) -> None:
    user = await session.get_one(User, user_id)
    if user.email_verified_at is not None:
        return
    await hit(state.redis, "verify-resend", str(user.id), 5, state.settings.throttle_window_seconds)
    await send_verification_email(session, state, user)


async def _consume(session: AsyncSession, state: AppState, token: str, purpose: str) -> User:
    stored = await session.scalar(
        select(OneTimeToken)
        .where(
            OneTimeToken.token_hash == hash_token(token, state.secrets.hmac_key),
            OneTimeToken.purpose == purpose,
        )
        .with_for_update()
    )
    if stored is None or stored.used_at is not None or stored.expires_at <= now():
        raise TokenInvalid("This link is invalid, expired or already used.")
    stored.used_at = now()
    return await session.get_one(User, stored.user_id)


async def verify_email(session: AsyncSession, state: AppState, token: str) -> User:
    user = await _consume(session, state, token, VERIFY_EMAIL)
    user.email_verified_at = user.email_verified_at or now()
    return user


async def request_password_reset(session: AsyncSession, state: AppState, email: str) -> None:
    settings = state.settings
    window = settings.throttle_window_seconds
    await hit(
        state.redis,
        "reset-ip",
        request_meta.get().ip or "unknown",
        settings.reset_max_per_ip,
        window,
    )
    await hit(state.redis, "reset-account", email, settings.reset_max_per_account, window)
    # The lookup and the mail happen in a job, so the answer takes the same time whether or not
    # the address has an account.
    enqueue_after_commit(session, "send_password_reset", email)


async def send_password_reset(session: AsyncSession, state: AppState, email: str) -> None:
    settings = state.settings
    user = await find_user_by_email(session, email)
    if user is None:
        return
    token = await _new_one_time_token(
        session,
        state,
        user,
        PASSWORD_RESET,
        timedelta(minutes=settings.password_reset_ttl_minutes),
    )
    link = f"{settings.public_url}/reset-password?token={token}"
    await queue_email(
        session,
        state.keyring,
        to=user.email,
        subject="Reset your QMS password",
        body=f"Hello {user.full_name},\n\nSomeone asked to reset your QMS password. If it was you,"
        f" open this link within {settings.password_reset_ttl_minutes} minutes:\n{link}\n\n"
        "If it was not you, ignore this email; your password stays unchanged.",
    )


async def confirm_password_reset(
    session: AsyncSession, state: AppState, token: str, new_password: str
) -> None:
    user = await _consume(session, state, token, PASSWORD_RESET)
    user.password_hash = hash_password(new_password)
    # Whoever knew the old password is signed out everywhere.
    await revoke_sessions(session, user.id, "password_reset")
    membership = await session.scalar(
        select(Membership).where(Membership.user_id == user.id).limit(1)
    )
    await audit.record(
        session,
        "auth.password_reset",
        workspace_id=membership.workspace_id if membership else None,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
    )


async def change_password(
    session: AsyncSession,
    state: AppState,
    user_id: uuid.UUID,
    session_id: uuid.UUID | None,
    workspace_id: uuid.UUID,
    current: str,
    new: str,
) -> None:
    user = await session.get_one(User, user_id)
    await check_password(state, user, current)
    user.password_hash = hash_password(new)
    await revoke_sessions(session, user.id, "password_changed", keep=session_id)
    await audit.record(
        session,
        "auth.password_changed",
        workspace_id=workspace_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
    )
