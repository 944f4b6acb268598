"""Saved custom reports: a metric by a breakdown, with filters, matching the dashboards' numbers."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from leadline.accounts.models import User
from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from leadline.analytics.models import SavedReport
from leadline.analytics.reports import report_rows
from tests.analytics.dashboards.dataset import World
from tests.conftest import client_for

FILTERS = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15))


def test_it_breaks_leads_down_by_source_like_the_dashboard(world: World) -> None:
    rows = {row["label"]: row["value"] for row in report_rows("leads", "source", FILTERS)}
    expected = {row["source"]: row["leads"] for row in selectors.contacts_by_source(FILTERS) if row["leads"]}
    assert rows == expected


def test_it_breaks_revenue_down_by_month_per_currency(world: World) -> None:
    rows = {(row["label"], row["currency"]): row["value"] for row in report_rows("revenue", "month", FILTERS)}
    expected = {
        (row["month"].strftime("%Y-%m"), row["currency"]): row["net"]
        for row in selectors.revenue_by_month(FILTERS)
    }
    assert rows == expected


def test_it_sums_the_sessions_by_day_to_the_total(world: World) -> None:
    rows = report_rows("sessions", "day", FILTERS)
    assert sum(row["value"] for row in rows) == selectors.traffic_totals(FILTERS)["sessions"]


def test_it_saves_a_report_with_the_filters_and_shows_it(world: World, maria: User, sam: User) -> None:
    client = client_for(maria)
    response = client.post(
        reverse("analytics:report_list") + "?source=email&start=2026-01-01",
        {"name": "Email leads", "metric": "leads", "breakdown": "month"},
    )
    assert response.status_code == 302
    report = SavedReport.objects.get()
    assert report.filters == {"source": "email"}
    page = client_for(sam).get(response["Location"], {"start": "2026-01-01", "end": "2026-03-15"})
    assert page.status_code == 200
    assert "<canvas" in page.content.decode()
    export = client_for(sam).get(reverse("analytics:report_export", args=[report.public_id]))
    assert export.status_code == 200
    assert export.content.decode().startswith("Month,Leads")
    assert (
        client_for(sam).post(reverse("analytics:report_delete", args=[report.public_id])).status_code == 404
    )
    assert client.post(reverse("analytics:report_delete", args=[report.public_id])).status_code == 302


def test_it_refuses_an_unknown_metric(maria: User) -> None:
    response = client_for(maria).post(
        reverse("analytics:report_list"), {"name": "x", "metric": "x", "breakdown": "day"}
    )
    assert response.status_code == 400
