"""Segments: saved filters in a small documented grammar, compiled to SQL and evaluated at send
time (so a segment always means "who matches now").

Grammar (JSON):
    node      := {"all": [node, ...]} | {"any": [node, ...]} | {"not": node} | condition
    condition := {"field": F, "op": OP, "value": V}
    F         := "tag" | "list" | "country" | "language" | "name" | "phone" | "created_at"
                 | "consent.marketing" | "consent.utility" | "fields.<key>"
    OP        := "eq" | "neq" | "in" | "contains" | "starts_with" | "gt" | "gte" | "lt" | "lte"
                 | "exists"
Each field has a kind (KINDS) that fixes its operators and its value type. A definition is
checked in full when saved (422) and again, against the workspace's current fields and lists,
whenever it is evaluated (409 if it no longer fits), so bad input never reaches SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Numeric,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from qms.contacts import service
from qms.errors import Conflict, Unprocessable
from qms.models import Contact, ContactList, ListMember
from qms.models.contacts import TAGGED_NONE
from qms.schemas import check_storable

MAX_CONDITIONS = 50
MAX_DEPTH = 5
# One array parameter per list, but the planner and the saved JSON still grow with it.
MAX_IN_VALUES = 1000
MAX_TEXT = 1000
# A definition with more mistakes than this is reported in part.
MAX_ERRORS = 20

ORDERED = {"eq", "neq", "in", "gt", "gte", "lt", "lte", "exists"}
OPS_BY_KIND: dict[str, set[str]] = {
    "text": ORDERED | {"contains", "starts_with"},
    "number": ORDERED,
    "date": ORDERED,
    "datetime": ORDERED,
    "boolean": {"eq", "neq", "exists"},
    "consent": {"eq", "neq", "in"},
    "tag": {"eq", "neq", "in"},
    "list": {"eq", "neq", "in"},
}
KINDS = {
    "tag": "tag",
    "list": "list",
    "country": "text",
    "language": "text",
    "name": "text",
    "phone": "text",
    "created_at": "datetime",
    "consent.marketing": "consent",
    "consent.utility": "consent",
}
COLUMNS: dict[str, Any] = {
    "country": Contact.country,
    "language": Contact.language,
    "name": Contact.name,
    "phone": Contact.phone,
    "created_at": Contact.created_at,
    "consent.marketing": Contact.marketing_consent,
    "consent.utility": Contact.utility_consent,
}
ARRAY_TYPES: dict[str, Any] = {
    "text": ARRAY(Text),
    "number": ARRAY(Numeric),
    "date": ARRAY(Text),  # ISO dates compare as text (see _custom_column)
    "datetime": ARRAY(DateTime(timezone=True)),
    "consent": ARRAY(Text),
}
CONSENT_STATES = ("opted_in", "opted_out", "none")
WHAT = {
    "text": f"a string of at most {MAX_TEXT} characters",
    "number": f"a number between -{service.MAX_SAFE_NUMBER} and {service.MAX_SAFE_NUMBER}",
    "date": "an ISO 8601 date (YYYY-MM-DD)",
    "datetime": "an RFC 3339 timestamp within years 1-9999 in UTC",
    "boolean": "true or false",
    "consent": "one of " + ", ".join(CONSENT_STATES),
    "tag": "a tag name (1-50 characters)",
    "list": "a list id",
}


class InvalidSegment(Unprocessable):
    code = "segments.invalid_definition"
    title = "Invalid segment definition"


class UnknownList(Unprocessable):
    code = "segments.unknown_list"
    title = "Unknown list"


class StaleSegment(Conflict):
    """A saved segment that no longer fits the workspace (a field deleted or retyped, a list
    deleted): evaluating it anyway could silently target other people."""

    code = "segments.stale_definition"
    title = "Segment no longer valid"


Loc = tuple[str, ...]


def _path(loc: Loc) -> str:
    return "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc).lstrip(".")


def _errors_detail(errors: Sequence[tuple[Loc, str]], lead: str = "") -> dict[str, Any]:
    shown = errors[:MAX_ERRORS]
    first_loc, first_msg = shown[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return {
        "detail": f"{lead}{_path(first_loc)}: {first_msg}{more}",
        "extra": {"errors": [{"loc": list(loc), "msg": msg} for loc, msg in shown]},
    }


def _value(kind: str, value: Any) -> Any:
    """`value` as a bind value of `kind`, or ValueError."""
    if kind in {"text", "tag", "consent", "date", "datetime", "list"}:
        if not isinstance(value, str):
            raise ValueError
        check_storable(value)  # ValueError
    if kind == "text":
        if len(value) > MAX_TEXT:
            raise ValueError
        return value
    if kind == "tag":
        if not 1 <= len(value) <= 50:
            raise ValueError
        return value
    if kind == "consent":
        if value not in CONSENT_STATES:
            raise ValueError
        return value
    if kind == "number":
        # The range a number field holds (and a saved definition reads back from jsonb).
        if not service.is_safe_number(value):
            raise ValueError
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError
        return value
    if kind == "date":
        return date.fromisoformat(value).isoformat()
    if kind == "datetime":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError from None
    return uuid.UUID(value)  # list


def _custom_column(key: str, kind: str) -> Any:
    """The stored value of `fields.<key>` as `kind`, NULL when the stored JSON is of another type
    (e.g. text stored before the field was re-created as a number): such values count as
    absent, and no cast can fail."""
    raw = Contact.fields[key]
    json_type = func.jsonb_typeof(raw)
    if kind == "number":
        return case((json_type == "number", cast(raw, Numeric)))
    if kind == "boolean":
        return case((json_type == "boolean", cast(raw, Boolean)))
    if kind == "date":
        # PostgreSQL 15 has no safe cast to date; ISO dates (also the YYYYMMDD form the field
        # accepts) normalised to YYYY-MM-DD order correctly as text.
        text = raw.astext
        iso = r"^(\d{4})-?(\d{2})-?(\d{2})$"
        return case(
            (
                and_(json_type == "string", text.regexp_match(iso)),
                # Byte order: a linguistic collation may skip the hyphens.
                func.regexp_replace(text, iso, r"\1-\2-\3").collate("C"),
            )
        )
    return case((json_type == "string", raw.astext))


def _compare(column: Any, op: str, value: Any, kind: str) -> ColumnElement[bool]:
    result: ColumnElement[bool]
    if op == "exists":
        result = column.is_not(None) if value in (True, None) else column.is_(None)
    elif op == "in":
        # One array parameter, however long the list (no per-value bind parameters).
        result = column == any_(bindparam(None, value, type_=ARRAY_TYPES[kind]))
    elif op == "neq":
        result = or_(column != value, column.is_(None))
    elif op == "contains":
        result = column.icontains(value, autoescape=True)  # % and _ match literally
    elif op == "starts_with":
        result = column.istartswith(value, autoescape=True)
    else:
        result = {
            "eq": column.__eq__,
            "gt": column.__gt__,
            "gte": column.__ge__,
            "lt": column.__lt__,
            "lte": column.__le__,
        }[op](value)
    return result


@dataclass
class _Analysis:
    errors: list[tuple[Loc, str]] = field(default_factory=list)
    # Every list id the definition names, with where: checked against the workspace.
    lists: list[tuple[Loc, uuid.UUID]] = field(default_factory=list)
    conditions: int = 0


class _Compiler:
    def __init__(self, field_types: dict[str, str]) -> None:
        self.field_types = field_types
        self.result = _Analysis()

    def error(self, loc: Loc, msg: str) -> None:
        self.result.errors.append((loc, msg))

    def node(self, node: Any, loc: Loc, depth: int) -> ColumnElement[bool] | None:
        if len(self.result.errors) >= MAX_ERRORS:
            return None
        if not isinstance(node, dict):
            self.error(loc, "A node is an object.")
            return None
        if depth > MAX_DEPTH:
            self.error(loc, f"Nested more than {MAX_DEPTH} deep.")
            return None
        groups = [key for key in ("all", "any", "not") if key in node]
        if groups:
            if len(node) != 1:
                self.error(loc, "A group node has exactly one key: all, any or not.")
                return None
            key = groups[0]
            if key == "not":
                inner = self.node(node["not"], (*loc, "not"), depth + 1)
                return None if inner is None else not_(inner)
            children = node[key]
            if not isinstance(children, list) or not children:
                self.error((*loc, key), f"'{key}' takes a non-empty list of nodes.")
                return None
            parts = [
                self.node(child, (*loc, key, str(i)), depth + 1) for i, child in enumerate(children)
            ]
            valid = [part for part in parts if part is not None]
            if len(valid) != len(parts):
                return None
            return and_(*valid) if key == "all" else or_(*valid)
        self.result.conditions += 1
        if self.result.conditions > MAX_CONDITIONS:
            self.error(loc, f"At most {MAX_CONDITIONS} conditions.")
            return None
        return self.condition(node, loc)

    def condition(self, node: dict[str, Any], loc: Loc) -> ColumnElement[bool] | None:
        extra = sorted(set(node) - {"field", "op", "value"})
        if extra:
            self.error(loc, f"Unknown key(s) {', '.join(map(repr, extra))[:200]}.")
            return None
        name, op = node.get("field"), node.get("op")
        kind: str | None = None
        if isinstance(name, str) and name.startswith("fields."):
            kind = self.field_types.get(name.removeprefix("fields."))
        elif isinstance(name, str):
            kind = KINDS.get(name)
        if kind is None:
            self.error((*loc, "field"), f"Unknown field {str(name)[:100]!r}.")
            return None
        allowed = OPS_BY_KIND[kind]
        if op not in allowed:
            self.error(
                (*loc, "op"),
                f"{name} takes {', '.join(sorted(allowed))}; not {str(op)[:50]!r}.",
            )
            return None
        value = self.values(kind, op, node, loc)
        if value is None:
            return None
        assert isinstance(name, str)
        if kind == "tag":
            matched: ColumnElement[bool] = Contact.tags.overlap(
                bindparam(None, value, type_=ARRAY(Text))
            )
            if op == "neq":
                return not_(matched)
            # Implies the tags index's condition, so the planner can use it.
            return and_(Contact.tags != TAGGED_NONE, matched)
        if kind == "list":
            member = exists().where(
                ListMember.contact_id == Contact.id,
                ListMember.list_id
                == any_(bindparam(None, value, type_=ARRAY(ListMember.list_id.type))),
            )
            return not_(member) if op == "neq" else member
        column = (
            _custom_column(name.removeprefix("fields."), kind)
            if name.startswith("fields.")
            else COLUMNS[name]
        )
        return _compare(column, op, value, kind)

    def values(self, kind: str, op: str, node: dict[str, Any], loc: Loc) -> Any:
        """The condition's value(s) as bind values (tags and lists always a list), or None."""
        value_loc = (*loc, "value")
        value = node.get("value")
        if op == "exists":
            if value not in (True, False, None):
                self.error(value_loc, "'exists' takes true or false.")
                return None
            return True if value is None else value
        if "value" not in node or value is None:
            self.error(value_loc, f"A value is required: {WHAT[kind]}.")
            return None
        if op == "in":
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                self.error(value_loc, f"'in' takes a list of 1 to {MAX_IN_VALUES} values.")
                return None
            items = [(v, (*value_loc, str(i))) for i, v in enumerate(value)]
        else:
            items = [(value, value_loc)]
        checked = []
        for item, item_loc in items:
            try:
                checked.append(_value(kind, item))
            except (TypeError, ValueError):
                self.error(item_loc, f"Expected {WHAT[kind]}.")
                if len(self.result.errors) >= MAX_ERRORS:
                    break
        if len(checked) != len(items):
            return None
        if kind == "list":
            self.result.lists.extend(
                (item_loc, v) for (_, item_loc), v in zip(items, checked, strict=True)
            )
        return checked if op == "in" or kind in {"tag", "list"} else checked[0]


