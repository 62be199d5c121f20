"""Workspaces, memberships, invitations. A workspace never has zero owners."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from qms.audit import service as audit
from qms.auth.dependencies import Principal
from qms.auth.service import find_user_by_email, pending_invitation
from qms.email.service import queue_email
from qms.errors import AppError, Conflict, Forbidden, NotFound, Unprocessable
from qms.models import ApiKey, AuthSession, Invitation, Membership, Role, User, Workspace
from qms.security.tokens import hash_token, new_opaque_token
from qms.state import AppState
from qms.workspaces.schemas import InvitationCreate, WorkspaceUpdate


class LastOwner(AppError):
    status = 409
    code = "workspace.last_owner"
    title = "A workspace needs an owner"


def now() -> datetime:
    return datetime.now(UTC)


async def memberships_of(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Workspace, Role]]:
    rows = await session.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user_id, Workspace.status == "active")
        .order_by(Workspace.name)
    )
    return [(w, r) for w, r in rows.all()]


async def get_membership(
    session: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
) -> Membership:
    query = select(Membership).where(
        Membership.workspace_id == workspace_id, Membership.user_id == user_id
    )
    if lock:
        query = query.with_for_update()
    membership = await session.scalar(query)
    if membership is None:
        raise NotFound("No such member in this workspace.")
    return membership


async def switch_workspace(
    session: AsyncSession, principal: Principal, workspace_id: uuid.UUID
) -> Membership:
    user_id = principal.require_user()
    membership = await session.scalar(
        select(Membership)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(
            Membership.user_id == user_id,
            Membership.workspace_id == workspace_id,
            Workspace.status == "active",
        )
    )
    if membership is None:
        raise NotFound("No such workspace.")
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == principal.session_id)
        .values(workspace_id=workspace_id)
    )
    return membership


async def get_workspace(session: AsyncSession, workspace_id: uuid.UUID) -> Workspace:
    return await session.get_one(Workspace, workspace_id)


async def update_workspace(
    session: AsyncSession, principal: Principal, data: WorkspaceUpdate
) -> Workspace:
    workspace = await get_workspace(session, principal.workspace_id)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None and field in {"name", "timezone", "require_admin_2fa", "test_mode"}:
            continue
        setattr(workspace, field, value)
    await audit.record(
        session,
        "workspace.updated",
        workspace_id=workspace.id,
        actor=principal,
        target_type="workspace",
        target_id=workspace.id,
        details={"fields": sorted(changes)},
    )
    return workspace


async def terminate_workspace(
    session: AsyncSession, state: AppState, principal: Principal, confirm_name: str
) -> Workspace:
    workspace = await get_workspace(session, principal.workspace_id)
    if confirm_name.strip() != workspace.name:
        raise Unprocessable(
            "Type the workspace name exactly to confirm.", code="workspace.confirmation_mismatch"
        )
    at = now()
    workspace.status = "terminated"
    workspace.terminated_at = at
    # Kept for the notice period, then purged by the retention engine.
    workspace.purge_after = at + timedelta(days=state.settings.workspace_purge_days)
    await session.execute(
        update(ApiKey)
        .where(ApiKey.workspace_id == workspace.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    await audit.record(
        session,
        "workspace.terminated",
        workspace_id=workspace.id,
        actor=principal,
        target_type="workspace",
        target_id=workspace.id,
        details={"purge_after": workspace.purge_after.isoformat()},
    )
    return workspace


async def list_members(
    session: AsyncSession, workspace_id: uuid.UUID
) -> list[tuple[Membership, User]]:
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
        .order_by(Membership.created_at)
    )
    return [(m, u) for m, u in rows.all()]


async def _lock_owners(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Lock the owner rows so two concurrent demotions cannot both pass the check."""
    owners = await session.scalars(
        select(Membership.user_id)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner)
        .with_for_update()
    )
    return len(list(owners))


def _may_manage(actor: Principal, target_role: Role, new_role: Role | None = None) -> None:
    """Owner-level changes need an owner acting with owner rights (a key needs billing:write,
    the owner-only scope)."""
    touches_owner = target_role == Role.owner or new_role == Role.owner
    if touches_owner and (actor.role != Role.owner or "billing:write" not in actor.scopes):
        raise Forbidden("Only an owner can grant or remove the owner role.")


async def change_role(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, role: Role
) -> Membership:
    owners = await _lock_owners(session, principal.workspace_id)
    membership = await get_membership(session, principal.workspace_id, user_id, lock=True)
    _may_manage(principal, membership.role, role)
    if membership.role == Role.owner and role != Role.owner and owners <= 1:
        raise LastOwner("Make someone else an owner first.")
    previous = membership.role
    membership.role = role
    await audit.record(
        session,
        "member.role_changed",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="user",
        target_id=user_id,
        details={"from": previous.value, "to": role.value},
    )
    return membership


async def remove_member(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> None:
    leaving = user_id == principal.user_id and not principal.is_api_key
    if not leaving and "members:write" not in principal.scopes:
        raise Forbidden("Your role does not allow removing members.")
    owners = await _lock_owners(session, principal.workspace_id)
    membership = await get_membership(session, principal.workspace_id, user_id, lock=True)
    if not leaving:
        _may_manage(principal, membership.role)
    if membership.role == Role.owner and owners <= 1:
        raise LastOwner("Transfer ownership before the last owner leaves.")
    await session.delete(membership)
    # Their keys stop working with their membership; mark them so the list says so.
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.workspace_id == principal.workspace_id,
            ApiKey.created_by == user_id,
            ApiKey.revoked_at.is_(None),
        )
        .values(revoked_at=now())
    )
    await audit.record(
        session,
        "member.left" if leaving else "member.removed",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="user",
        target_id=user_id,
        details={"role": membership.role.value},
    )


