"""The published catalogue of API scopes, each with the lowest role that holds it."""

from __future__ import annotations

import functools

from qms.models.accounts import Role

SCOPES: dict[str, tuple[Role, str]] = {
    "workspace:read": (Role.viewer, "Read workspace settings"),
    "workspace:write": (Role.admin, "Change workspace settings"),
    "members:read": (Role.viewer, "List members and invitations"),
    "members:write": (Role.admin, "Invite, change and remove members"),
    "api_keys:read": (Role.admin, "List API keys"),
    "api_keys:write": (Role.admin, "Create and revoke API keys"),
    "audit:read": (Role.admin, "Read the audit log"),
    "whatsapp:read": (Role.viewer, "Read the WhatsApp connection and phone numbers"),
    "whatsapp:write": (Role.admin, "Connect or disconnect the WhatsApp Business Account"),
    "contacts:read": (Role.viewer, "Read contacts, lists, segments and consent"),
    "contacts:write": (Role.marketer, "Create, import and change contacts and consent"),
    "templates:read": (Role.viewer, "Read message templates"),
    "templates:write": (Role.marketer, "Create, submit and change message templates"),
    "campaigns:read": (Role.viewer, "Read campaigns and their statistics"),
    "campaigns:write": (Role.marketer, "Create, launch and control campaigns"),
    "messages:write": (Role.marketer, "Send single template messages"),
    "webhooks:read": (Role.admin, "Read outbound webhook endpoints"),
    "webhooks:write": (Role.admin, "Manage outbound webhook endpoints"),
    "privacy:read": (Role.admin, "Read data-subject requests"),
    "privacy:write": (Role.admin, "Handle data-subject requests"),
    "billing:read": (Role.admin, "Read plan, usage and invoices"),
    "billing:write": (Role.owner, "Change the subscription"),
}


@functools.cache  # asked on every request
def scopes_for_role(role: Role) -> frozenset[str]:
    return frozenset(scope for scope, (min_role, _) in SCOPES.items() if role.at_least(min_role))
