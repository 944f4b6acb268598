"""Synthetic workspace histories for the predictive score tests, where the signal is known."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, Contact, LifecycleStage
from tests.factories import CompanyFactory, ContactFactory

LONG_AGO = timedelta(days=200)


def backdate(contact: Contact, age: timedelta = LONG_AGO) -> Contact:
    Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - age)
    contact.refresh_from_db()
    return contact


def visit(contact: Contact, url: str, at: datetime, times: int = 1) -> None:
    Activity.objects.bulk_create(
        [
            Activity(kind=Kind.PAGE_VIEW, contact=contact, url=url, occurred_at=at, title=url)
            for _ in range(times)
        ]
    )


def convert(contact: Contact, at: datetime, *, via: str = "stage") -> None:
    """Make the contact a customer the way the product records it."""
    if via == "order":
        Activity.objects.create(kind=Kind.ORDER_PLACED, contact=contact, occurred_at=at, title="Order")
    else:
        Activity.objects.create(
            kind=Kind.STAGE_CHANGED,
            contact=contact,
            occurred_at=at,
            title="Lifecycle stage: Customer",
            data={"from": "opportunity", "to": "customer", "via": "order"},
        )
    Contact.objects.filter(pk=contact.pk).update(lifecycle_stage=LifecycleStage.CUSTOMER)


def build_history(
    *,
    customers: int,
    non_customers: int,
    customer_traits: Callable[[Contact, datetime], None] | None = None,
    lead_traits: Callable[[Contact, datetime], None] | None = None,
    seed: int = 7,
) -> dict[str, list[Contact]]:
    """`customers` contacts who bought 100 days ago and `non_customers` old leads who did not.

    Both groups get the same noise (job titles, countries, ordinary page views); the traits
    callbacks add the signal the test is about, before the moment of conversion."""
    rng = random.Random(seed)
    now = timezone.now()
    bought_at = now - timedelta(days=100)
    titles = ["Engineer", "Analyst", "Consultant", "Designer", ""]
    countries = ["DE", "GB", "US", "FR"]
    groups: dict[str, list[Contact]] = {"customers": [], "leads": []}
    for group, count in (("customers", customers), ("leads", non_customers)):
        for _ in range(count):
            contact = backdate(
                ContactFactory(
                    job_title=rng.choice(titles), country=rng.choice(countries), score=rng.randint(0, 30)
                )
            )
            visit(
                contact, "/blog/post", bought_at - timedelta(days=rng.randint(1, 50)), times=rng.randint(0, 3)
            )
            if group == "customers":
                if customer_traits:
                    customer_traits(contact, bought_at)
                convert(contact, bought_at)
            elif lead_traits:
                lead_traits(contact, bought_at)
            groups[group].append(contact)
    return groups


def company(employees: int, **fields: Any) -> Company:
    return CompanyFactory(employee_count=employees, **fields)