async def transfer_ownership(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID
) -> None:
    caller = principal.require_user()
    if user_id == caller:
        raise Unprocessable("You already own this workspace.", code="workspace.transfer_to_self")
    await _lock_owners(session, principal.workspace_id)
    target = await get_membership(session, principal.workspace_id, user_id, lock=True)
    me = await get_membership(session, principal.workspace_id, caller, lock=True)
    target.role = Role.owner
    me.role = Role.admin
    await audit.record(
        session,
        "workspace.ownership_transferred",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="user",
        target_id=user_id,
    )


# Invitations


async def list_invitations(session: AsyncSession, workspace_id: uuid.UUID) -> list[Invitation]:
    rows = await session.scalars(
        select(Invitation)
        .where(Invitation.workspace_id == workspace_id)
        .order_by(Invitation.created_at.desc())
    )
    return list(rows)


async def _send_invitation(
    session: AsyncSession, state: AppState, invitation: Invitation, inviter: str
) -> None:
    token = new_opaque_token()
    invitation.token_hash = hash_token(token, state.secrets.hmac_key)
    invitation.expires_at = now() + timedelta(days=state.settings.invitation_ttl_days)
    workspace = await get_workspace(session, invitation.workspace_id)
    link = f"{state.settings.public_url}/invite?token={token}"
    await queue_email(
        session,
        state.keyring,
        to=invitation.email,
        subject=f"{inviter} invited you to {workspace.name} on QMS",
        body=f"{inviter} invited you to join {workspace.name} on QMS as {invitation.role.value}."
        f"\n\nAccept the invitation:\n{link}\n\n"
        f"The link expires in {state.settings.invitation_ttl_days} days.",
    )


async def _inviter_name(session: AsyncSession, principal: Principal) -> str:
    if principal.user_id is None:
        return "A teammate"
    user = await session.get_one(User, principal.user_id)
    return user.full_name


async def create_invitation(
    session: AsyncSession, state: AppState, principal: Principal, data: InvitationCreate
) -> Invitation:
    _may_manage(principal, data.role)
    email = str(data.email)
    existing_user = await find_user_by_email(session, email)
    if existing_user is not None:
        member = await session.scalar(
            select(Membership).where(
                Membership.workspace_id == principal.workspace_id,
                Membership.user_id == existing_user.id,
            )
        )
        if member is not None:
            raise Conflict("This person is already a member.", code="invitations.already_member")
    already_pending = Conflict(
        "An invitation to this email is already pending; resend it instead.",
        code="invitations.already_pending",
    )
    open_invitation = await session.scalar(
        select(Invitation).where(
            Invitation.workspace_id == principal.workspace_id,
            func.lower(Invitation.email) == email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if open_invitation is not None:
        if open_invitation.expires_at > now():
            raise already_pending
        open_invitation.revoked_at = now()  # expired: make room for the new one
        await session.flush()
    invitation = Invitation(
        id=uuid.uuid4(),
        workspace_id=principal.workspace_id,
        email=email,
        role=data.role,
        invited_by=principal.user_id,
    )
    await _send_invitation(session, state, invitation, await _inviter_name(session, principal))
    session.add(invitation)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent invitation to the same address won
        raise already_pending from exc
    await audit.record(
        session,
        "member.invited",
        workspace_id=principal.workspace_id,
        actor=principal,
        target_type="invitation",
        target_id=invitation.id,
        details={"role": data.role.value},
    )
    return invitation


async def get_invitation(
    session: AsyncSession, workspace_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation:
    invitation = await session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.workspace_id == workspace_id
        )
    )
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


async def resend_invitation(
    session: AsyncSession, state: AppState, principal: Principal, invitation_id: uuid.UUID
) -> Invitation:
    invitation = await get_invitation(session, principal.workspace_id, invitation_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation is no longer open.", code="invitations.closed")
    await _send_invitation(session, state, invitation, await _inviter_name(session, principal))
    return invitation


async def revoke_invitation(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID
) -> None:
    invitation = await get_invitation(session, principal.workspace_id, invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="invitations.closed")
    if invitation.revoked_at is None:
        invitation.revoked_at = now()
        await audit.record(
            session,
            "member.invitation_revoked",
            workspace_id=principal.workspace_id,
            actor=principal,
            target_type="invitation",
            target_id=invitation.id,
        )


async def preview_invitation(
    session: AsyncSession, state: AppState, token: str
) -> tuple[Invitation, Workspace]:
    return await pending_invitation(session, state, token)


async def accept_invitation(
    session: AsyncSession, state: AppState, principal: Principal, token: str
) -> Membership:
    user_id = principal.require_user()
    invitation, workspace = await pending_invitation(session, state, token)
    user = await session.get_one(User, user_id)
    if invitation.email.lower() != user.email.lower():
        raise Forbidden(
            "This invitation was sent to another email address.",
            code="invitations.email_mismatch",
        )
    existing = await session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace.id, Membership.user_id == user_id
        )
    )
    invitation.accepted_at = now()
    membership = existing or Membership(
        workspace_id=workspace.id, user_id=user_id, role=invitation.role
    )
    if existing is None:
        session.add(membership)
    # Receiving the link at this address proves it.
    user.email_verified_at = user.email_verified_at or now()
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == principal.session_id)
        .values(workspace_id=workspace.id)
    )
    await audit.record(
        session,
        "member.joined",
        workspace_id=workspace.id,
        actor_user_id=user_id,
        target_type="user",
        target_id=user_id,
        details={"role": invitation.role.value, "invitation_id": str(invitation.id)},
    )
    await session.flush()
    return membership
