"""Contacts import: upload → start → the arq job (run inline with its real context), over real
PostgreSQL and Redis."""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from qms.consent import ledger
from qms.contacts.phones import phone_hash
from qms.imports import files, service
from qms.imports.tasks import run_import
from qms.models import ConsentEvent, Contact, ContactImportRow, Suppression
from qms.state import AppState
from tests.conftest import Account, run_jobs, signup

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
EVIDENCE = "Ticked 'Send me offers on WhatsApp' on the order form"


@pytest.fixture(autouse=True)
def _data_dir(app_state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_state.settings, "data_dir", tmp_path)


async def _workspace(client: httpx.AsyncClient) -> Account:
    owner = await signup(client)
    r = await client.patch(
        "/api/v1/workspace", headers=owner.headers, json={"default_country": "SD"}
    )
    assert r.status_code == 200, r.text
    for key, kind in (("city", "text"), ("orders", "number"), ("joined", "date")):
        r = await client.post(
            "/api/v1/contacts/fields",
            headers=owner.headers,
            json={"key": key, "label": key.title(), "type": kind},
        )
        assert r.status_code == 201, r.text
    return owner


async def _upload(
    client: httpx.AsyncClient, owner: Account, name: str, data: bytes | None = None
) -> httpx.Response:
    content = data if data is not None else (FIXTURES / name).read_bytes()
    return await client.post(
        "/api/v1/contacts/imports", headers=owner.headers, files={"file": (name, content)}
    )


async def _import(
    client: httpx.AsyncClient,
    state: AppState,
    owner: Account,
    name: str,
    mapping: dict[str, str],
    consent: dict[str, Any],
    data: bytes | None = None,
    on_duplicate: str = "update",
) -> dict[str, Any]:
    """Upload, start and run; returns the finished import."""
    r = await _upload(client, owner, name, data)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/contacts/imports/{r.json()['id']}/start",
        headers=owner.headers,
        json={"mapping": mapping, "consent": consent, "on_duplicate": on_duplicate},
    )
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    assert "run_import" in await run_jobs(state)
    r = await client.get(f"/api/v1/contacts/imports/{r.json()['id']}", headers=owner.headers)
    assert r.status_code == 200
    done: dict[str, Any] = r.json()
    assert done["status"] == "completed", done
    assert done["processed_rows"] == done["total_rows"]
    assert (
        done["created"]
        + done["updated"]
        + done["skipped"]
        + done["duplicates_in_file"]
        + done["errors"]
        == done["total_rows"]
    )
    return done


async def _contacts(db: AsyncSession, owner: Account) -> dict[str, Contact]:
    rows = await db.scalars(
        select(Contact)
        .where(Contact.workspace_id == uuid.UUID(owner.workspace_id))
        .execution_options(populate_existing=True)
    )
    return {c.phone or "": c for c in rows}


async def _verify_chains(db: AsyncSession, state: AppState, contacts: list[Contact]) -> None:
    for contact in contacts:
        check = await ledger.verify(db, state.secrets, contact.id)
        assert check.valid, (contact.phone, check)


