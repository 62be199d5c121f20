"""The consent ledger: append-only events per contact and purpose, chained by an HMAC whose key
lives outside the database. The canonical record holds personal data (phone, IP, user agent)
only as keyed digests, so erasure can blank those fields and the chain still verifies — and
someone who edits an event cannot recompute the downstream digests without the key."""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, any_, bindparam, func, literal, select, text, true, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from qms.auth.dependencies import Principal
from qms.errors import Unprocessable
from qms.models import ConsentEvent, Contact, OptInRequest, Suppression
from qms.secrets_store import Secrets
from qms.security.keyed import hmac_sha256, hmac_sha256_hex

PURPOSES = ("marketing", "utility")
STATUSES = ("opted_in", "opted_out")
# Sources that are the person acting themselves from their own number: only these lift a
# suppression. A web form counts once an inbound START from the number confirmed it.
PERSONAL_SOURCES = {"inbound_keyword", "web_form_confirmed"}
SOURCES = {
    "web_form",
    "web_form_confirmed",
    "import",
    "api",
    "inbound_keyword",
    "meta_user_preferences",
    "agent",
}
OPTIN_CONFIRMATION_WINDOW = timedelta(days=7)


def _key(secrets: Secrets | bytes, purpose: str) -> bytes:
    master = secrets if isinstance(secrets, bytes) else secrets.hmac_key
    return hmac_sha256(master, f"qms:{purpose}".encode())


def digest_of(secrets: Secrets, value: str | None) -> str | None:
    if value is None:
        return None
    return hmac_sha256_hex(_key(secrets, "consent-field"), value.encode())


@dataclass(frozen=True)
class _Record:
    """The fields of an event that the chain covers, for bulk appends (no ORM instance per
    event); `_canonical` reads the same attribute names from either."""

    workspace_id: uuid.UUID
    contact_id: uuid.UUID
    seq: int
    purpose: str
    status: str
    source: str
    source_ref: str | None
    evidence: str | None
    effective: bool
    phone_digest: str
    ip_digest: str | None
    user_agent_digest: str | None
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    occurred_at: datetime
    prev_digest: str | None


def _canonical(event: ConsentEvent | _Record) -> bytes:
    record: dict[str, Any] = {
        "v": 1,
        "workspace": str(event.workspace_id),
        "contact": str(event.contact_id),
        "seq": event.seq,
        "purpose": event.purpose,
        "status": event.status,
        "source": event.source,
        "source_ref": event.source_ref,
        "evidence": event.evidence,
        "effective": event.effective,
        "phone": event.phone_digest,
        "ip": event.ip_digest,
        "user_agent": event.user_agent_digest,
        "actor_user": str(event.actor_user_id) if event.actor_user_id else None,
        "actor_key": str(event.actor_api_key_id) if event.actor_api_key_id else None,
        "at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev": event.prev_digest,
    }
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# The fields that differ between the events of one bulk append (the rest is the same for all).
_VARYING = ("contact_id", "seq", "status", "source_ref", "effective", "phone_digest", "prev_digest")
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')


def _json_text(value: str | None) -> str:
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False) if _NEEDS_ESCAPE.search(value) else f'"{value}"'


def _bulk_canonical(base: _Record) -> Callable[[_Record], bytes]:
    """`_canonical` for records that differ from `base` only in the _VARYING fields: the base's
    canonical JSON with slots for those fields (a million json.dumps calls cost seconds). The
    caller checks it against `_canonical`."""
    marks = {f"\x00{field}\x00": field for field in _VARYING}
    placeholders: dict[str, Any] = {field: mark for mark, field in marks.items()}
    probe = dataclasses.replace(base, **placeholders)
    canonical = _canonical(probe).decode()
    slot = re.compile("|".join(re.escape(json.dumps(mark)) for mark in marks))
    pieces: list[str] = []
    fields: list[str] = []
    position = 0
    for match in slot.finditer(canonical):
        pieces.append(canonical[position : match.start()])
        fields.append(marks[json.loads(match.group())])
        position = match.end()
    pieces.append(canonical[position:])
    render: dict[str, Callable[[Any], str]] = {
        "contact_id": lambda r: f'"{r.contact_id}"',
        "seq": lambda r: str(r.seq),
        "status": lambda r: _json_text(r.status),
        "source_ref": lambda r: _json_text(r.source_ref),
        "effective": lambda r: "true" if r.effective else "false",
        "phone_digest": lambda r: _json_text(r.phone_digest),
        "prev_digest": lambda r: _json_text(r.prev_digest),
    }
    renderers = [render[field] for field in fields]
    tail = pieces[-1]

    def encode(record: _Record) -> bytes:
        out = []
        for piece, renderer in zip(pieces, renderers, strict=False):
            out.append(piece)
            out.append(renderer(record))
        out.append(tail)
        return "".join(out).encode()

    return encode


