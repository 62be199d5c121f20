from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from sqlalchemy import tuple_

from qms.auth.dependencies import Principal, requires
from qms.deps import Session, State
from qms.errors import PROBLEM_RESPONSE, AppError, Unprocessable
from qms.models import MessageTemplate
from qms.pagination import (
    Cursor,
    Items,
    Limit,
    Page,
    cursor_text,
    cursor_time,
    cursor_uuid,
    encode_cursor,
    read_cursor,
)
from qms.templates import service
from qms.templates.lint import RULES
from qms.templates.render import Rendered
from qms.templates.schemas import (
    Category,
    CloneIn,
    HeaderHandleOut,
    LintIn,
    LintOut,
    PreviewOut,
    ProblemOut,
    RenderIn,
    Status,
    SyncOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdate,
    TestSendIn,
    TestSendOut,
    VariantOut,
    VersionOut,
)

router = APIRouter(prefix="/templates", tags=["templates"])

TemplatesRead = Annotated[Principal, Depends(requires("templates:read"))]
TemplatesWrite = Annotated[Principal, Depends(requires("templates:write"))]

CLOUD_API: dict[int | str, dict[str, Any]] = {
    502: {"description": "The Cloud API failed", **PROBLEM_RESPONSE}
}
Sort = Literal["name", "-updated_at"]


async def _out(session: Session, principal: Principal, template: MessageTemplate) -> TemplateOut:
    grouped = await service.variants(session, principal, [template.name])
    return _with_variants(template, grouped)


def _with_variants(
    template: MessageTemplate, grouped: dict[str, list[tuple[uuid.UUID, str, str]]]
) -> TemplateOut:
    out = TemplateOut.model_validate(template)
    out.variants = [
        VariantOut(id=i, language=language, status=s)
        for i, language, s in grouped.get(template.name, [])
        if i != template.id
    ]
    return out


def _position(cursor: str | None, sort: Sort) -> tuple[Any, ...] | None:
    def parse(position: dict[str, Any]) -> tuple[Any, ...]:
        template_id = cursor_uuid(position["id"])
        if sort == "name":
            return cursor_text(position["n"]), cursor_text(position["l"]), template_id
        return cursor_time(position["v"]), template_id

    return read_cursor(cursor, parse)


@router.get("", operation_id="templates:list")
async def list_templates(
    principal: TemplatesRead,
    session: Session,
    status_: Annotated[list[Status] | None, Query(alias="status")] = None,
    name: Annotated[str | None, Query(max_length=512, description="Part of the name")] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    category: Category | None = None,
    sort: Annotated[
        Sort, Query(description="`name` groups the languages of a template together")
    ] = "name",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TemplateOut]:
    """The workspace's templates in the caller's mode (live or test), keyset-paginated."""
    query = service.filtered(principal, list(status_ or []), name, language, category)
    after = _position(cursor, sort)
    if sort == "name":
        key = tuple_(MessageTemplate.name, MessageTemplate.language, MessageTemplate.id)
        if after is not None:
            query = query.where(key > tuple_(*after))
        query = query.order_by(MessageTemplate.name, MessageTemplate.language, MessageTemplate.id)
    else:
        key = tuple_(MessageTemplate.updated_at, MessageTemplate.id)
        if after is not None:
            query = query.where(key < tuple_(*after))
        query = query.order_by(MessageTemplate.updated_at.desc(), MessageTemplate.id.desc())
    rows = (await session.scalars(query.limit(limit + 1))).all()
    page = list(rows[:limit])
    grouped = await service.variants(session, principal, [t.name for t in page])
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(
            {"n": last.name, "l": last.language, "id": str(last.id)}
            if sort == "name"
            else {"v": last.updated_at.isoformat(), "id": str(last.id)}
        )
    return Page(items=[_with_variants(t, grouped) for t in page], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="templates:create")
async def create_template(
    body: TemplateIn, principal: TemplatesWrite, session: Session
) -> TemplateOut:
    """A new DRAFT (nothing reaches Meta until it is submitted)."""
    template = await service.create_template(session, principal, body)
    return await _out(session, principal, template)


@router.post("/lint", operation_id="templates:lint")
async def lint_template(body: LintIn, principal: TemplatesWrite, session: Session) -> LintOut:
    """Lint a template without saving it (the builder's inline errors): every problem, each with
    its path and a stable code. With `template_id`, linted as an edit of that template."""
    problems = await service.lint_draft(session, principal, body)
    return LintOut(
        ok=not problems,
        problems=[ProblemOut(path=p.path, code=p.code, message=p.message) for p in problems],
    )


@router.get("/lint-rules", operation_id="templates:lint_rules")
async def lint_rules(principal: TemplatesRead) -> dict[str, str]:
    """Every lint rule code with what it checks."""
    return RULES


@router.post("/sync", operation_id="templates:sync", responses=CLOUD_API)
async def sync_templates(principal: TemplatesWrite, session: Session, state: State) -> SyncOut:
    """Import the templates of the WABA that QMS does not have (their component JSON as Meta
    holds it) and refresh status, quality and category of the ones it has."""
    result = await service.sync_templates(session, state, principal)
    return SyncOut.model_validate(result)


