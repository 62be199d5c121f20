"""Refresh tokens rotate; a replayed one revokes the whole session family."""

from __future__ import annotations

import httpx

from qms.state import AppState
from tests.conftest import PASSWORD, signup


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_rotation_issues_new_tokens(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    r = await _refresh(client, account.refresh_token)
    assert r.status_code == 200
    new = r.json()["refresh_token"]
    assert new and new != account.refresh_token
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.status_code == 200


async def test_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    first = (await _refresh(client, account.refresh_token)).json()
    # the old token comes back: theft assumed
    reused = await _refresh(client, account.refresh_token)
    assert reused.status_code == 401
    assert reused.json()["code"] == "auth.refresh_reused"
    # the legitimate newer token is dead too, and so are access tokens of the session
    r = await _refresh(client, first["refresh_token"])
    assert r.status_code == 401 and r.json()["code"] == "auth.refresh_invalid"
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert me.status_code == 401


async def test_cookie_refresh_requires_csrf_header(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    login = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert login.status_code == 200
    refresh_cookie = login.cookies["qms_refresh"]
    csrf = login.cookies["qms_csrf"]
    client.cookies.set("qms_refresh", refresh_cookie, path="/api/v1/auth")
    client.cookies.set("qms_csrf", csrf)
    r = await client.post("/api/v1/auth/refresh")
    assert r.status_code == 403 and r.json()["code"] == "auth.csrf_failed"
    r = await client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = await client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert r.json().get("refresh_token") is None  # cookie clients never get it in the body


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": account.refresh_token})
    assert r.status_code == 204
    assert (await _refresh(client, account.refresh_token)).status_code == 401
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 401


async def test_sessions_list_revoke_and_password_change(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    other = await client.post(
        "/api/v1/auth/login",
        json={"email": account.email, "password": PASSWORD, "return_refresh_token": True},
    )
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    sessions = (await client.get("/api/v1/me/sessions", headers=account.headers)).json()["items"]
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    assert all(s["ip"] == "203.0.113.7" for s in sessions)
    # password change keeps this session, ends the other one
    r = await client.post(
        "/api/v1/me/password",
        headers=account.headers,
        json={"current_password": PASSWORD, "new_password": "another long password"},
    )
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 200
    assert (await client.get("/api/v1/me", headers=other_headers)).status_code == 401
    r = await client.post(
        "/api/v1/me/password",
        headers=account.headers,
        json={"current_password": "wrong", "new_password": "another long password"},
    )
    assert r.status_code == 400 and r.json()["code"] == "auth.wrong_password"
    current = next(
        s
        for s in (await client.get("/api/v1/me/sessions", headers=account.headers)).json()["items"]
        if s["current"]
    )
    r = await client.delete(f"/api/v1/me/sessions/{current['id']}", headers=account.headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 401


async def test_concurrent_refresh_within_grace_keeps_the_session(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await signup(client)
    app_state.settings.refresh_reuse_grace_seconds = 10
    try:
        first = await _refresh(client, account.refresh_token)
        second = await _refresh(client, account.refresh_token)  # the other tab, same moment
        assert first.status_code == second.status_code == 200
        assert (await _refresh(client, second.json()["refresh_token"])).status_code == 200
    finally:
        app_state.settings.refresh_reuse_grace_seconds = 0


async def test_wrong_current_password_is_throttled(client: httpx.AsyncClient) -> None:
    account = await signup(client)
    codes = []
    for _ in range(6):
        r = await client.post(
            "/api/v1/me/password",
            headers=account.headers,
            json={"current_password": "not my password", "new_password": "another long password"},
        )
        codes.append(r.status_code)
    assert codes == [400] * 5 + [429]
