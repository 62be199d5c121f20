"""Contacts import against hostile or broken files: NUL characters, damaged and oversized XLSX
(zip bombs), numbers a JSON client could not read back. Every one is a problem+json answer or a
per-row error, never a 500, and no uploaded file is left behind."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from qms.imports import files
from qms.imports.errors import XlsxTooLarge
from qms.models import ContactImport
from qms.spreadsheet import safe_cell
from qms.state import AppState
from tests.conftest import Account, run_jobs
from tests.contacts.test_imports import _contacts, _errors, _import, _upload, _workspace

SHEET = "xl/worksheets/sheet1.xml"
OUT_OF_RANGE = "is out of range"


@pytest.fixture(autouse=True)
def _data_dir(app_state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_state.settings, "data_dir", tmp_path)


def _stored(state: AppState) -> list[Path]:
    return list((state.settings.data_dir / "imports").glob("*"))


def _problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


async def _start(client: httpx.AsyncClient, owner: Account, import_id: str, **body: Any) -> None:
    r = await client.post(
        f"/api/v1/contacts/imports/{import_id}/start",
        headers=owner.headers,
        json={"consent": {"mode": "none"}, **body},
    )
    assert r.status_code == 202, r.text


async def _get(client: httpx.AsyncClient, owner: Account, import_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/contacts/imports/{import_id}", headers=owner.headers)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def _job_fails(
    client: httpx.AsyncClient,
    state: AppState,
    db: AsyncSession,
    owner: Account,
    import_id: str,
    reason: str,
) -> dict[str, Any]:
    """Start and run the import; it fails with `reason`, writing no contact and keeping no file."""
    await _start(client, owner, import_id, mapping={"phone": "phone"})
    await run_jobs(state)
    done = await _get(client, owner, import_id)
    assert done["status"] == "failed", done
    assert reason in done["error"]
    assert await _contacts(db, owner) == {}
    assert _stored(state) == []
    return done


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _excel_like(rows: list[list[str]]) -> bytes:
    """A workbook as Excel writes it: every text in the shared strings table (openpyxl writes
    inline strings only)."""
    strings: dict[str, int] = {}
    sheet = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + c)}{r}" t="s"><v>{strings.setdefault(text, len(strings))}</v></c>'
            for c, text in enumerate(row)
        )
        sheet.append(f'<row r="{r}">{cells}</row>')
    parts = {
        "[Content_Types].xml": f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/{SHEET}" ContentType="{_TYPE}.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{_TYPE}.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        SHEET: f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:B{len(rows)}"/><sheetData>'
        + "".join(sheet)
        + "</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">'
        + "".join(f"<si><t>{text}</t></si>" for text in strings)
        + "</sst>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return out.getvalue()


def _with_part(xlsx: bytes, name: str, content: Iterator[bytes], level: int = 9) -> bytes:
    """The workbook with one part's content replaced (streamed in, compressed at `level`)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        with target.open(name, "w", force_zip64=False) as part:
            for chunk in content:
                part.write(chunk)
    return out.getvalue()


