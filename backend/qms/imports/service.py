"""Contacts import: upload (streamed to disk, inspected), start (mapping and consent checked,
job queued), and the job itself.

The job runs in two phases, each committed in small transactions so a killed job picks up
where it stopped:

1. staging: the file is read in chunks; a process pool normalises the rows (phones are the
   expensive part); valid rows are COPYed into `contact_import_rows`, bad ones into
   `contact_import_errors`. Each chunk commits with `staged_through_line`, so a restart
   continues after it. Then duplicates within the whole file are marked in one statement (the
   last occurrence of a number wins).
2. merging: line-range batches go from staging into `contacts` with one UPDATE … FROM (existing
   numbers, when on_duplicate=update) and one INSERT … SELECT (new ones; again with ON
   CONFLICT DO NOTHING if someone created one of them meanwhile), suppressions applied in the
   same statements; consent events are appended set-based. Each batch is one transaction,
   recorded in `merged_batches` with the counters, so it happens exactly once; batches run on
   two connections at a time. A big import ends by refreshing statistics and the search index.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from arq import Retry
from sqlalchemy import TextClause, delete, exists, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from qms.audit import service as audit
from qms.auth.dependencies import Principal
from qms.config import Settings
from qms.consent import ledger
from qms.contacts import service as contacts
from qms.db import enqueue_after_commit, unit_of_work
from qms.errors import NotFound
from qms.imports import files
from qms.imports.errors import (
    AlreadyStarted,
    ConsentEvidenceRequired,
    InvalidMapping,
    UnsupportedFile,
    XlsxTooLarge,
)
from qms.imports.normalise import (
    DEFAULT_OPTED_IN,
    DEFAULT_OPTED_OUT,
    STAGED_COLUMNS,
    Chunk,
    RowConfig,
    RowError,
    init_worker,
    normalise_chunk,
    normalise_rows,
)
from qms.imports.pg import copy_records, copy_text
from qms.imports.schemas import ImportStartIn
from qms.imports.upload import receive_file
from qms.models import Contact, ContactImport, ContactImportError, ContactImportRow, Role
from qms.state import AppState

log = structlog.get_logger("qms.imports")

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
STAGE_CHUNK_ROWS = 10_000
MERGE_BATCH_LINES = 10_000
# Files with fewer rows are normalised in a thread: a pool costs ~1 s to start.
POOL_MIN_ROWS = 20_000
POOL_WORKERS = max(1, min(4, os.cpu_count() or 1))
MERGE_CONNECTIONS = 2
UNIQUE_VIOLATION = "23505"  # SQLSTATE
# arq ends a job after job_timeout (300 s): hand over to a fresh try before that.
SLICE_SECONDS = 240
MAPPABLE = ("phone", "name", "language", "country", "tags")
ERROR_COLUMNS = ("import_id", "line", "reason", "value")


class ImportFailed(Exception):
    """The file cannot be imported as started (the import is marked failed, not retried)."""


def file_path(settings: Settings, import_id: uuid.UUID) -> Path:
    return settings.data_dir / "imports" / str(import_id)


# --- upload, start, read -------------------------------------------------------------------


async def upload(
    session: AsyncSession, state: AppState, principal: Principal, request: Request
) -> ContactImport:
    """Stream the multipart upload to disk, then describe it (type, encoding, headers,
    preview, row count)."""
    import_id = uuid.uuid4()
    path = file_path(state.settings, import_id)
    file_name, size = await receive_file(request, path, MAX_UPLOAD_BYTES)
    try:
        info = await asyncio.to_thread(files.inspect, path)
        record = ContactImport(
            id=import_id,
            workspace_id=principal.workspace_id,
            created_by_user_id=principal.user_id,
            created_by_api_key_id=principal.api_key_id,
            status="uploaded",
            file_name=file_name,
            size_bytes=size,
            file_type=info.file_type,
            encoding=info.encoding,
            delimiter=info.delimiter,
            headers=info.headers,
            preview=info.preview,
            total_rows=info.total_rows,
        )
        session.add(record)
        # Committed here, not after the handler: the file is kept only with its record.
        await session.commit()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return record


async def get_import(
    session: AsyncSession, workspace_id: uuid.UUID, import_id: uuid.UUID, *, lock: bool = False
) -> ContactImport:
    query = select(ContactImport).where(
        ContactImport.id == import_id, ContactImport.workspace_id == workspace_id
    )
    if lock:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound("No such import.")
    return found


async def list_imports(session: AsyncSession, workspace_id: uuid.UUID) -> list[ContactImport]:
    rows = await session.scalars(
        select(ContactImport)
        .where(ContactImport.workspace_id == workspace_id)
        .order_by(ContactImport.created_at.desc(), ContactImport.id.desc())
        .limit(100)
    )
    return list(rows)


def _folded(values: list[str] | None, default: tuple[str, ...]) -> list[str]:
    return sorted({v.strip().casefold() for v in (values or default) if v.strip()})


async def start(
    session: AsyncSession,
    principal: Principal,
    import_id: uuid.UUID,
    body: ImportStartIn,
) -> ContactImport:
    """Check the mapping and consent against the file and the workspace, then queue the job."""
    record = await get_import(session, principal.workspace_id, import_id, lock=True)
    if record.status != "uploaded":
        raise AlreadyStarted("This import has already been started.")
    headers = set(record.headers)
    if "phone" not in body.mapping:
        raise InvalidMapping("Map a column to phone.")
    types = await contacts.field_types(session, principal.workspace_id)
    for target, header in body.mapping.items():
        if target.startswith("fields."):
            key = target.removeprefix("fields.")
            if key not in types:
                raise InvalidMapping(
                    f"Unknown custom field '{key}'; define it first.", extra={"field": key}
                )
        elif target not in MAPPABLE:
            raise InvalidMapping(f"Unknown mapping target '{target}'.", extra={"target": target})
        if header not in headers:
            raise InvalidMapping(f"The file has no column '{header}'.", extra={"header": header})
    consent = body.consent
    evidence = (consent.evidence or "").strip()
    if consent.mode != "none" and len(evidence) < 3:
        raise ConsentEvidenceRequired(
            "Say what the people in this file were shown or did when they consented."
        )
    if consent.mode == "column":
        if not consent.column or consent.column not in headers:
            raise InvalidMapping(
                "Name the file's consent column.", extra={"header": consent.column or ""}
            )
    elif consent.column is not None:
        raise InvalidMapping("A consent column is only read with consent mode 'column'.")
    opted_in = _folded(consent.opted_in_values, DEFAULT_OPTED_IN)
    opted_out = _folded(consent.opted_out_values, DEFAULT_OPTED_OUT)
    if set(opted_in) & set(opted_out):
        raise InvalidMapping("A consent value cannot mean both opted in and opted out.")
    record.mapping = dict(body.mapping)
    record.consent = {
        "mode": consent.mode,
        "column": consent.column,
        "purpose": consent.purpose,
        "evidence": evidence if consent.mode != "none" else None,
        "opted_in_values": opted_in,
        "opted_out_values": opted_out,
    }
    record.consent_mode = consent.mode
    record.on_duplicate = body.on_duplicate
    record.status = "queued"
    record.started_by_user_id = principal.user_id
    record.started_by_api_key_id = principal.api_key_id
    enqueue_after_commit(session, "run_import", str(record.id))
    await audit.record(
        session,
        "contacts.import_started",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="contact_import",
        target_id=record.id,
        details={
            "file_name": record.file_name,
            "rows": record.total_rows,
            "consent_mode": consent.mode,
            "on_duplicate": body.on_duplicate,
        },
    )
    await session.flush()
    return record


async def error_rows(state: AppState, import_id: uuid.UUID) -> AsyncIterator[tuple[Any, ...]]:
    """The rejected rows in line order, streamed."""
    async with state.sessionmaker() as reader:
        result = await reader.stream(
            select(ContactImportError.line, ContactImportError.reason, ContactImportError.value)
            .where(ContactImportError.import_id == import_id)
            .order_by(ContactImportError.line)
            .execution_options(yield_per=5000)
        )
        async for row in result:
            yield tuple(row)


# --- the job -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the job needs to know about an import, read once at the start of each try."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    path: Path
    file_type: str
    encoding: str | None
    delimiter: str | None
    on_duplicate: str
    purpose: str
    evidence: str | None
    actor: Principal
    rows: RowConfig
    total_rows: int | None


def _checkpoint(import_id: uuid.UUID, phase: str, number: int) -> None:
    """Called after each committed chunk and batch. Tests replace it to kill the job there."""


async def run(state: AppState, import_id: uuid.UUID, job_try: int = 1, max_tries: int = 5) -> None:
    """The job (arq `run_import`). Safe to run again at any point: it continues after the last
    committed chunk or batch."""
    started = time.monotonic()
    try:
        plan = await _begin(state, import_id)
        if plan is None:
            return
        await _stage(state, plan, started, job_try, max_tries)
        await _merge(state, plan, started, job_try, max_tries)
        await _finish(state, plan)
    except _Slice:
        log.info("import_continues_in_next_try", import_id=str(import_id))
        raise Retry(defer=1) from None
    except ImportFailed as exc:
        await _fail(state, import_id, str(exc))
    except (OperationalError, InterfaceError, OSError, BrokenProcessPool) as exc:
        # The database, the disk or a pool process went away: try again (it resumes).
        if job_try >= max_tries:
            log.exception("import_failed", import_id=str(import_id))
            await _fail(state, import_id, "The import stopped repeatedly; try again.")
            return
        log.warning("import_retry", import_id=str(import_id), error=type(exc).__name__)
        raise Retry(defer=min(60, 5 * job_try)) from exc
    except Exception as exc:
        log.exception("import_failed", import_id=str(import_id))
        await _fail(state, import_id, f"The import failed: {exc}"[:500])


class _Slice(Exception):
    """Time to hand over to a fresh try of the job."""


def _check_slice(started: float, job_try: int, max_tries: int) -> None:
    if job_try < max_tries and time.monotonic() - started > SLICE_SECONDS:
        raise _Slice


async def _begin(state: AppState, import_id: uuid.UUID) -> _Plan | None:
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        record = await session.scalar(
            select(ContactImport).where(ContactImport.id == import_id).with_for_update()
        )
        if record is None or record.status not in ("queued", "running"):
            return None
        assert record.mapping is not None and record.consent is not None
        record.status = "running"
        record.started_at = record.started_at or datetime.now(UTC)
        path = file_path(state.settings, record.id)
        if not path.exists():
            raise ImportFailed("The uploaded file is no longer available; upload it again.")
        column = {header: index for index, header in enumerate(record.headers)}
        mapping = record.mapping
        types = await contacts.field_types(session, record.workspace_id)
        fields = []
        for target, header in mapping.items():
            if target.startswith("fields."):
                key = target.removeprefix("fields.")
                if key not in types:
                    raise ImportFailed(f"The custom field '{key}' no longer exists.")
                fields.append((key, types[key], column[header]))
        consent = record.consent
        rows = RowConfig(
            import_id=str(record.id),
            hmac_key=state.secrets.hmac_key,
            default_country=await contacts.default_country(session, record.workspace_id),
            phone=column[mapping["phone"]],
            name=column.get(mapping.get("name", "")),
            language=column.get(mapping.get("language", "")),
            country=column.get(mapping.get("country", "")),
            tags=column.get(mapping.get("tags", "")),
            fields=tuple(fields),
            consent_mode=consent["mode"],
            consent_column=column.get(consent.get("column") or ""),
            chain=None
            if consent["mode"] == "none"
            else ledger.BulkSource(
                workspace_id=record.workspace_id,
                purpose=consent["purpose"],
                source="import",
                evidence=consent["evidence"],
                actor_user_id=record.started_by_user_id,
                actor_api_key_id=record.started_by_api_key_id,
            ),
            opted_in=frozenset(consent["opted_in_values"]),
            opted_out=frozenset(consent["opted_out_values"]),
        )
        return _Plan(
            id=record.id,
            workspace_id=record.workspace_id,
            path=path,
            file_type=record.file_type,
            encoding=record.encoding,
            delimiter=record.delimiter,
            on_duplicate=record.on_duplicate or "update",
            purpose=consent["purpose"],
            evidence=consent["evidence"],
            # The ledger records who started the import (only the ids are read).
            actor=Principal(
                user_id=record.started_by_user_id,
                workspace_id=record.workspace_id,
                role=Role.viewer,
                scopes=frozenset(),
                api_key_id=record.started_by_api_key_id,
            ),
            rows=rows,
            total_rows=record.total_rows,
        )


async def _fail(state: AppState, import_id: uuid.UUID, message: str) -> None:
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        await session.execute(
            delete(ContactImportRow).where(ContactImportRow.import_id == import_id)
        )
        await session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id)
            .values(status="failed", error=message[:2000], finished_at=datetime.now(UTC))
        )
    file_path(state.settings, import_id).unlink(missing_ok=True)


# A big import leaves contacts' statistics stale (the planner then reads a whole workspace to
# answer a search) and the trigram index's pending list long (every search reads all of it):
# both are brought up to date before the import reports done. Best effort: a database role
# that may not run them (not the tables' owner) leaves them to autovacuum.
UPKEEP_MIN_ROWS = 50_000
UPKEEP = (
    "SELECT gin_clean_pending_list('ix_contacts_search')",
    "ANALYZE contacts",
    "ANALYZE consent_events",
)


async def _finish(state: AppState, plan: _Plan) -> None:
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        written = await session.scalar(
            select(ContactImport.created + ContactImport.updated).where(ContactImport.id == plan.id)
        )
        if (written or 0) >= UPKEEP_MIN_ROWS:
            try:
                async with session.begin_nested():
                    for statement in UPKEEP:
                        await session.execute(text(statement))
            except DBAPIError as exc:
                log.warning("import_upkeep_skipped", import_id=str(plan.id), error=str(exc.orig))
        await session.execute(delete(ContactImportRow).where(ContactImportRow.import_id == plan.id))
        await session.execute(
            update(ContactImport)
            .where(ContactImport.id == plan.id)
            .values(status="completed", phase="done", finished_at=datetime.now(UTC))
        )
    plan.path.unlink(missing_ok=True)
    log.info("import_completed", import_id=str(plan.id))


# --- phase 1: staging ----------------------------------------------------------------------


async def _stage(
    state: AppState, plan: _Plan, started: float, job_try: int, max_tries: int
) -> None:
    async with unit_of_work(state.sessionmaker, state.redis) as session:
        record = await session.get_one(ContactImport, plan.id, with_for_update=True)
        staged = await session.scalar(
            select(func.count()).where(ContactImportRow.import_id == plan.id)
        )
        if staged != record.staged_rows:
            # UNLOGGED staging is emptied by a database crash: stage the file again (batches
            # already merged stay merged and are not redone).
            log.warning("import_restage", import_id=str(plan.id))
            await session.execute(
                delete(ContactImportRow).where(ContactImportRow.import_id == plan.id)
            )
            await session.execute(
                delete(ContactImportError).where(ContactImportError.import_id == plan.id)
            )
            record.phase, record.staged_through_line, record.staged_rows = "staging", 0, 0
            record.errors = 0
        if record.phase != "staging":
            return
        resume_after = record.staged_through_line
        already = record.staged_rows + record.errors

    reader = files.records(plan.path, plan.file_type, plan.encoding, plan.delimiter)
    last_line = resume_after

    def next_chunk() -> list[tuple[int, list[str]]]:
        chunk: list[tuple[int, list[str]]] = []
        try:
            for line, cells in reader:
                if line > resume_after:
                    chunk.append((line, cells))
                    if len(chunk) >= STAGE_CHUNK_ROWS:
                        break
        except (UnsupportedFile, XlsxTooLarge) as exc:
            # an XLSX is checked at upload only as far as the preview reads it; nothing is
            # merged before the whole file is staged
            raise ImportFailed(exc.detail) from exc
        return chunk

    expected = plan.total_rows if plan.total_rows is not None else POOL_MIN_ROWS
    pool = _pool(plan.rows) if expected - already >= POOL_MIN_ROWS else None
    loop = asyncio.get_running_loop()
    inflight: deque[asyncio.Future[Chunk]] = deque()
    depth = 2 * POOL_WORKERS if pool else 1
    eof = False
    try:
        while True:
            while not eof and len(inflight) < depth:
                rows = await asyncio.to_thread(next_chunk)
                if not rows:
                    eof = True
                    break
                inflight.append(
                    loop.run_in_executor(pool, normalise_chunk, rows)
                    if pool
                    else asyncio.ensure_future(asyncio.to_thread(normalise_rows, plan.rows, rows))
                )
            if not inflight:
                break
            chunk = await inflight.popleft()
            async with unit_of_work(state.sessionmaker, state.redis) as session:
                await _async_commit_off(session)
                await copy_text(
                    session, ContactImportRow.__tablename__, STAGED_COLUMNS, chunk.copy_data
                )
                await _record_errors(session, plan.id, chunk.errors)
                await session.execute(
                    update(ContactImport)
                    .where(ContactImport.id == plan.id)
                    .values(
                        staged_through_line=chunk.last_line,
                        staged_rows=ContactImport.staged_rows + chunk.rows,
                        errors=ContactImport.errors + len(chunk.errors),
                    )
                )
            last_line = chunk.last_line
            _checkpoint(plan.id, "staging", chunk.last_line)
            _check_slice(started, job_try, max_tries)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        for work in inflight:
            work.cancel()

    async with unit_of_work(state.sessionmaker, state.redis) as session:
        # Duplicates within the file: every occurrence of a number but the last is superseded.
        await _async_commit_off(session)
        await session.execute(text("SET LOCAL work_mem = '256MB'"))
        superseded = await session.execute(
            text(
                """
                UPDATE contact_import_rows r SET superseded = true
                FROM (SELECT phone, max(line) AS last_line FROM contact_import_rows
                      WHERE import_id = :id GROUP BY phone HAVING count(*) > 1) d
                WHERE r.import_id = :id AND r.phone = d.phone AND r.line < d.last_line
                """
            ),
            {"id": plan.id},
        )
        # Fresh statistics, so the merge statements join the batch to contacts by index.
        await session.execute(text("ANALYZE contact_import_rows"))
        record = await session.get_one(ContactImport, plan.id, with_for_update=True)
        record.duplicates_in_file = int(superseded.rowcount)  # type: ignore[attr-defined]
        record.total_rows = record.staged_rows + record.errors
        record.last_line = max(last_line, record.staged_through_line)
        record.phase = "merging"


async def _record_errors(
    session: AsyncSession, import_id: uuid.UUID, errors: list[RowError]
) -> None:
    if len(errors) > 500:
        await copy_records(
            session,
            ContactImportError.__tablename__,
            ERROR_COLUMNS,
            [(import_id, line, reason, value) for line, reason, value in errors],
        )
    elif errors:
        await session.execute(
            insert(ContactImportError),
            [
                {"import_id": import_id, "line": line, "reason": reason, "value": value}
                for line, reason, value in errors
            ],
        )


def _pool(config: RowConfig) -> ProcessPoolExecutor:
    # spawn, not fork: the worker must not inherit the event loop, sockets or locks.
    return ProcessPoolExecutor(
        max_workers=POOL_WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(config,),
    )


async def _async_commit_off(session: AsyncSession) -> None:
    """A crash may lose the last few commits of an import, but always data and progress
    together (one WAL), and the job redoes them: no need to wait for the disk flush. (And no
    JIT: it costs more than these statements take.)"""
    await session.execute(
        text("SELECT set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true)")
    )


# --- phase 2: merging ----------------------------------------------------------------------


def _merge_sql(plan: _Plan, probe_existing: bool, tolerate_conflicts: bool) -> str:
    """The batch's contacts, set-based: existing numbers updated (on_duplicate=update), new
    ones inserted with the ids staged for them, suppressions applied in the same writes (the
    ledger's rules: an import's opt-out always counts, its opt-in never over a suppression).
    Answers with the updated contacts (kind "u": their events are chained by
    `ledger.append_many`, after each one's latest event) and one row of counts (kind "n").

    `probe_existing` false: the workspace had no contacts when the merge began, so no staged
    number can exist (they are unique once in-file duplicates are superseded) but one created
    meanwhile by someone else. Such a number makes the plain insert fail; the batch is then
    merged again with `tolerate_conflicts`, whose insert skips it (ON CONFLICT costs every
    row a speculative insertion, for a case that is rare)."""
    mapping = plan.rows
    purpose = plan.purpose
    assert purpose in ledger.PURPOSES
    other = "utility" if purpose == "marketing" else "marketing"
    sets = []
    if mapping.name is not None:
        sets.append("name = COALESCE(src.name, c.name)")
    if mapping.language is not None:
        sets.append("language = COALESCE(src.language, c.language)")
    sets.append("country = COALESCE(src.country, c.country, src.inferred_country)")
    sets.append("timezone = COALESCE(c.timezone, src.timezone)")
    if mapping.tags is not None:
        sets.append(
            "tags = ARRAY(SELECT DISTINCT t FROM unnest(c.tags || src.tags) AS t ORDER BY t)"
        )
    if mapping.fields:
        sets.append("fields = c.fields || src.fields")
    sets.append(
        f"{purpose}_consent = CASE WHEN src.consent = 'opted_out' THEN 'opted_out' "
        f"WHEN src.consent = 'opted_in' AND NOT src.suppressed_{purpose} THEN 'opted_in' "
        f"ELSE c.{purpose}_consent END"
    )
    sets.append("updated_at = now()")
    updating = plan.on_duplicate == "update"
    # Built from fixed fragments only (purpose is one of ledger.PURPOSES); values are bound.
    upd = "upd AS (SELECT NULL::uuid AS id, NULL AS phone, NULL::int AS line, NULL AS phone_hash,"
    upd += " NULL AS consent WHERE false),"
    if updating:
        upd = f"""
        upd AS (
            UPDATE contacts c SET {", ".join(sets)}
            FROM src WHERE c.id = src.existing_id
            RETURNING c.id, src.phone, src.line, src.phone_hash, src.consent
        ),"""  # noqa: S608

    def suppressed(purpose: str) -> str:
        return f"""(SELECT true FROM suppressions p
                    WHERE p.workspace_id = :workspace_id AND p.purpose = '{purpose}'
                      AND p.phone_hash = s.phone_hash AND p.lifted_at IS NULL
                    LIMIT 1) IS NOT NULL"""  # noqa: S608

    # a number created meanwhile by someone else is left alone (counted as skipped)
    conflicts = "ON CONFLICT (workspace_id, phone) DO NOTHING" if tolerate_conflicts else ""
    existing = "NULL::uuid"
    if probe_existing:
        existing = """(SELECT c.id FROM contacts c
                       WHERE c.workspace_id = :workspace_id AND c.phone = s.phone LIMIT 1)"""
    # The lookups are scalar subqueries with LIMIT 1: one index probe per row of the batch,
    # whatever the (lagging) statistics of contacts and suppressions say.
    return f"""
        WITH src AS MATERIALIZED (
            SELECT s.line, s.phone, s.phone_hash, s.name, s.language, s.country,
                   s.inferred_country, s.timezone, s.tags, s.fields, s.consent, s.contact_id,
                   {existing} AS existing_id,
                   {suppressed(purpose)} AS suppressed_{purpose},
                   {suppressed(other)} AS suppressed_{other}
            FROM contact_import_rows s
            WHERE s.import_id = :import_id AND s.line >= :low AND s.line < :high
              AND NOT s.superseded
        ),{upd}
        ins AS (
            INSERT INTO contacts (id, workspace_id, phone, phone_hash, name, language, country,
                                  timezone, tags, fields, {purpose}_consent, {other}_consent)
            SELECT src.contact_id, :workspace_id, src.phone, src.phone_hash, src.name,
                   src.language, COALESCE(src.country, src.inferred_country), src.timezone,
                   src.tags, src.fields,
                   CASE WHEN src.suppressed_{purpose} THEN 'opted_out'
                        ELSE COALESCE(src.consent, 'none') END,
                   CASE WHEN src.suppressed_{other} THEN 'opted_out' ELSE 'none' END
            FROM src
            WHERE src.existing_id IS NULL
            {conflicts}
            RETURNING id
        )
        SELECT 'u' AS kind, id, phone, line, phone_hash, consent, NULL::bigint AS staged,
               NULL::bigint AS created, NULL::bigint AS superseded_rows,
               NULL::bigint AS error_rows
        FROM upd
        UNION ALL
        SELECT 'n', NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM src),
               (SELECT count(*) FROM ins),
               (SELECT count(*) FROM contact_import_rows
                WHERE import_id = :import_id AND line >= :low AND line < :high AND superseded),
               (SELECT count(*) FROM contact_import_errors
                WHERE import_id = :import_id AND line >= :low AND line < :high)
    """  # noqa: S608


def _first_events_sql(purpose: str) -> str:
    """The first consent events of the batch's new contacts, and the suppressions of their
    opt-outs, from what the pool staged. New contacts are those whose staged id exists: the
    merge statement inserted them (an updated number keeps its own id; a number someone else
    created meanwhile was skipped). Their consent column says whether an opt-in counted."""
    assert purpose in ledger.PURPOSES
    return f"""
        WITH created AS MATERIALIZED (
            SELECT s.line, s.phone, s.phone_hash, s.consent, s.contact_id, s.event_at,
                   s.consent = 'opted_out' OR c.{purpose}_consent = 'opted_in' AS effective,
                   s.event_digest, s.event_digest_ineffective
            FROM contact_import_rows s JOIN contacts c ON c.id = s.contact_id
            WHERE s.import_id = :import_id AND s.line >= :low AND s.line < :high
              AND NOT s.superseded AND s.consent IS NOT NULL
        ),
        events AS (
            INSERT INTO consent_events (workspace_id, contact_id, seq, purpose, status, source,
                                        source_ref, evidence, effective, phone_digest,
                                        actor_user_id, actor_api_key_id, occurred_at, digest)
            SELECT :workspace_id, contact_id, 1, '{purpose}', consent, 'import',
                   'import:' || :import_id_text || ':' || line, CAST(:evidence AS text),
                   effective, phone_hash, CAST(:actor_user_id AS uuid),
                   CAST(:actor_api_key_id AS uuid), event_at,
                   CASE WHEN effective THEN event_digest ELSE event_digest_ineffective END
            FROM created ORDER BY line
        )
        INSERT INTO suppressions (id, workspace_id, purpose, phone_hash, phone_hint, source)
        SELECT gen_random_uuid(), :workspace_id, '{purpose}', phone_hash, right(phone, 4),
               'import'
        FROM created WHERE consent = 'opted_out'
        ON CONFLICT (workspace_id, purpose, phone_hash) WHERE lifted_at IS NULL DO NOTHING
    """  # noqa: S608


@dataclass(frozen=True)
class _MergeStatements:
    """An import's merge statements, built once for all its batches."""

    merge: TextClause
    merge_tolerating_conflicts: TextClause  # the batch again, if a number was created meanwhile
    first_events: TextClause


