"""Access tokens: HS256 only, signature and expiry enforced, every tampering → 401."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from jose import jwt

from qms.security import tokens
from qms.state import AppState
from tests.conftest import signup


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_valid_token_works(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    assert (await _me(client, account.token)).status_code == 200


async def test_alg_none_is_rejected(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    claims = jwt.get_unverified_claims(account.token)
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    r = await _me(client, forged)
    assert r.status_code == 401
    assert r.json()["code"] == "auth.unauthenticated"


async def test_wrong_key_is_rejected(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    claims = jwt.get_unverified_claims(account.token)
    forged = jwt.encode(claims, "another-key", algorithm="HS256")
    assert (await _me(client, forged)).status_code == 401


async def test_expired_token_is_rejected(client: httpx.AsyncClient, app_state: AppState) -> None:
    account = await signup(client)
    claims = jwt.get_unverified_claims(account.token)
    claims["exp"] = int(time.time()) - 10
    expired = jwt.encode(claims, app_state.secrets.jwt_key, algorithm="HS256")
    assert (await _me(client, expired)).status_code == 401


async def test_a_token_accepted_before_still_expires(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are remembered (`tokens._verified`), but their expiry is checked on
    every use."""
    account = await signup(client)
    assert (await _me(client, account.token)).status_code == 200
    expires_at = jwt.get_unverified_claims(account.token)["exp"]
    monkeypatch.setattr(tokens.time, "time", lambda: expires_at + 1.0)
    r = await _me(client, account.token)
    assert r.status_code == 401
    assert r.json()["code"] == "auth.unauthenticated"


async def test_modified_payload_is_rejected(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    header, _, signature = account.token.split(".")
    claims = jwt.get_unverified_claims(account.token)
    claims["wid"] = "00000000-0000-0000-0000-000000000000"
    assert (await _me(client, f"{header}.{_b64(claims)}.{signature}")).status_code == 401


async def test_other_algorithm_with_right_key_is_rejected(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await signup(client)
    claims = jwt.get_unverified_claims(account.token)
    hs512 = jwt.encode(claims, app_state.secrets.jwt_key, algorithm="HS512")
    assert (await _me(client, hs512)).status_code == 401


async def test_missing_or_garbage_authorization(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/me")).status_code == 401
    for header in ("Bearer", "Bearer    ", "Basic abc", "Bearer a.b.c", "Bearer qms_live_nope"):
        r = await client.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["content-type"] == "application/problem+json"


async def test_token_lifetime_is_at_most_15_minutes(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    claims = jwt.get_unverified_claims(account.token)
    assert 0 < claims["exp"] - claims["iat"] <= 900
