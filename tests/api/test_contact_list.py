"""GET /contacts: what each persona sees and the filters."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.api.client import api_as, error_of
from tests.factories import CompanyFactory, ContactFactory


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_it_lists_only_contacts_sam_may_see(sam, tess, oscar):
    mine, teammates, unowned = ContactFactory(owner=sam), ContactFactory(owner=tess), ContactFactory()
    ContactFactory(owner=oscar)

    assert ids(api_as(sam).get("/contacts")) == {str(c.public_id) for c in (mine, teammates, unowned)}


def test_it_lists_everyone_for_admins_and_marketing(alice, maria, oscar):
    contacts = [ContactFactory(owner=oscar), ContactFactory()]
    expected = {str(contact.public_id) for contact in contacts}

    assert ids(api_as(alice).get("/contacts")) == expected
    assert ids(api_as(maria).get("/contacts")) == expected


def test_it_searches_name_and_email(alice):
    ada = ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@engines.example")
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")

    assert ids(api_as(alice).get("/contacts", q="ada love")) == {str(ada.public_id)}
    assert ids(api_as(alice).get("/contacts", q="ENGINES")) == {str(ada.public_id)}


def test_it_filters_by_stage_owner_and_company(alice, sam):
    company = CompanyFactory()
    match = ContactFactory(lifecycle_stage="sql", owner=sam, company=company)
    ContactFactory(lifecycle_stage="sql", owner=sam)
    ContactFactory(lifecycle_stage="lead", owner=sam, company=company)
    unowned = ContactFactory(lifecycle_stage="sql")
    api = api_as(alice)

    assert ids(
        api.get("/contacts", lifecycle_stage="sql", owner=str(sam.public_id), company=str(company.public_id))
    ) == {str(match.public_id)}
    assert ids(api.get("/contacts", lifecycle_stage="sql", owner="none")) == {str(unowned.public_id)}


def test_it_understands_owner_me(sam):
    mine = ContactFactory(owner=sam)
    ContactFactory()

    assert ids(api_as(sam).get("/contacts", owner="me")) == {str(mine.public_id)}


def test_it_filters_by_updated_since(alice):
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        ContactFactory()
    recent = ContactFactory()
    since = (timezone.now() - timedelta(days=1)).isoformat()

    assert ids(api_as(alice).get("/contacts", updated_since=since)) == {str(recent.public_id)}


def test_it_refuses_an_unknown_owner_filter(alice):
    response = api_as(alice).get("/contacts", owner="nobody-like-this")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["owner"]


def test_it_lists_for_sales_in_a_constant_number_of_queries(sam, tess, django_assert_max_num_queries):
    for _ in range(25):
        ContactFactory(owner=tess, company=CompanyFactory())
    api = api_as(sam)
    api.get("/contacts", limit=1)

    with django_assert_max_num_queries(3):
        assert len(ids(api.get("/contacts", limit=200))) == 25
