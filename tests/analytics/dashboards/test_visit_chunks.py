"""The visits packed by day (what the marketing numbers read) follow the visit rollup through the
worker's folds, a rebuild and an upgrade that left the days unpacked; the distinct visitor counts
per day, source and campaign agree with the visit rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from leadline.activity.models import Activity, Kind
from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from leadline.analytics.models import TrafficSession, VisitChunk
from leadline.analytics.paths import session_key
from leadline.analytics.rollups import rollups_rebuild, rollups_update
from leadline.analytics.visits import KNOWN_TERM, RETURNING, SEARCH, visits_read
from tests.analytics.dashboards import sql
from tests.analytics.dashboards.dataset import NOW, World

FILTERS = ReportFilters(start=date(2026, 2, 1), end=date(2026, 3, 15))
ALL_TIME = ReportFilters(start=date(2000, 1, 1), end=date(2030, 1, 1))


def packed() -> list[tuple[Any, ...]]:
    frame = visits_read(ALL_TIME.start_at, ALL_TIME.end_at)
    return sorted(
        (us, visitor, frame.origins[origin], views, flags)
        for us, visitor, origin, views, flags in zip(
            frame.us.tolist(),
            frame.visitor.tolist(),
            frame.origin.tolist(),
            frame.views.tolist(),
            frame.flags.tolist(),
            strict=True,
        )
    )


def visit_rows() -> list[tuple[Any, ...]]:
    return sorted(
        (
            int(sql.as_utc(started).timestamp() * 1_000_000),
            session_key(visitor),
            (source, medium, campaign),
            views,
            (RETURNING if returning else 0) | (SEARCH if search else 0) | (KNOWN_TERM if term else 0),
        )
        for started, visitor, source, medium, campaign, views, returning, search, term in sql.rows(
            "SELECT started_at, visitor_id, source, medium, campaign, page_views, is_returning, is_search, "
            "search_term FROM analytics_trafficsession"
        )
    )


def numbers(filters: ReportFilters) -> dict[str, Any]:
    return {
        "totals": selectors.traffic_totals(filters),
        "days": selectors.traffic_by_day(filters),
        "sources": selectors.traffic_sources(filters),
        "campaigns": selectors.traffic_campaigns(filters),
    }


def test_the_packed_days_follow_the_visits_through_folds_and_rebuilds(world: World) -> None:
    assert VisitChunk.objects.count() > 1
    assert packed() == visit_rows() != []
    old = TrafficSession.objects.order_by("started_at").first()
    assert old is not None
    Activity.objects.bulk_create(
        [
            # One more page of an old visit, a new visit of an old visitor, a brand-new visitor.
            Activity(kind=Kind.PAGE_VIEW, occurred_at=NOW, visitor_id=old.visitor_id, session_id=old.session_id,
                     url="https://example.test/pricing"),
            Activity(kind=Kind.PAGE_VIEW, occurred_at=NOW, visitor_id=old.visitor_id, session_id=uuid.uuid4(),
                     url="https://example.test/", source="linkedin", medium="social"),
            Activity(kind=Kind.PAGE_VIEW, occurred_at=NOW - timedelta(days=1), visitor_id=uuid.uuid4(),
                     session_id=uuid.uuid4(), url="https://example.test/?utm_term=leadline", source="google",
                     medium="cpc"),
        ]
    )  # fmt: skip
    rollups_update(batch_size=2)
    folded = packed()
    assert folded == visit_rows()
    assert ("linkedin", "social", "") in {row[2] for row in folded}
    rollups_rebuild()
    assert packed() == folded


def test_days_left_unpacked_by_an_upgrade_read_the_same_until_the_worker_packs_them(world: World) -> None:
    expected = numbers(FILTERS)
    assert expected["totals"]["sessions"] > 0
    VisitChunk.objects.update(dirty=True, visits=b"", count=0)
    assert numbers(FILTERS) == expected
    rollups_update()
    assert not VisitChunk.objects.filter(dirty=True).exists()
    assert numbers(FILTERS) == expected


def test_distinct_visitors_per_day_source_and_campaign_agree_with_the_visit_rows(world: World) -> None:
    per_day: dict[date, set[Any]] = defaultdict(set)
    per_source: dict[tuple[str, str], set[Any]] = defaultdict(set)
    per_campaign: dict[tuple[str, str, str], set[Any]] = defaultdict(set)
    google = ReportFilters(start=FILTERS.start, end=FILTERS.end, source="google")
    google_visitors: set[Any] = set()
    for started, visitor, source, medium, campaign in sql.rows(
        "SELECT started_at, visitor_id, source, medium, campaign FROM analytics_trafficsession"
    ):
        moment = sql.as_utc(started)
        if not FILTERS.start_at <= moment < FILTERS.end_at:
            continue
        per_day[moment.date()].add(visitor)
        per_source[(source, medium)].add(visitor)
        if campaign:
            per_campaign[(campaign, source, medium)].add(visitor)
        if source == "google":
            google_visitors.add(visitor)
    assert {row["day"]: row["visitors"] for row in selectors.traffic_by_day(FILTERS) if row["visitors"]} == {
        day: len(visitors) for day, visitors in per_day.items()
    }
    assert {
        (row["source"], row["medium"]): row["visitors"] for row in selectors.traffic_sources(FILTERS)
    } == {key: len(visitors) for key, visitors in per_source.items()}
    assert {
        (row["campaign"], row["source"], row["medium"]): row["visitors"]
        for row in selectors.traffic_campaigns(FILTERS)
    } == {key: len(visitors) for key, visitors in per_campaign.items()}
    assert selectors.traffic_totals(google)["visitors"] == len(google_visitors) > 0
