from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import add_member, create_key, signup


async def test_key_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    owner = await signup(client)
    r = await client.post(
        "/api/v1/api-keys",
        headers=owner.headers,
        json={"name": "CRM sync", "scopes": ["workspace:read", "contacts:read"]},
    )
    assert r.status_code == 201
    created = r.json()
    key = created["key"]
    assert key.startswith("qms_live_") and created["prefix"] == key[:17]
    listed = (await client.get("/api/v1/api-keys", headers=owner.headers)).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]
    row = (await db.execute(text("select key_hash, prefix from api_keys"))).one()
    assert key not in row.key_hash and len(row.key_hash) == 64
    assert (
        key
        not in (await db.execute(text("select details::text from audit_events"))).scalars().all()
    )


async def test_key_authenticates_within_scopes_and_revocation_is_immediate(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client, business="Scoped Co")
    r = await client.post(
        "/api/v1/api-keys", headers=owner.headers, json={"name": "ro", "scopes": ["workspace:read"]}
    )
    key_id, key = r.json()["id"], r.json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    r = await client.get("/api/v1/workspace", headers=headers)
    assert r.status_code == 200 and r.json()["name"] == "Scoped Co"
    r = await client.get("/api/v1/workspace/members", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.insufficient_scope"
    r = await client.get("/api/v1/me", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.user_token_required"
    listed = (await client.get("/api/v1/api-keys", headers=owner.headers)).json()["items"]
    assert listed[0]["last_used_at"] is not None
    assert (
        await client.delete(f"/api/v1/api-keys/{key_id}", headers=owner.headers)
    ).status_code == 204
    assert (await client.get("/api/v1/workspace", headers=headers)).status_code == 401


async def test_key_never_exceeds_creator_role(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    admin = await add_member(client, owner, "admin")
    r = await client.post(
        "/api/v1/api-keys", headers=admin.headers, json={"name": "x", "scopes": ["billing:write"]}
    )
    assert r.status_code == 403 and r.json()["code"] == "api_keys.scope_exceeds_role"
    r = await client.post(
        "/api/v1/api-keys", headers=admin.headers, json={"name": "x", "scopes": ["nope:read"]}
    )
    assert r.status_code == 422 and r.json()["code"] == "api_keys.unknown_scope"
    key = (
        await client.post(
            "/api/v1/api-keys",
            headers=admin.headers,
            json={"name": "x", "scopes": ["members:write", "members:read"]},
        )
    ).json()["key"]
    # the creator is demoted: the key shrinks with them
    await client.patch(
        f"/api/v1/workspace/members/{admin.user_id}", json={"role": "viewer"}, headers=owner.headers
    )
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/workspace/members", headers=headers)).status_code == 200
    r = await client.post(
        "/api/v1/workspace/invitations",
        headers=headers,
        json={"email": "z@example.com", "role": "viewer"},
    )
    assert r.status_code == 403


async def test_scope_catalogue_is_published(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    items = (await client.get("/api/v1/api-keys/scopes", headers=owner.headers)).json()["items"]
    scopes = {i["scope"]: i["min_role"] for i in items}
    assert scopes["contacts:read"] == "viewer" and scopes["billing:write"] == "owner"


async def test_a_key_cannot_mint_a_stronger_key_or_touch_owners(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    viewer = await add_member(client, owner, "viewer")
    keys_only = {"Authorization": f"Bearer {await create_key(client, owner, ['api_keys:write'])}"}
    r = await client.post(
        "/api/v1/api-keys",
        headers=keys_only,
        json={"name": "x", "scopes": ["audit:read", "billing:write"]},
    )
    assert r.status_code == 403 and r.json()["code"] == "api_keys.scope_exceeds_role"
    members = {"Authorization": f"Bearer {await create_key(client, owner, ['members:write'])}"}
    r = await client.patch(
        f"/api/v1/workspace/members/{viewer.user_id}", headers=members, json={"role": "owner"}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/workspace/invitations",
        headers=members,
        json={"email": "boss@example.com", "role": "owner"},
    )
    assert r.status_code == 403


async def test_bad_key_inputs_are_422_not_500(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    for body in (
        {"name": "x", "scopes": ["contacts:read"], "expires_at": "2030-01-01T00:00:00"},
        {"name": "x" * 150, "scopes": ["contacts:read"]},
        {"name": "nul\u0000byte", "scopes": ["contacts:read"]},
        {"name": "x", "scopes": ["contacts:read"], "expires_at": "2001-01-01T00:00:00Z"},
    ):
        r = await client.post("/api/v1/api-keys", headers=owner.headers, json=body)
        assert r.status_code == 422, (body, r.text)


async def test_admin_keys_follow_the_two_factor_rule(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    key = await create_key(client, owner, ["workspace:read"])
    await client.patch("/api/v1/workspace", headers=owner.headers, json={"require_admin_2fa": True})
    r = await client.get("/api/v1/workspace", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403 and r.json()["code"] == "auth.two_factor_enrollment_required"


async def test_test_mode_keys(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    r = await client.post(
        "/api/v1/api-keys",
        headers=owner.headers,
        json={"name": "sandbox", "scopes": ["workspace:read"], "mode": "test"},
    )
    assert r.status_code == 201
    assert r.json()["key"].startswith("qms_test_") and r.json()["mode"] == "test"
    r = await client.get(
        "/api/v1/workspace", headers={"Authorization": f"Bearer {r.json()['key']}"}
    )
    assert r.status_code == 200


async def test_last_used_is_kept_to_the_minute(client: httpx.AsyncClient, db: AsyncSession) -> None:
    """Recorded on use, but written at most once a minute: concurrent requests with one key
    do not queue on its row."""
    owner = await signup(client)
    r = await client.post(
        "/api/v1/api-keys", headers=owner.headers, json={"name": "k", "scopes": ["workspace:read"]}
    )
    key_id, headers = r.json()["id"], {"Authorization": f"Bearer {r.json()['key']}"}

    async def last_used() -> object:
        query = text("select last_used_at from api_keys where id = :id")
        return (await db.execute(query, {"id": key_id})).scalar_one()

    assert await last_used() is None
    assert (await client.get("/api/v1/workspace", headers=headers)).status_code == 200
    first = await last_used()
    assert first is not None
    assert (await client.get("/api/v1/workspace", headers=headers)).status_code == 200
    assert await last_used() == first  # within the minute: not written again
    await db.execute(
        text(
            "update api_keys set last_used_at = last_used_at - interval '61 seconds' where id = :id"
        ),
        {"id": key_id},
    )
    assert (await client.get("/api/v1/workspace", headers=headers)).status_code == 200
    assert await last_used() > first  # type: ignore[operator]
