from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from qms.schemas import Out, Schema

GraphId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,32}$")]


class ConnectionIn(Schema):
    """Live mode needs all three fields. In test mode an empty body provisions a simulated
    WABA with its own numbers on the simulator."""

    waba_id: GraphId | None = None
    access_token: str | None = Field(default=None, min_length=8, max_length=2048)
    phone_number_ids: list[GraphId] | None = Field(default=None, min_length=1, max_length=20)


class PhoneNumberOut(Out):
    phone_number_id: str
    display_phone_number: str | None
    verified_name: str | None
    quality_rating: str | None
    throughput_level: str | None
    messaging_limit: str | None
    refreshed_at: datetime


class ConnectionOut(Out):
    mode: Literal["live", "test"]
    waba_id: str
    status: Literal["active", "disabled", "restricted"]
    status_reason: str | None
    access_token_hint: str = Field(description="Masked: the token itself is never returned.")
    connected_at: datetime
    phone_numbers: list[PhoneNumberOut]
