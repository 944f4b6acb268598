"""Marketing numbers recomputed from the raw activity, contact, form and email rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from tests.analytics.dashboards import sql
from tests.analytics.dashboards.dataset import World

FILTERS = ReportFilters(start=date(2026, 2, 1), end=date(2026, 3, 15))


def raw_sessions() -> dict[Any, dict[str, Any]]:
    """session → its first view's time and attribution, its visitor, and how many views it had."""
    sessions: dict[Any, dict[str, Any]] = {}
    for session, visitor, at, source, medium, campaign in sql.rows(
        "SELECT session_id, visitor_id, occurred_at, source, medium, campaign FROM activity_activity "
        "WHERE kind = 'page.view' AND session_id IS NOT NULL ORDER BY occurred_at, id"
    ):
        moment = sql.as_utc(at)
        entry = sessions.setdefault(
            session,
            {
                "visitor": visitor,
                "start": moment,
                "source": source,
                "medium": medium,
                "campaign": campaign,
                "views": 0,
            },
        )
        entry["views"] += 1
    return sessions


def test_it_counts_visits_visitors_and_page_views(world: World) -> None:
    sessions = raw_sessions()
    first_visit: dict[Any, Any] = {}
    for entry in sessions.values():
        first_visit[entry["visitor"]] = min(first_visit.get(entry["visitor"], entry["start"]), entry["start"])
    inside = [entry for entry in sessions.values() if FILTERS.start_at <= entry["start"] < FILTERS.end_at]
    totals = selectors.traffic_totals(FILTERS)
    assert totals["sessions"] == len(inside) > 0
    assert totals["visitors"] == len({entry["visitor"] for entry in inside})
    assert totals["page_views"] == sum(entry["views"] for entry in inside)
    assert totals["direct_sessions"] == sum(1 for entry in inside if entry["source"] == "")
    assert totals["returning_visitors"] == len(
        {entry["visitor"] for entry in inside if entry["start"] > first_visit[entry["visitor"]]}
    )
    by_source = Counter((entry["source"], entry["medium"]) for entry in inside)
    assert {
        (row["source"], row["medium"]): row["sessions"] for row in selectors.traffic_sources(FILTERS)
    } == by_source
    by_campaign = Counter(entry["campaign"] for entry in inside if entry["campaign"])
    assert {row["campaign"]: row["sessions"] for row in selectors.traffic_campaigns(FILTERS)} == by_campaign
    per_day = Counter(entry["start"].date() for entry in inside)
    assert {
        row["day"]: row["sessions"] for row in selectors.traffic_by_day(FILTERS) if row["sessions"]
    } == per_day


def test_it_ranks_top_pages_from_every_view(world: World) -> None:
    views: Counter[str] = Counter()
    for url, at in sql.rows("SELECT url, occurred_at FROM activity_activity WHERE kind = 'page.view'"):
        moment = sql.as_utc(at)
        if FILTERS.start <= moment.date() <= FILTERS.end:
            views[urlsplit(url).path] += 1
    assert {row["path"]: row["views"] for row in selectors.top_pages(FILTERS, limit=100)} == dict(views)


def test_it_counts_new_contacts_and_leads_by_source(world: World) -> None:
    created: Counter[str] = Counter()
    for source, at in sql.rows("SELECT original_source, created_at FROM contacts_contact"):
        if FILTERS.start_at <= sql.as_utc(at) < FILTERS.end_at:
            created[source] += 1
    columns = sql.contact_columns()
    leads: Counter[str] = Counter()
    for contact_id, at in sql.reached_at("lead").items():
        if FILTERS.start_at <= at < FILTERS.end_at:
            leads[columns[contact_id][0]] += 1
    rows = selectors.contacts_by_source(FILTERS)
    assert {row["source"]: row["new_contacts"] for row in rows if row["new_contacts"]} == dict(created)
    assert {row["source"]: row["leads"] for row in rows if row["leads"]} == dict(leads)


def test_it_counts_form_submissions_and_their_rate(world: World) -> None:
    submissions = [sql.as_utc(at) for (at,) in sql.rows("SELECT created_at FROM forms_formsubmission")]
    inside = sum(1 for at in submissions if FILTERS.start_at <= at < FILTERS.end_at)
    sessions = selectors.traffic_totals(FILTERS)["sessions"]
    rows = selectors.form_conversion(FILTERS, sessions)
    assert sum(row["submissions"] for row in rows) == inside > 0
    assert rows[0]["rate"] == round(100.0 * rows[0]["submissions"] / sessions, 1)


def test_it_charts_human_opens_and_clicks_of_marketing_email(world: World) -> None:
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sent, opened, clicked in sql.rows(
        "SELECT sent_at, opened_at, clicked_at FROM mail_outboundmessage WHERE kind = 'marketing' AND sent_at IS NOT NULL"
    ):
        moment = sql.as_utc(sent)
        if FILTERS.start_at <= moment < FILTERS.end_at:
            entry = per_day[moment.date()]
            entry[0] += 1
            entry[1] += opened is not None
            entry[2] += clicked is not None
    rows = selectors.email_by_day(FILTERS)
    assert len(rows) == FILTERS.days
    assert {row["day"]: [row["sent"], row["opened"], row["clicked"]] for row in rows if row["sent"]} == dict(
        per_day
    )


def test_it_compares_with_the_period_just_before(world: World) -> None:
    previous = FILTERS.previous()
    assert previous.end == FILTERS.start - timedelta(days=1)
    assert previous.days == FILTERS.days
