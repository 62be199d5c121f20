"""Message templates: drafts, lint, submission and edits through the Cloud API, status from
webhooks, sync and a periodic reconcile, preview and test sends through the one renderer.

A template belongs to the workspace and to the mode (live | test) of the caller, like the
WhatsApp connection it is submitted through; another mode's templates are not visible."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from qms import throttle
from qms.audit import service as audit
from qms.auth.dependencies import Principal
from qms.contacts import service as contacts
from qms.contacts.phones import hint, to_e164, try_e164
from qms.db import unit_of_work
from qms.errors import AppError, Conflict, Forbidden, NotFound, RateLimited, Unprocessable
from qms.models import (
    MessageTemplate,
    MessageTemplateVersion,
    User,
    WhatsAppConnection,
)
from qms.state import AppState
from qms.templates import lint as linter
from qms.templates.content import TemplateContent, canonical
from qms.templates.render import Rendered, Values, contact_values, message, render
from qms.templates.schemas import CloneIn, LintIn, RenderIn, TemplateIn, TemplateUpdate, TestSendIn
from qms.whatsapp import service as whatsapp
from qms.whatsapp.client import CloudApiClient, SendResult
from qms.whatsapp.errors import AuthError, CloudApiError, RateLimitedError, TransientError

log = structlog.get_logger(__name__)

META_STATUSES = frozenset(
    {
        "PENDING",
        "APPROVED",
        "REJECTED",
        "PAUSED",
        "DISABLED",
        "FLAGGED",
        "IN_APPEAL",
        "REINSTATED",
        "PENDING_DELETION",
        "DELETED",
        "ARCHIVED",
        "UNARCHIVED",
        "LIMIT_EXCEEDED",
        "LOCKED",
    }
)
QUALITY_SCORES = frozenset({"GREEN", "YELLOW", "RED", "UNKNOWN"})
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
# Statuses whose templates the reconcile job keeps reading (everything submitted and not gone).
FINAL_STATUSES = ("DRAFT", "DELETED")
LIST_FIELDS = (
    "id,name,language,status,category,components,parameter_format,quality_score,"
    "rejected_reason,previous_category"
)
MAX_PAGES = 100  # 100 templates a page: far above Meta's 6,000 per WABA
TEST_SENDS_PER_HOUR = 10
MEDIA_LIMITS = {
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "video/mp4": 16 << 20,
    "application/pdf": 100 << 20,
}
# Meta's error_subcode -> (our code, HTTP status, message) for template management refusals.
META_REFUSALS: dict[int, tuple[str, int, str]] = {
    2388024: (
        "templates.exists_on_meta",
        409,
        "The WhatsApp Business Account already has a template with this name and language; "
        "sync to import it, or use another name.",
    ),
    2388023: (
        "templates.name_recently_deleted",
        409,
        "A template of this name and language was deleted less than 30 days ago; Meta blocks "
        "the name until then. Use another name.",
    ),
    2388025: (
        "templates.waba_limit_reached",
        409,
        "The WhatsApp Business Account has reached its number of message templates.",
    ),
    2388299: (
        "templates.edit_limit_reached",
        409,
        "Meta's edit limit for approved templates is reached (1 per 24 hours, 10 per 30 days).",
    ),
    2388067: (
        "templates.category_locked",
        409,
        "Meta does not allow changing the category of an approved template.",
    ),
    2388059: (
        "templates.not_editable",
        409,
        "Meta does not allow editing the template in its current status.",
    ),
    2593003: (
        "templates.cannot_delete_disabled",
        409,
        "Meta does not allow deleting a disabled template.",
    ),
}
META_NOT_FOUND_SUBCODE = 2593002


class LintFailed(Unprocessable):
    code = "templates.lint_failed"
    title = "The template breaks Meta's rules"


class DuplicateTemplate(Conflict):
    code = "templates.duplicate"


class NotEditable(Conflict):
    code = "templates.not_editable"


class AlreadySubmitted(Conflict):
    code = "templates.already_submitted"


class NotApproved(Conflict):
    code = "templates.not_approved"


class ConnectionInactive(Conflict):
    code = "whatsapp.connection_inactive"


class TestSendThrottled(RateLimited):
    code = "templates.test_send_throttled"


def content_of(template: MessageTemplate) -> TemplateContent:
    return TemplateContent(
        name=template.name,
        language=template.language,
        category=template.category,
        parameter_format=template.parameter_format,
        components=template.components,
    )


def lint_failed(problems: list[linter.Problem]) -> LintFailed:
    return LintFailed(
        f"{len(problems)} problem(s) to fix before Meta will accept the template.",
        extra={"problems": [asdict(p) for p in problems]},
    )


def normalise_status(value: Any) -> str | None:
    status = str(value or "").upper()
    return status if status in META_STATUSES else None


def normalise_language(value: Any) -> str:
    return str(value or "").replace("-", "_")


def _now() -> datetime:
    return datetime.now(UTC)


def _second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


# Reading -----------------------------------------------------------------------------------------


async def get_template(
    session: AsyncSession,
    principal: Principal,
    template_id: uuid.UUID,
    *,
    lock: bool = False,
) -> MessageTemplate:
    query = select(MessageTemplate).where(
        MessageTemplate.id == template_id,
        MessageTemplate.workspace_id == principal.workspace_id,
        MessageTemplate.mode == whatsapp.mode_of(principal),
    )
    if lock:
        query = query.with_for_update()
    template = await session.scalar(query)
    if template is None:
        raise NotFound("No such template.")
    return template


def filtered(
    principal: Principal,
    status: list[str] | None,
    name: str | None,
    language: str | None,
    category: str | None,
) -> Select[tuple[MessageTemplate]]:
    query = select(MessageTemplate).where(
        MessageTemplate.workspace_id == principal.workspace_id,
        MessageTemplate.mode == whatsapp.mode_of(principal),
    )
    if status:
        query = query.where(MessageTemplate.status.in_(status))
    if name:
        term = name.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(MessageTemplate.name.ilike(f"%{term}%", escape="\\"))
    if language:
        query = query.where(MessageTemplate.language == language)
    if category:
        query = query.where(MessageTemplate.category == category)
    return query


async def variants(
    session: AsyncSession, principal: Principal, names: list[str]
) -> dict[str, list[tuple[uuid.UUID, str, str]]]:
    """(id, language, status) of every language of these names."""
    if not names:
        return {}
    rows = await session.execute(
        select(
            MessageTemplate.name,
            MessageTemplate.id,
            MessageTemplate.language,
            MessageTemplate.status,
        )
        .where(
            MessageTemplate.workspace_id == principal.workspace_id,
            MessageTemplate.mode == whatsapp.mode_of(principal),
            MessageTemplate.name.in_(set(names)),
        )
        .order_by(MessageTemplate.language)
    )
    grouped: dict[str, list[tuple[uuid.UUID, str, str]]] = {}
    for name, template_id, language, status in rows.all():
        grouped.setdefault(name, []).append((template_id, language, status))
    return grouped


async def versions(
    session: AsyncSession, principal: Principal, template_id: uuid.UUID
) -> list[MessageTemplateVersion]:
    await get_template(session, principal, template_id)
    rows = await session.scalars(
        select(MessageTemplateVersion)
        .where(MessageTemplateVersion.template_id == template_id)
        .order_by(MessageTemplateVersion.version.desc())
    )
    return list(rows)


# Drafts ------------------------------------------------------------------------------------------


async def _ensure_unique(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    mode: str,
    name: str,
    language: str,
    exclude: uuid.UUID | None = None,
) -> None:
    query = select(MessageTemplate.id).where(
        MessageTemplate.workspace_id == workspace_id,
        MessageTemplate.mode == mode,
        MessageTemplate.name == name,
        MessageTemplate.language == language,
    )
    if exclude is not None:
        query = query.where(MessageTemplate.id != exclude)
    existing = await session.scalar(query)
    if existing is not None:
        raise DuplicateTemplate(
            f"A template named '{name}' in {language} exists.",
            extra={"template_id": str(existing)},
        )


async def create_template(
    session: AsyncSession, principal: Principal, data: TemplateIn
) -> MessageTemplate:
    mode = whatsapp.mode_of(principal)
    await _ensure_unique(session, principal.workspace_id, mode, data.name, data.language)
    template = MessageTemplate(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        mode=mode,
        name=data.name,
        language=data.language,
        category=data.category,
        parameter_format=data.parameter_format,
        components=data.components,
        parameter_mapping=data.parameter_mapping,
        status="DRAFT",
        version=0,
    )
    session.add(template)
    await session.flush()
    await audit.record(
        session,
        "templates.created",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="template",
        target_id=template.id,
        details={"name": template.name, "language": template.language},
    )
    return template


async def clone_template(
    session: AsyncSession, principal: Principal, template_id: uuid.UUID, data: CloneIn
) -> MessageTemplate:
    source = await get_template(session, principal, template_id)
    name = data.name or source.name
    language = data.language or source.language
    if (name, language) == (source.name, source.language):
        raise DuplicateTemplate("Give the copy another name or another language.")
    return await create_template(
        session,
        principal,
        TemplateIn(
            name=name,
            language=language,
            category=data.category or source.category,
            parameter_format=source.parameter_format,
            components=copy.deepcopy(source.components),
            parameter_mapping=dict(source.parameter_mapping),
        ),
    )


async def update_template(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    template_id: uuid.UUID,
    data: TemplateUpdate,
) -> MessageTemplate:
    template = await get_template(session, principal, template_id, lock=True)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "parameter_mapping" in changes:
        template.parameter_mapping = changes.pop("parameter_mapping")
    changes = {k: v for k, v in changes.items() if getattr(template, k) != v}
    if not changes:
        await session.flush()
        return template
    if template.status == "DRAFT":
        name = changes.get("name", template.name)
        language = changes.get("language", template.language)
        if "name" in changes or "language" in changes:
            await _ensure_unique(
                session, template.workspace_id, template.mode, name, language, template.id
            )
        for key, value in changes.items():
            setattr(template, key, value)
        await session.flush()
        return template
    if template.status not in linter.EDITABLE:
        raise NotEditable(
            f"A {template.status} template can't be changed; Meta allows edits of APPROVED, "
            "REJECTED or PAUSED templates only."
        )
    return await _submit_edit(session, state, principal, template, changes)


async def delete_template(
    session: AsyncSession, state: AppState, principal: Principal, template_id: uuid.UUID
) -> None:
    """Deletes the template, and on Meta this language of it when it was submitted."""
    template = await get_template(session, principal, template_id, lock=True)
    if template.meta_template_id and template.status != "DELETED":
        if template.status == "DISABLED":
            raise Conflict(
                "Meta does not allow deleting a disabled template.",
                code="templates.cannot_delete_disabled",
            )
        connection, client, token = await _cloud_api(session, state, principal)
        try:
            await client.delete_template(
                connection.waba_id, token, template.name, hsm_id=template.meta_template_id
            )
        except CloudApiError as exc:
            if exc.subcode != META_NOT_FOUND_SUBCODE:
                raise await _guarded(connection, exc) from exc
    await session.delete(template)
    await audit.record(
        session,
        "templates.deleted",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="template",
        target_id=template_id,
        details={
            "name": template.name,
            "language": template.language,
            "meta_template_id": template.meta_template_id,
        },
    )


# Lint --------------------------------------------------------------------------------------------


async def approved_edits(session: AsyncSession, template_id: uuid.UUID) -> list[datetime]:
    """When this template was edited while APPROVED, in the last 30 days."""
    rows = await session.scalars(
        select(MessageTemplateVersion.submitted_at).where(
            MessageTemplateVersion.template_id == template_id,
            MessageTemplateVersion.kind == "edit",
            MessageTemplateVersion.previous_status == "APPROVED",
            MessageTemplateVersion.submitted_at > _now() - timedelta(days=30),
        )
    )
    return list(rows)


async def edit_context(session: AsyncSession, template: MessageTemplate) -> linter.EditContext:
    return linter.EditContext(
        status=template.status,
        name=template.name,
        language=template.language,
        category=template.category,
        parameter_format=template.parameter_format,
        approved_edits=await approved_edits(session, template.id),
    )


async def lint_draft(
    session: AsyncSession, principal: Principal, data: LintIn
) -> list[linter.Problem]:
    edit = None
    if data.template_id is not None:
        template = await get_template(session, principal, data.template_id)
        if template.status != "DRAFT":
            edit = await edit_context(session, template)
    content = TemplateContent(
        name=data.name,
        language=data.language,
        category=data.category,
        parameter_format=data.parameter_format,
        components=data.components,
    )
    return linter.lint(content, edit)


# Cloud API ---------------------------------------------------------------------------------------


def cloud_error(exc: CloudApiError, connection: WhatsAppConnection) -> AppError:
    """A Cloud API failure as the client should see it."""
    extra = {"meta_code": exc.code, "meta_subcode": exc.subcode}
    if isinstance(exc, AuthError):
        # Keep the disabled connection although the request fails.
        return AppError(
            f"The Cloud API refused the WhatsApp connection's access token: {exc.message}",
            code="whatsapp.token_rejected",
            status=502,
            extra=extra,
            keep_changes=True,
        )
    if isinstance(exc, RateLimitedError):
        return AppError(
            "The Cloud API's rate limit for template management is reached; try again later.",
            code="templates.meta_rate_limited",
            status=429,
            headers={"Retry-After": "60"},
            extra=extra,
        )
    if isinstance(exc, TransientError):
        return whatsapp.CloudApiUnavailable(f"The Cloud API failed: {exc.message}", extra=extra)
    if exc.subcode in META_REFUSALS:
        code, status, detail = META_REFUSALS[exc.subcode]
        return AppError(detail, code=code, status=status, extra=extra)
    detail = exc.details or exc.message
    return Unprocessable(
        f"The Cloud API refused the template: {detail}", code="templates.meta_refused", extra=extra
    )


async def _cloud_api(
    session: AsyncSession, state: AppState, principal: Principal
) -> tuple[WhatsAppConnection, CloudApiClient, str]:
    mode = whatsapp.mode_of(principal)
    connection = await whatsapp.get_connection(session, principal.workspace_id, mode)
    if connection.status != "active":
        raise ConnectionInactive(
            f"The WhatsApp connection is {connection.status}"
            + (f" ({connection.status_reason})" if connection.status_reason else "")
            + ": reconnect it first."
        )
    return connection, state.cloud_api(mode == "test"), whatsapp.access_token(state, connection)


async def _guarded(connection: WhatsAppConnection, exc: CloudApiError) -> AppError:
    if isinstance(exc, AuthError):
        await whatsapp.mark_connection_failed(connection, exc)
    return cloud_error(exc, connection)


def submission(template: TemplateContent) -> dict[str, Any]:
    """The Cloud API create body (spec §3.1)."""
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
    }


async def set_status(
    session: AsyncSession,
    template: MessageTemplate,
    status: str,
    at: datetime,
    *,
    reason: str | None = None,
    rejection_info: dict[str, Any] | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    """Apply a status Meta reported at `at`; the current version follows it."""
    template.status = status
    template.status_at = at
    template.status_info = info
    if status == "REJECTED":
        template.rejection_reason = reason if reason and reason != "NONE" else None
        template.rejection_info = rejection_info
    elif status in ("APPROVED", "PENDING"):
        template.rejection_reason = None
        template.rejection_info = None
    if template.version:
        await session.execute(
            update(MessageTemplateVersion)
            .where(
                MessageTemplateVersion.template_id == template.id,
                MessageTemplateVersion.version == template.version,
            )
            .values(status=status, rejection_reason=template.rejection_reason)
        )


def _add_version(
    session: AsyncSession,
    template: MessageTemplate,
    kind: str,
    *,
    previous_status: str | None = None,
    submitted_by: uuid.UUID | None = None,
) -> None:
    template.version += 1
    session.add(
        MessageTemplateVersion(
            id=uuid.uuid4(),
            template_id=template.id,
            version=template.version,
            kind=kind,
            category=template.category,
            parameter_format=template.parameter_format,
            components=copy.deepcopy(template.components),
            status=template.status,
            rejection_reason=template.rejection_reason,
            previous_status=previous_status,
            submitted_by=submitted_by,
            submitted_at=_now(),
        )
    )


async def submit_template(
    session: AsyncSession, state: AppState, principal: Principal, template_id: uuid.UUID
) -> MessageTemplate:
    """Lint, then create the template on the WABA. The row stays locked until the request
    commits, so a status webhook racing the response waits for the Meta id to be stored."""
    template = await get_template(session, principal, template_id, lock=True)
    if template.status != "DRAFT":
        raise AlreadySubmitted(
            f"The template was submitted already (it is {template.status}); edit it instead."
        )
    problems = linter.lint(content_of(template))
    if problems:
        raise lint_failed(problems)
    connection, client, token = await _cloud_api(session, state, principal)
    try:
        result = await client.create_template(
            connection.waba_id, token, submission(content_of(template))
        )
    except CloudApiError as exc:
        raise await _guarded(connection, exc) from exc
    now = _now()
    template.meta_template_id = str(result["id"])
    category = str(result.get("category") or "").upper()
    if category in CATEGORIES and category != template.category:
        template.previous_category = template.category
        template.category = category
    template.submitted_at = now
    template.status = normalise_status(result.get("status")) or "PENDING"
    _add_version(session, template, "submit", submitted_by=principal.user_id)
    await session.flush()
    await set_status(session, template, template.status, _second(now))
    await audit.record(
        session,
        "templates.submitted",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="template",
        target_id=template.id,
        details={"meta_template_id": template.meta_template_id, "status": template.status},
    )
    log.info(
        "template_submitted",
        workspace_id=str(principal.workspace_id),
        meta_template_id=template.meta_template_id,
        status=template.status,
    )
    return template


async def _submit_edit(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    template: MessageTemplate,
    changes: dict[str, Any],
) -> MessageTemplate:
    """A new version of a submitted template through Meta's edit endpoint (components and/or
    category; spec §3.1), after lint including Meta's edit limits."""
    current = content_of(template)
    edited = TemplateContent(
        name=changes.get("name", current.name),
        language=changes.get("language", current.language),
        category=changes.get("category", current.category),
        parameter_format=changes.get("parameter_format", current.parameter_format),
        components=changes.get("components", current.components),
    )
    problems = linter.lint(edited, await edit_context(session, template))
    if problems:
        raise lint_failed(problems)
    connection, client, token = await _cloud_api(session, state, principal)
    body: dict[str, Any] = {"components": edited.components}
    if edited.category != current.category:
        body["category"] = edited.category
    assert template.meta_template_id is not None
    try:
        await client.edit_template(template.meta_template_id, token, body)
    except CloudApiError as exc:
        raise await _guarded(connection, exc) from exc
    previous = template.status
    if edited.category != current.category:
        template.previous_category = current.category
        template.category = edited.category
    template.components = edited.components
    template.submitted_at = _now()
    template.status = "PENDING"
    template.rejection_reason = None
    template.rejection_info = None
    _add_version(
        session, template, "edit", previous_status=previous, submitted_by=principal.user_id
    )
    await session.flush()
    await set_status(session, template, "PENDING", _second(_now()))
    await audit.record(
        session,
        "templates.edited",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="template",
        target_id=template.id,
        details={"version": template.version, "previous_status": previous},
    )
    return template


