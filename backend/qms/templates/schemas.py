from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from qms.schemas import Out, Schema

Category = Literal["MARKETING", "UTILITY", "AUTHENTICATION"]
ParameterFormat = Literal["positional", "named"]
# DRAFT before submission, then every status Meta reports (Cloud API spec §3.4).
Status = Literal[
    "DRAFT",
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
]
Quality = Literal["GREEN", "YELLOW", "RED", "UNKNOWN"]

MAX_COMPONENTS_BYTES = 64 * 1024

MappingKey = Annotated[
    str, StringConstraints(pattern=r"^((header|body)\.[a-z0-9_]{1,64}|button\.[0-9])$")
]
MappingSource = Annotated[
    str,
    StringConstraints(
        pattern=r"^(name|first_name|last_name|phone|language|country|timezone"
        r"|fields\.[a-z][a-z0-9_]{0,63})$"
    ),
]
TemplateName = Annotated[str, StringConstraints(min_length=1, max_length=512)]
LanguageCode = Annotated[str, StringConstraints(min_length=2, max_length=16)]
Value = Annotated[str, StringConstraints(max_length=1024)]

COMPONENTS_DESCRIPTION = (
    "Meta's component JSON (Cloud API spec §3.2), stored as given: HEADER (TEXT with example."
    "header_text / header_text_named_params, IMAGE/VIDEO/DOCUMENT with example.header_handle, "
    "LOCATION), BODY (text, example.body_text / body_text_named_params; for AUTHENTICATION "
    "add_security_recommendation), FOOTER (text; for AUTHENTICATION code_expiration_minutes), "
    "BUTTONS (QUICK_REPLY, URL with an optional {{1}} suffix and example, PHONE_NUMBER, "
    "COPY_CODE with example, OTP). Parts the builder does not know are kept unchanged."
)
MAPPING_DESCRIPTION = (
    "Which contact attribute fills which variable when rendering for a contact: keys "
    "`header.<var>`, `body.<var>`, `button.<index>`; values `name`, `first_name`, `last_name`, "
    "`phone`, `language`, `country`, `timezone` or `fields.<custom field key>`. Named variables "
    "default to the attribute or custom field of their own name."
)


