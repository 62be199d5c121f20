"""Lint a template against Meta's published rules (Cloud API spec §3.1-3.3) before it is
submitted: every problem is reported, each with a stable `code`, the JSON `path` it is about and
one clear message. Written from Meta's rules, independently of the simulator's review.

Thresholds that Meta does not publish are ours and stated in the messages and in
docs/templates.md (CHARS_PER_VARIABLE)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from qms.templates.content import (
    MEDIA_FORMATS,
    NAMED_RE,
    PLACEHOLDER_RE,
    POSITIONAL_RE,
    TemplateContent,
    button_example,
    button_type,
    header_format,
    is_authentication,
    kind,
    text_examples,
    variables,
)

NAME_RE = re.compile(r"^[a-z0-9_]+$")
NAME_MAX = 512
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,4})?$")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
PARAMETER_FORMATS = ("positional", "named")
COMPONENT_ORDER = ("HEADER", "BODY", "FOOTER", "BUTTONS")
# Meta component types the builder does not edit: kept as they are and not linted.
PASS_THROUGH_COMPONENTS = ("CAROUSEL", "LIMITED_TIME_OFFER", "CALL_PERMISSION_REQUEST")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF")
HEADER_MAX = 60
BODY_MAX = 1024
FOOTER_MAX = 60
BUTTONS_MAX = 10
BUTTON_LIMITS = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1}
BUTTON_TYPES = (
    "QUICK_REPLY",
    "URL",
    "PHONE_NUMBER",
    "COPY_CODE",
    "OTP",
    "FLOW",
    "CATALOG",
    "MPM",
    "SPM",
    "VOICE_CALL",
    "APP",
)
LABEL_MAX = 25
URL_MAX = 2000
PHONE_MAX = 20
COPY_CODE_MAX = 15
# Ours (Meta publishes no number): at least this many characters of fixed text (not counting
# spaces) per variable in the body.
CHARS_PER_VARIABLE = 10
CODE_EXPIRY_MIN, CODE_EXPIRY_MAX = 1, 90
OTP_TYPES = ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
EDITABLE = ("APPROVED", "REJECTED", "PAUSED")
EDITS_PER_DAY = 1
EDITS_PER_30_DAYS = 10
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
ADJACENT_RE = re.compile(r"\}\}\s*\{\{")
NESTED_RE = re.compile(r"\{\{[^}]*\{\{")
HEADER_FORMATTING_RE = re.compile(r"[*~`]")

# Every rule, by code: what it checks. docs/templates.md lists the same table.
RULES: dict[str, str] = {
    "name.required": "The name is required.",
    "name.invalid": "Lowercase letters, digits and underscores only.",
    "name.too_long": f"At most {NAME_MAX} characters.",
    "category.invalid": "MARKETING, UTILITY or AUTHENTICATION.",
    "language.invalid": "A language code such as en, en_US, pt_BR.",
    "parameter_format.invalid": "positional or named.",
    "components.invalid": "components is a list of component objects.",
    "components.unknown_type": "HEADER, BODY, FOOTER or BUTTONS (plus Meta's pass-through types).",
    "components.duplicate": "At most one component of each kind.",
    "components.order": "HEADER, BODY, FOOTER, BUTTONS in this order.",
    "body.required": "Exactly one BODY.",
    "body.text_required": "The body has text.",
    "body.too_long": f"Body at most {BODY_MAX} characters.",
    "body.leading_variable": "The body does not start with a variable.",
    "body.trailing_variable": "The body does not end with a variable.",
    "body.adjacent_variables": "Variables are separated by text or punctuation.",
    "body.too_many_variables": f"At least {CHARS_PER_VARIABLE} characters of fixed text per "
    "variable.",
    "body.example_missing": "A body with variables has example values.",
    "body.example_mismatch": "One example value per body variable.",
    "body.example_empty": "No empty body example value.",
    "variables.invalid": "Variables are {{1}} or {{name}}: no spaces, #, $ or %.",
    "variables.mismatched_braces": "Every {{ has its }}.",
    "variables.format_mismatch": "Positional templates use {{1}}, named ones {{name}}.",
    "variables.not_sequential": "Positional variables are numbered from 1 without gaps.",
    "variables.out_of_order": "Positional variables first appear in order {{1}}, {{2}}, ...",
    "variables.duplicate_name": "Each named variable appears once.",
    "header.format_invalid": "TEXT, IMAGE, VIDEO, DOCUMENT, GIF or LOCATION.",
    "header.text_required": "A text header has text.",
    "header.too_long": f"Header at most {HEADER_MAX} characters.",
    "header.newline": "A text header is one line.",
    "header.formatting": "No formatting characters (* ~ `) in a text header.",
    "header.too_many_variables": "At most 1 variable in the header.",
    "header.example_missing": "A header variable has an example value.",
    "header.example_mismatch": "One example value per header variable.",
    "header.example_empty": "No empty header example value.",
    "header.media_example_missing": "A media header has an example header_handle (upload).",
    "header.location_category": "LOCATION headers only in UTILITY or MARKETING templates.",
    "footer.text_required": "A footer has text.",
    "footer.too_long": f"Footer at most {FOOTER_MAX} characters.",
    "footer.variables_not_allowed": "No variables in the footer.",
    "buttons.empty": "A BUTTONS component has buttons.",
    "buttons.too_many": f"At most {BUTTONS_MAX} buttons.",
    "buttons.too_many_quick_reply": "At most 10 QUICK_REPLY buttons.",
    "buttons.too_many_url": "At most 2 URL buttons.",
    "buttons.too_many_phone_number": "At most 1 PHONE_NUMBER button.",
    "buttons.too_many_copy_code": "At most 1 COPY_CODE button.",
    "buttons.too_many_otp": "At most 1 OTP button.",
    "buttons.quick_reply_not_grouped": "Quick replies are grouped, not between other buttons.",
    "button.type_invalid": "A known button type.",
    "button.label_required": "A button has a label (OTP and COPY_CODE: Meta's own if none).",
    "button.label_too_long": f"Button label at most {LABEL_MAX} characters.",
    "button.label_variables": "No variables in button labels.",
    "button.label_duplicate": "Button labels are unique.",
    "button.url_invalid": "A URL button has an absolute http(s) URL.",
    "button.url_too_long": f"URL at most {URL_MAX} characters.",
    "button.url_variable": "At most one variable, {{1}}, only at the end of the URL.",
    "button.url_example_missing": "A URL with a variable has an example.",
    "button.phone_required": "A PHONE_NUMBER button has a phone number.",
    "button.phone_too_long": f"Phone number at most {PHONE_MAX} characters.",
    "button.copy_code_example": f"A COPY_CODE button has an example of at most {COPY_CODE_MAX} "
    "characters.",
    "button.otp_category": "OTP buttons only in AUTHENTICATION templates.",
    "auth.header_not_allowed": "AUTHENTICATION templates have no header.",
    "auth.otp_button_required": "AUTHENTICATION templates have one OTP button.",
    "auth.otp_type_invalid": "otp_type is COPY_CODE, ONE_TAP or ZERO_TAP.",
    "auth.otp_app_required": "ONE_TAP and ZERO_TAP buttons name the app (package and signature).",
    "auth.zero_tap_terms": "ZERO_TAP buttons accept Meta's zero-tap terms.",
    "auth.buttons_not_allowed": "AUTHENTICATION templates have only the OTP button.",
    "auth.security_recommendation_invalid": "add_security_recommendation is true or false.",
    "auth.code_expiration_invalid": f"code_expiration_minutes is {CODE_EXPIRY_MIN}–"
    f"{CODE_EXPIRY_MAX}.",
    "auth.footer_text_not_allowed": "Meta writes the footer of AUTHENTICATION templates.",
    "edit.not_editable": "Only APPROVED, REJECTED or PAUSED templates can be edited.",
    "edit.immutable": "An edit keeps the name, language and parameter format.",
    "edit.category_locked": "An approved template's category can't change.",
    "edit.daily_limit": f"An approved template: at most {EDITS_PER_DAY} edit per 24 hours.",
    "edit.monthly_limit": f"An approved template: at most {EDITS_PER_30_DAYS} edits per 30 days.",
}


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str


@dataclass(frozen=True)
class EditContext:
    """Linting an edit of a submitted template: its current state on Meta and when it was
    edited while APPROVED (Meta's edit limits count those only)."""

    status: str
    name: str
    language: str
    category: str
    parameter_format: str
    approved_edits: list[datetime] = field(default_factory=list)


@dataclass
class _Linter:
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, code: str, message: str) -> None:
        assert code in RULES, code
        self.problems.append(Problem(path, code, message))


