from __future__ import annotations

import pytest

from qms.contacts.phones import InvalidPhone, country_of, timezone_of, to_e164


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+249 91 234 5678", None, "+249912345678"),
        ("0912345678", "SD", "+249912345678"),  # local format, workspace default country
        ("٠٩١٢٣٤٥٦٧٨", "SD", "+249912345678"),  # Arabic-Indic digits
        ("۰۹۱۲۳۴۵۶۷۸", "SD", "+249912345678"),  # Eastern Arabic-Indic (Persian) digits
        ("00249912345678", None, "+249912345678"),  # international 00 prefix
        ("+966 50 123 4567", "SD", "+966501234567"),  # + wins over the default country
        ("(650) 555-1234", "US", "+16505551234"),
    ],
)
def test_normalises_to_e164(raw: str, country: str | None, expected: str) -> None:
    assert to_e164(raw, country) == expected


@pytest.mark.parametrize("raw", ["12", "not a phone", "+249 12", "0912345678"])
def test_invalid_numbers_name_the_value(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        to_e164(raw, None)
    assert caught.value.code == "contacts.invalid_phone"
    assert raw in caught.value.detail


def test_country_and_timezone_are_inferred() -> None:
    assert country_of("+249912345678") == "SD"
    assert timezone_of("+249912345678") == "Africa/Khartoum"
