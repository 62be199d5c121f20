from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from qms.audit import service as audit
from qms.auth.dependencies import Principal, requires
from qms.consent import ledger
from qms.contacts import service
from qms.contacts.schemas import (
    BulkActionIn,
    BulkActionOut,
    BulkContactsIn,
    BulkContactsOut,
    ContactFilterQuery,
    ContactIn,
    ContactOut,
    ContactUpdate,
    CountOut,
    FieldDefinitionIn,
    FieldDefinitionOut,
)
from qms.deps import Session, State, read_only
from qms.errors import Conflict, NotFound, Unprocessable
from qms.models import Contact, ContactField
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
from qms.spreadsheet import csv_chunks, safe_row

router = APIRouter(prefix="/contacts", tags=["contacts"])

ContactsRead = Annotated[Principal, Depends(requires("contacts:read"))]
ContactsWrite = Annotated[Principal, Depends(requires("contacts:write"))]

Sort = Literal["created_at", "-created_at", "name", "-name"]


# One model for the six filter parameters: validated at once, not one by one.
Filter = Annotated[ContactFilterQuery, Query()]


def _cursor_key(sort: str) -> Callable[[dict[str, Any]], tuple[object, uuid.UUID]]:
    """The keyset position of a cursor made under this same `sort` (another order's position
    would silently skip contacts)."""

    def parse(position: dict[str, Any]) -> tuple[object, uuid.UUID]:
        if position["s"] != sort:
            raise ValueError(position["s"])
        read_value = cursor_time if sort.endswith("created_at") else cursor_text
        return read_value(position["v"]), cursor_uuid(position["id"])

    return parse