# Sync and reconcile ------------------------------------------------------------------------------


@dataclass
class SyncResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)


async def _remote_templates(
    client: CloudApiClient, connection: WhatsAppConnection, token: str
) -> list[dict[str, Any]]:
    remote: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        items, after = await client.list_templates(
            connection.waba_id, token, after=after, limit=100, fields=LIST_FIELDS
        )
        remote += [i for i in items if isinstance(i, dict) and i.get("id")]
        if not after:
            return remote
    raise CloudApiError(None, f"more than {MAX_PAGES} pages of templates")


def _quality(item: dict[str, Any]) -> tuple[str | None, datetime | None]:
    quality = item.get("quality_score")
    if not isinstance(quality, dict):
        return None, None
    score = str(quality.get("score") or "").upper()
    date = quality.get("date")
    at = datetime.fromtimestamp(date, UTC) if isinstance(date, int) else None
    return (score if score in QUALITY_SCORES else None), at


async def _apply_remote(
    session: AsyncSession, template: MessageTemplate, item: dict[str, Any], now: datetime
) -> bool:
    """Refresh a known template from the WABA's listing; True if anything changed."""
    changed = False
    components = item.get("components")
    if isinstance(components, list) and canonical(components) != canonical(template.components):
        # Meta holds what is live: it was edited elsewhere.
        template.components = components
        _add_version(session, template, "sync")
        changed = True
    category = str(item.get("category") or "").upper()
    if category in CATEGORIES and category != template.category:
        template.previous_category = template.category
        template.category = category
        changed = True
    status = normalise_status(item.get("status"))
    reason = item.get("rejected_reason")
    reason = str(reason) if reason else None
    if status and (
        status != template.status
        or (status == "REJECTED" and reason not in (None, "NONE", template.rejection_reason))
    ):
        await session.flush()
        await set_status(
            session, template, status, now, reason=reason, rejection_info=template.rejection_info
        )
        changed = True
    score, scored_at = _quality(item)
    if score and score != template.quality_score:
        template.quality_score = score
        template.quality_updated_at = scored_at or now
        changed = True
    template.synced_at = now
    return changed