async def _errors(client: httpx.AsyncClient, owner: Account, import_id: str) -> list[list[str]]:
    r = await client.get(f"/api/v1/contacts/imports/{import_id}/errors", headers=owner.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


BAD_ROWS_MAPPING = {
    "phone": "phone",
    "name": "name",
    "fields.city": "city",
    "fields.orders": "orders",
    "tags": "tags",
}


async def test_bad_rows_are_reported_and_good_rows_load(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    r = await _upload(client, owner, "bad_rows.csv")
    assert r.status_code == 201, r.text
    uploaded = r.json()
    assert uploaded["status"] == "uploaded" and uploaded["file_type"] == "csv"
    assert uploaded["encoding"] == "utf-8"
    assert uploaded["headers"] == ["phone", "name", "city", "orders", "consent", "tags"]
    assert uploaded["preview"][0] == ["0912345601", "Amna", "Omdurman", "3", "yes", "vip;ramadan"]
    assert len(uploaded["preview"]) == 7 and uploaded["total_rows"] == 7
    done = await _import(
        client,
        app_state,
        owner,
        "bad_rows.csv",
        BAD_ROWS_MAPPING,
        {"mode": "column", "column": "consent", "evidence": EVIDENCE},
    )
    assert (done["created"], done["errors"], done["total_rows"]) == (3, 4, 7)
    report = await _errors(client, owner, done["id"])
    assert report[0] == ["line", "reason", "value"]
    by_line = {int(line): (reason, value) for line, reason, value in report[1:]}
    assert sorted(by_line) == [3, 4, 5, 8]  # line 6 is blank: not a row
    assert by_line[3] == ("'not-a-phone' is not a phone number.", "not-a-phone")
    assert by_line[4] == ("Field 'orders' must be a number.", "two")
    assert by_line[5][1] == "maybe" and "consent value" in by_line[5][0]
    assert by_line[8] == ("The phone number is empty.", "")

    contacts = await _contacts(db, owner)
    assert sorted(contacts) == ["+249912345601", "+249912345604", "+249912345605"]
    amna = contacts["+249912345601"]
    assert amna.name == "Amna" and amna.tags == ["ramadan", "vip"]
    assert amna.fields == {"city": "Omdurman", "orders": 3}
    assert (amna.country, amna.timezone) == ("SD", "Africa/Khartoum")
    assert amna.marketing_consent == "opted_in" and amna.utility_consent == "none"
    dina = contacts["+249912345604"]
    assert dina.fields["city"] == "Wad Madani, Gezira"
    assert dina.marketing_consent == "opted_out"  # an import's opt-out counts and suppresses
    suppressed = await db.scalar(
        select(func.count()).where(
            Suppression.phone_hash == dina.phone_hash, Suppression.lifted_at.is_(None)
        )
    )
    assert suppressed == 1
    assert contacts["+249912345605"].fields == {"city": "Port Sudan"}
    events = (
        await db.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.workspace_id == uuid.UUID(owner.workspace_id))
            .order_by(ConsentEvent.source_ref)
        )
    ).all()
    assert [(e.source, e.source_ref, e.status, e.evidence) for e in events] == [
        ("import", f"import:{done['id']}:2", "opted_in", EVIDENCE),
        ("import", f"import:{done['id']}:7", "opted_out", EVIDENCE),
        ("import", f"import:{done['id']}:9", "opted_in", EVIDENCE),
    ]
    assert all(e.actor_user_id == uuid.UUID(owner.user_id) for e in events)
    await _verify_chains(db, app_state, list(contacts.values()))
    staged = await db.scalar(select(func.count()).select_from(ContactImportRow))
    assert staged == 0  # staging is emptied when the job ends
    assert not service.file_path(app_state.settings, uuid.UUID(done["id"])).exists()


