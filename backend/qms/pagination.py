"""Cursor pagination: `?limit=&cursor=` → `{items, next_cursor}` (opaque, keyset-based)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from qms.errors import Unprocessable
from qms.schemas import check_storable

T = TypeVar("T")
P = TypeVar("P")

Limit = Annotated[int, Query(ge=1, le=200)]
# Room for a keyset on a 200-character name in any script (UTF-8, then base64).
Cursor = Annotated[str | None, Query(max_length=2048)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Items(BaseModel, Generic[T]):
    """A complete (small, unpaginated) collection."""

    items: list[T]


def encode_cursor(values: dict[str, Any]) -> str:
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False)  # "ش", not "\\u0634"
    return base64.urlsafe_b64encode(text.encode()).decode()


class InvalidCursor(Unprocessable):
    code = "pagination.invalid_cursor"
    title = "The cursor is not valid"


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except ValueError as exc:
        raise InvalidCursor("The cursor is not valid.") from exc


def read_cursor(cursor: str | None, parse: Callable[[dict[str, Any]], P]) -> P | None:
    """The keyset position in `cursor` (None without one). Cursors come back from clients, so
    anything `parse` cannot read (a missing key, a wrong type, a value out of range) is a 422."""
    data = decode_cursor(cursor)
    if data is None:
        return None
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidCursor("The cursor is not valid.") from exc


def cursor_text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    check_storable(value)
    return value


def cursor_time(value: object) -> datetime:
    """An aware timestamp that converts to UTC (at the ends of the calendar it does not)."""
    at = datetime.fromisoformat(cursor_text(value))
    if at.tzinfo is None:
        raise ValueError(value)
    at.astimezone(UTC)
    return at


def cursor_uuid(value: object) -> uuid.UUID:
    return uuid.UUID(cursor_text(value))
