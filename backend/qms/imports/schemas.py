from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from qms.contacts.schemas import OnDuplicate, Purpose
from qms.schemas import Out, Schema

ImportStatus = Literal["uploaded", "queued", "running", "completed", "failed"]
ConsentMode = Literal["column", "file", "none"]
ConsentValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class ImportOut(Out):
    id: uuid.UUID
    status: ImportStatus
    file_name: str
    size_bytes: int
    file_type: Literal["csv", "xlsx"]
    encoding: Literal["utf-8", "utf-16", "windows-1256"] | None
    headers: list[str]
    preview: list[list[str]] = Field(description="The first 10 data rows.")
    total_rows: int | None = Field(description="Data rows in the file, once known.")
    processed_rows: int
    created: int
    updated: int
    skipped: int = Field(description="Existing contacts left alone (on_duplicate=skip).")
    duplicates_in_file: int = Field(description="Rows superseded by a later row with the number.")
    errors: int
    on_duplicate: OnDuplicate | None
    consent_mode: ConsentMode | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class ImportConsentIn(Schema):
    mode: ConsentMode = Field(
        description="`column`: each row's consent is in a column; `file`: everyone in the file "
        "opted in, as the evidence says; `none`: record no consent."
    )
    column: str | None = Field(default=None, max_length=200, description="For mode `column`.")
    purpose: Purpose = "marketing"
    evidence: str | None = Field(
        default=None,
        max_length=4000,
        description="What the people were shown or did when they gave consent (required unless "
        "mode is `none`).",
    )
    opted_in_values: list[ConsentValue] | None = Field(
        default=None, max_length=50, description="Cell values meaning opted in (any case)."
    )
    opted_out_values: list[ConsentValue] | None = Field(
        default=None, max_length=50, description="Cell values meaning opted out (any case)."
    )


class ImportStartIn(Schema):
    mapping: dict[str, str] = Field(
        description='Contact attribute -> column header: "phone" (required), "name", '
        '"language", "country", "tags" (tags separated by ; or ,), "fields.<key>".',
    )
    consent: ImportConsentIn
    on_duplicate: OnDuplicate = Field(
        default="update",
        description="What to do with a number that is already a contact: update it or skip it.",
    )


class ImportList(Out):
    items: list[ImportOut]
