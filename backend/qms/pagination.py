"""Cursor pagination: `?limit=&cursor=` → `{items, next_cursor}` (opaque, keyset-based)."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from qms.errors import Unprocessable

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=512)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Items(BaseModel, Generic[T]):
    """A complete (small, unpaginated) collection."""

    items: list[T]


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except ValueError as exc:
        raise Unprocessable("The cursor is not valid.", code="pagination.invalid_cursor") from exc
