"""Reads behind the dashboards: the shared funnel, marketing and sales numbers, and the people and
deals behind each number. Funnel and traffic numbers read the rollups; sales numbers read the
sales tables, which are small. Every function issues a fixed number of queries.

Workspace-wide totals are shared numbers that every role sees; the lists behind them go through
the access layer, so a salesperson following a number sees the people they may see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from leadline.accounts.models import User
from leadline.analytics import visits
from leadline.analytics.brand import branded_q
from leadline.analytics.metrics import FUNNEL_STEPS, STEP_BY_KEY, ReportFilters, ratio
from leadline.analytics.models import ContactMilestone, PageViewDaily, TrafficSession
from leadline.analytics.rollups import workspace_zone
from leadline.contacts.models import Contact, Source
from leadline.forms.models import FormSubmission
from leadline.mail.models import OutboundMessage
from leadline.sales.models import (
    Deal,
    DealStageChange,
    DealStatus,
    Handoff,
    HandoffState,
    Order,
    OrderLine,
    Stage,
    StageKind,
    Task,
)

TOP = 10
ZERO = Decimal("0.00")


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _median(values: list[Any]) -> Any:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _owner_q(filters: ReportFilters, field: str) -> Q:
    q = Q()
    if filters.owner_id is not None:
        q &= Q(**{f"{field}_id": filters.owner_id})
    if filters.team_id is not None:
        q &= Q(**{f"{field}__teams__id": filters.team_id})
    return q


def _contact_q(filters: ReportFilters, prefix: str = "") -> Q:
    """Source, campaign, owner and team filters on a contact (or the contact behind `prefix`)."""
    q = Q()
    if filters.source:
        q &= Q(**{f"{prefix}original_source": filters.source})
    if filters.campaign:
        q &= Q(**{f"{prefix}original_source_detail": filters.campaign})
    return q & _owner_q(filters, f"{prefix}owner")


def _milestones(filters: ReportFilters) -> QuerySet[ContactMilestone]:
    milestones = ContactMilestone.objects.order_by()
    if filters.source:
        milestones = milestones.filter(source=filters.source)
    if filters.campaign:
        milestones = milestones.filter(campaign=filters.campaign)
    return milestones.filter(_owner_q(filters, "owner"))


def _sessions(filters: ReportFilters) -> QuerySet[TrafficSession]:
    sessions = TrafficSession.objects.order_by().filter(
        started_at__gte=filters.start_at, started_at__lt=filters.end_at
    )
    if filters.source:
        sessions = sessions.filter(source=filters.source)
    if filters.campaign:
        sessions = sessions.filter(campaign=filters.campaign)
    return sessions


def _in_window(field: str, filters: ReportFilters) -> Q:
    return Q(**{f"{field}__gte": filters.start_at, f"{field}__lt": filters.end_at})


# --- The shared funnel -----------------------------------------------------------------------------


@dataclass
class StepRow:
    key: str
    label: str
    count: int
    conversion: float | None  # from the step before, in percent
    median_hours: float | None  # from the step before, for those who reached both


class _Unindexed(Func):
    """A column as SQLite's planner will not look it up in an index (a unary plus): a median is
    then read in the order of the gap's index instead of sorting the window's rows."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra)


def funnel(filters: ReportFilters) -> list[StepRow]:
    """How many reached each step inside the window, the step-to-step conversion, and the median
    time from the step before. Visitors are browsers whose first visit fell in the window. Each
    step is counted from the index of its moment, and its median read from the index of its gap."""
    milestones = _milestones(filters)
    counts: dict[str, Any] = {}
    for step in FUNNEL_STEPS[1:]:
        found = milestones.filter(_in_window(step.field, filters)).aggregate(
            reached=Count("*"), gaps=Count(f"{step.key}_gap")
        )
        counts[step.key], counts[f"{step.key}_gaps"] = found["reached"], found["gaps"]
    # A browser's first visit is the one visit of it not marked returning.
    counts["visitor"] = _sessions(filters).filter(is_returning=False).count()
    rows: list[StepRow] = []
    previous_count: int | None = None
    for index, step in enumerate(FUNNEL_STEPS):
        median = None
        if index:
            median = _median_gap(milestones, filters, step, counts[f"{step.key}_gaps"])
        count = counts[step.key] or 0
        rows.append(
            StepRow(
                step.key, step.label, count, ratio(count, previous_count) if index else None, _hours(median)
            )
        )
        previous_count = count
    return rows


