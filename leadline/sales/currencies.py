"""Currency codes and amounts as people type them: ISO 4217 codes, and money that is a plain
non-negative decimal with at most two decimal places (no thousands separators to guess at)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

# Active ISO 4217 codes of circulating currencies (funds, metals and test codes left out).
ISO_4217 = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ZWL",
    ]
)
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "INR")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}

MAX_AMOUNT = Decimal("999999999999.99")  # what a DecimalField(max_digits=14, decimal_places=2) holds
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")
AMOUNT_FORMAT = "Enter the amount as a number with a dot for decimals, e.g. 1250.00."


def currency_choices() -> list[tuple[str, str]]:
    """The common codes first, then every other one alphabetically."""
    rest = sorted(ISO_4217 - set(COMMON_CURRENCIES))
    return [(code, code) for code in (*COMMON_CURRENCIES, *rest)]


def clean_currency(value: Any, *, field: str = "currency") -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_4217:
        raise ValidationError({field: "Use a three-letter ISO 4217 currency code such as USD, EUR or GBP."})
    return code


def clean_amount(
    value: Any,
    *,
    field: str = "amount",
    allow_zero: bool = True,
    maximum: Decimal = MAX_AMOUNT,
    places: int = 2,
) -> Decimal:
    """A non-negative Decimal with at most `places` decimals from a Decimal, an int or plain text.

    Text such as "1,250" is refused rather than guessed: in half the world the comma is the decimal
    separator, so "1,250" may mean one thousand or one and a quarter.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: AMOUNT_FORMAT})
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not _PLAIN_NUMBER.match(text):
            raise ValidationError({field: AMOUNT_FORMAT})
        number = Decimal(text)
    elif isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise ValidationError({field: AMOUNT_FORMAT})
    try:
        if not number.is_finite():
            raise ValidationError({field: AMOUNT_FORMAT})
        exponent = number.normalize().as_tuple().exponent
    except InvalidOperation:
        raise ValidationError({field: AMOUNT_FORMAT}) from None
    if number < 0:
        raise ValidationError({field: "The amount cannot be negative."})
    if number == 0 and not allow_zero:
        raise ValidationError({field: "Must be more than zero."})
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationError({field: f"Use at most {places} decimal places."})
    if number > maximum:
        raise ValidationError({field: f"Must be at most {maximum:,}."})
    return number.quantize(Decimal(1).scaleb(-places))


def format_money(amount: Decimal | int | None, currency: str, *, cents: bool = True) -> str:
    """ "$12,500.00", "€980", "CHF 1,200.00"; an em dash when there is no amount."""
    if amount is None:
        return "—"
    number = Decimal(amount)
    text = f"{number:,.2f}" if cents else f"{number.quantize(Decimal(1)):,}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"
