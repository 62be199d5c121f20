"""Templates over the API (no Cloud API needed): drafts, variants, lint, submission refusals,
preview, test-send rules, and the status / quality / category webhooks."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from qms.models import MessageTemplate, WhatsAppConnection
from qms.state import AppState
from qms.webhooks.service import signature_for
from qms.whatsapp.service import encrypt_token
from tests.conftest import Account, create_key, outbox_link, run_jobs, signup
from tests.templates.test_lint import BODY, BUTTONS, FOOTER, HEADER

SECRET = "test-meta-app-secret"  # tests/conftest.py
DRAFT = {
    "name": "seasonal_promotion",
    "language": "en_US",
    "category": "MARKETING",
    "components": [HEADER, BODY, FOOTER, BUTTONS],
}


async def _create(client: httpx.AsyncClient, account: Account, **over: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/templates", headers=account.headers, json={**copy.deepcopy(DRAFT), **over}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _set(db: AsyncSession, template_id: str, **values: Any) -> None:
    await db.execute(
        update(MessageTemplate).where(MessageTemplate.id == uuid.UUID(template_id)).values(**values)
    )
    await db.commit()


async def test_drafts_variants_listing_and_clone(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    first = await _create(client, owner)
    assert first["status"] == "DRAFT" and first["version"] == 0 and first["mode"] == "live"
    assert first["components"] == DRAFT["components"]
    r = await client.post("/api/v1/templates", headers=owner.headers, json=DRAFT)
    assert r.status_code == 409 and r.json()["code"] == "templates.duplicate"

    r = await client.post(
        f"/api/v1/templates/{first['id']}/clone", headers=owner.headers, json={"language": "ar"}
    )
    assert r.status_code == 201, r.text
    arabic = r.json()
    assert arabic["name"] == "seasonal_promotion" and arabic["status"] == "DRAFT"
    assert arabic["components"] == DRAFT["components"]
    assert [v["language"] for v in arabic["variants"]] == ["en_US"]
    r = await client.post(f"/api/v1/templates/{first['id']}/clone", headers=owner.headers, json={})
    assert r.status_code == 409
    other = await _create(
        client,
        owner,
        name="order_update",
        category="UTILITY",
        components=[{"type": "BODY", "text": "Your order has shipped today."}],
    )

    r = await client.get("/api/v1/templates", headers=owner.headers)
    items = r.json()["items"]
    assert [(t["name"], t["language"]) for t in items] == [
        ("order_update", "en_US"),
        ("seasonal_promotion", "ar"),
        ("seasonal_promotion", "en_US"),
    ]
    assert [v["id"] for v in items[2]["variants"]] == [arabic["id"]]
    pages: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/templates", headers=owner.headers, params=params)
        pages += [t["id"] for t in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == [t["id"] for t in items]
    r = await client.get(
        "/api/v1/templates", headers=owner.headers, params={"sort": "-updated_at", "limit": 2}
    )
    assert [t["id"] for t in r.json()["items"]] == [other["id"], arabic["id"]]
    for params, expected in (
        ({"name": "PROMO"}, 2),
        ({"name": "order_"}, 1),
        ({"name": "orderX"}, 0),
        ({"language": "ar"}, 1),
        ({"category": "UTILITY"}, 1),
        ({"status": ["DRAFT", "APPROVED"]}, 3),
        ({"status": "APPROVED"}, 0),
    ):
        r = await client.get("/api/v1/templates", headers=owner.headers, params=params)
        assert len(r.json()["items"]) == expected, params

    r = await client.patch(
        f"/api/v1/templates/{arabic['id']}",
        headers=owner.headers,
        json={"language": "en_US"},
    )
    assert r.status_code == 409 and r.json()["code"] == "templates.duplicate"
    r = await client.patch(
        f"/api/v1/templates/{arabic['id']}",
        headers=owner.headers,
        json={"components": [{"type": "BODY", "text": "عرض الصيف وصل الآن إلى متجرنا."}]},
    )
    assert r.status_code == 200 and r.json()["components"][0]["text"].startswith("عرض")
    assert (
        await client.get(f"/api/v1/templates/{arabic['id']}/versions", headers=owner.headers)
    ).json() == {"items": []}
    r = await client.delete(f"/api/v1/templates/{arabic['id']}", headers=owner.headers)
    assert r.status_code == 204
    r = await client.get(f"/api/v1/templates/{arabic['id']}", headers=owner.headers)
    assert r.status_code == 404


async def test_a_test_mode_workspace_sees_only_its_test_templates(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client)
    live = await _create(client, owner)
    r = await client.patch("/api/v1/workspace", headers=owner.headers, json={"test_mode": True})
    assert r.status_code == 200
    r = await client.get(f"/api/v1/templates/{live['id']}", headers=owner.headers)
    assert r.status_code == 404
    test = await _create(client, owner)
    assert test["mode"] == "test"


async def test_lint_endpoint(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner = await signup(client)
    r = await client.post(
        "/api/v1/templates/lint",
        headers=owner.headers,
        json={
            "name": "Promo!",
            "language": "en",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "{{1}} {{2}}"}],
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    codes = {p["code"] for p in body["problems"]}
    assert {"name.invalid", "body.leading_variable", "body.adjacent_variables"} <= codes
    assert all(p["path"] and p["message"] for p in body["problems"])
    ok = await client.post("/api/v1/templates/lint", headers=owner.headers, json=DRAFT)
    assert ok.json() == {"ok": True, "problems": []}

    template = await _create(client, owner)
    await _set(db, template["id"], status="APPROVED", meta_template_id="55", version=1)
    r = await client.post(
        "/api/v1/templates/lint",
        headers=owner.headers,
        json={**DRAFT, "category": "UTILITY", "template_id": template["id"]},
    )
    assert [p["code"] for p in r.json()["problems"]] == ["edit.category_locked"]
    rules = await client.get("/api/v1/templates/lint-rules", headers=owner.headers)
    assert "body.too_many_variables" in rules.json()


async def test_submission_lists_every_problem_and_needs_a_connection(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client)
    bad = await _create(
        client,
        owner,
        name="bad_one",
        components=[
            {"type": "BODY", "text": "{{1}}{{2}}"},
            {"type": "FOOTER", "text": "f" * 70},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Go", "url": "ftp://x"}]},
        ],
    )
    r = await client.post(f"/api/v1/templates/{bad['id']}/submit", headers=owner.headers)
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "templates.lint_failed"
    codes = [p["code"] for p in problem["problems"]]
    assert {
        "body.leading_variable",
        "body.trailing_variable",
        "body.adjacent_variables",
        "body.too_many_variables",
        "body.example_missing",
        "footer.too_long",
        "button.url_invalid",
    } <= set(codes)
    good = await _create(client, owner)
    r = await client.post(f"/api/v1/templates/{good['id']}/submit", headers=owner.headers)
    assert r.status_code == 404 and r.json()["code"] == "whatsapp.not_connected"
    r = await client.get(f"/api/v1/templates/{good['id']}", headers=owner.headers)
    assert r.json()["status"] == "DRAFT"


async def test_only_editable_statuses_take_content_changes(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    owner = await signup(client)
    template = await _create(client, owner)
    await _set(db, template["id"], status="PENDING", meta_template_id="77", version=1)
    r = await client.patch(
        f"/api/v1/templates/{template['id']}",
        headers=owner.headers,
        json={"components": [BODY]},
    )
    assert r.status_code == 409 and r.json()["code"] == "templates.not_editable"
    r = await client.patch(
        f"/api/v1/templates/{template['id']}",
        headers=owner.headers,
        json={"parameter_mapping": {"body.1": "first_name"}},
    )
    assert r.status_code == 200 and r.json()["parameter_mapping"] == {"body.1": "first_name"}
    r = await client.post(f"/api/v1/templates/{template['id']}/submit", headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "templates.already_submitted"
    await _set(db, template["id"], status="APPROVED")
    r = await client.patch(
        f"/api/v1/templates/{template['id']}",
        headers=owner.headers,
        json={"category": "UTILITY"},
    )
    assert r.status_code == 422
    assert [p["code"] for p in r.json()["problems"]] == ["edit.category_locked"]


async def test_preview_from_values_and_from_a_contact(client: httpx.AsyncClient) -> None:
    owner = await signup(client)
    template = await _create(
        client, owner, parameter_mapping={"body.1": "first_name", "button.1": "fields.city"}
    )
    await client.post(
        "/api/v1/contacts/fields",
        headers=owner.headers,
        json={"key": "city", "label": "City", "type": "text"},
    )
    contact = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={"phone": "+249912345678", "name": "Amna Osman", "fields": {"city": "Omdurman"}},
    )
    r = await client.post(
        f"/api/v1/templates/{template['id']}/preview",
        headers=owner.headers,
        json={"contact_id": contact.json()["id"], "parameters": {"2": "VIP10"}},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["preview"]["body"] == (
        "Shop now through Amna and use code VIP10 to get 25% off of all merchandise."
    )
    assert out["preview"]["buttons"][1]["url"] == "https://www.luckyshrub.com/shop?promo=Omdurman"
    assert out["used_examples"] == ["header.1", "body.3"]
    assert out["components"][1]["parameters"][0] == {"type": "text", "text": "Amna"}
    r = await client.post(
        f"/api/v1/templates/{template['id']}/preview",
        headers=owner.headers,
        json={"parameters": ["a", "b", "c"], "header_parameter": "Winter Sale"},
    )
    assert r.json()["preview"]["header"]["text"] == "Our Winter Sale is on!"
    stranger = await signup(client)
    other = await client.post(
        "/api/v1/contacts", headers=stranger.headers, json={"phone": "+249912345679"}
    )
    r = await client.post(
        f"/api/v1/templates/{template['id']}/preview",
        headers=owner.headers,
        json={"contact_id": other.json()["id"]},
    )
    assert r.status_code == 404


async def test_test_send_rules(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner = await signup(client)
    template = await _create(client, owner)
    url = f"/api/v1/templates/{template['id']}/test-send"
    send = {"to": "+249912345678"}
    key = await create_key(client, owner, ["templates:write"])
    r = await client.post(url, headers={"Authorization": f"Bearer {key}"}, json=send)
    assert r.status_code == 403 and r.json()["code"] == "auth.user_token_required"
    r = await client.post(url, headers=owner.headers, json=send)
    assert r.status_code == 409 and r.json()["code"] == "templates.not_approved"
    await _set(db, template["id"], status="APPROVED", meta_template_id="88", version=1)
    r = await client.post(url, headers=owner.headers, json=send)
    assert r.status_code == 403 and r.json()["code"] == "templates.test_send_email_unverified"
    token = await outbox_link(client, owner.email, "/verify-email")
    assert (await client.post("/api/v1/auth/verify-email", json={"token": token})).status_code in (
        200,
        204,
    )
    r = await client.post(url, headers=owner.headers, json=send)
    assert r.status_code == 422 and r.json()["code"] == "templates.test_send_no_phone"
    r = await client.patch("/api/v1/me", headers=owner.headers, json={"phone": "+249 91 234 5678"})
    assert r.status_code == 200
    r = await client.post(url, headers=owner.headers, json={"to": "+249912345670"})
    assert r.status_code == 403 and r.json()["code"] == "templates.test_send_not_own_number"
    r = await client.post(url, headers=owner.headers, json={"to": "12345"})
    assert r.status_code == 422 and r.json()["code"] == "contacts.invalid_phone"
    # own number, all rules met: now the Cloud API is needed
    r = await client.post(url, headers=owner.headers, json={"to": "00249912345678"})
    assert r.status_code == 404 and r.json()["code"] == "whatsapp.not_connected"


# Webhooks ---------------------------------------------------------------------------------------


async def _connect(db: AsyncSession, state: AppState, account: Account, waba_id: str) -> None:
    workspace_id = uuid.UUID(account.workspace_id)
    db.add(
        WhatsAppConnection(
            workspace_id=workspace_id,
            mode="live",
            waba_id=waba_id,
            access_token_encrypted=encrypt_token(state, workspace_id, "token-1234"),
            token_hint="1234",
        )
    )
    await db.commit()


def _event(waba_id: str, time: int, field: str, value: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": waba_id, "time": time, "changes": [{"field": field, "value": value}]}],
        }
    ).encode()


async def _deliver(client: httpx.AsyncClient, state: AppState, *bodies: bytes) -> None:
    for body in bodies:
        r = await client.post(
            "/webhooks/whatsapp",
            content=body,
            headers={"X-Hub-Signature-256": signature_for(SECRET, body)},
        )
        assert r.status_code == 200
    await run_jobs(state)


async def test_status_quality_and_category_webhooks(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await signup(client)
    await _connect(db, app_state, owner, "700000000000001")
    template = await _create(client, owner)
    await _set(db, template["id"], status="PENDING", meta_template_id="1689556908129835", version=1)
    # the same template id in another workspace (another WABA) must not be touched
    other = await signup(client)
    await _connect(db, app_state, other, "700000000000002")
    theirs = await _create(client, other)
    await _set(db, theirs["id"], status="PENDING", meta_template_id="1689556908129835", version=1)

    rejected = _event(
        "700000000000001",
        1751247548,
        "message_template_status_update",
        {
            "event": "REJECTED",
            "message_template_id": 1689556908129835,
            "message_template_name": "seasonal_promotion",
            "message_template_language": "en-US",
            "reason": "INVALID_FORMAT",
            "message_template_category": "MARKETING",
            "rejection_info": {"reason": "Adjacent parameters.", "recommendation": "Add text."},
        },
    )
    await _deliver(client, app_state, rejected, rejected)  # a duplicate is applied once
    got = (await client.get(f"/api/v1/templates/{template['id']}", headers=owner.headers)).json()
    assert got["status"] == "REJECTED" and got["rejection_reason"] == "INVALID_FORMAT"
    assert got["rejection_info"]["reason"] == "Adjacent parameters."
    assert got["status_info"] == {"event": "REJECTED"}
    untouched = (
        await client.get(f"/api/v1/templates/{theirs['id']}", headers=other.headers)
    ).json()
    assert untouched["status"] == "PENDING"

    older = _event(
        "700000000000001",
        1751247000,
        "message_template_status_update",
        {"event": "APPROVED", "message_template_id": 1689556908129835, "reason": "NONE"},
    )
    paused = _event(
        "700000000000001",
        1751250000,
        "message_template_status_update",
        {
            "event": "PAUSED",
            "message_template_id": 1689556908129835,
            "reason": "NONE",
            "other_info": {"title": "FIRST_PAUSE", "description": "Paused for 3 hours."},
        },
    )
    quality = _event(
        "700000000000001",
        1751250001,
        "message_template_quality_update",
        {
            "previous_quality_score": "GREEN",
            "new_quality_score": "RED",
            "message_template_id": 1689556908129835,
            "message_template_name": "seasonal_promotion",
            "message_template_language": "en_US",
        },
    )
    category = _event(
        "700000000000001",
        1751250002,
        "template_category_update",
        {
            "message_template_id": 1689556908129835,
            "message_template_name": "seasonal_promotion",
            "message_template_language": "en_US",
            "previous_category": "MARKETING",
            "new_category": "UTILITY",
        },
    )
    await _deliver(client, app_state, paused, older, quality, category)
    got = (await client.get(f"/api/v1/templates/{template['id']}", headers=owner.headers)).json()
    assert got["status"] == "PAUSED"  # the older APPROVED arrived late and was skipped
    assert got["status_info"]["other_info"]["title"] == "FIRST_PAUSE"
    assert got["quality_score"] == "RED"
    assert got["category"] == "UTILITY" and got["previous_category"] == "MARKETING"

    unknown = _event(
        "799999999999999",
        1751250003,
        "message_template_status_update",
        {"event": "APPROVED", "message_template_id": 1689556908129835, "reason": "NONE"},
    )
    await _deliver(client, app_state, unknown)
    got = (await client.get(f"/api/v1/templates/{template['id']}", headers=owner.headers)).json()
    assert got["status"] == "PAUSED"


async def test_a_webhook_finds_a_template_by_name_and_language(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await signup(client)
    await _connect(db, app_state, owner, "700000000000003")
    template = await _create(client, owner)
    await _set(db, template["id"], status="PENDING", meta_template_id="4242", version=1)
    approved = _event(
        "700000000000003",
        1751247548,
        "message_template_status_update",
        {
            "event": "APPROVED",
            "message_template_id": 4242,
            "message_template_name": "seasonal_promotion",
            "message_template_language": "en-US",
            "reason": "NONE",
        },
    )
    await _deliver(client, app_state, approved)
    got = (await client.get(f"/api/v1/templates/{template['id']}", headers=owner.headers)).json()
    assert got["status"] == "APPROVED" and got["rejection_reason"] is None
