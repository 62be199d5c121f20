"""Who is calling, and may they do this? Every route declares one of `public`, `self_service`
or `requires(scope)`; a test walks the route table and fails on a route with none."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import bindparam, select, update

from qms.auth.scopes import SCOPES, scopes_for_role
from qms.db import Precompiled, Reader
from qms.deps import State
from qms.errors import Forbidden, Unauthenticated
from qms.models import ApiKey, AuthSession, Membership, Role, User, Workspace
from qms.security.tokens import decode_access_token, hash_token

API_KEY_PREFIXES = ("qms_live_", "qms_test_")


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID | None
    workspace_id: uuid.UUID
    role: Role
    scopes: frozenset[str]
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    # Cloud API calls made for this caller go to the simulator (test workspace or qms_test_ key).
    test_mode: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    def require_user(self) -> uuid.UUID:
        if self.user_id is None or self.is_api_key:
            raise Forbidden("This action needs a signed-in user.", code="auth.user_token_required")
        return self.user_id


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Missing bearer token.")
    return token.strip()


# Every request runs one of these; they skip SQLAlchemy's per-execution work (`Precompiled`).
_API_KEY = Precompiled.of(
    select(
        ApiKey.id,
        ApiKey.workspace_id,
        ApiKey.created_by,
        ApiKey.scopes,
        ApiKey.mode,
        ApiKey.last_used_at,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        Membership.role,
        Workspace.test_mode,
        Workspace.require_admin_2fa,
        User.totp_enabled_at,
    )
    .join(Workspace, Workspace.id == ApiKey.workspace_id)
    .outerjoin(
        Membership,
        (Membership.workspace_id == ApiKey.workspace_id)
        & (Membership.user_id == ApiKey.created_by),
    )
    .outerjoin(User, User.id == ApiKey.created_by)
    .where(ApiKey.key_hash == bindparam("key_hash"), Workspace.status == "active")
)
# The last-used time is kept to the minute: a key used by many concurrent requests would
# otherwise queue them all on one row lock.
_KEY_USED = Precompiled.of(
    update(ApiKey).where(ApiKey.id == bindparam("key_id")).values(last_used_at=bindparam("now"))
)
LAST_USED_RESOLUTION = timedelta(minutes=1)


async def _principal_from_api_key(state: State, reader: Reader, key: str) -> Principal:
    now = datetime.now(UTC)
    row = await _API_KEY.fetchrow(reader, {"key_hash": hash_token(key, state.secrets.hmac_key)})
    if row is None or row["revoked_at"] is not None:
        raise Unauthenticated("Invalid API key.")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthenticated("Invalid API key.")
    if row["role"] is None:
        raise Unauthenticated("Invalid API key.")
    creator_role = Role(row["role"])
    # A key never exceeds what its creator may do today.
    scopes = frozenset(row["scopes"]) & scopes_for_role(creator_role)
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_RESOLUTION:
        await _KEY_USED.execute(reader, {"key_id": row["id"], "now": now})
    return Principal(
        user_id=row["created_by"],
        workspace_id=row["workspace_id"],
        role=creator_role,
        scopes=scopes,
        api_key_id=row["id"],
        test_mode=row["test_mode"] or row["mode"] == "test",
        # An admin's key inherits the workspace's rule that admins use two-factor.
        extra={
            "two_factor_missing": row["require_admin_2fa"]
            and creator_role.at_least(Role.admin)
            and row["totp_enabled_at"] is None
        },
    )


_MEMBERSHIP = Precompiled.of(
    select(
        Membership.role,
        AuthSession.revoked_at,
        User.totp_enabled_at,
        Workspace.status,
        Workspace.test_mode,
        Workspace.require_admin_2fa,
    )
    .join(AuthSession, AuthSession.user_id == Membership.user_id)
    .join(User, User.id == Membership.user_id)
    .join(Workspace, Workspace.id == Membership.workspace_id)
    .where(
        Membership.user_id == bindparam("user_id"),
        Membership.workspace_id == bindparam("workspace_id"),
        AuthSession.id == bindparam("session_id"),
    )
)


async def _principal_from_jwt(state: State, token: str) -> Principal:
    claims = decode_access_token(state.secrets.jwt_key, token)  # a bad token needs no database
    row = await _MEMBERSHIP.fetchrow(
        await state.reader(),
        {
            "user_id": claims.user_id,
            "workspace_id": claims.workspace_id,
            "session_id": claims.session_id,
        },
    )
    if row is None or row["revoked_at"] is not None or row["status"] != "active":
        raise Unauthenticated("Session ended or membership removed.")
    role = Role(row["role"])
    return Principal(
        user_id=claims.user_id,
        workspace_id=claims.workspace_id,
        role=role,
        scopes=scopes_for_role(role),
        session_id=claims.session_id,
        test_mode=row["test_mode"],
        extra={
            "two_factor_missing": row["require_admin_2fa"]
            and role.at_least(Role.admin)
            and row["totp_enabled_at"] is None
        },
    )


async def authenticate(request: Request, state: State) -> Principal:
    """Runs on the reader (no ORM session): a request that only reads contacts needs none.
    Once per request: `requires` calls it directly (one dependency fewer to resolve on every
    request), other dependencies of the same request get the same principal."""
    known = request.scope.get(_PRINCIPAL)
    if known is not None:
        return known  # type: ignore[no-any-return]
    token = _bearer(request)
    if token.startswith(API_KEY_PREFIXES):
        principal = await _principal_from_api_key(state, await state.reader(), token)
    else:
        principal = await _principal_from_jwt(state, token)
    request.scope[_PRINCIPAL] = principal
    return principal


_PRINCIPAL = "qms.principal"


Authenticated = Annotated[Principal, Depends(authenticate)]

PermissionCheck = Callable[..., Awaitable[Principal]]


def requires(scope: str) -> PermissionCheck:
    """Workspace permission: a user's role or an API key's scopes must include `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    async def check(request: Request, state: State) -> Principal:
        principal = await authenticate(request, state)
        if scope not in principal.scopes:
            if principal.is_api_key:
                raise Forbidden(
                    f"The API key lacks the {scope} scope.", code="auth.insufficient_scope"
                )
            raise Forbidden("Your role does not allow this action.")
        if principal.extra.get("two_factor_missing"):
            raise Forbidden(
                "This workspace requires two-factor authentication for admins.",
                code="auth.two_factor_enrollment_required",
            )
        return principal

    check.qms_permission = scope  # type: ignore[attr-defined]
    return check


async def self_service(principal: Authenticated) -> Principal:
    """The signed-in user acting on their own account: any role, never an API key."""
    principal.require_user()
    return principal


self_service.qms_permission = "self"  # type: ignore[attr-defined]


async def public() -> None:
    """Marks a route as intentionally open (health, signup, login, Meta webhooks)."""


public.qms_permission = "public"  # type: ignore[attr-defined]

CurrentUser = Annotated[Principal, Depends(self_service)]
