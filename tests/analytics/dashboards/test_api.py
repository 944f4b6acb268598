"""The reports API: the same numbers as the screens, the same filters, clear 400s for bad ones."""

from __future__ import annotations

from datetime import date

from leadline.accounts.models import User
from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from tests.analytics.dashboards.dataset import World
from tests.api.client import ApiClient, token_for

RANGE = {"start": "2026-01-01", "end": "2026-03-15"}


def test_it_serves_the_funnel_with_the_screens_numbers(world: World, alice: User) -> None:
    client = ApiClient(token_for(alice, ["contacts:read"]))
    response = client.get("/reports/funnel", **RANGE, source="email")
    assert response.status_code == 200, response.content
    body = response.json()
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15), source="email")
    assert [step["count"] for step in body["steps"]] == [row.count for row in selectors.funnel(filters)]
    assert body["previous_window"] == {"start": "2025-10-19", "end": "2025-12-31"}
    assert body["leaks"]["handed_off"] == selectors.handoff_leaks(filters).handed_off


def test_it_serves_marketing_and_sales_metrics(world: World, alice: User) -> None:
    client = ApiClient(token_for(alice, ["contacts:read", "sales:read"]))
    marketing = client.get("/reports/marketing", **RANGE)
    assert marketing.status_code == 200, marketing.content
    assert marketing.json()["totals"]["sessions"] > 0
    sales = client.get("/reports/sales", **RANGE, owner=str(world.users[0].public_id))
    assert sales.status_code == 200, sales.content
    currencies = {row["currency"] for row in sales.json()["revenue_by_month"]}
    assert currencies <= {"USD", "EUR"}


def test_it_serves_one_metric_with_the_previous_period(world: World, alice: User) -> None:
    client = ApiClient(token_for(alice, ["contacts:read"]))
    response = client.get("/reports/metrics/leads", **RANGE)
    assert response.status_code == 200, response.content
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15))
    assert response.json()["value"] == selectors.funnel(filters)[1].count
    revenue = client.get("/reports/metrics/revenue", **RANGE)
    assert revenue.status_code == 400
    assert client.get("/reports/metrics/revenue", **RANGE, currency="EUR").status_code == 200


def test_it_refuses_bad_filters_with_a_400(alice: User) -> None:
    client = ApiClient(token_for(alice, ["contacts:read"]))
    assert client.get("/reports/funnel", start="2026-03-01", end="2026-01-01").status_code == 400
    assert client.get("/reports/funnel", start="not a date").status_code in (400, 422)
    assert client.get("/reports/funnel", owner="00000000-0000-0000-0000-000000000000").status_code == 400
    assert client.get("/reports/metrics/nonsense").status_code in (400, 404, 422)


def test_it_needs_the_sales_scope_for_sales_numbers(sam: User) -> None:
    client = ApiClient(token_for(sam, ["contacts:read"]))
    assert client.get("/reports/sales").status_code == 403
    assert client.get("/reports/funnel").status_code == 200


def test_it_documents_the_routes(db: None) -> None:
    paths = ApiClient().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/reports/funnel",
        "/api/v1/reports/marketing",
        "/api/v1/reports/sales",
        "/api/v1/reports/goals",
    ):
        assert path in paths
