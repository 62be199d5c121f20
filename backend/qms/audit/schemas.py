from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from qms.schemas import Out


class AuditEventOut(Out):
    id: int
    action: str
    actor_user_id: uuid.UUID | None
    actor_email: str | None
    actor_api_key_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    created_at: datetime
