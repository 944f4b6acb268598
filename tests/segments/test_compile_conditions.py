"""The compiler turns each kind of condition into the right set of contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.contacts.models import ConsentRecord, Contact, PropertyType
from leadline.segments.compiler import compile_tree
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, CustomPropertyFactory

pytestmark = pytest.mark.django_db


def matching(tree):
    return set(Contact.objects.filter(compile_tree(tree).q).values_list("email", flat=True))


def test_it_matches_text_fields_case_insensitively():
    ContactFactory(email="ann@example.org", job_title="Head of Marketing")
    ContactFactory(email="bob@example.org", job_title="Engineer")
    ContactFactory(email="cy@example.org", job_title="")

    assert matching({"field": "job_title", "op": "contains", "value": "marketing"}) == {"ann@example.org"}
    assert matching({"field": "job_title", "op": "equals", "value": "engineer"}) == {"bob@example.org"}
    assert matching({"field": "job_title", "op": "starts_with", "value": "head"}) == {"ann@example.org"}
    assert matching({"field": "job_title", "op": "is_empty"}) == {"cy@example.org"}
    assert matching({"field": "job_title", "op": "not_equals", "value": "Engineer"}) == {
        "ann@example.org",
        "cy@example.org",
    }


def test_it_combines_groups_with_and_or_not():
    ContactFactory(email="hot@example.org", score=80, city="Leeds")
    ContactFactory(email="warm@example.org", score=40, city="Leeds")
    ContactFactory(email="far@example.org", score=90, city="York")
    tree = {
        "and": [
            {"field": "score", "op": "gte", "value": 50},
            {"not": {"field": "city", "op": "equals", "value": "York"}},
        ]
    }
    assert matching(tree) == {"hot@example.org"}
    either = {
        "or": [{"field": "score", "op": "lt", "value": 50}, {"field": "city", "op": "in", "value": ["York"]}]
    }
    assert matching(either) == {"warm@example.org", "far@example.org"}
    assert matching({"field": "score", "op": "between", "value": [40, 80]}) == {
        "hot@example.org",
        "warm@example.org",
    }


def test_it_filters_on_company_fields():
    big = CompanyFactory(employee_count=500, industry="Software")
    small = CompanyFactory(employee_count=5, industry="Retail")
    ContactFactory(email="big@example.org", company=big)
    ContactFactory(email="small@example.org", company=small)
    ContactFactory(email="none@example.org")

    assert matching({"field": "company.employee_count", "op": "gt", "value": 100}) == {"big@example.org"}
    assert matching({"field": "company.industry", "op": "equals", "value": "retail"}) == {"small@example.org"}


def test_it_reads_typed_custom_properties():
    CustomPropertyFactory(key="seats", type=PropertyType.NUMBER)
    CustomPropertyFactory(key="plan", type=PropertyType.CHOICE, choices=["free", "pro"])
    CustomPropertyFactory(key="renewal", type=PropertyType.DATE)
    CustomPropertyFactory(key="partner", type=PropertyType.BOOLEAN)
    CustomPropertyFactory(key="nickname", type=PropertyType.TEXT)
    ContactFactory(
        email="a@example.org",
        properties={"seats": 25, "plan": "pro", "renewal": "2026-03-01", "partner": True, "nickname": "Ace"},
    )
    ContactFactory(email="b@example.org", properties={"seats": 3, "plan": "free", "renewal": "2025-01-01"})
    ContactFactory(email="c@example.org", properties={})

    assert matching({"field": "property:seats", "op": "gte", "value": 10}) == {"a@example.org"}
    assert matching({"field": "property:seats", "op": "is_empty"}) == {"c@example.org"}
    assert matching({"field": "property:plan", "op": "in", "value": ["free"]}) == {"b@example.org"}
    assert matching({"field": "property:renewal", "op": "after", "value": "2025-06-01"}) == {"a@example.org"}
    assert matching({"field": "property:partner", "op": "is_true"}) == {"a@example.org"}
    assert matching({"field": "property:partner", "op": "is_false"}) == {"b@example.org", "c@example.org"}
    assert matching({"field": "property:nickname", "op": "equals", "value": "ace"}) == {"a@example.org"}
    assert matching({"field": "property:nickname", "op": "is_not_empty"}) == {"a@example.org"}


def test_it_uses_the_latest_marketing_consent():
    now = timezone.now()
    granted = ContactFactory(email="yes@example.org")
    withdrawn = ContactFactory(email="no@example.org")
    ContactFactory(email="never@example.org")
    ConsentRecord.objects.create(contact=granted, status="granted", recorded_at=now)
    ConsentRecord.objects.create(contact=withdrawn, status="granted", recorded_at=now - timedelta(days=2))
    ConsentRecord.objects.create(contact=withdrawn, status="withdrawn", recorded_at=now)

    assert matching({"field": "consent", "op": "equals", "value": "granted"}) == {"yes@example.org"}
    assert matching({"field": "consent", "op": "in", "value": ["withdrawn", "none"]}) == {
        "no@example.org",
        "never@example.org",
    }


def test_it_counts_page_visits_within_a_window():
    now = timezone.now()
    keen = ContactFactory(email="keen@example.org")
    once = ContactFactory(email="once@example.org")
    stale = ContactFactory(email="stale@example.org")
    for _ in range(2):
        ActivityFactory(contact=keen, kind=Kind.PAGE_VIEW, url="https://example.com/pricing", occurred_at=now)
    ActivityFactory(contact=once, kind=Kind.PAGE_VIEW, url="https://example.com/pricing", occurred_at=now)
    for _ in range(3):
        ActivityFactory(
            contact=stale,
            kind=Kind.PAGE_VIEW,
            url="https://example.com/pricing",
            occurred_at=now - timedelta(days=30),
        )
    tree = {"field": "visited", "op": "contains", "value": "/pricing", "min_count": 2, "within_days": 14}

    assert matching(tree) == {"keen@example.org"}
    assert matching({"field": "visited", "op": "contains", "value": "/pricing"}) == {
        "keen@example.org",
        "once@example.org",
        "stale@example.org",
    }


def test_it_matches_form_submissions_by_form_id():
    ContactFactory(email="none@example.org")
    submitter = ContactFactory(email="form@example.org")
    ActivityFactory(contact=submitter, kind=Kind.FORM_SUBMITTED, data={"form": "abc"})

    assert matching({"field": "submitted_form", "op": "equals", "value": "abc"}) == {"form@example.org"}
    assert matching({"field": "submitted_form", "op": "any"}) == {"form@example.org"}
    assert matching({"field": "email_opened", "op": "any"}) == set()


def test_it_filters_on_owner_and_dates(alice):
    ContactFactory(email="mine@example.org", owner=alice)
    old = ContactFactory(email="old@example.org")
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))

    assert matching({"field": "owner", "op": "equals", "value": str(alice.public_id)}) == {"mine@example.org"}
    assert matching({"field": "owner", "op": "equals", "value": "none"}) == {"old@example.org"}
    assert matching({"field": "created_at", "op": "within_last_days", "value": 30}) == {"mine@example.org"}
    assert matching({"field": "created_at", "op": "before", "value": "2020-01-01"}) == set()


def test_it_keeps_contacts_without_a_value_when_a_condition_is_negated():
    CustomPropertyFactory(key="plan", type=PropertyType.CHOICE, choices=["free", "pro"])
    ContactFactory(email="pro@example.org", properties={"plan": "pro"})
    ContactFactory(email="unset@example.org", properties={})
    visitor = ContactFactory(email="visitor@example.org", properties={"plan": "free"})
    for _ in range(2):
        ActivityFactory(contact=visitor, kind=Kind.PAGE_VIEW, url="https://example.com/pricing")

    assert matching({"not": {"field": "property:plan", "op": "equals", "value": "pro"}}) == {
        "unset@example.org",
        "visitor@example.org",
    }
    assert matching({"not": {"field": "consent", "op": "equals", "value": "granted"}}) == {
        "pro@example.org",
        "unset@example.org",
        "visitor@example.org",
    }
    assert matching({"not": {"field": "visited", "op": "contains", "value": "/pricing", "min_count": 2}}) == {
        "pro@example.org",
        "unset@example.org",
    }
