"""Parsing Meta's webhook values into typed updates (shapes per the Cloud API spec §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from qms.whatsapp.errors import CloudApiError, from_error_object

STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 0}


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    status: str
    occurred_at: datetime
    recipient_id: str | None
    callback_data: str | None
    pricing: dict[str, Any] | None
    error: CloudApiError | None


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def parse_statuses(value: dict[str, Any]) -> list[StatusUpdate]:
    """`value.statuses[]`; an async failure's first error becomes the same classified exception
    a synchronous send would raise."""
    updates = []
    for item in value.get("statuses") or []:
        if not isinstance(item, dict) or not item.get("id") or not item.get("status"):
            continue
        errors = item.get("errors") or []
        error = from_error_object(errors[0]) if errors and isinstance(errors[0], dict) else None
        pricing = item.get("pricing")
        updates.append(
            StatusUpdate(
                wamid=str(item["id"]),
                status=str(item["status"]),
                occurred_at=_timestamp(item.get("timestamp")),
                recipient_id=str(item["recipient_id"]) if item.get("recipient_id") else None,
                callback_data=item.get("biz_opaque_callback_data"),
                pricing=pricing if isinstance(pricing, dict) else None,
                error=error,
            )
        )
    return updates