@router.post("/media", operation_id="templates:upload_media", responses=CLOUD_API)
async def upload_media(
    principal: TemplatesWrite,
    session: Session,
    state: State,
    file: Annotated[UploadFile, File(description="JPEG/PNG ≤ 5 MB, MP4 ≤ 16 MB, PDF ≤ 100 MB")],
) -> HeaderHandleOut:
    """Upload a media header's sample through Meta's resumable upload; put the returned
    `header_handle` in the HEADER's `example.header_handle`."""
    mime = (file.content_type or "").split(";")[0].strip().lower()
    limit = service.MEDIA_LIMITS.get(mime)
    if limit is None:
        raise Unprocessable(
            f"'{mime or 'unknown'}' is not a header sample type: use "
            f"{', '.join(service.MEDIA_LIMITS)}.",
            code="templates.media_type_unsupported",
        )
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise AppError(
            f"The file is larger than {limit >> 20} MB, the limit for {mime}.",
            code="templates.media_too_large",
            status=413,
        )
    if not data:
        raise Unprocessable("The file is empty.", code="templates.media_empty")
    handle = await service.upload_media(
        session, state, principal, file.filename or "sample", mime, data
    )
    return HeaderHandleOut(header_handle=handle)


@router.get("/{template_id}", operation_id="templates:get")
async def get_template(
    template_id: uuid.UUID, principal: TemplatesRead, session: Session
) -> TemplateOut:
    template = await service.get_template(session, principal, template_id)
    return await _out(session, principal, template)


@router.patch("/{template_id}", operation_id="templates:update", responses=CLOUD_API)
async def update_template(
    template_id: uuid.UUID,
    body: TemplateUpdate,
    principal: TemplatesWrite,
    session: Session,
    state: State,
) -> TemplateOut:
    """A draft is edited in place. An APPROVED, REJECTED or PAUSED template's new components
    (or category) are linted, including Meta's edit limits, and submitted through Meta's edit
    endpoint as a new version (history in /versions); it is PENDING again."""
    template = await service.update_template(session, state, principal, template_id, body)
    return await _out(session, principal, template)


@router.delete(
    "/{template_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="templates:delete",
    responses=CLOUD_API,
)
async def delete_template(
    template_id: uuid.UUID, principal: TemplatesWrite, session: Session, state: State
) -> None:
    """Deletes the template; a submitted one is deleted on the WABA too (this language only)."""
    await service.delete_template(session, state, principal, template_id)


@router.get("/{template_id}/versions", operation_id="templates:versions")
async def list_versions(
    template_id: uuid.UUID, principal: TemplatesRead, session: Session
) -> Items[VersionOut]:
    """Every submitted version, newest first."""
    rows = await service.versions(session, principal, template_id)
    return Items(items=[VersionOut.model_validate(v) for v in rows])


@router.post(
    "/{template_id}/clone", status_code=status.HTTP_201_CREATED, operation_id="templates:clone"
)
async def clone_template(
    template_id: uuid.UUID, body: CloneIn, principal: TemplatesWrite, session: Session
) -> TemplateOut:
    """A new DRAFT with the same components: another language of the same name, or a new name."""
    template = await service.clone_template(session, principal, template_id, body)
    return await _out(session, principal, template)


@router.post("/{template_id}/submit", operation_id="templates:submit", responses=CLOUD_API)
async def submit_template(
    template_id: uuid.UUID, principal: TemplatesWrite, session: Session, state: State
) -> TemplateOut:
    """Lint (422 `templates.lint_failed` listing every problem), then create the template on the
    WABA; Meta's review result arrives by webhook (and the periodic reconcile)."""
    template = await service.submit_template(session, state, principal, template_id)
    return await _out(session, principal, template)


def _preview_out(rendered: Rendered) -> PreviewOut:
    return PreviewOut.model_validate(rendered)


@router.post("/{template_id}/preview", operation_id="templates:preview")
async def preview_template(
    template_id: uuid.UUID, body: RenderIn, principal: TemplatesWrite, session: Session
) -> PreviewOut:
    """The structured preview and the Cloud API `components` of the same values, from one
    renderer. Variables without a value are filled from the template's examples."""
    return _preview_out(await service.preview(session, principal, template_id, body))


@router.post("/{template_id}/test-send", operation_id="templates:test_send", responses=CLOUD_API)
async def test_send(
    template_id: uuid.UUID,
    body: TestSendIn,
    principal: TemplatesWrite,
    session: Session,
    state: State,
) -> TestSendOut:
    """Send an APPROVED template to your own number: `to` must equal the phone in your profile
    and your email must be verified (signed-in users only, not API keys). At most 10 per hour
    per user (429 `templates.test_send_throttled` with Retry-After)."""
    result, to, sender = await service.test_send(session, state, principal, template_id, body)
    return TestSendOut(
        wamid=result.wamid, message_status=result.message_status, to=to, phone_number_id=sender
    )
