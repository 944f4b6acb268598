"""API of revenue attribution and customer lifetime value.

The attribution table and the lifetime-value aggregates are shared numbers that name no one: every
role reads them with a `sales:read` token. A contact's own value follows the contact's visibility,
and so do the numbers of a segment: they cover the members the token's user may see.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from leadline.accounts.models import User
from leadline.analytics.attribution import (
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_LOOKBACK_DAYS,
    AttributionError,
    attribution_json,
    attribution_table,
)
from leadline.analytics.models import ClvFit, CustomerValue
from leadline.analytics.value_selectors import clv_summary, contact_value, segment_value_rows
from leadline.api.auth import request_user, sales_read
from leadline.api.errors import ApiError, field_error
from leadline.contacts.api import ContactRef
from leadline.contacts.selectors import contact_get
from leadline.segments.models import Segment

router = Router(tags=["Attribution and lifetime value"])


class AttributionQuery(Schema):
    conversion: Literal["lead", "sql", "deal_won", "order"] = Field(
        "order", description="What counts as a conversion: a lead created, an SQL, a won deal, an order."
    )
    by: Literal["channel", "campaign"] = Field("channel", description="Credit per channel or per campaign.")
    start: date | None = Field(None, description="First day of conversions (default: 90 days before `end`).")
    end: date | None = Field(None, description="Last day of conversions (default: today).")
    lookback_days: int = Field(
        DEFAULT_LOOKBACK_DAYS, ge=0, le=3650, description="Touchpoints this far back count."
    )
    half_life_days: float = Field(
        DEFAULT_HALF_LIFE_DAYS, gt=0, le=3650, description="Time decay: a touch this much older counts half."
    )
    touchpoints: Literal["all", "sessions", "emails"] = "all"
    owner: UUID | None = Field(None, description="Only the contacts of this owner (a user id).")
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Only revenue in this currency."
    )
    source: str | None = Field(None, max_length=200, description="Only the rows of this source.")
    campaign: str | None = Field(None, max_length=200, description="Only the rows of this campaign.")


class AttributionRowOut(Schema):
    key: str
    source: str
    medium: str
    campaign: str
    touchpoints: int
    removal_effect: float = Field(
        description="Markov removal effect: the share of conversions lost without it."
    )
    conversions: dict[str, float] = Field(description="Model → conversions credited.")
    revenue: dict[str, dict[str, Decimal]] = Field(description="Currency → model → revenue credited.")


class AttributionOut(Schema):
    conversion: str
    by: str
    start: date
    end: date
    lookback_days: int
    half_life_days: float
    touchpoints: str
    models: list[str]
    conversions: int
    touchless_conversions: int
    non_converting_paths: int
    conversion_probability: float
    revenue: dict[str, Decimal] = Field(description="Currency → revenue of the conversions.")
    rows: list[AttributionRowOut]


@router.get(
    "/reports/attribution",
    auth=sales_read,
    response=AttributionOut,
    url_name="attribution_table",
    summary="Revenue attribution: every model side by side",
)
def attribution_route(request: HttpRequest, query: Query[AttributionQuery]) -> Any:
    """First touch, last touch, linear, time decay, position based (40/20/40) and data-driven
    (Markov removal effect) credit per channel or campaign. Conversions and revenue add up to the
    totals in every model; revenue is per currency and never converted."""
    owner_id = None
    if query.owner is not None:
        owner_id = User.objects.filter(public_id=query.owner).values_list("id", flat=True).first()
        if owner_id is None:
            raise field_error("owner", "No such user.")
    try:
        table = attribution_table(
            conversion=query.conversion,
            by=query.by,
            start=query.start,
            end=query.end,
            lookback_days=query.lookback_days,
            half_life_days=query.half_life_days,
            touchpoints=query.touchpoints,
            owner_id=owner_id,
            currency=query.currency.upper() if query.currency else None,
            source=query.source,
            campaign=query.campaign,
        )
    except AttributionError as error:
        raise ApiError(400, "validation_error", str(error), {}) from None
    return attribution_json(table)


class FitOut(Schema):
    id: UUID
    created_at: datetime
    until: date
    unit: str
    currency: str
    customers: int
    repeat_customers: int
    parameters: dict[str, float | None] = Field(
        description="r, alpha, a, b (BG/NBD); p, q, gamma (Gamma-Gamma)."
    )
    log_likelihood: float | None
    holdout: dict[str, Any] = Field(
        description="Predicted against actual repeat purchases after the calibration."
    )
    warning: str

    @staticmethod
    def resolve_id(fit: ClvFit) -> UUID:
        return fit.public_id

    @staticmethod
    def resolve_warning(fit: ClvFit) -> str:
        return fit.error


class CurrencyTotalsOut(Schema):
    currency: str
    customers: int
    revenue: Decimal
    average_revenue: Decimal
    predicted_customers: int
    predicted_value: Decimal = Field(description="Expected revenue of the next 12 months.")
    average_predicted_value: Decimal | None
    expected_purchases: float
    average_probability_alive: float | None
    orders_per_customer: float | None


class CohortOut(Schema):
    month: date
    currency: str
    customers: int
    revenue: Decimal
    average_revenue: Decimal
    predicted_value: Decimal | None = Field(
        description="None when no customer of the cohort has a prediction (no fit in its currency)."
    )
    average_probability_alive: float | None


class SegmentRefOut(Schema):
    id: UUID
    name: str

    @staticmethod
    def resolve_id(segment: Segment) -> UUID:
        return segment.public_id


class ClvSummaryOut(Schema):
    fit: FitOut | None
    totals: list[CurrencyTotalsOut]
    cohorts: list[CohortOut]
    orders_by_currency: dict[str, int]
    computed_at: datetime | None
    segment: SegmentRefOut | None = Field(None, description="The segment asked for, if any.")
    segment_members: int | None = Field(
        None, description="With a segment: its members the token's user may see (the numbers cover those)."
    )


class ClvQuery(Schema):
    segment: UUID | None = Field(
        None, description="Only the customers among this segment's members (those the token's user may see)."
    )


def _segment(request: HttpRequest, public_id: UUID | None) -> Segment | None:
    if public_id is None:
        return None
    found = Segment.objects.for_user(request_user(request)).filter(public_id=public_id).first()
    if found is None:
        raise field_error("segment", "No such segment.")
    return found


@router.get(
    "/reports/lifetime-value",
    auth=sales_read,
    response=ClvSummaryOut,
    url_name="clv_summary",
    summary="Customer lifetime value in aggregate",
)
def clv_summary_route(request: HttpRequest, query: Query[ClvQuery]) -> Any:
    """Revenue to date, orders per customer and predicted value of the next 12 months, per
    currency and per cohort (the month of the first order), with the fit in use; for one segment's
    members when `segment` is given."""
    chosen = _segment(request, query.segment)
    if chosen is None:
        return clv_summary()
    return clv_summary(user=request_user(request), segment=chosen)


class SegmentValueOut(Schema):
    segment: SegmentRefOut
    members: int = Field(description="The segment's members the token's user may see.")
    currency: str = Field(description="Empty when none of those members is a customer.")
    customers: int
    revenue: Decimal = Field(description="Revenue to date, net of refunds, in `currency`.")
    average_revenue: Decimal | None
    orders_per_customer: float | None
    predicted_customers: int
    predicted_value: Decimal | None = Field(
        description="Expected revenue of the next 12 months, where the model is fitted in `currency`."
    )


@router.get(
    "/reports/lifetime-value/segments",
    auth=sales_read,
    response=list[SegmentValueOut],
    url_name="clv_by_segment",
    summary="Customer lifetime value by segment",
)
def clv_by_segment_route(request: HttpRequest) -> Any:
    """The most recently updated segments (at most 20), one row per segment and currency (amounts
    are never added across currencies; a segment without customers has one row with no currency),
    counting the members the token's user may see."""
    return segment_value_rows(user=request_user(request))