async def refresh_connection(
    session: AsyncSession,
    state: AppState,
    connection: WhatsAppConnection,
    *,
    import_new: bool,
) -> SyncResult:
    """Read every template of the connection's WABA: refresh status, quality, category and
    components of known ones, mark the ones gone from the WABA DELETED, and (for sync) import
    the ones QMS does not have. Cloud API errors propagate."""
    client = state.cloud_api(connection.mode == "test")
    token = whatsapp.access_token(state, connection)
    remote = await _remote_templates(client, connection, token)
    local = list(
        await session.scalars(
            select(MessageTemplate)
            .where(
                MessageTemplate.workspace_id == connection.workspace_id,
                MessageTemplate.mode == connection.mode,
            )
            .with_for_update()
        )
    )
    by_meta = {t.meta_template_id: t for t in local if t.meta_template_id}
    by_key = {(t.name, t.language): t for t in local}
    now = _now()
    result = SyncResult()
    seen: set[str] = set()
    for item in remote:
        meta_id = str(item["id"])
        seen.add(meta_id)
        template = by_meta.get(meta_id)
        name, language = str(item.get("name") or ""), normalise_language(item.get("language"))
        if template is None:
            other = by_key.get((name, language))
            if other is not None and other.meta_template_id is None:
                result.conflicts.append(
                    {"name": name, "language": language, "meta_template_id": meta_id}
                )
                continue
            if other is not None:  # recreated on the WABA under a new id
                other.meta_template_id = meta_id
                template = other
            elif import_new:
                _import(session, connection, item, meta_id, name, language, now)
                result.imported += 1
                continue
            else:
                continue
        if await _apply_remote(session, template, item, now):
            result.updated += 1
        else:
            result.unchanged += 1
    for template in local:
        if (
            template.meta_template_id
            and template.meta_template_id not in seen
            and template.status not in FINAL_STATUSES
        ):
            await set_status(session, template, "DELETED", now)
            template.synced_at = now
            result.deleted += 1
    await session.flush()
    return result


