"""Every Cloud API error, sync or async, mapped to one class of action by `error.code` (never by
HTTP status: Meta answers throttling with 400 and some permanent errors with 500)."""

from __future__ import annotations

from typing import Any, ClassVar


class CloudApiError(Exception):
    """Base: `kind` says what the caller should do."""

    kind: ClassVar[str] = "unknown"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        code: int | None,
        message: str,
        *,
        http_status: int | None = None,
        details: str | None = None,
        subcode: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        self.details = details
        self.subcode = subcode
        self.trace_id = trace_id
        super().__init__(f"({code}) {message}" + (f": {details}" if details else ""))


class RateLimitedError(CloudApiError):
    """Throughput, pair-rate or API-call limits: retry after a backoff."""

    kind = "rate_limited"
    retryable = True


class RecipientError(CloudApiError):
    """Permanent for this recipient (undeliverable, opted out of marketing, limit reached):
    do not retry now; mark the recipient."""

    kind = "recipient"


class TemplateError(CloudApiError):
    """The template is unknown, paused, disabled or was given the wrong parameters: hold the
    campaign."""

    kind = "template"


class AuthError(CloudApiError):
    """Token expired/invalid, permission missing, account blocked: disable the connection and
    alert an admin."""

    kind = "auth"


class InvalidRequestError(CloudApiError):
    """Our request was malformed: permanent, a defect to fix, never retried."""

    kind = "invalid_request"


class TransientError(CloudApiError):
    """Meta-side trouble, timeouts and network failures: retry with jitter."""

    kind = "transient"
    retryable = True


_BY_CODE: dict[int, type[CloudApiError]] = {}


def _register(cls: type[CloudApiError], *codes: int) -> None:
    for code in codes:
        _BY_CODE[code] = cls


_register(RateLimitedError, 4, 80007, 130429, 131056, 131048)
_register(
    RecipientError,
    131026,
    131021,
    131030,
    131047,
    131049,
    131050,
    130472,
    131051,
    130497,
    131062,
)
_register(
    TemplateError, 132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016, 131052, 131053
)
_register(AuthError, 0, 3, 10, 190, 131005, 368, 131031, 131042, 131045, 133010, 131063, 131064)
_register(InvalidRequestError, 100, 131008, 131009, 135000)
_register(TransientError, 1, 2, 131000, 131016, 131057, 133004)


def error_class(code: int | None, http_status: int | None = None) -> type[CloudApiError]:
    if code is not None:
        if code in _BY_CODE:
            return _BY_CODE[code]
        if 200 <= code <= 299:
            return AuthError  # permission errors
    if http_status is not None and http_status >= 500:
        return TransientError
    return CloudApiError


def from_error_object(error: dict[str, Any], http_status: int | None = None) -> CloudApiError:
    """Build the classified exception from Meta's `error` object (sync responses) or one entry
    of a webhook's `errors[]` (async failures) — both land in the same classes."""
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) else None
    data = error.get("error_data") or {}
    details = data.get("details") if isinstance(data, dict) else None
    message = str(error.get("message") or error.get("title") or "Cloud API error")
    subcode = error.get("error_subcode")
    return error_class(code, http_status)(
        code,
        message,
        http_status=http_status,
        details=details if isinstance(details, str) else None,
        subcode=subcode if isinstance(subcode, int) else None,
        trace_id=error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None,
    )