@dataclass(frozen=True)
class BulkSource:
    """What the events of one bulk append share (an import's): source, evidence, actor."""

    workspace_id: uuid.UUID
    purpose: str
    source: str
    evidence: str | None
    actor_user_id: uuid.UUID | None = None
    actor_api_key_id: uuid.UUID | None = None


FirstEventDigest = Callable[[uuid.UUID | str, str, str, bool, str], str]


def first_event_digester(hmac_key: bytes, source: BulkSource, at: datetime) -> FirstEventDigest:
    """`digest(contact_id, status, source_ref, effective, phone_digest)`: the chain digest of a
    new contact's first event (seq 1, nothing before it) in a bulk append at `at`, over the
    same canonical record as `append_many`. Imports compute it where rows are normalised (the
    process pool), a million times, so the merge writes new contacts' events with one
    INSERT … SELECT: the canonical JSON is rendered once per status and effect, with slots for
    the contact, the reference and the phone digest (checked against `_canonical`)."""
    base = _Record(
        workspace_id=source.workspace_id,
        contact_id=uuid.UUID(int=0),
        seq=1,
        purpose=source.purpose,
        status=STATUSES[0],
        source=source.source,
        source_ref=None,
        evidence=source.evidence,
        effective=True,
        phone_digest="",
        ip_digest=None,
        user_agent_digest=None,
        actor_user_id=source.actor_user_id,
        actor_api_key_id=source.actor_api_key_id,
        occurred_at=at,
        prev_digest=None,
    )
    key = _key(hmac_key, "consent-chain")
    slots = {"contact_id": "\x00c\x00", "source_ref": "\x00r\x00", "phone_digest": "\x00p\x00"}
    templates: dict[tuple[str, bool], str] = {}
    for status in STATUSES:
        for effective in (True, False):
            marked = dataclasses.replace(base, status=status, effective=effective, **slots)  # type: ignore[arg-type]
            template = _canonical(marked).decode().replace("{", "{{").replace("}", "}}")
            for name, mark in slots.items():
                template = template.replace(json.dumps(mark), '"{' + name + '}"')
            templates[status, effective] = template

    def digest(
        contact_id: uuid.UUID | str,
        status: str,
        source_ref: str,
        effective: bool,
        phone_digest: str,
    ) -> str:
        if _NEEDS_ESCAPE.search(source_ref) or _NEEDS_ESCAPE.search(phone_digest):
            raise ValueError("source_ref and phone_digest are plain text")
        record = templates[status, effective].format(
            contact_id=contact_id, source_ref=source_ref, phone_digest=phone_digest
        )
        return hmac_sha256_hex(key, record.encode())

    probe = dataclasses.replace(base, contact_id=uuid.uuid4(), source_ref="import:x:2")
    expected = hmac_sha256_hex(key, _canonical(probe))
    if digest(probe.contact_id, probe.status, "import:x:2", True, "") != expected:
        raise RuntimeError("first_event_digester disagrees with _canonical")
    return digest


def chain_digest(secrets: Secrets, event: ConsentEvent | _Record) -> str:
    return hmac_sha256_hex(_key(secrets, "consent-chain"), _canonical(event))


