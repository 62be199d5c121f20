"""Tests generated from the app's route table, so they grow with every new route:

- every route declares who may call it (public, self-service or a scope);
- every route with an id, called from another workspace, answers 404;
- every write route answers 403 to a viewer and to a read-only API key.

A new route with a path parameter needs an entry in RESOURCES (how to make one in a workspace
and a valid body); the test fails until it has one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from qms.auth.scopes import SCOPES
from qms.config import Settings
from qms.main import create_app
from qms.models import Role
from tests.conftest import Account, add_member, create_key, signup

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _permission(dependant: Dependant) -> str | None:
    for dep in dependant.dependencies:
        marker = getattr(dep.call, "qms_permission", None)
        if marker is not None:
            return str(marker)
        nested = _permission(dep)
        if nested:
            return nested
    return None


@dataclass(frozen=True)
class Route:
    path: str
    dependant: Dependant


def _routes(app: FastAPI) -> list[tuple[Route, str, str | None]]:
    rows = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(set(context.methods or ()) - {"HEAD", "OPTIONS"}):
                rows.append(
                    (Route(context.path, route.dependant), method, _permission(route.dependant))
                )
    return rows


ROUTES = _routes(create_app(Settings(spa_dist="/nonexistent")))  # type: ignore[arg-type]


def test_every_route_declares_who_may_call_it() -> None:
    missing = [f"{m} {r.path}" for r, m, perm in ROUTES if perm is None]
    assert not missing, f"routes without public/self_service/requires(...): {missing}"
    unknown = [perm for _, _, perm in ROUTES if perm not in {"public", "self", *SCOPES}]
    assert not unknown


# How to make a resource of each kind in a workspace: path template -> factory returning
# (path params, json body) for `owner`'s workspace.
Factory = Callable[[httpx.AsyncClient, Account], Awaitable[tuple[dict[str, str], Any]]]


async def _member(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    member = await add_member(client, owner, "marketer")
    return {"user_id": member.user_id}, {"role": "viewer"}


async def _invitation(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/workspace/invitations",
        headers=owner.headers,
        json={"email": "invitee-x@example.com", "role": "viewer"},
    )
    return {"invitation_id": r.json()["id"]}, None


async def _api_key(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/api-keys", headers=owner.headers, json={"name": "x", "scopes": ["contacts:read"]}
    )
    return {"key_id": r.json()["id"]}, None


async def _session(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.get("/api/v1/me/sessions", headers=owner.headers)
    return {"session_id": r.json()["items"][0]["id"]}, None


async def _workspace(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    return {"workspace_id": owner.workspace_id}, None


async def _contact(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={"phone": "+249912345678", "name": "Victim's contact"},
    )
    return {"contact_id": r.json()["id"]}, {"name": "changed"}


async def _consent(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    params, _ = await _contact(client, owner)
    return params, {"status": "opted_out", "evidence": "Asked us to stop"}


async def _field(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    await client.post(
        "/api/v1/contacts/fields",
        headers=owner.headers,
        json={"key": "city", "label": "City", "type": "text"},
    )
    return {"key": "city"}, None


async def _list(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post("/api/v1/lists", headers=owner.headers, json={"name": "L"})
    return {"list_id": r.json()["id"]}, {"name": "renamed"}


async def _list_members(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    params, _ = await _list(client, owner)
    contact, _ = await _contact(client, owner)
    return params, {"contact_ids": [contact["contact_id"]]}


async def _segment(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/segments",
        headers=owner.headers,
        json={"name": "S", "definition": {"field": "tag", "op": "eq", "value": "vip"}},
    )
    return {"segment_id": r.json()["id"]}, {"name": "renamed"}


async def _suppression(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/suppressions", headers=owner.headers, json={"phone": "+249912345679"}
    )
    return {"suppression_id": r.json()["id"]}, None


TEMPLATE = {
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "components": [{"type": "BODY", "text": "Your order has shipped and arrives in two days."}],
}


async def _template(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post("/api/v1/templates", headers=owner.headers, json=TEMPLATE)
    assert r.status_code == 201, r.text
    return {"template_id": r.json()["id"]}, {"category": "MARKETING"}


async def _template_clone(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    params, _ = await _template(client, owner)
    return params, {"language": "ar"}


async def _template_preview(
    client: httpx.AsyncClient, owner: Account
) -> tuple[dict[str, str], Any]:
    params, _ = await _template(client, owner)
    return params, {"parameters": ["x"]}


async def _template_test_send(
    client: httpx.AsyncClient, owner: Account
) -> tuple[dict[str, str], Any]:
    params, _ = await _template(client, owner)
    return params, {"to": "+249912345678", "parameters": ["x"]}


async def _import(client: httpx.AsyncClient, owner: Account) -> tuple[dict[str, str], Any]:
    r = await client.post(
        "/api/v1/contacts/imports",
        headers=owner.headers,
        files={"file": ("contacts.csv", b"phone,name\n+249912345678,Victim's contact\n")},
    )
    assert r.status_code == 201, r.text
    return {"import_id": r.json()["id"]}, {
        "mapping": {"phone": "phone"},
        "consent": {"mode": "none"},
    }


RESOURCES: dict[str, Factory] = {
    "/api/v1/templates/{template_id}": _template,
    "/api/v1/templates/{template_id}/versions": _template,
    "/api/v1/templates/{template_id}/clone": _template_clone,
    "/api/v1/templates/{template_id}/submit": _template,
    "/api/v1/templates/{template_id}/preview": _template_preview,
    "/api/v1/templates/{template_id}/test-send": _template_test_send,
    "/api/v1/contacts/{contact_id}": _contact,
    "/api/v1/contacts/{contact_id}/consent": _consent,
    "/api/v1/contacts/{contact_id}/consent/export": _contact,
    "/api/v1/contacts/fields/{key}": _field,
    "/api/v1/contacts/imports/{import_id}": _import,
    "/api/v1/contacts/imports/{import_id}/start": _import,
    "/api/v1/contacts/imports/{import_id}/errors": _import,
    "/api/v1/lists/{list_id}": _list,
    "/api/v1/lists/{list_id}/members": _list_members,
    "/api/v1/segments/{segment_id}": _segment,
    "/api/v1/segments/{segment_id}/count": _segment,
    "/api/v1/suppressions/{suppression_id}": _suppression,
    "/api/v1/workspace/members/{user_id}": _member,
    "/api/v1/workspace/invitations/{invitation_id}": _invitation,
    "/api/v1/workspace/invitations/{invitation_id}/resend": _invitation,
    "/api/v1/api-keys/{key_id}": _api_key,
    "/api/v1/me/sessions/{session_id}": _session,
    "/api/v1/workspaces/{workspace_id}/switch": _workspace,
}

# Bodies for write routes without path parameters (valid enough to reach the permission check).
BODIES: dict[str, Any] = {
    "PATCH /api/v1/workspace": {"name": "Renamed"},
    "DELETE /api/v1/workspace": {"confirm_name": "x"},
    "POST /api/v1/workspace/invitations": {"email": "someone@example.com", "role": "viewer"},
    "POST /api/v1/workspace/ownership-transfer": {
        "user_id": "00000000-0000-0000-0000-000000000000"
    },
    "POST /api/v1/api-keys": {"name": "k", "scopes": ["contacts:read"]},
    "POST /api/v1/contacts": {"phone": "+249912345678"},
    "POST /api/v1/contacts/bulk": {"contacts": [{"phone": "+249912345678"}]},
    "POST /api/v1/contacts/bulk-actions": {"action": "tag", "ids": [], "tag": "x"},
    "POST /api/v1/contacts/fields": {"key": "city", "label": "City", "type": "text"},
    # multipart upload: the permission check answers before the body is read
    "POST /api/v1/contacts/imports": None,
    "POST /api/v1/lists": {"name": "L"},
    "POST /api/v1/segments": {"name": "S", "definition": {}},
    "POST /api/v1/suppressions": {"phone": "+249912345678"},
    "PUT /api/v1/consent/keywords": {"opt_out": ["stop"]},
    "POST /api/v1/templates": TEMPLATE,
    "POST /api/v1/templates/lint": TEMPLATE,
    "POST /api/v1/templates/sync": None,
    "POST /api/v1/templates/media": None,
    "PUT /api/v1/whatsapp/connection": {
        "waba_id": "1",
        "access_token": "token-123456",
        "phone_number_ids": ["2"],
    },
}

ID_ROUTES = [
    (route, method)
    for route, method, perm in ROUTES
    if perm != "public" and re.search(r"\{\w+\}", route.path)
]


def test_every_id_route_has_a_resource_factory() -> None:
    missing = sorted({r.path for r, _ in ID_ROUTES if r.path not in RESOURCES})
    assert not missing, f"add a factory to RESOURCES for: {missing}"


@pytest.mark.parametrize(("route", "method"), ID_ROUTES, ids=lambda x: getattr(x, "path", x))
async def test_other_workspace_ids_answer_404(
    client: httpx.AsyncClient, route: Route, method: str
) -> None:
    victim = await signup(client, business="Victim Co")
    params, body = await RESOURCES[route.path](client, victim)
    attacker = await signup(client, business="Attacker Co")
    path = route.path.format(**params)
    r = await client.request(
        method, path, headers=attacker.headers, json=body if method in WRITE_METHODS else None
    )
    assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
    assert r.json()["code"] == "not_found"


def _min_role(perm: str | None) -> Role | None:
    return SCOPES[perm][0] if perm in SCOPES else None


WRITE_ROUTES = [
    (route, method, perm)
    for route, method, perm in ROUTES
    if method in WRITE_METHODS and perm not in {"public", None}
]


async def _call(
    client: httpx.AsyncClient, owner: Account, route: Route, method: str, headers: dict[str, str]
) -> httpx.Response:
    params: dict[str, str] = {}
    body = BODIES.get(f"{method} {route.path}")
    if route.path in RESOURCES:
        params, body = await RESOURCES[route.path](client, owner)
    return await client.request(method, route.path.format(**params), headers=headers, json=body)


@pytest.mark.parametrize(
    ("route", "method", "perm"),
    [(r, m, p) for r, m, p in WRITE_ROUTES if (_min_role(p) or Role.viewer) != Role.viewer],
    ids=lambda x: getattr(x, "path", x),
)
async def test_viewer_cannot_call_write_routes(
    client: httpx.AsyncClient, route: Route, method: str, perm: str
) -> None:
    owner = await signup(client)
    viewer = await add_member(client, owner, "viewer")
    r = await _call(client, owner, route, method, viewer.headers)
    assert r.status_code == 403, f"{method} {route.path}: {r.status_code} {r.text}"


@pytest.mark.parametrize(
    ("route", "method", "perm"), WRITE_ROUTES, ids=lambda x: getattr(x, "path", x)
)
async def test_read_only_key_cannot_call_write_routes(
    client: httpx.AsyncClient, route: Route, method: str, perm: str
) -> None:
    owner = await signup(client)
    read_scopes = [s for s in SCOPES if s.endswith(":read")]
    key = await create_key(client, owner, read_scopes)
    r = await _call(client, owner, route, method, {"Authorization": f"Bearer {key}"})
    assert r.status_code == 403, f"{method} {route.path}: {r.status_code} {r.text}"