def _compile(
    definition: dict[str, Any], field_types: dict[str, str]
) -> tuple[ColumnElement[bool] | None, _Analysis]:
    compiler = _Compiler(field_types)
    if not definition:
        return true(), compiler.result
    return compiler.node(definition, ("definition",), 1), compiler.result


def compile_segment(definition: dict[str, Any], field_types: dict[str, str]) -> ColumnElement[bool]:
    """The SQL condition for `definition`, or InvalidSegment naming every bad condition. List
    ids are not checked against the workspace here: use `check_segment`/`segment_filter`."""
    condition, analysis = _compile(definition, field_types)
    if analysis.errors or condition is None:
        raise InvalidSegment(**_errors_detail(analysis.errors))
    return condition


async def _unknown_lists(
    session: AsyncSession, workspace_id: uuid.UUID, lists: list[tuple[Loc, uuid.UUID]]
) -> list[tuple[Loc, uuid.UUID]]:
    """The references to lists that are not this workspace's (another's or none: the same
    answer, so nothing leaks about other workspaces)."""
    if not lists:
        return []
    ids = list({list_id for _, list_id in lists})
    found = set(
        await session.scalars(
            select(ContactList.id).where(
                ContactList.workspace_id == workspace_id,
                ContactList.id == any_(bindparam(None, ids, type_=ARRAY(ContactList.id.type))),
            )
        )
    )
    return [(loc, list_id) for loc, list_id in lists if list_id not in found]