def _check_size(components: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if components is not None and len(json.dumps(components)) > MAX_COMPONENTS_BYTES:
        raise ValueError(f"components are larger than {MAX_COMPONENTS_BYTES // 1024} KB")
    return components


class TemplateIn(Schema):
    """A new DRAFT. Nothing is checked against Meta's rules until submission (or lint)."""

    name: TemplateName
    language: LanguageCode
    category: Category
    parameter_format: ParameterFormat = "positional"
    components: list[dict[str, Any]] = Field(
        default_factory=list, max_length=20, description=COMPONENTS_DESCRIPTION
    )
    parameter_mapping: dict[MappingKey, MappingSource] = Field(
        default_factory=dict, description=MAPPING_DESCRIPTION
    )

    @field_validator("components")
    @classmethod
    def _size(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return _check_size(value)


class TemplateUpdate(Schema):
    """A DRAFT: any field. APPROVED / REJECTED / PAUSED: `components` and `category` (submitted
    to Meta as a new version through its edit endpoint, within Meta's edit limits) and
    `parameter_mapping` (QMS only). Other statuses: `parameter_mapping` only."""

    name: TemplateName | None = None
    language: LanguageCode | None = None
    category: Category | None = None
    parameter_format: ParameterFormat | None = None
    components: list[dict[str, Any]] | None = Field(
        default=None, max_length=20, description=COMPONENTS_DESCRIPTION
    )
    parameter_mapping: dict[MappingKey, MappingSource] | None = Field(
        default=None, description=MAPPING_DESCRIPTION
    )

    @field_validator("components")
    @classmethod
    def _size(cls, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return _check_size(value)


class CloneIn(Schema):
    """Another language of the same template (same name), or a new template (another name)."""

    name: TemplateName | None = None
    language: LanguageCode | None = None
    category: Category | None = None


class LintIn(Schema):
    """Anything the builder holds: wrong values are reported as problems, not refused."""

    name: str = Field(default="", max_length=1024)
    language: str = Field(default="", max_length=32)
    category: str = Field(default="", max_length=32)
    parameter_format: str = Field(default="positional", max_length=16)
    components: list[Any] = Field(default_factory=list, max_length=50)
    template_id: uuid.UUID | None = Field(
        default=None,
        description="Lint as an edit of this submitted template (adds Meta's edit rules).",
    )


class ProblemOut(Out):
    path: str = Field(description="Where: `name`, `components[1].text`, `components[3].buttons[0]`")
    code: str = Field(description="Stable rule code, e.g. `body.adjacent_variables`")
    message: str


class LintOut(Out):
    ok: bool
    problems: list[ProblemOut]


class VariantOut(Out):
    id: uuid.UUID
    language: str
    status: Status


class TemplateOut(Out):
    id: uuid.UUID
    mode: Literal["live", "test"]
    name: str
    language: str
    category: Category
    parameter_format: ParameterFormat
    components: list[dict[str, Any]]
    parameter_mapping: dict[str, str]
    status: Status
    status_info: dict[str, Any] | None = Field(
        description="Meta's extra information on the last status event (other_info, disable_info)."
    )
    rejection_reason: str | None
    rejection_info: dict[str, Any] | None
    quality_score: Quality | None
    quality_updated_at: datetime | None
    previous_category: str | None
    meta_template_id: str | None
    version: int = Field(description="Current version (0: never submitted)")
    submitted_at: datetime | None
    synced_at: datetime | None
    created_at: datetime
    updated_at: datetime
    variants: list[VariantOut] = Field(
        default_factory=list, description="The other languages of this template name."
    )


class VersionOut(Out):
    version: int
    kind: Literal["submit", "edit", "import", "sync"]
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    status: str
    rejection_reason: str | None
    previous_status: str | None
    submitted_by: uuid.UUID | None
    submitted_at: datetime


class MediaIn(Schema):
    link: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    id: str | None = Field(default=None, max_length=64)
    filename: str | None = Field(
        default=None, max_length=240, description="DOCUMENT headers: the file name shown."
    )

    @model_validator(mode="after")
    def _one(self) -> MediaIn:
        if (self.link is None) == (self.id is None):
            raise ValueError("give either link or id")
        return self


class LocationIn(Schema):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=1000)
    address: str | None = Field(default=None, max_length=1000)


class RenderIn(Schema):
    """Values for the template's variables. Explicit values win over a contact's, which win over
    the template's own examples (previews and test sends only)."""

    parameters: list[Value] | dict[str, Value] | None = Field(
        default=None,
        max_length=100,
        description="Positional: a list filling the body's {{1}}, {{2}}…; named: a map by "
        "variable name (header and body). Keys may also be full variable keys such as "
        "`header.1`.",
    )
    header_parameter: Value | None = Field(
        default=None, description="The value of a positional text header's {{1}}."
    )
    button_parameters: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]$")], Value] | None = (
        Field(
            default=None,
            description="By button index: a URL button's suffix, a copy-code or OTP code, a "
            "quick reply's payload.",
        )
    )
    header_media: MediaIn | None = None
    header_location: LocationIn | None = None
    contact_id: uuid.UUID | None = Field(
        default=None, description="Fill variables from this contact (see parameter_mapping)."
    )


class TestSendIn(RenderIn):
    to: str = Field(
        min_length=3,
        max_length=40,
        description="Your own phone number: it must equal the phone in your profile, and your "
        "email must be verified.",
    )
    phone_number_id: str | None = Field(
        default=None,
        max_length=32,
        description="The sending number (default: the connection's first number).",
    )


class HeaderPreviewOut(Out):
    format: str
    text: str | None
    media: dict[str, str] | None
    location: dict[str, Any] | None


class ButtonPreviewOut(Out):
    type: str
    text: str
    url: str | None
    phone_number: str | None
    payload: str | None
    code: str | None


class PreviewDocOut(Out):
    direction: Literal["ltr", "rtl"]
    header: HeaderPreviewOut | None
    body: str = Field(description="Hydrated body; WhatsApp formatting markers (*_~```) kept.")
    footer: str | None
    buttons: list[ButtonPreviewOut]


class PreviewOut(Out):
    preview: PreviewDocOut
    components: list[dict[str, Any]] = Field(
        description="The Cloud API `template.components` of the same values."
    )
    used_examples: list[str] = Field(description="Variables filled from the template's examples.")
    missing: list[str] = Field(description="Variables without a value (no example either).")
    warnings: list[str]


class TestSendOut(Out):
    wamid: str
    message_status: str | None
    to: str
    phone_number_id: str


class SyncConflictOut(Out):
    name: str
    language: str
    meta_template_id: str


class SyncOut(Out):
    imported: int
    updated: int
    unchanged: int
    deleted: int
    conflicts: list[SyncConflictOut] = Field(
        description="On the WABA but with the name and language of a QMS draft: not imported."
    )


class HeaderHandleOut(Out):
    header_handle: str = Field(description="Put it in the HEADER's example.header_handle.")
