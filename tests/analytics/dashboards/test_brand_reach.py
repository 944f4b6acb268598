"""Brand reach on the marketing dashboard: which visits came from a search engine, which of those
searched for the brand, the setting that names the brand, and the same numbers in the API."""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from leadline.accounts.models import User
from leadline.activity.models import Activity, Kind
from leadline.analytics import selectors
from leadline.analytics.brand import brand_terms, brand_terms_update, search_of
from leadline.analytics.dashboards import marketing_dashboard
from leadline.analytics.metrics import ReportFilters
from leadline.analytics.models import TrafficSession
from leadline.analytics.rollups import rollups_rebuild, rollups_update
from tests.analytics.dashboards import sql
from tests.api.client import ApiClient, token_for
from tests.conftest import client_for

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
FILTERS = ReportFilters(start=date(2026, 2, 14), end=date(2026, 3, 15))
RANGE = {"start": "2026-02-14", "end": "2026-03-15"}
SITE = "https://www.northwind.example"


@dataclass(frozen=True)
class Arrival:
    query: str  # on the landing page
    referrer: str
    source: str  # what ingestion stored for the first page view
    medium: str
    search: str | None  # what was searched for, as a person reads it; "" unknown; None: no search


ARRIVALS = [
    Arrival("?utm_source=google&utm_medium=cpc&utm_term=northwind+pricing", "https://www.google.com/",
            "google", "cpc", "northwind pricing"),
    Arrival("", "https://www.google.com/search?q=Northwind%20CRM", "google.com", "organic", "northwind crm"),
    Arrival("", "https://www.bing.com/search?q=crm+for+small+business", "bing.com", "organic",
            "crm for small business"),
    Arrival("", "https://duckduckgo.com/", "duckduckgo.com", "organic", ""),
    Arrival("", "https://search.yahoo.com/search?p=caf%C3%A9+lumi%C3%A8re+hours", "search.yahoo.com", "organic",
            "cafe lumiere hours"),
    Arrival("", "https://yandex.ru/search/?text=NORTHWIND", "yandex.ru", "organic", "northwind"),
    Arrival("", "https://www.baidu.com/s?wd=crm", "baidu.com", "organic", "crm"),
    Arrival("?utm_source=adnetwork&utm_medium=ppc&utm_term=workflow+tool", "", "adnetwork", "ppc",
            "workflow tool"),
    Arrival("?utm_source=Google&utm_medium=cpc", "", "Google", "cpc", ""),
    Arrival("?utm_source=newsletter&utm_medium=email&utm_campaign=march", "", "newsletter", "email", None),
    Arrival("", "https://news.ycombinator.com/item?q=northwind", "news.ycombinator.com", "referral", None),
    Arrival("", "", "", "", None),
]  # fmt: skip


# --- Classification ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arrival", ARRIVALS, ids=lambda arrival: arrival.referrer or arrival.query or "direct"
)
def test_it_tells_search_visits_and_what_was_searched(arrival: Arrival) -> None:
    found = search_of(
        url=f"{SITE}/{arrival.query}", referrer=arrival.referrer, source=arrival.source, medium=arrival.medium
    )
    assert found == (arrival.search is not None, arrival.search or "")


def test_it_prefers_the_utm_term_to_the_referrers_search() -> None:
    found = search_of(
        url=f"{SITE}/?utm_source=google&utm_medium=cpc&utm_term=Brand+Ad",
        referrer="https://www.google.com/search?q=something+else",
        source="google",
        medium="cpc",
    )
    assert found == (True, "brand ad")


def test_it_counts_a_search_medium_without_a_search_engine() -> None:
    assert search_of(url=f"{SITE}/", referrer="", source="partner-site", medium="Organic") == (True, "")
    assert search_of(url=f"{SITE}/?utm_term=x", referrer="", source="partner-site", medium="display") == (
        False,
        "",
    )


# --- A small generated workspace ------------------------------------------------------------------------


@dataclass
class Visits:
    arrival_of: dict[str, Arrival]  # session id (text) → how it arrived


