"""Opt-out / opt-in keywords, matched on the whole message after normalisation: case folding,
punctuation trimmed, Arabic diacritics and tatweel removed, alef/hamza forms unified (so «الغاء»
matches «إلغاء»)."""

from __future__ import annotations

import re
import unicodedata
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qms.models import ConsentKeyword

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ي", "ى": "ي"})
_SPACES = re.compile(r"\s+")

DEFAULT_OPT_OUT = (
    "STOP",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPT OUT",
    "OPTOUT",
    "إيقاف",
    "ايقاف",
    "توقف",
    "الغاء",
    "إلغاء",
    "إلغاء الاشتراك",
    "الغاء الاشتراك",
)
DEFAULT_OPT_IN = ("START", "SUBSCRIBE", "OPT IN", "UNSTOP", "ابدأ", "ابدا", "اشتراك", "اشترك")


def normalise(message: str) -> str:
    text = unicodedata.normalize("NFKC", message).casefold()
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "").translate(_ALEF_FORMS)
    # drop punctuation and symbols (emoji too) anywhere; keep letters, digits, spaces
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "S", "C")))
    return _SPACES.sub(" ", text).strip()


DEFAULTS = {
    **{normalise(k): "opt_out" for k in DEFAULT_OPT_OUT},
    **{normalise(k): "opt_in" for k in DEFAULT_OPT_IN},
}


async def keywords_for(session: AsyncSession, workspace_id: uuid.UUID) -> dict[str, str]:
    """The workspace's own list when it configured one, else the defaults."""
    rows = (
        await session.execute(
            select(ConsentKeyword.keyword, ConsentKeyword.kind).where(
                ConsentKeyword.workspace_id == workspace_id
            )
        )
    ).all()
    return {keyword: kind for keyword, kind in rows} if rows else dict(DEFAULTS)


def classify(message: str, keywords: dict[str, str]) -> str | None:
    return keywords.get(normalise(message))
