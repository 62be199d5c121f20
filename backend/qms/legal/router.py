from __future__ import annotations

from fastapi import APIRouter, Depends

from qms.auth.dependencies import public
from qms.legal.service import POLICY_EFFECTIVE_DATE, POLICY_VERSION, privacy_policy_markdown
from qms.schemas import Out

router = APIRouter(prefix="/legal", tags=["legal"])


class PrivacyPolicy(Out):
    version: str
    effective_date: str
    markdown: str


@router.get(
    "/privacy-policy",
    operation_id="legal:privacy_policy",
    dependencies=[Depends(public)],
)
async def get_privacy_policy() -> PrivacyPolicy:
    return PrivacyPolicy(
        version=POLICY_VERSION,
        effective_date=POLICY_EFFECTIVE_DATE,
        markdown=privacy_policy_markdown(),
    )