_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _sheet(unpacked_bytes: int, row: bytes) -> Iterator[bytes]:
    """A sheet of at least `unpacked_bytes`: the header row, then `row` (a row without its
    number, so it may repeat) again and again."""
    yield _SHEET_HEAD
    block = row * (1024 * 1024 // len(row) + 1)
    written = len(_SHEET_HEAD)
    while written < unpacked_bytes:
        yield block
        written += len(block)
    yield _SHEET_TAIL


# --- NUL -------------------------------------------------------------------------------------


async def test_utf16_csv_with_nul_cell_previews_and_reports_the_row(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    data = "phone,name,orders\r\n0912000051,Am\x00na,3\r\n0912000052,Bashir,4\r\n".encode("utf-16")
    r = await _upload(client, owner, "nul.csv", data)
    assert r.status_code == 201, r.text
    uploaded = r.json()
    assert uploaded["encoding"] == "utf-16"
    # NUL cannot be stored: the preview shows where it is
    assert uploaded["preview"] == [["0912000051", "Am\ufffdna", "3"], ["0912000052", "Bashir", "4"]]
    done = await _import(
        client,
        app_state,
        owner,
        "nul.csv",
        {"phone": "phone", "name": "name", "fields.orders": "orders"},
        {"mode": "none"},
        data=data,
    )
    assert (done["created"], done["errors"], done["total_rows"]) == (1, 1, 2)
    report = await _errors(client, owner, done["id"])
    assert report[1:] == [["2", "The row contains a NUL character.", "0912000051"]]
    contacts = await _contacts(db, owner)
    assert sorted(contacts) == ["+249912000052"]
    assert contacts["+249912000052"].name == "Bashir"


async def test_nul_in_the_file_name_is_dropped(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    owner = await _workspace(client)
    boundary = "qms-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="a\x00b\x1b.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "phone\r\n0912000071\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()
    r = await client.post(
        "/api/v1/contacts/imports",
        headers={**owner.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body,
    )
    assert r.status_code == 201, r.text
    assert r.json()["file_name"] == "ab.csv"
    assert [p.name for p in _stored(app_state)] == [r.json()["id"]]
    listed = (await client.get("/api/v1/contacts/imports", headers=owner.headers)).json()
    assert [i["file_name"] for i in listed["items"]] == ["ab.csv"]


class Boom(Exception):
    """The database failing as the upload's record is committed."""


async def test_no_file_is_left_behind_when_the_record_cannot_be_saved(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    owner = await _workspace(client)

    def fail(session: Session) -> None:
        if any(
            isinstance(o, ContactImport) for o in [*session.new, *session.identity_map.values()]
        ):
            raise Boom

    event.listen(Session, "before_commit", fail)
    try:
        with pytest.raises(Boom):
            await _upload(client, owner, "contacts.csv", b"phone\n0912000072\n")
    finally:
        event.remove(Session, "before_commit", fail)
    assert _stored(app_state) == []


# --- damaged XLSX ----------------------------------------------------------------------------

_CONTACTS = [["phone", "name"], *[[f"09120001{n:02d}", f"Name {n}"] for n in range(30)]]


@pytest.mark.parametrize(
    ("part", "damage"),
    [
        (SHEET, lambda xml: xml[: xml.index(b'<row r="5"') + 12]),  # cut in a previewed row
        (SHEET, lambda xml: b"this is not XML"),
        (SHEET, lambda xml: b""),
        ("xl/workbook.xml", lambda xml: xml[:40]),
        ("xl/sharedStrings.xml", lambda xml: xml.replace(b"</t>", b"</si>", 1)),
        ("[Content_Types].xml", lambda xml: b"\x00\x01"),
    ],
    ids=["sheet-truncated", "sheet-not-xml", "sheet-empty", "workbook-xml", "strings", "types"],
)
async def test_damaged_xlsx_is_unsupported(
    client: httpx.AsyncClient, app_state: AppState, part: str, damage: Any
) -> None:
    owner = await _workspace(client)
    whole = _excel_like(_CONTACTS)
    r = await _upload(client, owner, "whole.xlsx", whole)
    assert r.status_code == 201, r.text  # undamaged, it reads
    assert r.json()["preview"][0] == ["0912000100", "Name 0"] and r.json()["total_rows"] == 30
    whole_id = r.json()["id"]
    with zipfile.ZipFile(io.BytesIO(whole)) as z:
        original = z.read(part)
    data = _with_part(whole, part, iter([damage(original)]))
    r = await _upload(client, owner, "damaged.xlsx", data)
    body = _problem(r, 415, "imports.unsupported_file")
    assert "damaged" in body["detail"]
    assert [p.name for p in _stored(app_state)] == [whole_id]


@pytest.mark.parametrize(
    "rows",
    [
        # after the header's row 1
        (2, 3, 3, 4),  # a row number repeated: two rows would claim one line
        (2, 4, 3),  # going backwards
        (2, 3, 3_000_000_000),  # beyond Excel's last row (and the line column)
        (2, -5),
    ],
    ids=["repeated", "backwards", "beyond-excel", "negative"],
)
async def test_xlsx_row_numbers_must_increase(
    client: httpx.AsyncClient, app_state: AppState, rows: tuple[int, ...]
) -> None:
    owner = await _workspace(client)
    cells = b"".join(
        b'<row r="%d"><c t="inlineStr"><is><t>09120003%02d</t></is></c></row>' % (r, n)
        for n, r in enumerate(rows)
    )
    data = _with_part(
        _xlsx([["phone"]]), SHEET, iter([_SHEET_HEAD, cells, b"</sheetData></worksheet>"])
    )
    r = await _upload(client, owner, "renumbered.xlsx", data)
    _problem(r, 415, "imports.unsupported_file")
    assert _stored(app_state) == []


async def test_xlsx_damaged_past_the_preview_fails_the_import_cleanly(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    """The upload reads only the rows it previews (however long the sheet); the job finds the
    damage further down and fails before any contact is written."""
    owner = await _workspace(client)
    rows = b"".join(
        b'<row><c t="inlineStr"><is><t>09120002%02d</t></is></c></row>' % n for n in range(40)
    )
    data = _with_part(_xlsx([["phone"]]), SHEET, iter([_SHEET_HEAD, rows, b"<row><c><v>1"]))
    r = await _upload(client, owner, "cut.xlsx", data)
    assert r.status_code == 201, r.text
    uploaded = r.json()
    assert uploaded["preview"][0] == ["0912000200"] and len(uploaded["preview"]) == 10
    assert uploaded["total_rows"] is None  # the sheet declares no size; the job counts
    done = await _job_fails(client, app_state, db, owner, uploaded["id"], "damaged")
    assert done["created"] == 0


@pytest.mark.parametrize(
    ("dimension", "total"), [("A1:A12", 11), ("A1:XFD99999999999", None), ("A1:A", None)]
)
async def test_xlsx_declared_size_is_only_trusted_within_excel_limits(
    client: httpx.AsyncClient, app_state: AppState, dimension: str, total: int | None
) -> None:
    owner = await _workspace(client)
    rows = b"".join(
        b'<row><c t="inlineStr"><is><t>09120003%02d</t></is></c></row>' % n for n in range(11)
    )
    head = _SHEET_HEAD.replace(
        b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'.encode()
    )
    data = _with_part(_xlsx([["phone"]]), SHEET, iter([head, rows, _SHEET_TAIL]))
    r = await _upload(client, owner, "dimension.xlsx", data)
    assert r.status_code == 201, r.text
    assert r.json()["total_rows"] == total


# --- zip bombs -------------------------------------------------------------------------------

_ROW = b'<row><c t="inlineStr"><is><t>0912345678</t></is></c></row>'


async def test_xlsx_that_compresses_like_a_zip_bomb_is_refused(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    owner = await _workspace(client)
    unpacked = 64 * 1024 * 1024
    data = _with_part(_xlsx([["phone"]]), SHEET, _sheet(unpacked, _ROW))
    assert len(data) * files.MAX_XLSX_RATIO < unpacked  # a few hundred KB
    r = await _upload(client, owner, "bomb.xlsx", data)
    body = _problem(r, 413, "imports.xlsx_too_large")
    assert "compressed" in body["detail"]
    assert _stored(app_state) == []


def _varied_rows() -> Iterator[bytes]:
    """Rows that compress as real ones do (about ten times)."""
    n = 0
    while True:
        n += 1
        yield b'<row><c t="inlineStr"><is><t>09%08d</t></is></c><c><v>%d</v></c></row>' % (
            n * 7919 % 10**8,
            n * 104729 % 9973,
        )


async def test_xlsx_that_unpacks_beyond_the_cap_is_refused(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real cap is a gigabyte; the same check against a smaller one keeps the test fast.
    monkeypatch.setattr(files, "MAX_XLSX_UNPACKED_BYTES", 4 * 1024 * 1024)
    owner = await _workspace(client)
    rows = _varied_rows()

    def sheet() -> Iterator[bytes]:
        yield _SHEET_HEAD
        written = 0
        while written <= files.MAX_XLSX_UNPACKED_BYTES:
            block = b"".join(next(rows) for _ in range(1000))
            written += len(block)
            yield block
        yield _SHEET_TAIL

    data = _with_part(_xlsx([["phone"]]), SHEET, sheet(), level=6)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        part = z.getinfo(SHEET)
        assert part.file_size > files.MAX_XLSX_UNPACKED_BYTES
        assert part.file_size < files.MAX_XLSX_RATIO * part.compress_size  # not a bomb's ratio
    r = await _upload(client, owner, "huge.xlsx", data)
    body = _problem(r, 413, "imports.xlsx_too_large")
    assert "unpacks to more" in body["detail"]
    assert _stored(app_state) == []


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s declared unpacked size replaced (local header and directory)."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
        directory = z.start_dir
    struct.pack_into("<L", patched, info.header_offset + 22, size)
    at = directory
    while patched[at : at + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", patched, at + 28)
        if patched[at + 46 : at + 46 + name_length] == name.encode():
            struct.pack_into("<L", patched, at + 24, size)
        at += 46 + name_length + extra_length + comment_length
    return bytes(patched)


async def test_xlsx_whose_zip_understates_a_part_is_read_no_further(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    """A bomb whose directory declares a modest size for its sheet passes the declared-size
    checks, but is read no further than that size: the preview reads the first rows, the job
    stops at the declared size and fails the import, nothing written."""
    owner = await _workspace(client)
    data = _with_part(_xlsx([["phone"]]), SHEET, _sheet(64 * 1024 * 1024, _ROW))
    lying = _declare_size(data, SHEET, 64 * 1024)
    with zipfile.ZipFile(io.BytesIO(lying)) as z:
        assert z.getinfo(SHEET).file_size == 64 * 1024
    r = await _upload(client, owner, "liar.xlsx", lying)
    assert r.status_code == 201, r.text
    await _job_fails(client, app_state, db, owner, r.json()["id"], "damaged")


def test_a_part_read_past_its_declared_size_is_too_large() -> None:
    # CPython's zipfile stops at the declared size itself; this guard does not rely on it.
    part = files._Capped(io.BytesIO(b"x" * 100), 60)
    assert part.read(50) == b"x" * 50
    with pytest.raises(XlsxTooLarge):
        part.read(50)


async def test_xlsx_with_a_huge_zip_directory_is_refused(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    """Thousands of empty parts: refused before zipfile builds an object for each."""
    owner = await _workspace(client)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_xlsx([["phone"], ["0912000081"]]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for n in range(files.MAX_XLSX_DIRECTORY_BYTES // 46 + 1):
            target.writestr(f"x/{n}", b"")
    r = await _upload(client, owner, "parts.xlsx", out.getvalue())
    _problem(r, 413, "imports.xlsx_too_large")
    assert _stored(app_state) == []


async def test_long_shared_strings_repeated_are_capped(
    client: httpx.AsyncClient,
    app_state: AppState,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cell that refers to a shared string costs a few bytes of XML whatever the string's
    length: what the cells expand to is capped like the XML (here past the preview's rows, so
    the job finds it)."""
    monkeypatch.setattr(files, "MAX_XLSX_UNPACKED_BYTES", 1024 * 1024)
    owner = await _workspace(client)
    long_text = "x" * 30_000
    data = _excel_like([["phone", "note"], *[[f"09120009{n:02d}", long_text] for n in range(40)]])
    assert len(data) < 10_000
    r = await _upload(client, owner, "expands.xlsx", data)
    assert r.status_code == 201, r.text
    await _job_fails(client, app_state, db, owner, r.json()["id"], "expands to more text")


# --- numbers ---------------------------------------------------------------------------------


async def test_numbers_out_of_range_are_bad_rows(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    values = {
        "0912000061": "12345678901234567890123",
        "0912000062": "7",
        "0912000063": "NaN",
        "0912000064": "Infinity",
        "0912000065": "1e400",
        "0912000066": "-9007199254740991",
        "0912000067": "9007199254740992",
        "0912000068": "2.5",
        "0912000069": "-1e300",
    }
    data = ("phone,orders\n" + "".join(f"{p},{v}\n" for p, v in values.items())).encode()
    done = await _import(
        client,
        app_state,
        owner,
        "numbers.csv",
        {"phone": "phone", "fields.orders": "orders"},
        {"mode": "none"},
        data=data,
    )
    assert (done["created"], done["errors"], done["total_rows"]) == (3, 6, 9)
    report = {
        int(line): (reason, value)
        for line, reason, value in (await _errors(client, owner, done["id"]))[1:]
    }
    assert sorted(report) == [2, 4, 5, 6, 8, 10]
    for line, (reason, value) in report.items():
        assert reason.startswith("Field 'orders' " + OUT_OF_RANGE), reason
        assert value == safe_cell(list(values.values())[line - 2])  # "-1e300" as text
    contacts = await _contacts(db, owner)
    assert {phone: c.fields for phone, c in contacts.items()} == {
        "+249912000062": {"orders": 7},
        "+249912000066": {"orders": -9007199254740991},
        "+249912000068": {"orders": 2.5},
    }


async def test_xlsx_numbers_out_of_range_are_bad_rows(
    client: httpx.AsyncClient, app_state: AppState, db: AsyncSession
) -> None:
    owner = await _workspace(client)
    data = _xlsx(
        [
            ["phone", "orders"],
            ["0912000161", 12345678901234567890123],
            ["0912000162", 1e300],
            ["0912000163", 42],
        ]
    )
    done = await _import(
        client,
        app_state,
        owner,
        "numbers.xlsx",
        {"phone": "phone", "fields.orders": "orders"},
        {"mode": "none"},
        data=data,
    )
    assert (done["created"], done["errors"]) == (1, 2)
    report = (await _errors(client, owner, done["id"]))[1:]
    assert [(line, OUT_OF_RANGE in reason) for line, reason, _ in report] == [
        ("2", True),
        ("3", True),
    ]
    contacts = await _contacts(db, owner)
    assert {phone: c.fields for phone, c in contacts.items()} == {"+249912000163": {"orders": 42}}