def _median_gap(
    milestones: QuerySet[ContactMilestone], filters: ReportFilters, step: Any, total: int
) -> timedelta | None:
    if not total:
        return None
    gap = f"{step.key}_gap"
    middle = list(
        milestones.alias(moment=_Unindexed(step.field, output_field=DateTimeField()))
        .filter(_in_window("moment", filters), **{f"{gap}__isnull": False})
        .order_by(gap)
        .values_list(gap, flat=True)[(total - 1) // 2 : total // 2 + 1]
    )
    return timedelta(microseconds=sum(middle) / len(middle))


@dataclass
class LeakReport:
    handed_off: int
    accepted: int
    rejected: int
    pending: int
    by_reason: list[dict[str, Any]]
    came_back: int  # contacts handed off in the window after an earlier rejection


def handoff_leaks(filters: ReportFilters) -> LeakReport:
    handoffs = (
        Handoff.objects.order_by()
        .filter(_contact_q(filters, "contact__"))
        .filter(_owner_q(filters, "assigned_to"))
    )
    assigned = handoffs.filter(_in_window("assigned_at", filters))
    totals = assigned.aggregate(
        handed_off=Count("pk"),
        accepted=Count("pk", filter=Q(state=HandoffState.ACCEPTED)),
        rejected=Count("pk", filter=Q(state__in=[HandoffState.REJECTED, HandoffState.RECYCLED])),
        pending=Count("pk", filter=Q(state=HandoffState.PENDING)),
    )
    by_reason = list(
        handoffs.filter(
            _in_window("decided_at", filters), state__in=[HandoffState.REJECTED, HandoffState.RECYCLED]
        )
        .values("rejection_reason__key", "rejection_reason__label")
        .annotate(count=Count("pk"))
        .order_by("-count", "rejection_reason__label")
    )
    came_back = (
        assigned.filter(
            contact__handoffs__state__in=[HandoffState.REJECTED, HandoffState.RECYCLED],
            contact__handoffs__assigned_at__lt=F("assigned_at"),
        )
        .values("contact_id")
        .distinct()
        .count()
    )
    return LeakReport(
        handed_off=totals["handed_off"],
        accepted=totals["accepted"],
        rejected=totals["rejected"],
        pending=totals["pending"],
        by_reason=[
            {
                "key": row["rejection_reason__key"] or "",
                "label": row["rejection_reason__label"] or "No reason given",
                "count": row["count"],
            }
            for row in by_reason
        ],
        came_back=came_back,
    )


def conversion_by_source(filters: ReportFilters) -> list[dict[str, Any]]:
    """Per original source: contacts who became leads in the window, and how many of them have
    since become customers."""
    labels = dict(Source.choices)
    rows = (
        _milestones(filters)
        .filter(_in_window("lead_at", filters))
        .values("source")
        .annotate(leads=Count("*"), customers=Count("customer_at"))
        .order_by("-leads", "source")
    )
    return [
        {
            "source": row["source"],
            "label": labels.get(row["source"], row["source"] or "Unknown"),
            "leads": row["leads"],
            "customers": row["customers"],
            "conversion": ratio(row["customers"], row["leads"]),
        }
        for row in rows
    ]


def cohorts(filters: ReportFilters) -> list[dict[str, Any]]:
    """Contacts grouped by the month of their first touch (first visit, else becoming a lead), and
    how many of each cohort have reached each step so far."""
    rows: Any = (
        _milestones(filters)
        .filter(first_touch_at__gte=filters.start_at, first_touch_at__lt=filters.end_at)
        .values(month=F("first_touch_month"))
        .annotate(
            contacts=Count("pk"),
            **{step.key: Count(step.field) for step in FUNNEL_STEPS[1:]},
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            "contacts": row["contacts"],
            **{step.key: row[step.key] for step in FUNNEL_STEPS[1:]},
        }
        for row in rows
    ]


# --- Marketing ---------------------------------------------------------------------------------------


def traffic_frame(filters: ReportFilters) -> visits.VisitFrame:
    """The window's visits (of its source and campaign), read once for the traffic numbers below:
    pass it to each of them to spare the reads."""
    return visits.visits_read(
        filters.start_at, filters.end_at, source=filters.source, campaign=filters.campaign
    )


def traffic_totals(filters: ReportFilters, frame: visits.VisitFrame | None = None) -> dict[str, int]:
    return visits.totals(frame or traffic_frame(filters))


def brand_reach(
    filters: ReportFilters, terms: list[str], frame: visits.VisitFrame | None = None
) -> dict[str, Any]:
    """Signals of how known the brand is: direct visits; search visits for the brand's own terms,
    for anything else, and those whose search is not known (most engines hide it); returning
    visitors. `has_terms` is False when no brand term is set: no search is then branded. Terms
    are matched when reading, so changing them re-classifies past visits."""
    frame = frame or traffic_frame(filters)
    search = (frame.flags & visits.SEARCH) != 0
    counts = {
        "sessions": frame.size,
        "direct_sessions": int(np.count_nonzero(frame.origin_mask(lambda source, _m, _c: source == ""))),
        "search_sessions": int(np.count_nonzero(search)),
        "known_term_search_sessions": int(
            np.count_nonzero(search & ((frame.flags & visits.KNOWN_TERM) != 0))
        ),
        "returning_visitors": frame.distinct_visitors((frame.flags & visits.RETURNING) != 0),
        "branded_search_sessions": 0,
    }
    branded = branded_q(terms)
    if branded is not None:
        # Few visits carry their search term: these are counted from the index of known terms.
        counts["branded_search_sessions"] = (
            _sessions(filters).exclude(search_term="").filter(branded, is_search=True).count()
        )
    counts["non_branded_search_sessions"] = (
        counts["known_term_search_sessions"] - counts["branded_search_sessions"]
    )
    counts["unknown_term_search_sessions"] = counts["search_sessions"] - counts["known_term_search_sessions"]
    return {**counts, "has_terms": branded is not None}


def traffic_by_day(filters: ReportFilters, frame: visits.VisitFrame | None = None) -> list[dict[str, Any]]:
    return visits.by_day(frame or traffic_frame(filters), filters.start, filters.days, workspace_zone())


def top_pages(filters: ReportFilters, limit: int = TOP) -> list[dict[str, Any]]:
    """Page views per path; counted per day, so source and campaign filters do not apply."""
    rows: Any = (
        PageViewDaily.objects.order_by()
        .filter(day__gte=filters.start, day__lte=filters.end)
        .values("path")
        .annotate(views=Sum("views"))
        .order_by("-views", "path")[:limit]
    )
    return list(rows)


def traffic_sources(
    filters: ReportFilters, limit: int = 20, frame: visits.VisitFrame | None = None
) -> list[dict[str, Any]]:
    rows = [
        {"source": source, "medium": medium, **numbers}
        for (source, medium), numbers in visits.by_origin(
            frame or traffic_frame(filters), lambda source, medium, _campaign: (source, medium)
        )
    ]
    rows.sort(key=lambda row: (-row["sessions"], row["source"], row["medium"]))
    return rows[:limit]


def traffic_campaigns(
    filters: ReportFilters, limit: int = 20, frame: visits.VisitFrame | None = None
) -> list[dict[str, Any]]:
    rows = [
        {"campaign": campaign, "source": source, "medium": medium, "sessions": numbers["sessions"],
         "visitors": numbers["visitors"]}
        for (campaign, source, medium), numbers in visits.by_origin(
            frame or traffic_frame(filters), lambda source, medium, campaign: (campaign, source, medium)
        )
        if campaign
    ]  # fmt: skip
    rows.sort(key=lambda row: (-row["sessions"], row["campaign"], row["source"], row["medium"]))
    return rows[:limit]


def contacts_by_source(filters: ReportFilters) -> list[dict[str, Any]]:
    """New contacts (created in the window) and new leads (became leads in the window) per source."""
    labels = dict(Source.choices)
    created = dict(
        Contact.objects.order_by()
        .filter(_in_window("created_at", filters))
        .filter(_contact_q(filters))
        .values("original_source")
        .annotate(n=Count("pk"))
        .values_list("original_source", "n")
    )
    leads = dict(
        _milestones(filters)
        .filter(_in_window("lead_at", filters))
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    keys = sorted(set(created) | set(leads), key=lambda key: (-(created.get(key, 0)), key))
    return [
        {
            "source": key,
            "label": labels.get(key, key or "Unknown"),
            "new_contacts": created.get(key, 0),
            "leads": leads.get(key, 0),
        }
        for key in keys
    ]


def form_conversion(filters: ReportFilters, sessions: int) -> list[dict[str, Any]]:
    """Submissions per form in the window, and submissions per 100 visits to the site."""
    rows = (
        FormSubmission.objects.order_by()
        .filter(_in_window("created_at", filters))
        .values("form__public_id", "form__name")
        .annotate(submissions=Count("pk"), contacts=Count("contact_id", distinct=True))
        .order_by("-submissions", "form__name")
    )
    return [
        {
            "form": row["form__name"],
            "form_id": row["form__public_id"],
            "submissions": row["submissions"],
            "contacts": row["contacts"],
            "rate": ratio(row["submissions"], sessions),
        }
        for row in rows
    ]


def email_by_day(filters: ReportFilters) -> list[dict[str, Any]]:
    """Marketing email sent per day, and how many of those were opened or clicked by a person
    (`opened_at` and `clicked_at` record human opens and clicks only)."""
    rows: dict[Any, Any] = {
        row["day"]: row
        for row in OutboundMessage.objects.order_by()
        .filter(_in_window("sent_at", filters), kind="marketing")
        .annotate(day=TruncDate("sent_at", tzinfo=workspace_zone()))
        .values("day")
        .annotate(
            sent=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
    }
    days = []
    for offset in range(filters.days):
        day = filters.start + timedelta(days=offset)
        row = rows.get(day, {})
        sent, opened, clicked = row.get("sent", 0), row.get("opened", 0), row.get("clicked", 0)
        days.append(
            {
                "day": day,
                "sent": sent,
                "opened": opened,
                "clicked": clicked,
                "open_rate": ratio(opened, sent),
                "click_rate": ratio(clicked, sent),
            }
        )
    return days


# --- Sales ------------------------------------------------------------------------------------------


def _deals(filters: ReportFilters) -> QuerySet[Deal]:
    deals = Deal.objects.order_by().filter(_owner_q(filters, "owner"))
    if filters.pipeline_id is not None:
        deals = deals.filter(pipeline_id=filters.pipeline_id)
    if filters.source:
        deals = deals.filter(contact__original_source=filters.source)
    if filters.campaign:
        deals = deals.filter(contact__original_source_detail=filters.campaign)
    return deals


def pipeline_by_close_month(filters: ReportFilters) -> list[dict[str, Any]]:
    """Open deals by expected close month and currency: value and value weighted by the stage's
    win probability. Currencies are never added together."""
    weighted = ExpressionWrapper(
        F("amount") * F("stage__probability") / Decimal(100),
        output_field=DecimalField(max_digits=18, decimal_places=4),
    )
    rows = (
        _deals(filters)
        .filter(status=DealStatus.OPEN)
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month", "currency")
        .annotate(deals=Count("pk"), value=Sum("amount"), weighted=Sum(weighted))
        .order_by(F("month").asc(nulls_last=True), "currency")
    )
    return [
        {
            "month": row["month"],
            "currency": row["currency"],
            "deals": row["deals"],
            "value": Decimal(row["value"] or 0).quantize(Decimal("0.01")),
            "weighted": Decimal(row["weighted"] or 0).quantize(Decimal("0.01")),
        }
        for row in rows
    ]


def stage_conversion(filters: ReportFilters) -> list[dict[str, Any]]:
    """For each stage: deals that entered it in the window, how many have moved on to a later stage
    (or won) since, and the median time they spent in it before leaving."""
    stages = Stage.objects.select_related("pipeline").order_by(
        "pipeline__position", "pipeline__name", "position", "id"
    )
    if filters.pipeline_id is not None:
        stages = stages.filter(pipeline_id=filters.pipeline_id)
    stage_list = [
        stage
        for stage in stages
        if not stage.pipeline.is_archived or stage.pipeline_id == filters.pipeline_id
    ]
    deals = _deals(filters)
    changes = list(
        DealStageChange.objects.order_by("deal_id", "changed_at", "id")
        .filter(
            deal__in=deals.filter(
                stage_changes__changed_at__gte=filters.start_at, stage_changes__changed_at__lt=filters.end_at
            ).values("pk")
        )
        .values_list("deal_id", "to_stage_id", "changed_at")
    )
    by_id = {stage.pk: stage for stage in stage_list}
    entered: dict[int, int] = defaultdict(int)
    advanced: dict[int, int] = defaultdict(int)
    durations: dict[int, list[timedelta]] = defaultdict(list)
    for index, (deal_id, stage_id, changed_at) in enumerate(changes):
        if stage_id not in by_id or not (filters.start_at <= changed_at < filters.end_at):
            continue
        entered[stage_id] += 1
        following = changes[index + 1] if index + 1 < len(changes) else None
        if following is None or following[0] != deal_id:
            continue
        durations[stage_id].append(following[2] - changed_at)
        nxt = by_id.get(following[1])
        here = by_id[stage_id]
        if nxt is not None and (
            nxt.kind == StageKind.WON or (nxt.kind == StageKind.OPEN and nxt.position > here.position)
        ):
            advanced[stage_id] += 1
    return [
        {
            "stage": stage,
            "pipeline": stage.pipeline.name,
            "entered": entered[stage.pk],
            "advanced": advanced[stage.pk],
            "conversion": ratio(advanced[stage.pk], entered[stage.pk]),
            "median_hours": _hours(_median(durations[stage.pk])),
        }
        for stage in stage_list
        if stage.kind == StageKind.OPEN
    ]


def win_figures(filters: ReportFilters) -> dict[str, Any]:
    """Deals closed in the window: won, lost, win rate, average won amount per currency and the
    median sales cycle (created to won) in days."""
    closed = _deals(filters).filter(_in_window("closed_at", filters))
    totals = closed.aggregate(
        won=Count("pk", filter=Q(status=DealStatus.WON)), lost=Count("pk", filter=Q(status=DealStatus.LOST))
    )
    won = closed.filter(status=DealStatus.WON)
    sizes = list(
        won.filter(amount__isnull=False)
        .values("currency")
        .annotate(deals=Count("pk"), total=Sum("amount"))
        .order_by("currency")
    )
    cycle = (
        won.annotate(cycle=ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()))
        .order_by("cycle")
        .values_list("cycle", flat=True)
    )
    cycles = list(cycle)
    median_cycle = _median(cycles)
    return {
        "won": totals["won"],
        "lost": totals["lost"],
        "win_rate": ratio(totals["won"], totals["won"] + totals["lost"]),
        "average_size": [
            {
                "currency": row["currency"],
                "deals": row["deals"],
                "average": (Decimal(row["total"]) / row["deals"]).quantize(Decimal("0.01")),
            }
            for row in sizes
        ],
        "median_cycle_days": None if median_cycle is None else round(median_cycle.total_seconds() / 86400, 1),
    }


def _orders(filters: ReportFilters) -> QuerySet[Order]:
    orders = Order.objects.order_by().filter(_in_window("ordered_at", filters))
    if filters.source:
        orders = orders.filter(contact__original_source=filters.source)
    if filters.campaign:
        orders = orders.filter(contact__original_source_detail=filters.campaign)
    if filters.owner_id is not None or filters.team_id is not None:
        orders = orders.filter(
            Q(deal__isnull=False, **_owner_kwargs(filters, "deal__owner"))
            | Q(deal__isnull=True, **_owner_kwargs(filters, "contact__owner"))
        )
    if filters.pipeline_id is not None:
        orders = orders.filter(deal__pipeline_id=filters.pipeline_id)
    return orders


def _owner_kwargs(filters: ReportFilters, field: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if filters.owner_id is not None:
        kwargs[f"{field}_id"] = filters.owner_id
    if filters.team_id is not None:
        kwargs[f"{field}__teams__id"] = filters.team_id
    return kwargs


def revenue_by_month(filters: ReportFilters) -> list[dict[str, Any]]:
    """Orders placed in each month, per currency: gross, refunded and net. A refund counts against
    the month of its order, so a month's net figure is what that month's orders finally brought."""
    rows = (
        _orders(filters)
        .annotate(month=TruncMonth("ordered_at", tzinfo=workspace_zone()))
        .values("month", "currency")
        .annotate(orders=Count("pk"), gross=Sum("total"), refunded=Sum("refunded_total"))
        .order_by("month", "currency")
    )
    return [
        {
            "month": row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            "currency": row["currency"],
            "orders": row["orders"],
            "gross": Decimal(row["gross"]).quantize(Decimal("0.01")),
            "refunded": Decimal(row["refunded"]).quantize(Decimal("0.01")),
            "net": (Decimal(row["gross"]) - Decimal(row["refunded"])).quantize(Decimal("0.01")),
        }
        for row in rows
    ]


def revenue_totals(filters: ReportFilters) -> list[dict[str, Any]]:
    """Net revenue per currency in the window."""
    totals: dict[str, dict[str, Any]] = {}
    for row in revenue_by_month(filters):
        entry = totals.setdefault(
            row["currency"], {"currency": row["currency"], "orders": 0, "net": ZERO, "refunded": ZERO}
        )
        entry["orders"] += row["orders"]
        entry["net"] += row["net"]
        entry["refunded"] += row["refunded"]
    return sorted(totals.values(), key=lambda entry: entry["currency"])


def revenue_by_owner(filters: ReportFilters) -> list[dict[str, Any]]:
    """Net revenue per owner (the deal's owner, else the contact's) and currency."""
    owner = Coalesce("deal__owner_id", "contact__owner_id")
    rows: Any = (
        _orders(filters)
        .annotate(owner_key=owner)
        .values("owner_key", "currency")
        .annotate(orders=Count("pk"), gross=Sum("total"), refunded=Sum("refunded_total"))
        .order_by("currency", "owner_key")
    )
    rows = list(rows)
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=[row["owner_key"] for row in rows if row["owner_key"]])
    }
    result = [
        {
            "owner": users.get(row["owner_key"]),
            "owner_id": row["owner_key"],
            "currency": row["currency"],
            "orders": row["orders"],
            "net": (Decimal(row["gross"]) - Decimal(row["refunded"])).quantize(Decimal("0.01")),
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: (row["currency"], -row["net"]))


def revenue_by_product(filters: ReportFilters) -> list[dict[str, Any]]:
    """Line totals per product and currency, less each order's refunds shared out over its lines
    in proportion to their totals (rounded to the cent per product)."""
    lines = (
        OrderLine.objects.order_by()
        .filter(order__in=_orders(filters).values("pk"))
        .values_list(
            "product__public_id",
            "name",
            "product__name",
            "order__currency",
            "total",
            "order__total",
            "order__refunded_total",
        )
    )
    sums: dict[tuple[Any, str, str], Decimal] = defaultdict(Decimal)
    for product_id, line_name, product_name, currency, total, order_total, refunded in lines:
        share = (Decimal(total) * Decimal(refunded) / Decimal(order_total)) if order_total else Decimal(0)
        sums[(product_id, product_name or line_name, currency)] += Decimal(total) - share
    return sorted(
        (
            {
                "product_id": key[0],
                "product": key[1],
                "currency": key[2],
                "net": value.quantize(Decimal("0.01")),
            }
            for key, value in sums.items()
        ),
        key=lambda row: (row["currency"], -row["net"], row["product"]),
    )


def speed_to_lead(filters: ReportFilters, now: datetime | None = None) -> dict[str, Any]:
    """Hand-offs assigned in the window: median hours to the first touch, and the share decided
    within the acceptance SLA among those decided or already past it."""
    now = now or timezone.now()
    handoffs = (
        Handoff.objects.order_by()
        .filter(_in_window("assigned_at", filters))
        .filter(_owner_q(filters, "assigned_to"))
        .filter(_contact_q(filters, "contact__") if (filters.source or filters.campaign) else Q())
    )
    touches = list(
        handoffs.filter(first_touch_at__isnull=False)
        .annotate(gap=ExpressionWrapper(F("first_touch_at") - F("assigned_at"), output_field=DurationField()))
        .values_list("gap", flat=True)
    )
    due = handoffs.filter(Q(decided_at__isnull=False) | Q(sla_due_at__lte=now))
    sla = due.aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(decided_at__isnull=False, decided_at__lte=F("sla_due_at"))),
    )
    return {
        "handoffs": handoffs.count(),
        "median_hours_to_first_touch": _hours(_median(touches)),
        "sla_due": sla["due"],
        "sla_on_time": sla["on_time"],
        "sla_compliance": ratio(sla["on_time"], sla["due"]),
    }