def _import(
    session: AsyncSession,
    connection: WhatsAppConnection,
    item: dict[str, Any],
    meta_id: str,
    name: str,
    language: str,
    now: datetime,
) -> None:
    components = item.get("components")
    category = str(item.get("category") or "").upper()
    reason = item.get("rejected_reason")
    score, scored_at = _quality(item)
    template = MessageTemplate(
        id=uuid.uuid4(),
        workspace_id=connection.workspace_id,
        mode=connection.mode,
        name=name,
        language=language,
        category=category if category in CATEGORIES else "UTILITY",
        parameter_format=str(item.get("parameter_format") or "positional").lower(),
        components=components if isinstance(components, list) else [],
        parameter_mapping={},
        status=normalise_status(item.get("status")) or "PENDING",
        status_at=now,
        rejection_reason=str(reason) if reason and reason != "NONE" else None,
        quality_score=score,
        quality_updated_at=scored_at,
        previous_category=str(item["previous_category"]) if item.get("previous_category") else None,
        meta_template_id=meta_id,
        version=0,
        synced_at=now,
    )
    session.add(template)
    _add_version(session, template, "import")


async def sync_templates(
    session: AsyncSession, state: AppState, principal: Principal
) -> SyncResult:
    connection, _, _ = await _cloud_api(session, state, principal)
    try:
        result = await refresh_connection(session, state, connection, import_new=True)
    except CloudApiError as exc:
        raise await _guarded(connection, exc) from exc
    await audit.record(
        session,
        "templates.synced",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="waba",
        target_id=connection.waba_id,
        details={k: v for k, v in asdict(result).items() if k != "conflicts"},
    )
    return result


