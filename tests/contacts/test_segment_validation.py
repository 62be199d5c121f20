"""Segment definitions are validated in full when saved, and a saved segment always evaluates:
to a count, or to a problem naming the condition that no longer fits the workspace."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.dialects import postgresql

from qms.contacts.segments import MAX_IN_VALUES, compile_segment
from tests.conftest import Account, signup


async def _field(client: httpx.AsyncClient, owner: Account, key: str, kind: str) -> None:
    r = await client.post(
        "/api/v1/contacts/fields",
        headers=owner.headers,
        json={"key": key, "label": key.title(), "type": kind},
    )
    assert r.status_code == 201, r.text


async def _workspace(client: httpx.AsyncClient) -> Account:
    owner = await signup(client)
    await client.patch("/api/v1/workspace", headers=owner.headers, json={"default_country": "SD"})
    for key, kind in (("txt", "text"), ("num", "number"), ("dt", "date"), ("flag", "boolean")):
        await _field(client, owner, key, kind)
    return owner


async def _contacts(client: httpx.AsyncClient, owner: Account, rows: list[dict[str, Any]]) -> None:
    r = await client.post("/api/v1/contacts/bulk", headers=owner.headers, json={"contacts": rows})
    assert r.status_code == 200, r.text
    assert all(result["status"] == "created" for result in r.json()["results"]), r.text


async def _save(
    client: httpx.AsyncClient, owner: Account, definition: dict[str, Any]
) -> httpx.Response:
    # Encoded by hand: JSON's escapes carry text UTF-8 can't (a lone surrogate).
    return await client.post(
        "/api/v1/segments",
        headers={**owner.headers, "Content-Type": "application/json"},
        content=json.dumps({"name": "s", "definition": definition}),
    )


async def _count(client: httpx.AsyncClient, owner: Account, definition: dict[str, Any]) -> int:
    r = await _save(client, owner, definition)
    assert r.status_code == 201, r.text
    counted = await client.get(f"/api/v1/segments/{r.json()['id']}/count", headers=owner.headers)
    assert counted.status_code == 200, counted.text
    return int(counted.json()["count"])


def _assert_invalid(r: httpx.Response, loc: list[str]) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "segments.invalid_definition", body
    assert loc in [error["loc"] for error in body["errors"]], body


BAD_DEFINITIONS = [
    # wrong value types (bug 1)
    ({"field": "name", "op": "gt", "value": {"a": 1}}, ["definition", "value"]),
    ({"field": "name", "op": "eq", "value": 123}, ["definition", "value"]),
    ({"field": "country", "op": "in", "value": [1, {}]}, ["definition", "value", "0"]),
    ({"field": "consent.marketing", "op": "eq", "value": 5}, ["definition", "value"]),
    ({"field": "consent.marketing", "op": "eq", "value": "maybe"}, ["definition", "value"]),
    ({"field": "fields.txt", "op": "eq", "value": {"a": 1}}, ["definition", "value"]),
    ({"field": "fields.num", "op": "eq", "value": "1"}, ["definition", "value"]),
    ({"field": "fields.num", "op": "gt", "value": True}, ["definition", "value"]),
    # a number jsonb would hand back as infinity (the saved definition could not be read)
    ({"field": "fields.num", "op": "eq", "value": 10**400}, ["definition", "value"]),
    ({"field": "fields.num", "op": "in", "value": [1, 2**53]}, ["definition", "value", "1"]),
    ({"field": "fields.dt", "op": "gt", "value": "yesterday"}, ["definition", "value"]),
    ({"field": "tag", "op": "eq", "value": 7}, ["definition", "value"]),
    ({"field": "list", "op": "eq", "value": "not-a-uuid"}, ["definition", "value"]),
    ({"field": "phone", "op": "exists", "value": "yes"}, ["definition", "value"]),
    # text operators on typed custom fields (bug 1)
    ({"field": "fields.num", "op": "contains", "value": "1"}, ["definition", "op"]),
    ({"field": "fields.dt", "op": "contains", "value": "2020"}, ["definition", "op"]),
    ({"field": "fields.dt", "op": "starts_with", "value": "2020"}, ["definition", "op"]),
    # out-of-range datetimes (bug 1)
    (
        {"field": "created_at", "op": "gt", "value": "0001-01-01T00:00:00+14:00"},
        ["definition", "value"],
    ),
    (
        {"field": "created_at", "op": "lt", "value": "9999-12-31T23:59:59-14:00"},
        ["definition", "value"],
    ),
    ({"field": "created_at", "op": "gt", "value": 20240101}, ["definition", "value"]),
    # ordering on a boolean, null values, lone surrogates (bug 2)
    ({"field": "fields.flag", "op": "gt", "value": True}, ["definition", "op"]),
    ({"field": "name", "op": "lt", "value": None}, ["definition", "value"]),
    ({"field": "name", "op": "eq"}, ["definition", "value"]),
    # structure
    ({"field": "name", "op": "like", "value": "x"}, ["definition", "op"]),
    ({"field": "nope", "op": "eq", "value": "x"}, ["definition", "field"]),
    ({"field": "fields.missing", "op": "eq", "value": "x"}, ["definition", "field"]),
    ({"field": "name", "op": "eq", "value": "x", "extra": 1}, ["definition"]),
    ({"all": [{"field": "name", "op": "eq", "value": 1}]}, ["definition", "all", "0", "value"]),
    ({"not": {"any": []}}, ["definition", "not", "any"]),
    ({"all": [], "any": []}, ["definition"]),
    ({"field": "tag", "op": "contains", "value": "v"}, ["definition", "op"]),
]


@pytest.mark.parametrize(("definition", "loc"), BAD_DEFINITIONS)
async def test_bad_definitions_are_refused_at_save_naming_the_condition(
    client: httpx.AsyncClient, definition: dict[str, Any], loc: list[str]
) -> None:
    owner = await _workspace(client)
    _assert_invalid(await _save(client, owner, definition), loc)
    # PATCH validates the same way and leaves the saved definition alone.
    saved = await _save(client, owner, {"field": "tag", "op": "eq", "value": "vip"})
    assert saved.status_code == 201, saved.text
    url = f"/api/v1/segments/{saved.json()['id']}"
    _assert_invalid(
        await client.patch(url, headers=owner.headers, json={"definition": definition}), loc
    )
    after = await client.get(url, headers=owner.headers)
    assert after.json()["definition"] == {"field": "tag", "op": "eq", "value": "vip"}


async def test_a_lone_surrogate_is_refused(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    for definition in (
        {"field": "name", "op": "eq", "value": "\ud800"},
        {"field": "tag", "op": "in", "value": ["ok", "\udfff"]},
    ):
        r = await _save(client, owner, definition)
        # Refused by the body's text check or by the segment validator; never stored or a 500.
        assert r.status_code == 422, r.text
        assert r.json()["code"] in {"validation_error", "segments.invalid_definition"}
    assert (await client.get("/api/v1/segments", headers=owner.headers)).json()["items"] == []


async def test_the_path_of_a_nested_bad_condition_is_named(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    r = await _save(
        client,
        owner,
        {
            "all": [
                {"field": "tag", "op": "eq", "value": "vip"},
                {"any": [{"not": {"field": "fields.flag", "op": "lt", "value": False}}]},
            ]
        },
    )
    _assert_invalid(r, ["definition", "all", "1", "any", "0", "not", "op"])
    assert "definition.all[1].any[0].not.op" in r.json()["detail"]


async def test_valid_definitions_evaluate_with_typed_semantics(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await _contacts(
        client,
        owner,
        [
            {
                "phone": "0912000001",
                "name": "Amna 50%",
                "tags": ["vip"],
                "fields": {"txt": "Omdurman", "num": 3, "dt": "1990-05-01", "flag": True},
            },
            {
                "phone": "0912000002",
                "name": "Badr",
                "fields": {"txt": "Khartoum", "num": 10.5, "dt": "20200101", "flag": False},
            },
            {"phone": "0912000003", "name": "Amna_x"},
        ],
    )
    assert await _count(client, owner, {"field": "fields.num", "op": "gt", "value": 3}) == 1
    assert await _count(client, owner, {"field": "fields.num", "op": "in", "value": [3, 4]}) == 1
    assert await _count(client, owner, {"field": "fields.num", "op": "neq", "value": 3}) == 2
    assert await _count(client, owner, {"field": "fields.dt", "op": "gte", "value": "2000-01-01"})
    assert (
        await _count(client, owner, {"field": "fields.dt", "op": "lt", "value": "2020-01-02"}) == 2
    )
    assert await _count(client, owner, {"field": "fields.flag", "op": "eq", "value": False}) == 1
    assert (
        await _count(client, owner, {"field": "fields.flag", "op": "exists", "value": False}) == 1
    )
    assert (
        await _count(client, owner, {"field": "fields.txt", "op": "contains", "value": "DUR"}) == 1
    )
    # LIKE wildcards in a value match literally.
    assert await _count(client, owner, {"field": "name", "op": "contains", "value": "50%"}) == 1
    assert (
        await _count(client, owner, {"field": "name", "op": "starts_with", "value": "amna_"}) == 1
    )
    assert (
        await _count(
            client, owner, {"field": "created_at", "op": "gt", "value": "2000-01-01T00:00Z"}
        )
        == 3
    )
    assert (
        await _count(client, owner, {"field": "consent.marketing", "op": "in", "value": ["none"]})
        == 3
    )
    assert await _count(client, owner, {}) == 3


async def test_definition_size_is_bounded(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    huge = [f"t{i}" for i in range(100_000)]
    for definition, loc in (
        ({"field": "tag", "op": "in", "value": huge}, ["definition", "value"]),
        ({"field": "country", "op": "in", "value": huge}, ["definition", "value"]),
        ({"field": "tag", "op": "in", "value": []}, ["definition", "value"]),
        (
            {"any": [{"field": "tag", "op": "eq", "value": str(i)} for i in range(51)]},
            ["definition", "any", "50"],
        ),
        (
            {"not": {"not": {"not": {"not": {"not": {"field": "tag", "op": "eq", "value": "v"}}}}}},
            ["definition", "not", "not", "not", "not", "not"],
        ),
        ({"field": "name", "op": "eq", "value": "x" * 1001}, ["definition", "value"]),
    ):
        started = time.monotonic()
        _assert_invalid(await _save(client, owner, definition), loc)
        assert time.monotonic() - started < 5
    r = await _save(client, owner, {"field": "tag", "op": "in", "value": huge})
    assert str(MAX_IN_VALUES) in r.json()["detail"]


async def test_in_lists_up_to_the_limit_evaluate_as_one_array(client: httpx.AsyncClient) -> None:
    owner = await _workspace(client)
    await _contacts(
        client,
        owner,
        [{"phone": f"09120100{i:02d}", "tags": [f"t{i}"], "country": "SD"} for i in range(20)],
    )
    values = [f"t{i}" for i in range(MAX_IN_VALUES - 5)] + ["SD", "EG"]
    started = time.monotonic()
    assert await _count(client, owner, {"field": "tag", "op": "in", "value": values}) == 20
    assert await _count(client, owner, {"field": "country", "op": "in", "value": values}) == 20
    assert time.monotonic() - started < 5
    # One array parameter per list, not one bind parameter per value.
    sql = str(
        compile_segment({"field": "country", "op": "in", "value": values}, {}).compile(
            dialect=postgresql.dialect()  # type: ignore[no-untyped-call]
        )
    )
    assert "ANY" in sql and "POSTCOMPILE" not in sql


async def test_stored_values_of_another_type_never_break_evaluation(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client)
    await _field(client, owner, "score", "text")
    await _contacts(client, owner, [{"phone": "+249912000011", "fields": {"score": "high"}}])
    r = await client.delete("/api/v1/contacts/fields/score", headers=owner.headers)
    assert r.status_code == 204
    await _field(client, owner, "score", "number")
    await _contacts(
        client,
        owner,
        [
            {"phone": "+249912000012", "fields": {"score": 5}},
            {"phone": "+249912000013", "fields": {"score": 1}},
        ],
    )
    # The text value "high" is not a number: it counts as absent.
    assert await _count(client, owner, {"field": "fields.score", "op": "gt", "value": 2}) == 1
    assert (
        await _count(client, owner, {"field": "fields.score", "op": "exists", "value": True}) == 2
    )
    assert await _count(client, owner, {"field": "fields.score", "op": "neq", "value": 5}) == 2
    # And the other way round: numbers stored under what is now a date field.
    await client.delete("/api/v1/contacts/fields/score", headers=owner.headers)
    await _field(client, owner, "score", "date")
    await _contacts(client, owner, [{"phone": "+249912000014", "fields": {"score": "2024-02-29"}}])
    assert (
        await _count(client, owner, {"field": "fields.score", "op": "lt", "value": "2025-01-01"})
        == 1
    )


async def test_a_saved_segment_whose_field_changed_type_is_a_409_naming_it(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client)
    await _field(client, owner, "score", "number")
    await _field(client, owner, "city", "text")
    await _contacts(client, owner, [{"phone": "+249912000021", "fields": {"score": 5}}])
    stale = await _save(
        client,
        owner,
        {
            "all": [
                {"field": "fields.city", "op": "exists", "value": False},
                {"field": "fields.score", "op": "gt", "value": 2},
            ]
        },
    )
    assert stale.status_code == 201, stale.text
    kept = await _save(client, owner, {"field": "fields.score", "op": "exists", "value": True})
    assert kept.status_code == 201, kept.text
    url = f"/api/v1/segments/{stale.json()['id']}/count"
    assert (await client.get(url, headers=owner.headers)).json() == {"count": 1}

    await client.delete("/api/v1/contacts/fields/score", headers=owner.headers)
    await _field(client, owner, "score", "text")
    r = await client.get(url, headers=owner.headers)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "segments.stale_definition"
    assert ["definition", "all", "1", "value"] in [e["loc"] for e in r.json()["errors"]]
    assert "definition.all[1]" in r.json()["detail"]
    # A condition that still fits the new type keeps evaluating (old numbers count as absent).
    r = await client.get(f"/api/v1/segments/{kept.json()['id']}/count", headers=owner.headers)
    assert r.status_code == 200 and r.json() == {"count": 0}

    # A deleted field is stale too; editing the segment makes it evaluable again.
    await client.delete("/api/v1/contacts/fields/score", headers=owner.headers)
    r = await client.get(url, headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "segments.stale_definition"
    assert ["definition", "all", "1", "field"] in [e["loc"] for e in r.json()["errors"]]
    fixed = await client.patch(
        f"/api/v1/segments/{stale.json()['id']}",
        headers=owner.headers,
        json={"definition": {"field": "fields.city", "op": "exists", "value": False}},
    )
    assert fixed.status_code == 200, fixed.text
    assert (await client.get(url, headers=owner.headers)).json() == {"count": 1}


async def test_another_workspaces_list_is_refused_like_a_missing_one(
    client: httpx.AsyncClient,
) -> None:
    owner = await signup(client)
    other = await signup(client)
    theirs = await client.post("/api/v1/lists", headers=other.headers, json={"name": "Theirs"})
    mine = await client.post("/api/v1/lists", headers=owner.headers, json={"name": "Mine"})
    assert theirs.status_code == mine.status_code == 201
    missing = str(uuid.uuid4())

    bodies = []
    for list_id in (theirs.json()["id"], missing):
        r = await _save(
            client,
            owner,
            {
                "any": [
                    {"field": "list", "op": "eq", "value": mine.json()["id"]},
                    {"field": "list", "op": "in", "value": [mine.json()["id"], list_id]},
                ]
            },
        )
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["code"] == "segments.unknown_list"
        assert body["list_ids"] == [list_id] and list_id in body["detail"]
        assert body["errors"] == [
            {"loc": ["definition", "any", "1", "value", "1"], "msg": f"No list {list_id}."}
        ]
        bodies.append(body["detail"].replace(list_id, "?"))
    # The same answer whether the list is someone else's or doesn't exist.
    assert bodies[0] == bodies[1]

    ok = await _save(client, owner, {"field": "list", "op": "neq", "value": mine.json()["id"]})
    assert ok.status_code == 201
    patched = await client.patch(
        f"/api/v1/segments/{ok.json()['id']}",
        headers=owner.headers,
        json={"definition": {"field": "list", "op": "eq", "value": theirs.json()["id"]}},
    )
    assert patched.status_code == 422 and patched.json()["code"] == "segments.unknown_list"

    # A list deleted after saving: "not in the list" would silently mean everyone, so the
    # segment answers 409 until it is edited.
    await client.delete(f"/api/v1/lists/{mine.json()['id']}", headers=owner.headers)
    r = await client.get(f"/api/v1/segments/{ok.json()['id']}/count", headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "segments.stale_definition"
    assert r.json()["errors"][0]["loc"] == ["definition", "value"]
