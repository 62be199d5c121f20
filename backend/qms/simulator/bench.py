"""Send-path benchmark: accepted messages/s of `POST /v25.0/{phone}/messages` beside a bare ASGI
endpoint's requests/s, measured in the same run with the same client and server settings.

Each server is a live uvicorn process (uvloop + httptools, no access log) on a free port. Rows:

- a bare ASGI endpoint (reads the body, answers fixed JSON bytes) — the ceiling;
- the simulator with callbacks off (pure send rate);
- the simulator with callbacks on (its status webhooks posted to the bare endpoint meanwhile).

The default load generator (`raw`) keeps `concurrency` keep-alive HTTP/1.1 connections with one
request in flight each, at a few µs of client CPU per request, so the servers are what gets
measured. `aiohttp` (what QMS sends with) costs ~0.2 ms client CPU per request: on a 2-core
machine it measures the client. The servers' CPU per request is read from /proc when available.

Run: `.venv/bin/python -m qms.simulator.bench [n] [concurrency] [raw|aiohttp]`."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from starlette.types import Receive, Scope, Send

from qms.simulator.core import DEV_PHONE_IDS

_BARE_BODY = (
    b'{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],'
    b'"messages":[{"id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",'
    b'"message_status":"accepted"}]}'
)
_BARE_HEADERS = [
    (b"content-type", b"application/json; charset=UTF-8"),
    (b"content-length", str(len(_BARE_BODY)).encode()),
]
TOKEN = "bench-token"


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The baseline: the least an ASGI endpoint can do for the same request."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _BARE_HEADERS})
    await send({"type": "http.response.body", "body": _BARE_BODY})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class _Server:
    url: str
    pid: int


@asynccontextmanager
async def _server(
    target: str, env: dict[str, str], factory: bool = False
) -> AsyncIterator[_Server]:
    port = _free_port()
    cmd = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])
    proc = subprocess.Popen(cmd, env={**os.environ, **env})  # noqa: S603, ASYNC220
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"{url}/_sim/healthz") as response:
                        await response.read()
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            else:
                raise RuntimeError(f"{target} did not start")
        yield _Server(url, proc.pid)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 10)


def _body(i: int) -> bytes:
    # Last digit 7: no deterministic test rule applies; every recipient is new (no pair limit).
    return (
        '{"messaging_product":"whatsapp","recipient_type":"individual",'
        f'"to":"+4477{i:07d}7","type":"template","template":{{"name":"hello_world",'
        '"language":{"code":"en_US"}}}'
    ).encode()


def _server_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with one request in flight: a load generator that
    costs far less CPU per request than a full client, so the server is what gets measured."""

    def __init__(self, requests: Iterator[bytes], tally: dict[int, int], done: asyncio.Event):
        self.requests = requests
        self.tally = tally
        self.done = done
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        request = next(self.requests, None)
        self.buffer = b""
        if request is None:
            self.transport.close()
        else:
            self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        at = head.find(b"content-length:")
        eol = head.find(b"\r\n", at)
        length = int(head[at + 15 : eol if eol >= 0 else len(head)])
        if len(self.buffer) < end + 4 + length:
            return
        status = int(self.buffer[9:12])
        self.tally[status] = self.tally.get(status, 0) + 1
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.tally[-1] = self.tally.get(-1, 0) + 1
        if self.tally[-1] == self.tally[-2]:
            self.done.set()


async def _drive_raw(url: str, start: int, n: int, concurrency: int) -> tuple[float, int]:
    parsed = urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    prefix = (
        f"POST {parsed.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
    ).encode()

    def requests() -> Iterator[bytes]:
        for i in range(start, start + n):
            body = _body(i)
            yield prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body

    shared = requests()
    tally: dict[int, int] = {-2: concurrency}
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    for _ in range(concurrency):
        await loop.create_connection(lambda: _Connection(shared, tally, done), host, port)
    await done.wait()
    return time.perf_counter() - started, tally.get(200, 0)


