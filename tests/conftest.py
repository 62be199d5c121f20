"""Test fixtures: a real PostgreSQL database (`qms_test`, recreated and migrated once per run)
and a real Redis (db 15). Each test runs inside a transaction rolled back at the end; the app's
own commits become savepoints."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from qms.cli import migrate
from qms.config import Settings
from qms.infra import ensure_database_sync
from qms.legal.service import POLICY_VERSION
from qms.main import create_app
from qms.secrets_store import new_key_b64
from qms.state import AppState

TEST_DB = os.environ.get(
    "QMS_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/qms_test"
)
TEST_REDIS = os.environ.get("QMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "correct horse battery"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": TEST_DB,
        "redis_url": TEST_REDIS,
        "jwt_secret": "test-jwt-secret-" + "x" * 32,
        "encryption_keys": f"k1:{new_key_b64()}",
        "hmac_key": new_key_b64(),
        "meta_app_secret": "test-meta-app-secret",
        "meta_verify_token": "test-verify-token",
        "public_url": "http://testserver",
        "refresh_reuse_grace_seconds": 0,
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
def migrated_db() -> str:
    ensure_database_sync(TEST_DB, recreate=True)
    migrate(TEST_DB)
    return TEST_DB


@pytest.fixture(scope="session")
async def app_state(settings: Settings, migrated_db: str) -> AsyncIterator[AppState]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state: AppState = app.state.qms
        state.app = app  # type: ignore[attr-defined]
        yield state


@pytest.fixture
async def conn(app_state: AppState) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test; everything the app commits is rolled back after."""
    async with app_state.engine.connect() as connection:
        outer = await connection.begin()
        original = app_state.sessionmaker
        app_state.sessionmaker = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await app_state.redis.flushdb()
        try:
            yield connection
        finally:
            app_state.sessionmaker = original
            await outer.rollback()


@pytest.fixture
async def db(conn: AsyncConnection, app_state: AppState) -> AsyncIterator[AsyncSession]:
    async with app_state.sessionmaker() as session:
        yield session


@pytest.fixture
async def client(conn: AsyncConnection, app_state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_state.app, client=("203.0.113.7", 50000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Account:
    """A signed-up user with an access token for one workspace."""

    email: str
    user_id: str
    workspace_id: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def signup(
    client: httpx.AsyncClient,
    email: str | None = None,
    business: str = "Acme Trading",
    **extra: Any,
) -> Account:
    email = email or unique_email()
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Test User",
        "business_name": business or None,
        "age_confirmed": True,
        "privacy_policy_version": POLICY_VERSION,
        "return_refresh_token": True,
        **extra,
    }
    response = await client.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {data['access_token']}"})
    return Account(
        email, me.json()["id"], data["workspace_id"], data["access_token"], data["refresh_token"]
    )


async def outbox_link(client: httpx.AsyncClient, to: str, path: str) -> str:
    """The token from the newest mail to `to` whose link goes to `path`."""
    mails = (await client.get("/api/v1/dev/outbox")).json()["items"]
    for mail in mails:
        if mail["to"] == to and f"{path}?token=" in (mail["body"] or ""):
            return str(mail["body"].split(f"{path}?token=")[1].split()[0])
    raise AssertionError(f"no {path} mail to {to}")


async def add_member(
    client: httpx.AsyncClient, owner: Account, role: str, email: str | None = None
) -> Account:
    """Invite and sign up a member with `role` in the owner's workspace."""
    email = email or unique_email(role)
    r = await client.post(
        "/api/v1/workspace/invitations", json={"email": email, "role": role}, headers=owner.headers
    )
    assert r.status_code == 201, r.text
    token = await outbox_link(client, email, "/invite")
    return await signup(client, email=email, business="", invitation_token=token)


async def create_key(client: httpx.AsyncClient, account: Account, scopes: list[str]) -> str:
    r = await client.post(
        "/api/v1/api-keys", json={"name": "k", "scopes": scopes}, headers=account.headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["key"])


async def run_jobs(state: AppState) -> list[str]:
    """Run the jobs waiting in the arq queue inline, as the worker would (with its context),
    until none is left; returns the functions run."""
    from arq.constants import default_queue_name, job_key_prefix

    from qms.worker.settings import WorkerSettings

    functions = {f.__name__: f for f in WorkerSettings.functions}
    ran: list[str] = []
    for _ in range(20):
        jobs = await state.redis.queued_jobs()
        if not jobs:
            return ran
        for job in jobs:
            await state.redis.zrem(default_queue_name, job.job_id or "")
            await state.redis.delete(job_key_prefix + (job.job_id or ""))
            await functions[job.function](
                {"state": state, "redis": state.redis, "job_try": 1}, *job.args, **job.kwargs
            )
            ran.append(job.function)
    raise AssertionError("jobs keep enqueuing jobs")
