from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text

from qms.auth.dependencies import public
from qms.config import alembic_config
from qms.deps import State

router = APIRouter(tags=["health"], dependencies=[Depends(public)])


@lru_cache
def migration_heads(app_root: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config(app_root)).get_heads())


@router.get("/healthz", operation_id="health:live")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health:ready", responses={503: {"description": "Not ready"}})
async def readyz(state: State) -> Any:
    """Postgres and Redis answer and the schema is at the latest migration."""
    checks: dict[str, str] = {}
    try:
        async with state.engine.connect() as conn:
            versions = set(
                (await conn.execute(text("select version_num from alembic_version"))).scalars()
            )
        checks["postgres"] = "ok"
        checks["migrations"] = (
            "ok" if versions == migration_heads(state.settings.app_root) else "pending"
        )
    except Exception:
        checks["postgres"] = checks.get("postgres", "unavailable")
        checks.setdefault("migrations", "unknown")
    try:
        await state.redis.ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
