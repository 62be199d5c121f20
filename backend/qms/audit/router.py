from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from qms.audit import service
from qms.audit.schemas import AuditEventOut
from qms.auth.dependencies import Principal, requires
from qms.deps import Session
from qms.errors import Unprocessable
from qms.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from qms.schemas import Timestamp

router = APIRouter(prefix="/audit-events", tags=["audit"])

AuditRead = Annotated[Principal, Depends(requires("audit:read"))]


@router.get("", operation_id="audit:list")
async def list_audit_events(
    principal: AuditRead,
    session: Session,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None,
    actor_id: uuid.UUID | None = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEventOut]:
    """Security-relevant events of this workspace, newest first."""
    position = decode_cursor(cursor)
    before_id = position.get("id") if position else None
    if before_id is not None and (
        not isinstance(before_id, int) or isinstance(before_id, bool) or not 0 < before_id < 2**63
    ):
        raise Unprocessable("The cursor is not valid.", code="pagination.invalid_cursor")
    rows = await service.list_events(
        session,
        principal.workspace_id,
        action=action,
        actor_id=actor_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit + 1,
    )
    items = [
        AuditEventOut(
            id=e.id,
            action=e.action,
            actor_user_id=e.actor_user_id,
            actor_email=email,
            actor_api_key_id=e.actor_api_key_id,
            target_type=e.target_type,
            target_id=e.target_id,
            ip=e.ip,
            user_agent=e.user_agent,
            details=e.details,
            created_at=e.created_at,
        )
        for e, email in rows[:limit]
    ]
    next_cursor = encode_cursor({"id": items[-1].id}) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)
