"""Meta's error bodies (spec §2.3): synchronous `{"error": {...}}` answers and the asynchronous
error objects carried by failed-status webhooks."""

from __future__ import annotations

import json
import secrets
from typing import Any

HREF = "/documentation/business-messaging/whatsapp/support/error-codes"

# code -> (title, HTTP status, default details, error_subcode)
CATALOG: dict[int, tuple[str, int, str, int | None]] = {
    100: ("Invalid parameter", 400, "Invalid parameter", None),
    130429: (
        "Rate limit hit",
        400,
        "Message failed to send because there were too many messages sent from this phone "
        "number in a short period of time",
        2494055,
    ),
    130472: (
        "User's number is part of an experiment",
        400,
        "Failed to send message because this user's phone number is part of an experiment",
        None,
    ),
    131000: ("Something went wrong", 500, "Message failed to send due to an unknown error.", None),
    131008: ("Required parameter is missing", 400, "Required parameter is missing", None),
    131009: ("Parameter value is not valid", 400, "Parameter value is not valid", None),
    131016: (
        "Service unavailable",
        500,
        "A service is temporarily unavailable. Please try again later.",
        None,
    ),
    131026: (
        "Message undeliverable",
        400,
        "Unable to deliver message. Reasons can include: the recipient phone number is not a "
        "WhatsApp phone number; the recipient has not accepted our new Terms of Service and "
        "Privacy Policy; the recipient is using an old WhatsApp version.",
        None,
    ),
    131047: (
        "Re-engagement message",
        400,
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
        None,
    ),
    131048: (
        "Spam rate limit hit",
        400,
        "Message failed to send because there are restrictions on how many messages can be sent "
        "from this phone number. This may be because too many previous messages were blocked or "
        "flagged as spam.",
        None,
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        400,
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
        None,
    ),
    131050: (
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
        "messages on WhatsApp from your business",
        400,
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
        "messages on WhatsApp from your business",
        None,
    ),
    131053: (
        "Media upload error",
        400,
        "Unable to upload the media used in the message.",
        None,
    ),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        400,
        "Message failed to send because there were too many messages sent from this phone number "
        "to the same phone number in a short period of time.",
        None,
    ),
    132000: (
        "Number of parameters does not match the expected number of params",
        400,
        "Number of parameters does not match the expected number of params",
        None,
    ),
    132001: (
        "Template name does not exist in the translation",
        404,
        "Template name does not exist in the translation",
        2388040,
    ),
    132005: ("Translated text too long", 400, "Translated text is too long", None),
    132012: (
        "Parameter format does not match format in the created template",
        400,
        "Parameter format does not match format in the created template",
        None,
    ),
    132015: (
        "Template is Paused",
        400,
        "Template is paused due to low quality so it cannot be sent in a template message",
        None,
    ),
    132016: (
        "Template is disabled",
        400,
        "Template has been paused too many times due to low quality and is now permanently "
        "disabled",
        None,
    ),
}


def fbtrace_id() -> str:
    return secrets.token_urlsafe(12)


def dumps(obj: Any) -> bytes:
    """Compact JSON with non-ASCII escaped as \\uXXXX, as Meta serialises."""
    return json.dumps(obj, separators=(",", ":")).encode()


class GraphError(Exception):
    """An error answered by a Graph endpoint, rendered exactly as Meta does."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        http_status: int | None = None,
        details: str | None = None,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        whatsapp: bool = True,
        user_title: str | None = None,
        user_msg: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        title, status, default_details, default_subcode = CATALOG.get(
            code, ("Invalid parameter", 400, "Invalid parameter", None)
        )
        self.code = code
        self.message = message or f"(#{code}) {title}"
        self.http_status = http_status or status
        self.details = details if details is not None else default_details
        self.subcode = subcode if subcode is not None else default_subcode
        self.error_type = error_type
        self.whatsapp = whatsapp
        self.user_title = user_title
        self.user_msg = user_msg
        self.headers = headers or {}
        super().__init__(self.message)

    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.whatsapp:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.user_title:
            error["is_transient"] = False
            error["error_user_title"] = self.user_title
            error["error_user_msg"] = self.user_msg or self.user_title
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def body(self) -> bytes:
        return dumps(self.payload())


def wa_error(code: int, details: str | None = None) -> GraphError:
    return GraphError(code, details=details)


def auth_error(missing: bool) -> GraphError:
    message = (
        "An access token is required to request this resource."
        if missing
        else "Invalid OAuth access token - Cannot parse access token"
    )
    return GraphError(
        190,
        message,
        http_status=401,
        whatsapp=False,
        headers={"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'},
    )


def unsupported(method: str, object_id: str) -> GraphError:
    """Meta's answer for an id that does not exist or that the token may not reach."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        error_type="GraphMethodException",
        whatsapp=False,
    )


def unknown_path(path: str) -> GraphError:
    return GraphError(
        2500, f"Unknown path components: {path}", http_status=400, whatsapp=False, subcode=None
    )


def nonexisting_field(field: str, node_type: str) -> GraphError:
    return GraphError(
        100,
        f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})",
        whatsapp=False,
    )


def invalid_param(message: str, *, details: str | None = None, **kw: Any) -> GraphError:
    """`(#100) <message>` as Meta words parameter problems."""
    return GraphError(100, f"(#100) {message}", details=details or message, **kw)


def async_error(code: int, details: str | None = None) -> dict[str, Any]:
    """The error object of a failed status (spec §5.2): `title` equals `message`."""
    title, _, default_details, _ = CATALOG[code]
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details or default_details},
        "href": HREF,
    }
