"""Contacts: normalised phones, typed custom fields, set-based bulk writes, keyset listing."""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from qms.auth.dependencies import Principal
from qms.consent import ledger
from qms.contacts.phones import ascii_digits, country_of, phone_hash, timezone_of, to_e164
from qms.contacts.schemas import (
    BulkActionIn,
    BulkItemResult,
    ContactFilter,
    ContactIn,
    ContactOut,
    ContactUpdate,
)
from qms.db import Precompiled
from qms.errors import AppError, Conflict, NotFound, Unprocessable
from qms.models import Contact, ContactField, ContactList, ListMember, Suppression, Workspace
from qms.models.contacts import TAGGED_NONE
from qms.state import AppState

# The name order's key, spelled as ix_contacts_workspace_id_name_id indexes it.
NAME_ORDER = literal_column("coalesce(contacts.name, '')", type_=String)
SORTS: dict[str, ColumnElement[Any]] = {
    "created_at": Contact.__table__.c.created_at,
    "name": NAME_ORDER,
}
# The expression of the trigram index ix_contacts_search, spelled as it is indexed (constants,
# not bind parameters, or the planner cannot match it).
SEARCH_TEXT = literal_column(
    "(coalesce(contacts.name, '') || ' ' || coalesce(contacts.phone, ''))", type_=String
)


class DuplicatePhone(Conflict):
    code = "contacts.duplicate_phone"


@dataclass(frozen=True)
class Normalised:
    """A contact input with its phone in E.164 and its fields checked."""

    phone: str
    phone_hash: str
    values: dict[str, Any]


def source_for(principal: Principal) -> str:
    return "api" if principal.is_api_key else "agent"


async def field_types(session: AsyncSession, workspace_id: uuid.UUID) -> dict[str, str]:
    rows = await session.execute(
        select(ContactField.key, ContactField.type).where(ContactField.workspace_id == workspace_id)
    )
    return {key: kind for key, kind in rows.all()}


# Numbers a JSON client reads back exactly (IEEE double's integer range); NaN, infinities and
# larger values would not survive storage in jsonb and the trip back to the client.
MAX_SAFE_NUMBER = 2**53 - 1


FIELD_KIND_NAMES = {
    "text": "text of at most 1,000 characters",
    "number": f"number between -{MAX_SAFE_NUMBER:,} and {MAX_SAFE_NUMBER:,}",
    "date": "date (YYYY-MM-DD)",
    "boolean": "boolean (true or false)",
}


def is_safe_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_SAFE_NUMBER
    return isinstance(value, float) and math.isfinite(value) and abs(value) <= MAX_SAFE_NUMBER


