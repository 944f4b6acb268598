"""Saved custom reports: one metric, broken down by day, month, source, campaign or owner, with the
dashboards' filters. Each metric names the rows it counts, the moment that puts a row in the window,
and the columns each breakdown groups by."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from leadline.accounts.models import User
from leadline.analytics import selectors
from leadline.analytics.metrics import BREAKDOWNS, METRIC_BY_KEY, ReportFilters, ratio
from leadline.analytics.models import SavedReport
from leadline.analytics.rollups import workspace_zone
from leadline.contacts.models import Contact
from leadline.sales.models import DealStatus


@dataclass(frozen=True)
class Source:
    rows: QuerySet[Any]
    moment: str
    dimensions: dict[str, str]  # breakdown → column ("" when it does not apply)


def _source(metric: str, filters: ReportFilters) -> Source:
    contact_dims = {"source": "original_source", "campaign": "original_source_detail", "owner": "owner_id"}
    milestone_dims = {"source": "source", "campaign": "campaign", "owner": "owner_id"}
    steps = {
        "leads": "lead_at",
        "mqls": "mql_at",
        "sqls": "sql_at",
        "opportunities": "opportunity_at",
        "customers": "customer_at",
    }
    if metric in steps:
        return Source(selectors._milestones(filters), steps[metric], milestone_dims)
    if metric == "new_contacts":
        return Source(
            Contact.objects.order_by().filter(selectors._contact_q(filters)), "created_at", contact_dims
        )
    if metric in ("visitors", "sessions", "page_views"):
        return Source(
            selectors._sessions(filters),
            "started_at",
            {"source": "source", "campaign": "campaign", "owner": ""},
        )
    if metric in ("deals_won", "win_rate"):
        deals = selectors._deals(filters).filter(status__in=[DealStatus.WON, DealStatus.LOST])
        dims = {
            "source": "contact__original_source",
            "campaign": "contact__original_source_detail",
            "owner": "owner_id",
        }
        return Source(deals, "closed_at", dims)
    if metric == "revenue":
        dims = {
            "source": "contact__original_source",
            "campaign": "contact__original_source_detail",
            "owner": "deal__owner_id",
        }
        return Source(selectors._orders(filters), "ordered_at", dims)
    raise KeyError(metric)


def _value(metric: str) -> dict[str, Any]:
    if metric == "visitors":
        return {"value": Count("visitor_id", distinct=True)}
    if metric == "page_views":
        return {"value": Sum("page_views")}
    if metric == "deals_won":
        return {"value": Count("pk", filter=Q(status=DealStatus.WON))}
    if metric == "win_rate":
        return {"won": Count("pk", filter=Q(status=DealStatus.WON)), "closed": Count("pk")}
    if metric == "revenue":
        return {"value": Sum(F("total") - F("refunded_total"))}
    return {"value": Count("pk")}


def report_rows(metric: str, breakdown: str, filters: ReportFilters) -> list[dict[str, Any]]:
    """[{"key", "label", "currency", "value"}] for the metric per breakdown value, in the window."""
    if metric not in METRIC_BY_KEY or breakdown not in BREAKDOWNS:
        raise KeyError((metric, breakdown))
    source = _source(metric, filters)
    rows = source.rows.filter(
        **{f"{source.moment}__gte": filters.start_at, f"{source.moment}__lt": filters.end_at}
    )
    if breakdown == "day":
        rows = rows.annotate(group=TruncDate(source.moment, tzinfo=workspace_zone()))
    elif breakdown == "month":
        rows = rows.annotate(group=TruncMonth(source.moment, tzinfo=workspace_zone()))
    elif source.dimensions.get(breakdown):
        rows = rows.annotate(group=F(source.dimensions[breakdown]))
    else:
        rows = rows.annotate(group=F("pk") * 0)
    group_by = ["group", "currency"] if metric == "revenue" else ["group"]
    result = list(rows.values(*group_by).annotate(**_value(metric)).order_by(*group_by))
    owners = {}
    if breakdown == "owner":
        owners = {
            user.pk: user.display_name
            for user in User.objects.filter(pk__in=[row["group"] for row in result if row["group"]])
        }
    out = []
    for row in result:
        group = row["group"]
        if breakdown == "owner":
            label = owners.get(group, "Nobody") if source.dimensions.get("owner") else "Everyone"
        elif hasattr(group, "strftime"):
            label = group.strftime("%Y-%m" if breakdown == "month" else "%Y-%m-%d")
        else:
            label = str(group) if group not in (None, "") else "(none)"
        if metric == "win_rate":
            value: Any = ratio(row["won"], row["closed"])
        elif metric == "revenue":
            value = Decimal(row["value"] or 0).quantize(Decimal("0.01"))
        else:
            value = row["value"] or 0
        out.append({"label": label, "currency": row.get("currency", ""), "value": value})
    return out


def saved_report_create(
    *, actor: Any, name: str, metric: str, breakdown: str, filters: dict[str, Any]
) -> SavedReport:
    if metric not in METRIC_BY_KEY or breakdown not in BREAKDOWNS:
        raise ValueError("Unknown metric or breakdown.")
    with transaction.atomic():
        return SavedReport.objects.create(
            name=name.strip()[:120],
            metric=metric,
            breakdown=breakdown,
            filters={key: str(value)[:200] for key, value in filters.items() if value not in (None, "")},
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def saved_report_delete(*, report: SavedReport) -> None:
    report.delete()
