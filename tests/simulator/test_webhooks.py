"""Webhooks the simulator sends back: signed, in Meta's shapes, batched, retried; statuses,
asynchronous failures, inbound messages, user preferences and quality updates."""

from __future__ import annotations

from collections import Counter

from tests.simulator.conftest import (
    SPRING,
    Account,
    Sim,
    SimFactory,
    fixture,
    keys,
    signature,
    spring_params,
)


async def test_statuses_sent_delivered_read_signed(sim: Sim, account: Account) -> None:
    r = await sim.send(account, biz_opaque_callback_data="campaign:7:recipient:9")
    wamid = r.json()["messages"][0]["id"]
    await sim.flush()
    hits = sim.receiver.hits
    assert hits and all(h.answered == 200 for h in hits)
    for hit in hits:
        assert hit.headers["x-hub-signature-256"] == signature(hit.body)
        assert hit.headers["x-hub-signature-256"] != signature(hit.body, "wrong-secret")
        assert hit.headers["content-type"] == "application/json"
    statuses = sim.receiver.statuses(wamid)
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    for s in statuses:
        assert s["recipient_id"] == "16505551234"
        assert s["timestamp"].isdigit()
        assert s["biz_opaque_callback_data"] == "campaign:7:recipient:9"
        assert "conversation" not in s
    pricing = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    assert statuses[0]["pricing"] == pricing and statuses[1]["pricing"] == pricing
    assert "pricing" not in statuses[2]
    # Shapes match Meta's samples (v24+: no `conversation`; BSUID `contacts` not simulated).
    payload = next(
        p
        for p in sim.receiver.ok_payloads()
        if p["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "sent"
    )
    drop = frozenset({"conversation", "contacts", "biz_opaque_callback_data"})
    assert keys(payload, drop) == keys(fixture("status_sent.json"), drop)
    metadata = payload["entry"][0]["changes"][0]["value"]["metadata"]
    assert metadata["phone_number_id"] == account.phones[0]
    assert metadata["display_phone_number"].isdigit()
    assert payload["entry"][0]["id"] == account.waba_id
    # The control API shows the final status.
    (message,) = (await sim.client.get("/_sim/messages", params={"wamid": wamid})).json()["items"]
    assert message["status"] == "read"
    assert [s["status"] for s in message["statuses"]] == ["sent", "delivered", "read"]


async def test_async_failures_by_number_pattern(sim: Sim, account: Account) -> None:
    await sim.template(account, "spring_sale", SPRING, category="MARKETING")
    wamids = {}
    for suffix in ("1026", "1049", "1050", "0472", "1047"):
        r = await sim.send(
            account, to=f"+44770090{suffix}", name="spring_sale", components=spring_params()
        )
        assert r.status_code == 200, r.text
        wamids[suffix] = r.json()["messages"][0]["id"]
    # 1049/1050/0472 only fail marketing templates: a utility template goes through.
    utility = (await sim.send(account, to="+447700901049")).json()["messages"][0]["id"]
    # 1047 fails everything (re-engagement), also a template.
    await sim.flush()
    expected = {"1026": 131026, "1049": 131049, "1050": 131050, "0472": 130472, "1047": 131047}
    for suffix, code in expected.items():
        (status,) = sim.receiver.statuses(wamids[suffix])
        assert status["status"] == "failed"
        (err,) = status["errors"]
        assert err["code"] == code
        assert err["title"] == err["message"]
        assert err["error_data"]["details"] and err["href"]
        assert "pricing" not in status
    assert [s["status"] for s in sim.receiver.statuses(utility)] == ["sent", "delivered", "read"]
    failed = next(
        p
        for p in sim.receiver.ok_payloads()
        if any(
            s["id"] == wamids["1049"]
            for e in p["entry"]
            for c in e["changes"]
            for s in c["value"].get("statuses", [])
        )
    )
    one = {
        **failed,
        "entry": [{**failed["entry"][0], "changes": [failed["entry"][0]["changes"][0]]}],
    }
    assert keys(one) == keys(fixture("status_failed_131049.json"))
    status = next(s for s in sim.receiver.statuses(wamids["1049"]))
    sample = fixture("status_failed_131049.json")["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status["errors"][0] == sample["errors"][0]


async def test_text_outside_service_window_fails_131047(sim: Sim, account: Account) -> None:
    url = f"/v25.0/{account.phones[0]}/messages"
    body = {
        "messaging_product": "whatsapp",
        "to": "+447700900777",
        "type": "text",
        "text": {"body": "hi"},
    }
    closed = (await sim.client.post(url, json=body, headers=account.headers)).json()["messages"][0][
        "id"
    ]
    await sim.client.post(
        "/_sim/inbound",
        json={"phone_number_id": account.phones[0], "from": "447700900777", "text": "hello?"},
    )
    opened = (await sim.client.post(url, json=body, headers=account.headers)).json()["messages"][0][
        "id"
    ]
    await sim.flush()
    assert sim.receiver.statuses(closed)[0]["errors"][0]["code"] == 131047
    sent = sim.receiver.statuses(opened)[0]
    assert sent["pricing"] == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }


async def test_user_preferences_stop_then_131050(sim: Sim, account: Account) -> None:
    await sim.template(account, "spring_sale", SPRING)
    phone = account.phones[0]
    r = await sim.client.post(
        "/_sim/user-preferences",
        json={"phone_number_id": phone, "wa_id": "447700900555", "value": "stop"},
    )
    assert r.status_code == 200
    stopped = await sim.send(
        account, to="+447700900555", name="spring_sale", components=spring_params()
    )
    assert stopped.status_code == 200  # accepted, then fails
    utility = await sim.send(account, to="+447700900555")
    await sim.flush()
    (pref,) = sim.receiver.values("user_preferences")
    assert pref["metadata"]["phone_number_id"] == phone
    assert pref["contacts"] == [{"wa_id": "447700900555"}]
    (entry,) = pref["user_preferences"]
    assert entry["value"] == "stop" and entry["category"] == "marketing_messages"
    assert isinstance(entry["timestamp"], int)
    assert (
        sim.receiver.statuses(stopped.json()["messages"][0]["id"])[0]["errors"][0]["code"] == 131050
    )
    assert sim.receiver.statuses(utility.json()["messages"][0]["id"])[0]["status"] == "sent"
    # resume lifts it
    await sim.client.post(
        "/_sim/user-preferences",
        json={"phone_number_id": phone, "wa_id": "447700900555", "value": "resume"},
    )
    again = await sim.send(
        account, to="+447700900555", name="spring_sale", components=spring_params()
    )
    await sim.flush()
    assert sim.receiver.statuses(again.json()["messages"][0]["id"])[0]["status"] == "sent"


async def test_per_user_marketing_limit_131049(make_sim: SimFactory) -> None:
    sim = await make_sim(marketing_limit_per_user=2)
    account = await sim.account()
    await sim.template(account, "spring_sale", SPRING)
    wamids = [
        (
            await sim.send(
                account, to="+447700900321", name="spring_sale", components=spring_params()
            )
        ).json()["messages"][0]["id"]
        for _ in range(3)
    ]
    await sim.flush()
    assert [sim.receiver.statuses(w)[0]["status"] for w in wamids] == ["sent", "sent", "failed"]
    assert sim.receiver.statuses(wamids[2])[0]["errors"][0]["code"] == 131049


async def test_retries_until_200(sim: Sim, account: Account) -> None:
    sim.receiver.plan = [500, 503, 404]
    await sim.client.post(
        "/_sim/inbound",
        json={"phone_number_id": account.phones[0], "from": "447700900888", "text": "STOP"},
    )
    await sim.flush()
    assert [h.answered for h in sim.receiver.hits] == [500, 503, 404, 200]
    assert len({h.body for h in sim.receiver.hits}) == 1  # the same signed body each time
    log = (await sim.client.get("/_sim/webhooks")).json()
    assert [(e["attempt"], e["status_code"]) for e in log["items"]] == [
        (1, 500),
        (2, 503),
        (3, 404),
        (4, 200),
    ]
    assert len({e["delivery_id"] for e in log["items"]}) == 1
    assert log["stats"]["delivered"] == 1 and log["stats"]["failed_attempts"] == 3


async def test_retries_give_up_after_max_age(make_sim: SimFactory) -> None:
    sim = await make_sim(retry_schedule_s=[1.0], retry_max_age_s=10.0)  # 5 ms apart, 50 ms max
    account = await sim.account()
    sim.receiver.plan = [500] * 30
    await sim.client.post(
        "/_sim/inbound",
        json={"phone_number_id": account.phones[0], "from": "447700900888", "text": "x"},
    )
    result = await sim.flush()
    assert result["dropped"] == 1
    assert 3 <= len(sim.receiver.hits) <= 11
    assert all(h.answered == 500 for h in sim.receiver.hits)


async def test_inbound_text_and_button_payloads(sim: Sim, account: Account) -> None:
    phone = account.phones[0]
    r = await sim.client.post(
        "/_sim/inbound",
        json={
            "phone_number_id": phone,
            "from": "16505551234",
            "text": "STOP",
            "name": "Sheena Nelson",
        },
    )
    text_wamid = r.json()["wamid"]
    sent = (await sim.send(account)).json()["messages"][0]["id"]
    r = await sim.client.post(
        "/_sim/inbound",
        json={
            "phone_number_id": phone,
            "from": "16505551234",
            "button_payload": "Unsubscribe",
            "context_id": sent,
        },
    )
    await sim.client.post(
        "/_sim/inbound",
        json={
            "phone_number_id": phone,
            "from": "16505551234",
            "button_reply_id": "cancel-button",
            "button_reply_title": "Cancel",
            "context_id": sent,
        },
    )
    r2 = await sim.client.post(
        "/_sim/inbound", json={"phone_number_id": phone, "from": "16505551234"}
    )
    assert r2.status_code == 422
    await sim.flush()
    inbound = [
        p
        for p in sim.receiver.ok_payloads("messages")
        if "messages" in p["entry"][0]["changes"][0]["value"]
    ]
    assert len(inbound) == 3
    text, button, interactive = inbound
    message = text["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["id"] == text_wamid and message["text"] == {"body": "STOP"}
    assert message["from"] == "16505551234" and message["timestamp"].isdigit()
    assert keys(text) == keys(fixture("inbound_text.json"))
    assert keys(button) == keys(fixture("inbound_button_quick_reply.json"))
    assert keys(interactive) == keys(fixture("inbound_interactive_button_reply.json"))
    value = button["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["button"] == {"payload": "Unsubscribe", "text": "Unsubscribe"}
    assert value["messages"][0]["context"]["id"] == sent
    assert value["metadata"]["phone_number_id"] == phone


async def test_quality_update_webhook(sim: Sim, account: Account) -> None:
    phone = account.phones[1]
    r = await sim.client.post(
        "/_sim/quality",
        json={"phone_number_id": phone, "quality_rating": "YELLOW", "tier": "TIER_2K"},
    )
    assert r.status_code == 200
    await sim.flush()
    (payload,) = sim.receiver.ok_payloads("phone_number_quality_update")
    entry = payload["entry"][0]
    assert entry["id"] == account.waba_id and isinstance(entry["time"], int)
    value = entry["changes"][0]["value"]
    assert value == {
        "display_phone_number": value["display_phone_number"],
        "event": "UPGRADE",
        "current_limit": "TIER_2K",
        "old_limit": "TIER_250",
        "max_daily_conversations_per_business": "TIER_2K",
    }
    r = await sim.client.get(
        f"/v25.0/{phone}",
        headers=account.headers,
        params={"fields": "quality_rating,whatsapp_business_manager_messaging_limit,throughput"},
    )
    assert r.json() == {
        "quality_rating": "YELLOW",
        "whatsapp_business_manager_messaging_limit": "TIER_2K",
        "throughput": {"level": "STANDARD"},
        "id": phone,
    }
    await sim.client.post(
        "/_sim/quality", json={"phone_number_id": phone, "event": "THROUGHPUT_UPGRADE"}
    )
    r = await sim.client.get(
        f"/v25.0/{phone}", headers=account.headers, params={"fields": "throughput"}
    )
    assert r.json()["throughput"] == {"level": "HIGH"}


async def test_batching_several_statuses_changes_and_entries(make_sim: SimFactory) -> None:
    sim = await make_sim(batch_linger_s=20.0, max_batch=7)
    a = await sim.account(phone_numbers=2)
    b = await sim.account()
    for i in range(4):
        await sim.send(a, to=f"+4477009000{i}1", phone=i % 2)
        await sim.send(b, to=f"+4477009000{i}1")
    await sim.flush()
    payloads = sim.receiver.ok_payloads("messages")
    sizes = [
        sum(len(c["value"]["statuses"]) for e in p["entry"] for c in e["changes"]) for p in payloads
    ]
    assert max(sizes) == 7 and sum(sizes) == 24
    assert any(len(p["entry"]) == 2 for p in payloads)
    assert any(
        len(p["entry"][0]["changes"]) == 2 for p in payloads if p["entry"][0]["id"] == a.waba_id
    )


async def test_duplicates_and_reordering_are_seeded(make_sim: SimFactory) -> None:
    sim = await make_sim(duplicate_rate=0.5, reorder=True, reorder_rate=0.5, seed=3)
    account = await sim.account()
    wamids = [
        (await sim.send(account, to=f"+4477009{i:05d}")).json()["messages"][0]["id"]
        for i in range(20)
    ]
    await sim.flush()
    statuses = sim.receiver.statuses()
    counts = Counter((s["id"], s["status"]) for s in statuses)
    assert any(n > 1 for n in counts.values())  # duplicates
    assert {s["status"] for s in statuses} == {"sent", "delivered", "read"}
    order = [s for s in statuses if s["status"] in ("sent", "delivered")]
    first_seen: dict[str, str] = {}
    for s in order:
        first_seen.setdefault(s["id"], s["status"])
    assert "delivered" in first_seen.values()  # some delivered arrived before their sent
    assert set(first_seen) == set(wamids)


async def test_callbacks_disabled(make_sim: SimFactory) -> None:
    sim = await make_sim(callbacks_enabled=False)
    account = await sim.account()
    assert (await sim.send(account)).status_code == 200
    await sim.client.post(
        "/_sim/inbound",
        json={"phone_number_id": account.phones[0], "from": "447700900888", "text": "x"},
    )
    await sim.flush()
    assert sim.receiver.hits == []


async def test_subscription_required(make_sim: SimFactory) -> None:
    sim = await make_sim(require_subscription=True)
    account = await sim.account()
    await sim.send(account)
    await sim.flush()
    assert sim.receiver.hits == []
    r = await sim.client.post(f"/v25.0/{account.waba_id}/subscribed_apps", headers=account.headers)
    assert r.json() == {"success": True}
    await sim.send(account)
    await sim.flush()
    assert len(sim.receiver.statuses()) == 3


async def test_reset_and_runtime_config(sim: Sim, account: Account) -> None:
    r = await sim.client.patch(
        "/_sim/config", json={"status_delays_s": {"read": 0.5}, "pair_burst": 2}
    )
    assert r.status_code == 200
    assert r.json()["status_delays_s"] == {"sent": 0.05, "delivered": 1.0, "read": 0.5}
    assert (await sim.client.patch("/_sim/config", json={"nope": 1})).status_code == 422
    assert (await sim.client.patch("/_sim/config", json={"time_factor": -1})).status_code == 422
    codes = [(await sim.send(account, to="+447700900123")).status_code for _ in range(3)]
    assert codes == [200, 200, 400]
    assert (await sim.client.post("/_sim/reset", json={"config": True})).status_code == 200
    assert (await sim.client.get("/_sim/config")).json()["pair_burst"] == 45
    assert (await sim.client.get("/_sim/messages")).json()["items"] == []
    r = await sim.send(account)
    assert r.status_code == 401  # the provisioned WABA is gone; the dev WABA is back
    wabas = (await sim.client.get("/_sim/wabas")).json()["items"]
    assert [w["waba_id"] for w in wabas] == ["100000000000100"]