@router.get("", operation_id="contacts:list", response_model=Page[ContactOut])
async def list_contacts(
    principal: ContactsRead,
    state: State,
    f: Filter,
    sort: Sort = "-created_at",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    """Keyset pagination on indexed columns: as fast on page 1,000 as on page 1."""
    # The busiest read: a precompiled statement, rows serialised once with orjson (no ORM
    # instances, no per-row validation: the columns are ContactOut's).
    key = sort.lstrip("-")
    values = service.filter_values(principal.workspace_id, f)
    values["limit"] = limit + 1
    position = read_cursor(cursor, _cursor_key(sort))
    if position is not None:
        values["after_value"], values["after_id"] = position
    statement = service.page_statement(frozenset(values), sort)
    rows = await statement.fetch(await state.reader(), values)
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        value = last["created_at"].isoformat() if key == "created_at" else last["name"] or ""
        next_cursor = encode_cursor({"s": sort, "v": value, "id": last["id"]})
    keys = list(rows[0].keys()) if rows else []
    items = [dict(zip(keys, row, strict=True)) for row in rows[:limit]]  # faster than dict(row)
    body = {"items": items, "next_cursor": next_cursor}
    return Response(
        orjson.dumps(body, option=orjson.OPT_UTC_Z),
        media_type="application/json",
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="contacts:create",
    responses={200: {"description": "Updated (upsert=true and the phone existed)"}},
)
async def create_contact(
    body: ContactIn,
    principal: ContactsWrite,
    session: Session,
    state: State,
    response: Response,
    upsert: Annotated[
        bool,
        Query(
            description="Update the contact with this phone if it "
            "exists (200) instead of answering 409"
        ),
    ] = False,
) -> ContactOut:
    contact, created = await service.create_contact(session, state, principal, body, upsert)
    if not created:
        response.status_code = status.HTTP_200_OK
    return ContactOut.model_validate(contact)


@router.post("/bulk", operation_id="contacts:bulk_upsert")
async def bulk_upsert(
    body: BulkContactsIn, principal: ContactsWrite, session: Session, state: State
) -> BulkContactsOut:
    """Upsert up to 1,000 contacts (CRM sync) with a result per item."""
    results = await service.upsert_many(session, state, principal, body.contacts, body.on_duplicate)
    count = {
        s: sum(r.status == s for r in results) for s in ("created", "updated", "skipped", "error")
    }
    return BulkContactsOut(
        created=count["created"],
        updated=count["updated"],
        skipped=count["skipped"],
        errors=count["error"],
        results=results,
    )


@router.post("/bulk-actions", operation_id="contacts:bulk_action")
async def bulk_action(
    body: BulkActionIn, principal: ContactsWrite, session: Session
) -> BulkActionOut:
    """Tag, untag, add to or remove from a list, or delete a selection (ids) or a filter."""
    affected = await service.bulk_action(session, principal, body)
    if body.action == "delete":
        await audit.record(
            session,
            "contacts.deleted",
            workspace_id=principal.workspace_id,
            actor=principal,
            details={"count": affected},
        )
    return BulkActionOut(affected=affected)


@router.get("/count", operation_id="contacts:count")
@read_only
async def count_contacts(principal: ContactsRead, session: Session, f: Filter) -> CountOut:
    """How many contacts the filters match: what a bulk action or an export of them covers,
    for a confirmation before it runs."""
    matching = service.filtered(principal.workspace_id, f).with_only_columns(Contact.id)
    count = await session.scalar(select(func.count()).select_from(matching.subquery()))
    return CountOut(count=count or 0)


@router.get(
    "/export", operation_id="contacts:export", responses={200: {"content": {"text/csv": {}}}}
)
async def export_contacts(
    principal: ContactsRead, session: Session, state: State, f: Filter
) -> StreamingResponse:
    """CSV of the filtered contacts (streamed in batches)."""
    fields = list((await service.field_types(session, principal.workspace_id)).keys())
    await audit.record(
        session,
        "contacts.exported",
        workspace_id=principal.workspace_id,
        actor=principal,
        details={"filter": f.model_dump(mode="json")},
    )
    query = service.filtered(principal.workspace_id, f).order_by(Contact.created_at, Contact.id)
    header = [
        "phone",
        "name",
        "language",
        "country",
        "timezone",
        "tags",
        "marketing_consent",
        "utility_consent",
        *fields,
    ]

    async def rows() -> AsyncIterator[list[object]]:
        async with state.sessionmaker() as reader:
            result = await reader.stream_scalars(query.execution_options(yield_per=2000))
            async for c in result:
                # The phone is E.164, written by us: its leading + is not a formula.
                yield [
                    c.phone,
                    *safe_row(
                        [
                            c.name,
                            c.language,
                            c.country,
                            c.timezone,
                            ";".join(c.tags),
                            c.marketing_consent,
                            c.utility_consent,
                            *(c.fields.get(k, "") for k in fields),
                        ]
                    ),
                ]

    return StreamingResponse(
        csv_chunks(header, rows()),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
    )


@router.get("/fields", operation_id="contacts:list_fields")
async def list_fields(principal: ContactsRead, session: Session) -> Items[FieldDefinitionOut]:
    rows = await session.scalars(
        select(ContactField)
        .where(ContactField.workspace_id == principal.workspace_id)
        .order_by(ContactField.key)
    )
    return Items(items=[FieldDefinitionOut.model_validate(r) for r in rows])


# A contact's own attributes (the export's columns, the segment grammar's fields): a custom
# field of the same name would be ambiguous wherever both appear.
RESERVED_FIELD_KEYS = frozenset(
    {
        "id",
        "phone",
        "name",
        "language",
        "country",
        "timezone",
        "tags",
        "consent",
        "marketing_consent",
        "utility_consent",
        "created_at",
        "updated_at",
    }
)


@router.post("/fields", status_code=status.HTTP_201_CREATED, operation_id="contacts:create_field")
async def create_field(
    body: FieldDefinitionIn, principal: ContactsWrite, session: Session
) -> FieldDefinitionOut:
    if body.key in RESERVED_FIELD_KEYS:
        raise Unprocessable(
            f"'{body.key}' is a contact's own attribute; choose another key.",
            code="contacts.reserved_field_key",
            extra={"field": body.key},
        )
    # ON CONFLICT: of two concurrent definitions of one key, one is created, the other is a 409.
    created = await session.scalar(
        insert(ContactField)
        .values(workspace_id=principal.workspace_id, key=body.key, label=body.label, type=body.type)
        .on_conflict_do_nothing()
        .returning(ContactField.key)
    )
    if created is None:
        raise Conflict(f"The field '{body.key}' exists.", code="contacts.field_exists")
    return FieldDefinitionOut(key=body.key, label=body.label, type=body.type)


@router.delete(
    "/fields/{key}", status_code=status.HTTP_204_NO_CONTENT, operation_id="contacts:delete_field"
)
async def delete_field(key: str, principal: ContactsWrite, session: Session) -> None:
    result = await session.execute(
        delete(ContactField).where(
            ContactField.workspace_id == principal.workspace_id, ContactField.key == key
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such field.")


@router.get("/{contact_id}", operation_id="contacts:get")
@read_only
async def get_contact(
    contact_id: uuid.UUID, principal: ContactsRead, session: Session
) -> ContactOut:
    return ContactOut.model_validate(
        await service.get_contact(session, principal.workspace_id, contact_id)
    )


@router.patch("/{contact_id}", operation_id="contacts:update")
async def update_contact(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    principal: ContactsWrite,
    session: Session,
    state: State,
) -> ContactOut:
    return ContactOut.model_validate(
        await service.update_contact(session, state, principal, contact_id, body)
    )


@router.delete(
    "/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="contacts:delete"
)
async def delete_contact(contact_id: uuid.UUID, principal: ContactsWrite, session: Session) -> None:
    """Deleting erases the contact's personal data; the consent ledger and any suppression of
    the number stay (as keyed digests) so the person is never messaged against their wish."""
    contact = await service.get_contact(session, principal.workspace_id, contact_id, lock=True)
    await ledger.erase_contact(session, contact)
    await audit.record(
        session,
        "contacts.deleted",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="contact",
        target_id=contact_id,
    )
