"""The privacy policy is the product's own document, versioned by its effective date."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

POLICY_VERSION = "2026-04-23"
POLICY_EFFECTIVE_DATE = "2026-04-23"


@lru_cache
def privacy_policy_markdown() -> str:
    return (files("qms") / "content" / "privacy-policy.md").read_text(encoding="utf-8")
