"""Template filters of the order screens: money in its currency and shares as percentages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from leadline.sales.currencies import format_money

register = template.Library()


@register.filter
def order_money(amount: Decimal | None, currency: str = "USD") -> str:
    """ "$1,250.00", "CHF 980.00"; an em dash for no amount."""
    return format_money(amount, currency or "USD")


@register.filter
def percent(share: float | None) -> str:
    """0.4166 → "42%"."""
    if share is None:
        return "—"
    return f"{share * 100:.0f}%"
