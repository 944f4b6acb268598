"""Screens of the shared numbers: the funnel, the marketing and sales dashboards, the people and
deals behind a number, CSV exports, and goals. Everyone in the workspace reads them."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.analytics import goals as goal_services
from leadline.analytics.dashboards import BUILDERS, Cell, Dashboard, Table, chart_spec, number_cell
from leadline.analytics.forms import GoalForm, ReportFilterForm, SavedReportForm, today
from leadline.analytics.metrics import BREAKDOWNS, METRIC_BY_KEY
from leadline.analytics.models import Goal, SavedReport
from leadline.analytics.reports import report_rows, saved_report_create, saved_report_delete
from leadline.analytics.selectors import (
    DRILL_CONTACT_METRICS,
    DRILL_DEAL_METRICS,
    drill_contacts,
    drill_deals,
)
from leadline.contacts.csvio import safe_cell
from leadline.core.access import get_for_user
from leadline.core.decorators import role_required
from leadline.core.pagination import paginate

readers = role_required("admin", "marketing", "sales")
TITLES = {"shared": "Shared funnel", "marketing": "Marketing", "sales": "Sales"}


def _dashboard(request: HttpRequest, key: str) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    compare = form.wants_comparison()
    dashboard = BUILDERS[key](filters, compare=compare)
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "compare": compare,
        "dashboard": dashboard,
        "tabs": TITLES,
        "current": key,
        "querystring": request.GET.urlencode(),
        "report_form": SavedReportForm(),
    }
    if key == "shared":
        context["goals"] = goal_services.goals_current(user=request.user, on=today())
    return render(request, "analytics/dashboard.html", context)


@readers
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "shared")


@readers
@require_GET
def marketing(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "marketing")


@readers
@require_GET
def sales(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "sales")


@readers
@require_GET
def export(request: HttpRequest, dashboard: str, table: str) -> HttpResponse:
    """One table of a dashboard as CSV, with the same range and filters as on screen."""
    if dashboard not in BUILDERS:
        raise Http404("No such dashboard.")
    form = ReportFilterForm(request.GET or None)
    page = BUILDERS[dashboard](form.filters(), compare=form.wants_comparison())
    found = page.table(table)
    if found is None:
        raise Http404("No such table.")
    return _csv(found, f"{dashboard}-{table}")


def _csv(table: Table, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(header) for header in table.headers])
    for row in table.rows:
        writer.writerow([safe_cell("" if cell.value is None else cell.value) for cell in row])
    return response


@readers
@require_GET
def drill(request: HttpRequest) -> HttpResponse:
    """The contacts or deals behind one number of a dashboard."""
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    metric = request.GET.get("metric", "")
    value = request.GET.get("value", "")[:200]
    rows: Any
    if metric in DRILL_CONTACT_METRICS:
        rows = drill_contacts(user=request.user, metric=metric, filters=filters, value=value)
        kind, title = "contacts", DRILL_CONTACT_METRICS[metric]
    elif metric in DRILL_DEAL_METRICS:
        rows = drill_deals(user=request.user, metric=metric, filters=filters, value=value)
        kind, title = "deals", DRILL_DEAL_METRICS[metric]
    else:
        return render(request, "analytics/drill.html", {"unknown": True, "filters": filters}, status=400)
    page = paginate(rows, request.GET)
    return render(
        request,
        "analytics/drill.html",
        {"page": page, "kind": kind, "title": title, "value": value, "filters": filters, "metric": metric},
    )


@readers
@require_http_methods(["GET", "POST"])
def goal_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = GoalForm(request.POST or None, initial={"period_start": today().replace(day=1)})
    if request.method == "POST" and form.is_valid():
        goal_services.goal_create(
            actor=request.user,
            metric=form.cleaned_data["metric"],
            period=form.cleaned_data["period"],
            period_start=form.cleaned_data["period_start"],
            target=form.cleaned_data["target"],
            team=form.team_object(),
            currency=form.cleaned_data["currency"],
        )
        messages.success(request, "Goal set.")
        return redirect("analytics:goal_list")
    goals = Goal.objects.for_user(request.user).select_related("team", "created_by")[:100]
    progress = goal_services.goals_progress(goals)
    editable = set(
        Goal.objects.editable_by(user).filter(pk__in=[goal.pk for goal in goals]).values_list("pk", flat=True)
    )
    return render(
        request,
        "analytics/goals.html",
        {"form": form, "progress": progress, "editable": editable, "tabs": TITLES, "current": "goals"},
        status=400 if request.method == "POST" else 200,
    )


@readers
@require_POST
def goal_delete(request: HttpRequest, goal_id: str) -> HttpResponse:
    goal = get_for_user(Goal.objects, request.user, goal_id, for_edit=True)
    goal_services.goal_delete(goal=goal)
    messages.success(request, "Goal removed.")
    return redirect("analytics:goal_list")


# --- Saved custom reports ------------------------------------------------------------------------------

FILTER_KEYS = ("source", "campaign", "owner", "team", "pipeline")


@readers
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = SavedReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        filters = {key: request.GET.get(key, "") for key in FILTER_KEYS}
        report = saved_report_create(
            actor=user,
            name=form.cleaned_data["name"],
            metric=form.cleaned_data["metric"],
            breakdown=form.cleaned_data["breakdown"],
            filters=filters,
        )
        messages.success(request, "Report saved.")
        return redirect("analytics:report_detail", report_id=report.public_id)
    reports = SavedReport.objects.for_user(user).select_related("created_by")[:200]
    return render(
        request,
        "analytics/reports.html",
        {"form": form, "reports": reports, "tabs": TITLES, "current": "reports", "metrics": METRIC_BY_KEY,
         "breakdowns": BREAKDOWNS},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


def _report_table(report: SavedReport, request: HttpRequest) -> tuple[ReportFilterForm, Any, Table]:
    data = {**report.filters, **{key: value for key, value in request.GET.items()}}
    form = ReportFilterForm(data)
    filters = form.filters()
    metric = METRIC_BY_KEY[report.metric]
    rows = report_rows(report.metric, report.breakdown, filters)
    headers = [
        BREAKDOWNS[report.breakdown],
        *(["Currency"] if report.metric == "revenue" else []),
        metric.label,
    ]
    table = Table(
        "report",
        f"{metric.label} by {BREAKDOWNS[report.breakdown].lower()}",
        headers,
        [
            [
                Cell(row["label"]),
                *([Cell(row["currency"])] if report.metric == "revenue" else []),
                number_cell(row["value"]),
            ]
            for row in rows
        ],
        chart=chart_spec(
            "line" if report.breakdown in ("day", "month") else "bar",
            [f"{row['label']} {row['currency']}".strip() for row in rows],
            [(metric.label, [row["value"] for row in rows])],
        ),
        export_url=reverse("analytics:report_export", args=[report.public_id]),
    )
    return form, filters, table


@readers
@require_GET
def report_detail(request: HttpRequest, report_id: str) -> HttpResponse:
    user: Any = request.user
    report = get_for_user(SavedReport.objects, user, report_id)
    form, filters, table = _report_table(report, request)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "compare": False,
            "dashboard": Dashboard("report", report.name, [], [table]),
            "tabs": TITLES,
            "current": "reports",
            "querystring": request.GET.urlencode(),
            "saved_report": report,
            "can_delete": SavedReport.objects.editable_by(user).filter(pk=report.pk).exists(),
        },
    )


@readers
@require_GET
def report_export(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_for_user(SavedReport.objects, request.user, report_id)
    _, _, table = _report_table(report, request)
    return _csv(table, f"report-{report.public_id}")


@readers
@require_POST
def report_delete(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_for_user(SavedReport.objects, request.user, report_id, for_edit=True)
    saved_report_delete(report=report)
    messages.success(request, "Report deleted.")
    return redirect("analytics:report_list")
