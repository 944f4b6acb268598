"""Template filters of the deal screens: money, weighted amounts and time in a stage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from leadline.sales.currencies import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "USD") -> str:
    """ "$12,500.00"; an em dash for no amount."""
    return format_money(amount, currency or "USD")


@register.filter
def money_short(amount: Decimal | None, currency: str = "USD") -> str:
    """ "$12,500" (no cents), for cards and column totals."""
    return format_money(amount, currency or "USD", cents=False)


@register.filter
def days_since(moment: datetime | None) -> int:
    if moment is None:
        return 0
    return max((timezone.now() - moment).days, 0)


@register.filter
def field_list(values: Any) -> str:
    """Required deal fields as words: "amount, expected close date"."""
    from leadline.sales.models import DealField

    labels = [str(DealField(value).label).lower() for value in values or [] if value in DealField.values]
    return ", ".join(labels)