def check_fields(values: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in values.items():
        kind = types.get(key)
        if kind is None:
            raise Unprocessable(
                f"Unknown custom field '{key}'; define it first.",
                code="contacts.unknown_field",
                extra={"field": key},
            )
        if value is None:
            checked[key] = None
            continue
        ok = (
            (kind == "text" and isinstance(value, str) and len(value) <= 1000)
            or (kind == "number" and is_safe_number(value))
            or (kind == "boolean" and isinstance(value, bool))
        )
        if kind == "date" and isinstance(value, str):
            try:
                # Stored as YYYY-MM-DD whatever ISO form was given (20240101, 2024-W01-1), so
                # dates compare as text in segments and read back in one form.
                value = date.fromisoformat(value).isoformat()
                ok = True
            except ValueError:
                ok = False
        if not ok:
            raise Unprocessable(
                f"Field '{key}' must be a {FIELD_KIND_NAMES[kind]}.",
                code="contacts.invalid_field_value",
                extra={"field": key},
            )
        checked[key] = value
    return checked


async def default_country(session: AsyncSession, workspace_id: uuid.UUID) -> str | None:
    country: str | None = await session.scalar(
        select(Workspace.default_country).where(Workspace.id == workspace_id)
    )
    return country


def normalise(
    state: AppState, data: ContactIn, country: str | None, types: dict[str, str]
) -> Normalised:
    phone = to_e164(data.phone, country)
    return Normalised(
        phone=phone,
        phone_hash=phone_hash(state.secrets.hmac_key, phone),
        values={
            "name": data.name,
            "language": data.language,
            "country": data.country or country_of(phone),
            "timezone": data.timezone or timezone_of(phone),
            "tags": sorted(set(data.tags)),
            "fields": check_fields(data.fields, types),
        },
    )


async def get_contact(
    session: AsyncSession, workspace_id: uuid.UUID, contact_id: uuid.UUID, *, lock: bool = False
) -> Contact:
    query = select(Contact).where(
        Contact.id == contact_id, Contact.workspace_id == workspace_id, Contact.erased_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    contact = await session.scalar(query)
    if contact is None:
        raise NotFound("No such contact.")
    return contact


async def upsert_many(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    items: list[ContactIn],
    on_duplicate: str,
) -> list[BulkItemResult]:
    """Set-based: normalise in Python, one INSERT … ON CONFLICT for all rows, one UPDATE to apply
    suppressions; consent events (if given) are appended per contact, in order."""
    country = await default_country(session, principal.workspace_id)
    types = await field_types(session, principal.workspace_id)
    results: list[BulkItemResult | None] = [None] * len(items)
    rows: dict[str, tuple[int, Normalised]] = {}
    for index, item in enumerate(items):
        try:
            normalised = normalise(state, item, country, types)
        except AppError as exc:
            results[index] = BulkItemResult(
                index=index, status="error", error={"code": exc.code, "detail": exc.detail}
            )
            continue
        if normalised.phone in rows:
            # The same number again in one call: applying both would need an order the single
            # statement below does not have, and dropping one silently could lose an opt-out.
            first = rows[normalised.phone][0]
            results[index] = BulkItemResult(
                index=index,
                status="error",
                error={
                    "code": "contacts.duplicate_in_request",
                    "detail": f"{normalised.phone} is also item {first} of this call.",
                },
            )
            continue
        rows[normalised.phone] = (index, normalised)
    # Rows in phone order: concurrent calls then lock the same numbers in the same order, and
    # never deadlock on each other.
    rows = dict(sorted(rows.items()))
    if rows:
        values = [
            {
                "id": uuid.uuid4(),
                "workspace_id": principal.workspace_id,
                "phone": n.phone,
                "phone_hash": n.phone_hash,
                **n.values,
            }
            for _, n in rows.values()
        ]
        statement = insert(Contact).values(values)
        mutable = ("name", "language", "country", "timezone", "tags", "fields")
        if on_duplicate == "update":
            statement = statement.on_conflict_do_update(
                index_elements=["workspace_id", "phone"],
                set_={c: statement.excluded[c] for c in mutable} | {"updated_at": func.now()},
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["workspace_id", "phone"])
        returned = await session.execute(
            # xmax = 0 on rows this statement inserted (not updated): created vs updated.
            statement.returning(
                Contact.id, Contact.phone, literal_column("xmax = 0", type_=Boolean)
            )
        )
        by_phone = {phone: (contact_id, inserted) for contact_id, phone, inserted in returned}
        for phone, (index, _) in rows.items():
            if phone in by_phone:
                contact_id, inserted = by_phone[phone]
                results[index] = BulkItemResult(
                    index=index, status="created" if inserted else "updated", id=contact_id
                )
            else:
                results[index] = BulkItemResult(index=index, status="skipped")
        created = [r.id for r in results if r is not None and r.status == "created" and r.id]
        await apply_suppressions(session, principal.workspace_id, created)
        for phone, (index, _) in rows.items():
            consent = items[index].consent
            if consent is not None and phone in by_phone:
                contact = await get_contact(session, principal.workspace_id, by_phone[phone][0])
                await ledger.append(
                    session,
                    state.secrets,
                    contact,
                    consent.purpose,
                    consent.status,
                    ledger.Evidence(
                        source=source_for(principal), evidence=consent.evidence, actor=principal
                    ),
                )
    return [r for r in results if r is not None]


async def apply_suppressions(
    session: AsyncSession, workspace_id: uuid.UUID, contact_ids: list[uuid.UUID]
) -> None:
    """New contacts whose number is on the suppression list start opted out: a re-import never
    brings a suppressed person back."""
    if not contact_ids:
        return
    for purpose in ledger.PURPOSES:
        await session.execute(
            update(Contact)
            .where(
                Contact.id.in_(contact_ids),
                exists().where(
                    Suppression.workspace_id == workspace_id,
                    Suppression.purpose == purpose,
                    Suppression.phone_hash == Contact.phone_hash,
                    Suppression.lifted_at.is_(None),
                ),
            )
            .values({f"{purpose}_consent": "opted_out"})
        )


async def create_contact(
    session: AsyncSession, state: AppState, principal: Principal, data: ContactIn, upsert: bool
) -> tuple[Contact, bool]:
    # Checked here first so that a bad input raises its own problem (naming the value or field).
    country = await default_country(session, principal.workspace_id)
    phone = normalise(
        state, data, country, await field_types(session, principal.workspace_id)
    ).phone
    # Without upsert the insert skips an existing number, so of two concurrent creates of one
    # number exactly one is created and the other answers 409.
    [result] = await upsert_many(session, state, principal, [data], "update" if upsert else "skip")
    if result.status == "skipped":
        existing = await session.scalar(
            select(Contact.id).where(
                Contact.workspace_id == principal.workspace_id, Contact.phone == phone
            )
        )
        raise DuplicatePhone(
            f"A contact with {phone} already exists.", extra={"contact_id": str(existing)}
        )
    assert result.id is not None
    contact = await get_contact(session, principal.workspace_id, result.id)
    await session.refresh(contact)
    return contact, result.status == "created"


async def update_contact(
    session: AsyncSession,
    state: AppState,
    principal: Principal,
    contact_id: uuid.UUID,
    data: ContactUpdate,
) -> Contact:
    contact = await get_contact(session, principal.workspace_id, contact_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if "phone" in changes and changes["phone"] is not None:
        phone = to_e164(
            changes.pop("phone"), await default_country(session, principal.workspace_id)
        )
        if phone != contact.phone:
            clash = await session.scalar(
                select(Contact.id).where(
                    Contact.workspace_id == principal.workspace_id, Contact.phone == phone
                )
            )
            if clash is not None:
                raise DuplicatePhone(
                    f"A contact with {phone} already exists.", extra={"contact_id": str(clash)}
                )
            contact.phone = phone
            contact.phone_hash = phone_hash(state.secrets.hmac_key, phone)
            await apply_suppressions(session, principal.workspace_id, [contact.id])
    changes.pop("phone", None)
    if "fields" in changes and changes["fields"] is not None:
        types = await field_types(session, principal.workspace_id)
        changes["fields"] = {**contact.fields, **check_fields(changes["fields"], types)}
    if "tags" in changes and changes["tags"] is not None:
        changes["tags"] = sorted(set(changes["tags"]))
    for key, value in changes.items():
        if value is not None or key in {"name", "language", "country", "timezone"}:
            setattr(contact, key, value)
    await session.flush()
    await session.refresh(contact)
    return contact


def filter_values(workspace_id: uuid.UUID, f: ContactFilter) -> dict[str, Any]:
    """The bind values of a filter. Which names are present decides the statement's shape
    (`filter_statement`), so each shape is built and compiled once."""
    values: dict[str, Any] = {"workspace_id": workspace_id}
    if f.q:
        term = f.q.strip()
        values["q_like"] = f"%{term.replace('%', '').replace('_', '')}%"
        # Leading zeros are a national (0912…) or international (00249…) prefix, which an
        # E.164 number never holds after its +: "0912345" finds +249912345….
        digits = "".join(ch for ch in ascii_digits(term) if "0" <= ch <= "9").lstrip("0")
        if len(digits) >= 3:
            values["q_digits"] = f"%{digits}%"
    if f.tag:
        values["tag"] = [f.tag]
    if f.list_id:
        values["list_id"] = f.list_id
    if f.consent:
        values[f"{f.purpose}_consent"] = f.consent
    if f.field:
        key, _, value = f.field.partition(":")
        if not key or not value:
            raise Unprocessable("Use field=key:value.", code="contacts.invalid_filter")
        values["field_key"], values["field_value"] = key, value
    return values


@functools.lru_cache(maxsize=64)
def filter_statement(names: frozenset[str]) -> Select[tuple[Contact]]:
    """The contacts a filter selects, with a named bind parameter per value."""
    query = select(Contact).where(
        Contact.workspace_id == bindparam("workspace_id"), Contact.erased_at.is_(None)
    )
    if "q_like" in names:
        like = bindparam("q_like", type_=String)
        conditions = [Contact.name.ilike(like)]
        indexed = [SEARCH_TEXT.ilike(like)]
        if "q_digits" in names:
            digits = bindparam("q_digits", type_=String)
            conditions.append(Contact.phone.like(digits))
            indexed.append(SEARCH_TEXT.like(digits))
        # The first condition is implied by the second (the search text holds name and phone)
        # and lets the planner use the trigram index on it instead of reading every contact.
        query = query.where(or_(*indexed), or_(*conditions))
    if "tag" in names:
        # `tags <> '{}'` implies the tags index's condition, so the planner can use it.
        tags = bindparam("tag", type_=Contact.tags.type)
        query = query.where(Contact.tags != TAGGED_NONE, Contact.tags.contains(tags))
    if "list_id" in names:
        query = query.where(
            exists().where(
                ListMember.list_id == bindparam("list_id"), ListMember.contact_id == Contact.id
            )
        )
    for column in (Contact.marketing_consent, Contact.utility_consent):
        if column.key in names:
            query = query.where(column == bindparam(column.key, type_=column.type))
    if "field_key" in names:
        value = Contact.fields[bindparam("field_key", type_=String)].astext
        query = query.where(value == bindparam("field_value", type_=String))
    return query


def filtered(workspace_id: uuid.UUID, f: ContactFilter) -> Select[tuple[Contact]]:
    values = filter_values(workspace_id, f)
    return filter_statement(frozenset(values)).params(values)


# The columns of ContactOut, read as plain rows by the contacts page; the id as text, which
# orjson writes as it is (asyncpg's UUID type would need a Python call per row).
PAGE_COLUMNS = [
    cast(Contact.id, Text).label("id") if name == "id" else getattr(Contact, name)
    for name in ContactOut.model_fields
]


@functools.lru_cache(maxsize=256)
def page_statement(names: frozenset[str], sort: str) -> Precompiled:
    """One page of the filtered contacts in `sort` order, after the keyset position
    (`after_value`, `after_id`) when given: keyset pagination on indexed columns, as fast on
    page 1,000 as on page 1. The busiest read of the product, so precompiled."""
    key = sort.lstrip("-")
    column = SORTS[key]
    descending = sort.startswith("-")
    query = filter_statement(names - _PAGE_NAMES).with_only_columns(*PAGE_COLUMNS)
    if "after_id" in names:
        keyset = tuple_(column, Contact.id)
        after = tuple_(
            bindparam("after_value", type_=column.type), bindparam("after_id", type_=Uuid)
        )
        query = query.where(keyset < after if descending else keyset > after)
    order = (column.desc(), Contact.id.desc()) if descending else (column.asc(), Contact.id.asc())
    return Precompiled.of(query.order_by(*order).limit(bindparam("limit", type_=Integer)))


_PAGE_NAMES = frozenset({"after_value", "after_id", "limit"})


async def bulk_action(session: AsyncSession, principal: Principal, data: BulkActionIn) -> int:
    if (data.ids is None) == (data.filter is None):
        raise Unprocessable("Give either ids or a filter.", code="contacts.invalid_selection")
    selection = select(Contact.id).where(
        Contact.workspace_id == principal.workspace_id, Contact.erased_at.is_(None)
    )
    if data.ids is not None:
        selection = selection.where(Contact.id.in_(data.ids))
    else:
        assert data.filter is not None
        selection = filtered(principal.workspace_id, data.filter).with_only_columns(Contact.id)
    ids = selection.scalar_subquery()
    if data.action in ("tag", "untag"):
        if not data.tag:
            raise Unprocessable("Give the tag.", code="contacts.invalid_selection")
        tags = (
            case(
                (Contact.tags.contains([data.tag]), Contact.tags),
                else_=func.array_append(Contact.tags, data.tag),
            )
            if data.action == "tag"
            else func.array_remove(Contact.tags, data.tag)
        )
        result = await session.execute(
            update(Contact)
            .where(Contact.id.in_(ids))
            .values(tags=tags)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
    if data.action in ("add_to_list", "remove_from_list"):
        if data.list_id is None:
            raise Unprocessable("Give the list.", code="contacts.invalid_selection")
        await get_list(session, principal.workspace_id, data.list_id)
        if data.action == "add_to_list":
            result = await session.execute(
                insert(ListMember)
                .from_select(
                    ["list_id", "contact_id"],
                    select(literal(data.list_id), Contact.id).where(Contact.id.in_(ids)),
                )
                .on_conflict_do_nothing()
            )
        else:
            result = await session.execute(
                delete(ListMember).where(
                    ListMember.list_id == data.list_id, ListMember.contact_id.in_(ids)
                )
            )
        return int(result.rowcount)  # type: ignore[attr-defined]
    contacts = (await session.scalars(select(Contact).where(Contact.id.in_(ids)))).all()
    for contact in contacts:
        await ledger.erase_contact(session, contact)
    return len(contacts)


async def get_list(
    session: AsyncSession, workspace_id: uuid.UUID, list_id: uuid.UUID
) -> ContactList:
    found = await session.scalar(
        select(ContactList).where(
            ContactList.id == list_id, ContactList.workspace_id == workspace_id
        )
    )
    if found is None:
        raise NotFound("No such list.")
    return found
