"""Recording and reading the append-only audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, Text, Uuid, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from qms.auth.dependencies import Principal
from qms.context import request_meta
from qms.models import AuditEvent, Membership, User


async def record(
    session: AsyncSession,
    action: str,
    *,
    workspace_id: uuid.UUID | None,
    actor: Principal | None = None,
    actor_user_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    meta = request_meta.get()
    session.add(
        AuditEvent(
            workspace_id=workspace_id,
            actor_user_id=actor.user_id if actor else actor_user_id,
            actor_api_key_id=actor.api_key_id if actor else None,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip=meta.ip,
            user_agent=meta.user_agent,
            details=details or {},
        )
    )


async def record_login_failure(session: AsyncSession, user_id: uuid.UUID | None) -> None:
    """One INSERT … SELECT whether or not the account exists (the workspace is looked up in the
    same statement), so a failed login costs the same either way."""
    meta = request_meta.get()
    workspace = (
        select(Membership.workspace_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at)
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(
        insert(AuditEvent).from_select(
            [
                "workspace_id",
                "actor_user_id",
                "action",
                "target_type",
                "target_id",
                "ip",
                "user_agent",
                "details",
            ],
            select(
                workspace,
                literal(user_id, Uuid),
                literal("auth.login_failed"),
                literal("user"),
                literal(str(user_id) if user_id else None, String),
                literal(meta.ip, String),
                literal(meta.user_agent, Text),
                literal({}, JSONB),
            ),
        )
    )


async def list_events(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    action: str | None,
    actor_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[tuple[AuditEvent, str]]:
    query: Select[tuple[AuditEvent, str]] = (
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(AuditEvent.workspace_id == workspace_id)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_user_id == actor_id)
    if since:
        query = query.where(AuditEvent.created_at >= since)
    if until:
        query = query.where(AuditEvent.created_at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = await session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [(event, email) for event, email in rows.all()]
