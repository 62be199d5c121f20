"""One renderer for what is previewed and what is sent: a template plus values (given, taken from
a contact, or — for previews and test sends — the template's own examples) becomes both the
structured preview (header, body with WhatsApp formatting markers kept, footer, buttons) and the
Cloud API `components` of the send. The campaign engine renders with `use_examples=False`, so a
missing value is an error instead of a sample.

Variable keys, used in `parameter_mapping`, `missing` and `used_examples`: `header.<var>`,
`body.<var>` (`<var>` is the number of a positional variable or the name of a named one),
`button.<index>` (a URL button's suffix, a copy-code or OTP code, a quick reply's payload),
`header.media`, `header.location`.

Contact mapping (docs/templates.md): `parameter_mapping` maps a variable key to a contact source
— `name`, `first_name`, `last_name`, `phone`, `language`, `country`, `timezone` or
`fields.<custom field key>`. A named variable without an entry uses the source of the same name
when there is one (`{{first_name}}` → first_name), else the custom field of that key. Positional
variables need an entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from qms.templates.content import (
    MEDIA_FORMATS,
    PLACEHOLDER_RE,
    TemplateContent,
    auth_footer,
    body_text,
    button_example,
    button_type,
    buttons_of,
    header_format,
    is_authentication,
    part,
    send_order,
    text_examples,
    text_of,
    url_suffix_example,
    variables,
)

CONTACT_SOURCES = ("name", "first_name", "last_name", "phone", "language", "country", "timezone")
SOURCE_RE = re.compile(
    r"^(name|first_name|last_name|phone|language|country|timezone|fields\.[a-z][a-z0-9_]{0,63})$"
)
KEY_RE = re.compile(r"^((header|body)\.[a-z0-9_]{1,64}|button\.[0-9])$")
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "prs", "sd", "ug", "yi", "ckb"})
AUTH_SAMPLE_CODE = "123456"
DEFAULT_LABELS = {"OTP": "Copy code", "COPY_CODE": "Copy offer code"}
BODY_LIMIT = 1024
HEADER_LIMIT = 60
_WHITESPACE = re.compile(r"\s+")


class ContactLike(Protocol):
    name: str | None
    phone: str | None
    language: str | None
    country: str | None
    timezone: str | None
    fields: dict[str, Any]


@dataclass
class Values:
    """Values for a template's variables, by variable key (see the module docstring)."""

    text: dict[str, str] = field(default_factory=dict)
    header_media: dict[str, str] | None = None  # {"link": url} or {"id": media id}
    header_location: dict[str, Any] | None = None  # latitude, longitude, name?, address?

    def merged_over(self, other: Values) -> Values:
        """These values, with `other`'s where these have none."""
        return Values(
            text={**other.text, **self.text},
            header_media=self.header_media or other.header_media,
            header_location=self.header_location or other.header_location,
        )


@dataclass(frozen=True)
class HeaderPreview:
    format: str
    text: str | None = None
    media: dict[str, str] | None = None
    location: dict[str, Any] | None = None


@dataclass(frozen=True)
class ButtonPreview:
    type: str
    text: str
    url: str | None = None
    phone_number: str | None = None
    payload: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Preview:
    direction: str  # ltr | rtl
    header: HeaderPreview | None
    body: str
    footer: str | None
    buttons: list[ButtonPreview]


@dataclass(frozen=True)
class Rendered:
    preview: Preview
    components: list[dict[str, Any]]
    used_examples: list[str]
    missing: list[str]
    warnings: list[str]


class MissingValues(Exception):
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"no value for {', '.join(missing)}")


def clean(value: Any) -> str:
    """A value as the Cloud API accepts it in a text parameter: no line breaks or tabs, no runs
    of spaces (Meta refuses more than 4)."""
    return _WHITESPACE.sub(" ", str(value)).strip()


def direction(language: str) -> str:
    return "rtl" if language.split("_")[0].lower() in RTL_LANGUAGES else "ltr"


def variable_keys(template: TemplateContent) -> list[str]:
    """Every variable the template needs a value for at send time."""
    keys: list[str] = []
    header = part(template.components, "HEADER")
    if header is not None:
        fmt = header_format(header)
        if fmt == "TEXT":
            keys += [f"header.{v}" for v in variables(text_of(header))]
        elif fmt in MEDIA_FORMATS:
            keys.append("header.media")
        elif fmt == "LOCATION":
            keys.append("header.location")
    body = part(template.components, "BODY")
    keys += [f"body.{v}" for v in variables(body_text(template.category, body))]
    for index, button in enumerate(buttons_of(template.components)):
        btype = button_type(button)
        if (btype == "URL" and variables(str(button.get("url") or ""))) or btype in (
            "COPY_CODE",
            "OTP",
        ):
            keys.append(f"button.{index}")
    return keys


