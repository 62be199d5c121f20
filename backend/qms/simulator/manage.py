"""Graph management operations (templates, phone numbers, WABA, subscriptions, media, resumable
upload): plain functions over the simulator's state that return Meta's response shapes or raise
`GraphError`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from qms.simulator.core import Simulator
from qms.simulator.errors import GraphError, invalid_param, nonexisting_field, unsupported
from qms.simulator.review import CATEGORIES, normalise_components
from qms.simulator.state import PhoneNumber, Template, UploadSession, Waba, new_id

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,4})?$")
TEMPLATE_FIELDS = frozenset(
    {
        "id",
        "name",
        "language",
        "status",
        "category",
        "components",
        "parameter_format",
        "quality_score",
        "rejected_reason",
        "previous_category",
    }
)
TEMPLATE_DEFAULT = ("name", "parameter_format", "components", "language", "status", "category")
PHONE_FIELDS = frozenset(
    {
        "id",
        "display_phone_number",
        "verified_name",
        "quality_rating",
        "code_verification_status",
        "platform_type",
        "throughput",
        "whatsapp_business_manager_messaging_limit",
        "messaging_limit_tier",
        "name_status",
        "status",
        "account_mode",
        "is_official_business_account",
    }
)
PHONE_DEFAULT = (
    "verified_name",
    "code_verification_status",
    "display_phone_number",
    "quality_rating",
    "platform_type",
    "throughput",
)
WABA_FIELDS = frozenset(
    {"id", "name", "currency", "timezone_id", "message_template_namespace", "account_review_status"}
)
EDITABLE = frozenset({"APPROVED", "REJECTED", "PAUSED"})
UPLOAD_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png", "video/mp4", "application/pdf"})
MEDIA_LIMITS = {
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "image/webp": 500 << 10,
    "video/mp4": 16 << 20,
    "video/3gpp": 16 << 20,
    "audio/aac": 16 << 20,
    "audio/amr": 16 << 20,
    "audio/mpeg": 16 << 20,
    "audio/mp4": 16 << 20,
    "audio/ogg": 16 << 20,
    "text/plain": 100 << 20,
    "application/pdf": 100 << 20,
    "application/msword": 100 << 20,
    "application/vnd.ms-excel": 100 << 20,
    "application/vnd.ms-powerpoint": 100 << 20,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 << 20,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 << 20,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 << 20,
}

Link = Callable[..., str]


def _user_error(title: str, message: str, subcode: int) -> GraphError:
    return GraphError(
        100,
        "Invalid parameter",
        subcode=subcode,
        whatsapp=False,
        user_title=title,
        user_msg=message,
    )


def fields_of(
    raw: str | None, known: frozenset[str], default: tuple[str, ...], node: str
) -> list[str]:
    if not raw:
        return [*default, "id"]
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    for f in fields:
        if f.split("{")[0] not in known:
            raise nonexisting_field(f, node)
    return [f.split("{")[0] for f in fields] + (["id"] if "id" not in fields else [])


def _encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid_param("Invalid parameter", details="Invalid cursor") from None


def page(
    rows: list[dict[str, Any]], keys: list[str], query: Mapping[str, str], link: Link
) -> dict[str, Any]:
    """Graph list paging: `{"data": [...], "paging": {"cursors": {before, after}, next?,
    previous?}}`."""
    try:
        limit = int(query.get("limit", "25"))
    except ValueError:
        raise invalid_param("Param limit must be an integer.") from None
    limit = max(1, min(limit, 1000))
    start = 0
    if query.get("after"):
        key = _decode_cursor(query["after"])
        start = keys.index(key) + 1 if key in keys else len(keys)
    elif query.get("before"):
        key = _decode_cursor(query["before"])
        end = keys.index(key) if key in keys else 0
        start = max(0, end - limit)
    chunk = rows[start : start + limit]
    if not chunk:
        return {"data": []}
    cursors = {
        "before": _encode_cursor(keys[start]),
        "after": _encode_cursor(keys[start + len(chunk) - 1]),
    }
    paging: dict[str, Any] = {"cursors": cursors}
    if start + limit < len(rows):
        paging["next"] = link(after=cursors["after"])
    if start > 0:
        paging["previous"] = link(before=cursors["before"])
    return {"data": chunk, "paging": paging}


# Templates --------------------------------------------------------------------------------------


def template_view(template: Template, fields: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": template.id,
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "components": template.components,
        "parameter_format": template.parameter_format,
        "quality_score": {"score": template.quality_score, "date": template.quality_date},
        "rejected_reason": template.rejected_reason,
        "previous_category": template.previous_category,
    }
    return {f: values[f] for f in fields if values.get(f) is not None}


def list_templates(
    sim: Simulator, waba: Waba, query: Mapping[str, str], link: Link
) -> dict[str, Any]:
    fields = fields_of(
        query.get("fields"), TEMPLATE_FIELDS, TEMPLATE_DEFAULT, "WhatsAppMessageTemplate"
    )
    templates = sorted(waba.templates.values(), key=lambda t: (t.created, t.id), reverse=True)
    if name := query.get("name"):
        templates = [t for t in templates if name.lower() in t.name.lower()]
    for key, attr in (("status", "status"), ("category", "category"), ("language", "language")):
        if wanted := query.get(key):
            accepted = {w.strip().upper() for w in wanted.split(",")}
            templates = [t for t in templates if str(getattr(t, attr)).upper() in accepted]
    rows = [template_view(t, fields) for t in templates]
    return page(rows, [t.id for t in templates], query, link)


def _components(params: Mapping[str, Any]) -> list[Any] | None:
    components = params.get("components")
    if isinstance(components, str):
        try:
            components = json.loads(components)
        except ValueError:
            raise invalid_param("Param components must be a JSON array.") from None
    if components is None:
        return None
    if not isinstance(components, list):
        raise invalid_param("Param components must be an array.")
    return components


def create_template(sim: Simulator, waba: Waba, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params.get("name")
    if not isinstance(name, str) or not name:
        raise invalid_param("The parameter name is required.")
    language = params.get("language")
    if not isinstance(language, str) or not language:
        raise invalid_param("The parameter language is required.")
    if not LANGUAGE_RE.match(language):
        raise _user_error(
            "Invalid language", f"The language code '{language}' is not supported.", 2388072
        )
    category = str(params.get("category") or "").upper()
    if category not in CATEGORIES:
        raise invalid_param(
            "Param category must be one of {AUTHENTICATION, MARKETING, UTILITY} - got "
            f'"{params.get("category")}".'
        )
    components = _components(params)
    if components is None:
        raise invalid_param("The parameter components is required.")
    parameter_format = str(params.get("parameter_format") or "POSITIONAL").upper()
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise invalid_param(
            "Param parameter_format must be one of {NAMED, POSITIONAL} - got "
            f'"{params.get("parameter_format")}".'
        )
    if (name, language) in waba.templates:
        raise _user_error(
            "Content in This Language Already Exists",
            f"There's already {language} content for this template. You can create a new "
            "template and try again.",
            2388024,
        )
    deleted_at = waba.deleted.get((name, language))
    if deleted_at is not None and time.time() - deleted_at < sim.config.deleted_name_block_s:
        raise _user_error(
            "Language is being deleted",
            f"New {language} content can't be added while the existing {language} content is "
            "being deleted. Try again in 4 weeks or consider creating a new message template.",
            2388023,
        )
    if len(waba.templates) >= sim.config.max_templates_per_waba:
        raise _user_error(
            "Message template limit reached",
            f"This WhatsApp Business Account has reached its limit of "
            f"{sim.config.max_templates_per_waba} message templates.",
            2388025,
        )
    template = sim.add_template(
        waba, name, language, category, components, parameter_format, status="PENDING"
    )
    sim.schedule_review(template)
    return {"id": template.id, "status": "PENDING", "category": category}


def edit_template(sim: Simulator, template: Template, params: Mapping[str, Any]) -> dict[str, Any]:
    components = _components(params)
    category = params.get("category")
    if components is None and category is None:
        raise invalid_param("The parameter components is required.")
    if template.status not in EDITABLE:
        raise _user_error(
            "Template can't be edited",
            f"Templates with status {template.status} can't be edited.",
            2388059,
        )
    if category is not None:
        category = str(category).upper()
        if category not in CATEGORIES:
            raise invalid_param(
                "Param category must be one of {AUTHENTICATION, MARKETING, UTILITY} - got "
                f'"{params.get("category")}".'
            )
        if template.status == "APPROVED" and category != template.category:
            raise _user_error(
                "Category can't be changed",
                "The category of an approved template can't be changed.",
                2388067,
            )
    now = time.time()
    if template.status == "APPROVED":
        recent = [t for t in template.edits if now - t < 30 * 86400]
        if any(now - t < 86400 for t in recent) or len(recent) >= 10:
            raise _user_error(
                "Edit limit reached",
                "Approved templates can be edited once per 24 hours and 10 times per 30 days.",
                2388299,
            )
        template.edits = [*recent, now]
    if category is not None and category != template.category:
        template.previous_category = template.category
        template.category = category
    if components is not None:
        template.components = normalise_components(components)
    template.refresh_spec()
    template.status = "PENDING"
    sim.schedule_review(template)
    return {"success": True}


def delete_templates(sim: Simulator, waba: Waba, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params.get("name")
    if not isinstance(name, str) or not name:
        raise invalid_param("The parameter name is required.")
    hsm_id = params.get("hsm_id")
    targets = [
        t for t in waba.templates.values() if t.name == name and (not hsm_id or t.id == str(hsm_id))
    ]
    if not targets:
        raise _user_error(
            "Message template not found",
            f'The message template "{name}" wasn\'t found.',
            2593002,
        )
    if any(t.status == "DISABLED" for t in targets):
        raise _user_error(
            "Template can't be deleted", "Disabled message templates can't be deleted.", 2593003
        )
    for template in targets:
        if template.status == "APPROVED":
            waba.deleted[(template.name, template.language)] = time.time()
        waba.templates.pop((template.name, template.language), None)
        sim.store.templates.pop(template.id, None)
        review = sim.reviews.pop(template.id, None)
        if review is not None:
            review.cancel()
    return {"success": True}


def unpause_template(sim: Simulator, template: Template) -> dict[str, Any]:
    if template.status != "PAUSED":
        raise _user_error(
            "Template isn't paused", "Only paused templates can be unpaused.", 2388301
        )
    sim.set_template_status(
        template,
        "APPROVED",
        other_info={"title": "UNPAUSE", "description": "The template was unpaused."},
    )
    return {"success": True}


# Phone numbers and WABA -------------------------------------------------------------------------


def phone_view(sim: Simulator, phone: PhoneNumber, fields: list[str]) -> dict[str, Any]:
    mps = phone.throughput_mps or sim.config.throughput_per_number
    values: dict[str, Any] = {
        "id": phone.id,
        "display_phone_number": phone.display,
        "verified_name": phone.verified_name,
        "quality_rating": phone.quality_rating,
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "throughput": {"level": "HIGH" if mps >= 1000 else "STANDARD"},
        "whatsapp_business_manager_messaging_limit": phone.tier,
        "messaging_limit_tier": phone.tier,
        "name_status": "APPROVED",
        "status": "CONNECTED",
        "account_mode": "LIVE",
        "is_official_business_account": False,
    }
    return {f: values[f] for f in fields}


def list_phones(sim: Simulator, waba: Waba, query: Mapping[str, str], link: Link) -> dict[str, Any]:
    fields = fields_of(
        query.get("fields"), PHONE_FIELDS, PHONE_DEFAULT, "WhatsAppBusinessPhoneNumber"
    )
    phones = [sim.store.phones[pid] for pid in waba.phone_ids if pid in sim.store.phones]
    rows = [phone_view(sim, p, fields) for p in phones]
    return page(rows, [p.id for p in phones], query, link)


def waba_view(waba: Waba, fields: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": waba.id,
        "name": waba.name,
        "currency": "USD",
        "timezone_id": "1",
        "message_template_namespace": waba.namespace,
        "account_review_status": "APPROVED",
    }
    return {f: values[f] for f in fields}


def subscribed_apps(sim: Simulator, waba: Waba, method: str) -> dict[str, Any]:
    if method == "POST":
        waba.subscribed = True
        return {"success": True}
    if method == "DELETE":
        waba.subscribed = False
        return {"success": True}
    if not waba.subscribed:
        return {"data": []}
    app = {"link": "https://qms.example/", "name": "QMS", "id": sim.config.app_id}
    return {"data": [{"whatsapp_business_api_data": app}]}


# Media ------------------------------------------------------------------------------------------


def store_media(
    sim: Simulator, phone: PhoneNumber, product: Any, data: bytes | None, mime: str | None
) -> dict[str, Any]:
    if product != "whatsapp":
        raise invalid_param("The parameter messaging_product is required.")
    if data is None:
        raise invalid_param("The parameter file is required.")
    mime = (mime or "").split(";")[0].strip().lower()
    limit = MEDIA_LIMITS.get(mime)
    if limit is None:
        raise GraphError(
            131053,
            details=f"Param file must be a file with one of the following types: "
            f"{', '.join(sorted(MEDIA_LIMITS))}. Received file of type '{mime}'.",
        )
    if len(data) > limit:
        raise GraphError(
            131053, details=f"The {mime} file is {len(data)} bytes; the limit is {limit} bytes."
        )
    media_id = new_id()
    sim.store.media[media_id] = {
        "id": media_id,
        "waba_id": phone.waba_id,
        "mime_type": mime,
        "sha256": hashlib.sha256(data).hexdigest(),
        "file_size": len(data),
    }
    return {"id": media_id}


def media_view(media: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "url": f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media['id']}",
        "mime_type": media["mime_type"],
        "sha256": media["sha256"],
        "file_size": media["file_size"],
        "id": media["id"],
    }


# Resumable upload -------------------------------------------------------------------------------


def start_upload(
    sim: Simulator, token: str, app_id: str, query: Mapping[str, str]
) -> dict[str, Any]:
    if app_id != sim.config.app_id:
        raise unsupported("post", app_id)
    file_name = query.get("file_name") or "file"
    try:
        length = int(query.get("file_length", ""))
    except ValueError:
        raise invalid_param("The parameter file_length is required.") from None
    if length <= 0:
        raise invalid_param("Param file_length must be a positive integer.")
    file_type = (query.get("file_type") or "").lower()
    if file_type not in UPLOAD_TYPES:
        raise invalid_param(
            "Param file_type must be one of {application/pdf, image/jpeg, image/jpg, image/png, "
            f'video/mp4}} - got "{file_type}".'
        )
    raw = f"{new_id()}:{file_name}".encode()
    upload_id = "upload:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    sim.store.uploads[upload_id] = UploadSession(upload_id, token, file_name, length, file_type)
    return {"id": upload_id}


def _session(sim: Simulator, token: str, upload_id: str, method: str) -> UploadSession:
    session = sim.store.uploads.get(upload_id)
    if session is None or session.token != token:
        raise unsupported(method, upload_id)
    return session


def upload_status(sim: Simulator, token: str, upload_id: str) -> dict[str, Any]:
    session = _session(sim, token, upload_id, "get")
    return {"id": session.id, "file_offset": session.offset}


def upload_chunk(
    sim: Simulator, token: str, upload_id: str, offset_header: str | None, data: bytes
) -> dict[str, Any]:
    session = _session(sim, token, upload_id, "post")
    try:
        offset = int(offset_header or "")
    except ValueError:
        raise invalid_param("The header file_offset is required.") from None
    if offset != session.offset:
        raise invalid_param(
            f"Invalid file_offset {offset}: the upload session is at offset {session.offset}."
        )
    if not data or offset + len(data) > session.file_length:
        raise invalid_param(
            f"The upload is {offset + len(data)} bytes; file_length is {session.file_length}."
        )
    session.offset += len(data)
    if session.offset < session.file_length:
        return {"id": session.id, "file_offset": session.offset}
    if session.handle is None:
        tag = base64.b64encode(f"{session.file_type}:{new_id()}:{session.file_name}".encode())
        session.handle = "4::" + tag.decode()
        sim.store.handles.add(session.handle)
    return {"h": session.handle}
