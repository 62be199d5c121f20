"""All ORM models, imported here so Alembic sees one metadata."""

from qms.db import Base
from qms.models.accounts import Invitation, Membership, Role, User, Workspace
from qms.models.api_keys import ApiKey
from qms.models.audit import AuditEvent
from qms.models.auth import AuthSession, OneTimeToken, RefreshToken
from qms.models.contacts import (
    ConsentEvent,
    ConsentKeyword,
    Contact,
    ContactField,
    ContactList,
    ListMember,
    OptInRequest,
    Segment,
    Suppression,
)
from qms.models.email import OutboxEmail
from qms.models.imports import ContactImport, ContactImportError, ContactImportRow
from qms.models.templates import MessageTemplate, MessageTemplateVersion
from qms.models.whatsapp import (
    MessageStatusEvent,
    MetaWebhookEvent,
    MetaWebhookKey,
    WhatsAppConnection,
    WhatsAppPhoneNumber,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuthSession",
    "Base",
    "ConsentEvent",
    "ConsentKeyword",
    "Contact",
    "ContactField",
    "ContactImport",
    "ContactImportError",
    "ContactImportRow",
    "ContactList",
    "Invitation",
    "ListMember",
    "Membership",
    "MessageStatusEvent",
    "MessageTemplate",
    "MessageTemplateVersion",
    "MetaWebhookEvent",
    "MetaWebhookKey",
    "OneTimeToken",
    "OptInRequest",
    "OutboxEmail",
    "RefreshToken",
    "Role",
    "Segment",
    "Suppression",
    "User",
    "WhatsAppConnection",
    "WhatsAppPhoneNumber",
    "Workspace",
]
