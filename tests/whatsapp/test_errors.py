"""Every Meta error lands in the class that says what to do, by `error.code` (not HTTP status)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qms.whatsapp.errors import (
    AuthError,
    CloudApiError,
    InvalidRequestError,
    RateLimitedError,
    RecipientError,
    TemplateError,
    TransientError,
    error_class,
    from_error_object,
)
from qms.whatsapp.payloads import parse_statuses

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"


def _fixture(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("code", "http", "cls"),
    [
        (130429, 400, RateLimitedError),
        (131056, 400, RateLimitedError),
        (4, 400, RateLimitedError),
        (131026, 400, RecipientError),
        (131049, None, RecipientError),
        (131050, None, RecipientError),
        (132000, 400, TemplateError),
        (132001, 404, TemplateError),
        (132015, 400, TemplateError),
        (132016, 400, TemplateError),
        (190, 401, AuthError),
        (200, 403, AuthError),
        (131000, 500, TransientError),
        (131016, 500, TransientError),
        (100, 400, InvalidRequestError),
        (999999, 503, TransientError),
        (999999, 400, CloudApiError),
    ],
)
def test_classification_by_code(code: int, http: int | None, cls: type[CloudApiError]) -> None:
    assert error_class(code, http) is cls


@pytest.mark.parametrize(
    ("fixture", "cls", "code"),
    [
        ("api_error_130429.json", RateLimitedError, 130429),
        ("api_error_131056.json", RateLimitedError, 131056),
        ("api_error_132001.json", TemplateError, 132001),
        ("api_error_190.json", AuthError, 190),
    ],
)
def test_sync_error_bodies(fixture: str, cls: type[CloudApiError], code: int) -> None:
    error = from_error_object(_fixture(fixture)["error"], 400)
    assert type(error) is cls and error.code == code
    assert error.trace_id


def test_async_failed_status_uses_the_same_classes() -> None:
    payload = _fixture("status_failed_131049.json")
    value = payload["entry"][0]["changes"][0]["value"]
    [update] = parse_statuses(value)
    assert update.status == "failed"
    assert isinstance(update.error, RecipientError) and update.error.code == 131049


def test_statuses_parse_with_and_without_conversation() -> None:
    for name in ("status_sent.json", "status_delivered.json"):
        value = _fixture(name)["entry"][0]["changes"][0]["value"]
        [update] = parse_statuses(value)
        assert update.wamid.startswith("wamid.") and update.error is None
        assert update.status in {"sent", "delivered"}
