from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from qms.models.accounts import Role
from qms.schemas import Out, Schema, Timestamp


class ScopeOut(Out):
    scope: str
    description: str
    min_role: Role


class ApiKeyCreate(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        min_length=1, max_length=50
    )
    expires_at: Timestamp | None = None
    mode: Literal["live", "test"] = Field(
        default="live",
        description="`test` keys (qms_test_…) send every WhatsApp call to the simulator.",
    )


class ApiKeyOut(Out):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    mode: Literal["live", "test"]
    created_at: datetime
    created_by: uuid.UUID | None
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key. Shown only in this response.")
