"""Templates end to end over real sockets: QMS's API and the simulator run as live servers; the
simulator reviews submissions and calls QMS back with signed status webhooks, which are stored
and processed as the worker would. Committed data in its own database
(`qms_pipeline_templates`) and Redis db 8."""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from qms.cli import migrate
from qms.infra import ensure_database
from qms.main import create_app
from qms.models import WhatsAppConnection
from qms.simulator.app import create_app as create_simulator
from qms.simulator.config import SimulatorConfig
from qms.state import AppState
from qms.templates.service import reconcile_all
from qms.whatsapp import service as whatsapp
from qms.worker.settings import reconcile_templates
from tests.conftest import make_settings, run_jobs
from tests.live import free_port, serve
from tests.templates.test_lint import AUTH, BODY, BUTTONS, FOOTER, HEADER, NAMED_BODY

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_pipeline_templates"
REDIS = "redis://127.0.0.1:6379/8"
APP_SECRET = "pipeline-templates-secret"
PASSWORD = "pipeline password"


@dataclass
class Workspace:
    headers: dict[str, str]
    email: str
    waba_id: str
    phone_number_id: str
    connection: WhatsAppConnection


@dataclass
class Stack:
    qms: httpx.AsyncClient
    sim: httpx.AsyncClient
    state: AppState

    async def workspace(self, email: str, phone: str | None = None) -> Workspace:
        r = await self.qms.post(
            "/api/v1/auth/signup",
            json={
                "email": email,
                "password": PASSWORD,
                "full_name": "P",
                "business_name": "Pipeline Co",
                "age_confirmed": True,
                "privacy_policy_version": "2026-04-23",
                "return_refresh_token": True,
            },
        )
        assert r.status_code == 201, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await self.qms.patch("/api/v1/workspace", headers=headers, json={"test_mode": True})
        assert r.status_code == 200
        r = await self.qms.put("/api/v1/whatsapp/connection", headers=headers, json={})
        assert r.status_code == 200, r.text
        body = r.json()
        async with self.state.sessionmaker() as session:
            connection = await session.scalar(
                select(WhatsAppConnection).where(WhatsAppConnection.waba_id == body["waba_id"])
            )
        assert connection is not None
        if phone is not None:
            mails = (await self.qms.get("/api/v1/dev/outbox")).json()["items"]
            link = next(
                m["body"] for m in mails if m["to"] == email and "/verify-email" in m["body"]
            )
            token = link.split("/verify-email?token=")[1].split()[0]
            r = await self.qms.post("/api/v1/auth/verify-email", json={"token": token})
            assert r.status_code in (200, 204), r.text
            r = await self.qms.patch("/api/v1/me", headers=headers, json={"phone": phone})
            assert r.status_code == 200, r.text
        return Workspace(
            headers,
            email,
            body["waba_id"],
            body["phone_numbers"][0]["phone_number_id"],
            connection,
        )

    async def settle(self) -> list[str]:
        """Let the simulator finish reviews and deliver every webhook, then run the jobs."""
        r = await self.sim.post("/_sim/flush", json={"timeout_s": 20, "fast_forward": True})
        assert r.status_code == 200, r.text
        return await run_jobs(self.state)

    async def create(self, ws: Workspace, **body: Any) -> dict[str, Any]:
        r = await self.qms.post("/api/v1/templates", headers=ws.headers, json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def submit(self, ws: Workspace, template: dict[str, Any]) -> dict[str, Any]:
        r = await self.qms.post(f"/api/v1/templates/{template['id']}/submit", headers=ws.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def get(self, ws: Workspace, template_id: str) -> dict[str, Any]:
        r = await self.qms.get(f"/api/v1/templates/{template_id}", headers=ws.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def approved(self, ws: Workspace, **body: Any) -> dict[str, Any]:
        template = await self.submit(ws, await self.create(ws, **body))
        await self.settle()
        got = await self.get(ws, template["id"])
        assert got["status"] == "APPROVED", got
        return got

    async def on_meta(self, ws: Workspace, meta_id: str) -> dict[str, Any]:
        client = self.state.cloud_api(True)
        token = whatsapp.access_token(self.state, ws.connection)
        return await client.get_template(
            meta_id, token, fields="id,name,language,status,category,components,quality_score"
        )


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    qms_port, sim_port = free_port(), free_port()
    settings = make_settings(
        database_url=DB,
        redis_url=REDIS,
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
    await state.redis.flushdb()
    for server, task in servers:
        server.should_exit = True
        await task


def promo(name: str = "seasonal_promotion", **over: Any) -> dict[str, Any]:
    return {
        "name": name,
        "language": "en_US",
        "category": "MARKETING",
        "components": copy.deepcopy([HEADER, BODY, FOOTER, BUTTONS]),
        **over,
    }


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def test_submit_then_approved_by_webhook_with_quality(stack: Stack) -> None:
    ws = await stack.workspace("approve@example.com")
    draft = await stack.create(ws, **promo())
    submitted = await stack.submit(ws, draft)
    assert submitted["status"] == "PENDING" and submitted["version"] == 1
    meta_id = submitted["meta_template_id"]
    assert meta_id and submitted["submitted_at"]
    ran = await stack.settle()
    assert "process_meta_webhook" in ran
    got = await stack.get(ws, draft["id"])
    assert got["status"] == "APPROVED" and got["rejection_reason"] is None
    versions = (
        await stack.qms.get(f"/api/v1/templates/{draft['id']}/versions", headers=ws.headers)
    ).json()["items"]
    assert [(v["version"], v["kind"], v["status"]) for v in versions] == [(1, "submit", "APPROVED")]
    r = await stack.sim.post(f"/_sim/templates/{meta_id}/status", json={"quality_score": "YELLOW"})
    assert r.status_code == 200, r.text
    await stack.settle()
    assert (await stack.get(ws, draft["id"]))["quality_score"] == "YELLOW"
    r = await stack.sim.post(f"/_sim/templates/{meta_id}/status", json={"event": "PAUSED"})
    await stack.settle()
    paused = await stack.get(ws, draft["id"])
    assert paused["status"] == "PAUSED"
    assert paused["status_info"]["other_info"]["title"] == "FIRST_PAUSE"


async def test_rejected_by_webhook_then_fixed_by_an_edit(stack: Stack) -> None:
    ws = await stack.workspace("reject@example.com")
    # The same body and footer as another template of the WABA: the simulator rejects it.
    r = await stack.sim.post(
        "/_sim/templates",
        json={
            "waba_id": ws.waba_id,
            "name": "older_promotion",
            "language": "en_US",
            "components": [BODY, FOOTER],
        },
    )
    assert r.status_code == 200, r.text
    draft = await stack.create(ws, **promo())
    await stack.submit(ws, draft)
    await stack.settle()
    got = await stack.get(ws, draft["id"])
    assert got["status"] == "REJECTED" and got["rejection_reason"] == "INVALID_FORMAT"
    assert "duplicates" in got["rejection_info"]["reason"]

    components = copy.deepcopy(got["components"])
    components[2]["text"] = "Reply STOP to opt out of these offers"
    r = await stack.qms.patch(
        f"/api/v1/templates/{draft['id']}", headers=ws.headers, json={"components": components}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "PENDING" and r.json()["version"] == 2
    assert r.json()["rejection_reason"] is None
    await stack.settle()
    got = await stack.get(ws, draft["id"])
    assert got["status"] == "APPROVED"
    versions = (
        await stack.qms.get(f"/api/v1/templates/{draft['id']}/versions", headers=ws.headers)
    ).json()["items"]
    assert [(v["version"], v["kind"], v["status"], v["previous_status"]) for v in versions] == [
        (2, "edit", "APPROVED", "REJECTED"),
        (1, "submit", "REJECTED", None),
    ]
    assert versions[1]["components"][2]["text"] == FOOTER["text"]


async def test_editing_an_approved_template_is_a_new_version_within_metas_limits(
    stack: Stack,
) -> None:
    ws = await stack.workspace("edit@example.com")
    template = await stack.approved(ws, **promo())
    components = copy.deepcopy(template["components"])
    components[1]["text"] = components[1]["text"].replace("Shop now", "Hurry, shop now")
    url = f"/api/v1/templates/{template['id']}"
    r = await stack.qms.patch(
        url, headers=ws.headers, json={"components": components, "category": "MARKETING"}
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["status"] == "PENDING" and edited["version"] == 2
    assert edited["meta_template_id"] == template["meta_template_id"]
    on_meta = await stack.on_meta(ws, template["meta_template_id"])
    assert on_meta["components"][1]["text"].startswith("Hurry, shop now")
    await stack.settle()
    assert (await stack.get(ws, template["id"]))["status"] == "APPROVED"
    versions = (await stack.qms.get(f"{url}/versions", headers=ws.headers)).json()["items"]
    assert [(v["version"], v["kind"], v["previous_status"]) for v in versions] == [
        (2, "edit", "APPROVED"),
        (1, "submit", None),
    ]
    assert versions[1]["components"][1]["text"].startswith("Shop now")  # history kept
    # Meta: one edit of an approved template per 24 hours
    components[1]["text"] = components[1]["text"].replace("Hurry", "Quick")
    r = await stack.qms.patch(url, headers=ws.headers, json={"components": components})
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["problems"]] == ["edit.daily_limit"]
    r = await stack.qms.patch(url, headers=ws.headers, json={"category": "UTILITY"})
    assert r.status_code == 422
    assert {p["code"] for p in r.json()["problems"]} == {"edit.category_locked", "edit.daily_limit"}


async def test_status_is_reconciled_without_webhooks(stack: Stack) -> None:
    ws = await stack.workspace("reconcile@example.com")
    await stack.sim.patch("/_sim/config", json={"callbacks_enabled": False})
    try:
        draft = await stack.create(ws, **promo())
        submitted = await stack.submit(ws, draft)
        await stack.settle()  # the review happens; no webhook is sent
        assert (await stack.get(ws, draft["id"]))["status"] == "PENDING"
        totals = await reconcile_all(stack.state)
        assert totals["connections"] >= 1 and totals["updated"] >= 1
        got = await stack.get(ws, draft["id"])
        assert got["status"] == "APPROVED" and got["synced_at"]
        versions = (
            await stack.qms.get(f"/api/v1/templates/{draft['id']}/versions", headers=ws.headers)
        ).json()["items"]
        assert versions[0]["status"] == "APPROVED"

        meta_id = submitted["meta_template_id"]
        await stack.sim.post(f"/_sim/templates/{meta_id}/status", json={"quality_score": "RED"})
        await reconcile_templates({"state": stack.state})  # the arq task, as cron runs it
        assert (await stack.get(ws, draft["id"]))["quality_score"] == "RED"

        # gone from the WABA (deleted outside QMS): DELETED
        client = stack.state.cloud_api(True)
        token = whatsapp.access_token(stack.state, ws.connection)
        await client.delete_template(ws.waba_id, token, "seasonal_promotion", hsm_id=meta_id)
        await reconcile_all(stack.state)
        assert (await stack.get(ws, draft["id"]))["status"] == "DELETED"
    finally:
        await stack.sim.patch("/_sim/config", json={"callbacks_enabled": True})


async def _send(stack: Stack, ws: Workspace, template: dict[str, Any], preview: Any) -> Any:
    client = stack.state.cloud_api(True)
    token = whatsapp.access_token(stack.state, ws.connection)
    payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+249912347777",
        "type": "template",
        "template": {
            "name": template["name"],
            "language": {"code": template["language"]},
            "components": preview["components"],
        },
    }
    return await client.send_message(ws.phone_number_id, token, payload)


async def test_rendered_components_are_accepted_by_the_cloud_api(stack: Stack) -> None:
    ws = await stack.workspace("render@example.com")
    r = await stack.qms.post(
        "/api/v1/templates/media",
        headers=ws.headers,
        files={"file": ("sample.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")},
    )
    assert r.status_code == 200, r.text
    handle = r.json()["header_handle"]
    assert handle.startswith("4::")
    r = await stack.qms.post(
        "/api/v1/templates/media",
        headers=ws.headers,
        files={"file": ("sample.gif", b"GIF89a", "image/gif")},
    )
    assert r.status_code == 422 and r.json()["code"] == "templates.media_type_unsupported"

    copy_code_buttons = {
        "type": "BUTTONS",
        "buttons": [
            {"type": "COPY_CODE", "text": "Copy offer code", "example": "SAVE25"},
            {"type": "PHONE_NUMBER", "text": "Call the shop", "phone_number": "+15550783881"},
            {"type": "QUICK_REPLY", "text": "Stop promotions"},
        ],
    }
    image_header = {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [handle]}}
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (promo(), {}),
        (promo(), {"parameters": ["Friday", "FRI10", "10%"], "button_parameters": {"1": "x y"}}),
        (
            promo(
                "named_order",
                category="UTILITY",
                parameter_format="named",
                components=[copy.deepcopy(NAMED_BODY)],
            ),
            {"parameters": {"first_name": "Amna"}},
        ),
        (
            promo(
                "coupon_offer",
                components=[
                    image_header,
                    {
                        "type": "BODY",
                        "text": "Your personal coupon is ready: use it at checkout this week.",
                    },
                    copy_code_buttons,
                ],
            ),
            {
                "header_media": {"link": "https://cdn.example.com/coupon.png"},
                "button_parameters": {"2": "STOP_PROMOS"},
            },
        ),
        (
            promo(
                "store_location",
                category="UTILITY",
                components=[
                    {"type": "HEADER", "format": "LOCATION"},
                    {"type": "BODY", "text": "Your parcel waits for you at this pickup point."},
                ],
            ),
            {"header_location": {"latitude": 15.5, "longitude": 32.53, "name": "Pickup"}},
        ),
        (
            promo("login_code", category="AUTHENTICATION", components=copy.deepcopy(AUTH)),
            {"parameters": ["731904"]},
        ),
    ]
    seen: set[str] = set()
    for body, values in cases:
        if body["name"] not in seen:
            seen.add(body["name"])
            template = await stack.approved(ws, **body)
        r = await stack.qms.post(
            f"/api/v1/templates/{template['id']}/preview", headers=ws.headers, json=values
        )
        assert r.status_code == 200, r.text
        preview = r.json()
        assert preview["missing"] == [], preview
        result = await _send(stack, ws, template, preview)  # raises on 132000 or any refusal
        assert result.message_status == "accepted"
        sent = (await stack.sim.get("/_sim/messages", params={"wamid": result.wamid})).json()
        assert sent["items"][0]["request"]["template"]["components"] == preview["components"]


async def test_sync_imports_waba_templates_losslessly(stack: Stack) -> None:
    ws = await stack.workspace("sync@example.com")
    components = [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Table for {{1}}",
            "example": {"header_text": ["two"]},
        },
        {
            "type": "BODY",
            "text": "Your booking at *{{1}}* is confirmed for {{2}}; we look forward to it.",
            "example": {"body_text": [["Nile View", "8 pm"]]},
        },
        {"type": "FOOTER", "text": "Reply to change your booking"},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "FLOW",
                    "text": "Change booking",
                    "flow_id": "1234567890",
                    "flow_action": "navigate",
                    "navigate_screen": "BOOKING",
                },
                {"type": "QUICK_REPLY", "text": "Cancel booking"},
            ],
        },
    ]
    r = await stack.sim.post(
        "/_sim/templates",
        json={
            "waba_id": ws.waba_id,
            "name": "booking_confirmed",
            "language": "en",
            "category": "UTILITY",
            "components": components,
        },
    )
    assert r.status_code == 200, r.text
    meta_id = r.json()["id"]
    # a QMS draft with the name and language of a WABA template is a conflict, not an import
    await stack.create(
        ws, name="hello_world", language="en_US", category="UTILITY", components=[BODY]
    )
    r = await stack.qms.post("/api/v1/templates/sync", headers=ws.headers)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["imported"] == 1 and result["deleted"] == 0
    assert result["conflicts"][0]["name"] == "hello_world"
    items = (
        await stack.qms.get("/api/v1/templates", headers=ws.headers, params={"name": "booking"})
    ).json()["items"]
    [imported] = items
    assert imported["meta_template_id"] == meta_id and imported["status"] == "APPROVED"
    assert imported["components"] == (await stack.on_meta(ws, meta_id))["components"]
    assert imported["components"] == components
    assert imported["version"] == 1 and imported["quality_score"] == "UNKNOWN"

    again = (await stack.qms.post("/api/v1/templates/sync", headers=ws.headers)).json()
    assert again["imported"] == 0 and again["updated"] == 0 and again["unchanged"] == 1

    # An edit of the body sends every other part back exactly as imported.
    edited = copy.deepcopy(imported["components"])
    edited[1]["text"] = edited[1]["text"].replace("we look forward", "we are looking forward")
    r = await stack.qms.patch(
        f"/api/v1/templates/{imported['id']}", headers=ws.headers, json={"components": edited}
    )
    assert r.status_code == 200, r.text
    on_meta = (await stack.on_meta(ws, meta_id))["components"]
    assert on_meta == edited and on_meta[3] == components[3]
    await stack.settle()
    assert (await stack.get(ws, imported["id"]))["status"] == "APPROVED"


