"""Simulator fixtures: the simulator app in-process (httpx ASGITransport, lifespan running, so the
webhook emitter task is live) and a webhook receiver served by a real uvicorn on a free port, so
the emitter's HTTP posting, signing and retries run for real.

Delays are scaled by `time_factor=0.005` (the 3 s read delay becomes 15 ms); randomness that
would make assertions flaky (duplicates, reordering, skipped `delivered`, unread messages) is off
unless a test turns it on."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from qms.simulator.app import create_app
from qms.simulator.config import SimulatorConfig
from qms.simulator.core import Simulator

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "test-app-secret"

BASE_CONFIG: dict[str, Any] = {
    "app_secret": SECRET,
    "seed": 7,
    "time_factor": 0.005,
    "duplicate_rate": 0.0,
    "reorder": False,
    "skip_delivered_rate": 0.0,
    "read_rate": 1.0,
    "random_failure_rate": 0.0,
    "review_delay_s": 2.0,
}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def shape(obj: Any) -> Any:
    """Keys and value types, recursively (lists by their first element)."""
    if isinstance(obj, dict):
        return {k: shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [shape(obj[0])] if obj else []
    return type(obj).__name__


SPRING = [
    {
        "type": "HEADER",
        "format": "TEXT",
        "text": "Our {{1}} is on!",
        "example": {"header_text": ["Sale"]},
    },
    {
        "type": "BODY",
        "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.",
        "example": {"body_text": [["the end of August", "25OFF", "25%"]]},
    },
    {"type": "FOOTER", "text": "Use the buttons below to manage your marketing subscriptions"},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Unsubscribe from Promos"},
            {
                "type": "URL",
                "text": "Shop Now",
                "url": "https://www.luckyshrub.com/shop?promo={{1}}",
                "example": ["summer2023"],
            },
        ],
    },
]


def spring_params(body: int = 3, header: int = 1, url: bool = True) -> list[dict[str, Any]]:
    values = ["the end of August", "25OFF", "25%", "extra"]
    components: list[dict[str, Any]] = [
        {"type": "header", "parameters": [{"type": "text", "text": "Summer Sale"}] * header},
        {"type": "body", "parameters": [{"type": "text", "text": v} for v in values[:body]]},
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": "STOP_PROMOS"}],
        },
    ]
    if url:
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": "1",
                "parameters": [{"type": "text", "text": "summer2023"}],
            }
        )
    return components


def keys(obj: Any, drop: frozenset[str] = frozenset()) -> Any:
    """`shape` without the keys in `drop` (at any depth)."""
    if isinstance(obj, dict):
        return {k: keys(v, drop) for k, v in obj.items() if k not in drop}
    if isinstance(obj, list):
        return [keys(obj[0], drop)] if obj else []
    return type(obj).__name__


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint that records every POST and answers the codes queued in `plan`
    (200 once the plan is used up)."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    plan: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.hits.clear()
        self.plan.clear()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        status = self.plan.pop(0) if self.plan else 200
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.hits.append(Hit(headers, b"".join(chunks), status))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def ok_payloads(self, field_name: str | None = None) -> list[Any]:
        """Payloads answered 200 (each delivery once), optionally of one field."""
        payloads = [h.payload for h in self.hits if h.answered == 200]
        if field_name is None:
            return payloads
        return [
            p
            for p in payloads
            if any(c["field"] == field_name for e in p["entry"] for c in e["changes"])
        ]

    def values(self, field_name: str) -> list[dict[str, Any]]:
        return [
            c["value"]
            for p in self.ok_payloads()
            for e in p["entry"]
            for c in e["changes"]
            if c["field"] == field_name
        ]

    def statuses(self, wamid: str | None = None) -> list[dict[str, Any]]:
        return [
            s
            for v in self.values("messages")
            for s in v.get("statuses", [])
            if wamid is None or s["id"] == wamid
        ]


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave Ctrl-C to pytest
        yield


@pytest.fixture(scope="session")
async def receiver_server() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        receiver, log_level="warning", lifespan="off", ws="none", access_log=False
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    receiver.url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    receiver_server.clear()
    return receiver_server


@dataclass
class Account:
    waba_id: str
    token: str
    phones: list[str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Sim:
    app: FastAPI
    client: httpx.AsyncClient
    receiver: Receiver

    @property
    def core(self) -> Simulator:
        sim: Simulator = self.app.state.sim
        return sim

    async def account(self, **body: Any) -> Account:
        r = await self.client.post("/_sim/wabas", json=body)
        assert r.status_code == 200, r.text
        data = r.json()
        return Account(
            data["waba_id"], data["access_token"], [p["id"] for p in data["phone_numbers"]]
        )

    async def template(self, account: Account, name: str, components: list[Any], **kw: Any) -> str:
        body = {"waba_id": account.waba_id, "name": name, "components": components, **kw}
        r = await self.client.post("/_sim/templates", json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["id"])

    async def send(
        self,
        account: Account,
        to: str = "+16505551234",
        name: str = "hello_world",
        language: str = "en_US",
        components: list[Any] | None = None,
        phone: int = 0,
        **extra: Any,
    ) -> httpx.Response:
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components is not None:
            template["components"] = components
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": template,
            **extra,
        }
        return await self.client.post(
            f"/v25.0/{account.phones[phone]}/messages", json=body, headers=account.headers
        )

    async def flush(self, **body: Any) -> dict[str, Any]:
        r = await self.client.post("/_sim/flush", json={"timeout_s": 5, **body})
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        assert result["idle"], result
        return result


SimFactory = Callable[..., Awaitable[Sim]]


@pytest.fixture
async def make_sim(receiver: Receiver) -> AsyncIterator[SimFactory]:
    async with AsyncExitStack() as stack:

        async def factory(**overrides: Any) -> Sim:
            config = SimulatorConfig(**{**BASE_CONFIG, "webhook_url": receiver.url, **overrides})
            app = create_app(config)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://sim")
            )
            return Sim(app, client, receiver)

        yield factory


@pytest.fixture
async def sim(make_sim: SimFactory) -> Sim:
    return await make_sim()


@pytest.fixture
async def account(sim: Sim) -> Account:
    return await sim.account(phone_numbers=2)
