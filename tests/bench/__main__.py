"""`make bench`: performance figures, each printed beside a baseline from the same run (these
machines are noisy; compare ratios, not absolute times).

Figures:
- foundation: the cost of authenticating a request (JWT vs API key) against an unauthenticated
  baseline, through the full ASGI stack with real PostgreSQL and Redis;
- WhatsApp simulator: accepted messages/s of its send endpoint beside a bare ASGI endpoint's
  requests/s (live uvicorn processes, 100 requests in flight);
- contacts import: a 1,000,000-row CSV uploaded through the API and imported by the job, beside
  a plain COPY of the same file (`--rows N` or QMS_BENCH_IMPORT_ROWS for a quick run);
- contacts page: 1,000,000 contacts, 8 concurrent clients on the list (first page, a cursor
  page, a search) served by uvicorn, beside the same page by one raw asyncpg query + orjson
  served by the same uvicorn (`--contacts N` or QMS_BENCH_CONTACTS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx

from qms.cli import migrate
from qms.infra import ensure_database
from qms.legal.service import POLICY_VERSION
from qms.main import create_app
from tests.conftest import make_settings

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_bench"
N = 400
CONCURRENCY = 20


async def _rate(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with sem:
            r = await client.get(path, headers=headers)
            assert r.status_code == 200, r.text

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(N)))
    return N / (time.perf_counter() - started)


async def main() -> None:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    app = create_app(make_settings(database_url=DB, redis_url="redis://127.0.0.1:6379/12"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            r = await client.post(
                "/api/v1/auth/signup",
                json={
                    "email": "bench@example.com",
                    "password": "bench password 1",
                    "full_name": "Bench",
                    "business_name": "Bench",
                    "age_confirmed": True,
                    "privacy_policy_version": POLICY_VERSION,
                },
            )
            jwt = {"Authorization": f"Bearer {r.json()['access_token']}"}
            key = (
                await client.post(
                    "/api/v1/api-keys",
                    headers=jwt,
                    json={"name": "bench", "scopes": ["workspace:read"]},
                )
            ).json()["key"]
            api_key = {"Authorization": f"Bearer {key}"}
            await _rate(client, "/healthz", {})  # warm-up
            baseline = await _rate(client, "/healthz", {})
            with_jwt = await _rate(client, "/api/v1/workspace", jwt)
            with_key = await _rate(client, "/api/v1/workspace", api_key)
    print(f"{'request':<42}{'req/s':>10}{'vs baseline':>14}")
    print(f"{'GET /healthz (baseline, no auth, no DB)':<42}{baseline:>10.0f}{1.0:>14.2f}")
    print(f"{'GET /api/v1/workspace with JWT':<42}{with_jwt:>10.0f}{with_jwt / baseline:>14.2f}")
    print(
        f"{'GET /api/v1/workspace with API key':<42}{with_key:>10.0f}{with_key / baseline:>14.2f}"
    )
    print(f"({N} requests each, {CONCURRENCY} in flight, in-process ASGI, real Postgres + Redis)")


async def simulator() -> None:
    from qms.simulator import bench

    print("\nWhatsApp simulator send path")
    print(bench.report(await bench.bench(20000, 100)))


def contacts(rows: int, count: int) -> None:
    from tests.bench import contacts_page, imports

    print("\nContacts import")
    print(imports.report(asyncio.run(imports.bench(rows))))
    print("\nContacts page")
    print(contacts_page.report(asyncio.run(contacts_page.bench(count))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="make bench")
    parser.add_argument(
        "--rows",
        type=int,
        default=int(os.environ.get("QMS_BENCH_IMPORT_ROWS", 1_000_000)),
        help="rows of the import benchmark's CSV",
    )
    parser.add_argument(
        "--contacts",
        type=int,
        default=int(os.environ.get("QMS_BENCH_CONTACTS", 1_000_000)),
        help="contacts of the contacts page benchmark",
    )
    args = parser.parse_args()
    print("Authentication cost")
    asyncio.run(main())
    asyncio.run(simulator())
    contacts(args.rows, args.contacts)
