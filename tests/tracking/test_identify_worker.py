"""leadline.identify(email): recorded by /t/collect, stitched by the worker in batches."""

from __future__ import annotations

import uuid

import pytest

from leadline.activity.models import Activity
from leadline.contacts.models import Contact
from leadline.core.scheduler import tick
from leadline.tracking.models import Visitor
from leadline.tracking.stitching import identify_pending_visitors
from tests.factories import ContactFactory
from tests.tracking.factories import ORIGIN, SiteFactory, page_view, send

pytestmark = pytest.mark.django_db


def identify(email: str) -> dict[str, str]:
    return {"type": "identify", "email": email}


def test_collect_only_records_the_email_for_later() -> None:
    contact = ContactFactory(email="ada@firm.example")
    site = SiteFactory()
    visitor = str(uuid.uuid4())

    send(site, [page_view(f"{ORIGIN}/"), identify("Ada@Firm.example")], visitor=visitor)

    row = Visitor.objects.get()
    assert row.identify_email == "ada@firm.example"
    assert row.identify_pending is True
    assert row.contact is None
    assert Activity.objects.get().contact is None
    assert not Activity.objects.filter(contact=contact).exists()


def test_the_worker_stitches_the_visitor_to_the_contact_with_that_email() -> None:
    contact = ContactFactory(email="ada@firm.example", original_source="")
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(site, [page_view(f"{ORIGIN}/?utm_source=google&utm_medium=cpc&utm_campaign=brand")], visitor=visitor)
    send(site, [identify("ada@firm.example")], visitor=visitor)

    assert identify_pending_visitors() == 1

    row = Visitor.objects.get()
    assert row.contact == contact
    assert row.identify_pending is False
    assert Activity.objects.get().contact == contact
    contact.refresh_from_db()
    assert contact.original_source == "paid_search"


def test_the_scheduler_runs_the_worker() -> None:
    contact = ContactFactory(email="grace@firm.example")
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(site, [page_view(), identify("grace@firm.example")], visitor=visitor)

    tick()

    assert Activity.objects.get().contact == contact


def test_an_unknown_email_creates_no_contact_but_guesses_the_company() -> None:
    site = SiteFactory()
    send(site, [page_view(), identify("someone@acme-industries.example")])

    identify_pending_visitors()

    assert not Contact.objects.exists()
    row = Visitor.objects.get()
    assert row.contact is None
    assert row.identify_pending is False
    assert row.company_domain == "acme-industries.example"


def test_a_free_mail_address_guesses_no_company() -> None:
    send(SiteFactory(), [page_view(), identify("someone@gmail.com")])
    assert Visitor.objects.get().company_domain == ""


def test_a_repeated_identify_of_an_already_stitched_visitor_is_not_processed_again() -> None:
    contact = ContactFactory(email="ada@firm.example")
    site = SiteFactory()
    visitor = str(uuid.uuid4())
    send(site, [page_view(), identify("ada@firm.example")], visitor=visitor)
    identify_pending_visitors()

    send(site, [page_view(f"{ORIGIN}/again"), identify("ada@firm.example")], visitor=visitor)

    assert Visitor.objects.get().identify_pending is False
    assert Activity.objects.filter(contact=contact).count() == 2


def test_the_worker_processes_many_visitors_in_one_batch() -> None:
    site = SiteFactory()
    contacts = [ContactFactory(email=f"person{number}@firm.example") for number in range(30)]
    for contact in contacts:
        send(site, [page_view(), identify(contact.email)], visitor=str(uuid.uuid4()))

    assert identify_pending_visitors(limit=100) == 30

    assert Activity.objects.filter(contact__isnull=True).count() == 0
    assert not Visitor.objects.filter(identify_pending=True).exists()
