"""`unsubscribe_contact` and `resubscribe_contact` as other parts call them (bounces, complaints,
the mailto address): idempotent, and every change goes to the consent ledger."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import ConsentRecord
from leadline.mail.models import MessageEvent, Unsubscribe
from leadline.mail.preferences import resubscribe_contact, unsubscribe_contact
from tests.factories import ContactFactory
from tests.mail.tracking.factories import SentMessageFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


def test_it_unsubscribes_after_a_complaint_with_the_message():
    message = SentMessageFactory()

    row = unsubscribe_contact(contact=message.contact, source="complaint", message=message)

    assert row.source == "complaint"
    message.refresh_from_db()
    assert message.unsubscribed_at is not None
    assert MessageEvent.objects.get(message=message).data["source"] == "complaint"
    consent = ConsentRecord.objects.get(contact=message.contact)
    assert (consent.status, consent.purpose, consent.source) == ("withdrawn", "marketing_email", "complaint")
    assert Activity.objects.filter(contact=message.contact, kind=Kind.CONSENT_CHANGED).exists()


def test_it_unsubscribes_from_one_type_by_mail():
    contact = ContactFactory()
    newsletter = SubscriptionTypeFactory(key="newsletter")

    unsubscribe_contact(
        contact=contact, subscription_type=newsletter, source="mailto", ip_address="192.0.2.1"
    )

    row = Unsubscribe.objects.get(contact=contact)
    assert row.subscription_type == newsletter
    consent = ConsentRecord.objects.get(contact=contact)
    assert consent.purpose == "email:newsletter"
    assert consent.ip_address == "192.0.2.1"


def test_it_writes_nothing_more_the_second_time():
    message = SentMessageFactory()
    first = unsubscribe_contact(contact=message.contact, source="mailto", message=message)

    second = unsubscribe_contact(contact=message.contact, source="complaint", message=message)

    assert second.pk == first.pk
    assert second.source == "mailto"
    assert ConsentRecord.objects.count() == 1
    assert MessageEvent.objects.count() == 1


def test_it_refuses_an_unknown_source():
    with pytest.raises(ValidationError):
        unsubscribe_contact(contact=ContactFactory(), source="whim")


def test_it_resubscribes_with_a_consent_grant():
    contact = ContactFactory()
    unsubscribe_contact(contact=contact, source="admin")

    assert resubscribe_contact(contact=contact, source="preference_centre", text="Subscribe me again") is True

    assert not Unsubscribe.objects.exists()
    grant = ConsentRecord.objects.filter(status=ConsentRecord.Status.GRANTED).get()
    assert grant.text == "Subscribe me again"


def test_it_writes_nothing_when_resubscribing_someone_never_unsubscribed():
    contact = ContactFactory()

    assert resubscribe_contact(contact=contact, source="preference_centre") is False
    assert not ConsentRecord.objects.exists()
