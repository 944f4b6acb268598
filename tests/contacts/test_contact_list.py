"""The contact list: who sees what, search, filters, sorting, pagination and its query budget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from leadline.contacts.models import LifecycleStage, Source
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by
from tests.factories import CompanyFactory, ContactFactory

URL = "/contacts/"


def listed(response) -> list[str]:
    return [contact.email for contact in response.context["page"].object_list]


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_shows_sales_only_their_own_their_teams_and_unowned_contacts(alice, sam, tess, oscar):
    contact_owned_by(sam, email="sams@example.org")
    contact_owned_by(tess, email="tess@example.org")
    contact_owned_by(None, email="nobody@example.org")
    contact_owned_by(oscar, email="oscars@example.org")

    sam_sees = listed(client_for(sam).get(URL))
    oscar_sees = listed(client_for(oscar).get(URL))
    alice_sees = listed(client_for(alice).get(URL))

    assert sorted(sam_sees) == ["nobody@example.org", "sams@example.org", "tess@example.org"]
    assert sorted(oscar_sees) == ["nobody@example.org", "oscars@example.org"]
    assert len(alice_sees) == 4


def test_it_shows_marketing_every_contact(maria, sam, oscar):
    contact_owned_by(sam)
    contact_owned_by(oscar)
    assert len(listed(client_for(maria).get(URL))) == 2


def test_it_renders_columns_and_the_result_count(alice, sam):
    company = CompanyFactory(name="Acme Rockets")
    ContactFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@acme.test",
        company=company,
        owner=sam,
        score=42,
        lifecycle_stage=LifecycleStage.MQL,
    )
    response = client_for(alice).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in body and "ada@acme.test" in body and "Acme Rockets" in body
    assert 'class="badge badge-mql"' in body
    assert "Sam Seller" in body
    assert ">42<" in body
    assert "1 contact" in body
    assert 'href="/contacts/import/"' in body and 'href="/contacts/export/' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lovelace", ["ada@acme.test"]),
        ("ADA@ACME", ["ada@acme.test"]),
        ("acme rockets", ["ada@acme.test"]),
        ("ada lovelace", ["ada@acme.test"]),
        ("1632 960", ["grace@navy.test"]),
        ("nobody-matches", []),
    ],
)
def test_it_searches_names_emails_companies_and_phones(alice, query, expected):
    ContactFactory(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@acme.test",
        company=CompanyFactory(name="Acme Rockets"),
    )
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@navy.test", phone="+441632960961")
    response = client_for(alice).get(URL, {"q": query})
    assert listed(response) == expected


def test_it_filters_by_stage_source_and_company(alice):
    company = CompanyFactory()
    ContactFactory(
        email="a@example.org",
        lifecycle_stage=LifecycleStage.CUSTOMER,
        original_source=Source.EVENT,
        company=company,
    )
    ContactFactory(
        email="b@example.org", lifecycle_stage=LifecycleStage.CUSTOMER, original_source=Source.REFERRAL
    )
    ContactFactory(email="c@example.org", lifecycle_stage=LifecycleStage.LEAD, original_source=Source.EVENT)
    client = client_for(alice)

    assert sorted(listed(client.get(URL, {"stage": "customer"}))) == ["a@example.org", "b@example.org"]
    assert sorted(listed(client.get(URL, {"source": "event"}))) == ["a@example.org", "c@example.org"]
    assert listed(client.get(URL, {"company": str(company.public_id)})) == ["a@example.org"]
    assert listed(client.get(URL, {"stage": "customer", "source": "event"})) == ["a@example.org"]


def test_it_filters_by_owner_me_unassigned_and_a_person(alice, sam, tess):
    contact_owned_by(sam, email="sams@example.org")
    contact_owned_by(tess, email="tess@example.org")
    contact_owned_by(None, email="nobody@example.org")
    client = client_for(sam)

    assert listed(client.get(URL, {"owner": "me"})) == ["sams@example.org"]
    assert listed(client.get(URL, {"owner": "unassigned"})) == ["nobody@example.org"]
    assert listed(client.get(URL, {"owner": str(tess.public_id)})) == ["tess@example.org"]


def test_it_filters_by_created_date_range(alice):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=30), tick=False):
        ContactFactory(email="old@example.org")
    with time_machine.travel(now - timedelta(days=3), tick=False):
        ContactFactory(email="recent@example.org")
    ContactFactory(email="today@example.org")
    client = client_for(alice)
    week_ago = (now - timedelta(days=7)).date().isoformat()
    yesterday = (now - timedelta(days=1)).date().isoformat()

    assert sorted(listed(client.get(URL, {"created_from": week_ago}))) == [
        "recent@example.org",
        "today@example.org",
    ]
    assert listed(client.get(URL, {"created_from": week_ago, "created_to": yesterday})) == [
        "recent@example.org"
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["b@example.org", "c@example.org", "a@example.org"]),
        ("-name", ["a@example.org", "c@example.org", "b@example.org"]),
        ("email", ["a@example.org", "b@example.org", "c@example.org"]),
        ("-score", ["c@example.org", "a@example.org", "b@example.org"]),
        ("stage", ["a@example.org", "b@example.org", "c@example.org"]),
        ("-stage", ["c@example.org", "b@example.org", "a@example.org"]),
        ("-created", ["c@example.org", "b@example.org", "a@example.org"]),
        ("last_activity", ["b@example.org", "a@example.org", "c@example.org"]),
    ],
)
def test_it_sorts_by_the_allowed_keys(alice, sort, expected):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        ContactFactory(
            email="a@example.org",
            first_name="Zed",
            last_name="Zulu",
            score=50,
            lifecycle_stage=LifecycleStage.SUBSCRIBER,
            last_activity_at=now - timedelta(days=2),
        )
    with time_machine.travel(now - timedelta(days=2), tick=False):
        ContactFactory(
            email="b@example.org",
            first_name="Amy",
            last_name="Adams",
            score=10,
            lifecycle_stage=LifecycleStage.MQL,
            last_activity_at=now - timedelta(days=5),
        )
    ContactFactory(
        email="c@example.org",
        first_name="Max",
        last_name="Miller",
        score=90,
        lifecycle_stage=LifecycleStage.CUSTOMER,
        last_activity_at=None,
    )
    assert listed(client_for(alice).get(URL, {"sort": sort})) == expected


@pytest.mark.parametrize(
    "sort", ["password", "owner__password", "-owner__email", "?", "id); DROP TABLE x;--", ""]
)
def test_it_ignores_sort_keys_that_are_not_allowed(alice, sort):
    ContactFactory()
    response = client_for(alice).get(URL, {"sort": sort})
    assert response.status_code == 200
    assert response.context["filters"].sort == "-created"


@pytest.mark.parametrize(
    "params",
    [
        {"stage": "nonsense"},
        {"owner": "not-a-uuid"},
        {"company": "'; DROP TABLE contacts;--"},
        {"created_from": "yesterday"},
        {"created_to": "2024-13-45"},
        {"page": "abc"},
        {"page": "999999"},
        {"per_page": "1000000"},
        {"q": "x" * 5000},
        {"q": HOSTILE},
    ],
)
def test_it_answers_bad_filter_values_without_an_error(alice, params):
    ContactFactory()
    response = client_for(alice).get(URL, params)
    assert response.status_code == 200


def test_it_shows_a_hostile_search_term_escaped(alice):
    response = client_for(alice).get(URL, {"q": HOSTILE})
    body = response.content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body or "&lt;script&gt;" in body


def test_it_shows_hostile_contact_data_escaped(alice):
    ContactFactory(first_name=HOSTILE, company=CompanyFactory(name=HOSTILE))
    body = client_for(alice).get(URL).content.decode()
    assert HOSTILE not in body
    assert ESCAPED in body


def test_it_paginates_with_a_chosen_page_size(alice):
    ContactFactory.create_batch(30)
    client = client_for(alice)

    first = client.get(URL, {"per_page": 25})
    second = client.get(URL, {"per_page": 25, "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert "1\u201325 of 30" in first.content.decode()


def test_it_shows_an_empty_state_with_no_contacts(alice):
    body = client_for(alice).get(URL).content.decode()
    assert "No contacts yet" in body


def test_it_shows_a_different_empty_state_when_filters_match_nothing(alice):
    ContactFactory()
    body = client_for(alice).get(URL, {"q": "zzz-no-match"}).content.decode()
    assert "No contacts match" in body


@pytest.mark.parametrize("page_size", [25, 200])
def test_it_issues_a_constant_number_of_queries_whatever_the_page_size(
    alice, sam, django_assert_max_num_queries, page_size
):
    companies = CompanyFactory.create_batch(5)
    for index in range(page_size):
        ContactFactory(company=companies[index % 5], owner=sam if index % 2 else None)
    client = client_for(sam)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"per_page": page_size})
    assert len(response.context["page"].object_list) == page_size


def test_it_keeps_filters_in_sort_links(alice):
    ContactFactory()
    body = client_for(alice).get(URL, {"stage": "lead", "q": "a"}).content.decode()
    assert "stage=lead" in body and "sort=name" in body


def test_only_the_roles_that_may_import_see_the_import_links(personas: dict[str, Any]) -> None:
    for name, shown in [("alice", True), ("maria", True), ("sam", False), ("oscar", False)]:
        for path in ("/", "/contacts/"):
            page = client_for(personas[name]).get(path)
            assert page.status_code == 200
            assert (b'href="/contacts/import/"' in page.content) is shown, (name, path)
