from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from qms.api_keys import service
from qms.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ScopeOut
from qms.auth.dependencies import Principal, requires
from qms.auth.scopes import SCOPES
from qms.deps import Session, State
from qms.pagination import Items

router = APIRouter(prefix="/api-keys", tags=["api-keys"])

KeysRead = Annotated[Principal, Depends(requires("api_keys:read"))]
KeysWrite = Annotated[Principal, Depends(requires("api_keys:write"))]
WorkspaceRead = Annotated[Principal, Depends(requires("workspace:read"))]


@router.get("/scopes", operation_id="api_keys:scopes")
async def list_scopes(_: WorkspaceRead) -> Items[ScopeOut]:
    """The published scope catalogue, with the lowest role that may hold each scope."""
    return Items(
        items=[ScopeOut(scope=s, description=d, min_role=r) for s, (r, d) in SCOPES.items()]
    )


@router.get("", operation_id="api_keys:list")
async def list_keys(principal: KeysRead, session: Session) -> Items[ApiKeyOut]:
    keys = await service.list_keys(session, principal.workspace_id)
    return Items(items=[ApiKeyOut.model_validate(k) for k in keys])


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="api_keys:create")
async def create_key(
    body: ApiKeyCreate, principal: KeysWrite, session: Session, state: State
) -> ApiKeyCreated:
    """Create a key. The secret is in this response only; store it now."""
    key, secret = await service.create_key(session, state, principal, body)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=secret)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="api_keys:revoke")
async def revoke_key(key_id: uuid.UUID, principal: KeysWrite, session: Session) -> None:
    """Revoke a key; requests with it fail from now on."""
    await service.revoke_key(session, principal, key_id)