def overdue_tasks(filters: ReportFilters, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open tasks past their due time now, per assignee."""
    now = now or timezone.now()
    rows = list(
        Task.objects.order_by()
        .filter(completed_at__isnull=True, due_at__lt=now)
        .filter(_owner_q(filters, "assigned_to"))
        .values("assigned_to_id")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue")
    )
    users = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=[row["assigned_to_id"] for row in rows if row["assigned_to_id"]]
        )
    }
    return [{"user": users.get(row["assigned_to_id"]), "overdue": row["overdue"]} for row in rows]


# --- The people and deals behind a number ----------------------------------------------------------

DRILL_CONTACT_METRICS = {
    "funnel": "Contacts who reached a step of the funnel",
    "new_contacts": "New contacts",
    "leads": "New leads",
    "rejected": "Leads sent back by sales",
    "came_back": "Recycled leads that came back",
    "customers_revenue": "Customers with orders",
}
DRILL_DEAL_METRICS = {
    "deals_won": "Deals won",
    "deals_lost": "Deals lost",
    "pipeline": "Open deals",
}


def drill_contacts(*, user: Any, metric: str, filters: ReportFilters, value: str = "") -> QuerySet[Contact]:
    """The contacts behind a number, as the viewer may see them. Unknown metrics give none."""
    contacts = Contact.objects.for_user(user).select_related("owner", "company")
    if metric == "funnel":
        step = STEP_BY_KEY.get(value)
        if step is None:
            return contacts.none()
        return contacts.filter(
            pk__in=_milestones(filters).filter(_in_window(step.field, filters)).values("contact_id")
        ).order_by("-created_at", "-id")
    if metric == "new_contacts":
        contacts = contacts.filter(_in_window("created_at", filters)).filter(_contact_q(filters))
        return contacts.filter(original_source=value) if value != "*" else contacts
    if metric == "leads":
        milestones = _milestones(filters).filter(_in_window("lead_at", filters))
        if value != "*":
            milestones = milestones.filter(source=value)
        return contacts.filter(pk__in=milestones.values("contact_id"))
    if metric == "rejected":
        handoffs = Handoff.objects.filter(
            _in_window("decided_at", filters), state__in=[HandoffState.REJECTED, HandoffState.RECYCLED]
        ).filter(_owner_q(filters, "assigned_to"))
        if value:
            handoffs = handoffs.filter(rejection_reason__key=value)
        else:
            handoffs = handoffs.filter(rejection_reason__isnull=True)
        return contacts.filter(pk__in=handoffs.values("contact_id"))
    if metric == "came_back":
        assigned = Handoff.objects.filter(_in_window("assigned_at", filters)).filter(
            contact__handoffs__state__in=[HandoffState.REJECTED, HandoffState.RECYCLED],
            contact__handoffs__assigned_at__lt=F("assigned_at"),
        )
        return contacts.filter(pk__in=assigned.values("contact_id"))
    if metric == "customers_revenue":
        orders = _orders(filters)
        if value:
            orders = orders.filter(currency=value)
        return contacts.filter(pk__in=orders.values("contact_id"))
    return contacts.none()


def drill_deals(*, user: Any, metric: str, filters: ReportFilters, value: str = "") -> QuerySet[Deal]:
    deals = Deal.objects.for_user(user).select_related("owner", "stage", "pipeline", "contact")
    scoped = deals.filter(pk__in=_deals(filters).values("pk"))
    if metric == "deals_won":
        return scoped.filter(_in_window("closed_at", filters), status=DealStatus.WON).order_by("-closed_at")
    if metric == "deals_lost":
        return scoped.filter(_in_window("closed_at", filters), status=DealStatus.LOST).order_by("-closed_at")
    if metric == "pipeline":
        scoped = scoped.filter(status=DealStatus.OPEN)
        if value == "none":
            return scoped.filter(expected_close_date__isnull=True)
        if value:
            try:
                year, month = (int(part) for part in value.split("-")[:2])
            except ValueError:
                return scoped.none()
            return scoped.filter(expected_close_date__year=year, expected_close_date__month=month)
        return scoped.order_by("expected_close_date")
    return deals.none()


# --- Many metrics at once (goals) --------------------------------------------------------------------

TRAFFIC_METRICS = ("visitors", "sessions", "page_views")
STEP_METRICS = {
    "leads": "lead",
    "mqls": "mql",
    "sqls": "sql",
    "opportunities": "opportunity",
    "customers": "customer",
}


def _owner_in(filters: ReportFilters, field: str) -> Q:
    """Like `_owner_q`, with the team as a subquery: no join, so conditional aggregates of several
    windows with different teams can share one query."""
    q = Q()
    if filters.owner_id is not None:
        q &= Q(**{f"{field}_id": filters.owner_id})
    if filters.team_id is not None:
        members = User.objects.filter(teams__id=filters.team_id).values("id")
        q &= Q(**{f"{field}_id__in": members})
    return q


def _span(items: list[tuple[str, ReportFilters, str]], field: str) -> Q:
    """All the windows at once, so a grouped query reads one index range."""
    return Q(
        **{
            f"{field}__gte": min(filters.start_at for _, filters, _ in items),
            f"{field}__lt": max(filters.end_at for _, filters, _ in items),
        }
    )


def metric_values(items: list[tuple[str, ReportFilters, str]]) -> list[Decimal | int | float | None]:
    """`goals.metric_value` of many (metric, window, currency) at once: one query per kind of
    metric (traffic, new contacts, funnel steps, deals, revenue), however many windows there are."""
    values: list[Decimal | int | float | None] = [None] * len(items)
    families: dict[str, list[int]] = defaultdict(list)
    for index, (key, _filters, _currency) in enumerate(items):
        if key in TRAFFIC_METRICS:
            families["traffic"].append(index)
        elif key == "new_contacts":
            families["contacts"].append(index)
        elif key in STEP_METRICS:
            families["steps"].append(index)
        elif key in ("deals_won", "win_rate"):
            families["deals"].append(index)
        elif key == "revenue":
            families["revenue"].append(index)
        else:
            raise KeyError(key)
    if families["traffic"]:
        chosen = [items[index] for index in families["traffic"]]
        aggregates: dict[str, Any] = {}
        for index in families["traffic"]:
            key, filters, _ = items[index]
            q = _in_window("started_at", filters)
            if filters.source:
                q &= Q(source=filters.source)
            if filters.campaign:
                q &= Q(campaign=filters.campaign)
            if key == "sessions":
                aggregates[f"m{index}"] = Count("pk", filter=q)
            elif key == "visitors":
                aggregates[f"m{index}"] = Count("visitor_id", distinct=True, filter=q)
            else:
                aggregates[f"m{index}"] = Sum("page_views", filter=q)
        found = TrafficSession.objects.order_by().filter(_span(chosen, "started_at")).aggregate(**aggregates)
        for index in families["traffic"]:
            values[index] = int(found[f"m{index}"] or 0)
    if families["contacts"]:
        chosen = [items[index] for index in families["contacts"]]
        aggregates = {}
        for index in families["contacts"]:
            filters = items[index][1]
            q = _in_window("created_at", filters) & _owner_in(filters, "owner")
            if filters.source:
                q &= Q(original_source=filters.source)
            if filters.campaign:
                q &= Q(original_source_detail=filters.campaign)
            aggregates[f"m{index}"] = Count("pk", filter=q)
        found = Contact.objects.order_by().filter(_span(chosen, "created_at")).aggregate(**aggregates)
        for index in families["contacts"]:
            values[index] = found[f"m{index}"] or 0
    if families["steps"]:
        aggregates = {}
        for index in families["steps"]:
            key, filters, _ = items[index]
            q = _in_window(f"{STEP_METRICS[key]}_at", filters) & _owner_in(filters, "owner")
            if filters.source:
                q &= Q(source=filters.source)
            if filters.campaign:
                q &= Q(campaign=filters.campaign)
            aggregates[f"m{index}"] = Count("pk", filter=q)
        found = ContactMilestone.objects.order_by().aggregate(**aggregates)
        for index in families["steps"]:
            values[index] = found[f"m{index}"] or 0
    if families["deals"]:
        chosen = [items[index] for index in families["deals"]]
        aggregates = {}
        for index in families["deals"]:
            filters = items[index][1]
            q = _in_window("closed_at", filters) & _owner_in(filters, "owner")
            if filters.pipeline_id is not None:
                q &= Q(pipeline_id=filters.pipeline_id)
            if filters.source:
                q &= Q(contact__original_source=filters.source)
            if filters.campaign:
                q &= Q(contact__original_source_detail=filters.campaign)
            aggregates[f"won{index}"] = Count("pk", filter=q & Q(status=DealStatus.WON))
            aggregates[f"lost{index}"] = Count("pk", filter=q & Q(status=DealStatus.LOST))
        found = Deal.objects.order_by().filter(_span(chosen, "closed_at")).aggregate(**aggregates)
        for index in families["deals"]:
            won, lost = found[f"won{index}"], found[f"lost{index}"]
            values[index] = won if items[index][0] == "deals_won" else ratio(won, won + lost)
    if families["revenue"]:
        chosen = [items[index] for index in families["revenue"]]
        aggregates = {}
        net = ExpressionWrapper(
            F("total") - F("refunded_total"), output_field=DecimalField(max_digits=14, decimal_places=2)
        )
        for index in families["revenue"]:
            _key, filters, currency = items[index]
            q = _in_window("ordered_at", filters) & Q(currency=currency)
            if filters.source:
                q &= Q(contact__original_source=filters.source)
            if filters.campaign:
                q &= Q(contact__original_source_detail=filters.campaign)
            if filters.owner_id is not None or filters.team_id is not None:
                q &= Q(Q(deal__isnull=False) & _owner_in(filters, "deal__owner")) | Q(
                    Q(deal__isnull=True) & _owner_in(filters, "contact__owner")
                )
            if filters.pipeline_id is not None:
                q &= Q(deal__pipeline_id=filters.pipeline_id)
            aggregates[f"m{index}"] = Sum(net, filter=q)
        found = Order.objects.order_by().filter(_span(chosen, "ordered_at")).aggregate(**aggregates)
        for index in families["revenue"]:
            values[index] = Decimal(found[f"m{index}"] or 0).quantize(Decimal("0.01"))
    return values