async def test_test_send_to_own_number_and_throttle(stack: Stack) -> None:
    ws = await stack.workspace("testsend@example.com", phone="+249912340123")
    template = await stack.approved(ws, **promo())
    url = f"/api/v1/templates/{template['id']}/test-send"
    r = await stack.qms.post(url, headers=ws.headers, json={"to": "+249912340999"})
    assert r.status_code == 403 and r.json()["code"] == "templates.test_send_not_own_number"
    r = await stack.qms.post(
        url, headers=ws.headers, json={"to": "+249 91 234 0123", "parameters": ["A", "B", "C"]}
    )
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["to"] == "+249912340123" and sent["phone_number_id"] == ws.phone_number_id
    assert sent["message_status"] == "accepted"
    message = (await stack.sim.get("/_sim/messages", params={"wamid": sent["wamid"]})).json()
    body = message["items"][0]["request"]["template"]["components"][1]
    assert [p["text"] for p in body["parameters"]] == ["A", "B", "C"]
    for _ in range(9):
        r = await stack.qms.post(url, headers=ws.headers, json={"to": "+249912340123"})
        assert r.status_code == 200, r.text
    r = await stack.qms.post(url, headers=ws.headers, json={"to": "+249912340123"})
    assert r.status_code == 429 and r.json()["code"] == "templates.test_send_throttled"
    assert 0 < int(r.headers["Retry-After"]) <= 3600


async def test_deleting_a_submitted_template_deletes_it_on_meta(stack: Stack) -> None:
    ws = await stack.workspace("delete@example.com")
    template = await stack.approved(ws, **promo(_unique("gone")))
    r = await stack.qms.delete(f"/api/v1/templates/{template['id']}", headers=ws.headers)
    assert r.status_code == 204
    wabas = (await stack.sim.get("/_sim/wabas")).json()["items"]
    names = {t["name"] for w in wabas if w["waba_id"] == ws.waba_id for t in w["templates"]}
    assert template["name"] not in names
