from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from qms.schemas import Out, Schema


class SuppressionIn(Schema):
    phone: str = Field(min_length=3, max_length=40)
    purpose: Literal["marketing", "utility"] = "marketing"
    reason: str | None = Field(default=None, max_length=1000)


class SuppressionOut(Out):
    id: uuid.UUID
    purpose: str
    phone_hint: str | None = Field(
        description="Last digits of the number (the number itself is kept only as a keyed hash)."
    )
    source: str
    reason: str | None
    created_at: datetime


Keyword = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class KeywordsIn(Schema):
    opt_out: list[Keyword] = Field(min_length=1, max_length=50)
    opt_in: list[Keyword] = Field(default_factory=list, max_length=50)


class KeywordsOut(Out):
    opt_out: list[str]
    opt_in: list[str]
