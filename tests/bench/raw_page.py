"""The contacts-page baseline for `tests.bench.contacts_page`: the same 50-row page as
`GET /api/v1/contacts`, read with one raw asyncpg query and serialised with orjson, served as a
bare ASGI app by the same uvicorn as the API (so both figures include the same HTTP stack).

    GET /?workspace=<id>[&after=<created_at>,<id>]   env QMS_BENCH_RAW_DSN: the database
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import orjson

COLUMNS = (
    "id, phone, name, language, country, timezone, tags, fields, marketing_consent, "
    "utility_consent, platform_marketing_stop, created_at, updated_at"
)
FIRST = (
    f"SELECT {COLUMNS} FROM contacts WHERE workspace_id = $1 AND erased_at IS NULL"
    " ORDER BY created_at DESC, id DESC LIMIT 51"
)
AFTER = (
    f"SELECT {COLUMNS} FROM contacts WHERE workspace_id = $1 AND erased_at IS NULL"
    " AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 51"
)
_pool: asyncpg.Pool | None = None


async def _jsonb(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog"
    )


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool  # one pool per server process, made on the first request
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        if _pool is not None:
            await _pool.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    if _pool is None:
        _pool = await asyncpg.create_pool(
            os.environ["QMS_BENCH_RAW_DSN"], min_size=10, max_size=10, init=_jsonb
        )
    query = parse_qs(scope["query_string"].decode())
    workspace = uuid.UUID(query["workspace"][0])
    if "after" in query:
        created_at, _, contact_id = query["after"][0].partition(",")
        rows = await _pool.fetch(
            AFTER, workspace, datetime.fromisoformat(created_at), uuid.UUID(contact_id)
        )
    else:
        rows = await _pool.fetch(FIRST, workspace)
    cursor = None
    if len(rows) > 50:
        last = rows[49]
        cursor = {"v": last["created_at"].isoformat(), "id": str(last["id"])}
    body = orjson.dumps(
        {"items": [dict(r) for r in rows[:50]], "next_cursor": cursor},
        default=str,
        option=orjson.OPT_UTC_Z,
    )
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
