"""Contacts page benchmark: 1,000,000 contacts in one workspace, 8 concurrent clients asking for
a 50-row page (first page, a cursor page, a `q=` search) through the API, beside the same page
fetched with a raw asyncpg query serialised with orjson, in the same run.

    python -m tests.bench.contacts_page [--contacts N]   (default 1,000,000; env
                                                          QMS_BENCH_CONTACTS)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import orjson
from sqlalchemy import select

from qms.auth.dependencies import Principal
from qms.cli import migrate
from qms.contacts import router as contacts_router
from qms.contacts.schemas import ContactFilter, ContactOut
from qms.infra import ensure_database
from qms.legal.service import POLICY_VERSION
from qms.main import create_app
from qms.models import Contact, Role
from qms.pagination import Page
from tests.conftest import make_settings

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_bench_import"
REDIS = "redis://127.0.0.1:6379/10"
DEFAULT_CONTACTS = 1_000_000
CLIENTS = 8
PER_CLIENT = 60
COLUMNS = (
    "id, phone, name, language, country, timezone, tags, fields, marketing_consent, "
    "utility_consent, platform_marketing_stop, created_at, updated_at"
)
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
    return time.perf_counter() - started


async def measure(call: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """Requests/s and p95 (ms) of CLIENTS concurrent clients making PER_CLIENT calls each."""
    for _ in range(10):
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


async def _jsonb(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog"
    )


def _raw_page(rows: list[asyncpg.Record], limit: int) -> bytes:
    items = [dict(r) for r in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = {"v": last["created_at"].isoformat(), "id": str(last["id"])}
    return orjson.dumps({"items": items, "next_cursor": cursor}, default=str)


async def bench(count: int) -> dict[str, Any]:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    app = create_app(make_settings(database_url=DB, redis_url=REDIS))
    results: dict[str, Any] = {"contacts": count}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            r = await client.post(
                "/api/v1/auth/signup",
                json={
                    "email": "bench-contacts@example.com",
                    "password": "bench password 1",
                    "full_name": "Bench",
                    "business_name": "Bench Contacts",
                    "age_confirmed": True,
                    "privacy_policy_version": POLICY_VERSION,
                },
            )
            assert r.status_code == 201, r.text
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            workspace_id = uuid.UUID(r.json()["workspace_id"])
            pool = await asyncpg.create_pool(
                DB.replace("+asyncpg", ""), min_size=8, max_size=8, init=_jsonb
            )
            try:
                async with pool.acquire() as connection:
                    results["seed_s"] = await seed(connection, workspace_id, count)
                first = (await client.get("/api/v1/contacts?limit=50", headers=headers)).json()
                assert len(first["items"]) == 50 and first["next_cursor"]
                cursor = first["next_cursor"]
                last = first["items"][-1]
                after = (datetime.fromisoformat(last["created_at"]), uuid.UUID(last["id"]))
                found = (
                    await client.get(f"/api/v1/contacts?limit=50&q={SEARCH}", headers=headers)
                ).json()
                assert found["items"], "the search finds nothing"

                def api(url: str) -> Callable[[], Awaitable[None]]:
                    async def call() -> None:
                        response = await client.get(url, headers=headers)
                        assert response.status_code == 200, response.text

                    return call

                def raw(sql: str, *args: Any) -> Callable[[], Awaitable[None]]:
                    async def call() -> None:
                        async with pool.acquire() as connection:
                            rows = await connection.fetch(sql, *args)
                        _raw_page(rows, 50)

                    return call

                base = (
                    f"SELECT {COLUMNS} FROM contacts WHERE workspace_id = $1 AND erased_at IS NULL"
                )
                order = " ORDER BY created_at DESC, id DESC LIMIT 51"
                like = f"%{SEARCH}%"
                search = (
                    " AND (coalesce(name, '') || ' ' || coalesce(phone, '')) ILIKE $2"
                    " AND name ILIKE $2"
                )
                cases = {
                    "first page (limit=50)": (
                        api("/api/v1/contacts?limit=50"),
                        raw(base + order, workspace_id),
                    ),
                    "cursor page": (
                        api(f"/api/v1/contacts?limit=50&cursor={cursor}"),
                        raw(
                            base + " AND (created_at, id) < ($2, $3)" + order, workspace_id, *after
                        ),
                    ),
                    f"search (q={SEARCH})": (
                        api(f"/api/v1/contacts?limit=50&q={SEARCH}"),
                        raw(base + search + order, workspace_id, like),
                    ),
                }
                results["cases"] = {}
                for name, (api_call, raw_call) in cases.items():
                    results["cases"][name] = (await measure(api_call), await measure(raw_call))
                # Where the API's time goes: the handler alone (its query + serialisation, no
                # HTTP, auth or session set-up), the ORM + pydantic way it was written before,
                # and a request that only authenticates and reads one row.
                state = app.state.qms
                principal = Principal(
                    user_id=None,
                    workspace_id=workspace_id,
                    role=Role.owner,
                    scopes=frozenset({"contacts:read"}),
                )

                async def handler() -> None:
                    async with state.sessionmaker() as session:
                        await contacts_router.list_contacts(
                            principal, session, ContactFilter(), "-created_at", 50, None
                        )

                async def orm_pydantic() -> None:
                    async with state.sessionmaker() as session:
                        rows = (
                            await session.scalars(
                                select(Contact)
                                .where(
                                    Contact.workspace_id == workspace_id,
                                    Contact.erased_at.is_(None),
                                )
                                .order_by(Contact.created_at.desc(), Contact.id.desc())
                                .limit(51)
                            )
                        ).all()
                        Page[ContactOut](
                            items=[ContactOut.model_validate(c) for c in rows[:50]]
                        ).model_dump_json()

                results["parts"] = {
                    "handler: query + orjson (now)": await measure(handler),
                    "ORM + pydantic (before)": await measure(orm_pydantic),
                    "GET /api/v1/workspace (auth + 1 row)": await measure(api("/api/v1/workspace")),
                }
            finally:
                await pool.close()
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
    lines.append(f"{'first page, in parts':<30}{'req/s':>11}{'p95':>10}{'':>21}{'p95 vs raw':>13}")
    for name, (rate, p95) in results["parts"].items():
        lines.append(f"  {name:<40}{rate:>9.0f}{p95:>8.1f}ms{p95 / first_raw_p95:>23.2f}")
    lines.append(
        f"({results['contacts']:,} contacts in one workspace, seeded in {results['seed_s']:.0f} s; "
        f"{CLIENTS} concurrent clients x {PER_CLIENT} requests; raw = asyncpg + orjson; "
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
