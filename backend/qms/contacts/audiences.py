"""Lists (static membership) and segments (saved filters evaluated at send time)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import Field
from sqlalchemy import delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qms.auth.dependencies import Principal, requires
from qms.contacts import service
from qms.contacts.schemas import CountOut
from qms.contacts.segments import check_segment, segment_filter
from qms.deps import Session
from qms.errors import Conflict, NotFound
from qms.models import Contact, ContactList, ListMember, Segment
from qms.pagination import Items
from qms.schemas import Name, Out, Schema

router = APIRouter(tags=["lists", "segments"])

ContactsRead = Annotated[Principal, Depends(requires("contacts:read"))]
ContactsWrite = Annotated[Principal, Depends(requires("contacts:write"))]


class ListIn(Schema):
    name: Name
    description: str | None = Field(default=None, max_length=2000)


class ListUpdate(Schema):
    name: Name | None = None
    description: str | None = Field(default=None, max_length=2000)


class ListOut(Out):
    id: uuid.UUID
    name: str
    description: str | None
    members: int
    created_at: datetime


class MembersIn(Schema):
    contact_ids: list[uuid.UUID] = Field(min_length=1, max_length=10000)


class MembersOut(Out):
    affected: int


class SegmentIn(Schema):
    name: Name
    definition: dict[str, Any] = Field(
        description="See the segment grammar in docs/consent.md",
        examples=[
            {
                "all": [
                    {"field": "tag", "op": "eq", "value": "vip"},
                    {"field": "consent.marketing", "op": "eq", "value": "opted_in"},
                ]
            }
        ],
    )


class SegmentUpdate(Schema):
    name: Name | None = None
    definition: dict[str, Any] | None = None


class SegmentOut(Out):
    id: uuid.UUID
    name: str
    definition: dict[str, Any]
    created_at: datetime


async def _list_out(session: Session, found: ContactList) -> ListOut:
    members = (
        await session.scalar(
            select(func.count()).select_from(ListMember).where(ListMember.list_id == found.id)
        )
        or 0
    )
    return ListOut(
        id=found.id,
        name=found.name,
        description=found.description,
        members=members,
        created_at=found.created_at,
    )


@router.get("/lists", operation_id="lists:list")
async def list_lists(principal: ContactsRead, session: Session) -> Items[ListOut]:
    rows = await session.execute(
        select(ContactList, func.count(ListMember.contact_id))
        .outerjoin(ListMember, ListMember.list_id == ContactList.id)
        .where(ContactList.workspace_id == principal.workspace_id)
        .group_by(ContactList.id)
        .order_by(ContactList.name)
    )
    return Items(
        items=[
            ListOut(
                id=lst.id,
                name=lst.name,
                description=lst.description,
                members=n,
                created_at=lst.created_at,
            )
            for lst, n in rows.all()
        ]
    )


async def _flush_name(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # uq_contact_lists_workspace_id_name (also under a race)
        raise Conflict(
            f"A list named '{name}' exists.", code="lists.name_exists", extra={"name": name}
        ) from exc


@router.post("/lists", status_code=status.HTTP_201_CREATED, operation_id="lists:create")
async def create_list(body: ListIn, principal: ContactsWrite, session: Session) -> ListOut:
    found = ContactList(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        name=body.name,
        description=body.description,
    )
    session.add(found)
    await _flush_name(session, body.name)
    await session.refresh(found)
    return await _list_out(session, found)


@router.get("/lists/{list_id}", operation_id="lists:get")
async def get_list(list_id: uuid.UUID, principal: ContactsRead, session: Session) -> ListOut:
    return await _list_out(
        session, await service.get_list(session, principal.workspace_id, list_id)
    )


@router.patch("/lists/{list_id}", operation_id="lists:update")
async def update_list(
    list_id: uuid.UUID, body: ListUpdate, principal: ContactsWrite, session: Session
) -> ListOut:
    found = await service.get_list(session, principal.workspace_id, list_id)
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None or key == "description":
            setattr(found, key, value)
    await _flush_name(session, found.name)
    return await _list_out(session, found)


@router.delete(
    "/lists/{list_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="lists:delete"
)
async def delete_list(list_id: uuid.UUID, principal: ContactsWrite, session: Session) -> None:
    """Deletes the list, not its contacts."""
    await session.delete(await service.get_list(session, principal.workspace_id, list_id))


@router.post("/lists/{list_id}/members", operation_id="lists:add_members")
async def add_members(
    list_id: uuid.UUID, body: MembersIn, principal: ContactsWrite, session: Session
) -> MembersOut:
    await service.get_list(session, principal.workspace_id, list_id)
    result = await session.execute(
        insert(ListMember)
        .from_select(
            ["list_id", "contact_id"],
            select(literal(list_id), Contact.id).where(
                Contact.workspace_id == principal.workspace_id,
                Contact.erased_at.is_(None),
                Contact.id.in_(body.contact_ids),
            ),
        )
        .on_conflict_do_nothing()
    )
    return MembersOut(affected=int(result.rowcount))  # type: ignore[attr-defined]


@router.delete("/lists/{list_id}/members", operation_id="lists:remove_members")
async def remove_members(
    list_id: uuid.UUID, body: MembersIn, principal: ContactsWrite, session: Session
) -> MembersOut:
    await service.get_list(session, principal.workspace_id, list_id)
    result = await session.execute(
        delete(ListMember).where(
            ListMember.list_id == list_id, ListMember.contact_id.in_(body.contact_ids)
        )
    )
    return MembersOut(affected=int(result.rowcount))  # type: ignore[attr-defined]


async def _segment(session: Session, workspace_id: uuid.UUID, segment_id: uuid.UUID) -> Segment:
    found = await session.scalar(
        select(Segment).where(Segment.id == segment_id, Segment.workspace_id == workspace_id)
    )
    if found is None:
        raise NotFound("No such segment.")
    return found


@router.get("/segments", operation_id="segments:list")
async def list_segments(principal: ContactsRead, session: Session) -> Items[SegmentOut]:
    rows = await session.scalars(
        select(Segment).where(Segment.workspace_id == principal.workspace_id).order_by(Segment.name)
    )
    return Items(items=[SegmentOut.model_validate(s) for s in rows])


@router.post("/segments", status_code=status.HTTP_201_CREATED, operation_id="segments:create")
async def create_segment(body: SegmentIn, principal: ContactsWrite, session: Session) -> SegmentOut:
    await check_segment(session, principal.workspace_id, body.definition)
    segment = Segment(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        name=body.name,
        definition=body.definition,
    )
    session.add(segment)
    await session.flush()
    await session.refresh(segment)
    return SegmentOut.model_validate(segment)


@router.get("/segments/{segment_id}", operation_id="segments:get")
async def get_segment(
    segment_id: uuid.UUID, principal: ContactsRead, session: Session
) -> SegmentOut:
    return SegmentOut.model_validate(await _segment(session, principal.workspace_id, segment_id))


@router.patch("/segments/{segment_id}", operation_id="segments:update")
async def update_segment(
    segment_id: uuid.UUID, body: SegmentUpdate, principal: ContactsWrite, session: Session
) -> SegmentOut:
    segment = await _segment(session, principal.workspace_id, segment_id)
    if body.definition is not None:
        await check_segment(session, principal.workspace_id, body.definition)
        segment.definition = body.definition
    if body.name is not None:
        segment.name = body.name
    return SegmentOut.model_validate(segment)


@router.delete(
    "/segments/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="segments:delete"
)
async def delete_segment(segment_id: uuid.UUID, principal: ContactsWrite, session: Session) -> None:
    await session.delete(await _segment(session, principal.workspace_id, segment_id))


@router.get("/segments/{segment_id}/count", operation_id="segments:count")
async def count_segment(
    segment_id: uuid.UUID, principal: ContactsRead, session: Session
) -> CountOut:
    """How many contacts match now."""
    segment = await _segment(session, principal.workspace_id, segment_id)
    condition = await segment_filter(session, principal.workspace_id, segment.definition)
    count = await session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(
            Contact.workspace_id == principal.workspace_id, Contact.erased_at.is_(None), condition
        )
    )
    return CountOut(count=count or 0)
