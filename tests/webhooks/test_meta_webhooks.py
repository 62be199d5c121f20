"""Meta's webhook endpoint: handshake, signature over the raw body, durable storage before 200,
dispatch by field to idempotent handlers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from qms.models import MessageStatusEvent, MetaWebhookEvent
from qms.state import AppState
from qms.webhooks.service import process_event, signature_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "meta"
SECRET = "test-meta-app-secret"  # tests/conftest.py


def _body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def _post(client: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def _stored(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(MetaWebhookEvent)) or 0)


async def test_handshake(client: httpx.AsyncClient) -> None:
    ok = await client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "test-verify-token",
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {},
    ):
        r = await client.get("/webhooks/whatsapp", params=params)
        assert r.status_code == 403, params


async def test_bad_or_missing_signature_stores_nothing(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    body = _body("status_sent.json")
    assert (await _post(client, body, None)).status_code == 401
    assert (await _post(client, body, signature_for("wrong-secret", body))).status_code == 401
    tampered = body.replace(b"sent", b"read", 1)
    assert (await _post(client, tampered, signature_for(SECRET, body))).status_code == 401
    assert (await _post(client, body, "sha256=zz")).status_code == 401
    assert await _stored(db) == 0


async def test_signed_event_is_stored_raw_and_queued(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    body = _body("inbound_text.json")
    r = await _post(client, body, signature_for(SECRET, body))
    assert r.status_code == 200
    [event] = (await db.scalars(select(MetaWebhookEvent))).all()
    assert event.body == body.decode()  # raw bytes, not re-serialised JSON
    jobs = await app_state.redis.queued_jobs()
    assert [(j.function, j.args) for j in jobs] == [("process_meta_webhook", (event.id,))]


async def test_statuses_are_applied_once_across_batches(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    failed = json.loads(_body("status_failed_131049.json"))
    sent = json.loads(_body("status_sent.json"))
    # the failed status arrives alone, then again inside a batch with another change
    batch = {"object": "whatsapp_business_account", "entry": [sent["entry"][0], failed["entry"][0]]}
    for payload in (failed, batch, failed):
        body = json.dumps(payload).encode()
        assert (await _post(client, body, signature_for(SECRET, body))).status_code == 200
    for event_id in (await db.scalars(select(MetaWebhookEvent.id))).all():
        await process_event(db, app_state, event_id)
    rows = (await db.scalars(select(MessageStatusEvent))).all()
    assert sorted(r.status for r in rows) == ["failed", "sent"]
    failed_row = next(r for r in rows if r.status == "failed")
    assert failed_row.error_code == 131049 and failed_row.error_kind == "recipient"
    pending = await db.scalar(
        text("select count(*) from meta_webhook_events where processed_at is null")
    )
    assert pending == 0


async def test_unknown_fields_and_garbage_are_kept_and_ignored(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    for payload in (
        b'{"object":"x","entry":[{"id":"1","changes":[{"field":"new_thing","value":{"a":1}}]}]}',
        b"not json at all",
        b"[]",
    ):
        assert (await _post(client, payload, signature_for(SECRET, payload))).status_code == 200
    for event_id in (await db.scalars(select(MetaWebhookEvent.id))).all():
        await process_event(db, app_state, event_id)
    assert await _stored(db) == 3


async def test_database_down_answers_5xx_so_meta_retries(app_state: AppState, conn: object) -> None:
    from qms.db import create_engine, create_sessionmaker

    dead = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    original = app_state.sessionmaker
    app_state.sessionmaker = create_sessionmaker(dead)
    try:
        body = _body("status_sent.json")
        # as a real server would: the exception becomes the response, not a client error
        transport = httpx.ASGITransport(app=app_state.app, raise_app_exceptions=False)  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as raw:
            r = await _post(raw, body, signature_for(SECRET, body))
    finally:
        app_state.sessionmaker = original
        await dead.dispose()
    assert r.status_code >= 500
    assert r.headers["content-type"] == "application/problem+json"
