"""Access of the reports: the shared funnel and the marketing and sales dashboards are shared
numbers, read by admins, marketing and sales alike (totals are workspace-wide; the lists behind a
number show only the people and deals the reader may see). Goals and saved reports are made by
anyone and removed by their author or an admin: sam and maria cannot remove oscar's (404)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from leadline.accounts.models import User
from leadline.analytics.models import Goal, SavedReport
from tests.access_areas import Entry, Route, everyone

NOT_AUTHOR = {"sam": 404, "maria": 404}

UI_ROUTES: dict[str, Entry] = {
    "analytics:index": everyone("/reports/"),
    "analytics:marketing": everyone("/reports/marketing/"),
    "analytics:sales": everyone("/reports/sales/"),
    "analytics:drill": everyone("/reports/behind/?metric=funnel&value=lead"),
    "analytics:export": everyone("/reports/shared/export/funnel.csv"),
    "analytics:goal_list": everyone("/reports/goals/"),
    "analytics:goal_delete": Entry("/reports/goals/{goal}/delete/", "POST", expect=NOT_AUTHOR),
    "analytics:report_list": everyone("/reports/custom/"),
    "analytics:report_detail": everyone("/reports/custom/{savedreport}/"),
    "analytics:report_export": everyone("/reports/custom/{savedreport}/export.csv"),
    "analytics:report_delete": Entry("/reports/custom/{savedreport}/delete/", "POST", expect=NOT_AUTHOR),
}

API_ROUTES = [
    Route("report_funnel", "GET", "/reports/funnel", "contacts:read"),
    Route("report_marketing", "GET", "/reports/marketing", "contacts:read"),
    Route("report_sales", "GET", "/reports/sales", "sales:read"),
    Route("report_metric", "GET", "/reports/metrics/{metric}", "contacts:read"),
    Route("report_goal_list", "GET", "/reports/goals", "contacts:read"),
]

API_EXPECT: dict[str, dict[str, Any]] = {route.url_name: {} for route in API_ROUTES}


def _objects(user: User) -> dict[str, str]:
    goal = Goal.objects.create(
        metric="leads",
        period=Goal.Period.MONTH,
        period_start=date(2026, 1, 1),
        target=Decimal(10),
        created_by=user,
    )
    report = SavedReport.objects.create(
        name="Leads by source", metric="leads", breakdown="source", created_by=user
    )
    return {"goal": str(goal.public_id), "savedreport": str(report.public_id), "metric": "leads"}


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """A goal and a saved report of oscar's."""
    return _objects(personas["oscar"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice)
