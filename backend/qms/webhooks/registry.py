"""Domains register handlers for Meta webhook fields here; the worker dispatches each change of a
stored event to the handlers of its `field`. Unknown fields are kept and ignored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from qms.state import AppState


@dataclass(frozen=True)
class Change:
    """One `entry[].changes[]` item, with what its entry says about it."""

    field: str
    value: dict[str, Any]
    waba_id: str | None
    entry_time: int | None

    @property
    def phone_number_id(self) -> str | None:
        metadata = self.value.get("metadata")
        return str(metadata.get("phone_number_id")) if isinstance(metadata, dict) else None


Handler = Callable[[AsyncSession, AppState, Change], Awaitable[None]]

_HANDLERS: dict[str, list[Handler]] = {}


def on(field: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS.setdefault(field, []).append(handler)
        return handler

    return register


def handlers_for(field: str) -> list[Handler]:
    return _HANDLERS.get(field, [])


def load_handlers() -> None:
    """Import every domain's handler module (registration happens on import)."""
    import qms.consent.handlers
    import qms.templates.handlers
    import qms.whatsapp.handlers  # noqa: F401
