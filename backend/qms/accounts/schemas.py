from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from qms.schemas import Name, Out, Password, Phone, Schema


class UserOut(Out):
    id: uuid.UUID
    email: str
    full_name: str
    phone: str | None
    locale: str
    marketing_emails: bool
    email_verified: bool
    totp_enabled: bool
    created_at: datetime


class UserUpdate(Schema):
    full_name: Name | None = None
    phone: Phone | None = None
    locale: Literal["en", "ar"] | None = None
    marketing_emails: bool | None = None


class PasswordChange(Schema):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password


class SessionOut(Out):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool


class TotpSetup(Out):
    secret: str
    otpauth_uri: str


class TotpCode(Schema):
    code: str = Field(min_length=6, max_length=10)


class TotpDisable(Schema):
    password: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=6, max_length=32)


class RecoveryCodes(Out):
    recovery_codes: list[str]
