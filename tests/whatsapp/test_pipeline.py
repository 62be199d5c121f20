"""The WhatsApp boundary end to end, over real sockets: QMS's API and the simulator run as live
servers; the simulator calls QMS back with signed webhooks, which are stored and then processed
as the worker would. Committed data in its own database (`qms_pipeline_test`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from qms.cli import migrate
from qms.infra import ensure_database
from qms.main import create_app
from qms.models import MessageStatusEvent, MetaWebhookEvent, WhatsAppPhoneNumber
from qms.secrets_store import new_key_b64, parse_keyring
from qms.security.crypto import Keyring
from qms.security.rotation import rotate_all
from qms.simulator.app import create_app as create_simulator
from qms.simulator.config import SimulatorConfig
from qms.state import AppState
from qms.webhooks.service import signature_for
from qms.whatsapp import service as whatsapp
from qms.whatsapp.errors import (
    AuthError,
    InvalidRequestError,
    RateLimitedError,
    TemplateError,
    TransientError,
)
from tests.conftest import make_settings, run_jobs
from tests.live import free_port, serve

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_pipeline_test"
APP_SECRET = "pipeline-app-secret"


@dataclass
class Stack:
    qms: httpx.AsyncClient  # the live QMS API
    sim: httpx.AsyncClient  # the live simulator
    state: AppState

    async def signup_test_workspace(self, email: str) -> dict[str, str]:
        r = await self.qms.post(
            "/api/v1/auth/signup",
            json={
                "email": email,
                "password": "pipeline password",
                "full_name": "P",
                "business_name": "Pipeline Co",
                "age_confirmed": True,
                "privacy_policy_version": "2026-04-23",
                "return_refresh_token": True,
            },
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (
            await self.qms.patch("/api/v1/workspace", headers=headers, json={"test_mode": True})
        ).status_code == 200
        return headers

    async def settle(self) -> list[str]:
        """Let the simulator deliver every pending webhook, then run the queued jobs."""
        r = await self.sim.post("/_sim/flush", json={"timeout_s": 20, "fast_forward": True})
        assert r.status_code == 200, r.text
        return await run_jobs(self.state)


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    qms_port, sim_port = free_port(), free_port()
    settings = make_settings(
        database_url=DB,
        redis_url="redis://127.0.0.1:6379/14",
        meta_app_secret=APP_SECRET,
        simulator_url=f"http://127.0.0.1:{sim_port}",
    )
    app = create_app(settings)
    simulator = create_simulator(
        SimulatorConfig(
            webhook_url=f"http://127.0.0.1:{qms_port}/webhooks/whatsapp",
            app_secret=APP_SECRET,
            time_factor=0.01,
            duplicate_rate=0.3,
        )
    )
    servers = [await serve(app, qms_port), await serve(simulator, sim_port)]
    state: AppState = app.state.qms
    await state.redis.flushdb()
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{qms_port}", timeout=30) as qms,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{sim_port}", timeout=30) as sim,
    ):
        yield Stack(qms, sim, state)
    for server, task in servers:
        server.should_exit = True
        await task


async def _connection(stack: Stack, email: str) -> tuple[dict[str, str], Any]:
    headers = await stack.signup_test_workspace(email)
    r = await stack.qms.put("/api/v1/whatsapp/connection", headers=headers, json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "test" and body["status"] == "active"
    async with stack.state.sessionmaker() as session:
        number = await session.scalar(
            select(WhatsAppPhoneNumber).where(
                WhatsAppPhoneNumber.phone_number_id == body["phone_numbers"][0]["phone_number_id"]
            )
        )
        connection = await whatsapp.get_connection(session, number.workspace_id, "test")
    return headers, connection


async def _numbers(stack: Stack, connection: Any) -> list[str]:
    async with stack.state.sessionmaker() as session:
        numbers = await whatsapp.list_numbers(session, connection.workspace_id, "test")
    return [n.phone_number_id for n in numbers]


def _template(
    to: str, name: str = "hello_world", language: str = "en_US", params: list[str] | None = None
) -> dict[str, Any]:
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if params is not None:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    }


async def test_connect_provisions_a_simulated_waba_and_stores_the_token_encrypted(
    stack: Stack,
) -> None:
    headers, connection = await _connection(stack, "connect@example.com")
    token = whatsapp.access_token(stack.state, connection)
    async with stack.state.engine.connect() as conn:
        raw = (
            await conn.execute(
                text("select access_token_encrypted from whatsapp_connections where waba_id = :w"),
                {"w": connection.waba_id},
            )
        ).scalar_one()
    assert token not in raw and raw.startswith("v1.")
    got = (await stack.qms.get("/api/v1/whatsapp/connection", headers=headers)).json()
    assert token not in json.dumps(got) and got["access_token_hint"].endswith(token[-4:])
    # the app subscribed to the WABA's webhooks
    wabas = (await stack.sim.get("/_sim/wabas")).json()["items"]
    assert next(w for w in wabas if w["waba_id"] == connection.waba_id)["subscribed"]


async def test_synchronous_errors_are_classified(stack: Stack) -> None:
    _, connection = await _connection(stack, "sync@example.com")
    client = stack.state.cloud_api(True)
    token = whatsapp.access_token(stack.state, connection)
    numbers = await _numbers(stack, connection)
    pnid = numbers[0]
    ok = await client.send_message(pnid, token, _template("+249912340001"))
    assert ok.wamid.startswith("wamid.") and ok.message_status == "accepted"
    cases = [
        (_template("+249912341000"), TransientError, 131000),
        (_template("+249912340429"), RateLimitedError, 130429),
        (_template("+249912341056"), RateLimitedError, 131056),
        (_template("+249912340002", name="no_such_template"), TemplateError, 132001),
        (_template("+249912340003", language="en"), TemplateError, 132001),
        (_template("+249912340004", params=["unexpected"]), TemplateError, 132000),
        (
            {"messaging_product": "whatsapp", "to": "+249912340005", "type": "bogus"},
            InvalidRequestError,
            100,
        ),
    ]
    for payload, cls, code in cases:
        with pytest.raises(cls) as caught:
            await client.send_message(pnid, token, payload)
        assert caught.value.code == code, payload
    with pytest.raises(AuthError) as caught:
        await client.send_message(pnid, "not-a-valid-token", _template("+249912340006"))
    assert caught.value.code == 190
    # paused and disabled templates
    for name, status, code in (
        ("paused_offer", "PAUSED", 132015),
        ("disabled_offer", "DISABLED", 132016),
    ):
        r = await stack.sim.post(
            "/_sim/templates",
            json={
                "waba_id": connection.waba_id,
                "name": name,
                "language": "en",
                "category": "MARKETING",
                "status": status,
                "components": [{"type": "BODY", "text": "An offer for you from our shop today."}],
            },
        )
        assert r.status_code == 200, r.text
        with pytest.raises(TemplateError) as caught:
            await client.send_message(
                pnid, token, _template("+249912340007", name=name, language="en")
            )
        assert caught.value.code == code


async def test_throughput_cap_answers_130429(stack: Stack) -> None:
    _, connection = await _connection(stack, "throughput@example.com")
    client = stack.state.cloud_api(True)
    token = whatsapp.access_token(stack.state, connection)
    pnid = (await _numbers(stack, connection))[0]
    await stack.sim.patch("/_sim/config", json={"throughput_per_number": 5})
    try:
        results = await asyncio.gather(
            *(client.send_message(pnid, token, _template(f"+24991300{i:04d}")) for i in range(30)),
            return_exceptions=True,
        )
    finally:
        await stack.sim.patch("/_sim/config", json={"throughput_per_number": 80})
    limited = [r for r in results if isinstance(r, RateLimitedError)]
    assert limited and all(r.code == 130429 for r in limited)


async def test_async_failures_arrive_as_classified_failed_statuses(stack: Stack) -> None:
    _, connection = await _connection(stack, "async@example.com")
    client = stack.state.cloud_api(True)
    token = whatsapp.access_token(stack.state, connection)
    pnid = (await _numbers(stack, connection))[0]
    r = await stack.sim.post(
        "/_sim/templates",
        json={
            "waba_id": connection.waba_id,
            "name": "spring_offer",
            "language": "en",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Spring offers are here for you today."}],
        },
    )
    assert r.status_code == 200, r.text
    sends = {}
    for suffix, code in (("1026", 131026), ("1049", 131049), ("1050", 131050), ("0001", None)):
        result = await client.send_message(
            pnid, token, _template(f"+2499123{suffix}", name="spring_offer", language="en")
        )
        sends[result.wamid] = code
    await stack.settle()
    async with stack.state.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(MessageStatusEvent).where(MessageStatusEvent.wamid.in_(list(sends)))
            )
        ).all()
    failed = {r.wamid: r for r in rows if r.status == "failed"}
    for wamid, code in sends.items():
        if code is None:
            assert wamid not in failed
            assert {"sent", "delivered"} <= {r.status for r in rows if r.wamid == wamid}
        else:
            assert failed[wamid].error_code == code
            assert failed[wamid].error_kind == "recipient"
    # each (wamid, status) once, although the simulator sent duplicates
    keys = [(r.wamid, r.status) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r.workspace_id == connection.workspace_id for r in rows)


async def test_a_webhook_posted_three_times_concurrently_is_applied_once(stack: Stack) -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "1", "phone_number_id": "999"},
                            "statuses": [
                                {
                                    "id": "wamid.CONCURRENT",
                                    "status": "delivered",
                                    "timestamp": "1750000000",
                                    "recipient_id": "2499",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload).encode()
    headers = {
        "X-Hub-Signature-256": signature_for(APP_SECRET, body),
        "content-type": "application/json",
    }
    responses = await asyncio.gather(
        *(stack.qms.post("/webhooks/whatsapp", content=body, headers=headers) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    # process the three stored copies concurrently, each in its own transaction
    from qms.worker.settings import process_meta_webhook

    async with stack.state.sessionmaker() as session:
        ids = (
            await session.scalars(
                select(MetaWebhookEvent.id).where(
                    MetaWebhookEvent.body.contains("wamid.CONCURRENT")
                )
            )
        ).all()
    assert len(ids) == 3
    await asyncio.gather(*(process_meta_webhook({"state": stack.state}, i) for i in ids))
    async with stack.state.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(MessageStatusEvent)
            .where(MessageStatusEvent.wamid == "wamid.CONCURRENT")
        )
    assert count == 1


async def test_wrong_secret_stores_nothing(stack: Stack) -> None:
    async with stack.state.sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(MetaWebhookEvent))
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    r = await stack.qms.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": signature_for("nope", body)},
    )
    assert r.status_code == 401
    async with stack.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(MetaWebhookEvent)) == before


async def test_quality_update_reaches_the_phone_number(stack: Stack) -> None:
    _, connection = await _connection(stack, "quality@example.com")
    pnid = (await _numbers(stack, connection))[0]
    r = await stack.sim.post(
        "/_sim/quality", json={"phone_number_id": pnid, "quality_rating": "RED", "tier": "TIER_2K"}
    )
    assert r.status_code == 200, r.text
    await stack.settle()
    async with stack.state.sessionmaker() as session:
        number = await session.scalar(
            select(WhatsAppPhoneNumber).where(WhatsAppPhoneNumber.phone_number_id == pnid)
        )
    assert number is not None
    assert number.quality_rating == "RED" and number.messaging_limit == "TIER_2K"


async def test_key_rotation_keeps_cloud_api_calls_working(stack: Stack) -> None:
    headers, connection = await _connection(stack, "rotation@example.com")
    original = stack.state.keyring
    new_key = parse_keyring(f"x:{new_key_b64()}")["x"]
    rotated = Keyring({"k-rotated": new_key, **stack.state.secrets.keyring})
    stack.state.keyring = rotated
    try:
        counts = await rotate_all(stack.state.sessionmaker, rotated)
        assert counts["whatsapp_connections.access_token_encrypted"] >= 1
        r = await stack.qms.get("/api/v1/whatsapp/phone-numbers?refresh=true", headers=headers)
        assert r.status_code == 200 and r.json()["items"]
        async with stack.state.sessionmaker() as session:
            fresh = await whatsapp.get_connection(session, connection.workspace_id, "test")
        # a send with the token read back through the rotated key
        sent = await stack.state.cloud_api(True).send_message(
            (await _numbers(stack, fresh))[0],
            whatsapp.access_token(stack.state, fresh),
            _template("+249912340008"),
        )
        assert sent.wamid.startswith("wamid.")
        assert fresh.access_token_encrypted.split(".")[1] == "k-rotated"
        assert fresh.status == "active"
    finally:
        stack.state.keyring = original
        # back under the original key, which stays active; the rotated key can still be read
        both = Keyring({**stack.state.secrets.keyring, "k-rotated": new_key})
        await rotate_all(stack.state.sessionmaker, both)


async def test_a_ciphertext_moved_to_another_workspace_fails_to_decrypt(stack: Stack) -> None:
    _, first = await _connection(stack, "first@example.com")
    _, second = await _connection(stack, "second@example.com")
    second.access_token_encrypted = first.access_token_encrypted
    from qms.security.crypto import DecryptionError

    with pytest.raises(DecryptionError):
        whatsapp.access_token(stack.state, second)


async def test_tokens_never_reach_the_logs(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)  # the most verbose the app and its libraries can be
    headers, connection = await _connection(stack, "logs@example.com")
    await stack.qms.get("/api/v1/whatsapp/phone-numbers?refresh=true", headers=headers)
    token = whatsapp.access_token(stack.state, connection)
    assert "whatsapp_connected" in caplog.text  # the connection itself was logged
    assert token not in caplog.text