def is_effective(status: str, source: str, suppressed: bool) -> bool:
    """Whether an event changes the contact's consent: an opt-in over an active suppression
    counts only when it is the person's own (from their number)."""
    return status != "opted_in" or not suppressed or source in PERSONAL_SOURCES


@dataclass(frozen=True)
class Evidence:
    """What is known about how consent was given or withdrawn."""

    source: str
    evidence: str | None = None
    source_ref: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    actor: Principal | None = None
    occurred_at: datetime | None = None


async def active_suppression(
    session: AsyncSession, workspace_id: uuid.UUID, purpose: str, phone_hash: str
) -> Suppression | None:
    result: Suppression | None = await session.scalar(
        select(Suppression).where(
            Suppression.workspace_id == workspace_id,
            Suppression.purpose == purpose,
            Suppression.phone_hash == phone_hash,
            Suppression.lifted_at.is_(None),
        )
    )
    return result


async def suppress(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    purpose: str,
    phone_hash: str,
    *,
    source: str,
    phone_hint: str | None,
    reason: str | None = None,
) -> None:
    await session.execute(
        insert(Suppression)
        .values(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            purpose=purpose,
            phone_hash=phone_hash,
            phone_hint=phone_hint,
            source=source,
            reason=reason,
        )
        .on_conflict_do_nothing(
            index_elements=["workspace_id", "purpose", "phone_hash"],
            index_where=text("lifted_at IS NULL"),
        )
    )


async def append(
    session: AsyncSession,
    secrets: Secrets,
    contact: Contact,
    purpose: str,
    status: str,
    how: Evidence,
) -> ConsentEvent:
    """Record a consent event and apply it. One writer per contact at a time (row lock), so the
    chain never forks."""
    if purpose not in PURPOSES or status not in STATUSES or how.source not in SOURCES:
        raise Unprocessable(
            "Unknown consent purpose, status or source.", code="consent.invalid_event"
        )
    await session.execute(select(Contact.id).where(Contact.id == contact.id).with_for_update())
    last = (
        await session.execute(
            select(ConsentEvent.seq, ConsentEvent.digest)
            .where(ConsentEvent.contact_id == contact.id)
            .order_by(ConsentEvent.seq.desc())
            .limit(1)
        )
    ).first()
    suppression = await active_suppression(
        session, contact.workspace_id, purpose, contact.phone_hash
    )
    # Only the person's own new opt-in from that number lifts a suppression.
    effective = is_effective(status, how.source, suppression is not None)
    at = how.occurred_at or datetime.now(UTC)
    event = ConsentEvent(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        seq=(last.seq + 1) if last else 1,
        purpose=purpose,
        status=status,
        source=how.source,
        source_ref=how.source_ref,
        evidence=how.evidence,
        effective=effective,
        ip=how.ip,
        user_agent=how.user_agent,
        phone_digest=contact.phone_hash,
        ip_digest=digest_of(secrets, how.ip),
        user_agent_digest=digest_of(secrets, how.user_agent),
        actor_user_id=how.actor.user_id if how.actor else None,
        actor_api_key_id=how.actor.api_key_id if how.actor else None,
        occurred_at=at,
        prev_digest=last.digest if last else None,
    )
    event.digest = chain_digest(secrets, event)
    session.add(event)
    await session.flush()
    if effective:
        setattr(contact, f"{purpose}_consent", status)
        if status == "opted_out":
            await suppress(
                session,
                contact.workspace_id,
                purpose,
                contact.phone_hash,
                source=how.source,
                phone_hint=contact.phone[-4:] if contact.phone else None,
            )
        elif suppression is not None:
            suppression.lifted_at = at
            suppression.lifted_by_event_id = event.id
    return event


@dataclass(frozen=True)
class BulkEntry:
    """One event of `append_many`: what differs from contact to contact."""

    contact_id: uuid.UUID
    phone_hash: str
    status: str
    source_ref: str | None = None
    phone_hint: str | None = None
    # The caller created the contact in this transaction and wrote its consent column by these
    # rules (`is_effective` over the active suppressions): its chain is empty, so no head to
    # read, and its column needs no second write.
    new_contact: bool = False


