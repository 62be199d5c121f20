"""Contacts import benchmark: a generated CSV (phone, name, two custom fields, a consent
column) uploaded through the API and imported by the job, beside a plain COPY of the same file
into a bare table in the same run.

    python -m tests.bench.imports [--rows N]      (default 1,000,000; env QMS_BENCH_IMPORT_ROWS)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from arq import Retry

from qms.cli import migrate
from qms.imports import service
from qms.imports.tasks import run_import
from qms.infra import ensure_database
from qms.legal.service import POLICY_VERSION
from qms.main import create_app
from tests.conftest import make_settings

DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_bench_import"
REDIS = "redis://127.0.0.1:6379/10"
DEFAULT_ROWS = 1_000_000
NAMES = ["Amna", "Mohamed", "Fatima", "Ahmed", "Sara", "Omer", "Hawa", "Yousif", "أمنة", "محمد"]
CITIES = ["Omdurman", "Khartoum", "Port Sudan", "Kassala", "Wad Madani", "الخرطوم"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """Distinct Sudanese mobile numbers in the formats people type (local, +, 00), about 0.1%
    bad numbers and 0.1% repeated ones; consent as yes / no / y / 1 / empty."""
    rng = random.Random(seed)
    prefixes = ("90", "91", "92", "96", "99")
    consent = ("yes", "yes", "yes", "no", "y", "1", "")
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("phone,name,city,orders,consent\n")
        lines = []
        for i in range(rows):
            subscriber = f"{prefixes[i % 5]}{i // 5:07d}"
            if i % 1000 == 999:
                phone = f"12{i}"  # not a phone number
            elif i % 1000 == 998:
                phone = f"0{prefixes[0]}{(i // 5 - 1):07d}"  # a number seen a few rows earlier
            elif i % 3 == 0:
                phone = "0" + subscriber
            elif i % 3 == 1:
                phone = "+249" + subscriber
            else:
                phone = "00249" + subscriber
            lines.append(
                f"{phone},{rng.choice(NAMES)} {i},{rng.choice(CITIES)},"
                f"{rng.randint(0, 50)},{rng.choice(consent)}\n"
            )
            if len(lines) >= 10000:
                f.writelines(lines)
                lines.clear()
        f.writelines(lines)


async def _plain_copy(path: Path) -> float:
    """Baseline: COPY the same file into a bare table (no parsing, no indexes)."""
    connection = await asyncpg.connect(DB.replace("+asyncpg", ""))
    try:
        await connection.execute(
            "CREATE TEMP TABLE bare (phone text, name text, city text, orders text, consent text)"
        )
        started = time.perf_counter()
        await connection.copy_to_table("bare", source=path, format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def _signup(client: httpx.AsyncClient) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
            "password": "bench password 1",
            "full_name": "Bench",
            "business_name": "Bench Imports",
            "age_confirmed": True,
            "privacy_policy_version": POLICY_VERSION,
        },
    )
    assert r.status_code == 201, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.patch("/api/v1/workspace", headers=headers, json={"default_country": "SD"})
    assert r.status_code == 200, r.text
    for key, kind in (("city", "text"), ("orders", "number")):
        r = await client.post(
            "/api/v1/contacts/fields",
            headers=headers,
            json={"key": key, "label": key.title(), "type": kind},
        )
        assert r.status_code == 201, r.text
    return headers


async def bench(rows: int) -> dict[str, Any]:
    await ensure_database(DB, recreate=True)
    await asyncio.to_thread(migrate, DB)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "contacts.csv"
        await asyncio.to_thread(write_csv, path, rows)
        size = path.stat().st_size
        app = create_app(make_settings(database_url=DB, redis_url=REDIS, data_dir=folder / "data"))
        async with app.router.lifespan_context(app):
            state = app.state.qms
            await state.redis.flushdb()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=600
            ) as client:
                headers = await _signup(client)
                started = time.perf_counter()
                with path.open("rb") as f:
                    r = await client.post(
                        "/api/v1/contacts/imports",
                        headers=headers,
                        files={"file": ("contacts.csv", f, "text/csv")},
                    )
                assert r.status_code == 201, r.text
                import_id = r.json()["id"]
                uploaded = time.perf_counter()
                r = await client.post(
                    f"/api/v1/contacts/imports/{import_id}/start",
                    headers=headers,
                    json={
                        "mapping": {
                            "phone": "phone",
                            "name": "name",
                            "fields.city": "city",
                            "fields.orders": "orders",
                        },
                        "consent": {
                            "mode": "column",
                            "column": "consent",
                            "evidence": "Ticked 'Send me offers on WhatsApp' at checkout",
                        },
                        "on_duplicate": "update",
                    },
                )
                assert r.status_code == 202, r.text
                job = [j for j in await state.redis.queued_jobs() if j.function == "run_import"]
                await state.redis.flushdb()
                staged_at: list[float] = []

                def checkpoint(_: uuid.UUID, phase: str, __: int) -> None:
                    if phase == "staging":
                        staged_at[:] = [time.perf_counter()]

                service._checkpoint = checkpoint
                job_try = 1
                while True:  # as the arq worker does: a Retry is run again, and resumes
                    try:
                        await run_import(
                            {"state": state, "redis": state.redis, "job_try": job_try},
                            *job[0].args,
                        )
                        break
                    except Retry:
                        job_try += 1
                finished = time.perf_counter()
                r = await client.get(f"/api/v1/contacts/imports/{import_id}", headers=headers)
                result = r.json()
        assert result["status"] == "completed", result
        baseline = await _plain_copy(path)
    return {
        "rows": rows,
        "bytes": size,
        "upload_s": uploaded - started,
        "job_s": finished - uploaded,
        "staging_s": (staged_at[0] if staged_at else uploaded) - uploaded,
        "total_s": finished - started,
        "copy_s": baseline,
        "result": result,
    }


def report(figures: dict[str, Any]) -> str:
    rows, total, copy = figures["rows"], figures["total_s"], figures["copy_s"]
    result = figures["result"]
    lines = [
        f"{'':<44}{'seconds':>10}{'rows/s':>12}{'vs COPY':>10}",
        f"{'plain COPY into a bare table (baseline)':<44}{copy:>10.1f}{rows / copy:>12,.0f}"
        f"{1.0:>10.1f}",
        f"{'import, upload to done':<44}{total:>10.1f}{rows / total:>12,.0f}{total / copy:>10.1f}",
        f"{'  upload (stream to disk, detect, count)':<44}{figures['upload_s']:>10.1f}",
        f"{'  job (normalise, dedupe, load, consent)':<44}{figures['job_s']:>10.1f}",
        f"{'    staging (normalise in the pool, COPY)':<44}{figures['staging_s']:>10.1f}",
        f"{'    merging (contacts, consent events)':<44}"
        f"{figures['job_s'] - figures['staging_s']:>10.1f}",
        f"({rows:,} rows, {figures['bytes'] / 1e6:.0f} MB; created {result['created']:,}, "
        f"errors {result['errors']:,}, duplicates {result['duplicates_in_file']:,}; "
        f"target: 1,000,000 rows under 60 s)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", type=int, default=int(os.environ.get("QMS_BENCH_IMPORT_ROWS", DEFAULT_ROWS))
    )
    args = parser.parse_args()
    print("Contacts import")
    print(report(asyncio.run(bench(args.rows))))


if __name__ == "__main__":
    main()
