"""POST /t/collect: a valid batch becomes activity rows and one visitor row, and nothing else."""

from __future__ import annotations

import uuid

import pytest

from leadline.activity.models import Activity, Kind
from leadline.tracking.models import Visitor
from tests.factories import ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, VisitorFactory, page_view, send

pytestmark = pytest.mark.django_db


def test_it_stores_page_views_and_events_as_anonymous_activity_rows() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    response = send(
        site,
        [
            page_view(f"{ORIGIN}/pricing", props={"title": "Pricing — Shop"}),
            {"type": "event", "name": "signup", "url": f"{ORIGIN}/pricing", "props": {"plan": "pro"}},
        ],
        visitor=visitor,
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    rows = {row.kind: row for row in Activity.objects.all()}
    assert set(rows) == {Kind.PAGE_VIEW, Kind.CUSTOM_EVENT}
    view, event = rows[Kind.PAGE_VIEW], rows[Kind.CUSTOM_EVENT]
    assert view.contact is None and event.contact is None
    assert str(view.visitor_id) == visitor
    assert view.session_id is not None and view.session_id == event.session_id
    assert view.title == "/pricing"
    assert view.url == f"{ORIGIN}/pricing"
    assert view.data["page_title"] == "Pricing — Shop"
    assert event.title == "signup"
    assert event.data["props"] == {"plan": "pro"}


def test_it_creates_one_visitor_row_and_counts_its_hits() -> None:
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(site, [page_view(f"{ORIGIN}/"), page_view(f"{ORIGIN}/features")], visitor=visitor)
    send(site, [{"type": "event", "name": "demo requested"}], visitor=visitor)

    row = Visitor.objects.get()
    assert str(row.visitor_uuid) == visitor
    assert row.site == site
    assert row.page_view_count == 2
    assert row.event_count == 1
    assert row.session_count == 1
    assert row.first_landing_page == f"{ORIGIN}/"
    assert row.contact is None


def test_it_attaches_events_of_an_identified_visitor_to_their_contact_right_away() -> None:
    contact = ContactFactory()
    visitor = VisitorFactory(contact=contact)

    send(visitor.site, [page_view(f"{ORIGIN}/pricing")], visitor=str(visitor.visitor_uuid))

    assert Activity.objects.get(kind=Kind.PAGE_VIEW).contact == contact


def test_it_keeps_the_visitors_of_two_sites_apart() -> None:
    first, second = SiteFactory(), SiteFactory()
    visitor = str(uuid.uuid4())
    send(first, [page_view()], visitor=visitor)
    send(second, [page_view()], visitor=visitor)

    assert sorted(Visitor.objects.values_list("site_id", flat=True)) == sorted([first.pk, second.pk])


def test_it_accepts_an_origin_matching_a_wildcard_domain() -> None:
    site = SiteFactory(allowed_domains=["*.shop-cdn.example"])
    response = send(site, [page_view("https://eu.shop-cdn.example/")], origin="https://eu.shop-cdn.example")
    assert response.status_code == 204
    assert Activity.objects.count() == 1


def test_it_falls_back_to_the_referer_when_the_browser_sends_no_origin() -> None:
    site = SiteFactory()
    response = send(site, [page_view()], origin=None, HTTP_REFERER=f"{ORIGIN}/pricing")
    assert response.status_code == 204
    assert Activity.objects.count() == 1


def test_it_clamps_timestamps_to_the_last_day_and_the_next_minutes() -> None:
    site = SiteFactory()
    send(site, [page_view(ts=0), page_view(ts=99_999_999_999_999)])

    times = sorted(Activity.objects.values_list("occurred_at", "created_at"))
    (past, created_past), (future, created_future) = times
    assert 86_390 < (created_past - past).total_seconds() <= 86_400
    assert 290 < (future - created_future).total_seconds() <= 300


def test_it_answers_405_to_a_get() -> None:
    from django.test import Client

    response = Client().get("/t/collect")
    assert response.status_code == 405
    assert "POST" in response.json()["error"]
