"""Every lint rule with a passing and a failing example (the passing ones are complete, valid
templates: lint finds nothing at all)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from qms.templates.content import TemplateContent
from qms.templates.lint import RULES, EditContext, Problem, lint

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

HEADER = {
    "type": "HEADER",
    "format": "TEXT",
    "text": "Our {{1}} is on!",
    "example": {"header_text": ["Summer Sale"]},
}
BODY = {
    "type": "BODY",
    "text": "Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.",
    "example": {"body_text": [["the end of August", "25OFF", "25%"]]},
}
FOOTER = {"type": "FOOTER", "text": "Use the buttons below to manage your subscriptions"}
BUTTONS = {
    "type": "BUTTONS",
    "buttons": [
        {"type": "QUICK_REPLY", "text": "Unsubscribe from Promos"},
        {
            "type": "URL",
            "text": "Shop Now",
            "url": "https://www.luckyshrub.com/shop?promo={{1}}",
            "example": ["summer2023"],
        },
    ],
}
NAMED_BODY = {
    "type": "BODY",
    "text": "Thank you, {{first_name}}! Your order {{order_id}} is confirmed and on its way.",
    "example": {
        "body_text_named_params": [
            {"param_name": "first_name", "example": "Pablo"},
            {"param_name": "order_id", "example": "860198-230332"},
        ]
    },
}
AUTH = [
    {"type": "BODY", "add_security_recommendation": True},
    {"type": "FOOTER", "code_expiration_minutes": 10},
    {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy"}]},
]


def tpl(
    components: list[Any] | None = None,
    *,
    name: str = "seasonal_promotion",
    language: str = "en_US",
    category: str = "MARKETING",
    parameter_format: str = "positional",
) -> TemplateContent:
    return TemplateContent(
        name=name,
        language=language,
        category=category,
        parameter_format=parameter_format,
        components=copy.deepcopy(
            components if components is not None else [HEADER, BODY, FOOTER, BUTTONS]
        ),
    )


def body(text: str, *examples: str) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "BODY", "text": text}
    if examples:
        part["example"] = {"body_text": [list(examples)]}
    return part


def named_body(text: str, **examples: str) -> dict[str, Any]:
    return {
        "type": "BODY",
        "text": text,
        "example": {
            "body_text_named_params": [{"param_name": k, "example": v} for k, v in examples.items()]
        },
    }


def header(**fields: Any) -> dict[str, Any]:
    return {"type": "HEADER", **fields}


def buttons(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "BUTTONS", "buttons": list(items)}


def qr(label: str) -> dict[str, Any]:
    return {"type": "QUICK_REPLY", "text": label}


def url(
    link: str = "https://example.com/shop", label: str = "Shop", **extra: Any
) -> dict[str, Any]:
    return {"type": "URL", "text": label, "url": link, **extra}


def phone(number: str = "+15550783881", label: str = "Call us") -> dict[str, Any]:
    return {"type": "PHONE_NUMBER", "text": label, "phone_number": number}


def copy_code(example: Any = "SAVE25") -> dict[str, Any]:
    return {"type": "COPY_CODE", "text": "Copy offer code", "example": example}


def otp(**fields: Any) -> dict[str, Any]:
    return {"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code", **fields}


def auth(body_part: Any = None, footer: Any = None, buttons_part: Any = None) -> TemplateContent:
    return tpl(
        [body_part or AUTH[0], footer or AUTH[1], buttons_part or AUTH[2]],
        name="login_code",
        category="AUTHENTICATION",
    )


PLAIN = body("Your order has shipped and will arrive within two business days.")
APP = {"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}


def edit(status: str = "APPROVED", *edits: timedelta, **over: str) -> EditContext:
    values = {
        "name": "seasonal_promotion",
        "language": "en_US",
        "category": "MARKETING",
        "parameter_format": "positional",
    }
    values.update(over)
    return EditContext(status=status, approved_edits=[NOW - e for e in edits], **values)


Case = Callable[[], list[Problem]]

# code -> (a valid template, a template breaking exactly that rule)
CASES: dict[str, tuple[Case, Case]] = {
    "name.required": (lambda: lint(tpl()), lambda: lint(tpl(name=""))),
    "name.invalid": (
        lambda: lint(tpl(name="order_update_2")),
        lambda: lint(tpl(name="Order-Update")),
    ),
    "name.too_long": (lambda: lint(tpl(name="a" * 512)), lambda: lint(tpl(name="a" * 513))),
    "category.invalid": (
        lambda: lint(tpl(category="utility")),
        lambda: lint(tpl(category="PROMO")),
    ),
    "language.invalid": (
        lambda: lint(tpl(language="pt_BR")),
        lambda: lint(tpl(language="english")),
    ),
    "parameter_format.invalid": (
        lambda: lint(tpl(parameter_format="POSITIONAL")),
        lambda: lint(tpl(parameter_format="numbered")),
    ),
    "components.invalid": (
        lambda: lint(tpl()),
        lambda: lint(tpl(components="BODY")),  # type: ignore[arg-type]
    ),
    "components.unknown_type": (
        lambda: lint(tpl([BODY, {"type": "LIMITED_TIME_OFFER", "limited_time_offer": {}}])),
        lambda: lint(tpl([BODY, {"type": "TITLE", "text": "x"}])),
    ),
    "components.duplicate": (lambda: lint(tpl([BODY, FOOTER])), lambda: lint(tpl([BODY, BODY]))),
    "components.order": (
        lambda: lint(tpl([HEADER, BODY, FOOTER])),
        lambda: lint(tpl([BODY, HEADER, FOOTER])),
    ),
    "body.required": (lambda: lint(tpl([BODY])), lambda: lint(tpl([HEADER, FOOTER]))),
    "body.text_required": (lambda: lint(tpl([PLAIN])), lambda: lint(tpl([body("  ")]))),
    "body.too_long": (
        lambda: lint(tpl([body("x" * 1024)])),
        lambda: lint(tpl([body("x" * 1025)])),
    ),
    "body.leading_variable": (
        lambda: (
            lint(tpl([body("Dear {{1}}, your order has shipped today.", "Ana")]))
            + lint(tpl([body("Hello, {{1}} is your delivery date, see you then.", "May 2")]))
        ),
        lambda: lint(tpl([body("{{1}}, your order has shipped today.", "Ana")])),
    ),
    "body.trailing_variable": (
        lambda: lint(tpl([body("Your order has shipped and arrives on {{1}}.", "Monday")])),
        lambda: lint(tpl([body("Your order has shipped and arrives on {{1}}", "Monday")])),
    ),
    "body.adjacent_variables": (
        lambda: lint(tpl([body("Hello {{1}}, order {{2}} has shipped today.", "Ana", "42")])),
        lambda: lint(tpl([body("Hello there {{1}} {{2}}, your order has shipped.", "A", "B")])),
    ),
    "body.too_many_variables": (
        # 3 variables, 30 characters of fixed text (not counting spaces): exactly enough
        lambda: lint(
            tpl([body("Hi {{1}}, order {{2}} ships {{3}} abcdefghijklmnop.", "A", "B", "C")])
        ),
        lambda: lint(
            tpl([body("Hi {{1}}, order {{2}} ships {{3}} abcdefghijklmno.", "A", "B", "C")])
        ),
    ),
    "body.example_missing": (
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1")])),
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.")])),
    ),
    "body.example_mismatch": (
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1")])),
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1", "B2")])),
    ),
    "body.example_empty": (
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1")])),
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", " ")])),
    ),
    "variables.invalid": (
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1")])),
        lambda: lint(tpl([body("Your code {{ 1 }} is valid for one more day {{#2}}.", "A")])),
    ),
    "variables.mismatched_braces": (
        lambda: lint(tpl([body("Your code {{1}} is valid for one more day.", "A1")])),
        lambda: lint(tpl([body("Your code {{1} is valid for one more day.")])),
    ),
    "variables.format_mismatch": (
        lambda: lint(tpl([NAMED_BODY], parameter_format="named")),
        lambda: lint(tpl([NAMED_BODY])),
    ),
    "variables.not_sequential": (
        lambda: lint(tpl([body("Your code {{1}} expires on {{2}}, use it soon.", "A", "B")])),
        lambda: lint(tpl([body("Your code {{1}} expires on {{3}}, use it soon.", "A", "B")])),
    ),
    "variables.out_of_order": (
        lambda: lint(tpl([body("Your code {{1}} expires on {{2}}, use it soon.", "A", "B")])),
        lambda: lint(tpl([body("Your code {{2}} expires on {{1}}, use it soon.", "A", "B")])),
    ),
    "variables.duplicate_name": (
        lambda: lint(tpl([NAMED_BODY], parameter_format="named")),
        lambda: lint(
            tpl(
                [
                    named_body(
                        "Hi {{first_name}}, yes you {{first_name}}, welcome back.", first_name="A"
                    )
                ],
                parameter_format="named",
            )
        ),
    ),
    "header.format_invalid": (
        lambda: lint(tpl([header(format="LOCATION"), BODY])),
        lambda: lint(tpl([header(format="AUDIO"), BODY])),
    ),
    "header.text_required": (
        lambda: lint(tpl([header(format="TEXT", text="Big news"), BODY])),
        lambda: lint(tpl([header(format="TEXT", text=""), BODY])),
    ),
    "header.too_long": (
        lambda: lint(tpl([header(format="TEXT", text="h" * 60), BODY])),
        lambda: lint(tpl([header(format="TEXT", text="h" * 61), BODY])),
    ),
    "header.newline": (
        lambda: lint(tpl([header(format="TEXT", text="Big news"), BODY])),
        lambda: lint(tpl([header(format="TEXT", text="Big\nnews"), BODY])),
    ),
    "header.formatting": (
        lambda: lint(tpl([header(format="TEXT", text="Big news!"), BODY])),
        lambda: lint(tpl([header(format="TEXT", text="*Big* news"), BODY])),
    ),
    "header.too_many_variables": (
        lambda: lint(tpl([HEADER, BODY])),
        lambda: lint(
            tpl(
                [
                    header(
                        format="TEXT", text="{{1}} and {{2}}", example={"header_text": ["a", "b"]}
                    ),
                    BODY,
                ]
            )
        ),
    ),
    "header.example_missing": (
        lambda: lint(tpl([HEADER, BODY])),
        lambda: lint(tpl([header(format="TEXT", text="Our {{1}} is on!"), BODY])),
    ),
    "header.example_mismatch": (
        lambda: lint(tpl([HEADER, BODY])),
        lambda: lint(
            tpl(
                [
                    header(format="TEXT", text="Our {{1}} is on!", example={"header_text": []}),
                    BODY,
                ]
            )
        ),
    ),
    "header.example_empty": (
        lambda: lint(tpl([HEADER, BODY])),
        lambda: lint(
            tpl(
                [
                    header(format="TEXT", text="Our {{1}} is on!", example={"header_text": [""]}),
                    BODY,
                ]
            )
        ),
    ),
    "header.media_example_missing": (
        lambda: lint(tpl([header(format="IMAGE", example={"header_handle": ["4::aW1n"]}), BODY])),
        lambda: lint(tpl([header(format="VIDEO"), BODY])),
    ),
    "header.location_category": (
        lambda: lint(tpl([header(format="LOCATION"), PLAIN], category="UTILITY")),
        lambda: lint(
            TemplateContent(
                "login_code",
                "en",
                "AUTHENTICATION",
                "positional",
                [header(format="LOCATION"), *copy.deepcopy(AUTH)],
            )
        ),
    ),
    "footer.text_required": (
        lambda: lint(tpl([BODY, FOOTER])),
        lambda: lint(tpl([BODY, {"type": "FOOTER"}])),
    ),
    "footer.too_long": (
        lambda: lint(tpl([BODY, {"type": "FOOTER", "text": "f" * 60}])),
        lambda: lint(tpl([BODY, {"type": "FOOTER", "text": "f" * 61}])),
    ),
    "footer.variables_not_allowed": (
        lambda: lint(tpl([BODY, FOOTER])),
        lambda: lint(tpl([BODY, {"type": "FOOTER", "text": "Sent to {{1}}"}])),
    ),
    "buttons.empty": (
        lambda: lint(tpl([BODY, buttons(qr("Yes"))])),
        lambda: lint(tpl([BODY, buttons()])),
    ),
    "buttons.too_many": (
        lambda: lint(tpl([BODY, buttons(*(qr(f"Option {i}") for i in range(10)))])),
        lambda: lint(tpl([BODY, buttons(*(qr(f"Option {i}") for i in range(10)), url())])),
    ),
    "buttons.too_many_quick_reply": (
        lambda: lint(tpl([BODY, buttons(*(qr(f"Option {i}") for i in range(10)))])),
        lambda: lint(tpl([BODY, buttons(*(qr(f"Option {i}") for i in range(11)))])),
    ),
    "buttons.too_many_url": (
        lambda: lint(tpl([BODY, buttons(url(label="A"), url(label="B"))])),
        lambda: lint(tpl([BODY, buttons(url(label="A"), url(label="B"), url(label="C"))])),
    ),
    "buttons.too_many_phone_number": (
        lambda: lint(tpl([BODY, buttons(phone())])),
        lambda: lint(tpl([BODY, buttons(phone(label="A"), phone(label="B"))])),
    ),
    "buttons.too_many_copy_code": (
        lambda: lint(tpl([BODY, buttons(copy_code())])),
        lambda: lint(tpl([BODY, buttons(copy_code(), {**copy_code(), "text": "Other"})])),
    ),
    "buttons.too_many_otp": (
        lambda: lint(auth()),
        lambda: lint(auth(buttons_part=buttons(otp(), otp(text="Again")))),
    ),
    "buttons.quick_reply_not_grouped": (
        lambda: lint(tpl([BODY, buttons(url(), phone(), qr("Yes"), qr("No"))])),
        lambda: lint(tpl([BODY, buttons(qr("Yes"), url(), qr("No"))])),
    ),
    "button.type_invalid": (
        lambda: lint(tpl([BODY, buttons(qr("Yes"))])),
        lambda: lint(tpl([BODY, buttons({"type": "LINK", "text": "Go"})])),
    ),
    "button.label_required": (
        lambda: lint(tpl([BODY, buttons(qr("Yes"))])),
        lambda: lint(tpl([BODY, buttons({"type": "QUICK_REPLY"})])),
    ),
    "button.label_too_long": (
        lambda: lint(tpl([BODY, buttons(qr("l" * 25))])),
        lambda: lint(tpl([BODY, buttons(qr("l" * 26))])),
    ),
    "button.label_variables": (
        lambda: lint(tpl([BODY, buttons(qr("Yes"))])),
        lambda: lint(tpl([BODY, buttons(qr("Yes {{1}}"))])),
    ),
    "button.label_duplicate": (
        lambda: lint(tpl([BODY, buttons(qr("Yes"), qr("No"))])),
        lambda: lint(tpl([BODY, buttons(qr("Yes"), qr("Yes"))])),
    ),
    "button.url_invalid": (
        lambda: lint(tpl([BODY, buttons(url("http://example.com"))])),
        lambda: lint(tpl([BODY, buttons(url("example.com/shop"))])),
    ),
    "button.url_too_long": (
        lambda: lint(tpl([BODY, buttons(url("https://e.com/" + "p" * 1986))])),
        lambda: lint(tpl([BODY, buttons(url("https://e.com/" + "p" * 1987))])),
    ),
    "button.url_variable": (
        lambda: lint(tpl([BODY, buttons(url("https://e.com/track?o={{1}}", example=["42"]))])),
        lambda: (
            lint(tpl([BODY, buttons(url("https://e.com/{{1}}/track", example=["42"]))]))
            + lint(tpl([BODY, buttons(url("https://e.com/{{1}}{{2}}", example=["4"]))]))
        ),
    ),
    "button.url_example_missing": (
        lambda: lint(tpl([BODY, buttons(url("https://e.com/track?o={{1}}", example=["42"]))])),
        lambda: lint(tpl([BODY, buttons(url("https://e.com/track?o={{1}}"))])),
    ),
    "button.phone_required": (
        lambda: lint(tpl([BODY, buttons(phone())])),
        lambda: lint(tpl([BODY, buttons(phone(""))])),
    ),
    "button.phone_too_long": (
        lambda: lint(tpl([BODY, buttons(phone("+" + "1" * 19))])),
        lambda: lint(tpl([BODY, buttons(phone("+" + "1" * 20))])),
    ),
    "button.copy_code_example": (
        lambda: lint(tpl([BODY, buttons(copy_code("C" * 15))])),
        lambda: (
            lint(tpl([BODY, buttons(copy_code("C" * 16))]))
            + lint(tpl([BODY, buttons(copy_code(None))]))
        ),
    ),
    "button.otp_category": (
        lambda: lint(auth()),
        lambda: lint(tpl([BODY, buttons(otp())])),
    ),
    "auth.header_not_allowed": (
        lambda: lint(auth()),
        lambda: lint(
            TemplateContent(
                "login_code",
                "en",
                "AUTHENTICATION",
                "positional",
                [header(format="TEXT", text="Login"), *copy.deepcopy(AUTH)],
            )
        ),
    ),
    "auth.otp_button_required": (
        lambda: lint(auth()),
        lambda: lint(TemplateContent("login_code", "en", "AUTHENTICATION", "positional", AUTH[:2])),
    ),
    "auth.otp_type_invalid": (
        lambda: lint(auth(buttons_part=buttons(otp(otp_type="ONE_TAP", supported_apps=[APP])))),
        lambda: lint(auth(buttons_part=buttons(otp(otp_type="MAGIC_LINK")))),
    ),
    "auth.otp_app_required": (
        lambda: lint(auth(buttons_part=buttons(otp(otp_type="ONE_TAP", **APP)))),
        lambda: lint(auth(buttons_part=buttons(otp(otp_type="ONE_TAP")))),
    ),
    "auth.zero_tap_terms": (
        lambda: lint(
            auth(
                buttons_part=buttons(
                    otp(otp_type="ZERO_TAP", supported_apps=[APP], zero_tap_terms_accepted=True)
                )
            )
        ),
        lambda: lint(auth(buttons_part=buttons(otp(otp_type="ZERO_TAP", supported_apps=[APP])))),
    ),
    "auth.buttons_not_allowed": (
        lambda: lint(auth()),
        lambda: lint(auth(buttons_part=buttons(otp(), qr("Not me")))),
    ),
    "auth.security_recommendation_invalid": (
        lambda: lint(auth(body_part={"type": "BODY", "add_security_recommendation": False})),
        lambda: lint(auth(body_part={"type": "BODY", "add_security_recommendation": "yes"})),
    ),
    "auth.code_expiration_invalid": (
        lambda: (
            lint(auth(footer={"type": "FOOTER", "code_expiration_minutes": 90}))
            + lint(auth(footer={"type": "FOOTER", "code_expiration_minutes": 1}))
        ),
        lambda: (
            lint(auth(footer={"type": "FOOTER", "code_expiration_minutes": 91}))
            + lint(auth(footer={"type": "FOOTER", "code_expiration_minutes": 0}))
        ),
    ),
    "auth.footer_text_not_allowed": (
        lambda: lint(auth()),
        lambda: lint(auth(footer={"type": "FOOTER", "text": "Thanks"})),
    ),
    "edit.not_editable": (
        lambda: lint(tpl(), edit("REJECTED"), NOW) + lint(tpl(), edit("PAUSED"), NOW),
        lambda: lint(tpl(), edit("PENDING"), NOW),
    ),
    "edit.immutable": (
        lambda: lint(tpl(), edit(), NOW),
        lambda: lint(tpl(name="other_name"), edit(), NOW),
    ),
    "edit.category_locked": (
        lambda: lint(tpl(category="UTILITY"), edit("REJECTED"), NOW),
        lambda: lint(tpl(category="UTILITY"), edit(), NOW),
    ),
    "edit.daily_limit": (
        lambda: (
            lint(tpl(), edit("APPROVED", timedelta(hours=25)), NOW)
            + lint(tpl(), edit("REJECTED", timedelta(hours=1)), NOW)
        ),
        lambda: lint(tpl(), edit("APPROVED", timedelta(hours=23)), NOW),
    ),
    "edit.monthly_limit": (
        lambda: lint(tpl(), edit("APPROVED", *(timedelta(days=d) for d in range(2, 11))), NOW),
        lambda: lint(tpl(), edit("APPROVED", *(timedelta(days=d) for d in range(2, 12))), NOW),
    ),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule(code: str) -> None:
    passing, failing = CASES[code]
    assert passing() == []
    problems = failing()
    assert code in {p.code for p in problems}, problems
    for problem in problems:
        assert problem.message and problem.path and problem.code in RULES


def test_every_problem_is_listed_at_once() -> None:
    problems = lint(
        TemplateContent(
            "Bad Name",
            "english",
            "PROMO",
            "positional",
            [
                {"type": "BODY", "text": "{{1}}{{2}}"},
                {"type": "FOOTER", "text": "f" * 61},
                {"type": "BUTTONS", "buttons": [qr("Yes"), url(), qr("No"), qr("l" * 26)]},
            ],
        )
    )
    codes = [p.code for p in problems]
    for code in (
        "name.invalid",
        "language.invalid",
        "category.invalid",
        "body.leading_variable",
        "body.trailing_variable",
        "body.adjacent_variables",
        "body.too_many_variables",
        "body.example_missing",
        "footer.too_long",
        "buttons.quick_reply_not_grouped",
        "button.label_too_long",
    ):
        assert code in codes
    paths = {p.code: p.path for p in problems}
    assert paths["footer.too_long"] == "components[1].text"
    assert paths["button.label_too_long"] == "components[2].buttons[3].text"


def test_named_parameters_and_their_examples() -> None:
    assert lint(tpl([NAMED_BODY], parameter_format="named")) == []
    wrong = named_body(
        "Thank you, {{first_name}}! Your order {{order_id}} is confirmed and on its way.",
        first_name="Pablo",
        order="42",
    )
    problems = lint(tpl([wrong], parameter_format="named"))
    assert [p.code for p in problems] == ["body.example_mismatch"]
    assert "order_id" in problems[0].message
    bad_name = named_body(
        "Thank you, {{FirstName}}! Your order is on its way today.", FirstName="A"
    )
    assert "variables.invalid" in {p.code for p in lint(tpl([bad_name], parameter_format="named"))}


def test_imported_parts_the_builder_does_not_edit_pass_through() -> None:
    extra = {"type": "CAROUSEL", "cards": [{"components": [{"type": "BODY", "text": "{{1}}"}]}]}
    assert lint(tpl([BODY, extra])) == []
    flow = {"type": "FLOW", "text": "Book now", "flow_id": "123", "flow_action": "navigate"}
    assert lint(tpl([BODY, buttons(flow)])) == []


def test_docs_list_every_rule() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "templates.md").read_text()
    missing = [code for code in RULES if f"| `{code}` |" not in docs]
    assert not missing, f"docs/templates.md lacks {missing}"
