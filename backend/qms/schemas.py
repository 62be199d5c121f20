"""Shared pydantic building blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

Password = Annotated[str, Field(min_length=10, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{6,20}$")]
Email = EmailStr


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("The timestamp is outside the years 1 to 9999 in UTC") from None


def _known_region(value: str) -> str:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError("Unknown country; use an ISO 3166 code such as SD")
    return value


def _known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("Unknown time zone; use an IANA name such as Africa/Khartoum") from exc
    return value


# An ISO 3166 country the phone-number metadata knows (phones are parsed in its rules).
CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_known_region)
]
TimeZone = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_known_time_zone),
    Field(examples=["Africa/Khartoum"]),
]

# A client's timestamp with its offset, as UTC: one at the very ends of the calendar
# ("9999-12-31T23:59:59-23:59") has no UTC form and is refused instead of failing the query.
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_utc)]


def check_storable(value: str) -> None:
    """Text PostgreSQL can store: no NUL character, and valid Unicode (JSON's `\\ud800` escape
    decodes to a lone surrogate, which has no UTF-8 form)."""
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError("Text must be valid Unicode (no lone surrogates)") from None


def _reject_unstorable(data: Any) -> None:
    # A loop, not recursion: a body may nest as deep as the JSON parser allows.
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            check_storable(value)
        elif isinstance(value, dict):
            for key in value:
                if isinstance(key, str):
                    check_storable(key)
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)


class Schema(BaseModel):
    """Request bodies: unknown fields are errors, so typos never pass silently; text PostgreSQL
    cannot store (NUL characters, lone surrogates) is refused up front."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        _reject_unstorable(data)
        return data


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