@router.get(
    "/reports/lifetime-value/fit",
    auth=sales_read,
    response={200: FitOut},
    url_name="clv_fit_latest",
    summary="The lifetime-value fit in use",
)
def clv_fit_route(request: HttpRequest) -> Any:
    """The latest successful fit: parameters, log-likelihood and the holdout check. 404 before any."""
    fit = clv_summary().fit
    if fit is None:
        raise ApiError(404, "not_found", "The lifetime-value model has not been fitted yet.", {})
    return fit


class ContactValueOut(Schema):
    contact: ContactRef
    currency: str
    orders: int
    revenue: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    probability_alive: float | None
    expected_purchases: float | None = Field(description="In the next 12 months.")
    expected_spend: Decimal | None = Field(description="Expected average order value.")
    predicted_value: Decimal | None = Field(description="Expected revenue of the next 12 months.")
    computed_at: datetime | None
    fit: UUID | None

    @staticmethod
    def resolve_fit(value: CustomerValue) -> UUID | None:
        return value.fit.public_id if value.fit_id and value.fit else None


@router.get(
    "/contacts/{contact_id}/lifetime-value",
    auth=sales_read,
    response=ContactValueOut,
    url_name="contact_lifetime_value",
    summary="A contact's lifetime value",
)
def contact_value_route(request: HttpRequest, contact_id: str) -> Any:
    """Revenue to date and, when the model is fitted in the contact's currency, the prediction.
    A contact without orders answers with zeros."""
    contact = contact_get(user=request_user(request), public_id=contact_id)
    value = contact_value(contact)
    if value is None:
        # Not a customer (yet): the same shape, with nothing to date and no prediction.
        nothing = CustomerValue(contact=contact, currency="", orders=0, revenue=Decimal(0))
        nothing.computed_at = None  # type: ignore[assignment]
        return nothing
    return value
