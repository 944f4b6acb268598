"""Reads of lifetime value: aggregates per currency and per cohort (first-order month) from the
`CustomerValue` rollup, the latest fit, and the customers behind the numbers (through the access
layer). Aggregates name no one and are the same for every role; lists of people follow contact
visibility.

Per segment, the numbers cover the segment's members the reader may see (the segments app's
`segment_members`): a salesperson limited to their own contacts sees their share of a segment, so
a small segment never gives away the revenue of someone they may not look up."""

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
from leadline.segments.models import Segment
from leadline.segments.selectors import segment_list, segment_members

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
    orders_per_customer: float | None = None


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
    segment: Segment | None = None
    segment_members: int | None = None  # the members the reader may see

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


def _currency_totals(values: QuerySet[CustomerValue]) -> tuple[list[CurrencyTotals], Any]:
    """Per currency (never added across currencies), most customers first; and when the values
    were last computed."""
    predicted = Q(predicted_value__isnull=False)
    per_currency = (
        values.values("currency")
        .annotate(
            customers=Count("id"),
            revenue_sum=Sum("revenue"),
            revenue_average=Avg("revenue"),
            orders_average=Avg("orders"),
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
                orders_per_customer=round(float(row["orders_average"]), 2)
                if row["orders_average"] is not None
                else None,
            )
        )
    return totals, computed_at


def clv_summary(
    *, user: User | None = None, top: int = TOP_CUSTOMERS, segment: Segment | None = None
) -> ClvSummary:
    """Historical and predicted lifetime value in aggregate (per currency, per first-order month),
    the fit in use, and — for `user` — the most valuable customers they may see. A handful of
    grouped queries over the rollup, whatever the number of customers.

    With a `segment` (and its reader, `user`), every number covers the members `user` may see."""
    values = CustomerValue.objects.all()
    members = None
    if segment is not None:
        if user is None:
            raise ValueError("A segment's value is read for someone: pass the user.")
        members = segment_members(user=user, segment=segment)
        values = values.filter(contact__in=members.values("id"))
    totals, computed_at = _currency_totals(values)
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
        top_customers=list(customer_values_for(user, segment=segment)[:top]) if user is not None else [],
        segment=segment,
        segment_members=members.order_by().count() if members is not None else None,
    )


def customer_values_for(user: User, *, segment: Segment | None = None) -> QuerySet[CustomerValue]:
    """The values of the customers `user` may see (in `segment`, when given), most valuable first
    (predicted, then to date)."""
    from django.db.models import F

    visible = (
        segment_members(user=user, segment=segment) if segment is not None else Contact.objects.for_user(user)
    )
    return (
        CustomerValue.objects.filter(contact__in=visible.values("id"))
        .select_related("contact")
        .order_by(F("predicted_value").desc(nulls_last=True), "-revenue", "id")
    )


# --- Per segment ------------------------------------------------------------------------------------

COMPARED_SEGMENTS = 20


@dataclass(frozen=True)
class SegmentValueRow:
    """One segment's customers in one currency (a segment without customers has one row, with no
    currency and zeros)."""

    segment: Segment
    members: int  # the members the reader may see
    currency: str
    customers: int
    revenue: Decimal
    average_revenue: Decimal | None
    orders_per_customer: float | None
    predicted_customers: int
    predicted_value: Decimal | None


def compared_segments(*, user: User, limit: int = COMPARED_SEGMENTS) -> list[Segment]:
    """The segments the "by segment" table compares: the most recently updated ones."""
    return list(segment_list(user=user).order_by("-updated_at", "-id")[:limit])


def segment_value_rows(*, user: User, limit: int = COMPARED_SEGMENTS) -> list[SegmentValueRow]:
    """Lifetime value per segment, per currency, over the members `user` may see, for the `limit`
    most recently updated segments: two queries a segment, so the count is capped."""
    rows: list[SegmentValueRow] = []
    for segment in compared_segments(user=user, limit=limit):
        members = segment_members(user=user, segment=segment)
        totals, _ = _currency_totals(CustomerValue.objects.filter(contact__in=members.values("id")))
        count = members.order_by().count()
        if not totals:
            rows.append(SegmentValueRow(segment, count, "", 0, Decimal("0.00"), None, None, 0, None))
        for total in totals:
            rows.append(
                SegmentValueRow(
                    segment=segment,
                    members=count,
                    currency=total.currency,
                    customers=total.customers,
                    revenue=total.revenue,
                    average_revenue=total.average_revenue,
                    orders_per_customer=total.orders_per_customer,
                    predicted_customers=total.predicted_customers,
                    predicted_value=total.predicted_value if total.predicted_customers else None,
                )
            )
    return rows


def contact_value(contact: Contact) -> CustomerValue | None:
    """The value of one contact (already fetched through the access layer), or None."""
    return CustomerValue.objects.filter(contact=contact).select_related("fit").first()
