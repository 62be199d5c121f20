from __future__ import annotations

import time

import httpx
import pyotp
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from qms.legal.service import POLICY_VERSION
from qms.models import AuditEvent, User
from qms.state import AppState
from tests.conftest import PASSWORD, outbox_link, run_jobs, signup, unique_email


async def _login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: object
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )


async def test_signup_creates_owner_workspace_and_records_policy(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    account = await signup(client, business="Nile Traders")
    ws = (await client.get("/api/v1/workspace", headers=account.headers)).json()
    assert ws["name"] == "Nile Traders"
    members = (await client.get("/api/v1/workspace/members", headers=account.headers)).json()
    assert [m["role"] for m in members["items"]] == ["owner"]
    user = await db.scalar(select(User).where(User.email == account.email))
    assert user is not None
    assert user.privacy_policy_version == POLICY_VERSION
    assert user.age_confirmed_at is not None
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")


async def test_signup_requires_age_and_current_policy(client: httpx.AsyncClient) -> None:
    base = {"email": unique_email(), "password": PASSWORD, "full_name": "A", "business_name": "B"}
    r = await client.post(
        "/api/v1/auth/signup",
        json={**base, "age_confirmed": False, "privacy_policy_version": POLICY_VERSION},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "auth.age_confirmation_required"
    r = await client.post(
        "/api/v1/auth/signup",
        json={**base, "age_confirmed": True, "privacy_policy_version": "1999-01-01"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "legal.policy_version_mismatch"


async def test_duplicate_email_conflicts_case_insensitively(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    r = await client.post(
        "/api/v1/auth/signup",
        json={
            "email": account.email.upper(),
            "password": PASSWORD,
            "full_name": "A",
            "business_name": "B",
            "age_confirmed": True,
            "privacy_policy_version": POLICY_VERSION,
        },
    )
    assert r.status_code == 409
    assert r.json()["code"] == "auth.email_taken"


async def test_unknown_email_and_wrong_password_answer_identically(
    client: httpx.AsyncClient,
) -> None:
    account = await signup(client)
    unknown = await _login(client, unique_email())
    wrong = await _login(client, account.email, "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.json()["code"] == "auth.invalid_credentials"


async def test_login_sets_httponly_refresh_cookie_not_body(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    r = await _login(client, account.email)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] <= 900
    assert body.get("refresh_token") is None
    cookies = r.headers.get_list("set-cookie")
    refresh = next(c for c in cookies if c.startswith("qms_refresh="))
    assert "HttpOnly" in refresh and "SameSite=strict" in refresh
    assert any(c.startswith("qms_csrf=") and "HttpOnly" not in c for c in cookies)
    r = await _login(client, account.email, return_refresh_token=True)
    assert r.json()["refresh_token"]
    assert "set-cookie" not in r.headers  # integrators get the body token instead


async def test_failed_login_is_audited(client: httpx.AsyncClient, db: AsyncSession) -> None:
    account = await signup(client)
    await _login(client, account.email, "wrong password!")
    actions = (
        await db.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_user_id == account.user_id)
        )
    ).all()
    assert "auth.login_failed" in actions


async def test_login_throttled_per_account(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    statuses = [(await _login(client, account.email, "bad password")).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    r = await _login(client, account.email)  # even the right password waits
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert r.json()["code"] == "rate_limited"


async def test_password_reset_flow_revokes_sessions(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await signup(client)
    r = await client.post("/api/v1/auth/password-reset", json={"email": account.email})
    assert r.status_code == 202
    unknown = await client.post("/api/v1/auth/password-reset", json={"email": unique_email()})
    assert unknown.status_code == 202  # no enumeration
    ran = await run_jobs(app_state)
    assert ran.count("send_password_reset") == 2 and "deliver_email" in ran
    token = await outbox_link(client, account.email, "/reset-password")
    r = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a brand new password"},
    )
    assert r.status_code == 204
    # single use
    r = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "another new password"},
    )
    assert r.status_code == 400 and r.json()["code"] == "auth.token_invalid"
    # old sessions are gone, old password fails, new one works
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 401
    assert (await _login(client, account.email)).status_code == 401
    assert (await _login(client, account.email, "a brand new password")).status_code == 200


async def test_reset_tokens_are_stored_hashed(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    account = await signup(client)
    await client.post("/api/v1/auth/password-reset", json={"email": account.email})
    await run_jobs(app_state)
    token = await outbox_link(client, account.email, "/reset-password")
    stored = (await db.execute(text("select token_hash from one_time_tokens"))).scalars().all()
    assert token not in stored and all(len(h) == 64 for h in stored)
    outbox = (await db.execute(text("select body_encrypted from email_outbox"))).scalars().all()
    assert all(token not in (b or "") for b in outbox)


async def test_email_verification(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    assert (await client.get("/api/v1/me", headers=account.headers)).json()[
        "email_verified"
    ] is False
    r = await client.post("/api/v1/auth/verify-email/resend", headers=account.headers)
    assert r.status_code == 202
    token = await outbox_link(client, account.email, "/verify-email")
    r = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=account.headers)).json()["email_verified"]
    r = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert r.status_code == 400


async def test_two_factor_login(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    setup = (await client.post("/api/v1/me/totp/setup", headers=account.headers)).json()
    totp = pyotp.TOTP(setup["secret"])
    r = await client.post(
        "/api/v1/me/totp/enable", json={"code": "000000"}, headers=account.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "auth.totp_invalid"
    enabling_code = totp.now()
    r = await client.post(
        "/api/v1/me/totp/enable", json={"code": enabling_code}, headers=account.headers
    )
    assert r.status_code == 200
    recovery = r.json()["recovery_codes"]
    assert len(recovery) == 10
    r = await _login(client, account.email)
    assert r.status_code == 401 and r.json()["code"] == "auth.totp_required"
    r = await _login(client, account.email, totp_code="123456")
    assert r.status_code == 401 and r.json()["code"] == "auth.totp_invalid"
    # the enabling code is spent; the next window's code is accepted (one step of clock skew)
    assert (await _login(client, account.email, totp_code=enabling_code)).status_code == 401
    code = totp.at(time.time() + 30)
    assert (await _login(client, account.email, totp_code=code)).status_code == 200
    # the same code cannot be replayed
    assert (await _login(client, account.email, totp_code=code)).status_code == 401
    # a recovery code works once
    assert (await _login(client, account.email, totp_code=recovery[0])).status_code == 200
    assert (await _login(client, account.email, totp_code=recovery[0])).status_code == 401
