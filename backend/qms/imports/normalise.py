"""Checking and normalising import rows: the CPU-heavy part of an import (phone parsing), run
in a process pool for big files. Pure functions of the row and a picklable `RowConfig`; a row
becomes either a line of COPY text for `contact_import_rows` or an error
`(line, reason, value)`.

Phones go through `qms.contacts.phones.parse`, like every other way in (it also gives the country
and time zone inferred from the number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from qms.consent import ledger
from qms.consent.ledger import BulkSource
from qms.contacts.phones import InvalidPhone, parse, phone_hash
from qms.contacts.service import MAX_SAFE_NUMBER, is_safe_number
from qms.db import uuid7_text

MAX_TEXT_FIELD = 1000
MAX_TAGS = 50
MAX_TAG = 50
MAX_ERROR_VALUE = 200
DEFAULT_OPTED_IN = ("yes", "y", "1", "true", "opted_in", "opted in", "opt-in", "subscribed", "نعم")
DEFAULT_OPTED_OUT = (
    "no",
    "n",
    "0",
    "false",
    "opted_out",
    "opted out",
    "opt-out",
    "unsubscribed",
    "لا",
)
_TRUE = {"true", "yes", "y", "1", "نعم"}
_FALSE = {"false", "no", "n", "0", "لا"}
_TAG_SPLIT = re.compile(r"[;,]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_INT = re.compile(r"^[+-]?\d+$")

Staged = tuple[Any, ...]
RowError = tuple[int, str, str]


@dataclass(frozen=True)
class RowConfig:
    """What the rows of one import are checked against (column indexes into a row)."""

    import_id: str
    hmac_key: bytes
    default_country: str | None
    phone: int
    name: int | None = None
    language: int | None = None
    country: int | None = None
    tags: int | None = None
    fields: tuple[tuple[str, str, int], ...] = ()  # (key, type, column)
    # the import's consent events (None: the import records no consent)
    chain: BulkSource | None = None
    consent_mode: str = "none"  # column | file | none
    consent_column: int | None = None
    opted_in: frozenset[str] = frozenset(DEFAULT_OPTED_IN)
    opted_out: frozenset[str] = frozenset(DEFAULT_OPTED_OUT)


class RowRejected(Exception):
    def __init__(self, reason: str, value: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value[:MAX_ERROR_VALUE]


def _field_value(key: str, kind: str, raw: str) -> Any:
    text = raw.strip()
    try:
        if kind == "text":
            if len(text) <= MAX_TEXT_FIELD:
                return text
        elif kind == "number":
            # An integer of more digits than 2**53 has is out of range: float() tells, where
            # int() would spend quadratic time on a long one.
            integer = _INT.match(text) and len(text.lstrip("+-0")) <= 16
            number = int(text) if integer else float(text)
            if is_safe_number(number):  # what the contacts API accepts too
                return number
            raise RowRejected(
                f"Field '{key}' is out of range: a number must be finite and between "
                f"-{MAX_SAFE_NUMBER} and {MAX_SAFE_NUMBER}.",
                raw,
            )
        elif kind == "date":
            return date.fromisoformat(text).isoformat()
        elif kind == "boolean":
            folded = text.casefold()
            if folded in _TRUE or folded in _FALSE:
                return folded in _TRUE
    except ValueError:
        pass
    raise RowRejected(f"Field '{key}' must be a {kind}.", raw)


def normalise_row(config: RowConfig, line: int, cells: list[str]) -> Staged:
    """The staging tuple of one row, or RowRejected with the reason and the offending value."""
    width = len(cells)

    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < width else ""

    raw_phone = cell(config.phone)
    if "\x00" in "".join(cells):
        raise RowRejected("The row contains a NUL character.", raw_phone.replace("\x00", ""))
    if not raw_phone.strip():
        raise RowRejected("The phone number is empty.", raw_phone)
    try:
        parsed = parse(raw_phone, config.default_country)
    except InvalidPhone as exc:
        raise RowRejected(exc.detail, raw_phone) from None
    name = cell(config.name).strip() or None
    if name is not None and len(name) > 200:
        raise RowRejected("The name is longer than 200 characters.", name)
    language = cell(config.language).strip() or None
    if language is not None and len(language) > 16:
        raise RowRejected("The language is longer than 16 characters.", language)
    country = cell(config.country).strip().upper() or None
    if country is not None and not _COUNTRY.match(country):
        raise RowRejected("The country must be a two-letter code such as SD.", country)
    tags: list[str] = []
    if config.tags is not None:
        tags = sorted({t.strip() for t in _TAG_SPLIT.split(cell(config.tags)) if t.strip()})
        if len(tags) > MAX_TAGS:
            raise RowRejected(f"More than {MAX_TAGS} tags.", cell(config.tags))
        for tag in tags:
            if len(tag) > MAX_TAG:
                raise RowRejected(f"A tag is longer than {MAX_TAG} characters.", tag)
    fields: dict[str, Any] = {}
    for key, kind, index in config.fields:
        raw = cell(index)
        if raw.strip():
            fields[key] = _field_value(key, kind, raw)
    consent: str | None = None
    if config.consent_mode == "file":
        consent = "opted_in"
    elif config.consent_mode == "column":
        raw = cell(config.consent_column)
        value = raw.strip().casefold()
        if value in config.opted_in:
            consent = "opted_in"
        elif value in config.opted_out:
            consent = "opted_out"
        elif value:
            raise RowRejected(
                f"The consent value '{raw.strip()}' is neither an opted-in nor an opted-out value.",
                raw,
            )
    phone = parsed.e164
    return (
        line,
        phone,
        phone_hash(config.hmac_key, phone),
        name,
        language,
        country,
        parsed.country,
        parsed.timezone,
        tags,
        orjson.dumps(fields).decode() if fields else "{}",
        consent,
    )


STAGED_COLUMNS = (
    "import_id",
    "line",
    "phone",
    "phone_hash",
    "name",
    "language",
    "country",
    "inferred_country",
    "timezone",
    "tags",
    "fields",
    "consent",
    "contact_id",
    "event_at",
    "event_digest",
    "event_digest_ineffective",
)
NULL = "\\N"
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str | None) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return NULL
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


def _array(items: list[str]) -> str:
    if not items:
        return "{}"
    quoted = (t.replace("\\", "\\\\").replace('"', '\\"') for t in items)
    return _text("{" + ",".join(f'"{t}"' for t in quoted) + "}")


def copy_line(import_id: str, row: Staged, new_contact: str) -> str:
    """One staged row as a line of COPY text (STAGED_COLUMNS): the pool hands back one bytes
    object per chunk instead of a million tuples to unpickle and encode again. Phone, digests,
    ids, times, country codes, time zones and consent values never hold a character COPY
    escapes. `new_contact`: the last four columns (id and first event, if the number is new)."""
    line, phone, digest, name, language, country, inferred, zone, tags, fields, consent = row
    return (
        f"{import_id}\t{line}\t{phone}\t{digest}\t{_text(name)}\t{_text(language)}\t"
        f"{country or NULL}\t{inferred or NULL}\t{zone or NULL}\t{_array(tags)}\t"
        f"{_text(fields)}\t{consent or NULL}\t{new_contact}"
    )


@dataclass(frozen=True)
class Chunk:
    """The outcome of a chunk of rows: the valid ones as COPY text, the rejected ones."""

    copy_data: bytes
    rows: int
    errors: list[RowError]
    last_line: int


def normalise_rows(config: RowConfig, rows: list[tuple[int, list[str]]]) -> Chunk:
    lines: list[str] = []
    errors: list[RowError] = []
    at = datetime.now(UTC)
    chain = config.chain
    digest = ledger.first_event_digester(config.hmac_key, chain, at) if chain else None
    event_at = at.isoformat()
    for line, cells in rows:
        try:
            row = normalise_row(config, line, cells)
        except RowRejected as exc:
            errors.append((line, exc.reason, exc.value))
            continue
        # Should the number be new: its contact's id and first consent event, chained here.
        contact_id = uuid7_text()
        consent = row[-1]
        if digest is None or consent is None:
            new_contact = f"{contact_id}\t{NULL}\t{NULL}\t{NULL}"
        else:
            source_ref = f"import:{config.import_id}:{line}"
            effective = digest(contact_id, consent, source_ref, True, row[2])
            ineffective = (
                digest(contact_id, consent, source_ref, False, row[2])
                if consent == "opted_in"  # an opt-in that meets a suppression does not count
                else NULL
            )
            new_contact = f"{contact_id}\t{event_at}\t{effective}\t{ineffective}"
        lines.append(copy_line(config.import_id, row, new_contact))
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    return Chunk(data, len(lines), errors, rows[-1][0] if rows else 0)


# The process pool's side: each worker process holds the import's config.
_config: RowConfig | None = None


def init_worker(config: RowConfig) -> None:
    global _config  # one config per pool process, set once when it starts
    _config = config


def normalise_chunk(rows: list[tuple[int, list[str]]]) -> Chunk:
    assert _config is not None, "init_worker was not called"
    return normalise_rows(_config, rows)