async def reconcile_all(state: AppState) -> Counter[str]:
    """The periodic job: re-read status, quality and category of every submitted template, one
    WABA listing per connection (one transaction each, so one failing WABA stops no other)."""
    async with state.sessionmaker() as session:
        targets = (
            await session.execute(
                select(WhatsAppConnection.workspace_id, WhatsAppConnection.mode).where(
                    WhatsAppConnection.status == "active",
                    select(MessageTemplate.id)
                    .where(
                        MessageTemplate.workspace_id == WhatsAppConnection.workspace_id,
                        MessageTemplate.mode == WhatsAppConnection.mode,
                        MessageTemplate.meta_template_id.is_not(None),
                        MessageTemplate.status.not_in(FINAL_STATUSES),
                    )
                    .exists(),
                )
            )
        ).all()
    totals: Counter[str] = Counter()
    for workspace_id, mode in targets:
        async with unit_of_work(state.sessionmaker, state.redis) as session:
            connection = await session.get(WhatsAppConnection, (workspace_id, mode))
            if connection is None or connection.status != "active":
                continue
            try:
                result = await refresh_connection(session, state, connection, import_new=False)
            except AuthError as exc:
                await whatsapp.mark_connection_failed(connection, exc)
                totals["failed"] += 1
                continue
            except CloudApiError as exc:
                log.warning(
                    "template_reconcile_failed", workspace_id=str(workspace_id), code=exc.code
                )
                totals["failed"] += 1
                continue
        totals["connections"] += 1
        totals["updated"] += result.updated
        totals["deleted"] += result.deleted
    log.info("templates_reconciled", **totals)
    return totals


