"""API keys: `qms_live_…`, shown once, stored as a keyed hash with a visible prefix."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qms.api_keys.schemas import ApiKeyCreate
from qms.audit import service as audit
from qms.auth.dependencies import Principal
from qms.auth.scopes import SCOPES, scopes_for_role
from qms.errors import Forbidden, NotFound, Unprocessable
from qms.models import ApiKey
from qms.security.tokens import hash_token
from qms.state import AppState

PREFIXES = {"live": "qms_live_", "test": "qms_test_"}
VISIBLE_CHARS = 8


async def list_keys(session: AsyncSession, workspace_id: uuid.UUID) -> list[ApiKey]:
    rows = await session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.created_at.desc())
    )
    return list(rows)


async def create_key(
    session: AsyncSession, state: AppState, principal: Principal, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    scopes = sorted(set(data.scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise Unprocessable(
            f"Unknown scopes: {', '.join(unknown)}.",
            code="api_keys.unknown_scope",
            extra={"unknown_scopes": unknown},
        )
    # A key never exceeds its creator's role, nor (when a key creates a key) the calling key.
    allowed = scopes_for_role(principal.role) & set(principal.scopes)
    beyond = [s for s in scopes if s not in allowed]
    if beyond:
        raise Forbidden(
            f"A key cannot have more rights than you: {', '.join(beyond)}.",
            code="api_keys.scope_exceeds_role",
        )
    if data.expires_at is not None and data.expires_at <= datetime.now(UTC):
        raise Unprocessable("The expiry must be in the future.", code="api_keys.expiry_in_past")
    prefix = PREFIXES[data.mode]
    secret = prefix + secrets.token_urlsafe(32)
    key = ApiKey(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        name=data.name,
        prefix=secret[: len(prefix) + VISIBLE_CHARS],
        mode=data.mode,
        key_hash=hash_token(secret, state.secrets.hmac_key),
        scopes=scopes,
        created_by=principal.user_id,
        expires_at=data.expires_at,
    )
    session.add(key)
    await audit.record(
        session,
        "api_key.created",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="api_key",
        target_id=key.id,
        details={"name": data.name, "scopes": scopes},
    )
    await session.flush()
    await session.refresh(key)
    return key, secret


async def revoke_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> None:
    key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.workspace_id == principal.workspace_id)
    )
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        await audit.record(
            session,
            "api_key.revoked",
            workspace_id=principal.workspace_id,
            actor=principal,
            target_type="api_key",
            target_id=key.id,
            details={"name": key.name},
        )
