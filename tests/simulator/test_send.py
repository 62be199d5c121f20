"""The send endpoint: auth, exact success and error bodies, template checks, limits and the
deterministic number rules."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from qms.simulator.core import DEV_PHONE_IDS, normalise_to
from tests.simulator.conftest import SPRING, Account, Sim, SimFactory, fixture, shape, spring_params


def error(r: Any) -> dict[str, Any]:
    body: dict[str, Any] = r.json()["error"]
    assert (
        body["type"]
        and body["fbtrace_id"]
        and body["message"].startswith(("(#", "Unsupported", "An access", "Invalid OAuth"))
    )
    return body


# Auth ------------------------------------------------------------------------------------------


async def test_missing_or_unknown_token_is_190(sim: Sim, account: Account) -> None:
    url = f"/v25.0/{account.phones[0]}/messages"
    body = {
        "messaging_product": "whatsapp",
        "to": "+16505551234",
        "type": "text",
        "text": {"body": "hi"},
    }
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = await sim.client.post(url, json=body, headers=headers)
        assert r.status_code == 401
        err = error(r)
        assert err["code"] == 190 and err["type"] == "OAuthException"
        assert "error_data" not in err
        assert r.headers["www-authenticate"].startswith('OAuth "Facebook Platform"')
        assert set(r.json()["error"]) <= set(fixture("api_error_190.json")["error"])
    # Management calls too.
    r = await sim.client.get(f"/v25.0/{account.waba_id}/message_templates")
    assert r.status_code == 401 and r.json()["error"]["code"] == 190
    # The token is also accepted as the access_token query parameter, as Graph does.
    r = await sim.client.get(f"/v25.0/{account.phones[0]}", params={"access_token": account.token})
    assert r.status_code == 200


async def test_token_only_reaches_its_own_waba(sim: Sim) -> None:
    a = await sim.account()
    b = await sim.account()
    assert len({a.waba_id, b.waba_id, *a.phones, *b.phones}) == 4
    r = await sim.client.post(
        f"/v25.0/{b.phones[0]}/messages",
        headers=a.headers,
        json={
            "messaging_product": "whatsapp",
            "to": "+16505551234",
            "type": "template",
            "template": {"name": "hello_world", "language": {"code": "en_US"}},
        },
    )
    assert r.status_code == 400
    err = error(r)
    assert err["code"] == 100 and err["error_subcode"] == 33
    assert err["type"] == "GraphMethodException"
    assert err["message"].startswith(f"Unsupported post request. Object with ID '{b.phones[0]}'")
    for path in (
        f"/v25.0/{b.phones[0]}",
        f"/v25.0/{b.waba_id}/phone_numbers",
        f"/v25.0/{b.waba_id}/message_templates",
    ):
        r = await sim.client.get(path, headers=a.headers)
        assert r.status_code == 400, path
        assert r.json()["error"]["message"].startswith("Unsupported get request")
    # A token provisioned for both reaches both.
    c = await sim.account(access_token=a.token)
    r = await sim.send(Account(c.waba_id, a.token, c.phones))
    assert r.status_code == 200


# Success ---------------------------------------------------------------------------------------


async def test_template_send_success_body(sim: Sim, account: Account) -> None:
    r = await sim.send(account, to="+1 (650) 555-1234")
    assert r.status_code == 200, r.text
    data = r.json()
    sample = fixture("api_send_template_response.json")
    assert shape(data) == shape(sample)
    assert data["messaging_product"] == "whatsapp"
    assert data["contacts"] == [{"input": "+1 (650) 555-1234", "wa_id": "16505551234"}]
    (message,) = data["messages"]
    assert message["message_status"] == "accepted"
    assert message["id"].startswith("wamid.") and len(message["id"]) > 30
    assert r.headers["content-type"].startswith("application/json")
    # Text sends carry no message_status.
    r = await sim.client.post(
        f"/v25.0/{account.phones[0]}/messages",
        headers=account.headers,
        json={
            "messaging_product": "whatsapp",
            "to": "16505551234",
            "type": "text",
            "text": {"preview_url": False, "body": "hello"},
        },
    )
    assert r.status_code == 200
    assert set(r.json()["messages"][0]) == {"id"}
    # wamids are unique, and what was sent can be inspected.
    r2 = await sim.send(account)
    assert r2.json()["messages"][0]["id"] != message["id"]
    listed = (await sim.client.get("/_sim/messages", params={"to": "+16505551234"})).json()["items"]
    assert listed[0]["wamid"] == message["id"]
    assert listed[0]["request"]["template"]["name"] == "hello_world"


async def test_any_graph_version_is_accepted(sim: Sim, account: Account) -> None:
    body = {
        "messaging_product": "whatsapp",
        "to": "+16505551234",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }
    for version in ("v19.0", "v23.0", "v26.0"):
        r = await sim.client.post(
            f"/{version}/{account.phones[0]}/messages", json=body, headers=account.headers
        )
        assert r.status_code == 200
    r = await sim.client.get(f"/v25/{account.phones[0]}", headers=account.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == 2500


def test_to_normalisation() -> None:
    assert normalise_to("+16505551234", "1") == "16505551234"
    assert normalise_to("+44 7700-900123", "1") == "447700900123"
    assert normalise_to("(631) 555-1234", "91") == "916315551234"  # Meta's own example
    assert normalise_to("16505551234", "1") == "16505551234"
    assert normalise_to("abc", "1") is None
    assert normalise_to("+123", "1") is None


# Request validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "status", "code", "fragment"),
    [
        ({"messaging_product": None}, 400, 100, "The parameter messaging_product is required."),
        ({"messaging_product": "sms"}, 400, 100, "Param messaging_product must be one of"),
        ({"to": None}, 400, 131008, "The parameter to is required."),
        ({"to": "not a number"}, 400, 131009, "not a valid phone number"),
        ({"type": "fax"}, 400, 100, "Param type must be one of"),
        ({"template": None}, 400, 131008, "The parameter template is required."),
        ({"template": {"name": "hello_world"}}, 400, 131008, "['language']['code'] is required"),
        (
            {"template": {"name": "hello_world", "language": {"code": "en"}}},
            404,
            132001,
            "template name (hello_world) does not exist in en",
        ),
        (
            {"template": {"name": "nope", "language": {"code": "en_US"}}},
            404,
            132001,
            "template name (nope) does not exist in en_US",
        ),
        ({"biz_opaque_callback_data": "x" * 513}, 400, 100, "biz_opaque_callback_data"),
    ],
)
async def test_invalid_requests(
    sim: Sim, account: Account, patch: dict[str, Any], status: int, code: int, fragment: str
) -> None:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": "+16505551234",
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }
    for key, value in patch.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    r = await sim.client.post(
        f"/v25.0/{account.phones[0]}/messages", json=body, headers=account.headers
    )
    assert r.status_code == status, r.text
    err = error(r)
    assert err["code"] == code
    assert fragment in err["message"] + err.get("error_data", {}).get("details", "")
    if code == 132001:
        assert shape(r.json()) == shape(fixture("api_error_132001.json"))
    if "error_data" in err:
        assert err["error_data"]["messaging_product"] == "whatsapp"


async def test_template_parameter_counts_and_status(sim: Sim, account: Account) -> None:
    tid = await sim.template(account, "spring_sale", SPRING, language="en")
    ok = await sim.send(account, name="spring_sale", language="en", components=spring_params())
    assert ok.status_code == 200, ok.text

    r = await sim.send(account, name="spring_sale", language="en", components=spring_params(body=2))
    assert r.status_code == 400
    err = error(r)
    assert err["code"] == 132000
    assert (
        err["message"]
        == "(#132000) Number of parameters does not match the expected number of params"
    )
    assert err["error_data"]["details"] == (
        "body: number of localizable_params (2) does not match the expected number of params (3)"
    )
    r = await sim.send(
        account, name="spring_sale", language="en", components=spring_params(header=0)
    )
    assert r.json()["error"]["error_data"]["details"].startswith(
        "header: number of localizable_params (0)"
    )
    r = await sim.send(
        account, name="spring_sale", language="en", components=spring_params(url=False)
    )
    assert r.json()["error"]["code"] == 132000
    r = await sim.send(account, name="spring_sale", language="en", components=None)
    assert r.json()["error"]["code"] == 132000
    bad = spring_params()
    bad[1]["parameters"][0] = {"type": "text", "text": "two\nlines"}
    r = await sim.send(account, name="spring_sale", language="en", components=bad)
    assert r.json()["error"]["code"] == 100
    assert "new-line" in r.json()["error"]["error_data"]["details"]
    bad = spring_params()
    bad[1]["parameters"][0] = {"type": "text", "text": ""}
    assert (await sim.send(account, name="spring_sale", language="en", components=bad)).json()[
        "error"
    ]["code"] == 131008
    bad = spring_params()
    bad[3]["index"] = "5"
    r = await sim.send(account, name="spring_sale", language="en", components=bad)
    assert r.json()["error"]["code"] == 131009
    assert (
        r.json()["error"]["error_data"]["details"] == "Button at index 5 of type Url does not exist"
    )

    for event, code in (("PAUSED", 132015), ("DISABLED", 132016)):
        r = await sim.client.post(f"/_sim/templates/{tid}/status", json={"event": event})
        assert r.status_code == 200
        r = await sim.send(account, name="spring_sale", language="en", components=spring_params())
        assert r.status_code == 400
        assert error(r)["code"] == code
    # A template still in review is unknown to sends.
    await sim.template(account, "in_review", SPRING, status="PENDING")
    r = await sim.send(account, name="in_review", components=spring_params())
    assert r.status_code == 404 and r.json()["error"]["code"] == 132001


async def test_named_parameters(sim: Sim, account: Account) -> None:
    components = [
        {
            "type": "BODY",
            "text": "Thank you, {{first_name}}! Your order {{order_id}} is confirmed.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Pablo"},
                    {"param_name": "order_id", "example": "123"},
                ]
            },
        }
    ]
    await sim.template(
        account, "order_named", components, parameter_format="NAMED", category="UTILITY"
    )
    params = [
        {"type": "text", "parameter_name": "order_id", "text": "9"},
        {"type": "text", "parameter_name": "first_name", "text": "Ann"},
    ]
    r = await sim.send(
        account, name="order_named", components=[{"type": "body", "parameters": params}]
    )
    assert r.status_code == 200, r.text
    params[0]["parameter_name"] = "other"
    r = await sim.send(
        account, name="order_named", components=[{"type": "body", "parameters": params}]
    )
    assert r.json()["error"]["code"] == 131009


# Limits ----------------------------------------------------------------------------------------


async def test_throughput_limit_130429(make_sim: SimFactory) -> None:
    sim = await make_sim(throughput_per_number=10)
    account = await sim.account(phone_numbers=2)
    codes = []
    for i in range(15):
        r = await sim.send(account, to=f"+4477009{i:05d}")
        codes.append(r.json()["error"]["code"] if r.status_code != 200 else 200)
    assert codes[:10] == [200] * 10
    assert codes.count(130429) >= 4
    r = await sim.send(account, to="+447700999999")
    assert r.status_code == 400
    assert shape(r.json()) == shape(fixture("api_error_130429.json"))
    assert (
        r.json()["error"]["error_data"]["details"]
        == fixture("api_error_130429.json")["error"]["error_data"]["details"]
    )
    # The limit is per phone number.
    r = await sim.send(account, to="+447700999998", phone=1)
    assert r.status_code == 200


async def test_pair_rate_limit_131056(make_sim: SimFactory) -> None:
    sim = await make_sim(pair_burst=3, pair_rate_interval_s=0.05)
    account = await sim.account()
    codes = [(await sim.send(account, to="+447700900001")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 400]
    r = await sim.send(account, to="+447700900001")
    assert r.json()["error"]["code"] == 131056
    assert shape(r.json()) == shape(fixture("api_error_131056.json"))
    # Other recipients are unaffected; after the interval one more message may go.
    assert (await sim.send(account, to="+447700900002")).status_code == 200
    await asyncio.sleep(0.06)
    assert (await sim.send(account, to="+447700900001")).status_code == 200


@pytest.mark.parametrize(
    ("suffix", "status", "code"),
    [
        ("0429", 400, 130429),
        ("1056", 400, 131056),
        ("1048", 400, 131048),
        ("1000", 500, 131000),
        ("1016", 500, 131016),
    ],
)
async def test_deterministic_sync_rules(
    sim: Sim, account: Account, suffix: str, status: int, code: int
) -> None:
    r = await sim.send(account, to=f"+4477009{suffix}")
    assert r.status_code == status
    assert error(r)["code"] == code


async def test_fail_once_rule(sim: Sim, account: Account) -> None:
    first = await sim.send(account, to="+447700901001")
    assert first.status_code == 500 and first.json()["error"]["code"] == 131000
    assert (await sim.send(account, to="+447700901001")).status_code == 200


async def test_random_failures_are_seeded(make_sim: SimFactory) -> None:
    async def outcome() -> list[int]:
        sim = await make_sim(random_failure_rate=0.3, seed=11)
        account = await sim.account()
        return [(await sim.send(account, to=f"+4477009{i:05d}")).status_code for i in range(30)]

    first = await outcome()
    assert 500 in first and 200 in first
    assert first == await outcome()


async def test_dev_waba_is_seeded(sim: Sim) -> None:
    headers = {"Authorization": "Bearer sim-dev-access-token"}
    r = await sim.client.get(
        f"/v25.0/{DEV_PHONE_IDS[0]}", headers=headers, params={"fields": "display_phone_number"}
    )
    assert r.json() == {"display_phone_number": "+1 555-010-0001", "id": DEV_PHONE_IDS[0]}


async def test_refilled_pair_buckets_are_forgotten(make_sim: SimFactory) -> None:
    sim = await make_sim(pair_rate_interval_s=0.001)
    account = await sim.account()
    sim.core._pairs_limit = 3
    for i in range(3):
        assert (await sim.send(account, to=f"+4477009{i:05d}")).status_code == 200
    await asyncio.sleep(0.01)  # every bucket refills in 1 ms
    assert (await sim.send(account, to="+447700912345")).status_code == 200
    assert list(sim.core.store.pairs) == [(account.phones[0], "447700912345")]
