from __future__ import annotations

from typing import Literal

from pydantic import Field

from qms.models.accounts import Role
from qms.schemas import Email, Name, Out, Password, Phone, Schema


class SignupRequest(Schema):
    email: Email
    password: Password
    full_name: Name
    business_name: Name | None = None
    phone: Phone | None = None
    locale: Literal["en", "ar"] = "en"
    age_confirmed: bool = Field(description="The user confirms being 18 or older.")
    privacy_policy_version: str = Field(max_length=32)
    invitation_token: str | None = Field(default=None, max_length=200)
    return_refresh_token: bool = False


class LoginRequest(Schema):
    email: Email
    password: str = Field(min_length=1, max_length=128)
    totp_code: str | None = Field(default=None, max_length=32)
    return_refresh_token: bool = Field(
        default=False,
        description="Return the refresh token in the body (for non-browser clients) "
        "instead of only the HttpOnly cookie.",
    )


class RefreshRequest(Schema):
    refresh_token: str | None = Field(default=None, max_length=200)
    return_refresh_token: bool = False


class TokenResponse(Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    workspace_id: str
    role: Role
    refresh_token: str | None = None


class TokenRequest(Schema):
    token: str = Field(min_length=1, max_length=200)


class EmailVerified(Out):
    email_verified: bool


class PasswordResetRequest(Schema):
    email: Email


class PasswordResetConfirm(Schema):
    token: str = Field(min_length=1, max_length=200)
    new_password: Password
