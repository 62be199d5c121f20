"""`qms` command: run the whole product, migrate, export OpenAPI, serve the e2e backend."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from qms.config import REPO_ROOT, Settings, alembic_config

PY = sys.executable


def migrate(database_url: str) -> None:
    from alembic import command

    from qms.infra import ensure_database_sync

    ensure_database_sync(database_url)
    config = alembic_config(Settings().app_root)
    config.attributes["url"] = database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def _wait_ready(url: str, timeout: float = 30.0) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def run(args: argparse.Namespace) -> int:
    """API + worker (+ simulator once it exists), stopped together on Ctrl-C."""
    from qms.infra import resolve

    settings = Settings()
    infra = resolve(
        os.environ.get("QMS_DATABASE_URL"),
        os.environ.get("QMS_REDIS_URL"),
        settings.data_dir,
        force_embedded=args.embedded,
    )
    if infra.embedded:
        print(f"Using embedded {', '.join(infra.embedded)} under {settings.data_dir}")
    env = {**os.environ, "QMS_DATABASE_URL": infra.database_url, "QMS_REDIS_URL": infra.redis_url}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        migrate(infra.database_url)
        from qms.secrets_store import load_secrets

        load_secrets(Settings(database_url=infra.database_url))  # generate dev secrets once
        uvicorn = [
            PY,
            "-m",
            "uvicorn",
            "qms.main:create_app",
            "--factory",
            "--host",
            args.host,
            "--port",
            str(args.port),
        ]
        if args.reload:
            uvicorn += ["--reload", "--reload-dir", str(REPO_ROOT / "backend")]
        procs.append(subprocess.Popen(uvicorn, env=env))
        procs.append(
            subprocess.Popen([PY, "-m", "arq", "qms.worker.settings.WorkerSettings"], env=env)
        )
        url = f"http://{args.host}:{args.port}"
        if _wait_ready(f"{url}/readyz"):
            print(
                f"\n  QMS is running at {url}\n"
                f"  First time? Open {url}/signup to create your account and workspace.\n"
                f"  Emails (verification, invitations) appear at {url}/api/v1/dev/outbox\n"
                "  Press Ctrl-C to stop.\n",
                flush=True,
            )
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        infra.stop()


def e2e_server(args: argparse.Namespace) -> int:
    """A fresh database and the built SPA for the browser tests."""
    from qms.infra import ensure_database_sync

    url = os.environ.get(
        "QMS_E2E_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_e2e"
    )
    ensure_database_sync(url, recreate=True)
    migrate(url)
    env = {
        **os.environ,
        "QMS_ENV": "test",
        "QMS_DATABASE_URL": url,
        "QMS_REDIS_URL": os.environ.get("QMS_E2E_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "QMS_PUBLIC_URL": f"http://127.0.0.1:{args.port}",
        "QMS_DATA_DIR": str(REPO_ROOT / ".data" / "e2e"),
    }
    import redis

    redis.Redis.from_url(env["QMS_REDIS_URL"]).flushdb()
    os.execve(
        PY,
        [
            PY,
            "-m",
            "uvicorn",
            "qms.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--log-level",
            "warning",
        ],
        env,
    )


def rotate_keys(args: argparse.Namespace) -> int:
    """Re-encrypt stored secrets under the active key (see qms.security.rotation)."""
    import asyncio

    from qms.db import create_engine, create_sessionmaker
    from qms.secrets_store import add_generated_key, load_secrets
    from qms.security.crypto import Keyring
    from qms.security.rotation import rotate_all

    settings = Settings()
    if args.generate:
        kid = add_generated_key(settings)
        print(f"New active key {kid} added to {settings.data_dir / 'secrets.json'}")
    keyring = Keyring(load_secrets(settings).keyring)

    async def _run() -> dict[str, int]:
        engine = create_engine(settings.database_url)
        try:
            return await rotate_all(create_sessionmaker(engine), keyring)
        finally:
            await engine.dispose()

    for column, count in asyncio.run(_run()).items():
        print(f"{column}: {count} re-encrypted with key {keyring.active_kid}")
    return 0


def export_openapi(args: argparse.Namespace) -> int:
    from qms.main import create_app

    schema = create_app(Settings(spa_dist=Path("/nonexistent"))).openapi()
    text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    out = Path(args.output)
    if args.check:
        if not out.exists() or out.read_text() != text:
            print(f"{out} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    out.write_text(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="qms")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run API, worker and simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--reload", action="store_true")
    p.add_argument("--embedded", action="store_true", help="force embedded Postgres and Redis")
    p.set_defaults(func=run)
    p = sub.add_parser("migrate", help="create the database if missing and migrate to head")
    p.set_defaults(func=lambda a: migrate(Settings().database_url))
    p = sub.add_parser("e2e-server", help="fresh qms_e2e database + API/SPA for browser tests")
    p.add_argument("--port", type=int, default=8001)
    p.set_defaults(func=e2e_server)
    p = sub.add_parser("rotate-keys", help="re-encrypt stored secrets with the active key")
    p.add_argument(
        "--generate",
        action="store_true",
        help="development: first add a new key to the generated secrets file",
    )
    p.set_defaults(func=rotate_keys)
    p = sub.add_parser("openapi", help="write openapi/openapi.json")
    p.add_argument("--output", default=str(REPO_ROOT / "openapi" / "openapi.json"))
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=export_openapi)
    args = parser.parse_args()
    result = args.func(args)
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