async def test_windows_1256_arabic_csv(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    uploaded = (await _upload(client, owner, "arabic_windows1256.csv")).json()
    assert uploaded["encoding"] == "windows-1256"
    assert uploaded["headers"] == ["الهاتف", "الاسم", "المدينة"]
    assert uploaded["preview"][0] == ["0912345611", "أمنة عبد الله", "أم درمان"]
    done = await _import(
        client,
        app_state,
        owner,
        "arabic_windows1256.csv",
        {"phone": "الهاتف", "name": "الاسم", "fields.city": "المدينة"},
        {"mode": "none"},
    )
    assert (done["created"], done["errors"]) == (3, 0)
    contacts = await _contacts(db, owner)
    assert contacts["+249912345611"].name == "أمنة عبد الله"
    assert contacts["+249912345611"].fields == {"city": "أم درمان"}
    assert contacts["+249912345613"].name == "فاطمة"
    assert all(c.marketing_consent == "none" for c in contacts.values())
    events = await db.scalar(
        select(func.count()).where(ConsentEvent.workspace_id == uuid.UUID(owner.workspace_id))
    )
    assert events == 0  # mode none records no consent


async def test_utf16_csv(client: httpx.AsyncClient, app_state: AppState, db: AsyncSession) -> None:
    owner = await _workspace(client)
    uploaded = (await _upload(client, owner, "utf16.csv")).json()
    assert uploaded["encoding"] == "utf-16" and uploaded["headers"] == ["Phone", "Name", "Consent"]
    done = await _import(
        client,
        app_state,
        owner,
        "utf16.csv",
        {"phone": "Phone", "name": "Name"},
        {
            "mode": "column",
            "column": "Consent",
            "purpose": "utility",
            "evidence": "Asked for order updates on WhatsApp at checkout",
        },
    )
    assert done["created"] == 2
    contacts = await _contacts(db, owner)
    assert contacts["+249912345621"].name == "سارة"
    assert contacts["+249912345621"].utility_consent == "opted_in"
    assert contacts["+249912345621"].marketing_consent == "none"
    assert contacts["+249912345622"].utility_consent == "opted_out"
    await _verify_chains(db, app_state, list(contacts.values()))


async def test_xlsx(client: httpx.AsyncClient, app_state: AppState, db: AsyncSession) -> None:
    owner = await _workspace(client)
    uploaded = (await _upload(client, owner, "contacts.xlsx")).json()
    assert uploaded["file_type"] == "xlsx" and uploaded["encoding"] is None
    assert uploaded["headers"] == ["Phone", "Name", "Orders", "Joined", "Consent"]
    assert uploaded["preview"][0] == ["249912345631", "Hawa", "4", "2024-03-01", "yes"]
    done = await _import(
        client,
        app_state,
        owner,
        "contacts.xlsx",
        {"phone": "Phone", "name": "Name", "fields.orders": "Orders", "fields.joined": "Joined"},
        {"mode": "column", "column": "Consent", "evidence": EVIDENCE},
    )
    assert (done["created"], done["errors"], done["total_rows"]) == (2, 1, 3)
    assert [row[0] for row in (await _errors(client, owner, done["id"]))[1:]] == ["5"]
    contacts = await _contacts(db, owner)
    assert contacts["+249912345631"].fields == {"orders": 4, "joined": "2024-03-01"}
    assert contacts["+249912345632"].fields == {"orders": 2.5}
    assert contacts["+249912345632"].marketing_consent == "opted_out"


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


async def test_duplicates_in_file_last_one_wins(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    data = _csv(
        "phone,name,consent",
        "0912000001,First,yes",
        "0912000002,Other,yes",
        "+249912000001,Second,no",
        "00249912000001,Third,yes",
    )
    done = await _import(
        client,
        app_state,
        owner,
        "dupes.csv",
        {"phone": "phone", "name": "name"},
        {"mode": "column", "column": "consent", "evidence": EVIDENCE},
        data=data,
    )
    assert (done["created"], done["duplicates_in_file"]) == (2, 2)
    contacts = await _contacts(db, owner)
    assert contacts["+249912000001"].name == "Third"
    events = (
        await db.scalars(
            select(ConsentEvent.source_ref).where(
                ConsentEvent.contact_id == contacts["+249912000001"].id
            )
        )
    ).all()
    assert events == [f"import:{done['id']}:5"]  # only the last occurrence counts


@pytest.mark.parametrize("on_duplicate", ["update", "skip"])
async def test_existing_contacts_update_or_skip(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession, on_duplicate: str
) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts",
        headers=owner.headers,
        json={
            "phone": "0912000011",
            "name": "Kept",
            "tags": ["old"],
            "fields": {"city": "Atbara"},
            "timezone": "Africa/Cairo",
        },
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/contacts/{r.json()['id']}/consent",
        headers=owner.headers,
        json={"status": "opted_in", "purpose": "utility", "evidence": "Asked for order updates"},
    )
    assert r.status_code == 201
    done = await _import(
        client,
        app_state,
        owner,
        "existing.csv",
        {"phone": "phone", "name": "name", "tags": "tags", "fields.orders": "orders"},
        {"mode": "file", "evidence": "Signed up at the shop counter (paper forms kept)"},
        data=_csv("phone,name,tags,orders", "0912000011,New name,new,9", "0912000012,Fresh,,"),
        on_duplicate=on_duplicate,
    )
    contacts = await _contacts(db, owner)
    existing = contacts["+249912000011"]
    if on_duplicate == "update":
        assert (done["created"], done["updated"], done["skipped"]) == (1, 1, 0)
        assert existing.name == "New name" and existing.tags == ["new", "old"]
        assert existing.fields == {"city": "Atbara", "orders": 9}  # merged, not replaced
        assert existing.timezone == "Africa/Cairo"  # not overwritten by the inferred one
        assert existing.marketing_consent == "opted_in"
        chain = (
            await db.execute(
                select(ConsentEvent.seq, ConsentEvent.source)
                .where(ConsentEvent.contact_id == existing.id)
                .order_by(ConsentEvent.seq)
            )
        ).all()
        assert chain == [(1, "agent"), (2, "import")]  # appended to the existing chain
    else:
        assert (done["created"], done["updated"], done["skipped"]) == (1, 0, 1)
        assert existing.name == "Kept" and existing.tags == ["old"]
        assert existing.marketing_consent == "none"
    assert contacts["+249912000012"].marketing_consent == "opted_in"
    await _verify_chains(db, app_state, list(contacts.values()))


async def test_suppressed_number_reimported_stays_opted_out(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    r = await client.post(
        "/api/v1/contacts", headers=owner.headers, json={"phone": "0912000021", "name": "Gone"}
    )
    contact_id = r.json()["id"]
    r = await client.post(
        f"/api/v1/contacts/{contact_id}/consent",
        headers=owner.headers,
        json={"status": "opted_out", "evidence": "Replied STOP by SMS"},
    )
    assert r.status_code == 201
    r = await client.delete(f"/api/v1/contacts/{contact_id}", headers=owner.headers)
    assert r.status_code == 204
    r = await client.post(
        "/api/v1/suppressions",
        headers=owner.headers,
        json={"phone": "0912000023", "purpose": "utility"},
    )
    assert r.status_code == 201, r.text
    done = await _import(
        client,
        app_state,
        owner,
        "again.csv",
        {"phone": "phone", "name": "name"},
        {"mode": "file", "evidence": EVIDENCE},
        data=_csv("phone,name", "0912000021,Back again", "0912000022,New", "0912000023,Util"),
    )
    assert done["created"] == 3
    contacts = await _contacts(db, owner)
    again = contacts["+249912000021"]
    assert again.marketing_consent == "opted_out"  # erased, re-imported: still suppressed
    assert contacts["+249912000022"].marketing_consent == "opted_in"
    util = contacts["+249912000023"]
    assert (util.marketing_consent, util.utility_consent) == ("opted_in", "opted_out")
    [event] = (
        await db.scalars(select(ConsentEvent).where(ConsentEvent.contact_id == again.id))
    ).all()
    assert event.status == "opted_in" and event.effective is False  # recorded, not effective
    active = await db.scalar(
        select(func.count()).where(
            Suppression.phone_hash == phone_hash(app_state.secrets.hmac_key, "+249912000021"),
            Suppression.lifted_at.is_(None),
        )
    )
    assert active == 1
    await _verify_chains(db, app_state, list(contacts.values()))


async def test_start_is_checked(client: httpx.AsyncClient, app_state: AppState) -> None:
    owner = await _workspace(client)
    import_id = (await _upload(client, owner, "bad_rows.csv")).json()["id"]
    url = f"/api/v1/contacts/imports/{import_id}/start"

    async def start(mapping: dict[str, str], consent: dict[str, Any]) -> httpx.Response:
        return await client.post(
            url, headers=owner.headers, json={"mapping": mapping, "consent": consent}
        )

    for consent in ({"mode": "column", "column": "consent"}, {"mode": "file", "evidence": " "}):
        r = await start({"phone": "phone"}, consent)
        assert r.status_code == 422 and r.json()["code"] == "imports.consent_evidence_required"
    for mapping, consent in (
        ({"name": "name"}, {"mode": "none"}),
        ({"phone": "nope"}, {"mode": "none"}),
        ({"phone": "phone", "fields.unknown": "city"}, {"mode": "none"}),
        ({"phone": "phone", "nickname": "name"}, {"mode": "none"}),
        ({"phone": "phone"}, {"mode": "column", "column": "nope", "evidence": EVIDENCE}),
        ({"phone": "phone"}, {"mode": "none", "column": "consent"}),
    ):
        r = await start(mapping, consent)
        assert r.status_code == 422, (mapping, consent)
        assert r.json()["code"] == "imports.invalid_mapping", r.json()
    r = await start({"phone": "phone"}, {"mode": "none"})
    assert r.status_code == 202
    r = await start({"phone": "phone"}, {"mode": "none"})
    assert r.status_code == 409 and r.json()["code"] == "imports.already_started"
    listed = (await client.get("/api/v1/contacts/imports", headers=owner.headers)).json()
    assert [i["id"] for i in listed["items"]] == [import_id]
    assert listed["items"][0]["status"] == "queued"


async def test_upload_is_checked(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await _workspace(client)
    r = await _upload(client, owner, "empty.csv", b"")
    assert r.status_code == 422 and r.json()["code"] == "imports.empty_file"
    r = await _upload(client, owner, "header.csv", b"phone,name\n\n")
    assert r.status_code == 422 and r.json()["code"] == "imports.empty_file"
    r = await _upload(client, owner, "old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert r.status_code == 415 and r.json()["code"] == "imports.unsupported_file"
    r = await _upload(client, owner, "fake.xlsx", b"PK\x03\x04 not really a zip")
    assert r.status_code == 415 and r.json()["code"] == "imports.unsupported_file"
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1000)
    r = await _upload(client, owner, "big.csv", _csv("phone", *(["0912345678"] * 200)))
    assert r.status_code == 413 and r.json()["code"] == "imports.file_too_large"
    r = await client.post(
        "/api/v1/contacts/imports", headers=owner.headers, files={"other": ("x.csv", b"a")}
    )
    assert r.status_code == 422
    assert list((app_state.settings.data_dir / "imports").glob("*")) == []  # nothing left behind


class Killed(BaseException):
    """The worker process dying mid-job (nothing after it runs)."""


@pytest.mark.parametrize("phase", ["staging", "merging"])
async def test_killed_import_resumes_without_duplicates(
    client: httpx.AsyncClient,
    app_state: AppState,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    phase: str,
) -> None:
    owner = await _workspace(client)
    monkeypatch.setattr(service, "STAGE_CHUNK_ROWS", 40)
    monkeypatch.setattr(service, "MERGE_BATCH_LINES", 50)
    rows = [f"09120{i:05d},Person {i},{'yes' if i % 3 else 'no'}" for i in range(230)]
    rows.append(f"09120{7:05d},Person 7 again,yes")
    data = _csv("phone,name,consent", *rows)
    import_id = (await _upload(client, owner, "big.csv", data)).json()["id"]
    r = await client.post(
        f"/api/v1/contacts/imports/{import_id}/start",
        headers=owner.headers,
        json={
            "mapping": {"phone": "phone", "name": "name"},
            "consent": {"mode": "column", "column": "consent", "evidence": EVIDENCE},
        },
    )
    assert r.status_code == 202
    [job] = [j for j in await app_state.redis.queued_jobs() if j.function == "run_import"]
    calls: list[tuple[str, int]] = []

    def kill_after_first(_: uuid.UUID, where: str, number: int) -> None:
        calls.append((where, number))
        if where == phase:
            raise Killed

    monkeypatch.setattr(service, "_checkpoint", kill_after_first)
    context = {"state": app_state, "redis": app_state.redis, "job_try": 1}
    with pytest.raises(Killed):
        await run_import(context, *job.args)
    progress = (
        await client.get(f"/api/v1/contacts/imports/{import_id}", headers=owner.headers)
    ).json()
    assert progress["status"] == "running"
    if phase == "merging":
        assert progress["processed_rows"] == 50  # the first batch (lines 2-51) committed
        assert progress["created"] == 49  # line 9 is superseded by the last line
    else:
        assert progress["processed_rows"] == 0
    monkeypatch.setattr(service, "_checkpoint", lambda *_: None)
    await run_import({**context, "job_try": 2}, *job.args)
    done = (await client.get(f"/api/v1/contacts/imports/{import_id}", headers=owner.headers)).json()
    assert done["status"] == "completed", done
    assert (done["created"], done["duplicates_in_file"], done["total_rows"]) == (230, 1, 231)
    assert done["processed_rows"] == 231
    contacts = await _contacts(db, owner)
    assert len(contacts) == 230
    assert contacts["+249912000007"].name == "Person 7 again"
    per_contact = (
        await db.execute(
            select(ConsentEvent.contact_id, func.count())
            .where(ConsentEvent.workspace_id == uuid.UUID(owner.workspace_id))
            .group_by(ConsentEvent.contact_id)
        )
    ).all()
    assert len(per_contact) == 230 and {n for _, n in per_contact} == {1}
    await _verify_chains(db, app_state, list(contacts.values())[:20])
    # The same file again: nothing new, nothing doubled.
    again = await _import(
        client,
        app_state,
        owner,
        "big.csv",
        {"phone": "phone", "name": "name"},
        {"mode": "none"},
        data=data,
    )
    assert (again["created"], again["updated"]) == (0, 230)
    assert len(await _contacts(db, owner)) == 230


async def test_process_pool_path(
    client: httpx.AsyncClient,
    app_state: AppState,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = await _workspace(client)
    monkeypatch.setattr(service, "POOL_MIN_ROWS", 10)
    monkeypatch.setattr(service, "STAGE_CHUNK_ROWS", 25)
    rows = [f"+2499120{i:05d},P{i},{i}" for i in range(120)] + ["bad,Bad,1"]
    done = await _import(
        client,
        app_state,
        owner,
        "pool.csv",
        {"phone": "phone", "name": "name", "fields.orders": "orders"},
        {"mode": "none"},
        data=_csv("phone,name,orders", *rows),
    )
    assert (done["created"], done["errors"]) == (120, 1)
    contacts = await _contacts(db, owner)
    assert contacts["+249912000042"].fields == {"orders": 42}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("phone\n0912345678\n", ","),
        ('name,"x;y"\n"a;b",c\n', ","),
    ],
)
def test_delimiter_sniffing(text: str, expected: str) -> None:
    assert files.sniff_delimiter(text) == expected


async def test_append_many_refuses_personal_sources() -> None:
    # They may lift a suppression, which `append` does one event at a time.
    with pytest.raises(ValueError):
        await ledger.append_many(
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            uuid.uuid4(),
            "marketing",
            [],
            ledger.Evidence(source="inbound_keyword"),
        )


def test_bulk_canonical_encoding_equals_the_ledgers() -> None:
    from datetime import UTC, datetime

    base = ledger._Record(
        workspace_id=uuid.uuid4(),
        contact_id=uuid.uuid4(),
        seq=1,
        purpose="marketing",
        status="opted_in",
        source="import",
        source_ref="import:x:2",
        evidence='Said "yes" \\ at the till,\nطباعة «نعم»\t\x01',
        effective=True,
        phone_digest="ab" * 32,
        ip_digest=None,
        user_agent_digest=None,
        actor_user_id=uuid.uuid4(),
        actor_api_key_id=None,
        occurred_at=datetime.now(UTC),
        prev_digest=None,
    )
    encode = ledger._bulk_canonical(base)
    for changes in (
        {},
        {"seq": 12, "prev_digest": "cd" * 32, "effective": False, "status": "opted_out"},
        {"contact_id": uuid.uuid4(), "source_ref": 'odd "ref"\n\\'},
        {"source_ref": None},
    ):
        record = dataclasses.replace(base, **changes)
        assert encode(record) == ledger._canonical(record)


async def test_awkward_text_survives_staging(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    data = (
        b"phone,name,city,tags\n"
        b'0912000031,"Back\\slash ""quoted"" name","two\nlines",a"b;c\\d\n'
        b'0912000032,"tab\there",\\N,\n'
    )
    done = await _import(
        client,
        app_state,
        owner,
        "awkward.csv",
        {"phone": "phone", "name": "name", "fields.city": "city", "tags": "tags"},
        {"mode": "none"},
        data=data,
    )
    assert done["created"] == 2
    contacts = await _contacts(db, owner)
    first = contacts["+249912000031"]
    assert first.name == 'Back\\slash "quoted" name'
    assert first.fields == {"city": "two\nlines"} and first.tags == ['a"b', "c\\d"]
    second = contacts["+249912000032"]
    assert second.name == "tab\there" and second.fields == {"city": "\\N"}
    # the record after a quoted newline starts on line 4 of the file
    r = await _upload(client, owner, "lines.csv", data.replace(b"0912000032", b"bad"))
    import_id = r.json()["id"]
    await client.post(
        f"/api/v1/contacts/imports/{import_id}/start",
        headers=owner.headers,
        json={"mapping": {"phone": "phone"}, "consent": {"mode": "none"}},
    )
    await run_jobs(app_state)
    assert [row[0] for row in (await _errors(client, owner, import_id))[1:]] == ["4"]


async def test_contacts_page_reads_like_the_models(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    """The contacts list (the page an import fills) is serialised straight from rows with
    orjson: it must say exactly what ContactOut says."""
    from qms.contacts.schemas import ContactOut

    owner = await _workspace(client)
    await _import(
        client,
        app_state,
        owner,
        "page.csv",
        {"phone": "phone", "name": "name", "tags": "tags", "fields.orders": "orders"},
        {"mode": "column", "column": "consent", "evidence": EVIDENCE},
        data=_csv(
            "phone,name,tags,orders,consent",
            *(
                f"09120004{i:02d},Name {i},t{i % 3},{i / 4},{'yes' if i % 2 else 'no'}"
                for i in range(7)
            ),
            "0912000499,,,,",
        ),
    )
    r = await client.get("/api/v1/contacts?limit=3&sort=name", headers=owner.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    rows = (
        await db.scalars(
            select(Contact)
            .where(Contact.workspace_id == uuid.UUID(owner.workspace_id))
            .order_by(func.coalesce(Contact.name, ""), Contact.id)
            .limit(3)
        )
    ).all()
    expected = [ContactOut.model_validate(c).model_dump(mode="json") for c in rows]
    assert body["items"] == expected and body["next_cursor"]
    assert body["items"][0]["created_at"].endswith("Z")
    seen = [c["name"] for c in body["items"]]
    cursor = body["next_cursor"]
    while cursor:
        page = (
            await client.get(
                f"/api/v1/contacts?limit=3&sort=name&cursor={cursor}", headers=owner.headers
            )
        ).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [None] + [f"Name {i}" for i in range(7)]  # nameless first, as an empty name
    newest = (await client.get("/api/v1/contacts?limit=50", headers=owner.headers)).json()
    assert len(newest["items"]) == 8 and newest["next_cursor"] is None


@pytest.mark.parametrize(("threshold", "upkeep"), [(2, True), (3, False)])
async def test_a_big_import_brings_statistics_and_the_search_index_up_to_date(
    client: httpx.AsyncClient,
    app_state: AppState,
    conn: AsyncConnection,
    monkeypatch: pytest.MonkeyPatch,
    threshold: int,
    upkeep: bool,
) -> None:
    """After many rows the planner's statistics and the trigram index's pending list would
    lag (searches then read a whole workspace, and the whole list): the job refreshes both
    before reporting done, above `UPKEEP_MIN_ROWS` contacts written."""
    monkeypatch.setattr(service, "UPKEEP_MIN_ROWS", threshold)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(conn.sync_connection, "before_cursor_execute", record)
    try:
        owner = await _workspace(client)
        data = _csv("phone,name", "0912000001,One", "0912000002,Two")
        done = await _import(
            client, app_state, owner, "two.csv", {"phone": "phone"}, {"mode": "none"}, data=data
        )
    finally:
        event.remove(conn.sync_connection, "before_cursor_execute", record)
    assert done["created"] == 2
    assert set(service.UPKEEP) & set(statements) == (set(service.UPKEEP) if upkeep else set())


async def test_upkeep_the_database_refuses_does_not_fail_the_import(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Say the API's database role does not own the tables: the import is done all the same."""
    monkeypatch.setattr(service, "UPKEEP_MIN_ROWS", 1)
    monkeypatch.setattr(service, "UPKEEP", ("ANALYZE contacts", "SELECT 1 / 0"))
    owner = await _workspace(client)
    data = _csv("phone,name", "0912000001,One", "0912000002,Two")
    done = await _import(
        client, app_state, owner, "two.csv", {"phone": "phone"}, {"mode": "none"}, data=data
    )
    assert done["created"] == 2


async def test_a_number_created_during_the_merge_is_skipped_not_doubled(
    client: httpx.AsyncClient,
    app_state: AppState,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workspace is empty when the merge begins, so the merge inserts without probing; a
    number someone else creates meanwhile makes that batch's insert fail, and the batch is
    merged again skipping it: kept as they made it, no consent event of the import's."""
    owner = await _workspace(client)
    monkeypatch.setattr(service, "MERGE_BATCH_LINES", 3)
    data = _csv("phone,name,consent", *(f"091200000{i},Imported {i},yes" for i in range(7)))
    workspace_id = uuid.UUID(owner.workspace_id)
    merge_batch = service._merge_batch

    async def someone_creates_one(session: AsyncSession, *args: Any) -> None:
        if args[3] == 1:  # the batch number: lines 5 to 7, numbers 3 to 5
            await session.execute(
                insert(Contact).values(
                    workspace_id=workspace_id,
                    phone="+249912000004",
                    phone_hash=phone_hash(app_state.secrets.hmac_key, "+249912000004"),
                    name="Made meanwhile",
                )
            )
        await merge_batch(session, *args)

    monkeypatch.setattr(service, "_merge_batch", someone_creates_one)
    done = await _import(
        client,
        app_state,
        owner,
        "meanwhile.csv",
        {"phone": "phone", "name": "name"},
        {"mode": "column", "column": "consent", "evidence": EVIDENCE},
        data=data,
    )
    assert (done["created"], done["skipped"]) == (6, 1)
    contacts = await _contacts(db, owner)
    assert len(contacts) == 7
    assert contacts["+249912000004"].name == "Made meanwhile"
    assert contacts["+249912000004"].marketing_consent == "none"
    events = (
        await db.execute(
            select(ConsentEvent.contact_id).where(ConsentEvent.workspace_id == workspace_id)
        )
    ).scalars()
    assert sorted(map(str, events)) == sorted(
        str(c.id) for phone, c in contacts.items() if phone != "+249912000004"
    )
    await _verify_chains(db, app_state, list(contacts.values()))


async def test_the_error_report_writes_cells_as_text_not_formulas(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    owner = await _workspace(client)
    done = await _import(
        client,
        app_state,
        owner,
        "formula.csv",
        {"phone": "phone", "fields.orders": "orders"},
        {"mode": "file", "evidence": EVIDENCE},
        data=_csv("phone,orders", "=1+2,1", "0912345601,@SUM(A1)", "0912345602,5"),
    )
    assert (done["created"], done["errors"]) == (1, 2)
    by_line = {
        int(line): value for line, _, value in (await _errors(client, owner, done["id"]))[1:]
    }
    assert by_line == {2: "'=1+2", 3: "'@SUM(A1)"}
