"""The consent ledger: chained and append-only, opt-outs suppress, only the person's own opt-in
lifts a suppression, keywords from WhatsApp apply, erasure keeps the chain verifiable."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from qms.consent import ledger
from qms.models import ConsentEvent, WhatsAppPhoneNumber
from qms.state import AppState
from qms.webhooks.service import process_event, signature_for
from tests.conftest import Account, signup

SECRET = "test-meta-app-secret"
PHONE_ID = "700000000000001"


async def _workspace(client: httpx.AsyncClient, db: AsyncSession) -> Account:
    owner = await signup(client)
    await client.patch("/api/v1/workspace", headers=owner.headers, json={"default_country": "SD"})
    db.add(
        WhatsAppPhoneNumber(
            id=uuid.uuid4(),
            workspace_id=uuid.UUID(owner.workspace_id),
            mode="live",
            phone_number_id=PHONE_ID,
            display_phone_number="+1 555 0100",
        )
    )
    await db.flush()
    return owner


async def _contact(
    client: httpx.AsyncClient, owner: Account, phone: str = "0912345678", **extra: object
) -> dict:  # type: ignore[type-arg]
    r = await client.post("/api/v1/contacts", headers=owner.headers, json={"phone": phone, **extra})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _consent(
    client: httpx.AsyncClient,
    owner: Account,
    contact_id: str,
    status: str,
    evidence: str = "Agreed on the phone, call ref 42",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/contacts/{contact_id}/consent",
        headers=owner.headers,
        json={"status": status, "purpose": "marketing", "evidence": evidence},
    )


async def _inbound(
    client: httpx.AsyncClient,
    db: AsyncSession,
    state: AppState,
    value: dict,
    field: str = "messages",
) -> None:  # type: ignore[type-arg]
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": field,
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550100",
                                "phone_number_id": PHONE_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    r = await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={
            "X-Hub-Signature-256": signature_for(SECRET, body),
            "content-type": "application/json",
        },
    )
    assert r.status_code == 200
    for event_id in (
        await db.scalars(text("select id from meta_webhook_events where processed_at is null"))
    ).all():
        await process_event(db, state, event_id)
    await db.flush()  # the worker commits here


def _text(wa_id: str, body: str, wamid: str | None = None) -> dict:  # type: ignore[type-arg]
    return {
        "contacts": [{"profile": {"name": "Sender"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid or f"wamid.{uuid.uuid4().hex}",
                "timestamp": "1750000000",
                "type": "text",
                "text": {"body": body},
            }
        ],
    }


async def test_history_and_chain(client: httpx.AsyncClient, db: AsyncSession) -> None:
    owner = await _workspace(client, db)
    contact = await _contact(client, owner)
    assert (await _consent(client, owner, contact["id"], "opted_in")).status_code == 201
    assert (await _consent(client, owner, contact["id"], "opted_out")).status_code == 201
    history = (
        await client.get(f"/api/v1/contacts/{contact['id']}/consent", headers=owner.headers)
    ).json()
    assert [e["status"] for e in history["items"]] == ["opted_in", "opted_out"]
    assert [e["seq"] for e in history["items"]] == [1, 2]
    assert history["chain"] == {"valid": True, "events": 2, "broken_at_seq": None, "reason": None}
    assert history["marketing_consent"] == "opted_out"
    r = await client.get(
        f"/api/v1/contacts/{contact['id']}/consent/export?format=csv", headers=owner.headers
    )
    assert r.status_code == 200 and r.text.count("\n") == 3


async def test_ledger_is_append_only(
    client: httpx.AsyncClient, db: AsyncSession, conn: AsyncConnection
) -> None:
    owner = await _workspace(client, db)
    contact = await _contact(client, owner)
    await _consent(client, owner, contact["id"], "opted_in")
    for statement in (
        "update consent_events set status = 'opted_out'",
        "delete from consent_events",
    ):
        savepoint = await conn.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text(statement))
        await savepoint.rollback()


async def test_tampering_is_detected_even_with_recomputed_digests(
    client: httpx.AsyncClient, db: AsyncSession, conn: AsyncConnection, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    contact = await _contact(client, owner)
    for status in ("opted_out", "opted_in", "opted_out"):
        await _consent(client, owner, contact["id"], status)
    # An attacker with database access (triggers off) turns the first opt-out into an opt-in
    # and recomputes every digest downstream — without the key, with a plain hash.
    await conn.execute(text("set local session_replication_role = replica"))
    events = (
        await db.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == uuid.UUID(contact["id"]))
            .order_by(ConsentEvent.seq)
        )
    ).all()
    events[0].status = "opted_in"
    previous = None
    for event in events:
        event.prev_digest = previous
        event.digest = hashlib.sha256(ledger._canonical(event)).hexdigest()
        previous = event.digest
    await db.flush()
    await conn.execute(text("set local session_replication_role = origin"))
    check = await ledger.verify(db, app_state.secrets, uuid.UUID(contact["id"]))
    assert not check.valid and check.broken_at_seq == 1 and check.reason == "event altered"


async def test_suppressed_number_stays_suppressed_on_reimport(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    owner = await _workspace(client, db)
    r = await client.post(
        "/api/v1/suppressions",
        headers=owner.headers,
        json={"phone": "0912345678", "reason": "Asked us by email to stop"},
    )
    assert r.status_code == 201
    suppression = r.json()
    assert suppression["phone_hint"] == "5678" and "phone" not in suppression
    # re-imported (even claiming consent): stays opted out
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={
            "contacts": [
                {
                    "phone": "+249912345678",
                    "consent": {"status": "opted_in", "evidence": "Imported from the old CRM"},
                }
            ]
        },
    )
    contact_id = r.json()["results"][0]["id"]
    contact = (await client.get(f"/api/v1/contacts/{contact_id}", headers=owner.headers)).json()
    assert contact["marketing_consent"] == "opted_out"
    # an agent's opt-in is recorded, not effective
    r = await _consent(client, owner, contact_id, "opted_in")
    assert r.status_code == 201 and r.json()["effective"] is False
    # nobody but the person can lift it
    r = await client.delete(f"/api/v1/suppressions/{suppression['id']}", headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "consent.suppression_locked"
    # erasing the contact keeps the suppression (a keyed hash of the number)
    assert (
        await client.delete(f"/api/v1/contacts/{contact_id}", headers=owner.headers)
    ).status_code == 204
    again = await _contact(client, owner, "0912345678")
    assert again["marketing_consent"] == "opted_out"


async def test_stop_and_start_by_signed_webhook(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    contact = await _contact(
        client,
        owner,
        consent={"status": "opted_in", "evidence": "Ticked the box on the checkout page"},
    )
    assert contact["marketing_consent"] == "opted_in"
    wa_id = "249912345678"
    await _inbound(client, db, app_state, _text(wa_id, "  إلغـاء!  "))
    got = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=owner.headers)).json()
    assert got["marketing_consent"] == "opted_out"
    suppressions = (await client.get("/api/v1/suppressions", headers=owner.headers)).json()
    assert [s["source"] for s in suppressions["items"]] == ["inbound_keyword"]
    # the same message redelivered inside another batch changes nothing
    history_before = (
        await client.get(f"/api/v1/contacts/{contact['id']}/consent", headers=owner.headers)
    ).json()["items"]
    await _inbound(
        client, db, app_state, _text(wa_id, "  إلغـاء!  ", history_before[-1]["source_ref"])
    )
    history_after = (
        await client.get(f"/api/v1/contacts/{contact['id']}/consent", headers=owner.headers)
    ).json()["items"]
    assert len(history_after) == len(history_before)
    # START from the person's own number opts in and lifts the suppression
    await _inbound(client, db, app_state, _text(wa_id, "start"))
    got = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=owner.headers)).json()
    assert got["marketing_consent"] == "opted_in"
    assert (await client.get("/api/v1/suppressions", headers=owner.headers)).json()["items"] == []


async def test_quick_reply_stop_and_unknown_sender(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    value = {
        "contacts": [{"profile": {"name": "New"}, "wa_id": "249911112222"}],
        "messages": [
            {
                "from": "249911112222",
                "id": "wamid.BUTTON1",
                "timestamp": "1750000000",
                "type": "button",
                "button": {"payload": "STOP", "text": "Stop promotions"},
            }
        ],
    }
    await _inbound(client, db, app_state, value)
    found = (await client.get("/api/v1/contacts?q=911112222", headers=owner.headers)).json()
    [contact] = found["items"]
    assert contact["marketing_consent"] == "opted_out" and contact["name"] == "New"


async def test_user_preferences_stop_and_resume(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    contact = await _contact(
        client, owner, consent={"status": "opted_in", "evidence": "Website form"}
    )

    def pref(value: str, ts: int) -> dict:  # type: ignore[type-arg]
        return {
            "contacts": [{"wa_id": "249912345678"}],
            "user_preferences": [
                {
                    "wa_id": "249912345678",
                    "detail": "User requested to stop marketing messages",
                    "category": "marketing_messages",
                    "value": value,
                    "timestamp": ts,
                }
            ],
        }

    await _inbound(client, db, app_state, pref("stop", 1731705721), "user_preferences")
    got = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=owner.headers)).json()
    assert got["platform_marketing_stop"] is True and got["marketing_consent"] == "opted_out"
    await _inbound(client, db, app_state, pref("resume", 1731705800), "user_preferences")
    got = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=owner.headers)).json()
    # resume lifts only the platform flag, not our suppression
    assert got["platform_marketing_stop"] is False and got["marketing_consent"] == "opted_out"


async def test_hosted_optin_and_pending_confirmation(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    slug = (await client.get("/api/v1/workspace", headers=owner.headers)).json()["slug"]
    page = (await client.get(f"/api/v1/optin/{slug}")).json()
    r = await client.post(f"/optin/{slug}", json={"phone": "0912000111", "notice": "tampered"})
    assert r.status_code == 409 and r.json()["code"] == "optin.notice_changed"
    r = await client.post(
        f"/optin/{slug}",
        headers={"User-Agent": "Browser/1"},
        json={"phone": "0912000111", "notice": page["notice"]},
    )
    assert r.status_code == 201 and r.json()["status"] == "opted_in"
    [contact] = (await client.get("/api/v1/contacts?q=912000111", headers=owner.headers)).json()[
        "items"
    ]
    [event] = (
        await client.get(f"/api/v1/contacts/{contact['id']}/consent", headers=owner.headers)
    ).json()["items"]
    assert event["evidence"] == page["notice"] and event["ip"] == "203.0.113.7"
    assert event["user_agent"] == "Browser/1" and event["source"] == "web_form"
    # a suppressed number: the form alone proves nothing; START from the number confirms
    await _inbound(client, db, app_state, _text("249912000111", "STOP"))
    r = await client.post(f"/optin/{slug}", json={"phone": "0912000111", "notice": page["notice"]})
    assert r.json()["status"] == "pending_confirmation"
    got = (await client.get(f"/api/v1/contacts/{contact['id']}", headers=owner.headers)).json()
    assert got["marketing_consent"] == "opted_out"
    await _inbound(client, db, app_state, _text("249912000111", "START"))
    history = (
        await client.get(f"/api/v1/contacts/{contact['id']}/consent", headers=owner.headers)
    ).json()
    assert history["items"][-1]["source"] == "web_form_confirmed"
    assert history["marketing_consent"] == "opted_in" and history["chain"]["valid"]


async def test_erasure_blanks_personal_fields_and_chain_still_verifies(
    client: httpx.AsyncClient, db: AsyncSession, app_state: AppState
) -> None:
    owner = await _workspace(client, db)
    slug = (await client.get("/api/v1/workspace", headers=owner.headers)).json()["slug"]
    page = (await client.get(f"/api/v1/optin/{slug}")).json()
    await client.post(
        f"/optin/{slug}", json={"phone": "0912000222", "name": "Erase Me", "notice": page["notice"]}
    )
    [contact] = (await client.get("/api/v1/contacts?q=912000222", headers=owner.headers)).json()[
        "items"
    ]
    await _consent(client, owner, contact["id"], "opted_out")
    contact_id = uuid.UUID(contact["id"])
    row = await db.get_one(ledger.Contact, contact_id)
    await ledger.erase_contact(db, row)
    await db.flush()
    events = (
        await db.scalars(select(ConsentEvent).where(ConsentEvent.contact_id == contact_id))
    ).all()
    assert all(e.ip is None and e.user_agent is None for e in events)
    assert row.phone is None and row.name is None
    check = await ledger.verify(db, app_state.secrets, contact_id)
    assert check.valid and check.events == 2
