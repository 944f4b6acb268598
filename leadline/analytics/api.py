"""API of the shared numbers: the funnel, the marketing and sales metrics, single metrics with the
previous period, and goals. Every route takes the dashboards' filters: `start` and `end` (whole days
in the workspace's time zone, both included; default the last 30 days), `source`, `campaign`,
`owner`, `team` and `pipeline` (public ids).

Numbers are workspace-wide shared numbers, the same for every role. Money is always per currency.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictStr

from leadline.analytics import selectors
from leadline.analytics.brand import (
    BRAND_TERM_LENGTH,
    MAX_BRAND_TERMS,
    MIN_BRAND_TERM_LENGTH,
    brand_terms,
    brand_terms_update,
    report_settings_get,
)
from leadline.analytics.forms import ReportFilterForm
from leadline.analytics.goals import goals_progress, metric_value
from leadline.analytics.metrics import METRIC_BY_KEY, METRICS, ReportFilters, change
from leadline.analytics.models import Goal
from leadline.api.auth import contacts_read, request_user, require_role, sales_read, settings_write
from leadline.api.errors import ApiError, field_error

router = Router(tags=["Reports"])

MetricName = Literal[
    "visitors", "sessions", "page_views", "new_contacts", "leads", "mqls", "sqls", "opportunities", "customers",
    "deals_won", "win_rate", "revenue",
]  # fmt: skip


class ReportQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None
    source: str | None = None
    campaign: str | None = None
    owner: UUID | None = None
    team: UUID | None = None
    pipeline: UUID | None = None


def _filters(query: ReportQuery) -> ReportFilters:
    data = {key: str(value) for key, value in query.dict().items() if value not in (None, "")}
    form = ReportFilterForm(data or None)
    if data and not form.is_valid():
        raise ApiError(
            400,
            "validation_error",
            "Some filters are not valid.",
            {field: [str(error) for error in errors] for field, errors in form.errors.items()},
        )
    filters = form.filters()
    for name, field in (("owner", "owner_id"), ("team", "team_id"), ("pipeline", "pipeline_id")):
        if data.get(name) and getattr(filters, field) is None:
            raise ApiError(400, "validation_error", "Some filters are not valid.", {name: ["Not found."]})
    return filters


class Window(Schema):
    start: date
    end: date


class FunnelStepOut(Schema):
    key: str
    label: str
    count: int
    conversion: float | None
    median_hours: float | None


class ReasonOut(Schema):
    key: str
    label: str
    count: int


class LeaksOut(Schema):
    handed_off: int
    accepted: int
    rejected: int
    pending: int
    came_back: int
    by_reason: list[ReasonOut]


class CohortOut(Schema):
    month: date
    contacts: int
    lead: int
    mql: int
    sql: int
    opportunity: int
    customer: int


class SourceConversionOut(Schema):
    source: str
    label: str
    leads: int
    customers: int
    conversion: float | None


class FunnelOut(Schema):
    window: Window
    previous_window: Window
    steps: list[FunnelStepOut]
    previous_steps: list[FunnelStepOut]
    leaks: LeaksOut
    conversion_by_source: list[SourceConversionOut]
    cohorts: list[CohortOut]


def _window(filters: ReportFilters) -> dict[str, date]:
    return {"start": filters.start, "end": filters.end}


@router.get(
    "/reports/funnel",
    auth=contacts_read,
    response=FunnelOut,
    url_name="report_funnel",
    summary="The shared funnel",
    description="Visitor → lead → MQL → SQL → opportunity → customer: how many reached each step in the "
    "window, the conversion from the step before and the median hours between them; the leaks at the "
    "hand-off; conversion by source; cohorts by first-touch month.",
)
def funnel_route(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    filters = _filters(query)
    leaks = selectors.handoff_leaks(filters)
    return {
        "window": _window(filters),
        "previous_window": _window(filters.previous()),
        "steps": [row.__dict__ for row in selectors.funnel(filters)],
        "previous_steps": [row.__dict__ for row in selectors.funnel(filters.previous())],
        "leaks": leaks.__dict__,
        "conversion_by_source": selectors.conversion_by_source(filters),
        "cohorts": selectors.cohorts(filters),
    }


class TrafficTotalsOut(Schema):
    sessions: int
    visitors: int
    returning_visitors: int
    page_views: int
    direct_sessions: int


class TrafficDayOut(Schema):
    day: date
    sessions: int
    visitors: int
    page_views: int


class PageOut(Schema):
    path: str
    views: int


class TrafficSourceOut(Schema):
    source: str
    medium: str
    sessions: int
    visitors: int
    page_views: int


class CampaignOut(Schema):
    campaign: str
    source: str
    medium: str
    sessions: int
    visitors: int


class ContactSourceOut(Schema):
    source: str
    label: str
    new_contacts: int
    leads: int


class FormOut(Schema):
    form: str
    form_id: UUID
    submissions: int
    contacts: int
    rate: float | None


class EmailDayOut(Schema):
    day: date
    sent: int
    opened: int
    clicked: int
    open_rate: float | None
    click_rate: float | None


class BrandReachOut(Schema):
    direct_sessions: int = Field(description="Visits with no source: typed in or bookmarked.")
    search_sessions: int = Field(description="Visits from a search engine, organic or paid.")
    branded_search_sessions: int = Field(
        description="Search visits whose search contains one of the brand terms (0 without terms)."
    )
    non_branded_search_sessions: int = Field(description="Search visits with a known search, not branded.")
    unknown_term_search_sessions: int = Field(
        description="Search visits whose search the engine did not pass on."
    )
    returning_visitors: int = Field(
        description="Visitors with a visit in the window that was not their first."
    )


class BrandOut(Schema):
    brand_terms: list[str] = Field(
        description="The workspace's brand terms (Settings → Reports); empty: no search is branded."
    )
    current: BrandReachOut
    previous: BrandReachOut


class MarketingOut(Schema):
    window: Window
    totals: TrafficTotalsOut
    previous_totals: TrafficTotalsOut
    brand_reach: BrandOut
    traffic_by_day: list[TrafficDayOut]
    top_pages: list[PageOut]
    sources: list[TrafficSourceOut]
    campaigns: list[CampaignOut]
    contacts_by_source: list[ContactSourceOut]
    forms: list[FormOut]
    email_by_day: list[EmailDayOut]


@router.get(
    "/reports/marketing",
    auth=contacts_read,
    response=MarketingOut,
    url_name="report_marketing",
    summary="Marketing metrics",
    description="Visitors, visits, page views, returning and direct traffic, brand reach (direct, branded "
    "and other search visits, returning visitors, against the previous period; a search is branded when "
    "it contains one of the workspace's brand terms, matched when asked, in any case and without "
    "accents), top pages, sources, mediums and campaigns, new contacts and leads by source, form "
    "conversion, and marketing email per day (opens and clicks by people only).",
)
def marketing_route(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    filters = _filters(query)
    previous = filters.previous()
    frame, frame_before = selectors.traffic_frame(filters), selectors.traffic_frame(previous)
    totals = selectors.traffic_totals(filters, frame)
    terms = brand_terms()
    return {
        "window": _window(filters),
        "totals": totals,
        "previous_totals": selectors.traffic_totals(previous, frame_before),
        "brand_reach": {
            "brand_terms": terms,
            "current": selectors.brand_reach(filters, terms, frame),
            "previous": selectors.brand_reach(previous, terms, frame_before),
        },
        "traffic_by_day": selectors.traffic_by_day(filters, frame),
        "top_pages": selectors.top_pages(filters),
        "sources": selectors.traffic_sources(filters, frame=frame),
        "campaigns": selectors.traffic_campaigns(filters, frame=frame),
        "contacts_by_source": selectors.contacts_by_source(filters),
        "forms": selectors.form_conversion(filters, totals["sessions"]),
        "email_by_day": selectors.email_by_day(filters),
    }


class ReportSettingsOut(Schema):
    brand_terms: list[str] = Field(
        description="Words a branded search contains (the company's and products' names), as typed."
    )
    updated_at: datetime


class ReportSettingsPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    brand_terms: list[StrictStr] | StrictStr = Field(
        description='A list of terms, or one text of comma-separated terms; [] or "" for none. At most '
        f"{MAX_BRAND_TERMS} terms of {MIN_BRAND_TERM_LENGTH} to {BRAND_TERM_LENGTH} characters; duplicates "
        "(in any case, with or without accents) are dropped."
    )


@router.get(
    "/reports/settings",
    auth=contacts_read,
    response=ReportSettingsOut,
    url_name="report_settings_get",
    summary="Get the report settings",
)
def report_settings_get_route(request: HttpRequest) -> Any:
    """The brand terms that tell branded searches apart on the marketing numbers."""
    return report_settings_get()


@router.patch(
    "/reports/settings",
    auth=settings_write,
    response=ReportSettingsOut,
    url_name="report_settings_update",
    summary="Change the report settings",
)
def report_settings_update_route(request: HttpRequest, payload: ReportSettingsPatch) -> Any:
    """Set the brand terms; past visits are counted with the new terms at once. Admins and marketing."""
    user = request_user(request)
    require_role(user, "marketing", message="Admins and marketing change the brand terms.")
    try:
        return brand_terms_update(actor=user, terms=payload.brand_terms)
    except ValidationError as error:
        raise field_error("brand_terms", " ".join(error.messages)) from None


class PipelineMonthOut(Schema):
    month: date | None
    currency: str
    deals: int
    value: Decimal
    weighted: Decimal


class StageOut(Schema):
    pipeline: str
    stage: str
    stage_id: UUID
    entered: int
    advanced: int
    conversion: float | None
    median_hours: float | None


class DealSizeOut(Schema):
    currency: str
    deals: int
    average: Decimal


class WinsOut(Schema):
    won: int
    lost: int
    win_rate: float | None
    median_cycle_days: float | None
    average_size: list[DealSizeOut]


class RevenueMonthOut(Schema):
    month: date
    currency: str
    orders: int
    gross: Decimal
    refunded: Decimal
    net: Decimal


class RevenueProductOut(Schema):
    product: str
    product_id: UUID | None
    currency: str
    net: Decimal


class RevenueOwnerOut(Schema):
    owner: str
    owner_id: UUID | None
    currency: str
    orders: int
    net: Decimal


class SpeedOut(Schema):
    handoffs: int
    median_hours_to_first_touch: float | None
    sla_due: int
    sla_on_time: int
    sla_compliance: float | None


class OverdueOut(Schema):
    user: str
    user_id: UUID | None
    overdue: int


class SalesOut(Schema):
    window: Window
    pipeline_by_close_month: list[PipelineMonthOut]
    stages: list[StageOut]
    wins: WinsOut
    previous_wins: WinsOut
    revenue_by_month: list[RevenueMonthOut]
    revenue_by_product: list[RevenueProductOut]
    revenue_by_owner: list[RevenueOwnerOut]
    speed_to_lead: SpeedOut
    overdue_tasks: list[OverdueOut]


@router.get(
    "/reports/sales",
    auth=sales_read,
    response=SalesOut,
    url_name="report_sales",
    summary="Sales metrics",
    description="Open pipeline and weighted forecast by close month, stage-to-stage conversion and time in "
    "stage, wins, win rate, average deal size and sales cycle, revenue by month, product and owner "
    "(net of refunds, per currency, never summed across currencies), speed to lead and SLA compliance, "
    "and tasks overdue now.",
)
def sales_route(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    filters = _filters(query)
    return {
        "window": _window(filters),
        "pipeline_by_close_month": selectors.pipeline_by_close_month(filters),
        "stages": [
            {**row, "stage": row["stage"].name, "stage_id": row["stage"].public_id}
            for row in selectors.stage_conversion(filters)
        ],
        "wins": selectors.win_figures(filters),
        "previous_wins": selectors.win_figures(filters.previous()),
        "revenue_by_month": selectors.revenue_by_month(filters),
        "revenue_by_product": selectors.revenue_by_product(filters),
        "revenue_by_owner": [
            {
                **row,
                "owner": row["owner"].display_name if row["owner"] else "",
                "owner_id": row["owner"].public_id if row["owner"] else None,
            }
            for row in selectors.revenue_by_owner(filters)
        ],
        "speed_to_lead": selectors.speed_to_lead(filters),
        "overdue_tasks": [
            {
                "user": row["user"].display_name if row["user"] else "",
                "user_id": row["user"].public_id if row["user"] else None,
                "overdue": row["overdue"],
            }
            for row in selectors.overdue_tasks(filters)
        ],
    }


class MetricOut(Schema):
    metric: str
    label: str
    kind: str
    window: Window
    value: Decimal | float | int | None
    previous: Decimal | float | int | None
    change: float | None
    currency: str


@router.get(
    "/reports/metrics/{metric}",
    auth=contacts_read,
    response=MetricOut,
    url_name="report_metric",
    summary="One metric, with the previous period",
    description="Any metric goals can target: " + ", ".join(metric.key for metric in METRICS) + ". "
    "`revenue` needs `currency` (net of refunds, in that currency only).",
)
def metric_route(
    request: HttpRequest, metric: MetricName, query: Query[ReportQuery], currency: str = ""
) -> Any:
    filters = _filters(query)
    definition = METRIC_BY_KEY[metric]
    currency = currency.strip().upper()[:3]
    if metric == "revenue" and not currency:
        raise ApiError(
            400, "validation_error", "Revenue needs a currency.", {"currency": ["Required for revenue."]}
        )
    value = metric_value(metric, filters, currency=currency)
    previous = metric_value(metric, filters.previous(), currency=currency)
    numeric = (int, float, Decimal)
    return {
        "metric": metric,
        "label": definition.label,
        "kind": definition.kind,
        "window": _window(filters),
        "value": value,
        "previous": previous,
        "change": change(float(value), float(previous))
        if isinstance(value, numeric) and isinstance(previous, numeric)
        else None,
        "currency": currency if metric == "revenue" else "",
    }


class GoalOut(Schema):
    id: UUID
    metric: str
    label: str
    period: str
    start: date
    end: date
    team: str
    target: Decimal
    currency: str
    value: Decimal | float | int
    percent: float


@router.get(
    "/reports/goals",
    auth=contacts_read,
    response=list[GoalOut],
    url_name="report_goal_list",
    summary="Goals and their progress",
)
def goal_list_route(request: HttpRequest) -> Any:
    goals = Goal.objects.for_user(request_user(request)).select_related("team")[:200]
    result = []
    for goal, progress in zip(goals, goals_progress(goals), strict=True):
        result.append(
            {
                "id": goal.public_id,
                "metric": goal.metric,
                "label": progress.label,
                "period": goal.period,
                "start": progress.start,
                "end": progress.end,
                "team": goal.team.name if goal.team else "",
                "target": goal.target,
                "currency": goal.currency,
                "value": progress.value,
                "percent": progress.percent,
            }
        )
    return result