_UUIDS = ARRAY(UUID(as_uuid=True))
_STRINGS = ARRAY(String())
_EVENT_COLUMNS = (
    "workspace_id",
    "contact_id",
    "seq",
    "purpose",
    "status",
    "source",
    "source_ref",
    "evidence",
    "effective",
    "ip",
    "user_agent",
    "phone_digest",
    "ip_digest",
    "user_agent_digest",
    "actor_user_id",
    "actor_api_key_id",
    "occurred_at",
    "prev_digest",
    "digest",
)


async def append_many(
    session: AsyncSession,
    secrets: Secrets,
    workspace_id: uuid.UUID,
    purpose: str,
    entries: Sequence[BulkEntry],
    how: Evidence,
    *,
    rows_locked: bool = False,
) -> list[bool]:
    """`append` for many contacts at once (imports), set-based: one `SELECT … FOR UPDATE` locks
    the contacts, one query reads each chain's head, the chain (seq, prev, digest) is computed
    here over the same canonical record, one COPY writes the events, then one UPDATE applies the
    effective ones to the contacts and one INSERT suppresses the effective opt-outs. Same rules
    as `append`; entries for one contact are chained in the order given. Returns, per entry,
    whether it was effective.

    `rows_locked`: the caller already holds the contacts' row locks (it inserted or updated
    them in this transaction), so the lock statement is skipped.

    For third-party sources only (import, api, agent…): the person's own opt-in may lift a
    suppression, which `append` records one event at a time."""
    if (
        purpose not in PURPOSES
        or how.source not in SOURCES
        or any(e.status not in STATUSES for e in entries)
    ):
        raise Unprocessable(
            "Unknown consent purpose, status or source.", code="consent.invalid_event"
        )
    if how.source in PERSONAL_SOURCES:
        raise ValueError("a personal opt-in may lift a suppression: record it with append()")
    if not entries:
        return []
    ids = sorted({e.contact_id for e in entries})
    ids_param = bindparam("ids", ids, type_=_UUIDS)
    if not rows_locked:
        await session.execute(
            select(Contact.id)
            .where(Contact.id == any_(ids_param))
            .order_by(Contact.id)
            .with_for_update()
        )
    # One index probe per contact (LATERAL … LIMIT 1): whatever the planner thinks of the table's
    # size, never a scan of the whole ledger.
    existing = sorted({e.contact_id for e in entries if not e.new_contact})
    contacts = (
        func.unnest(bindparam("existing", existing, type_=_UUIDS))
        .table_valued("id")
        .render_derived()
    )
    head = (
        select(ConsentEvent.seq, ConsentEvent.digest)
        .where(ConsentEvent.contact_id == contacts.c.id)
        .order_by(ConsentEvent.seq.desc())
        .limit(1)
        .lateral()
    )
    heads: dict[uuid.UUID, tuple[int, str | None]] = {}
    if existing:
        heads = {
            contact_id: (seq, digest)
            for contact_id, seq, digest in await session.execute(
                select(contacts.c.id, head.c.seq, head.c.digest).join(head, true())
            )
        }
    # One index probe per number (LATERAL … LIMIT 1): never a scan of the workspace's list.
    # Only opt-ins need it: an opt-out is effective whatever the list says.
    opt_ins = sorted({e.phone_hash for e in entries if e.status == "opted_in"})
    hashes = (
        func.unnest(bindparam("hashes", opt_ins, type_=_STRINGS))
        .table_valued("phone_hash")
        .render_derived()
    )
    active = (
        select(Suppression.phone_hash)
        .where(
            Suppression.workspace_id == workspace_id,
            Suppression.purpose == purpose,
            Suppression.phone_hash == hashes.c.phone_hash,
            Suppression.lifted_at.is_(None),
        )
        .limit(1)
        .lateral()
    )
    suppressed: set[str] = set()
    if opt_ins:
        suppressed = set(
            await session.scalars(
                select(active.c.phone_hash).select_from(hashes).join(active, true())
            )
        )
    at = how.occurred_at or datetime.now(UTC)
    ip_digest = digest_of(secrets, how.ip)
    user_agent_digest = digest_of(secrets, how.user_agent)
    actor_user_id = how.actor.user_id if how.actor else None
    actor_api_key_id = how.actor.api_key_id if how.actor else None
    key = _key(secrets, "consent-chain")
    encode: Callable[[_Record], bytes] | None = None
    rows: list[tuple[Any, ...]] = []
    effective_flags: list[bool] = []
    final: dict[uuid.UUID, str] = {}
    opted_out: dict[str, str | None] = {}
    for entry in entries:
        last_seq, last_digest = heads.get(entry.contact_id, (0, None))
        effective = is_effective(entry.status, how.source, entry.phone_hash in suppressed)
        record = _Record(
            workspace_id=workspace_id,
            contact_id=entry.contact_id,
            seq=last_seq + 1,
            purpose=purpose,
            status=entry.status,
            source=how.source,
            source_ref=entry.source_ref,
            evidence=how.evidence,
            effective=effective,
            phone_digest=entry.phone_hash,
            ip_digest=ip_digest,
            user_agent_digest=user_agent_digest,
            actor_user_id=actor_user_id,
            actor_api_key_id=actor_api_key_id,
            occurred_at=at,
            prev_digest=last_digest,
        )
        if encode is None:
            encode = _bulk_canonical(record)
            if encode(record) != _canonical(record):
                encode = _canonical
        digest = hmac_sha256_hex(key, encode(record))
        heads[entry.contact_id] = (record.seq, digest)
        rows.append(
            (
                workspace_id,
                entry.contact_id,
                record.seq,
                purpose,
                entry.status,
                how.source,
                entry.source_ref,
                how.evidence,
                effective,
                how.ip,
                how.user_agent,
                entry.phone_hash,
                ip_digest,
                user_agent_digest,
                actor_user_id,
                actor_api_key_id,
                at,
                last_digest,
                digest,
            )
        )
        effective_flags.append(effective)
        if effective:
            if not entry.new_contact:
                final[entry.contact_id] = entry.status
            if entry.status == "opted_out":
                suppressed.add(entry.phone_hash)
                opted_out[entry.phone_hash] = entry.phone_hint
    await _copy_records(session, ConsentEvent.__tablename__, _EVENT_COLUMNS, rows)
    if final:
        # Only the contacts whose column differs (none when the caller already wrote it, as an
        # import does), found by one index probe each; then a plain UPDATE of those.
        column = getattr(Contact, f"{purpose}_consent")
        changes = (
            func.unnest(
                bindparam("contact_ids", list(final), type_=_UUIDS),
                bindparam("statuses", list(final.values()), type_=_STRINGS),
            )
            .table_valued("id", "status")
            .render_derived()
        )
        current = (
            select(Contact.id)
            .where(Contact.id == changes.c.id, column.is_distinct_from(changes.c.status))
            .limit(1)
            .lateral()
        )
        stale = [
            contact_id
            for (contact_id,) in await session.execute(
                select(current.c.id).select_from(changes).join(current, true())
            )
        ]
        for status in STATUSES:
            targets = [contact_id for contact_id in stale if final[contact_id] == status]
            if targets:
                await session.execute(
                    update(Contact)
                    .where(Contact.id == any_(bindparam("targets", targets, type_=_UUIDS)))
                    .values({column: status})
                    .execution_options(synchronize_session=False)
                )
    if opted_out:
        new = (
            func.unnest(
                bindparam("phone_hashes", list(opted_out), type_=_STRINGS),
                bindparam("hints", list(opted_out.values()), type_=_STRINGS),
            )
            .table_valued("phone_hash", "hint")
            .render_derived()
        )
        await session.execute(
            insert(Suppression)
            .from_select(
                ["id", "workspace_id", "purpose", "phone_hash", "phone_hint", "source"],
                select(
                    func.gen_random_uuid(),
                    literal(workspace_id, UUID(as_uuid=True)),
                    literal(purpose),
                    new.c.phone_hash,
                    new.c.hint,
                    literal(how.source),
                ),
            )
            .on_conflict_do_nothing(
                index_elements=["workspace_id", "purpose", "phone_hash"],
                index_where=text("lifted_at IS NULL"),
            )
        )
    return effective_flags