async def _merge(
    state: AppState, plan: _Plan, started: float, job_try: int, max_tries: int
) -> None:
    async with state.sessionmaker() as session:
        record = await session.get_one(ContactImport, plan.id)
        done = set(record.merged_batches)
        last_line = record.last_line
    first_line = 2  # the header is line 1
    total = max(0, -(-(last_line - first_line + 1) // MERGE_BATCH_LINES))
    todo = deque(number for number in range(total) if number not in done)
    async with state.sessionmaker() as session:
        probe_existing = bool(
            await session.scalar(select(exists().where(Contact.workspace_id == plan.workspace_id)))
        )
    statements = _MergeStatements(
        merge=text(_merge_sql(plan, probe_existing, tolerate_conflicts=False)),
        merge_tolerating_conflicts=text(_merge_sql(plan, probe_existing, tolerate_conflicts=True)),
        first_events=text(_first_events_sql(plan.purpose)),
    )
    connections = 1 if state.sessions_share_a_connection else MERGE_CONNECTIONS

    async def worker() -> None:
        while todo:
            number = todo.popleft()
            low = first_line + number * MERGE_BATCH_LINES
            async with unit_of_work(state.sessionmaker, state.redis) as session:
                await _merge_batch(
                    session, state, plan, statements, number, low, low + MERGE_BATCH_LINES
                )
            _checkpoint(plan.id, "merging", number)
            _check_slice(started, job_try, max_tries)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(connections, len(todo))):
                group.create_task(worker())
    except BaseExceptionGroup as failed:  # the first failure, as if there were one worker
        raise failed.exceptions[0] from None
    async with state.sessionmaker() as session:
        merged = await session.scalar(
            select(func.cardinality(ContactImport.merged_batches)).where(
                ContactImport.id == plan.id
            )
        )
    if merged != total:
        raise RuntimeError(f"import {plan.id}: {merged} of {total} batches merged")


# For the batch's transaction. Every statement of a batch is meant as index lookups (rows of
# the batch against contacts, the ledger and suppressions); `contacts` grows by up to a million
# rows during one import and its statistics lag, and with stale statistics the planner would
# rather scan the whole table (or the workspace) for each batch. Also: a crash may lose the last
# commits, but data and progress together, and the job redoes them (no wait for the flush); JIT
# compiling would cost more than these short statements save; and larger GIN pending lists
# (trigram and tags indexes) are merged in fewer, bigger steps.
_MERGE_SETTINGS = text(
    "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true),"
    " set_config('enable_mergejoin', 'off', true),"
    " set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true),"
    " set_config('gin_pending_list_limit', '32MB', true)"
)


async def _merge_batch(
    session: AsyncSession,
    state: AppState,
    plan: _Plan,
    statements: _MergeStatements,
    number: int,
    low: int,
    high: int,
) -> None:
    await session.execute(_MERGE_SETTINGS)
    batch = {"workspace_id": plan.workspace_id, "import_id": plan.id, "low": low, "high": high}
    try:
        async with session.begin_nested():
            result = (await session.execute(statements.merge, batch)).all()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        result = (await session.execute(statements.merge_tolerating_conflicts, batch)).all()
    updated_rows = [row for row in result if row.kind == "u"]
    counts = next(row for row in result if row.kind == "n")
    kept, created = int(counts.staged), int(counts.created)
    superseded, errors = int(counts.superseded_rows), int(counts.error_rows)
    updated = len(updated_rows)
    if created and plan.rows.chain is not None:
        await session.execute(
            statements.first_events,
            {
                **batch,
                "import_id_text": str(plan.id),
                "evidence": plan.evidence,
                "actor_user_id": plan.actor.user_id,
                "actor_api_key_id": plan.actor.api_key_id,
            },
        )
    # Updated contacts already have a chain: their events follow its head, chained here.
    entries = [
        ledger.BulkEntry(
            contact_id=row.id,
            phone_hash=row.phone_hash,
            status=row.consent,
            source_ref=f"import:{plan.id}:{row.line}",
            phone_hint=row.phone[-4:],
        )
        for row in sorted(updated_rows, key=lambda row: row.line)
        if row.consent is not None
    ]
    if entries:
        await ledger.append_many(
            session,
            state.secrets,
            plan.workspace_id,
            plan.purpose,
            entries,
            ledger.Evidence(source="import", evidence=plan.evidence, actor=plan.actor),
            rows_locked=True,  # this transaction just updated them
        )
    await session.execute(
        update(ContactImport)
        .where(ContactImport.id == plan.id)
        .values(
            processed_rows=ContactImport.processed_rows + kept + superseded + errors,
            created=ContactImport.created + created,
            updated=ContactImport.updated + updated,
            skipped=ContactImport.skipped + kept - created - updated,
            merged_batches=func.array_append(ContactImport.merged_batches, number),
        )
    )
