from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_timezones

from qms.contacts.phones import InvalidPhone, country_of, parse, timezone_of, to_e164


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
        # no default country: digits are an international number whose + was dropped (Excel)
        ("249912345678", None, "+249912345678"),
        ("٢٤٩٩١٢٣٤٥٦٧٨", None, "+249912345678"),
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


def _reference(raw: str, default_country: str | None) -> tuple[str, str | None, str | None] | None:
    """What the phonenumbers library says, through its public API only."""
    text = raw.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif default_country is None and text[:1].isdigit():
        text = "+" + text  # the product's rule: without a default country, read as international
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    zones = phone_timezones.time_zones_for_number(number)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region if region not in (None, "ZZ", "001") else None,
        zones[0] if zones and zones[0] != "Etc/Unknown" else None,
    )


def _spellings(rng: random.Random) -> list[tuple[str, str | None]]:
    """Every region's example numbers with digits changed at random, written the ways people
    write them (E.164, 00, national, with spaces and dashes, country code without +), read
    with the right, a wrong or no default country; and random digit strings."""
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    kinds = [
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.VOIP,
    ]
    cases: list[tuple[str, str | None]] = []
    for region in regions:
        for kind in kinds:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for _ in range(6):
                national = str(example.national_number)
                chars = list(national)
                for _ in range(rng.randint(0, 3)):
                    chars[rng.randrange(len(chars))] = str(rng.randint(0, 9))
                if rng.random() < 0.2:
                    chars = chars[: rng.randint(1, len(chars))]
                elif rng.random() < 0.1:
                    chars += [str(rng.randint(0, 9))]
                number = phonenumbers.PhoneNumber(
                    country_code=example.country_code,
                    national_number=int("".join(chars)),
                    italian_leading_zero=example.italian_leading_zero,
                    number_of_leading_zeros=example.number_of_leading_zeros,
                )
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                local = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                spaced = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                )
                other = rng.choice(regions)
                cases += [
                    (e164, None),
                    (e164, other),
                    ("00" + e164[1:], region),
                    (e164[1:], region),
                    (e164[1:], other),
                    (spaced, None),
                    (spaced.replace(" ", "-"), region),
                    (local, region),
                    (local, other),
                    ("".join(ch for ch in local if ch.isdigit()), region),
                    ("".join(ch for ch in local if ch.isdigit()), other),
                ]
    for _ in range(3000):
        digits = "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(1, 18)))
        cases += [(digits, rng.choice([None, *regions[:40]])), ("+" + digits, None)]
    return cases


def test_fast_path_agrees_with_the_library_everywhere() -> None:
    cases = _spellings(random.Random(2026))
    assert len(cases) > 50_000
    for raw, country in cases:
        try:
            phone = parse(raw, country)
            ours: tuple[str, str | None, str | None] | None = (
                phone.e164,
                phone.country,
                phone.timezone,
            )
        except InvalidPhone:
            ours = None
        assert ours == _reference(raw, country), (raw, country)