async def _copy_records(
    session: AsyncSession, table: str, columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """COPY rows into a table inside the session's transaction (asyncpg's binary COPY: the
    fastest way into PostgreSQL, no bind-parameter limit)."""
    if not records:
        return
    connection = await session.connection()
    # The driver opens its transaction lazily, on the first statement: make sure it is open.
    await connection.execute(text("SELECT 1"))
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table, records=records, columns=list(columns)
    )


async def request_form_optin(
    session: AsyncSession,
    secrets: Secrets,
    contact: Contact,
    purpose: str,
    how: Evidence,
) -> OptInRequest | ConsentEvent:
    """A web-form opt-in: immediate unless the number is suppressed; then it waits for the
    person's START from that number."""
    if await active_suppression(session, contact.workspace_id, purpose, contact.phone_hash):
        request = OptInRequest(
            workspace_id=contact.workspace_id,
            phone_hash=contact.phone_hash,
            contact_id=contact.id,
            purpose=purpose,
            evidence=how.evidence or "",
            ip=how.ip,
            user_agent=how.user_agent,
            expires_at=datetime.now(UTC) + OPTIN_CONFIRMATION_WINDOW,
        )
        session.add(request)
        await session.flush()
        return request
    return await append(session, secrets, contact, purpose, "opted_in", how)


