from __future__ import annotations

import json
import logging
import re

import httpx
import pytest


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz_checks_postgres_redis_and_migrations(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"postgres": "ok", "migrations": "ok", "redis": "ok"}


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"


async def test_each_request_is_logged_with_its_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qms.http")
    r = await client.get("/healthz", headers={"X-Request-ID": "req-42"})
    generated = await client.get("/healthz")
    request_id = generated.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = [json.loads(record.getMessage()) for record in caplog.records]
    requests = [line for line in lines if line["event"] == "request"]
    assert [(line["request_id"], line["path"], line["status"]) for line in requests] == [
        ("req-42", "/healthz", r.status_code),
        (request_id, "/healthz", 200),
    ]
