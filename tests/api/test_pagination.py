"""Cursor pagination: every row exactly once, stable while rows are added, forged cursors refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.contacts.models import Contact
from tests.api.client import api_as, error_of
from tests.factories import CompanyFactory, ContactFactory


def walk(api, path, **params):
    seen, pages, cursor = [], 0, None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = api.get(path, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


@pytest.fixture
def many_contacts(alice):
    now = timezone.now()
    contacts = [ContactFactory() for _ in range(23)]
    # Several rows share one instant: the row order must break the tie.
    Contact.objects.filter(pk__in=[contact.pk for contact in contacts[:6]]).update(created_at=now)
    for offset, contact in enumerate(contacts[6:]):
        Contact.objects.filter(pk=contact.pk).update(created_at=now - timedelta(minutes=offset + 1))
    return contacts


def test_it_walks_every_contact_exactly_once(alice, many_contacts):
    seen, pages = walk(api_as(alice), "/contacts", limit=5)

    assert sorted(seen) == sorted(str(contact.public_id) for contact in many_contacts)
    assert len(seen) == len(set(seen))
    assert pages == 5


def test_it_returns_newest_contacts_first(alice, many_contacts):
    items = api_as(alice).get("/contacts", limit=200).json()["items"]
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)


def test_it_neither_repeats_nor_skips_rows_when_contacts_are_added_while_walking(alice, many_contacts):
    api = api_as(alice)
    first = api.get("/contacts", limit=10).json()
    ContactFactory.create_batch(3)  # newer than everything: they belong before the first page

    seen = [item["id"] for item in first["items"]]
    rest, _pages = walk(api, "/contacts", limit=10, cursor=first["next_cursor"])
    seen += rest

    assert sorted(seen) == sorted(str(contact.public_id) for contact in many_contacts)


def test_it_has_no_next_cursor_on_the_last_page(alice):
    ContactFactory.create_batch(2)
    body = api_as(alice).get("/contacts", limit=2).json()

    assert len(body["items"]) == 2
    assert body["next_cursor"] is None


def test_it_defaults_to_fifty_items_a_page(alice):
    ContactFactory.create_batch(51)
    body = api_as(alice).get("/contacts").json()

    assert len(body["items"]) == 50
    assert body["next_cursor"]


def test_it_walks_companies_alphabetically_exactly_once(alice):
    companies = [CompanyFactory(name=name) for name in ["Beta", "alpha", "Gamma", "Beta", "Delta", "Beta"]]

    seen, _pages = walk(api_as(alice), "/companies", limit=2)

    assert sorted(seen) == sorted(str(company.public_id) for company in companies)
    assert len(seen) == len(set(seen))


def test_it_refuses_a_tampered_cursor(alice, many_contacts):
    api = api_as(alice)
    cursor = api.get("/contacts", limit=5).json()["next_cursor"]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")

    response = api.get("/contacts", limit=5, cursor=tampered)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_it_refuses_a_cursor_of_another_list(alice, many_contacts):
    api = api_as(alice)
    CompanyFactory.create_batch(3)
    cursor = api.get("/companies", limit=1).json()["next_cursor"]

    response = api.get("/contacts", cursor=cursor)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_cursor"


def test_it_lists_contacts_in_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(30):
        ContactFactory(owner=alice, company=CompanyFactory())
    api = api_as(alice)
    api.get("/contacts", limit=1)  # token lookup warmed; last_used_at already recorded

    with django_assert_max_num_queries(3):
        response = api.get("/contacts", limit=200)

    assert len(response.json()["items"]) == 30