async def confirm_pending_optins(
    session: AsyncSession, secrets: Secrets, contact: Contact, wamid: str
) -> int:
    """An inbound START confirms the number's pending form opt-ins."""
    pending = (
        await session.scalars(
            select(OptInRequest).where(
                OptInRequest.workspace_id == contact.workspace_id,
                OptInRequest.phone_hash == contact.phone_hash,
                OptInRequest.confirmed_at.is_(None),
                OptInRequest.expires_at > datetime.now(UTC),
            )
        )
    ).all()
    for request in pending:
        request.confirmed_at = datetime.now(UTC)
        await append(
            session,
            secrets,
            contact,
            request.purpose,
            "opted_in",
            Evidence(
                source="web_form_confirmed",
                evidence=request.evidence,
                source_ref=wamid,
                ip=request.ip,
                user_agent=request.user_agent,
            ),
        )
    return len(pending)


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    events: int
    broken_at_seq: int | None = None
    reason: str | None = None


async def verify(session: AsyncSession, secrets: Secrets, contact_id: uuid.UUID) -> ChainCheck:
    events = (
        await session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == contact_id)
            .order_by(ConsentEvent.seq)
        )
    ).all()
    previous: str | None = None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return ChainCheck(False, len(events), event.seq, "sequence gap")
        if event.prev_digest != previous:
            return ChainCheck(False, len(events), event.seq, "link to the previous event broken")
        if not hmac.compare_digest(chain_digest(secrets, event), event.digest):
            return ChainCheck(False, len(events), event.seq, "event altered")
        for clear, digest in (
            (event.ip, event.ip_digest),
            (event.user_agent, event.user_agent_digest),
        ):
            if clear is not None and digest_of(secrets, clear) != digest:
                return ChainCheck(False, len(events), event.seq, "personal field altered")
        previous = event.digest
    return ChainCheck(True, len(events))


async def erase_contact(session: AsyncSession, contact: Contact) -> None:
    """The erasure primitive: blank the contact's personal data everywhere this domain stores it.
    The keyed phone hash stays (suppression must outlive erasure); the ledger still verifies."""
    await session.execute(
        text("SELECT consent_blank_personal_data(:contact_id)"), {"contact_id": contact.id}
    )
    await session.execute(
        update(OptInRequest)
        .where(OptInRequest.contact_id == contact.id)
        .values(ip=None, user_agent=None)
    )
    contact.phone = None
    contact.name = None
    contact.language = None
    contact.country = None
    contact.timezone = None
    contact.tags = []
    contact.fields = {}
    contact.erased_at = datetime.now(UTC)
