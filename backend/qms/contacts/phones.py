"""Phone numbers: E.164 normalisation (Arabic-Indic digits, local formats with the workspace's
default country), keyed hashes, and what a number says about its owner's country and time zone.

`parse` gives the same answers as `phonenumbers.parse` + `is_valid_number` + the timezone
module, about eight times faster: an import parses a million numbers. Inputs made of digits,
spaces and dashes (what spreadsheets hold) skip the library's text scanning and go straight to
its own country-code, national-prefix and length rules; anything else takes the library's full
path. `tests/contacts/test_phones.py` compares both paths over every region's numbers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers import phonenumberutil as lib
from phonenumbers import timezone as lib_timezone

from qms.errors import Unprocessable
from qms.security.keyed import hmac_sha256_hex

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, as numbers are stored."""
    return text.translate(_DIGITS)


_PLAIN = re.compile(r"\+?[0-9]{3,17}")
_SEPARATORS = str.maketrans("", "", " -")
_SHORT = (
    lib.ValidationResult.TOO_SHORT,
    lib.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    lib.ValidationResult.INVALID_LENGTH,
)
_UNKNOWN_ZONE = "Etc/Unknown"


class InvalidPhone(Unprocessable):
    code = "contacts.invalid_phone"
    title = "Invalid phone number"


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    country: str | None  # ISO 3166 region of the number, when it has one
    timezone: str | None  # the first of the number's time zones, when known


def parse(raw: str, default_country: str | None = None) -> Phone:
    """The number in E.164 with its country and time zone, or InvalidPhone naming the value.
    `00` is read as the international prefix; without a default country, a number without `+`
    is read as international (spreadsheets drop the `+` of numbers stored as numbers)."""
    text = raw.translate(_DIGITS).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif default_country is None and text[:1].isdigit():
        text = "+" + text
    number: PhoneNumber | None = None
    plain = _parse_plain(text, default_country)
    if plain is None:
        try:
            number = phonenumbers.parse(text, None if text.startswith("+") else default_country)
        except phonenumbers.NumberParseException as exc:
            raise InvalidPhone(f"'{raw}' is not a phone number.", extra={"value": raw}) from exc
        code, national = number.country_code or 0, lib.national_significant_number(number)
    else:
        code, national = plain
    # phonenumbers.region_code_for_number, building the number object only where needed
    regions = lib.COUNTRY_CODE_TO_REGION_CODE.get(code)
    region = None
    if regions is not None and len(regions) == 1:
        region = regions[0]
    elif regions is not None:
        number = number or _number(code, national)
        region = lib._region_code_for_number_from_list(number, regions)
    metadata = _metadata(code, region or "ZZ")
    kind = PhoneNumberType.UNKNOWN if metadata is None else _kind(national, _rules(metadata))
    if kind == PhoneNumberType.UNKNOWN:  # is_valid_number, without resolving the region twice
        raise InvalidPhone(f"'{raw}' is not a valid phone number.", extra={"value": raw})
    if lib.is_number_type_geographical(kind, code):
        zones = lib_timezone.time_zones_for_geographical_number(number or _number(code, national))
    else:
        zones = _country_zones(code)
    zone = zones[0] if zones else None
    return Phone(
        e164=f"+{code}{national}",  # format_number(…, E164) of a valid number
        country=region
        if region and region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
        else None,
        timezone=zone if zone and zone != _UNKNOWN_ZONE else None,
    )


def _number(country_code: int, national: str) -> PhoneNumber:
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    lib._set_italian_leading_zeros_for_phone_number(national, number)
    return number


def _parse_plain(text: str, region: str | None) -> tuple[int, str] | None:
    """`phonenumbers.parse` for digits with an optional leading `+` (spaces and dashes
    ignored), step for step: the country code and the national significant number (the digits
    `national_significant_number` would give). None hands anything else, and every error, to
    the library."""
    digits = text.translate(_SEPARATORS)
    if len(text) > lib._MAX_INPUT_STRING_LENGTH or not _PLAIN.fullmatch(digits):
        return None
    metadata = None if region is None else _region_metadata(region)
    from_number = True  # whether the country code was read from the number
    if digits[0] == "+":
        country_code, national = _extract_country_code(digits[1:])
        if country_code == 0:
            return None
    else:
        if metadata is None:
            return None
        idd = metadata.international_prefix
        if idd and _compile(idd).match(digits):
            return None  # an IDD such as 011: the library's path
        country_code, national, from_number = metadata.country_code or 0, digits, False
        code = str(country_code)
        if digits.startswith(code):  # the country code written without `+`
            rest = _strip_national_prefix(digits[len(code) :], _rules(metadata))
            general = metadata.general_desc
            if (
                not lib._match_national_number(digits, general, False)
                and lib._match_national_number(rest, general, False)
            ) or lib._test_number_length(digits, metadata) == lib.ValidationResult.TOO_LONG:
                national, from_number = rest, True
    if from_number:
        number_region = lib.region_code_for_country_code(country_code)
        if number_region != region:
            metadata = _metadata(country_code, number_region)
    if len(national) < lib._MIN_LENGTH_FOR_NSN or metadata is None:
        return None
    rules = _rules(metadata)
    stripped = _strip_national_prefix(national, rules)
    if rules.length_results.get(len(stripped), lib.ValidationResult.TOO_LONG) not in _SHORT:
        national = stripped
    if not lib._MIN_LENGTH_FOR_NSN <= len(national) <= lib._MAX_LENGTH_FOR_NSN:
        return None
    return country_code, national


