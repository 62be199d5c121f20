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
from typing import Any

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


def _processes(
    env: dict[str, str], host: str, port: int, simulator_port: int, reload: bool = False
) -> list[list[str]]:
    """The product's processes: API (serving the SPA), arq worker, WhatsApp simulator."""
    api = [
        PY,
        "-m",
        "uvicorn",
        "qms.main:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    if reload:
        api += ["--reload", "--reload-dir", str(REPO_ROOT / "backend")]
    return [
        api,
        [PY, "-m", "arq", "qms.worker.settings.WorkerSettings"],
        [
            PY,
            "-m",
            "uvicorn",
            "qms.simulator.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(simulator_port),
            "--log-level",
            "warning",
        ],
    ]


def _supervise(commands: list[list[str]], env: dict[str, str], on_ready: Any = None) -> int:
    """Start everything; when one process dies or Ctrl-C arrives, stop all of them cleanly."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    procs = [subprocess.Popen(command, env=env) for command in commands]
    try:
        if on_ready is not None:
            on_ready()
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        return 0 if stopping else 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def _simulator_env(
    env: dict[str, str], settings: Settings, api_port: int, sim_port: int
) -> dict[str, str]:
    """The simulator signs webhooks with the deployment's Meta app secret and calls our API."""
    from qms.secrets_store import load_secrets

    secrets = load_secrets(settings)
    return {
        **env,
        "QMS_SIMULATOR_URL": f"http://127.0.0.1:{sim_port}",
        "QMS_SIM_WEBHOOK_URL": f"http://127.0.0.1:{api_port}/webhooks/whatsapp",
        "QMS_SIM_APP_SECRET": secrets.meta_app_secret,
        "QMS_SIM_APP_ID": settings.meta_app_id,
    }


def run(args: argparse.Namespace) -> int:
    """API + worker + simulator, stopped together on Ctrl-C."""
    import asyncio

    from qms.demo import seed_demo
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
    try:
        migrate(infra.database_url)
        settings = Settings(database_url=infra.database_url, redis_url=infra.redis_url)
        env = _simulator_env(
            {
                **os.environ,
                "QMS_DATABASE_URL": infra.database_url,
                "QMS_REDIS_URL": infra.redis_url,
            },
            settings,
            args.port,
            args.simulator_port,
        )
        settings = Settings(
            database_url=infra.database_url,
            redis_url=infra.redis_url,
            simulator_url=env["QMS_SIMULATOR_URL"],
        )
        url = f"http://{args.host}:{args.port}"

        def ready() -> None:
            if not _wait_ready(f"{url}/readyz", timeout=60):
                print("QMS did not become ready; see the messages above.", flush=True)
                return
            try:
                demo = asyncio.run(seed_demo(settings))
                hint = f"  or sign in to the demo workspace as {demo.email} / {demo.password}\n"
            except Exception as exc:  # the product runs without its demo
                hint = f"  (the demo workspace could not be seeded: {exc})\n"
            print(
                f"\n  QMS is running at {url}\n"
                f"  New here? Open {url}/signup to create your account and workspace,\n"
                f"{hint}"
                f"  Mails (verification, invitations) appear at {url}/dev/outbox\n"
                f"  WhatsApp Cloud API simulator: {env['QMS_SIMULATOR_URL']}\n"
                "  Press Ctrl-C to stop.\n",
                flush=True,
            )

        return _supervise(
            _processes(env, args.host, args.port, args.simulator_port, args.reload), env, ready
        )
    finally:
        infra.stop()


def e2e_server(args: argparse.Namespace) -> int:
    """A fresh database, worker, simulator and the built SPA for the browser tests."""
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
        "QMS_SIM_TIME_FACTOR": "0.05",
    }
    import redis

    redis.Redis.from_url(env["QMS_REDIS_URL"]).flushdb()
    settings = Settings(data_dir=Path(env["QMS_DATA_DIR"]))
    env = _simulator_env(env, settings, args.port, args.simulator_port)
    return _supervise(_processes(env, "127.0.0.1", args.port, args.simulator_port), env)


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
    p.add_argument("--simulator-port", type=int, default=9090)
    p.set_defaults(func=run)
    p = sub.add_parser("migrate", help="create the database if missing and migrate to head")
    p.set_defaults(func=lambda a: migrate(Settings().database_url))
    p = sub.add_parser("e2e-server", help="fresh qms_e2e database + API/SPA for browser tests")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--simulator-port", type=int, default=9091)
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
