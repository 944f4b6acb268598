"""Reads of lifetime value: aggregates per currency and per cohort (first-order month) from the
`CustomerValue` rollup, the latest fit, and the customers behind the numbers (through the access
layer). Aggregates name no one and are the same for every role; lists of people follow contact
visibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum

from leadline.analytics.clv_data import orders_by_currency
from leadline.analytics.clv_services import latest_fit
from leadline.analytics.models import ClvFit, CustomerValue
from leadline.contacts.models import Contact

if TYPE_CHECKING:
    from leadline.accounts.models import User

TOP_CUSTOMERS = 20


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    customers: int
    revenue: Decimal
    average_revenue: Decimal
    predicted_customers: int
    predicted_value: Decimal
    average_predicted_value: Decimal | None
    expected_purchases: float
    average_probability_alive: float | None


@dataclass(frozen=True)
class Cohort:
    month: date
    currency: str
    customers: int
    revenue: Decimal
    average_revenue: Decimal
    predicted_value: Decimal | None
    average_probability_alive: float | None


@dataclass
class ClvSummary:
    fit: ClvFit | None
    last_attempt: ClvFit | None
    totals: list[CurrencyTotals]
    cohorts: list[Cohort]
    orders_by_currency: dict[str, int]
    computed_at: Any = None
    top_customers: list[CustomerValue] = field(default_factory=list)

    @property
    def customers(self) -> int:
        return sum(total.customers for total in self.totals)

    @property
    def failed_recently(self) -> bool:
        """The latest attempt failed (after the fit in use, if any)."""
        return bool(self.last_attempt and self.last_attempt.log_likelihood is None)

    @property
    def left_out(self) -> dict[str, int]:
        """Orders in currencies other than the fit's (never added to it)."""
        if self.fit is None:
            return {}
        return {code: count for code, count in self.orders_by_currency.items() if code != self.fit.currency}


def _decimal(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def clv_summary(*, user: User | None = None, top: int = TOP_CUSTOMERS) -> ClvSummary:
    """Historical and predicted lifetime value in aggregate (per currency, per first-order month),
    the fit in use, and — for `user` — the most valuable customers they may see. A handful of
    grouped queries over the rollup, whatever the number of customers."""
    values = CustomerValue.objects.all()
    predicted = Q(predicted_value__isnull=False)
    per_currency = (
        values.values("currency")
        .annotate(
            customers=Count("id"),
            revenue_sum=Sum("revenue"),
            revenue_average=Avg("revenue"),
            predicted_customers=Count("id", filter=predicted),
            predicted_sum=Sum("predicted_value"),
            predicted_average=Avg("predicted_value"),
            purchases_sum=Sum("expected_purchases"),
            alive_average=Avg("probability_alive"),
            computed_latest=Max("computed_at"),
        )
        .order_by("-customers", "currency")
    )
    totals, computed_at = [], None
    for row in per_currency:
        computed_at = max(filter(None, [computed_at, row["computed_latest"]]), default=None)
        totals.append(
            CurrencyTotals(
                currency=row["currency"],
                customers=row["customers"],
                revenue=_decimal(row["revenue_sum"]),
                average_revenue=_decimal(row["revenue_average"]),
                predicted_customers=row["predicted_customers"],
                predicted_value=_decimal(row["predicted_sum"]),
                average_predicted_value=_decimal(row["predicted_average"])
                if row["predicted_average"] is not None
                else None,
                expected_purchases=float(row["purchases_sum"] or 0),
                average_probability_alive=row["alive_average"],
            )
        )
    cohorts = [
        Cohort(
            month=cast(date, row["first_order_month"]),  # the query leaves out rows without one
            currency=row["currency"],
            customers=row["customers"],
            revenue=_decimal(row["revenue_sum"]),
            average_revenue=_decimal(row["revenue_average"]),
            # None when no customer of the cohort has a prediction (e.g. the spend model is not fitted).
            predicted_value=_decimal(row["predicted_sum"]) if row["predicted_sum"] is not None else None,
            average_probability_alive=row["alive_average"],
        )
        for row in values.filter(first_order_month__isnull=False)
        .values("first_order_month", "currency")
        .annotate(
            customers=Count("id"),
            revenue_sum=Sum("revenue"),
            revenue_average=Avg("revenue"),
            predicted_sum=Sum("predicted_value"),
            alive_average=Avg("probability_alive"),
        )
        .order_by("first_order_month", "currency")
    ]
    last_attempt = ClvFit.objects.order_by("-created_at", "-id").first()
    return ClvSummary(
        fit=latest_fit(),
        last_attempt=last_attempt,
        totals=totals,
        cohorts=cohorts,
        orders_by_currency=orders_by_currency(),
        computed_at=computed_at,
        top_customers=list(customer_values_for(user)[:top]) if user is not None else [],
    )


def customer_values_for(user: User) -> QuerySet[CustomerValue]:
    """The values of the customers `user` may see, most valuable first (predicted, then to date)."""
    from django.db.models import F

    return (
        CustomerValue.objects.filter(contact__in=Contact.objects.for_user(user))
        .select_related("contact")
        .order_by(F("predicted_value").desc(nulls_last=True), "-revenue", "id")
    )


def contact_value(contact: Contact) -> CustomerValue | None:
    """The value of one contact (already fetched through the access layer), or None."""
    return CustomerValue.objects.filter(contact=contact).select_related("fit").first()
