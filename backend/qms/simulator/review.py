"""The simulator's own template review (spec §3.3), written independently of QMS's linter, and
the send-time expectations of an approved template (how many parameters each component takes).

`review()` returns the first rule a submission breaks, worded like Meta's `rejection_info`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")
POSITIONAL_RE = re.compile(r"^[1-9][0-9]*$")
NAMED_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
ADJACENT_RE = re.compile(r"\}\}\s*\{\{")
WORD_RE = re.compile(r"[^\W_]+")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT", "GIF")
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
)
BUTTON_LIMITS = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1}
# Each parameter needs at least this many words of fixed text.
WORDS_PER_PARAMETER = 2


@dataclass(frozen=True, slots=True)
class Verdict:
    approved: bool
    reason: str = "NONE"
    rejection_info: dict[str, str] | None = None


class _Rejected(Exception):
    def __init__(self, reason: str, recommendation: str, code: str = "INVALID_FORMAT") -> None:
        self.verdict = Verdict(False, code, {"reason": reason, "recommendation": recommendation})
        super().__init__(reason)


def _reject(reason: str, recommendation: str, code: str = "INVALID_FORMAT") -> _Rejected:
    return _Rejected(reason, recommendation, code)


def placeholders(text: str) -> list[str]:
    return [m.strip() for m in PLACEHOLDER_RE.findall(text)]


def distinct(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return tuple(seen)


def normalise_components(components: list[Any]) -> list[dict[str, Any]]:
    """Components as Meta returns them: `type` and `format` upper-case, button types too."""
    out: list[dict[str, Any]] = []
    for comp in components:
        if not isinstance(comp, dict):
            out.append({"type": "UNKNOWN"})
            continue
        c = dict(comp)
        if isinstance(c.get("type"), str):
            c["type"] = c["type"].upper()
        if isinstance(c.get("format"), str):
            c["format"] = c["format"].upper()
        if isinstance(c.get("buttons"), list):
            c["buttons"] = [
                {**b, "type": b["type"].upper()}
                if isinstance(b, dict) and isinstance(b.get("type"), str)
                else b
                for b in c["buttons"]
            ]
        out.append(c)
    return out


# Send-time expectations -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    index: int
    type: str
    params: int  # parameters required at send time (URL with a variable, COPY_CODE: 1)


@dataclass(frozen=True, slots=True)
class SendSpec:
    named: bool
    header_format: str | None = None
    header_params: tuple[str, ...] = ()
    body_params: tuple[str, ...] = ()
    body_text: str = ""
    buttons: dict[int, ButtonSpec] = field(default_factory=dict)


AUTH_BODY = "{{1}} is your verification code."


def send_spec(
    components: list[dict[str, Any]], parameter_format: str, category: str = "UTILITY"
) -> SendSpec:
    named = parameter_format.upper() == "NAMED"
    header_format: str | None = None
    header_params: tuple[str, ...] = ()
    body_params: tuple[str, ...] = ()
    body_text = ""
    buttons: dict[int, ButtonSpec] = {}
    for comp in components:
        kind = comp.get("type")
        if kind == "HEADER":
            header_format = str(comp.get("format") or "TEXT")
            if header_format == "TEXT":
                header_params = distinct(placeholders(str(comp.get("text") or "")))
        elif kind == "BODY":
            body_text = str(comp.get("text") or "")
            if not body_text and category.upper() == "AUTHENTICATION":
                body_text = AUTH_BODY  # Meta's fixed authentication body: the code is {{1}}
            body_params = distinct(placeholders(body_text))
        elif kind == "BUTTONS":
            for i, button in enumerate(comp.get("buttons") or []):
                btype = str(button.get("type", ""))
                params = 0
                if btype == "URL" and placeholders(str(button.get("url") or "")):
                    params = 1
                elif btype in ("COPY_CODE", "OTP"):
                    params = 1
                buttons[i] = ButtonSpec(i, btype, params)
    return SendSpec(named, header_format, header_params, body_params, body_text, buttons)


# Review -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Existing:
    """Another template of the same WABA, for the duplicate-content rule."""

    name: str
    category: str
    body: str
    footer: str


def _text_variables(
    text: str, where: str, parameter_format: str
) -> tuple[str, ...]:  # the distinct parameter names, checked
    if text.count("{{") != text.count("}}") or re.search(r"\{\{[^}]*\{\{", text):
        raise _reject(
            f"The {where} has mismatched curly braces.",
            "Write every variable as {{1}} (positional) or {{name}} (named), with two braces on "
            "each side.",
        )
    names = placeholders(text)
    named = parameter_format == "NAMED"
    for raw in PLACEHOLDER_RE.findall(text):
        name = raw.strip()
        if raw != name or not (POSITIONAL_RE.match(name) or NAMED_RE.match(name)):
            raise _reject(
                f"The {where} contains an invalid variable {{{{{raw}}}}}.",
                "Variables may only contain digits (positional) or lowercase letters, digits "
                "and underscores (named); no spaces or special characters such as #, $ or %.",
            )
        if named and not NAMED_RE.match(name):
            raise _reject(
                f"The {where} uses the positional variable {{{{{name}}}}} in a template with "
                "named parameters.",
                "Use named variables such as {{first_name}} throughout, or submit the template "
                "with positional parameters.",
            )
        if not named and not POSITIONAL_RE.match(name):
            raise _reject(
                f"The {where} uses the named variable {{{{{name}}}}} in a template with "
                "positional parameters.",
                'Use {{1}}, {{2}}, … or set "parameter_format": "named".',
            )
    unique = distinct(names)
    if not named and unique:
        numbers = sorted(int(n) for n in unique)
        if numbers != list(range(1, len(numbers) + 1)):
            raise _reject(
                f"The {where} has variable parameters that are not sequential "
                f"({', '.join('{{' + str(n) + '}}' for n in numbers)}).",
                "Number the variables {{1}}, {{2}}, {{3}}… without gaps, starting at 1.",
            )
    if named and len(unique) != len(names):
        raise _reject(
            f"The {where} repeats a named variable.",
            "Give each named variable a unique name.",
        )
    return unique


def _example_values(
    example: Any, positional_key: str, named_key: str, names: tuple[str, ...], named: bool
) -> list[str] | None:
    if not isinstance(example, dict):
        return None
    if named:
        items = example.get(named_key)
        if not isinstance(items, list):
            return None
        values: dict[str, str] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("param_name"), str):
                values[item["param_name"]] = str(item.get("example") or "")
        if set(values) != set(names):
            return None
        return [values[n] for n in names]
    raw = example.get(positional_key)
    if positional_key == "body_text":
        raw = raw[0] if isinstance(raw, list) and raw and isinstance(raw[0], list) else None
    if not isinstance(raw, list) or len(raw) != len(names):
        return None
    return [str(v) for v in raw]


def _check_examples(
    comp: dict[str, Any], where: str, names: tuple[str, ...], named: bool, keys: tuple[str, str]
) -> None:
    if not names:
        return
    values = _example_values(comp.get("example"), keys[0], keys[1], names, named)
    if values is None:
        raise _reject(
            f"The {where} has {len(names)} variable parameter(s) but no matching sample values.",
            "Add one sample value per variable in the component's `example` so reviewers can "
            "see what the message will look like.",
        )
    if any(not v.strip() for v in values):
        raise _reject(
            f"The {where} has an empty sample value.", "Give every variable a realistic sample."
        )


def _review_header(comp: dict[str, Any], category: str, named: bool, fmt: str) -> None:
    header_format = str(comp.get("format") or "")
    if header_format not in HEADER_FORMATS:
        raise _reject(
            f"The header format '{comp.get('format')}' is not supported.",
            "Use TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.",
        )
    if category == "AUTHENTICATION":
        raise _reject(
            "Authentication templates can't have a header.", "Remove the header component."
        )
    if header_format == "TEXT":
        text = comp.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _reject("The text header is empty.", "Add header text or remove the header.")
        if len(text) > 60:
            raise _reject(
                f"The header text is {len(text)} characters long; the limit is 60.",
                "Shorten the header to 60 characters or fewer.",
            )
        if "\n" in text:
            raise _reject("The header text contains a line break.", "Keep the header on one line.")
        names = _text_variables(text, "header", fmt)
        if len(names) > 1:
            raise _reject(
                f"The header has {len(names)} variable parameters; at most 1 is allowed.",
                "Keep a single variable in the header and move the others to the body.",
            )
        _check_examples(comp, "header", names, named, ("header_text", "header_text_named_params"))
    elif header_format in MEDIA_FORMATS:
        example = comp.get("example")
        handles = example.get("header_handle") if isinstance(example, dict) else None
        if (
            not isinstance(handles, list)
            or not handles
            or not all(isinstance(h, str) and h for h in handles)
        ):
            raise _reject(
                f"The {header_format.lower()} header has no sample media.",
                "Upload a sample with the Resumable Upload API and pass its handle in "
                "example.header_handle.",
            )
    elif header_format == "LOCATION" and category not in ("MARKETING", "UTILITY"):
        raise _reject(
            "Location headers are only available for marketing and utility templates.",
            "Remove the location header or change the category.",
        )


def _review_body(comp: dict[str, Any], category: str, named: bool, fmt: str) -> None:
    text = comp.get("text")
    if category == "AUTHENTICATION" and text is None:
        return
    if not isinstance(text, str) or not text.strip():
        raise _reject("The body text is empty.", "Add the message text to the body component.")
    if len(text) > 1024:
        raise _reject(
            f"The body text is {len(text)} characters long; the limit is 1024.",
            "Shorten the body to 1024 characters or fewer.",
        )
    names = _text_variables(text, "body", fmt)
    stripped = text.strip()
    if names and (stripped.startswith("{{") or stripped.endswith("}}")):
        raise _reject(
            "Your template starts or ends with a variable parameter (dangling parameters are "
            "not allowed).",
            "Add text before the first and after the last variable parameter.",
        )
    if ADJACENT_RE.search(text):
        raise _reject(
            "Your template has parameters placed next to each other (like {{1}}{{2}}) without "
            "text or punctuation between them.",
            "Separate parameters with descriptive text and ensure each parameter is clearly "
            "contextualized.",
        )
    words = len(WORD_RE.findall(PLACEHOLDER_RE.sub(" ", text)))
    if names and words < WORDS_PER_PARAMETER * len(names):
        raise _reject(
            f"This template contains too many variable parameters ({len(names)}) relative to "
            f"the message length ({words} words).",
            "Decrease the number of variable parameters or increase the message length.",
        )
    _check_examples(comp, "body", names, named, ("body_text", "body_text_named_params"))


def _review_footer(comp: dict[str, Any]) -> None:
    text = comp.get("text")
    if text is None and "code_expiration_minutes" in comp:
        return
    if not isinstance(text, str) or not text.strip():
        raise _reject("The footer is empty.", "Add footer text or remove the footer.")
    if len(text) > 60:
        raise _reject(
            f"The footer text is {len(text)} characters long; the limit is 60.",
            "Shorten the footer to 60 characters or fewer.",
        )
    if "{{" in text:
        raise _reject(
            "The footer contains a variable parameter.", "Footers can't contain variables."
        )


def _review_buttons(comp: dict[str, Any], category: str) -> None:
    buttons = comp.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise _reject("The buttons component has no buttons.", "Add buttons or remove it.")
    if len(buttons) > 10:
        raise _reject(
            f"The template has {len(buttons)} buttons; the limit is 10.", "Remove buttons."
        )
    counts: dict[str, int] = {}
    labels: set[str] = set()
    kinds: list[bool] = []
    for button in buttons:
        btype = button.get("type") if isinstance(button, dict) else None
        if btype not in BUTTON_TYPES:
            raise _reject(f"The button type '{btype}' is not supported.", "Fix the button type.")
        assert isinstance(button, dict)
        counts[btype] = counts.get(btype, 0) + 1
        limit = BUTTON_LIMITS.get(btype)
        if limit is not None and counts[btype] > limit:
            raise _reject(
                f"The template has more than {limit} {btype} button(s).",
                f"Use at most {limit} {btype} button(s).",
            )
        kinds.append(btype == "QUICK_REPLY")
        label = button.get("text")
        if btype != "OTP" or label is not None:
            if not isinstance(label, str) or not label.strip():
                raise _reject(f"A {btype} button has no label.", "Give every button a label.")
            if len(label) > 25:
                raise _reject(
                    f"The button label '{label}' is longer than 25 characters.",
                    "Shorten button labels to 25 characters or fewer.",
                )
            if "{{" in label:
                raise _reject("A button label contains a variable.", "Use fixed button labels.")
            if label in labels:
                raise _reject(
                    f"Two buttons have the same label '{label}'.",
                    "Give each button a unique label.",
                )
            labels.add(label)
        if btype == "URL":
            _review_url_button(button)
        elif btype == "PHONE_NUMBER":
            phone = button.get("phone_number")
            if not isinstance(phone, str) or not phone.strip() or len(phone) > 20:
                raise _reject(
                    "A phone number button needs a phone number of at most 20 characters.",
                    "Set phone_number, e.g. +15550783881.",
                )
        elif btype == "COPY_CODE":
            example = button.get("example")
            value = example[0] if isinstance(example, list) and example else example
            if not isinstance(value, str) or not value or len(value) > 15:
                raise _reject(
                    "A copy code button needs a sample code of at most 15 characters.",
                    "Set example to the sample coupon code.",
                )
        elif btype == "OTP" and category != "AUTHENTICATION":
            raise _reject(
                "One-time password buttons are only allowed in authentication templates.",
                "Change the category to AUTHENTICATION or remove the button.",
                "INCORRECT_CATEGORY",
            )
    runs = sum(1 for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1])
    if counts.get("QUICK_REPLY") and runs > 2:
        raise _reject(
            "Quick reply buttons are interleaved with other buttons.",
            "Group the quick reply buttons together, before or after the other buttons.",
        )
    if category == "AUTHENTICATION" and set(counts) - {"OTP"}:
        raise _reject(
            "Authentication templates may only have a one-time password button.",
            "Remove the other buttons.",
        )


def _review_url_button(button: dict[str, Any]) -> None:
    url = button.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/$.?#].\S*$", url):
        raise _reject("A URL button has no valid URL.", "Use an absolute http(s) URL.")
    if len(url) > 2000:
        raise _reject("A button URL is longer than 2000 characters.", "Shorten the URL.")
    names = placeholders(url)
    if len(names) > 1 or (names and (names[0] != "1" or not url.endswith("}}"))):
        raise _reject(
            "A URL button may have one variable {{1}}, only at the end of the URL.",
            "Move the variable to the end of the URL, e.g. https://example.com/shop?promo={{1}}.",
        )
    if names:
        example = button.get("example")
        if not (
            isinstance(example, list) and example and isinstance(example[0], str) and example[0]
        ):
            raise _reject(
                "A URL button with a variable has no sample value.",
                'Add "example": ["<sample suffix>"] to the button.',
            )


def review(
    submission: dict[str, Any],
    existing: Iterable[Existing],
    is_known_handle: Callable[[str], bool] = lambda h: True,
) -> Verdict:
    """The review verdict for a submission (`name`, `category`, `language`, `parameter_format`,
    `components` already upper-cased by `normalise_components`)."""
    try:
        _review(submission, existing, is_known_handle)
    except _Rejected as rejected:
        return rejected.verdict
    return Verdict(True)


def _review(
    submission: dict[str, Any], existing: Iterable[Existing], is_known_handle: Callable[[str], bool]
) -> None:
    name = submission.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _reject(
            f"The template name '{name}' is not valid.",
            "Use only lowercase letters, digits and underscores, at most 512 characters.",
        )
    category = str(submission.get("category") or "").upper()
    fmt = str(submission.get("parameter_format") or "POSITIONAL").upper()
    if fmt not in ("POSITIONAL", "NAMED"):
        raise _reject(f"The parameter format '{fmt}' is not valid.", "Use POSITIONAL or NAMED.")
    named = fmt == "NAMED"
    components = submission.get("components")
    if not isinstance(components, list):
        raise _reject("The template has no components.", "Add at least a BODY component.")
    seen: dict[str, dict[str, Any]] = {}
    for comp in components:
        kind = comp.get("type") if isinstance(comp, dict) else None
        if kind not in COMPONENT_TYPES:
            raise _reject(
                f"The component type '{kind}' is not supported.",
                "Use HEADER, BODY, FOOTER and BUTTONS components.",
            )
        assert isinstance(comp, dict)
        if kind in seen:
            raise _reject(
                f"The template has more than one {kind} component.",
                f"Use at most one {kind} component.",
            )
        seen[kind] = comp
    if "BODY" not in seen:
        raise _reject("The template has no body.", "Add a BODY component with the message text.")
    if "HEADER" in seen:
        _review_header(seen["HEADER"], category, named, fmt)
        handles = (seen["HEADER"].get("example") or {}).get("header_handle") or []
        if seen["HEADER"].get("format") in MEDIA_FORMATS and not all(
            is_known_handle(h) for h in handles
        ):
            raise _reject(
                "The header sample media handle is not valid or has expired.",
                "Upload the sample again with the Resumable Upload API and use the new handle.",
            )
    _review_body(seen["BODY"], category, named, fmt)
    if "FOOTER" in seen:
        _review_footer(seen["FOOTER"])
    if "BUTTONS" in seen:
        _review_buttons(seen["BUTTONS"], category)
    elif category == "AUTHENTICATION":
        raise _reject(
            "Authentication templates need a one-time password button.",
            "Add an OTP button (COPY_CODE or ONE_TAP).",
        )
    if category != "AUTHENTICATION":
        body = str(seen["BODY"].get("text") or "")
        footer = str(seen.get("FOOTER", {}).get("text") or "")
        for other in existing:
            if other.name != name and other.body == body and other.footer == footer:
                raise _reject(
                    f"The template duplicates the content of the existing template '{other.name}'.",
                    "Change the body or footer wording, or use the existing template.",
                )
