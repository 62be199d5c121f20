"""Phone numbers: E.164 normalisation (Arabic-Indic digits, local formats with the workspace's
default country), keyed hashes, and what a number says about its owner's country and time zone."""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from phonenumbers import timezone as phone_timezones

from qms.errors import Unprocessable

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class InvalidPhone(Unprocessable):
    code = "contacts.invalid_phone"
    title = "Invalid phone number"


def to_e164(raw: str, default_country: str | None = None) -> str:
    """E.164 or InvalidPhone naming the value. `00` is read as the international prefix."""
    text = raw.translate(_DIGITS).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"'{raw}' is not a phone number.", extra={"value": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"'{raw}' is not a valid phone number.", extra={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(raw: str, default_country: str | None = None) -> str | None:
    try:
        return to_e164(raw, default_country)
    except InvalidPhone:
        return None


def phone_hash(key: bytes, e164: str) -> str:
    """Keyed: the suppression list and the consent ledger hold this, never the number."""
    return hmac.new(key, b"phone:" + e164.encode(), hashlib.sha256).hexdigest()


def country_of(e164: str) -> str | None:
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    return region if region and region != "ZZ" else None


def timezone_of(e164: str) -> str | None:
    zones = phone_timezones.time_zones_for_number(phonenumbers.parse(e164))
    zone = zones[0] if zones else None
    return zone if zone and zone != "Etc/Unknown" else None


def hint(e164: str) -> str:
    return e164[-4:]
