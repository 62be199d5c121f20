"""The one renderer: preview and Cloud API components from the same values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from qms.templates.content import TemplateContent
from qms.templates.render import MissingValues, Values, contact_values, message, render
from tests.templates.test_lint import AUTH, BODY, BUTTONS, FOOTER, HEADER, NAMED_BODY, tpl


@dataclass
class FakeContact:
    name: str | None = "Amna Osman Ali"
    phone: str | None = "+249912345678"
    language: str | None = "ar"
    country: str | None = "SD"
    timezone: str | None = "Africa/Khartoum"
    fields: dict[str, Any] = field(default_factory=lambda: {"city": "Omdurman", "vip": True})


def test_examples_fill_a_preview_like_metas_own_sample() -> None:
    rendered = render(tpl(), Values())
    assert rendered.components == [
        {"type": "header", "parameters": [{"type": "text", "text": "Summer Sale"}]},
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "the end of August"},
                {"type": "text", "text": "25OFF"},
                {"type": "text", "text": "25%"},
            ],
        },
        {
            "type": "button",
            "sub_type": "url",
            "index": "1",
            "parameters": [{"type": "text", "text": "summer2023"}],
        },
    ]
    preview = rendered.preview
    assert preview.header is not None and preview.header.text == "Our Summer Sale is on!"
    assert preview.body == (
        "Shop now through the end of August and use code 25OFF to get 25% off of all merchandise."
    )
    assert preview.footer == FOOTER["text"]
    assert [(b.type, b.text, b.url) for b in preview.buttons] == [
        ("QUICK_REPLY", "Unsubscribe from Promos", None),
        ("URL", "Shop Now", "https://www.luckyshrub.com/shop?promo=summer2023"),
    ]
    assert rendered.used_examples == ["header.1", "body.1", "body.2", "body.3", "button.1"]
    assert rendered.missing == [] and rendered.warnings == []
    assert preview.direction == "ltr"


def test_given_values_win_and_are_cleaned_and_encoded() -> None:
    rendered = render(
        tpl(),
        Values(
            text={
                "body.1": "Friday\n night",
                "body.2": "SAVE   10",
                "body.3": "10%",
                "header.1": "Autumn Sale",
                "button.1": "Gonçalves",
                "button.0": "STOP_PROMOS",
            }
        ),
    )
    body = next(c for c in rendered.components if c["type"] == "body")
    assert [p["text"] for p in body["parameters"]] == ["Friday night", "SAVE 10", "10%"]
    url = next(c for c in rendered.components if c.get("sub_type") == "url")
    assert url["parameters"] == [{"type": "text", "text": "Gon%C3%A7alves"}]
    reply = next(c for c in rendered.components if c.get("sub_type") == "quick_reply")
    assert reply == {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "STOP_PROMOS"}],
    }
    assert rendered.preview.buttons[1].url == "https://www.luckyshrub.com/shop?promo=Gon%C3%A7alves"
    assert rendered.used_examples == []


def test_named_parameters_carry_their_names_and_formatting_is_kept() -> None:
    named = dict(NAMED_BODY, text="*Thank you*, {{first_name}}! Order {{order_id}} is on its way.")
    template = tpl([named], parameter_format="named", language="ar")
    rendered = render(template, Values(text={"body.order_id": "77"}))
    assert rendered.components == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Pablo", "parameter_name": "first_name"},
                {"type": "text", "text": "77", "parameter_name": "order_id"},
            ],
        }
    ]
    assert rendered.preview.body == "*Thank you*, Pablo! Order 77 is on its way."
    assert rendered.preview.direction == "rtl"


def test_authentication_code_goes_to_body_and_button() -> None:
    template = TemplateContent("login_code", "en_US", "AUTHENTICATION", "positional", AUTH)
    rendered = render(template, Values(text={"body.1": "904512"}))
    assert rendered.components == [
        {"type": "body", "parameters": [{"type": "text", "text": "904512"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "904512"}],
        },
    ]
    assert rendered.preview.body == (
        "904512 is your verification code. For your security, do not share this code."
    )
    assert rendered.preview.footer == "This code expires in 10 minutes."
    assert rendered.preview.buttons[0].code == "904512"


def test_media_and_location_headers_need_values() -> None:
    image = {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::x"]}}
    missing = render(tpl([image, BODY]), Values())
    assert missing.missing == ["header.media"]
    assert all(c["type"] != "header" for c in missing.components)
    given = render(
        tpl([image, BODY]), Values(header_media={"link": "https://cdn.example.com/a.png"})
    )
    assert given.components[0] == {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/a.png"}}],
    }
    document = {"type": "HEADER", "format": "DOCUMENT", "example": {"header_handle": ["4::d"]}}
    media = {"id": "1234", "filename": "invoice.pdf"}
    assert render(tpl([document, BODY]), Values(header_media=media)).components[0] == {
        "type": "header",
        "parameters": [{"type": "document", "document": media}],
    }
    only_id = render(tpl([image, BODY]), Values(header_media=media)).components[0]
    assert only_id["parameters"][0]["image"] == {"id": "1234"}
    location = {"type": "HEADER", "format": "LOCATION"}
    where = {"latitude": 15.5, "longitude": 32.5, "name": "Shop"}
    rendered = render(tpl([location, BODY]), Values(header_location=where))
    assert rendered.components[0]["parameters"] == [{"type": "location", "location": where}]
    assert rendered.preview.header is not None and rendered.preview.header.location == where


def test_without_examples_a_missing_value_is_an_error() -> None:
    with pytest.raises(MissingValues) as caught:
        render(tpl(), Values(text={"body.1": "x"}), use_examples=False)
    assert caught.value.missing == ["header.1", "body.2", "body.3", "button.1"]


def test_contact_fields_through_the_mapping() -> None:
    contact = FakeContact()
    named = {
        "type": "BODY",
        "text": "Hi {{first_name}}, your city {{city}} has a new shop {{shop}} now open.",
    }
    template = tpl([named], parameter_format="named")
    values = contact_values(template, contact, {"body.shop": "fields.vip"})
    assert values.text == {"body.first_name": "Amna", "body.city": "Omdurman", "body.shop": "yes"}
    positional = tpl([BODY, BUTTONS])
    mapping = {"body.1": "last_name", "body.2": "phone", "button.1": "fields.city"}
    values = contact_values(positional, contact, mapping)
    assert values.text == {
        "body.1": "Osman Ali",
        "body.2": "+249912345678",
        "button.1": "Omdurman",
    }
    # explicit values win over the contact's
    rendered = render(positional, Values(text={"body.1": "Dr Amna"}).merged_over(values))
    assert rendered.preview.body.startswith("Shop now through Dr Amna and use code +249912345678")
    assert rendered.used_examples == ["body.3"]


def test_message_payload() -> None:
    rendered = render(tpl([HEADER, BODY]), Values())
    payload = message(tpl(), rendered.components, "+249912345678", "c:1")
    assert payload["template"]["language"] == {"code": "en_US"}
    assert payload["template"]["components"] == rendered.components
    assert payload["biz_opaque_callback_data"] == "c:1"
    assert "components" not in message(tpl(), [], "+1")["template"]
