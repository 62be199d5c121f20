"""Bad input, awkward data and concurrent writes on the contacts API: a clear problem, never a
500, and nothing lost or overwritten."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from qms.state import AppState
from tests.conftest import Account, signup


async def _workspace(client: httpx.AsyncClient) -> Account:
    owner = await signup(client)
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"default_country": "SD"}
    )
    assert r.status_code == 200, r.text
    return owner


async def _field(client: httpx.AsyncClient, owner: Account, key: str, kind: str) -> None:
    r = await client.post(
        "/api/v1/contacts/fields",
        headers=owner.headers,
        json={"key": key, "label": key.title(), "type": kind},
    )
    assert r.status_code == 201, r.text


def _raw(owner: Account, body: str) -> dict[str, object]:
    """A request whose JSON text is sent as written (NaN, 400-digit numbers, lone surrogates)."""
    return {
        "headers": {**owner.headers, "Content-Type": "application/json"},
        "content": body.encode(),
    }


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "number", ["1" + "0" * 400, "NaN", "Infinity", "1e300", str(2**53), str(-(2**53))]
)
async def test_numbers_a_client_cannot_read_back_are_refused(
    client: httpx.AsyncClient, number: str
) -> None:
    owner = await _workspace(client)
    await _field(client, owner, "orders", "number")
    body = f'{{"phone": "0912000001", "fields": {{"orders": {number}}}}}'
    r = await client.post("/api/v1/contacts", **_raw(owner, body))  # type: ignore[arg-type]
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "contacts.invalid_field_value" and r.json()["field"] == "orders"
    bulk = f'{{"contacts": [{body}]}}'
    r = await client.post("/api/v1/contacts/bulk", **_raw(owner, bulk))  # type: ignore[arg-type]
    assert r.json()["results"][0]["error"]["code"] == "contacts.invalid_field_value"
    # nothing was stored, and the list still reads
    r = await client.get("/api/v1/contacts", headers=owner.headers)
    assert r.status_code == 200 and r.json()["items"] == []


async def test_the_largest_safe_numbers_round_trip(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await _field(client, owner, "orders", "number")
    for number in (2**53 - 1, -(2**53 - 1), 0.5):
        r = await client.post(
            "/api/v1/contacts?upsert=true",
            headers=owner.headers,
            json={"phone": "0912000001", "fields": {"orders": number}},
        )
        assert r.status_code in (200, 201), r.text
        listed = (await client.get("/api/v1/contacts", headers=owner.headers)).json()["items"]
        assert listed[0]["fields"] == {"orders": number}


async def test_text_postgres_cannot_store_is_refused(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for body in ('{"phone": "0912000001", "name": "a\\ud800b"}', '{"phone": "0912\\u0000"}'):
        r = await client.post("/api/v1/contacts", **_raw(owner, body))  # type: ignore[arg-type]
        assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text


async def test_the_same_number_twice_in_one_bulk_call_loses_nothing_silently(
    client: httpx.AsyncClient,
) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={
            "contacts": [
                {
                    "phone": "0912000001",
                    "consent": {"status": "opted_out", "evidence": "Said STOP on a call"},
                },
                {
                    "phone": "+249912000001",
                    "consent": {"status": "opted_in", "evidence": "Ticked the box"},
                },
            ]
        },
    )
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["status"] == "created"
    assert second["status"] == "error"
    assert second["error"]["code"] == "contacts.duplicate_in_request"
    assert "item 0" in second["error"]["detail"]
    contact = (await client.get(f"/api/v1/contacts/{first['id']}", headers=owner.headers)).json()
    assert contact["marketing_consent"] == "opted_out"


async def test_sort_by_name_lists_contacts_without_a_name(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    names = ["Badr", None, "Amna", None, "Citra", "Amna"]
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={"contacts": [{"phone": f"091200000{i}", "name": n} for i, n in enumerate(names)]},
    )
    ids = [x["id"] for x in r.json()["results"]]
    for sort, expected in (
        ("name", [None, None, "Amna", "Amna", "Badr", "Citra"]),
        ("-name", ["Citra", "Badr", "Amna", "Amna", None, None]),
    ):
        seen: list[dict[str, object]] = []
        cursor = None
        while True:
            url = f"/api/v1/contacts?limit=2&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(url, headers=owner.headers)).json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [c["name"] for c in seen] == expected
        assert sorted(str(c["id"]) for c in seen) == sorted(ids)


@pytest.mark.parametrize(
    ("sort", "position"),
    [
        ("name", {"s": "name", "v": "a\x00", "id": "00000000-0000-0000-0000-000000000000"}),
        ("name", {"s": "name", "v": "\ud800", "id": "00000000-0000-0000-0000-000000000000"}),
        ("name", {"s": "name", "v": 5, "id": "00000000-0000-0000-0000-000000000000"}),
        (
            "-created_at",
            {
                "s": "-created_at",
                "v": "0001-01-01T00:00:00+14:00",
                "id": "00000000-0000-0000-0000-000000000000",
            },
        ),
        (
            "-created_at",
            {
                "s": "-created_at",
                "v": "9999-12-31T23:59:59-23:59",
                "id": "00000000-0000-0000-0000-000000000000",
            },
        ),
        ("-created_at", {"s": "-created_at", "v": "2026-01-01T00:00:00", "id": "x"}),
        # a position in one order means nothing in another
        ("name", {"s": "-created_at", "v": "2026-01-01T00:00:00+00:00", "id": "0" * 32}),
    ],
)
async def test_forged_contact_cursors_are_422(
    client: httpx.AsyncClient, sort: str, position: dict[str, object]
) -> None:
    owner = await _workspace(client)
    r = await client.get(
        f"/api/v1/contacts?sort={sort}&cursor={_cursor(position)}", headers=owner.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "pagination.invalid_cursor", r.text


@pytest.mark.parametrize(
    "position",
    [
        {"at": "2024-01-01T00:00:00+00:00", "id": 123},
        {"at": "2024-01-01T00:00:00+00:00", "id": ["x"]},
        {"at": "0001-01-01T00:00:00+14:00", "id": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_forged_suppression_cursors_are_422(
    client: httpx.AsyncClient, position: dict[str, object]
) -> None:
    owner = await _workspace(client)
    r = await client.get(f"/api/v1/suppressions?cursor={_cursor(position)}", headers=owner.headers)
    assert r.status_code == 422 and r.json()["code"] == "pagination.invalid_cursor", r.text


async def test_a_nul_in_a_path_is_404(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for method, path in (
        ("GET", "/api/v1/optin/%00"),
        ("POST", "/optin/%00"),
        ("DELETE", "/api/v1/contacts/fields/%00"),
        ("GET", "/assets/%00.js"),
    ):
        r = await client.request(method, path, headers=owner.headers)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "not_found"


async def test_timestamps_without_a_utc_form_are_422(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/api-keys",
        headers=owner.headers,
        json={"name": "k", "scopes": ["contacts:read"], "expires_at": "9999-12-31T23:59:59-23:59"},
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    r = await client.get(
        "/api/v1/audit-events?since=0001-01-01T00:00:00%2B14:00", headers=owner.headers
    )
    assert r.status_code == 422, r.text


async def test_unknown_country_and_time_zone_are_422(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for extra in ({"country": "XX"}, {"timezone": "Not/AZone"}):
        r = await client.post(
            "/api/v1/contacts", headers=owner.headers, json={"phone": "0912000001", **extra}
        )
        assert r.status_code == 422 and r.json()["code"] == "validation_error", r.text
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"default_country": "XX"}
    )
    assert r.status_code == 422


async def test_keywords_that_match_nothing_are_refused(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for body, code in (
        ({"opt_out": ["!!!"], "opt_in": ["START"]}, "consent.invalid_keyword"),
        ({"opt_out": ["STOP", "🛑"]}, "consent.invalid_keyword"),
        ({"opt_out": ["x" * 65]}, "validation_error"),
        ({"opt_out": ["STOP"], "opt_in": ["stop!"]}, "consent.keyword_conflict"),
    ):
        r = await client.put("/api/v1/consent/keywords", headers=owner.headers, json=body)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
    # the defaults are still in force
    current = (await client.get("/api/v1/consent/keywords", headers=owner.headers)).json()
    assert "stop" in current["opt_out"]


async def test_custom_fields_cannot_take_a_contacts_own_names(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for key in ("phone", "name", "tags", "marketing_consent"):
        r = await client.post(
            "/api/v1/contacts/fields",
            headers=owner.headers,
            json={"key": key, "label": "X", "type": "text"},
        )
        assert r.status_code == 422 and r.json()["code"] == "contacts.reserved_field_key", key
    await _field(client, owner, "city", "text")
    r = await client.post(
        "/api/v1/contacts/fields",
        headers=owner.headers,
        json={"key": "city", "label": "Town", "type": "number"},
    )
    assert r.status_code == 409 and r.json()["code"] == "contacts.field_exists"


async def test_search_understands_arabic_indic_digits_and_local_prefixes(
    client: httpx.AsyncClient,
) -> None:
    owner = await _workspace(client)
    await client.post("/api/v1/contacts", headers=owner.headers, json={"phone": "0912345678"})
    for q in ("٩١٢٣٤٥", "۹۱۲۳۴۵", "912345", "0912345678", "٠٩١٢٣٤٥", "00249912"):
        items = (await client.get(f"/api/v1/contacts?q={q}", headers=owner.headers)).json()["items"]
        assert [c["phone"] for c in items] == ["+249912345678"], q


async def test_exports_do_not_carry_spreadsheet_formulas(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await _field(client, owner, "note", "text")
    r = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={
            "phone": "0912000001",
            "name": '=HYPERLINK("http://evil.example")',
            "tags": ["@sum"],
            "fields": {"note": "+1+1"},
            "consent": {"status": "opted_in", "evidence": "=cmd|' /C calc'!A0"},
        },
    )
    assert r.status_code == 201, r.text
    contact_id = r.json()["id"]
    response = await client.get("/api/v1/contacts/export", headers=owner.headers)
    exported = response.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(exported)))
    record = dict(zip(header, row, strict=True))
    assert record["phone"] == "+249912000001"  # our own E.164, left as it is
    assert record["name"] == '\'=HYPERLINK("http://evil.example")'
    assert record["tags"] == "'@sum" and record["note"] == "'+1+1"
    history = await client.get(
        f"/api/v1/contacts/{contact_id}/consent/export?format=csv", headers=owner.headers
    )
    assert history.content.startswith(b"\xef\xbb\xbf")
    [event] = list(csv.DictReader(io.StringIO(history.content.decode("utf-8-sig"))))
    assert event["evidence"] == "'=cmd|' /C calc'!A0"


# Races need real transactions: these tests commit, through the app's own connection pool.


@pytest.fixture
async def live(app_state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    await app_state.redis.flushdb()
    transport = httpx.ASGITransport(app=app_state.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_concurrent_creates_of_one_number_make_one_contact(
    live: httpx.AsyncClient,
) -> None:
    owner = await _workspace(live)
    responses = await asyncio.gather(
        *(
            live.post(
                "/api/v1/contacts",
                headers=owner.headers,
                json={"phone": "0912000001", "name": f"writer {i}"},
            )
            for i in range(8)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, [r.text for r in responses]
    [created] = [r.json() for r in responses if r.status_code == 201]
    stored = (await live.get(f"/api/v1/contacts/{created['id']}", headers=owner.headers)).json()
    assert stored["name"] == created["name"]
    assert all(
        r.json().get("contact_id") == created["id"] for r in responses if r.status_code == 409
    )


async def test_concurrent_definitions_of_one_field_make_one(live: httpx.AsyncClient) -> None:
    owner = await _workspace(live)
    responses = await asyncio.gather(
        *(
            live.post(
                "/api/v1/contacts/fields",
                headers=owner.headers,
                json={"key": "city", "label": f"City {i}", "type": "text"},
            )
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]


async def test_concurrent_bulk_calls_in_opposite_orders_do_not_deadlock(
    live: httpx.AsyncClient,
) -> None:
    owner = await _workspace(live)
    phones = [f"09120001{i:02d}" for i in range(40)]
    for _ in range(3):
        responses = await asyncio.gather(
            *(
                live.post(
                    "/api/v1/contacts/bulk",
                    headers=owner.headers,
                    json={"contacts": [{"phone": p, "name": f"n{k}"} for p in order]},
                )
                for k, order in enumerate((phones, phones[::-1]) * 2)
            )
        )
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]


async def test_dates_are_stored_in_one_form(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await _field(client, owner, "born", "date")
    for given in ("2024-01-01", "20240101", "2024-W01-1"):
        r = await client.post(
            "/api/v1/contacts?upsert=true",
            headers=owner.headers,
            json={"phone": "0912000001", "fields": {"born": given}},
        )
        assert r.status_code in (200, 201) and r.json()["fields"] == {"born": "2024-01-01"}, given


async def test_count_matches_what_a_bulk_action_covers(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    other = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={
            "contacts": [
                {"phone": f"09120003{i:02d}", "tags": ["vip"] if i % 3 == 0 else []}
                for i in range(10)
            ]
        },
    )
    assert r.json()["created"] == 10
    count = await client.get("/api/v1/contacts/count?tag=vip", headers=owner.headers)
    assert count.status_code == 200 and count.json() == {"count": 4}
    assert (await client.get("/api/v1/contacts/count", headers=owner.headers)).json()["count"] == 10
    assert (await client.get("/api/v1/contacts/count", headers=other.headers)).json()["count"] == 0
    r = await client.post(
        "/api/v1/contacts/bulk-actions",
        headers=owner.headers,
        json={"action": "delete", "filter": {"tag": "vip"}},
    )
    assert r.json()["affected"] == 4


async def test_list_names_are_unique_per_workspace(client: httpx.AsyncClient) -> None:
    owner, other = await _workspace(client), await _workspace(client)
    r = await client.post("/api/v1/lists", headers=owner.headers, json={"name": "Ramadan"})
    assert r.status_code == 201
    first = r.json()["id"]
    r = await client.post("/api/v1/lists", headers=owner.headers, json={"name": "ramadan"})
    assert r.status_code == 409 and r.json()["code"] == "lists.name_exists"
    # another workspace may use the name; renaming onto a taken name is refused too
    r = await client.post("/api/v1/lists", headers=other.headers, json={"name": "Ramadan"})
    assert r.status_code == 201
    second = (
        await client.post("/api/v1/lists", headers=owner.headers, json={"name": "Eid"})
    ).json()
    r = await client.patch(
        f"/api/v1/lists/{second['id']}", headers=owner.headers, json={"name": "RAMADAN"}
    )
    assert r.status_code == 409 and r.json()["code"] == "lists.name_exists"
    lists = (await client.get("/api/v1/lists", headers=owner.headers)).json()["items"]
    assert sorted(x["name"] for x in lists) == ["Eid", "Ramadan"]
    assert first in {x["id"] for x in lists}


@pytest.mark.parametrize("depth", [100, 900, 921, 990, 5000])
async def test_deeply_nested_bodies_are_refused_not_crashed(
    client: httpx.AsyncClient, depth: int
) -> None:
    owner = await _workspace(client)
    definition = '{"not": ' * depth + '{"field": "name", "op": "eq", "value": "a"}' + "}" * depth
    body = f'{{"name": "deep", "definition": {definition}}}'
    r = await client.post("/api/v1/segments", **_raw(owner, body))  # type: ignore[arg-type]
    assert r.status_code in (400, 422), r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_pages_by_long_arabic_and_emoji_names(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    names = ["ش" * 200, "ض" * 200, "😀" * 200, "ع" * 199]
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={"contacts": [{"phone": f"091200040{i}", "name": n} for i, n in enumerate(names)]},
    )
    assert r.json()["created"] == 4
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/v1/contacts?limit=1&sort=name" + (f"&cursor={cursor}" if cursor else "")
        r = await client.get(url, headers=owner.headers)
        assert r.status_code == 200, r.text
        seen += [c["name"] for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(names)
