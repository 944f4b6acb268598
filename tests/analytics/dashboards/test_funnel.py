"""The shared funnel: every count, conversion and median recomputed from the raw rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from leadline.analytics.rollups import rollups_rebuild
from tests.analytics.dashboards import sql
from tests.analytics.dashboards.dataset import World

WINDOWS = [
    (date(2026, 1, 1), date(2026, 3, 15)),
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 3, 3), date(2026, 3, 3)),  # one day
]
STEPS = ["lead", "mql", "sql", "opportunity", "customer"]


def expected_funnel(
    filters: ReportFilters, *, source: str = "", owner_id: int | None = None
) -> list[dict[str, Any]]:
    columns = sql.contact_columns()
    wanted = {
        contact_id
        for contact_id, (contact_source, _campaign, owner) in columns.items()
        if (not source or contact_source == source) and (owner_id is None or owner == owner_id)
    }
    reached = {"visitor": sql.first_visit(), **{step: sql.reached_at(step) for step in STEPS}}
    start, end = filters.start_at, filters.end_at
    result = []
    previous_key = "visitor"
    for step in STEPS:
        inside = [cid for cid, at in reached[step].items() if cid in wanted and start <= at < end]
        gaps = [
            reached[step][cid] - reached[previous_key][cid] for cid in inside if cid in reached[previous_key]
        ]
        median = sql.median(gaps)
        result.append(
            {
                "key": step,
                "count": len(inside),
                "median_hours": None if median is None else round(median.total_seconds() / 3600, 1),
            }
        )
        previous_key = step
    return result


def expected_visitors(filters: ReportFilters) -> int:
    firsts = sql.rows(
        "SELECT visitor_id, MIN(occurred_at) FROM activity_activity WHERE kind = 'page.view' "
        "AND session_id IS NOT NULL AND visitor_id IS NOT NULL GROUP BY visitor_id"
    )
    return sum(1 for _, at in firsts if filters.start_at <= sql.as_utc(at) < filters.end_at)


@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_it_counts_each_step_as_the_raw_rows_do(world: World, start: date, end: date) -> None:
    filters = ReportFilters(start=start, end=end)
    rows = selectors.funnel(filters)
    expected = expected_funnel(filters)
    assert [row.key for row in rows] == ["visitor", *STEPS]
    assert rows[0].count == expected_visitors(filters)
    assert [(row.key, row.count, row.median_hours) for row in rows[1:]] == [
        (row["key"], row["count"], row["median_hours"]) for row in expected
    ]
    counts = [row.count for row in rows]
    for index, row in enumerate(rows[1:], start=1):
        previous = counts[index - 1]
        assert row.conversion == (round(100.0 * row.count / previous, 1) if previous else None)


def test_it_filters_the_funnel_by_source_and_owner(world: World) -> None:
    owner = world.users[0]
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15), source="email", owner_id=owner.pk)
    rows = selectors.funnel(filters)
    expected = expected_funnel(filters, source="email", owner_id=owner.pk)
    assert [row.count for row in rows[1:]] == [row["count"] for row in expected]
    assert sum(row["count"] for row in expected) > 0


def test_it_counts_the_leaks_at_the_hand_off(world: World) -> None:
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15))
    leaks = selectors.handoff_leaks(filters)
    start, end = filters.start_at, filters.end_at
    handoffs = sql.rows(
        "SELECT contact_id, assigned_at, state, decided_at, rejection_reason_id FROM sales_handoff"
    )
    inside = [row for row in handoffs if start <= sql.as_utc(row[1]) < end]
    assert leaks.handed_off == len(inside)
    assert leaks.accepted == sum(1 for row in inside if row[2] == "accepted")
    assert leaks.rejected == sum(1 for row in inside if row[2] in ("rejected", "recycled"))
    assert leaks.pending == sum(1 for row in inside if row[2] == "pending")
    labels = dict(sql.rows("SELECT id, label FROM sales_rejectionreason"))
    by_reason: dict[str, int] = {}
    for row in handoffs:
        if row[2] in ("rejected", "recycled") and row[3] is not None and start <= sql.as_utc(row[3]) < end:
            label = labels.get(row[4], "No reason given")
            by_reason[label] = by_reason.get(label, 0) + 1
    assert {row["label"]: row["count"] for row in leaks.by_reason} == by_reason
    came_back = {
        row[0]
        for row in inside
        if any(
            other[0] == row[0]
            and other[2] in ("rejected", "recycled")
            and sql.as_utc(other[1]) < sql.as_utc(row[1])
            for other in handoffs
        )
    }
    assert leaks.came_back == len(came_back) > 0


def test_it_groups_cohorts_by_first_touch_month(world: World) -> None:
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15))
    cohorts = {row["month"]: row for row in selectors.cohorts(filters)}
    firsts = sql.first_visit()
    leads = sql.reached_at("lead")
    customers = sql.reached_at("customer")
    expected: dict[date, dict[str, int]] = {}
    for contact_id in sql.contact_columns():
        touch = firsts.get(contact_id) or leads.get(contact_id)
        if touch is None or not (filters.start_at <= touch < filters.end_at):
            continue
        month = touch.date().replace(day=1)
        entry = expected.setdefault(month, {"contacts": 0, "customer": 0})
        entry["contacts"] += 1
        entry["customer"] += contact_id in customers
    assert {
        month: {"contacts": row["contacts"], "customer": row["customer"]} for month, row in cohorts.items()
    } == expected


def test_it_shows_an_empty_funnel_without_data(db: None) -> None:
    rows = selectors.funnel(ReportFilters(start=date(2026, 1, 1), end=date(2026, 1, 31)))
    assert [row.count for row in rows] == [0] * 6
    assert all(row.conversion is None and row.median_hours is None for row in rows)


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_it_cuts_months_at_local_midnight(world: World) -> None:
    rollups_rebuild()
    filters = ReportFilters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert filters.start_at.utcoffset() == timedelta(hours=13)
    rows = selectors.funnel(filters)
    expected = expected_funnel(filters)
    assert [row.count for row in rows[1:]] == [row["count"] for row in expected]
    utc = ReportFilters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert utc.start_at < ReportFilters(start=date(2026, 2, 2), end=date(2026, 2, 28)).start_at


def test_it_converts_leads_to_customers_by_source(world: World) -> None:
    filters = ReportFilters(start=date(2026, 1, 1), end=date(2026, 2, 28))
    columns = sql.contact_columns()
    leads = sql.reached_at("lead")
    customers = sql.reached_at("customer")
    expected: dict[str, list[int]] = {}
    for contact_id, at in leads.items():
        if filters.start_at <= at < filters.end_at:
            entry = expected.setdefault(columns[contact_id][0], [0, 0])
            entry[0] += 1
            entry[1] += contact_id in customers
    rows = selectors.conversion_by_source(filters)
    assert {row["source"]: [row["leads"], row["customers"]] for row in rows} == expected
    assert all(row["conversion"] == round(100.0 * row["customers"] / row["leads"], 1) for row in rows)