def _source_value(contact: ContactLike, source: str) -> str | None:
    words = (contact.name or "").split()
    if source == "first_name":
        value: Any = words[0] if words else None
    elif source == "last_name":
        value = " ".join(words[1:]) or None
    elif source.startswith("fields."):
        value = (contact.fields or {}).get(source.removeprefix("fields."))
    else:
        value = getattr(contact, source, None)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = clean(value) if value is not None else ""
    return text or None


def contact_values(
    template: TemplateContent, contact: ContactLike, mapping: dict[str, str]
) -> Values:
    """The values a contact gives the template's variables through `mapping` (and, for named
    variables, their own names)."""
    values: dict[str, str] = {}
    for key in variable_keys(template):
        source = mapping.get(key)
        var = key.split(".", 1)[1]
        if source is None and template.named and key.startswith(("header.", "body.")):
            source = var if var in CONTACT_SOURCES else f"fields.{var}"
        if source is None or not SOURCE_RE.match(source):
            continue
        value = _source_value(contact, source)
        if value is not None:
            values[key] = value
    return Values(text=values)


def _hydrate(text: str, where: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        return values.get(f"{where}.{match.group(1).strip()}", match.group(0))

    return PLACEHOLDER_RE.sub(fill, text)


@dataclass
class _State:
    values: dict[str, str]
    use_examples: bool
    used_examples: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def value(self, key: str, example: str | None) -> str | None:
        given = self.values.get(key)
        if given:
            return given
        if self.use_examples and example:
            self.used_examples.append(key)
            self.values[key] = clean(example)
            return self.values[key]
        self.missing.append(key)
        return None


def _text_parameter(name: str, value: str, named: bool) -> dict[str, Any]:
    parameter: dict[str, Any] = {"type": "text", "text": value}
    if named:
        parameter["parameter_name"] = name
    return parameter


def render(template: TemplateContent, values: Values, *, use_examples: bool = True) -> Rendered:
    """Preview and Cloud API components from the same values. With `use_examples=False`, raise
    MissingValues instead of filling a variable from the template's examples."""
    state = _State({k: clean(v) for k, v in values.text.items() if clean(v)}, use_examples)
    named = template.named and not is_authentication(template.category)
    components: list[dict[str, Any]] = []
    warnings: list[str] = []

    header_preview: HeaderPreview | None = None
    header = part(template.components, "HEADER")
    if header is not None:
        header_preview = _render_header(header, values, state, named, components, warnings)

    body = part(template.components, "BODY")
    text = body_text(template.category, body)
    names = variables(text)
    examples = text_examples(body, "body", named) or {}
    code_button: str | None = None
    if is_authentication(template.category):
        code_button = next(
            (
                f"button.{i}"
                for i, b in enumerate(buttons_of(template.components))
                if button_type(b) == "OTP"
            ),
            None,
        )
        code = state.values.get("body.1") or (code_button and state.values.get(code_button))
        if code:
            state.values["body.1"] = code
            if code_button:
                state.values[code_button] = code
        examples = {"1": examples.get("1") or AUTH_SAMPLE_CODE}
    parameters = []
    for name in send_order(names, named):
        value = state.value(f"body.{name}", examples.get(name))
        if value is not None:
            parameters.append(_text_parameter(name, value, named))
    if parameters:
        components.append({"type": "body", "parameters": parameters})
    if is_authentication(template.category) and code_button and state.values.get("body.1"):
        state.values.setdefault(code_button, state.values["body.1"])  # the same code twice
    hydrated_body = _hydrate(text, "body", state.values)
    if len(hydrated_body) > BODY_LIMIT:
        warnings.append(
            f"With these values the body is {len(hydrated_body)} characters long; the Cloud API "
            f"refuses more than {BODY_LIMIT} (error 132005)."
        )

    footer = part(template.components, "FOOTER")
    footer_text = text_of(footer) or None
    minutes = footer.get("code_expiration_minutes") if footer else None
    if footer_text is None and isinstance(minutes, int) and is_authentication(template.category):
        footer_text = auth_footer(minutes)

    buttons = _render_buttons(template, state, components)

    for other in template.components if isinstance(template.components, list) else []:
        kind = str(other.get("type", "")).upper() if isinstance(other, dict) else ""
        if kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            warnings.append(f"The {kind or 'unknown'} component is not rendered by QMS.")

    if state.missing and not use_examples:
        raise MissingValues(state.missing)
    return Rendered(
        preview=Preview(
            direction=direction(template.language),
            header=header_preview,
            body=hydrated_body,
            footer=footer_text,
            buttons=buttons,
        ),
        components=components,
        used_examples=state.used_examples,
        missing=state.missing,
        warnings=warnings,
    )


def _render_header(
    header: dict[str, Any],
    values: Values,
    state: _State,
    named: bool,
    components: list[dict[str, Any]],
    warnings: list[str],
) -> HeaderPreview:
    fmt = header_format(header)
    if fmt in MEDIA_FORMATS:
        media = values.header_media
        if media:
            kind = "video" if fmt == "GIF" else fmt.lower()
            media = {k: v for k, v in media.items() if k != "filename" or fmt == "DOCUMENT"}
            components.append({"type": "header", "parameters": [{"type": kind, kind: media}]})
        else:
            state.missing.append("header.media")
        return HeaderPreview(format=fmt, media=dict(media) if media else None)
    if fmt == "LOCATION":
        location = values.header_location
        if location:
            components.append(
                {
                    "type": "header",
                    "parameters": [{"type": "location", "location": dict(location)}],
                }
            )
        else:
            state.missing.append("header.location")
        return HeaderPreview(format=fmt, location=dict(location) if location else None)
    text = text_of(header)
    examples = text_examples(header, "header", named) or {}
    parameters = []
    for name in send_order(variables(text), named):
        value = state.value(f"header.{name}", examples.get(name))
        if value is not None:
            parameters.append(_text_parameter(name, value, named))
    if parameters:
        components.append({"type": "header", "parameters": parameters})
    hydrated = _hydrate(text, "header", state.values)
    if len(hydrated) > HEADER_LIMIT:
        warnings.append(
            f"With these values the header is {len(hydrated)} characters long (limit "
            f"{HEADER_LIMIT})."
        )
    return HeaderPreview(format=fmt, text=hydrated)


def _render_buttons(
    template: TemplateContent, state: _State, components: list[dict[str, Any]]
) -> list[ButtonPreview]:
    previews: list[ButtonPreview] = []
    for index, button in enumerate(buttons_of(template.components)):
        btype = button_type(button)
        key = f"button.{index}"
        label = str(button.get("text") or DEFAULT_LABELS.get(btype, ""))
        url = button.get("url") if isinstance(button.get("url"), str) else None
        if btype == "URL" and url and variables(url):
            suffix = state.value(key, url_suffix_example(button))
            if suffix is not None:
                encoded = quote(suffix, safe="/?=&")
                components.append(_button("url", index, {"type": "text", "text": encoded}))
                url = PLACEHOLDER_RE.sub(encoded.replace("\\", "\\\\"), url)
            previews.append(ButtonPreview(type=btype, text=label, url=url))
        elif btype == "COPY_CODE":
            code = state.value(key, button_example(button))
            if code is not None:
                components.append(
                    _button("copy_code", index, {"type": "coupon_code", "coupon_code": code})
                )
            previews.append(ButtonPreview(type=btype, text=label, code=code))
        elif btype == "OTP":
            code = state.value(key, AUTH_SAMPLE_CODE)
            if code is not None:
                components.append(_button("url", index, {"type": "text", "text": code}))
            previews.append(ButtonPreview(type=btype, text=label, code=code))
        elif btype == "QUICK_REPLY":
            payload = state.values.get(key)
            if payload:
                components.append(
                    _button("quick_reply", index, {"type": "payload", "payload": payload})
                )
            previews.append(ButtonPreview(type=btype, text=label, payload=payload))
        elif btype == "PHONE_NUMBER":
            phone = button.get("phone_number")
            previews.append(
                ButtonPreview(
                    type=btype, text=label, phone_number=phone if isinstance(phone, str) else None
                )
            )
        else:
            previews.append(ButtonPreview(type=btype or "UNKNOWN", text=label, url=url))
    return previews


def _button(sub_type: str, index: int, parameter: dict[str, Any]) -> dict[str, Any]:
    return {"type": "button", "sub_type": sub_type, "index": str(index), "parameters": [parameter]}


def message(
    template: TemplateContent,
    components: list[dict[str, Any]],
    to: str,
    callback_data: str | None = None,
) -> dict[str, Any]:
    """The Cloud API send payload of a rendered template (spec §2.1)."""
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if components:
        body["components"] = components
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": body,
    }
    if callback_data:
        payload["biz_opaque_callback_data"] = callback_data
    return payload
