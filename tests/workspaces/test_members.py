from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, add_member, outbox_link, signup, unique_email


async def test_invitation_signup_joins_workspace_without_creating_one(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client, business="Khartoum Foods")
    member = await add_member(client, owner, "marketer")
    assert member.workspace_id == owner.workspace_id
    spaces = (await client.get("/api/v1/workspaces", headers=member.headers)).json()["items"]
    assert [(s["name"], s["role"]) for s in spaces] == [("Khartoum Foods", "marketer")]
    members = (await client.get("/api/v1/workspace/members", headers=owner.headers)).json()
    assert {m["role"] for m in members["items"]} == {"owner", "marketer"}
    invitations = (await client.get("/api/v1/workspace/invitations", headers=owner.headers)).json()
    assert [i["status"] for i in invitations["items"]] == ["accepted"]


async def test_existing_user_accepts_and_switches(client: httpx.AsyncClient) -> None:
    owner = await signup(client, business="First")
    other = await signup(client, business="Second")
    r = await client.post(
        "/api/v1/workspace/invitations",
        headers=owner.headers,
        json={"email": other.email, "role": "viewer"},
    )
    assert r.status_code == 201
    token = await outbox_link(client, other.email, "/invite")
    preview = (await client.get(f"/api/v1/invitations/{token}")).json()
    assert preview["workspace_name"] == "First" and preview["role"] == "viewer"
    # someone else cannot use it
    stranger = await signup(client)
    r = await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=stranger.headers
    )
    assert r.status_code == 403 and r.json()["code"] == "invitations.email_mismatch"
    r = await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=other.headers
    )
    assert r.status_code == 200
    joined = r.json()
    assert joined["workspace_id"] == owner.workspace_id and joined["role"] == "viewer"
    headers = {"Authorization": f"Bearer {joined['access_token']}"}
    assert (await client.get("/api/v1/workspace", headers=headers)).json()["name"] == "First"
    # switching back to the user's own workspace
    r = await client.post(f"/api/v1/workspaces/{other.workspace_id}/switch", headers=headers)
    assert r.status_code == 200 and r.json()["role"] == "owner"
    # the token is single use
    r = await client.post(
        "/api/v1/invitations/accept", json={"token": token}, headers=other.headers
    )
    assert r.status_code == 400