def lint(
    template: TemplateContent, edit: EditContext | None = None, now: datetime | None = None
) -> list[Problem]:
    """Every problem of `template` (an empty list: ready to submit)."""
    out = _Linter()
    _lint_metadata(out, template)
    category = template.category.upper()
    named = template.parameter_format.lower() == "named"
    components = template.components
    if not isinstance(components, list):
        out.add("components", "components.invalid", "components must be a list of components.")
        components = []
    seen = _lint_structure(out, components)
    if "HEADER" in seen:
        _lint_header(out, *seen["HEADER"], category, named)
    if "BODY" in seen:
        _lint_body(out, *seen["BODY"], category, named)
    if "FOOTER" in seen:
        _lint_footer(out, *seen["FOOTER"], category)
    if "BUTTONS" in seen:
        _lint_buttons(out, *seen["BUTTONS"], category)
    if is_authentication(category):
        buttons = seen["BUTTONS"][1].get("buttons") if "BUTTONS" in seen else None
        has_otp = isinstance(buttons, list) and any(
            isinstance(b, dict) and button_type(b) == "OTP" for b in buttons
        )
        if not has_otp:
            out.add(
                "components",
                "auth.otp_button_required",
                "Authentication templates need a one-time password button "
                '({"type": "OTP", "otp_type": "COPY_CODE"}).',
            )
    if edit is not None:
        _lint_edit(out, template, edit, now or datetime.now(UTC))
    return out.problems