@pytest.fixture
def frozen_now() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _write_visits(seed: int = 5, visitors: int = 70) -> Visits:
    rng = random.Random(seed)
    rows: list[Activity] = []
    arrival_of: dict[str, Arrival] = {}
    for _ in range(visitors):
        visitor = uuid.uuid4()
        moment = NOW - timedelta(days=rng.uniform(0, 58), hours=rng.uniform(0, 20))
        for _ in range(rng.choice([1, 1, 2, 3])):
            if moment >= NOW:
                break
            session = uuid.uuid4()
            arrival = rng.choice(ARRIVALS)
            arrival_of[str(session)] = arrival
            for index in range(rng.randint(1, 3)):
                rows.append(
                    Activity(
                        kind=Kind.PAGE_VIEW,
                        occurred_at=moment + timedelta(minutes=3 * index),
                        visitor_id=visitor,
                        session_id=session,
                        url=f"{SITE}/{arrival.query}" if index == 0 else f"{SITE}/pricing",
                        referrer=arrival.referrer if index == 0 else f"{SITE}/",
                        source=arrival.source if index == 0 else "",
                        medium=arrival.medium if index == 0 else "",
                    )
                )
            moment += timedelta(days=rng.uniform(0.5, 9))
    Activity.objects.bulk_create(rows)
    return Visits(arrival_of)


@pytest.fixture
def visits(db: None, frozen_now: Any) -> Visits:
    written = _write_visits()
    rollups_rebuild()
    return written


def expected(visits: Visits, filters: ReportFilters, terms: list[str]) -> dict[str, int]:
    """The brand-reach numbers from the raw page views and how each visit arrived. `terms` are
    lower-case and without accents, as a person would write them."""
    first: dict[str, tuple[datetime, Any]] = {}
    for session, visitor, at in sql.rows(
        "SELECT session_id, visitor_id, occurred_at FROM activity_activity WHERE kind = 'page.view' "
        "ORDER BY occurred_at, id"
    ):
        first.setdefault(str(uuid.UUID(str(session))), (sql.as_utc(at), str(visitor)))
    first_visit: dict[str, datetime] = {}
    for moment, visitor in first.values():
        first_visit[visitor] = min(first_visit.get(visitor, moment), moment)
    counts = dict.fromkeys(["direct", "branded", "non_branded", "unknown", "search"], 0)
    returning: set[str] = set()
    for session, (moment, visitor) in first.items():
        if not filters.start_at <= moment < filters.end_at:
            continue
        arrival = visits.arrival_of[session]
        if moment > first_visit[visitor]:
            returning.add(visitor)
        if arrival.source == "":
            counts["direct"] += 1
        if arrival.search is None:
            continue
        counts["search"] += 1
        if arrival.search == "":
            counts["unknown"] += 1
        elif any(term in arrival.search for term in terms):
            counts["branded"] += 1
        else:
            counts["non_branded"] += 1
    return {
        "direct_sessions": counts["direct"],
        "search_sessions": counts["search"],
        "branded_search_sessions": counts["branded"],
        "non_branded_search_sessions": counts["non_branded"],
        "unknown_term_search_sessions": counts["unknown"],
        "returning_visitors": len(returning),
    }


def reach_numbers(filters: ReportFilters) -> dict[str, int]:
    reach = selectors.brand_reach(filters, brand_terms())
    return {key: value for key, value in reach.items() if key in BRAND_KEYS}


BRAND_KEYS = {
    "direct_sessions",
    "search_sessions",
    "branded_search_sessions",
    "non_branded_search_sessions",
    "unknown_term_search_sessions",
    "returning_visitors",
}


def test_it_counts_brand_reach_like_the_raw_visits(visits: Visits) -> None:
    brand_terms_update(actor=None, terms="Northwind, Café Lumière")
    numbers = reach_numbers(FILTERS)
    assert numbers == expected(visits, FILTERS, ["northwind", "cafe lumiere"])
    assert numbers["branded_search_sessions"] > 0
    assert numbers["non_branded_search_sessions"] > 0
    assert numbers["unknown_term_search_sessions"] > 0
    assert numbers["direct_sessions"] == selectors.traffic_totals(FILTERS)["direct_sessions"]
    previous = FILTERS.previous()
    assert reach_numbers(previous) == expected(visits, previous, ["northwind", "cafe lumiere"])


