"""Contacts page benchmark: 1,000,000 contacts in one workspace, 8 concurrent clients asking for
a 50-row page (first page, a cursor page, a `q=` search) from the API served by uvicorn, beside
the same page read with one raw asyncpg query and serialised with orjson (`raw_page`), served by
the same uvicorn, in the same run.

    python -m tests.bench.contacts_page [--contacts N]   (default 1,000,000; env
                                                          QMS_BENCH_CONTACTS)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import asyncpg

from qms.cli import migrate
from qms.infra import ensure_database
from qms.legal.service import POLICY_VERSION
from tests.conftest import make_settings
from tests.live import free_port

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_bench_import"
REDIS = "redis://127.0.0.1:6379/10"
DEFAULT_CONTACTS = 1_000_000
CLIENTS = 8
PER_CLIENT = 200
SEARCH = "Person 4242"


async def seed(connection: asyncpg.Connection, workspace_id: uuid.UUID, count: int) -> float:
    """Set-based: one INSERT … SELECT generate_series with the secondary indexes dropped, then
    the indexes built again (as a bulk load does)."""
    started = time.perf_counter()
    indexes = await connection.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts' "
        "AND indexname <> 'pk_contacts'"
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["indexname"]}"')
    await connection.execute(
        """
        INSERT INTO contacts (id, workspace_id, phone, phone_hash, name, country, timezone,
                              tags, fields, marketing_consent, created_at, updated_at)
        SELECT gen_random_uuid(), $1, '+2499' || lpad(g::text, 8, '0'),
               md5(g::text) || md5((-g)::text), 'Person ' || g, 'SD', 'Africa/Khartoum',
               CASE WHEN g % 10 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END,
               jsonb_build_object('city', 'City ' || (g % 100), 'orders', g % 7),
               CASE WHEN g % 3 = 0 THEN 'opted_in' ELSE 'none' END,
               now() - make_interval(secs => g), now()
        FROM generate_series(1, $2) AS g
        """,
        workspace_id,
        count,
    )
    await connection.execute("SET maintenance_work_mem = '512MB'")
    for index in indexes:
        await connection.execute(index["indexdef"])
    await connection.execute("VACUUM ANALYZE contacts")
    elapsed = time.perf_counter() - started
    # Settle before measuring: the seed dirtied gigabytes that the checkpointer would otherwise
    # be writing out, competing for the two cores, during the first measurements.
    await connection.execute("CHECKPOINT")
    return elapsed


async def measure(call: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """Requests/s and p95 (ms) of CLIENTS concurrent clients making PER_CLIENT calls each."""
    for _ in range(20):
        await call()
    latencies: list[float] = []

    async def client() -> None:
        for _ in range(PER_CLIENT):
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return len(latencies) / elapsed, p95


ROUNDS = 3


async def paired(
    api_call: Callable[[], Awaitable[None]], raw_call: Callable[[], Awaitable[None]]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """API and raw measured in alternation, ROUNDS times each; the median round of each (by
    p95): the machine's noise drifts over seconds, and alternating gives both the same drift."""
    api, raw = [], []
    for _ in range(ROUNDS):
        api.append(await measure(api_call))
        raw.append(await measure(raw_call))

    def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return sorted(runs, key=lambda run: run[1])[len(runs) // 2]

    return median(api), median(raw)


@contextlib.contextmanager
def servers(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The API and the raw page, each its own single uvicorn process (as `make run` serves
    the API), on free ports."""
    api_port, raw_port = free_port(), free_port()
    common = ["--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "qms.main:create_app",
                "--factory",
                *common,
                "--port",
                str(api_port),
            ],
            env=env,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.bench.raw_page:app",
                *common,
                "--port",
                str(raw_port),
            ],
            env=env,
        ),
    ]
    try:
        for port in (api_port, raw_port):
            for _ in range(200):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.1)
        yield f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{raw_port}"
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


async def bench(count: int) -> dict[str, Any]:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    settings = make_settings(database_url=DB, redis_url=REDIS)

    def secret(value: Any) -> str:
        return str(value.get_secret_value())

    env = {
        **os.environ,
        "QMS_ENV": "test",
        "QMS_DATABASE_URL": DB,
        "QMS_REDIS_URL": REDIS,
        "QMS_JWT_SECRET": secret(settings.jwt_secret),
        "QMS_ENCRYPTION_KEYS": secret(settings.encryption_keys),
        "QMS_HMAC_KEY": secret(settings.hmac_key),
        "QMS_META_APP_SECRET": "bench",
        "QMS_META_VERIFY_TOKEN": "bench",
        "QMS_LOG_LEVEL": "WARNING",
        "QMS_BENCH_RAW_DSN": DB.replace("+asyncpg", ""),
    }
    results: dict[str, Any] = {"contacts": count}
    with servers(env) as (api_base, raw_base):
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS * 2)) as http:
            async with http.post(
                f"{api_base}/api/v1/auth/signup",
                json={
                    "email": "bench-contacts@example.com",
                    "password": "bench password 1",
                    "full_name": "Bench",
                    "business_name": "Bench Contacts",
                    "age_confirmed": True,
                    "privacy_policy_version": POLICY_VERSION,
                },
            ) as r:
                assert r.status == 201, await r.text()
                signed_up = await r.json()
            headers = {"Authorization": f"Bearer {signed_up['access_token']}"}
            workspace_id = uuid.UUID(signed_up["workspace_id"])
            connection = await asyncpg.connect(DB.replace("+asyncpg", ""))
            try:
                results["seed_s"] = await seed(connection, workspace_id, count)
            finally:
                await connection.close()

            async def get(url: str, auth: bool = True) -> Any:
                async with http.get(url, headers=headers if auth else None) as response:
                    assert response.status == 200, await response.text()
                    return await response.json()

            first = await get(f"{api_base}/api/v1/contacts?limit=50")
            assert len(first["items"]) == 50 and first["next_cursor"]
            raw_first = await get(f"{raw_base}/?workspace={workspace_id}", auth=False)
            assert [c["id"] for c in raw_first["items"]] == [c["id"] for c in first["items"]]
            last = first["items"][-1]
            found = await get(f"{api_base}/api/v1/contacts?limit=50&q={SEARCH}")
            assert found["items"], "the search finds nothing"

            def call(url: str, auth: bool = True) -> Callable[[], Awaitable[None]]:
                async def once() -> None:
                    async with http.get(url, headers=headers if auth else None) as response:
                        assert response.status == 200
                        await response.read()

                return once

            raw_page = f"{raw_base}/?workspace={workspace_id}"
            cases = {
                "first page (limit=50)": (
                    call(f"{api_base}/api/v1/contacts?limit=50"),
                    call(raw_page, auth=False),
                ),
                "cursor page": (
                    call(f"{api_base}/api/v1/contacts?limit=50&cursor={first['next_cursor']}"),
                    call(f"{raw_page}&after={last['created_at']},{last['id']}", auth=False),
                ),
            }
            results["cases"] = {}
            for name, (api_call, raw_call) in cases.items():
                results["cases"][name] = await paired(api_call, raw_call)
            results["parts"] = {
                f"search (q={SEARCH})": await measure(
                    call(f"{api_base}/api/v1/contacts?limit=50&q={SEARCH}")
                ),
                "GET /api/v1/workspace (auth + 1 row)": await measure(
                    call(f"{api_base}/api/v1/workspace")
                ),
                "GET /healthz (HTTP, no database)": await measure(
                    call(f"{api_base}/healthz", auth=False)
                ),
            }
    return results


def report(results: dict[str, Any]) -> str:
    _, first_raw_p95 = results["cases"]["first page (limit=50)"][1]
    lines = [
        f"{'request':<30}{'API req/s':>11}{'API p95':>10}{'raw req/s':>11}{'raw p95':>10}"
        f"{'p95 API/raw':>13}"
    ]
    for name, ((api_rate, api_p95), (raw_rate, raw_p95)) in results["cases"].items():
        lines.append(
            f"{name:<30}{api_rate:>11.0f}{api_p95:>8.1f}ms{raw_rate:>11.0f}{raw_p95:>8.1f}ms"
            f"{api_p95 / raw_p95:>13.2f}"
        )
    lines.append(f"{'other requests':<30}{'req/s':>11}{'p95':>10}{'':>21}{'p95 vs raw':>13}")
    for name, (rate, p95) in results["parts"].items():
        lines.append(f"  {name:<40}{rate:>9.0f}{p95:>8.1f}ms{p95 / first_raw_p95:>23.2f}")
    lines.append(
        f"({results['contacts']:,} contacts in one workspace, seeded in {results['seed_s']:.0f} s; "
        f"{CLIENTS} concurrent clients x {PER_CLIENT} requests over HTTP to one uvicorn process, "
        f"API and raw alternated {ROUNDS} times, median rounds shown; "
        "raw = the same page by one asyncpg query + orjson, served by the same uvicorn; "
        "targets: API p95 < 50 ms and within 2x of raw)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--contacts",
        type=int,
        default=int(os.environ.get("QMS_BENCH_CONTACTS", DEFAULT_CONTACTS)),
    )
    args = parser.parse_args()
    print("Contacts page")
    print(report(asyncio.run(bench(args.contacts))))


if __name__ == "__main__":
    main()
