"""Per-request facts (request id, client IP, user agent) carried in context variables so the
audit log and structlog can read them without threading them through every call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


request_meta: ContextVar[RequestMeta] = ContextVar(
    "request_meta",
    default=RequestMeta(),  # noqa: B039 — frozen, hence immutable
)
