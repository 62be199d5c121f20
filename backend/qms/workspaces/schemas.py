from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from qms.models.accounts import Role
from qms.schemas import CountryCode, Email, Name, Out, Phone, Schema, TimeZone


class WorkspaceSummary(Out):
    id: uuid.UUID
    name: str
    slug: str
    role: Role


class WorkspaceOut(Out):
    id: uuid.UUID
    name: str
    slug: str
    contact_email: str | None
    contact_phone: str | None
    timezone: str
    default_country: str | None
    require_admin_2fa: bool
    test_mode: bool
    status: str
    created_at: datetime


class WorkspaceUpdate(Schema):
    name: Name | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    timezone: TimeZone | None = None
    default_country: CountryCode | None = None
    require_admin_2fa: bool | None = None
    test_mode: bool | None = Field(
        default=None, description="Send every WhatsApp call to the simulator."
    )


class WorkspaceDelete(Schema):
    confirm_name: str = Field(max_length=200, description="The workspace name, typed to confirm.")


class WorkspaceTerminated(Out):
    status: Literal["terminated"]
    purge_after: datetime


class MemberOut(Out):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    joined_at: datetime
    totp_enabled: bool


class MemberUpdate(Schema):
    role: Role


class OwnershipTransfer(Schema):
    user_id: uuid.UUID


class InvitationCreate(Schema):
    email: Email
    role: Role


class InvitationOut(Out):
    id: uuid.UUID
    email: str
    role: Role
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime


class InvitationPreview(Out):
    workspace_name: str
    email: str
    role: Role
    expires_at: datetime