# Preview and test send ---------------------------------------------------------------------------


def _given_values(template: TemplateContent, data: RenderIn) -> Values:
    text: dict[str, str] = {}
    if isinstance(data.parameters, list):
        text |= {f"body.{i + 1}": v for i, v in enumerate(data.parameters)}
    elif isinstance(data.parameters, dict):
        for key, value in data.parameters.items():
            if "." in key:
                text[key] = value
            else:
                text[f"body.{key}"] = value
                if template.named:  # a name may be used in the header too
                    text.setdefault(f"header.{key}", value)
    if data.header_parameter is not None:
        text["header.1"] = data.header_parameter
    for index, value in (data.button_parameters or {}).items():
        text[f"button.{index}"] = value
    return Values(
        text=text,
        header_media=data.header_media.model_dump(exclude_none=True) if data.header_media else None,
        header_location=(
            data.header_location.model_dump(exclude_none=True) if data.header_location else None
        ),
    )


async def render_for(
    session: AsyncSession, principal: Principal, template: MessageTemplate, data: RenderIn
) -> Rendered:
    content = content_of(template)
    values = _given_values(content, data)
    if data.contact_id is not None:
        contact = await contacts.get_contact(session, principal.workspace_id, data.contact_id)
        values = values.merged_over(contact_values(content, contact, template.parameter_mapping))
    return render(content, values, use_examples=True)


