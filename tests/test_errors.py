"""Bad input answers problem+json with a stable code, never a 500 or an HTML page."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import signup


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/signup", {}),
        ("/api/v1/auth/signup", {"email": "not-an-email", "password": "x"}),
        ("/api/v1/auth/login", {"email": 5, "password": None}),
        ("/api/v1/auth/login", []),
        ("/api/v1/auth/password-reset", {"email": "a@b.co", "unexpected": 1}),
        ("/api/v1/auth/verify-email", {"token": ""}),
    ],
)
async def test_invalid_bodies_are_422_problem_json(
    client: httpx.AsyncClient, path: str, body: object
) -> None:
    r = await client.post(path, json=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "validation_error"
    assert problem["status"] == 422
    assert problem["errors"] and all({"loc", "msg"} <= set(e) for e in problem["errors"])


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


async def test_unknown_api_path_is_problem_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


async def test_bad_query_and_path_params(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    r = await client.get("/api/v1/audit-events?limit=0", headers=owner.headers)
    assert r.status_code == 422
    r = await client.get("/api/v1/audit-events?cursor=%%%", headers=owner.headers)
    assert r.status_code == 422
    assert r.json()["code"] == "pagination.invalid_cursor"
    r = await client.delete("/api/v1/api-keys/not-a-uuid", headers=owner.headers)
    assert r.status_code == 422


async def test_wrong_method_is_problem_405(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/v1/auth/login", json={})
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


async def test_nul_characters_and_naive_datetimes_are_422(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    r = await client.patch("/api/v1/me", headers=owner.headers, json={"full_name": "a\u0000b"})
    assert r.status_code == 422
    r = await client.get("/api/v1/audit-events?action=a%00b", headers=owner.headers)
    assert r.status_code == 422
    r = await client.get("/api/v1/audit-events?since=2026-01-01T00:00:00", headers=owner.headers)
    assert r.status_code == 422
    from qms.pagination import encode_cursor

    r = await client.get(
        f"/api/v1/audit-events?cursor={encode_cursor({'id': 10**30})}", headers=owner.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "pagination.invalid_cursor"


async def test_unknown_timezone_is_422(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"timezone": "Not/AZone"}
    )
    assert r.status_code == 422
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"timezone": "Africa/Khartoum"}
    )
    assert r.status_code == 200
