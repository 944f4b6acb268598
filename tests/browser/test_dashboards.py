"""The reports in a real browser: each dashboard draws its charts, the table behind each chart is
there, and a new date range changes the numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from leadline.analytics.rollups import rollups_rebuild
from tests.analytics.dashboards.dataset import build_world

pytestmark = pytest.mark.browser

RANGE = "start=2026-01-01&end=2026-03-15&compare=on"


@pytest.fixture
def reports(signed_in_page):
    build_world()
    rollups_rebuild()
    return signed_in_page


def leads_figure(page):
    return page.locator('[data-figure="Leads"] .value')


def test_each_dashboard_draws_its_charts_over_their_tables(reports):
    page = reports
    for path, heading in (
        ("/reports/", "Shared funnel"),
        ("/reports/marketing/", "Marketing"),
        ("/reports/sales/", "Sales"),
    ):
        page.goto(f"{path}?{RANGE}")
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        charts = page.locator("canvas[data-chart]")
        expect(charts.first).to_have_attribute("data-rendered", "true")
        assert charts.count() == page.locator('canvas[data-rendered="true"]').count() > 0
        assert page.locator("table[data-table] tbody tr").count() > 0
    page.goto(f"/reports/?{RANGE}")
    funnel = page.locator('table[data-table="funnel"]')
    expect(funnel.get_by_role("rowheader", name="Customers")).to_be_visible()


def test_a_new_date_range_changes_the_numbers_and_leads_to_the_people(reports):
    page = reports
    page.goto(f"/reports/?{RANGE}")
    whole = leads_figure(page).inner_text()
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-07")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**start=2026-03-01**")
    week = leads_figure(page).inner_text()
    assert int(week) < int(whole)
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-rendered", "true")
    leads_figure(page).get_by_role("link").click()
    expect(
        page.get_by_role("heading", level=1, name="Contacts who reached a step of the funnel")
    ).to_be_visible()
    assert page.locator("tbody tr").count() == min(int(week), 50)
