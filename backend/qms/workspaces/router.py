from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status

from qms.auth import service as auth_service
from qms.auth.dependencies import CurrentUser, Principal, public, requires
from qms.auth.schemas import TokenRequest, TokenResponse
from qms.deps import Session, State, read_only
from qms.models import Invitation
from qms.pagination import Items
from qms.workspaces import service
from qms.workspaces.schemas import (
    InvitationCreate,
    InvitationOut,
    InvitationPreview,
    MemberOut,
    MemberUpdate,
    OwnershipTransfer,
    WorkspaceDelete,
    WorkspaceOut,
    WorkspaceSummary,
    WorkspaceTerminated,
    WorkspaceUpdate,
)

router = APIRouter(tags=["workspaces"])

WorkspaceRead = Annotated[Principal, Depends(requires("workspace:read"))]
WorkspaceWrite = Annotated[Principal, Depends(requires("workspace:write"))]
BillingWrite = Annotated[Principal, Depends(requires("billing:write"))]
MembersRead = Annotated[Principal, Depends(requires("members:read"))]
MembersWrite = Annotated[Principal, Depends(requires("members:write"))]


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        status=invitation.status_at(datetime.now(UTC)),
        invited_by=invitation.invited_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


@router.get("/workspaces", operation_id="workspaces:list")
async def list_workspaces(principal: CurrentUser, session: Session) -> Items[WorkspaceSummary]:
    """The signed-in user's memberships."""
    rows = await service.memberships_of(session, principal.require_user())
    return Items(
        items=[WorkspaceSummary(id=w.id, name=w.name, slug=w.slug, role=role) for w, role in rows]
    )


@router.post("/workspaces/{workspace_id}/switch", operation_id="workspaces:switch")
async def switch_workspace(
    workspace_id: uuid.UUID, principal: CurrentUser, session: Session, state: State
) -> TokenResponse:
    """An access token for another of the user's workspaces (same session)."""
    membership = await service.switch_workspace(session, principal, workspace_id)
    assert principal.session_id is not None
    return auth_service.access_token_for(
        state, principal.require_user(), membership, principal.session_id
    )


@router.get("/workspace", operation_id="workspace:get")
@read_only
async def get_workspace(principal: WorkspaceRead, session: Session) -> WorkspaceOut:
    return WorkspaceOut.model_validate(await service.get_workspace(session, principal.workspace_id))


@router.patch("/workspace", operation_id="workspace:update")
async def update_workspace(
    body: WorkspaceUpdate, principal: WorkspaceWrite, session: Session
) -> WorkspaceOut:
    workspace = await service.update_workspace(session, principal, body)
    await session.flush()
    await session.refresh(workspace)
    return WorkspaceOut.model_validate(workspace)


@router.delete("/workspace", status_code=status.HTTP_202_ACCEPTED, operation_id="workspace:delete")
async def delete_workspace(
    body: WorkspaceDelete, principal: BillingWrite, session: Session, state: State
) -> WorkspaceTerminated:
    """Terminate the workspace (owner only). Data is kept for the notice period, then purged."""
    workspace = await service.terminate_workspace(session, state, principal, body.confirm_name)
    assert workspace.purge_after is not None
    return WorkspaceTerminated(status="terminated", purge_after=workspace.purge_after)


@router.get("/workspace/members", operation_id="members:list")
async def list_members(principal: MembersRead, session: Session) -> Items[MemberOut]:
    rows = await service.list_members(session, principal.workspace_id)
    return Items(
        items=[
            MemberOut(
                user_id=u.id,
                email=u.email,
                full_name=u.full_name,
                role=m.role,
                joined_at=m.created_at,
                totp_enabled=u.totp_enabled_at is not None,
            )
            for m, u in rows
        ]
    )


@router.patch("/workspace/members/{user_id}", operation_id="members:update")
async def update_member(
    user_id: uuid.UUID, body: MemberUpdate, principal: MembersWrite, session: Session
) -> MemberOut:
    await service.change_role(session, principal, user_id, body.role)
    rows = await service.list_members(session, principal.workspace_id)
    m, u = next((m, u) for m, u in rows if u.id == user_id)
    return MemberOut(
        user_id=u.id,
        email=u.email,
        full_name=u.full_name,
        role=m.role,
        joined_at=m.created_at,
        totp_enabled=u.totp_enabled_at is not None,
    )


@router.delete(
    "/workspace/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="members:remove",
)
async def remove_member(user_id: uuid.UUID, principal: MembersRead, session: Session) -> None:
    """Remove a member (admin), or leave the workspace (any member, own id)."""
    await service.remove_member(session, principal, user_id)


@router.post(
    "/workspace/ownership-transfer",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="workspace:transfer_ownership",
)
async def transfer_ownership(
    body: OwnershipTransfer, principal: BillingWrite, session: Session
) -> None:
    """Make another member owner; the caller becomes admin."""
    await service.transfer_ownership(session, principal, body.user_id)


@router.get("/workspace/invitations", operation_id="invitations:list")
async def list_invitations(principal: MembersRead, session: Session) -> Items[InvitationOut]:
    rows = await service.list_invitations(session, principal.workspace_id)
    return Items(items=[_invitation_out(i) for i in rows])


@router.post(
    "/workspace/invitations", status_code=status.HTTP_201_CREATED, operation_id="invitations:create"
)
async def create_invitation(
    body: InvitationCreate, principal: MembersWrite, session: Session, state: State
) -> InvitationOut:
    invitation = await service.create_invitation(session, state, principal, body)
    await session.flush()
    await session.refresh(invitation)
    return _invitation_out(invitation)


@router.post("/workspace/invitations/{invitation_id}/resend", operation_id="invitations:resend")
async def resend_invitation(
    invitation_id: uuid.UUID, principal: MembersWrite, session: Session, state: State
) -> InvitationOut:
    """Send a fresh link (the previous one stops working) with a new expiry."""
    return _invitation_out(
        await service.resend_invitation(session, state, principal, invitation_id)
    )


@router.delete(
    "/workspace/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="invitations:revoke",
)
async def revoke_invitation(
    invitation_id: uuid.UUID, principal: MembersWrite, session: Session
) -> None:
    await service.revoke_invitation(session, principal, invitation_id)


@router.get(
    "/invitations/{token}", operation_id="invitations:preview", dependencies=[Depends(public)]
)
async def preview_invitation(token: str, session: Session, state: State) -> InvitationPreview:
    invitation, workspace = await service.preview_invitation(session, state, token)
    return InvitationPreview(
        workspace_name=workspace.name,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
    )


@router.post("/invitations/accept", operation_id="invitations:accept")
async def accept_invitation(
    body: TokenRequest, principal: CurrentUser, session: Session, state: State
) -> TokenResponse:
    """Join the inviting workspace; the returned token acts in it."""
    membership = await service.accept_invitation(session, state, principal, body.token)
    assert principal.session_id is not None
    return auth_service.access_token_for(
        state, principal.require_user(), membership, principal.session_id
    )