def test_it_reclassifies_past_visits_when_the_terms_change(visits: Visits) -> None:
    brand_terms_update(actor=None, terms="Northwind")
    with_northwind = reach_numbers(FILTERS)
    assert with_northwind == expected(visits, FILTERS, ["northwind"])
    brand_terms_update(actor=None, terms="CRM")
    with_crm = reach_numbers(FILTERS)
    assert with_crm == expected(visits, FILTERS, ["crm"])
    assert with_crm["branded_search_sessions"] != with_northwind["branded_search_sessions"]
    brand_terms_update(actor=None, terms="")
    reach = selectors.brand_reach(FILTERS, brand_terms())
    assert reach["has_terms"] is False
    assert reach["branded_search_sessions"] == 0


def test_it_follows_the_source_filter(visits: Visits) -> None:
    brand_terms_update(actor=None, terms="northwind")
    only_google = ReportFilters(start=FILTERS.start, end=FILTERS.end, source="google.com")
    numbers = reach_numbers(only_google)
    organic_google = [
        session
        for session, arrival in visits.arrival_of.items()
        if arrival.source == "google.com"
        and TrafficSession.objects.filter(
            session_id=session, started_at__gte=FILTERS.start_at, started_at__lt=FILTERS.end_at
        ).exists()
    ]
    assert numbers["search_sessions"] == numbers["branded_search_sessions"] == len(organic_google) > 0
    assert numbers["direct_sessions"] == 0


def test_the_worker_stores_the_search_like_a_rebuild(db: None, frozen_now: Any) -> None:
    _write_visits(seed=9, visitors=30)
    rollups_update()
    folded = sorted(TrafficSession.objects.values_list("session_id", "is_search", "search_term"))
    rollups_rebuild()
    rebuilt = sorted(TrafficSession.objects.values_list("session_id", "is_search", "search_term"))
    assert folded == rebuilt
    assert any(term for _, _, term in rebuilt)