async def check_segment(
    session: AsyncSession, workspace_id: uuid.UUID, definition: dict[str, Any]
) -> None:
    """At save time: 422 `segments.invalid_definition`, or `segments.unknown_list`."""
    condition, analysis = _compile(definition, await service.field_types(session, workspace_id))
    if analysis.errors or condition is None:
        raise InvalidSegment(**_errors_detail(analysis.errors))
    unknown = await _unknown_lists(session, workspace_id, analysis.lists)
    if unknown:
        ids = list(dict.fromkeys(str(list_id) for _, list_id in unknown))
        errors = [(loc, f"No list {list_id}.") for loc, list_id in unknown]
        described = _errors_detail(errors)
        raise UnknownList(
            f"No list {', '.join(ids)} in this workspace ({described['detail']}).",
            extra={**described["extra"], "list_ids": ids},
        )


async def segment_filter(
    session: AsyncSession, workspace_id: uuid.UUID, definition: dict[str, Any]
) -> ColumnElement[bool]:
    """The SQL condition of a saved segment, re-checked against the workspace's current fields
    and lists (which may have changed since it was saved): 409 `segments.stale_definition`
    naming the conditions to edit, rather than a wrong audience or a failed query."""
    condition, analysis = _compile(definition, await service.field_types(session, workspace_id))
    errors = list(analysis.errors)
    if not errors:
        unknown = await _unknown_lists(session, workspace_id, analysis.lists)
        errors = [(loc, f"No list {list_id}.") for loc, list_id in unknown]
    if errors or condition is None:
        raise StaleSegment(
            **_errors_detail(
                errors, "This segment no longer fits the workspace's fields or lists; edit it. "
            )
        )
    return condition