async def _drive_aiohttp(url: str, start: int, n: int, concurrency: int) -> tuple[float, int]:
    """The same load through aiohttp (what QMS's sender uses): ~0.2 ms client CPU per request,
    so on a 2-core machine this measures the client more than the server."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    ok = 0
    counter = iter(range(start, start + n))
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal ok
            for i in counter:
                async with session.post(url, data=_body(i), headers=headers) as response:
                    await response.read()
                    ok += response.status == 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, ok


DRIVERS = {"raw": _drive_raw, "aiohttp": _drive_aiohttp}


async def _measure(
    server: _Server, path: str, n: int, concurrency: int, offset: int, client: str
) -> dict[str, float]:
    drive = DRIVERS[client]
    await drive(server.url + path, offset, min(2000, n), concurrency)  # warm-up
    cpu_before = _server_cpu(server.pid)
    elapsed, ok = await drive(server.url + path, offset + 2000, n, concurrency)
    cpu_after = _server_cpu(server.pid)
    result = {"per_s": ok / elapsed, "ok": ok}
    if cpu_before is not None and cpu_after is not None:
        result["server_cpu_us"] = (cpu_after - cpu_before) / n * 1e6
    return result


async def bench(n: int = 20000, concurrency: int = 100, client: str = "raw") -> dict[str, Any]:
    """Accepted sends/s of the simulator beside a bare ASGI endpoint's requests/s (same run,
    same client, same uvicorn settings), plus each server's CPU per request when known."""
    path = f"/v25.0/{DEV_PHONE_IDS[0]}/messages"
    sim_env = {
        "QMS_SIM_DEV_ACCESS_TOKEN": TOKEN,
        "QMS_SIM_THROUGHPUT_PER_NUMBER": "1000000000",
        "QMS_SIM_RANDOM_FAILURE_RATE": "0",
        "QMS_SIM_LATENCY_MS": "0",
    }
    results: dict[str, Any] = {"n": n, "concurrency": concurrency, "client": client}
    async with _server("qms.simulator.bench:bare_app", {}) as bare:
        results["bare"] = await _measure(bare, path, n, concurrency, 0, client)
        off = {**sim_env, "QMS_SIM_CALLBACKS_ENABLED": "false"}
        async with _server("qms.simulator.app:create_app", off, factory=True) as sim:
            results["sim"] = await _measure(sim, path, n, concurrency, 0, client)
        # Callbacks on: every accepted send becomes sent/delivered/read webhooks, posted
        # (batched, signed) to the bare endpoint while the sends run.
        on = {**sim_env, "QMS_SIM_WEBHOOK_URL": f"{bare.url}/webhooks/whatsapp"}
        async with _server("qms.simulator.app:create_app", on, factory=True) as sim:
            results["sim_callbacks"] = await _measure(sim, path, n, concurrency, 10**7, client)
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{sim.url}/_sim/webhooks?limit=0") as response,
            ):
                results["webhook_posts"] = (await response.json())["stats"]["posts"]
    base = results["bare"]["per_s"]
    for key in ("bare", "sim", "sim_callbacks"):
        results[key]["ratio"] = results[key]["per_s"] / base
    results["ratio"] = results["sim"]["ratio"]
    return results


def report(r: dict[str, Any]) -> str:
    rows = [
        ("bare ASGI endpoint (baseline), req/s", r["bare"]),
        ("simulator, callbacks off, accepted/s", r["sim"]),
        ("simulator, callbacks on, accepted/s", r["sim_callbacks"]),
    ]
    lines = [
        f"{'POST /v25.0/{phone}/messages':<40}{'per s':>9}{'vs bare':>9}{'server CPU/req':>16}"
    ]
    for name, row in rows:
        cpu = f"{row['server_cpu_us']:.0f} us" if "server_cpu_us" in row else "n/a"
        lines.append(f"{name:<40}{row['per_s']:>9.0f}{row['ratio']:>9.2f}{cpu:>16}")
    lines.append(
        f"({r['n']} template sends per row after a warm-up, {r['concurrency']} in flight, "
        f"{r['client']} client -> uvicorn (uvloop, httptools) on 127.0.0.1; "
        f"{r['webhook_posts']} webhook POSTs during the callbacks-on row)"
    )
    return "\n".join(lines)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    client = sys.argv[3] if len(sys.argv) > 3 else "raw"
    print(report(asyncio.run(bench(n, concurrency, client))))


if __name__ == "__main__":
    main()