async def preview(
    session: AsyncSession, principal: Principal, template_id: uuid.UUID, data: RenderIn
) -> Rendered:
    template = await get_template(session, principal, template_id)
    return await render_for(session, principal, template, data)


async def test_send(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    template_id: uuid.UUID,
    data: TestSendIn,
) -> tuple[SendResult, str, str]:
    """Send an approved template to the signed-in user's own number: `to` must equal the phone
    in their profile and their email must be verified. At most TEST_SENDS_PER_HOUR per user."""
    user_id = principal.require_user()
    template = await get_template(session, principal, template_id)
    if template.status != "APPROVED":
        raise NotApproved(f"Only approved templates can be sent; this one is {template.status}.")
    user = await session.get_one(User, user_id)
    if user.email_verified_at is None:
        raise Forbidden(
            "Verify your email address before sending test messages.",
            code="templates.test_send_email_unverified",
        )
    country = await contacts.default_country(session, principal.workspace_id)
    own = try_e164(user.phone, country) if user.phone else None
    if own is None:
        raise Unprocessable(
            "Add your phone number to your profile first (PATCH /api/v1/me); test messages go "
            "to that number only.",
            code="templates.test_send_no_phone",
        )
    to = to_e164(data.to, country)
    if to != own:
        raise Forbidden(
            "Test messages go to your own phone number (the one in your profile) only.",
            code="templates.test_send_not_own_number",
        )
    rendered = await render_for(session, principal, template, data)
    if rendered.missing:
        raise Unprocessable(
            f"No value for {', '.join(rendered.missing)}.",
            code="templates.missing_values",
            extra={"missing": rendered.missing},
        )
    connection, client, token = await _cloud_api(session, state, principal)
    numbers = await whatsapp.list_numbers(session, connection.workspace_id, connection.mode)
    number_ids = [n.phone_number_id for n in numbers]
    if data.phone_number_id is not None and data.phone_number_id not in number_ids:
        raise Unprocessable(
            "Not a phone number of this WhatsApp connection.",
            code="whatsapp.phone_number_not_in_waba",
        )
    if not number_ids:
        raise Unprocessable("The connection has no phone number.", code="whatsapp.no_numbers")
    sender = data.phone_number_id or number_ids[0]
    try:
        await throttle.hit(
            state.redis, "template_test_send", str(user_id), TEST_SENDS_PER_HOUR, 3600
        )
    except RateLimited as exc:
        retry_after = int(exc.headers.get("Retry-After", "3600"))
        raise TestSendThrottled(
            retry_after,
            f"At most {TEST_SENDS_PER_HOUR} test messages per hour; retry in {retry_after} s.",
        ) from exc
    payload = message(content_of(template), rendered.components, to)
    try:
        result = await client.send_message(sender, token, payload)
    except CloudApiError as exc:
        raise await _guarded(connection, exc) from exc
    await audit.record(
        session,
        "templates.test_sent",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="template",
        target_id=template.id,
        details={"to_hint": hint(to), "wamid": result.wamid},
    )
    return result, to, sender


async def upload_media(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    file_name: str,
    mime_type: str,
    data: bytes,
) -> str:
    """A media header's example, uploaded with Meta's resumable upload: its `header_handle`."""
    connection, client, token = await _cloud_api(session, state, principal)
    try:
        return await client.upload_header_example(
            state.settings.meta_app_id, token, file_name, mime_type, data
        )
    except CloudApiError as exc:
        raise await _guarded(connection, exc) from exc
