"""Segments: saved filters in a small documented grammar, compiled to SQL and evaluated at send
time (so a segment always means "who matches now").

Grammar (JSON):
    node      := {"all": [node, ...]} | {"any": [node, ...]} | {"not": node} | condition
    condition := {"field": F, "op": OP, "value": V}
    F         := "tag" | "list" | "country" | "language" | "name" | "phone" | "created_at"
                 | "consent.marketing" | "consent.utility" | "fields.<key>"
    OP        := "eq" | "neq" | "in" | "contains" | "starts_with" | "gt" | "gte" | "lt" | "lte"
                 | "exists"
`tag` and `list` take eq/neq/in (a tag name / a list id); comparisons on `fields.<key>` use the
field's declared type. At most 50 conditions, nested 5 deep.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Float,
    and_,
    cast,
    exists,
    not_,
    or_,
    true,
)

from qms.errors import Unprocessable
from qms.models import Contact, ListMember
from qms.models.contacts import TAGGED_NONE

OPS = {"eq", "neq", "in", "contains", "starts_with", "gt", "gte", "lt", "lte", "exists"}
COLUMNS = {
    "country": Contact.country,
    "language": Contact.language,
    "name": Contact.name,
    "phone": Contact.phone,
    "created_at": Contact.created_at,
    "consent.marketing": Contact.marketing_consent,
    "consent.utility": Contact.utility_consent,
}
MAX_CONDITIONS = 50
MAX_DEPTH = 5


class InvalidSegment(Unprocessable):
    code = "segments.invalid_definition"


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    result: ColumnElement[bool]
    if op == "exists":
        result = column.is_not(None) if value in (True, None) else column.is_(None)
    elif op == "eq":
        result = column == value
    elif op == "neq":
        result = or_(column != value, column.is_(None))
    elif op == "in":
        if not isinstance(value, list) or not value:
            raise InvalidSegment("'in' takes a non-empty list.")
        result = column.in_(value)
    elif op == "contains":
        result = column.ilike(f"%{value}%")
    elif op == "starts_with":
        result = column.ilike(f"{value}%")
    else:
        comparisons = {
            "gt": column > value,
            "gte": column >= value,
            "lt": column < value,
            "lte": column <= value,
        }
        result = comparisons[op]
    return result


def _typed(kind: str, value: Any) -> Any:
    try:
        if kind == "number":
            return float(value)
        if kind == "date":
            return date.fromisoformat(str(value))
        if kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
    except (TypeError, ValueError) as exc:
        raise InvalidSegment(f"{value!r} is not a {kind}.") from exc
    return value


def _condition(node: dict[str, Any], field_types: dict[str, str]) -> ColumnElement[bool]:
    field, op, value = node.get("field"), node.get("op"), node.get("value")
    if op not in OPS or not isinstance(field, str):
        raise InvalidSegment(f"Unknown operator or field in {node}.")
    values: list[Any] = value if op == "in" and isinstance(value, list) else [value]
    if field == "tag":
        if op not in {"eq", "neq", "in"} or not all(isinstance(v, str) for v in values):
            raise InvalidSegment("tag takes eq/neq/in with tag names.")
        matched: ColumnElement[bool] = Contact.tags.overlap(values)
        if op == "neq":
            return not_(matched)
        # Implies the tags index's condition, so the planner can use it.
        return and_(Contact.tags != TAGGED_NONE, matched)
    if field == "list":
        if op not in {"eq", "neq", "in"}:
            raise InvalidSegment("list takes eq/neq/in with list ids.")
        try:
            ids = [uuid.UUID(str(v)) for v in values]
        except ValueError as exc:
            raise InvalidSegment("list takes list ids.") from exc
        member = exists().where(ListMember.contact_id == Contact.id, ListMember.list_id.in_(ids))
        return not_(member) if op == "neq" else member
    if field.startswith("fields."):
        key = field.removeprefix("fields.")
        kind = field_types.get(key)
        if kind is None:
            raise InvalidSegment(f"Unknown custom field '{key}'.")
        raw = Contact.fields[key]
        column: Any = {
            "number": cast(raw.astext, Float),
            "date": cast(raw.astext, Date),
            "boolean": cast(raw.astext, Boolean),
        }.get(kind, raw.astext)
        typed = (
            [_typed(kind, v) for v in value]
            if op == "in" and isinstance(value, list)
            else value
            if op == "exists"
            else _typed(kind, value)
        )
        return _compare(column, op, typed)
    if field not in COLUMNS:
        raise InvalidSegment(f"Unknown field '{field}'.")
    if field == "created_at" and op != "exists":
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise InvalidSegment("created_at takes an RFC 3339 timestamp.") from exc
    return _compare(COLUMNS[field], op, value)


def compile_segment(definition: dict[str, Any], field_types: dict[str, str]) -> ColumnElement[bool]:
    count = 0

    def walk(node: Any, depth: int) -> ColumnElement[bool]:
        nonlocal count
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            raise InvalidSegment("A segment node must be an object, nested at most 5 deep.")
        if "all" in node or "any" in node:
            children = node.get("all", node.get("any"))
            if not isinstance(children, list) or not children:
                raise InvalidSegment("'all'/'any' take a non-empty list.")
            parts = [walk(child, depth + 1) for child in children]
            return and_(*parts) if "all" in node else or_(*parts)
        if "not" in node:
            return not_(walk(node["not"], depth + 1))
        count += 1
        if count > MAX_CONDITIONS:
            raise InvalidSegment(f"At most {MAX_CONDITIONS} conditions.")
        return _condition(node, field_types)

    if not definition:
        return true()
    return walk(definition, 1)
