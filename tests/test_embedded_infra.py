"""`make run` on a machine without Postgres/Redis: the embedded servers start and work."""

from __future__ import annotations

import shutil

import asyncpg
import redis.asyncio as aioredis

from qms.config import REPO_ROOT
from qms.infra import ensure_database, resolve


async def test_forced_embedded_postgres_and_redis_work() -> None:
    folder = REPO_ROOT / ".data" / "test-embedded"
    shutil.rmtree(folder, ignore_errors=True)
    infra = resolve(None, None, folder, db_name="qms_embedded", force_embedded=True)
    try:
        assert infra.embedded == ["postgres", "redis"]
        assert "127.0.0.1:5432" not in infra.database_url
        await ensure_database(infra.database_url)
        dsn = infra.database_url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("select current_database()") == "qms_embedded"
        finally:
            await conn.close()
        client = aioredis.from_url(infra.redis_url)
        assert await client.ping()
        await client.aclose()
    finally:
        infra.stop()
        shutil.rmtree(folder, ignore_errors=True)
