"""structlog JSON logs carrying the request id; phone numbers and secrets are masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from qms.context import request_meta

_SECRET_KEYS = {"password", "token", "access_token", "refresh_token", "secret", "key", "code"}
_PHONE = re.compile(r"\+?\d[\d\s-]{6,}\d")


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "•" * max(len(digits) - 4, 0) + digits[-4:]


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key in _SECRET_KEYS or key.endswith(("_token", "_secret", "_password")):
            event[key] = "[redacted]"
        elif isinstance(event[key], str) and key != "event" and _PHONE.fullmatch(event[key]):
            event[key] = mask_phone(event[key])
    return event


def _request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The request's id (set per request by `main.RequestContext`), read from its context
    variable rather than bound into structlog's for every request."""
    request_id = request_meta.get().request_id
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def configure_logging(level: str = "INFO") -> None:
    """JSON lines through stdlib logging: one pipeline, one set of levels (the stdlib ones) and
    one place to capture, for the app and its libraries alike."""
    logging.basicConfig(format="%(message)s", stream=sys.stdout)
    logging.getLogger().setLevel(level.upper())
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            _request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