def _lint_metadata(out: _Linter, t: TemplateContent) -> None:
    if not t.name:
        out.add("name", "name.required", "Give the template a name.")
    else:
        if not NAME_RE.match(t.name):
            out.add(
                "name",
                "name.invalid",
                f"'{t.name}' is not a valid template name: use lowercase letters, digits and "
                "underscores only (e.g. order_update).",
            )
        if len(t.name) > NAME_MAX:
            out.add(
                "name",
                "name.too_long",
                f"The name is {len(t.name)} characters long; the limit is {NAME_MAX}.",
            )
    if t.category.upper() not in CATEGORIES:
        out.add(
            "category",
            "category.invalid",
            f"'{t.category}' is not a template category: use MARKETING, UTILITY or AUTHENTICATION.",
        )
    if not LANGUAGE_RE.match(t.language):
        out.add(
            "language",
            "language.invalid",
            f"'{t.language}' is not a template language code: use a code such as en, en_US, ar "
            "or pt_BR.",
        )
    if t.parameter_format.lower() not in PARAMETER_FORMATS:
        out.add(
            "parameter_format",
            "parameter_format.invalid",
            f"'{t.parameter_format}' is not a parameter format: use positional or named.",
        )


def _lint_structure(out: _Linter, components: list[Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    order: list[int] = []
    for index, component in enumerate(components):
        path = f"components[{index}]"
        ctype = kind(component)
        if ctype in PASS_THROUGH_COMPONENTS:
            continue
        if ctype not in COMPONENT_ORDER:
            out.add(
                f"{path}.type",
                "components.unknown_type",
                f"'{ctype or component!r}' is not a component type: use HEADER, BODY, FOOTER "
                "or BUTTONS.",
            )
            continue
        if ctype in seen:
            out.add(
                path,
                "components.duplicate",
                f"A template has at most one {ctype} component; this is another one.",
            )
            continue
        seen[ctype] = (path, component)
        order.append(COMPONENT_ORDER.index(ctype))
    if order != sorted(order):
        out.add(
            "components",
            "components.order",
            "Put the components in the order HEADER, BODY, FOOTER, BUTTONS.",
        )
    if "BODY" not in seen:
        out.add("components", "body.required", "A template needs a BODY component with its text.")
    return seen


def _check_variables(out: _Linter, path: str, text: str, where: str, named: bool) -> list[str]:
    """Check the variables of a header or body text; returns the valid distinct names."""
    if text.count("{{") != text.count("}}") or NESTED_RE.search(text):
        out.add(
            path,
            "variables.mismatched_braces",
            f"The {where} has mismatched curly braces: write each variable with two braces on "
            "each side, e.g. {{1}}.",
        )
    valid: list[str] = []
    for raw in PLACEHOLDER_RE.findall(text):
        name = raw.strip()
        if raw != name or not (POSITIONAL_RE.match(name) or NAMED_RE.match(name)):
            out.add(
                path,
                "variables.invalid",
                f"{{{{{raw}}}}} in the {where} is not a valid variable: use {{{{1}}}}, "
                "{{2}}… or a lowercase name such as {{first_name}}, without spaces or "
                "characters like #, $ or %.",
            )
            continue
        if named and not NAMED_RE.match(name):
            out.add(
                path,
                "variables.format_mismatch",
                f"{{{{{name}}}}} in the {where} is positional, but the template uses named "
                "parameters: use a name such as {{first_name}}.",
            )
            continue
        if not named and not POSITIONAL_RE.match(name):
            out.add(
                path,
                "variables.format_mismatch",
                f"{{{{{name}}}}} in the {where} is named, but the template uses positional "
                "parameters: use {{1}}, {{2}}… or switch the parameter format to named.",
            )
            continue
        valid.append(name)
    distinct = list(dict.fromkeys(valid))
    if named:
        for name, count in Counter(valid).items():
            if count > 1:
                out.add(
                    path,
                    "variables.duplicate_name",
                    f"{{{{{name}}}}} appears {count} times in the {where}; each named variable "
                    "may appear once.",
                )
    elif distinct:
        numbers = [int(n) for n in distinct]
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            found = ", ".join(f"{{{{{n}}}}}" for n in sorted(numbers))
            out.add(
                path,
                "variables.not_sequential",
                f"The {where}'s variables ({found}) must be numbered from {{{{1}}}} without gaps.",
            )
        elif numbers != sorted(numbers):
            out.add(
                path,
                "variables.out_of_order",
                f"The {where}'s variables must first appear in order {{{{1}}}}, {{{{2}}}}…; "
                f"they appear as {', '.join('{{' + str(n) + '}}' for n in numbers)}.",
            )
    return distinct


def _check_examples(
    out: _Linter,
    path: str,
    component: dict[str, Any],
    where: str,
    names: list[str],
    named: bool,
) -> None:
    if not names:
        return
    values = text_examples(component, where, named)
    key = f"{where}_text_named_params" if named else f"{where}_text"
    if values is None:
        out.add(
            f"{path}.example",
            f"{where}.example_missing",
            f"The {where} has {len(names)} variable(s) but no example values: add "
            f"example.{key} with a realistic sample for each variable.",
        )
        return
    if named:
        raw = component["example"].get(key)
        count = len(raw) if isinstance(raw, list) else 0
        if set(values) != set(names) or count != len(names):
            out.add(
                f"{path}.example.{key}",
                f"{where}.example_mismatch",
                f"The {where}'s examples name {', '.join(sorted(values)) or 'nothing'} but its "
                f"variables are {', '.join(sorted(names))}: give exactly one example per "
                "variable.",
            )
            return
    elif len(values) != len(names):
        out.add(
            f"{path}.example.{key}",
            f"{where}.example_mismatch",
            f"The {where} has {len(names)} variable(s) but {len(values)} example value(s): give "
            "exactly one per variable.",
        )
        return
    empty = [n for n in names if not values.get(n, "").strip()]
    if empty:
        out.add(
            f"{path}.example.{key}",
            f"{where}.example_empty",
            f"The {where}'s example for {', '.join('{{' + n + '}}' for n in empty)} is empty: "
            "give a realistic sample.",
        )


def _lint_header(
    out: _Linter, path: str, header: dict[str, Any], category: str, named: bool
) -> None:
    fmt = header_format(header)
    if fmt not in HEADER_FORMATS:
        out.add(
            f"{path}.format",
            "header.format_invalid",
            f"'{header.get('format')}' is not a header format: use TEXT, IMAGE, VIDEO, DOCUMENT "
            "or LOCATION.",
        )
        return
    if fmt == "LOCATION" and category not in ("UTILITY", "MARKETING"):
        out.add(
            f"{path}.format",
            "header.location_category",
            "Location headers are only available in UTILITY and MARKETING templates.",
        )
        return
    if is_authentication(category):
        out.add(path, "auth.header_not_allowed", "Authentication templates can't have a header.")
        return
    if fmt == "TEXT":
        text = header.get("text") if isinstance(header.get("text"), str) else ""
        assert isinstance(text, str)
        if not text.strip():
            out.add(f"{path}.text", "header.text_required", "Write the header text.")
            return
        if len(text) > HEADER_MAX:
            out.add(
                f"{path}.text",
                "header.too_long",
                f"The header is {len(text)} characters long; the limit is {HEADER_MAX}.",
            )
        if "\n" in text or "\r" in text:
            out.add(f"{path}.text", "header.newline", "Keep the header on one line.")
        if HEADER_FORMATTING_RE.search(PLACEHOLDER_RE.sub("", text)):
            out.add(
                f"{path}.text",
                "header.formatting",
                "Headers can't use formatting characters (* ~ `); remove them.",
            )
        names = _check_variables(out, f"{path}.text", text, "header", named)
        if len(names) > 1:
            out.add(
                f"{path}.text",
                "header.too_many_variables",
                f"The header has {len(names)} variables; at most 1 is allowed. Move the others to "
                "the body.",
            )
        _check_examples(out, path, header, "header", names, named)
    elif fmt in MEDIA_FORMATS:
        example = header.get("example")
        handles = example.get("header_handle") if isinstance(example, dict) else None
        if not (
            isinstance(handles, list) and handles and all(isinstance(h, str) and h for h in handles)
        ):
            out.add(
                f"{path}.example.header_handle",
                "header.media_example_missing",
                f"A {fmt.lower()} header needs a sample: upload one (POST "
                "/api/v1/templates/media) and put its header_handle in example.header_handle.",
            )


def _lint_body(out: _Linter, path: str, body: dict[str, Any], category: str, named: bool) -> None:
    if is_authentication(category):
        flag = body.get("add_security_recommendation")
        if flag is not None and not isinstance(flag, bool):
            out.add(
                f"{path}.add_security_recommendation",
                "auth.security_recommendation_invalid",
                "add_security_recommendation must be true or false.",
            )
        return  # Meta writes the body of authentication templates
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    assert isinstance(text, str)
    if not text.strip():
        out.add(f"{path}.text", "body.text_required", "Write the message text in the body.")
        return
    if len(text) > BODY_MAX:
        out.add(
            f"{path}.text",
            "body.too_long",
            f"The body is {len(text)} characters long; the limit is {BODY_MAX}.",
        )
    names = _check_variables(out, f"{path}.text", text, "body", named)
    stripped = text.strip()
    if PLACEHOLDER_RE.search(text):
        if stripped.startswith("{{"):
            out.add(
                f"{path}.text",
                "body.leading_variable",
                "The body starts with a variable; Meta rejects dangling variables. Add text "
                "before it.",
            )
        if stripped.endswith("}}"):
            out.add(
                f"{path}.text",
                "body.trailing_variable",
                "The body ends with a variable; Meta rejects dangling variables. Add text (or "
                "punctuation) after it.",
            )
        if ADJACENT_RE.search(text):
            out.add(
                f"{path}.text",
                "body.adjacent_variables",
                "Two variables are next to each other (like {{1}}{{2}}); separate them with text "
                "or punctuation.",
            )
        count = len(PLACEHOLDER_RE.findall(text))
        fixed = len(re.sub(r"\s", "", PLACEHOLDER_RE.sub("", text)))
        if count * CHARS_PER_VARIABLE > fixed:
            out.add(
                f"{path}.text",
                "body.too_many_variables",
                f"The body has {count} variable(s) for {fixed} characters of fixed text; allow "
                f"at least {CHARS_PER_VARIABLE} characters of fixed text (not counting spaces) "
                "per variable: add text or remove variables.",
            )
    _check_examples(out, path, body, "body", names, named)


def _lint_footer(out: _Linter, path: str, footer: dict[str, Any], category: str) -> None:
    text = footer.get("text")
    if is_authentication(category):
        if text is not None:
            out.add(
                f"{path}.text",
                "auth.footer_text_not_allowed",
                "Authentication templates can't have footer text; Meta writes it from "
                "code_expiration_minutes.",
            )
        minutes = footer.get("code_expiration_minutes")
        if minutes is not None and (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not CODE_EXPIRY_MIN <= minutes <= CODE_EXPIRY_MAX
        ):
            out.add(
                f"{path}.code_expiration_minutes",
                "auth.code_expiration_invalid",
                f"code_expiration_minutes must be a whole number from {CODE_EXPIRY_MIN} to "
                f"{CODE_EXPIRY_MAX}.",
            )
        return
    if not isinstance(text, str) or not text.strip():
        out.add(f"{path}.text", "footer.text_required", "Write the footer text or remove it.")
        return
    if len(text) > FOOTER_MAX:
        out.add(
            f"{path}.text",
            "footer.too_long",
            f"The footer is {len(text)} characters long; the limit is {FOOTER_MAX}.",
        )
    if "{{" in text:
        out.add(f"{path}.text", "footer.variables_not_allowed", "Footers can't contain variables.")


def _lint_buttons(out: _Linter, path: str, block: dict[str, Any], category: str) -> None:
    buttons = block.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        out.add(f"{path}.buttons", "buttons.empty", "Add buttons or remove the BUTTONS component.")
        return
    if len(buttons) > BUTTONS_MAX:
        out.add(
            f"{path}.buttons",
            "buttons.too_many",
            f"The template has {len(buttons)} buttons; the limit is {BUTTONS_MAX}.",
        )
    counts: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    quick_reply: list[bool] = []
    for index, button in enumerate(buttons):
        bpath = f"{path}.buttons[{index}]"
        button = button if isinstance(button, dict) else {}
        btype = button_type(button)
        if btype not in BUTTON_TYPES:
            out.add(
                f"{bpath}.type",
                "button.type_invalid",
                f"'{button.get('type')}' is not a button type: use QUICK_REPLY, URL, "
                "PHONE_NUMBER, COPY_CODE or OTP.",
            )
            continue
        counts[btype] += 1
        quick_reply.append(btype == "QUICK_REPLY")
        _lint_label(out, bpath, button, btype, labels)
        if btype == "URL":
            _lint_url(out, bpath, button)
        elif btype == "PHONE_NUMBER":
            phone = button.get("phone_number")
            if not isinstance(phone, str) or not phone.strip():
                out.add(
                    f"{bpath}.phone_number",
                    "button.phone_required",
                    "Give the phone number to call, e.g. +15550783881.",
                )
            elif len(phone) > PHONE_MAX:
                out.add(
                    f"{bpath}.phone_number",
                    "button.phone_too_long",
                    f"The phone number is {len(phone)} characters long; the limit is {PHONE_MAX}.",
                )
        elif btype == "COPY_CODE":
            example = button_example(button)
            if example is None or len(example) > COPY_CODE_MAX:
                out.add(
                    f"{bpath}.example",
                    "button.copy_code_example",
                    f"A copy-code button needs a sample code of at most {COPY_CODE_MAX} "
                    "characters in example.",
                )
        elif btype == "OTP":
            _lint_otp(out, bpath, button, category)
    for btype, limit in BUTTON_LIMITS.items():
        if counts[btype] > limit:
            out.add(
                f"{path}.buttons",
                f"buttons.too_many_{btype.lower()}",
                f"The template has {counts[btype]} {btype} buttons; the limit is {limit}.",
            )
    runs = sum(1 for i, qr in enumerate(quick_reply) if i == 0 or qr != quick_reply[i - 1])
    if any(quick_reply) and runs > 2:
        out.add(
            f"{path}.buttons",
            "buttons.quick_reply_not_grouped",
            "Group the quick-reply buttons together, before or after the other buttons (e.g. "
            "QUICK_REPLY, QUICK_REPLY, URL — not QUICK_REPLY, URL, QUICK_REPLY).",
        )
    if is_authentication(category) and set(counts) - {"OTP"}:
        out.add(
            f"{path}.buttons",
            "auth.buttons_not_allowed",
            "Authentication templates can only have the one-time password button.",
        )


def _lint_label(
    out: _Linter, path: str, button: dict[str, Any], btype: str, labels: Counter[str]
) -> None:
    label = button.get("text")
    if btype in ("OTP", "COPY_CODE") and label is None:
        return  # Meta's fixed label ("Copy code", "Copy offer code")
    if not isinstance(label, str) or not label.strip():
        out.add(f"{path}.text", "button.label_required", f"Give the {btype} button a label.")
        return
    if len(label) > LABEL_MAX:
        out.add(
            f"{path}.text",
            "button.label_too_long",
            f"The label '{label}' is {len(label)} characters long; the limit is {LABEL_MAX}.",
        )
    if "{{" in label:
        out.add(f"{path}.text", "button.label_variables", "Button labels can't contain variables.")
    labels[label] += 1
    if labels[label] == 2:
        out.add(
            f"{path}.text",
            "button.label_duplicate",
            f"Two buttons are labelled '{label}'; give each button its own label.",
        )


def _lint_url(out: _Linter, path: str, button: dict[str, Any]) -> None:
    url = button.get("url")
    if not isinstance(url, str) or not URL_RE.match(url):
        out.add(
            f"{path}.url",
            "button.url_invalid",
            "Give the button an absolute http(s) URL, e.g. https://example.com/shop.",
        )
        return
    if len(url) > URL_MAX:
        out.add(
            f"{path}.url",
            "button.url_too_long",
            f"The URL is {len(url)} characters long; the limit is {URL_MAX}.",
        )
    names = variables(url)
    raw = PLACEHOLDER_RE.findall(url)
    if names and (len(raw) > 1 or raw[0] != "1" or not url.endswith("{{1}}")):
        out.add(
            f"{path}.url",
            "button.url_variable",
            "A URL may have one variable, {{1}}, only at its end (e.g. "
            "https://example.com/track?order={{1}}).",
        )
    if names and button_example(button) is None:
        out.add(
            f"{path}.example",
            "button.url_example_missing",
            'The URL has a variable: add an example of its value, e.g. "example": ["summer23"].',
        )


def _lint_otp(out: _Linter, path: str, button: dict[str, Any], category: str) -> None:
    if not is_authentication(category):
        out.add(
            f"{path}.type",
            "button.otp_category",
            "One-time password buttons are only allowed in AUTHENTICATION templates.",
        )
    otp_type = str(button.get("otp_type") or "").upper()
    if otp_type not in OTP_TYPES:
        out.add(
            f"{path}.otp_type",
            "auth.otp_type_invalid",
            f"'{button.get('otp_type')}' is not an OTP type: use COPY_CODE, ONE_TAP or ZERO_TAP.",
        )
        return
    if otp_type in ("ONE_TAP", "ZERO_TAP"):
        apps = button.get("supported_apps")
        named_app = all(
            isinstance(app, dict) and app.get("package_name") and app.get("signature_hash")
            for app in (apps if isinstance(apps, list) and apps else [button])
        )
        if not named_app:
            out.add(
                f"{path}.supported_apps",
                "auth.otp_app_required",
                f"{otp_type} buttons need the Android app: supported_apps with package_name and "
                "signature_hash.",
            )
    if otp_type == "ZERO_TAP" and button.get("zero_tap_terms_accepted") is not True:
        out.add(
            f"{path}.zero_tap_terms_accepted",
            "auth.zero_tap_terms",
            "ZERO_TAP buttons need zero_tap_terms_accepted: true (Meta's zero-tap terms).",
        )


def _lint_edit(out: _Linter, t: TemplateContent, edit: EditContext, now: datetime) -> None:
    if edit.status not in EDITABLE:
        out.add(
            "status",
            "edit.not_editable",
            f"A {edit.status} template can't be edited; Meta allows edits of APPROVED, "
            "REJECTED or PAUSED templates only.",
        )
    for attr, label in (
        ("name", "name"),
        ("language", "language"),
        ("parameter_format", "parameter format"),
    ):
        if str(getattr(t, attr)).lower() != str(getattr(edit, attr)).lower():
            out.add(
                attr,
                "edit.immutable",
                f"A submitted template's {label} can't change; clone it to make a new template.",
            )
    if edit.status != "APPROVED":
        return
    if t.category.upper() != edit.category.upper():
        out.add(
            "category",
            "edit.category_locked",
            f"An approved template's category can't change (it is {edit.category}); clone it "
            "to make a template in another category.",
        )
    last_day = [at for at in edit.approved_edits if now - at < timedelta(days=1)]
    last_month = [at for at in edit.approved_edits if now - at < timedelta(days=30)]
    if len(last_day) >= EDITS_PER_DAY:
        allowed = min(last_day) + timedelta(days=1)
        out.add(
            "status",
            "edit.daily_limit",
            "Meta allows one edit of an approved template per 24 hours; the next edit is "
            f"possible after {allowed.isoformat(timespec='minutes')}.",
        )
    if len(last_month) >= EDITS_PER_30_DAYS:
        allowed = min(last_month) + timedelta(days=30)
        out.add(
            "status",
            "edit.monthly_limit",
            f"Meta allows {EDITS_PER_30_DAYS} edits of an approved template per 30 days; the "
            f"next edit is possible after {allowed.isoformat(timespec='minutes')}.",
        )
