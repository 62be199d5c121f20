from __future__ import annotations

import httpx

from tests.conftest import Account, signup


async def _workspace(client: httpx.AsyncClient) -> Account:
    owner = await signup(client)
    await client.patch("/api/v1/workspace", headers=owner.headers, json={"default_country": "SD"})
    return owner


async def test_create_normalises_and_infers(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={"phone": "٠٩١٢٣٤٥٦٧٨", "name": "Amna", "tags": ["vip", "vip"]},
    )
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["phone"] == "+249912345678"
    assert contact["country"] == "SD" and contact["timezone"] == "Africa/Khartoum"
    assert contact["tags"] == ["vip"] and contact["marketing_consent"] == "none"


async def test_invalid_phone_is_422_naming_the_value(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    r = await client.post("/api/v1/contacts", headers=owner.headers, json={"phone": "12345"})
    assert r.status_code == 422
    assert r.json()["code"] == "contacts.invalid_phone" and r.json()["value"] == "12345"


async def test_duplicate_phone_is_409_or_upsert(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    first = (
        await client.post(
            "/api/v1/contacts", headers=owner.headers, json={"phone": "0912345678", "name": "A"}
        )
    ).json()
    r = await client.post(
        "/api/v1/contacts", headers=owner.headers, json={"phone": "+249912345678", "name": "B"}
    )
    assert r.status_code == 409
    assert r.json()["code"] == "contacts.duplicate_phone"
    assert r.json()["contact_id"] == first["id"]
    r = await client.post(
        "/api/v1/contacts?upsert=true",
        headers=owner.headers,
        json={"phone": "+249912345678", "name": "B"},
    )
    assert r.status_code == 200 and r.json()["id"] == first["id"] and r.json()["name"] == "B"


async def test_custom_fields_are_typed(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for key, kind in (
        ("city", "text"),
        ("orders", "number"),
        ("birthday", "date"),
        ("vip", "boolean"),
    ):
        r = await client.post(
            "/api/v1/contacts/fields",
            headers=owner.headers,
            json={"key": key, "label": key.title(), "type": kind},
        )
        assert r.status_code == 201
    ok = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={
            "phone": "0912345678",
            "fields": {"city": "Omdurman", "orders": 3, "birthday": "1990-05-01", "vip": True},
        },
    )
    assert ok.status_code == 201, ok.text
    for bad in ({"orders": "three"}, {"birthday": "yesterday"}, {"vip": "yes"}, {"unknown": 1}):
        r = await client.post(
            "/api/v1/contacts", headers=owner.headers, json={"phone": "0912345679", "fields": bad}
        )
        assert r.status_code == 422, bad
    r = await client.get("/api/v1/contacts?field=city:Omdurman", headers=owner.headers)
    assert [c["phone"] for c in r.json()["items"]] == ["+249912345678"]


async def test_bulk_upsert_reports_each_item(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await client.post("/api/v1/contacts", headers=owner.headers, json={"phone": "0912000001"})
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={
            "on_duplicate": "update",
            "contacts": [
                {"phone": "0912000001", "name": "existing"},
                {"phone": "0912000002", "name": "new"},
                {"phone": "bad"},
                {
                    "phone": "0912000003",
                    "consent": {"status": "opted_in", "evidence": "Signed the paper form in shop"},
                },
            ],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["results"]] == ["updated", "created", "error", "created"]
    assert body["results"][2]["error"]["code"] == "contacts.invalid_phone"
    assert (body["created"], body["updated"], body["errors"]) == (2, 1, 1)
    listed = (await client.get("/api/v1/contacts?consent=opted_in", headers=owner.headers)).json()[
        "items"
    ]
    assert [c["phone"] for c in listed] == ["+249912000003"]


async def test_keyset_pagination_and_search(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts/bulk",
        headers=owner.headers,
        json={
            "contacts": [
                {"phone": f"09120001{i:02d}", "name": f"Person {i:02d}"} for i in range(25)
            ]
        },
    )
    assert r.json()["created"] == 25
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/v1/contacts?limit=10&sort=name" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=owner.headers)).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Person {i:02d}" for i in range(25)]
    newest = (await client.get("/api/v1/contacts?limit=5", headers=owner.headers)).json()
    assert len(newest["items"]) == 5 and newest["next_cursor"]
    found = (await client.get("/api/v1/contacts?q=person 07", headers=owner.headers)).json()
    assert [c["name"] for c in found["items"]] == ["Person 07"]
    by_digits = (await client.get("/api/v1/contacts?q=912000107", headers=owner.headers)).json()
    assert [c["name"] for c in by_digits["items"]] == ["Person 07"]
    # blank filters filter nothing; a bad one is a 422 naming it
    blank = await client.get("/api/v1/contacts?limit=5&tag=&q=%20&field=", headers=owner.headers)
    assert blank.status_code == 200 and blank.json() == newest
    bad = await client.get("/api/v1/contacts?consent=maybe", headers=owner.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    assert any("consent" in error["loc"] for error in bad.json()["errors"])


async def test_bulk_actions_lists_segments_and_export(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    ids = [
        r["id"]
        for r in (
            await client.post(
                "/api/v1/contacts/bulk",
                headers=owner.headers,
                json={
                    "contacts": [{"phone": f"09120002{i:02d}", "name": f"C{i}"} for i in range(6)]
                },
            )
        ).json()["results"]
    ]
    r = await client.post(
        "/api/v1/contacts/bulk-actions",
        headers=owner.headers,
        json={"action": "tag", "ids": ids[:3], "tag": "vip"},
    )
    assert r.json()["affected"] == 3
    lst = (
        await client.post("/api/v1/lists", headers=owner.headers, json={"name": "Ramadan"})
    ).json()
    r = await client.post(
        "/api/v1/contacts/bulk-actions",
        headers=owner.headers,
        json={"action": "add_to_list", "filter": {"tag": "vip"}, "list_id": lst["id"]},
    )
    assert r.json()["affected"] == 3
    assert (await client.get(f"/api/v1/lists/{lst['id']}", headers=owner.headers)).json()[
        "members"
    ] == 3
    segment = (
        await client.post(
            "/api/v1/segments",
            headers=owner.headers,
            json={
                "name": "VIP in list",
                "definition": {
                    "all": [
                        {"field": "tag", "op": "eq", "value": "vip"},
                        {"field": "list", "op": "eq", "value": lst["id"]},
                        {"not": {"field": "name", "op": "eq", "value": "C0"}},
                    ]
                },
            },
        )
    ).json()
    count = (
        await client.get(f"/api/v1/segments/{segment['id']}/count", headers=owner.headers)
    ).json()
    assert count == {"count": 2}
    bad = await client.post(
        "/api/v1/segments",
        headers=owner.headers,
        json={"name": "x", "definition": {"field": "nope", "op": "eq", "value": 1}},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "segments.invalid_definition"
    export = await client.get("/api/v1/contacts/export?tag=vip", headers=owner.headers)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("phone,name") and len(lines) == 4
    r = await client.post(
        "/api/v1/contacts/bulk-actions",
        headers=owner.headers,
        json={"action": "delete", "ids": ids[:2]},
    )
    assert r.json()["affected"] == 2
    assert (
        await client.get(f"/api/v1/contacts/{ids[0]}", headers=owner.headers)
    ).status_code == 404
