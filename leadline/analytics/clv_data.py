"""From orders to the per-customer summary the lifetime-value models read (recency, frequency, age,
monetary value), aggregated in SQL to one row per customer and day, then summarised with numpy.

Rules: orders on the same day are one purchase (their amounts summed); refunds are subtracted, and
an order refunded in full is no purchase at all; one currency per summary: amounts in different
currencies are never added up (there is no stored exchange rate), so a summary is in the currency
asked for, by default the workspace's main one (the currency of most orders), and orders in other
currencies are left out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from numpy.typing import NDArray

from leadline.sales.models import Order

UNIT_DAYS = {"day": 1.0, "week": 7.0}
YEAR_DAYS = 365.0


class ClvDataError(ValueError):
    """The orders cannot be summarised as asked (no orders, unknown unit, ...)."""


def counted_orders() -> QuerySet[Order]:
    """Orders that count as purchases: all but those refunded in full."""
    return Order.objects.exclude(Q(refunded_total__gt=0) & Q(refunded_total__gte=F("total")))


def main_currency() -> str | None:
    """The currency of most orders (ties: the alphabetically first), or None without orders."""
    row = (
        counted_orders()
        .values("currency")
        .annotate(orders=Count("id"))
        .order_by("-orders", "currency")
        .first()
    )
    return row["currency"] if row else None


def orders_by_currency() -> dict[str, int]:
    rows = counted_orders().values("currency").annotate(orders=Count("id")).order_by("currency")
    return {row["currency"]: row["orders"] for row in rows}


@dataclass(frozen=True)
class PurchaseDays:
    """One row per customer and day with a purchase: the contact id, the day (a proleptic ordinal)
    and the day's net amount, sorted by contact then day."""

    currency: str
    contact_ids: NDArray[np.int64]
    days: NDArray[np.int64]
    amounts: NDArray[np.float64]

    @property
    def empty(self) -> bool:
        return self.contact_ids.size == 0


def purchase_days(*, currency: str, until: date | None = None) -> PurchaseDays:
    """The purchase days in `currency` (up to and including `until` when given): one grouped query."""
    orders = counted_orders().filter(currency=currency)
    if until is not None:
        orders = orders.filter(ordered_at__date__lte=until)
    rows = (
        orders.annotate(day=TruncDate("ordered_at"))
        .values("contact_id", "day")
        .annotate(amount=Sum(F("total") - F("refunded_total")))
        .order_by("contact_id", "day")
        .values_list("contact_id", "day", "amount")
    )
    contact_ids, days, amounts = [], [], []
    for contact_id, day, amount in rows.iterator(chunk_size=20_000):
        contact_ids.append(contact_id)
        days.append(day.toordinal())
        amounts.append(float(amount if isinstance(amount, Decimal) else Decimal(str(amount))))
    return PurchaseDays(
        currency=currency,
        contact_ids=np.asarray(contact_ids, dtype=np.int64),
        days=np.asarray(days, dtype=np.int64),
        amounts=np.asarray(amounts, dtype=np.float64),
    )


@dataclass(frozen=True)
class RfmSummary:
    """Per customer (first purchase on or before `until`): repeat purchases, recency and age in
    `unit`s, mean spend of the repeat purchases (0 without any), and their purchases after `until`."""

    until: date
    unit: str
    currency: str
    contact_ids: NDArray[np.int64]
    first_days: NDArray[np.int64]
    frequency: NDArray[np.float64]
    recency: NDArray[np.float64]
    age: NDArray[np.float64]
    monetary: NDArray[np.float64]
    later_purchases: NDArray[np.float64]
    later_days: NDArray[np.int64]
    later_contact_index: NDArray[np.int64]

    @property
    def customers(self) -> int:
        return int(self.contact_ids.size)

    @property
    def repeat_customers(self) -> int:
        return int(np.count_nonzero(self.frequency > 0))


def unit_days(unit: str) -> float:
    try:
        return UNIT_DAYS[unit]
    except KeyError:
        raise ClvDataError("The unit is day or week.") from None


def rfm_summary(purchases: PurchaseDays, *, until: date, unit: str = "week") -> RfmSummary:
    """Summarise purchase days (sorted by contact, day) as of the end of `until`."""
    length = unit_days(unit)
    cutoff = until.toordinal()
    contact_ids, days, amounts = purchases.contact_ids, purchases.days, purchases.amounts
    inside = days <= cutoff
    calibration_ids = contact_ids[inside]
    calibration_days = days[inside]
    calibration_amounts = amounts[inside]
    customers, starts, counts = np.unique(calibration_ids, return_index=True, return_counts=True)
    ends = starts + counts - 1
    first_days = calibration_days[starts] if customers.size else np.zeros(0, dtype=np.int64)
    last_days = calibration_days[ends] if customers.size else np.zeros(0, dtype=np.int64)
    totals = np.add.reduceat(calibration_amounts, starts) if customers.size else np.zeros(0, dtype=np.float64)
    first_amounts = calibration_amounts[starts] if customers.size else np.zeros(0, dtype=np.float64)
    frequency = (counts - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (totals - first_amounts) / np.maximum(frequency, 1), 0.0)
    # Purchases after `until` by the customers already known then (the holdout period).
    later = ~inside & np.isin(contact_ids, customers)
    later_index = np.searchsorted(customers, contact_ids[later])
    later_purchases = np.bincount(later_index, minlength=customers.size).astype(np.float64)
    return RfmSummary(
        until=until,
        unit=unit,
        currency=purchases.currency,
        contact_ids=customers.astype(np.int64),
        first_days=first_days.astype(np.int64),
        frequency=frequency,
        recency=(last_days - first_days) / length,
        age=(cutoff - first_days) / length,
        monetary=monetary.astype(np.float64),
        later_purchases=later_purchases,
        later_days=days[later].astype(np.int64),
        later_contact_index=later_index.astype(np.int64),
    )


def ordinal_date(ordinal: int) -> date:
    return date.fromordinal(int(ordinal))


def one_year(unit: str) -> float:
    """Twelve months in `unit`s: the horizon of the predicted value."""
    return YEAR_DAYS / unit_days(unit)


def period_steps(start: date, end: date, unit: str) -> list[date]:
    """Checkpoints after `start` up to `end`: weekly, or daily for short day-unit periods."""
    span = (end - start).days
    if span <= 0:
        return []
    step = 1 if unit == "day" and span <= 90 else 7
    points = [start + timedelta(days=offset) for offset in range(step, span + 1, step)]
    if not points or points[-1] != end:
        points.append(end)
    return points