async def test_invitation_resend_revoke_and_duplicates(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    email = unique_email()
    inv = (
        await client.post(
            "/api/v1/workspace/invitations",
            headers=owner.headers,
            json={"email": email, "role": "viewer"},
        )
    ).json()
    dup = await client.post(
        "/api/v1/workspace/invitations",
        headers=owner.headers,
        json={"email": email, "role": "viewer"},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "invitations.already_pending"
    old = await outbox_link(client, email, "/invite")
    r = await client.post(
        f"/api/v1/workspace/invitations/{inv['id']}/resend", headers=owner.headers
    )
    assert r.status_code == 200
    new = await outbox_link(client, email, "/invite")
    assert new != old
    assert (await client.get(f"/api/v1/invitations/{old}")).status_code == 400
    assert (await client.get(f"/api/v1/invitations/{new}")).status_code == 200
    r = await client.delete(f"/api/v1/workspace/invitations/{inv['id']}", headers=owner.headers)
    assert r.status_code == 204
    assert (await client.get(f"/api/v1/invitations/{new}")).status_code == 400


async def test_roles_and_last_owner(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    admin = await add_member(client, owner, "admin")
    marketer = await add_member(client, owner, "marketer")
    # an admin manages non-owners but cannot create or touch owners
    r = await client.patch(
        f"/api/v1/workspace/members/{marketer.user_id}",
        json={"role": "viewer"},
        headers=admin.headers,
    )
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    r = await client.patch(
        f"/api/v1/workspace/members/{marketer.user_id}",
        json={"role": "owner"},
        headers=admin.headers,
    )
    assert r.status_code == 403
    r = await client.patch(
        f"/api/v1/workspace/members/{owner.user_id}", json={"role": "viewer"}, headers=admin.headers
    )
    assert r.status_code == 403
    # the sole owner cannot demote or remove themselves
    r = await client.patch(
        f"/api/v1/workspace/members/{owner.user_id}", json={"role": "admin"}, headers=owner.headers
    )
    assert r.status_code == 409 and r.json()["code"] == "workspace.last_owner"
    r = await client.delete(f"/api/v1/workspace/members/{owner.user_id}", headers=owner.headers)
    assert r.status_code == 409
    # a marketer cannot change roles; a viewer can leave on their own
    r = await client.delete(
        f"/api/v1/workspace/members/{marketer.user_id}", headers=marketer.headers
    )
    assert r.status_code == 204
    assert (await client.get("/api/v1/workspace", headers=marketer.headers)).status_code == 401


async def test_removed_member_loses_access_and_keys(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    admin = await add_member(client, owner, "admin")
    key = (
        await client.post(
            "/api/v1/api-keys",
            headers=admin.headers,
            json={"name": "ci", "scopes": ["workspace:read"]},
        )
    ).json()["key"]
    key_headers = {"Authorization": f"Bearer {key}"}
    assert (await client.get("/api/v1/workspace", headers=key_headers)).status_code == 200
    r = await client.delete(f"/api/v1/workspace/members/{admin.user_id}", headers=owner.headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/workspace", headers=admin.headers)).status_code == 401
    assert (await client.get("/api/v1/workspace", headers=key_headers)).status_code == 401


async def test_ownership_transfer(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    admin = await add_member(client, owner, "admin")
    r = await client.post(
        "/api/v1/workspace/ownership-transfer",
        json={"user_id": admin.user_id},
        headers=admin.headers,
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/workspace/ownership-transfer",
        json={"user_id": admin.user_id},
        headers=owner.headers,
    )
    assert r.status_code == 204
    roles = {
        m["user_id"]: m["role"]
        for m in (await client.get("/api/v1/workspace/members", headers=owner.headers)).json()[
            "items"
        ]
    }
    assert roles == {admin.user_id: "owner", owner.user_id: "admin"}


async def test_workspace_settings_and_termination(client: httpx.AsyncClient) -> None:
    owner = await signup(client, business="Old Name")
    admin = await add_member(client, owner, "admin")
    r = await client.patch(
        "/api/v1/workspace",
        headers=admin.headers,
        json={"name": "New Name", "default_country": "SD", "timezone": "Africa/Khartoum"},
    )
    assert r.status_code == 200 and r.json()["default_country"] == "SD"
    r = await client.patch(
        "/api/v1/workspace", headers=admin.headers, json={"default_country": "sudan"}
    )
    assert r.status_code == 422
    r = await client.request(
        "DELETE", "/api/v1/workspace", headers=admin.headers, json={"confirm_name": "New Name"}
    )
    assert r.status_code == 403  # owners only
    r = await client.request(
        "DELETE", "/api/v1/workspace", headers=owner.headers, json={"confirm_name": "wrong"}
    )
    assert r.status_code == 422 and r.json()["code"] == "workspace.confirmation_mismatch"
    r = await client.request(
        "DELETE", "/api/v1/workspace", headers=owner.headers, json={"confirm_name": "New Name"}
    )
    assert r.status_code == 202 and r.json()["status"] == "terminated"
    assert (await client.get("/api/v1/workspace", headers=owner.headers)).status_code == 401
    r = await client.post("/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "auth.no_workspace"


async def test_admin_two_factor_enforcement(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    marketer = await add_member(client, owner, "marketer")
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"require_admin_2fa": True}
    )
    assert r.status_code == 200
    r = await client.get("/api/v1/workspace/members", headers=owner.headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.two_factor_enrollment_required"
    assert (await client.get("/api/v1/me", headers=owner.headers)).status_code == 200
    assert (await client.post("/api/v1/me/totp/setup", headers=owner.headers)).status_code == 200
    # marketers are not affected
    assert (await client.get("/api/v1/workspace", headers=marketer.headers)).status_code == 200