_COUNTRY_CODES = {str(code): code for code in lib.COUNTRY_CODE_TO_REGION_CODE}


def _extract_country_code(number: str) -> tuple[int, str]:
    """`phonenumberutil._extract_country_code` for a string of digits."""
    if not number or number[0] == "0":
        return 0, number
    for length in range(1, min(len(number), lib._MAX_LENGTH_COUNTRY_CODE) + 1):
        code = _COUNTRY_CODES.get(number[:length])
        if code is not None:
            return code, number[length:]
    return 0, number


@functools.cache
def _region_metadata(region: str) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region(region.upper())


@functools.cache
def _metadata(country_code: int, region: str) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)


@functools.cache
def _country_zones(country_code: int) -> tuple[str, ...]:
    number = PhoneNumber(country_code=country_code, national_number=0)
    return tuple(lib_timezone._country_level_time_zones_for_number(number))


_Desc = tuple[frozenset[int], re.Pattern[str]] | None  # possible lengths, national pattern


@dataclass(frozen=True, slots=True)
class _Rules:
    """What parsing and validating ask of one region's metadata, compiled once."""

    national_prefix: re.Pattern[str] | None  # national_prefix_for_parsing
    transform_rule: str | None
    general: _Desc
    # _test_number_length(national, metadata) by len(national): it reads nothing else of it
    length_results: dict[int, int]
    # for _number_type_helper
    special: tuple[tuple[_Desc, int], ...]
    fixed_line: _Desc
    mobile: _Desc
    same_mobile_and_fixed_line: bool


_rules_by_region: dict[int, _Rules] = {}


def _rules(metadata: PhoneMetadata) -> _Rules:
    rules = _rules_by_region.get(id(metadata))
    if rules is None:  # metadata objects live as long as the process: id() is stable
        prefix = metadata.national_prefix_for_parsing
        rules = _rules_by_region[id(metadata)] = _Rules(
            national_prefix=_compile(prefix) if prefix else None,
            transform_rule=metadata.national_prefix_transform_rule,
            general=_desc(metadata.general_desc),
            length_results={
                length: lib._test_number_length("0" * length, metadata)
                for length in range(lib._MAX_LENGTH_FOR_NSN + 2)
            },
            special=tuple((_desc(getattr(metadata, name)), kind) for name, kind in _SPECIAL_KINDS),
            fixed_line=_desc(metadata.fixed_line),
            mobile=_desc(metadata.mobile),
            same_mobile_and_fixed_line=bool(metadata.same_mobile_and_fixed_line_pattern),
        )
    return rules


def _strip_national_prefix(number: str, rules: _Rules) -> str:
    """The number `phonenumberutil._maybe_strip_national_prefix_carrier_code` gives."""
    prefix = rules.national_prefix
    if not number or prefix is None:
        return number
    match = prefix.match(number)
    if match is None:
        return number
    general = rules.general[1] if rules.general else None  # its pattern, not its lengths
    viable = general is not None and general.fullmatch(number) is not None
    groups = match.groups()
    transform = rules.transform_rule
    if not transform or groups[len(groups) - 1] is None:
        candidate = number[match.end() :]
    else:
        candidate = prefix.sub(transform, number, count=1)
    if viable and (general is None or general.fullmatch(candidate) is None):
        return number
    return candidate


_SPECIAL_KINDS = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
)


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), _compile(desc.national_number_pattern)


def _matches(number: str, desc: _Desc) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(number) in lengths) and pattern.fullmatch(number) is not None


def _kind(number: str, rules: _Rules) -> int:
    """`phonenumberutil._number_type_helper` over the region's compiled patterns."""
    if not _matches(number, rules.general):
        return PhoneNumberType.UNKNOWN
    for desc, kind in rules.special:
        if _matches(number, desc):
            return kind
    same_pattern = rules.same_mobile_and_fixed_line
    if _matches(number, rules.fixed_line):
        if same_pattern or _matches(number, rules.mobile):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
        return PhoneNumberType.FIXED_LINE
    if not same_pattern and _matches(number, rules.mobile):
        return PhoneNumberType.MOBILE
    return PhoneNumberType.UNKNOWN


def to_e164(raw: str, default_country: str | None = None) -> str:
    """E.164 or InvalidPhone naming the value."""
    return parse(raw, default_country).e164


def try_e164(raw: str, default_country: str | None = None) -> str | None:
    try:
        return to_e164(raw, default_country)
    except InvalidPhone:
        return None


def phone_hash(key: bytes, e164: str) -> str:
    """Keyed: the suppression list and the consent ledger hold this, never the number."""
    return hmac_sha256_hex(key, b"phone:" + e164.encode())


def country_of(e164: str) -> str | None:
    return parse(e164).country


def timezone_of(e164: str) -> str | None:
    return parse(e164).timezone


def hint(e164: str) -> str:
    return e164[-4:]