# --- The dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_brand_reach_block_with_the_period_before(
    visits: Visits, alice: User
) -> None:
    brand_terms_update(actor=None, terms="Northwind, Café Lumière")
    page = marketing_dashboard(FILTERS, compare=True)
    table = page.table("brand_reach")
    assert table is not None and table.chart is not None
    now = expected(visits, FILTERS, ["northwind", "cafe lumiere"])
    before = expected(visits, FILTERS.previous(), ["northwind", "cafe lumiere"])
    values = {row[0].value: [cell.value for cell in row[1:3]] for row in table.rows}
    assert values["Branded search visits"] == [
        now["branded_search_sessions"],
        before["branded_search_sessions"],
    ]
    assert values["Non-branded search visits"] == [
        now["non_branded_search_sessions"],
        before["non_branded_search_sessions"],
    ]
    assert values["Direct visits"] == [now["direct_sessions"], before["direct_sessions"]]
    assert values["Returning visitors"] == [now["returning_visitors"], before["returning_visitors"]]
    figure = next(figure for figure in page.figures if figure.label == "Branded search visits")
    assert (figure.value, figure.previous) == (
        now["branded_search_sessions"],
        before["branded_search_sessions"],
    )

    response = client_for(alice).get(reverse("analytics:marketing"), {**RANGE, "compare": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="chart-brand_reach"' in body
    assert 'data-table="brand_reach"' in body
    export = client_for(alice).get(reverse("analytics:export", args=["marketing", "brand_reach"]), RANGE)
    assert export.status_code == 200
    lines = list(csv.reader(io.StringIO(export.content.decode())))
    assert lines[0] == ["Signal", "This period"]
    assert ["Branded search visits", str(now["branded_search_sessions"])] in lines


def test_without_brand_terms_it_says_to_set_them_to_those_who_may(
    visits: Visits, maria: User, sam: User
) -> None:
    settings_url = reverse("analytics:report_settings")
    for_maria = client_for(maria).get(reverse("analytics:marketing"), RANGE).content.decode()
    assert "Set your brand terms" in for_maria
    assert f'href="{settings_url}"' in for_maria
    for_sam = client_for(sam).get(reverse("analytics:marketing"), RANGE).content.decode()
    assert "Set your brand terms" in for_sam
    assert f'href="{settings_url}"' not in for_sam


# --- The setting ----------------------------------------------------------------------------------------


def test_marketing_sets_the_brand_terms_normalised(maria: User) -> None:
    client = client_for(maria)
    response = client.post(
        reverse("analytics:report_settings"), {"brand_terms": " Northwind ,northwind, Café  Lumière,, "}
    )
    assert response.status_code == 302
    assert brand_terms() == ["Northwind", "Café Lumière"]
    page = client.get(reverse("analytics:report_settings")).content.decode()
    assert 'value="Northwind, Café Lumière"' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Northwind, x", "too short"),
        (", ".join(f"brand{number}" for number in range(21)), "At most 20"),
        ("n" * 61, "too long"),
    ],
)
def test_it_refuses_bad_brand_terms_and_keeps_the_old_ones(alice: User, typed: str, message: str) -> None:
    brand_terms_update(actor=None, terms="Northwind")
    response = client_for(alice).post(reverse("analytics:report_settings"), {"brand_terms": typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert brand_terms() == ["Northwind"]


def test_sales_read_the_brand_terms_but_cannot_change_them(sam: User) -> None:
    brand_terms_update(actor=None, terms="Northwind")
    client = client_for(sam)
    page = client.get(reverse("analytics:report_settings"))
    assert page.status_code == 200
    assert "Northwind" in page.content.decode()
    assert "Save brand terms" not in page.content.decode()
    assert client.post(reverse("analytics:report_settings"), {"brand_terms": "Other"}).status_code == 403
    assert brand_terms() == ["Northwind"]


# --- The API ------------------------------------------------------------------------------------------


def test_the_api_serves_the_same_brand_reach(visits: Visits, sam: User) -> None:
    brand_terms_update(actor=None, terms="Northwind, Café Lumière")
    client = ApiClient(token_for(sam, ["contacts:read"]))
    response = client.get("/reports/marketing", **RANGE)
    assert response.status_code == 200, response.content
    reach = response.json()["brand_reach"]
    assert reach["brand_terms"] == ["Northwind", "Café Lumière"]
    assert reach["current"] == expected(visits, FILTERS, ["northwind", "cafe lumiere"])
    assert reach["previous"] == expected(visits, FILTERS.previous(), ["northwind", "cafe lumiere"])
    filtered = client.get("/reports/marketing", **RANGE, source="google.com").json()["brand_reach"]
    assert filtered["current"]["direct_sessions"] == 0
    assert filtered["current"]["search_sessions"] <= reach["current"]["search_sessions"]


def test_the_api_reads_and_changes_the_brand_terms(maria: User, sam: User) -> None:
    marketing = ApiClient(token_for(maria, ["contacts:read", "settings:write"]))
    changed = marketing.patch(
        "/reports/settings", {"brand_terms": ["Northwind", "northwind", " Café Lumière "]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["brand_terms"] == ["Northwind", "Café Lumière"]
    assert marketing.get("/reports/settings").json()["brand_terms"] == ["Northwind", "Café Lumière"]
    refused = marketing.patch("/reports/settings", {"brand_terms": "Northwind, x"})
    assert refused.status_code == 400
    assert "too short" in refused.json()["error"]["fields"]["brand_terms"][0]
    assert marketing.patch("/reports/settings", {"brand_terms": 7}).status_code == 400
    assert marketing.patch("/reports/settings", {"brand_terms": [], "other": 1}).status_code == 400
    seller = ApiClient(token_for(sam, ["contacts:read"]))
    assert seller.get("/reports/settings").status_code == 200
    assert seller.patch("/reports/settings", {"brand_terms": "Other"}).status_code == 403
    assert brand_terms() == ["Northwind", "Café Lumière"]
