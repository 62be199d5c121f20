from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from qms.schemas import CountryCode, Out, Schema, TimeZone

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Purpose = Literal["marketing", "utility"]
ConsentStatus = Literal["opted_in", "opted_out"]
OnDuplicate = Literal["update", "skip"]


class ConsentIn(Schema):
    purpose: Purpose = "marketing"
    status: ConsentStatus
    evidence: str = Field(
        min_length=3,
        max_length=4000,
        description="What the person was shown or did (e.g. the notice text, the form, the call).",
    )


class ContactIn(Schema):
    phone: str = Field(
        min_length=3,
        max_length=40,
        description="E.164, or local digits in the "
        "workspace's default country; Arabic-Indic digits are fine.",
    )
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)
    country: CountryCode | None = None
    timezone: TimeZone | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    fields: dict[FieldKey, Any] = Field(default_factory=dict)
    consent: ConsentIn | None = None


class ContactUpdate(Schema):
    phone: str | None = Field(default=None, min_length=3, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)
    country: CountryCode | None = None
    timezone: TimeZone | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    fields: dict[FieldKey, Any] | None = None


class ContactOut(Out):
    id: uuid.UUID
    phone: str | None
    name: str | None
    language: str | None
    country: str | None
    timezone: str | None
    tags: list[str]
    fields: dict[str, Any]
    marketing_consent: str
    utility_consent: str
    platform_marketing_stop: bool
    created_at: datetime
    updated_at: datetime


class BulkContactsIn(Schema):
    contacts: list[ContactIn] = Field(min_length=1, max_length=1000)
    on_duplicate: OnDuplicate = "update"


class BulkItemResult(Out):
    index: int
    status: Literal["created", "updated", "skipped", "error"]
    id: uuid.UUID | None = None
    error: dict[str, str] | None = None


class BulkContactsOut(Out):
    created: int
    updated: int
    skipped: int
    errors: int
    results: list[BulkItemResult]


class FieldDefinitionIn(Schema):
    key: FieldKey
    label: str = Field(min_length=1, max_length=100)
    type: Literal["text", "number", "date", "boolean"]


class FieldDefinitionOut(Out):
    key: str
    label: str
    type: str


class ContactFilter(Schema):
    """The filters of the contacts list, reused by bulk actions and exports."""

    q: str | None = Field(default=None, max_length=100)
    tag: Tag | None = None
    list_id: uuid.UUID | None = None
    consent: Literal["opted_in", "opted_out", "none"] | None = None
    purpose: Purpose = "marketing"
    field: str | None = Field(default=None, max_length=200, description="key:value")


class ContactFilterQuery(ContactFilter):
    """The filters read from a query string, beside the endpoint's other parameters. A blank
    parameter (`?tag=`) filters nothing, as an absent one."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data


class BulkActionIn(Schema):
    action: Literal["tag", "untag", "add_to_list", "remove_from_list", "delete"]
    ids: list[uuid.UUID] | None = Field(default=None, max_length=10000)
    filter: ContactFilter | None = None
    tag: Tag | None = None
    list_id: uuid.UUID | None = None


class BulkActionOut(Out):
    affected: int


class CountOut(Out):
    count: int


class ConsentEventOut(Out):
    id: int
    seq: int
    purpose: str
    status: str
    source: str
    source_ref: str | None
    evidence: str | None
    effective: bool
    ip: str | None
    user_agent: str | None
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    occurred_at: datetime
    digest: str


class ChainCheckOut(Out):
    valid: bool
    events: int
    broken_at_seq: int | None
    reason: str | None


class ConsentHistoryOut(Out):
    contact_id: uuid.UUID
    marketing_consent: str
    utility_consent: str
    chain: ChainCheckOut
    items: list[ConsentEventOut]
