"""Template management and review, and the other management endpoints (phone numbers, WABA,
subscribed apps, media, resumable upload)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from qms.simulator.review import Existing, review
from tests.simulator.conftest import SPRING, Account, Sim, fixture, keys


def submission(components: list[Any] | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "name": "seasonal_promotion",
        "language": "en_US",
        "category": "MARKETING",
        "parameter_format": "POSITIONAL",
        "components": copy.deepcopy(SPRING) if components is None else components,
        **kw,
    }


def body(text: str, example: list[str] | None = None) -> dict[str, Any]:
    comp: dict[str, Any] = {"type": "BODY", "text": text}
    if example is not None:
        comp["example"] = {"body_text": [example]}
    return comp


def with_part(index: int, **changes: Any) -> list[Any]:
    components = copy.deepcopy(SPRING)
    components[index].update(changes)
    return components


def buttons(*items: dict[str, Any]) -> list[Any]:
    return [
        body("Hello there, thanks for your order."),
        {"type": "BUTTONS", "buttons": list(items)},
    ]


QR = {"type": "QUICK_REPLY", "text": "Stop"}
URL = {"type": "URL", "text": "Shop", "url": "https://example.com/shop"}

REJECTED = {
    "bad name": submission(name="Seasonal Promo"),
    "no body": submission([{"type": "FOOTER", "text": "x"}]),
    "two bodies": submission([body("Hello friend, welcome."), body("Hello again friend.")]),
    "body too long": submission([body("a " * 520)]),
    "adjacent": submission([body("Hi {{1}}{{2}} welcome to the shop today", ["a", "b"])]),
    "adjacent with space": submission(
        [body("Hi {{1}} {{2}} welcome to the shop today", ["a", "b"])]
    ),
    "starts with variable": submission([body("{{1}}, your order has shipped today", ["Ann"])]),
    "ends with variable": submission([body("Your order has shipped, {{1}}", ["Ann"])]),
    "gap": submission([body("Hi {{1}}, your code is {{3}} for the shop.", ["a", "b"])]),
    "zero": submission([body("Hi {{0}}, welcome to our lovely shop.", ["a"])]),
    "bad variable": submission([body("Hi {{first name}}, welcome to our lovely shop.", ["a"])]),
    "mismatched braces": submission([body("Hi {{1}, welcome to our lovely shop.", ["a"])]),
    "no example": submission([body("Hi {{1}}, welcome to our lovely shop.")]),
    "example count": submission([body("Hi {{1}}, your code is {{2}} today.", ["a"])]),
    "too many variables": submission([body("Hi {{1}}, code {{2}}: {{3}}.", ["a", "b", "c"])]),
    "named in positional": submission([body("Hi {{name}}, welcome to our lovely shop.", ["a"])]),
    "header too long": submission(with_part(0, text="x" * 61, example={})),
    "header two params": submission(
        with_part(0, text="{{1}} and {{2}}", example={"header_text": ["a", "b"]})
    ),
    "header no example": submission(with_part(0, example={})),
    "media header without handle": submission(with_part(0, format="IMAGE", text=None, example={})),
    "media header unknown handle": submission(
        with_part(0, format="IMAGE", example={"header_handle": ["4::nope"]})
    ),
    "footer too long": submission(with_part(2, text="f" * 61)),
    "footer variable": submission(with_part(2, text="Reply {{1}} to stop")),
    "too many buttons": submission(buttons(*[{**QR, "text": f"Q{i}"} for i in range(11)])),
    "three urls": submission(buttons(URL, {**URL, "text": "b"}, {**URL, "text": "c"})),
    "label too long": submission(buttons({**QR, "text": "q" * 26})),
    "duplicate labels": submission(buttons(QR, dict(QR))),
    "interleaved quick replies": submission(buttons(QR, URL, {**QR, "text": "Other"})),
    "url variable not at end": submission(
        buttons({**URL, "url": "https://example.com/{{1}}/shop", "example": ["x"]})
    ),
    "url variable without example": submission(
        buttons({**URL, "url": "https://example.com/{{1}}"})
    ),
    "two phone buttons": submission(
        buttons(
            {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+15550100001"},
            {"type": "PHONE_NUMBER", "text": "Call 2", "phone_number": "+15550100002"},
        )
    ),
    "copy code too long": submission(
        buttons({"type": "COPY_CODE", "text": "Copy", "example": "x" * 16})
    ),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_review_rejects(case: str) -> None:
    verdict = review(REJECTED[case], [], lambda handle: handle == "4::known")
    assert not verdict.approved, case
    assert verdict.reason == "INVALID_FORMAT"
    assert verdict.rejection_info and verdict.rejection_info["reason"]
    assert verdict.rejection_info["recommendation"]


def test_review_approves() -> None:
    assert review(submission(), []).approved
    named = submission(
        [
            {
                "type": "BODY",
                "text": "Thank you, {{first_name}}! Your order {{order}} ships soon.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "first_name", "example": "Pablo"},
                        {"param_name": "order", "example": "123"},
                    ]
                },
            }
        ],
        parameter_format="NAMED",
    )
    assert review(named, []).approved
    image = with_part(0, format="IMAGE", example={"header_handle": ["4::known"]})
    assert review(submission(image), [], lambda h: h == "4::known").approved
    assert review(
        submission(
            buttons(
                URL,
                {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+1555"},
                QR,
                {**QR, "text": "Q2"},
            )
        ),
        [],
    ).approved
    auth = submission(
        [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {
                "type": "BUTTONS",
                "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}],
            },
        ],
        category="AUTHENTICATION",
    )
    assert review(auth, []).approved
    # Duplicate wording of another template is rejected, not of the same name (a translation).
    existing = [Existing("other", "MARKETING", SPRING[1]["text"], SPRING[2]["text"])]
    assert not review(submission(), existing).approved
    same = [Existing("seasonal_promotion", "MARKETING", SPRING[1]["text"], SPRING[2]["text"])]
    assert review(submission(), same).approved


# Graph template management --------------------------------------------------------------------


async def test_create_review_and_status_webhooks(sim: Sim, account: Account) -> None:
    url = f"/v25.0/{account.waba_id}/message_templates"
    r = await sim.client.post(url, json=submission(), headers=account.headers)
    assert r.status_code == 200, r.text
    created = r.json()
    assert created == {"id": created["id"], "status": "PENDING", "category": "MARKETING"}
    bad = submission(
        [body("Hi {{1}}{{2}} and welcome to the shop", ["a", "b"])],
        name="abandoned_cart",
        language="en",
    )
    rejected_id = (await sim.client.post(url, json=bad, headers=account.headers)).json()["id"]
    # Sends fail while pending.
    pending = await sim.send(account, name="seasonal_promotion")
    assert pending.json()["error"]["code"] == 132001
    await sim.flush()
    approved, rejected = sim.receiver.ok_payloads("message_template_status_update")
    assert keys(approved) == keys(fixture("template_status_approved.json"))
    assert keys(rejected) == keys(fixture("template_status_rejected.json"))
    value = approved["entry"][0]["changes"][0]["value"]
    assert value == {
        "event": "APPROVED",
        "message_template_id": int(created["id"]),
        "message_template_name": "seasonal_promotion",
        "message_template_language": "en_US",
        "reason": "NONE",
        "message_template_category": "MARKETING",
    }
    assert approved["entry"][0]["id"] == account.waba_id
    assert isinstance(approved["entry"][0]["time"], int)
    value = rejected["entry"][0]["changes"][0]["value"]
    assert value["event"] == "REJECTED" and value["reason"] == "INVALID_FORMAT"
    assert value["message_template_id"] == int(rejected_id)
    assert "next to each other" in value["rejection_info"]["reason"]
    # Get one, with quality score.
    r = await sim.client.get(
        f"/v25.0/{created['id']}",
        headers=account.headers,
        params={"fields": "status,quality_score"},
    )
    assert r.json() == {
        "status": "APPROVED",
        "quality_score": {"score": "UNKNOWN", "date": r.json()["quality_score"]["date"]},
        "id": created["id"],
    }
    r = await sim.client.get(
        f"/v25.0/{rejected_id}",
        headers=account.headers,
        params={"fields": "status,rejected_reason"},
    )
    assert r.json()["rejected_reason"] == "INVALID_FORMAT"
    r = await sim.client.get(
        f"/v25.0/{created['id']}", headers=account.headers, params={"fields": "status,bogus"}
    )
    assert r.status_code == 400 and "nonexisting field (bogus)" in r.json()["error"]["message"]


async def test_create_validation(sim: Sim, account: Account) -> None:
    url = f"/v25.0/{account.waba_id}/message_templates"
    for patch, fragment in (
        ({"name": None}, "The parameter name is required."),
        ({"category": "PROMO"}, "Param category must be one of"),
        ({"components": None}, "The parameter components is required."),
    ):
        data = {k: v for k, v in {**submission(), **patch}.items() if v is not None}
        r = await sim.client.post(url, json=data, headers=account.headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == 100
        assert fragment in r.json()["error"]["message"]
    assert (
        await sim.client.post(url, json=submission(), headers=account.headers)
    ).status_code == 200
    r = await sim.client.post(url, json=submission(), headers=account.headers)
    err = r.json()["error"]
    assert (
        err["error_subcode"] == 2388024
        and err["error_user_title"] == "Content in This Language Already Exists"
    )
    # Form-encoded, as Graph also accepts.
    r = await sim.client.post(
        url,
        data={
            "name": "form_made",
            "language": "en",
            "category": "UTILITY",
            "components": '[{"type":"BODY","text":"Your parcel is on its way."}]',
        },
        headers=account.headers,
    )
    assert r.status_code == 200, r.text


async def test_list_filters_and_paging(sim: Sim, account: Account) -> None:
    for i in range(5):
        await sim.template(
            account, f"promo_{i}", copy.deepcopy(SPRING), status="APPROVED" if i % 2 else "REJECTED"
        )
    url = f"/v25.0/{account.waba_id}/message_templates"
    r = await sim.client.get(
        url, headers=account.headers, params={"fields": "name,status", "limit": 2}
    )
    page1 = r.json()
    assert [set(t) for t in page1["data"]] == [{"name", "status", "id"}] * 2
    assert page1["paging"]["next"] and page1["paging"]["cursors"]["after"]
    names = [t["name"] for t in page1["data"]]
    after = page1["paging"]["cursors"]["after"]
    while True:
        r = await sim.client.get(
            url, headers=account.headers, params={"fields": "name", "limit": 2, "after": after}
        )
        page = r.json()
        names += [t["name"] for t in page["data"]]
        if "next" not in page.get("paging", {}):
            break
        after = page["paging"]["cursors"]["after"]
    assert sorted(names) == sorted([*(f"promo_{i}" for i in range(5)), "hello_world"])
    r = await sim.client.get(
        url, headers=account.headers, params={"status": "approved", "fields": "name"}
    )
    assert sorted(t["name"] for t in r.json()["data"]) == ["hello_world", "promo_1", "promo_3"]
    r = await sim.client.get(url, headers=account.headers, params={"name": "promo_2"})
    (only,) = r.json()["data"]
    assert set(only) == {
        "name",
        "parameter_format",
        "components",
        "language",
        "status",
        "category",
        "id",
    }


async def test_edit_delete_unpause(sim: Sim, account: Account) -> None:
    tid = await sim.template(account, "spring_sale", copy.deepcopy(SPRING))
    new = copy.deepcopy(SPRING)
    new[2]["text"] = "Reply STOP to opt out"
    r = await sim.client.post(f"/v25.0/{tid}", json={"components": new}, headers=account.headers)
    assert r.json() == {"success": True}
    r = await sim.client.post(f"/v25.0/{tid}", json={"components": new}, headers=account.headers)
    assert r.status_code == 400  # PENDING can't be edited
    await sim.flush()
    (event,) = sim.receiver.values("message_template_status_update")
    assert event["event"] == "APPROVED"
    r = await sim.client.post(f"/v25.0/{tid}", json={"components": new}, headers=account.headers)
    assert r.json()["error"]["error_user_title"] == "Edit limit reached"  # once per 24 h
    r = await sim.client.post(
        f"/v25.0/{tid}", json={"category": "UTILITY"}, headers=account.headers
    )
    assert r.json()["error"]["error_user_title"] == "Category can't be changed"

    # Pauses: first and second pause, then disabled; unpause via API.
    sim.receiver.clear()
    await sim.client.post(
        f"/_sim/templates/{tid}/status", json={"event": "PAUSED", "quality_score": "RED"}
    )
    r = await sim.client.post(f"/v25.0/{tid}/unpause", headers=account.headers)
    assert r.json() == {"success": True}
    await sim.client.post(f"/_sim/templates/{tid}/status", json={"event": "PAUSED"})
    await sim.client.post(f"/_sim/templates/{tid}/status", json={"event": "PAUSED"})
    await sim.flush()
    events = [
        (v["event"], v.get("other_info", {}).get("title"))
        for v in sim.receiver.values("message_template_status_update")
    ]
    assert events == [
        ("PAUSED", "FIRST_PAUSE"),
        ("APPROVED", "UNPAUSE"),
        ("PAUSED", "SECOND_PAUSE"),
        ("DISABLED", None),
    ]
    (quality,) = sim.receiver.values("message_template_quality_update")
    assert quality["new_quality_score"] == "RED" and quality["previous_quality_score"] == "UNKNOWN"
    disabled = sim.receiver.values("message_template_status_update")[-1]
    assert isinstance(disabled["disable_info"]["disable_date"], int)
    # Disabled templates can't be deleted; others can, by name (all languages) or hsm_id.
    url = f"/v25.0/{account.waba_id}/message_templates"
    r = await sim.client.delete(url, params={"name": "spring_sale"}, headers=account.headers)
    assert r.status_code == 400
    await sim.template(account, "multi", copy.deepcopy(SPRING), language="en")
    other = await sim.template(account, "multi", copy.deepcopy(SPRING), language="fr")
    r = await sim.client.delete(
        url, params={"name": "multi", "hsm_id": other}, headers=account.headers
    )
    assert r.json() == {"success": True}
    assert (await sim.client.get(f"/v25.0/{other}", headers=account.headers)).status_code == 400
    r = await sim.client.delete(url, params={"name": "multi"}, headers=account.headers)
    assert r.json() == {"success": True}
    r = await sim.client.delete(url, params={"name": "multi"}, headers=account.headers)
    assert r.json()["error"]["error_user_title"] == "Message template not found"
    # An approved name can't be reused right away.
    r = await sim.client.post(
        url, json=submission(name="multi", language="en"), headers=account.headers
    )
    assert r.json()["error"]["error_subcode"] == 2388023


async def test_auto_unpause_after_pause_window(sim: Sim, account: Account) -> None:
    tid = await sim.template(account, "spring_sale", copy.deepcopy(SPRING))
    await sim.client.patch("/_sim/config", json={"time_factor": 0.000001})  # 3 h -> 11 ms
    await sim.client.post(f"/_sim/templates/{tid}/status", json={"event": "PAUSED"})
    await asyncio.sleep(0.05)
    await sim.flush()
    events = [v["event"] for v in sim.receiver.values("message_template_status_update")]
    assert events == ["PAUSED", "APPROVED"]


# Phone numbers, WABA, subscriptions, media, uploads ---------------------------------------------


async def test_phone_numbers_and_waba(sim: Sim) -> None:
    account = await sim.account(
        phone_numbers=3, tier="TIER_10K", quality_rating="YELLOW", verified_name="Acme"
    )
    url = f"/v25.0/{account.waba_id}/phone_numbers"
    r = await sim.client.get(
        url,
        headers=account.headers,
        params={
            "limit": 2,
            "fields": "id,display_phone_number,verified_name,quality_rating,throughput,"
            "whatsapp_business_manager_messaging_limit",
        },
    )
    data = r.json()
    assert [p["id"] for p in data["data"]] == account.phones[:2]
    first = data["data"][0]
    assert first["verified_name"] == "Acme" and first["quality_rating"] == "YELLOW"
    assert first["throughput"] == {"level": "STANDARD"}
    assert first["whatsapp_business_manager_messaging_limit"] == "TIER_10K"
    assert first["display_phone_number"].startswith("+1 555-")
    r = await sim.client.get(
        url, headers=account.headers, params={"after": data["paging"]["cursors"]["after"]}
    )
    assert [p["id"] for p in r.json()["data"]] == account.phones[2:]
    assert "next" not in r.json()["paging"]
    r = await sim.client.get(f"/v25.0/{account.waba_id}", headers=account.headers)
    assert r.json()["id"] == account.waba_id
    sub = f"/v25.0/{account.waba_id}/subscribed_apps"
    assert (await sim.client.get(sub, headers=account.headers)).json() == {"data": []}
    assert (await sim.client.post(sub, headers=account.headers)).json() == {"success": True}
    apps = (await sim.client.get(sub, headers=account.headers)).json()["data"]
    assert apps[0]["whatsapp_business_api_data"]["id"] == "100000000000001"
    r = await sim.client.get(f"/v25.0/{account.waba_id}/nope", headers=account.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == 100


async def test_media_upload(sim: Sim, account: Account) -> None:
    url = f"/v25.0/{account.phones[0]}/media"
    files = {"file": ("pic.png", b"\x89PNG fake", "image/png")}
    r = await sim.client.post(
        url, data={"messaging_product": "whatsapp"}, files=files, headers=account.headers
    )
    assert r.status_code == 200, r.text
    media_id = r.json()["id"]
    assert media_id.isdigit()
    r = await sim.client.get(f"/v25.0/{media_id}", headers=account.headers)
    assert r.json()["mime_type"] == "image/png" and r.json()["file_size"] == 9
    files = {"file": ("x.exe", b"MZ", "application/x-msdownload")}
    r = await sim.client.post(
        url, data={"messaging_product": "whatsapp"}, files=files, headers=account.headers
    )
    assert r.json()["error"]["code"] == 131053


async def test_resumable_upload_gives_a_header_handle(sim: Sim, account: Account) -> None:
    data = b"\xff\xd8\xff" + b"x" * 1000
    r = await sim.client.post(
        "/v25.0/100000000000001/uploads",
        params={"file_name": "sample.jpg", "file_length": len(data), "file_type": "image/jpeg"},
        headers=account.headers,
    )
    upload_id = r.json()["id"]
    assert upload_id.startswith("upload:")
    auth = {"Authorization": f"OAuth {account.token}"}
    r = await sim.client.post(
        f"/v25.0/{upload_id}", content=data[:500], headers={**auth, "file_offset": "0"}
    )
    assert r.json() == {"id": upload_id, "file_offset": 500}
    r = await sim.client.post(
        f"/v25.0/{upload_id}", content=data[500:], headers={**auth, "file_offset": "400"}
    )
    assert r.status_code == 400
    r = await sim.client.get(f"/v25.0/{upload_id}", headers=auth)
    assert r.json()["file_offset"] == 500
    r = await sim.client.post(
        f"/v25.0/{upload_id}", content=data[500:], headers={**auth, "file_offset": "500"}
    )
    handle = r.json()["h"]
    assert handle.startswith("4::")
    other = await sim.account()
    r = await sim.client.post(
        f"/v25.0/{upload_id}", content=b"x", headers={**other.headers, "file_offset": "0"}
    )
    assert r.status_code == 400
    assert (
        await sim.client.post(
            "/v25.0/999/uploads",
            params={"file_length": 1, "file_type": "image/png"},
            headers=account.headers,
        )
    ).status_code == 400
    # The handle makes an image-header template pass review; sends need the image parameter.
    image = with_part(0, format="IMAGE", text=None, example={"header_handle": [handle]})
    image[0].pop("text")
    r = await sim.client.post(
        f"/v25.0/{account.waba_id}/message_templates",
        json=submission(image, name="with_image"),
        headers=account.headers,
    )
    await sim.flush()
    (event,) = sim.receiver.values("message_template_status_update")
    assert event["event"] == "APPROVED", event
    params = [
        {"type": "body", "parameters": [{"type": "text", "text": t} for t in ("a", "b", "c")]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "x"}],
        },
    ]
    r = await sim.send(account, name="with_image", components=params)
    assert r.json()["error"]["code"] == 132012
    assert (
        r.json()["error"]["error_data"]["details"]
        == "header: Format mismatch, expected IMAGE, received UNKNOWN"
    )
    params.append(
        {
            "type": "header",
            "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}],
        }
    )
    assert (await sim.send(account, name="with_image", components=params)).status_code == 200
