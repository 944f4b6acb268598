"""Who a campaign goes to: the segment or list, minus everyone it must not reach, each left-out
person counted once under the first reason that applies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.contacts.models import ConsentRecord
from leadline.mail.campaigns import audience_resolve
from leadline.mail.models import SubscriptionType, Suppression, Unsubscribe, UnsubscribeSource
from tests.factories import ContactFactory
from tests.mail.campaigns.factories import make_campaign, make_list

pytestmark = pytest.mark.django_db


def _consent(contact, status, *, days_ago=0):
    return ConsentRecord.objects.create(
        contact=contact,
        purpose="marketing_email",
        status=status,
        recorded_at=timezone.now() - timedelta(days=days_ago),
    )


def _unsubscribe(contact, subscription_type=None):
    Unsubscribe.objects.create(
        contact=contact,
        subscription_type=subscription_type,
        source=UnsubscribeSource.PREFERENCE_CENTRE,
        created_at=timezone.now(),
    )


def test_it_counts_each_reason_for_leaving_someone_out(maria):
    news = SubscriptionType.objects.create(key="news", name="Product news")
    events = SubscriptionType.objects.create(key="events", name="Events")
    fine = [ContactFactory() for _ in range(3)]
    no_email = ContactFactory(email=None)
    suppressed = ContactFactory(email="gone@example.org")
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.HARD_BOUNCE)
    unsubscribed_all = ContactFactory()
    _unsubscribe(unsubscribed_all)
    unsubscribed_news = ContactFactory()
    _unsubscribe(unsubscribed_news, news)
    unsubscribed_events = ContactFactory()  # another type: still gets product news
    _unsubscribe(unsubscribed_events, events)
    pending = ContactFactory()
    _consent(pending, ConsentRecord.Status.PENDING)
    withdrawn = ContactFactory()
    _consent(withdrawn, ConsentRecord.Status.WITHDRAWN)
    members = [
        *fine,
        no_email,
        suppressed,
        unsubscribed_all,
        unsubscribed_news,
        unsubscribed_events,
        pending,
        withdrawn,
    ]
    campaign = make_campaign(actor=maria, audience=make_list(members), subscription_type=news)

    audience = audience_resolve(campaign=campaign)

    assert audience.members == 10
    assert audience.excluded == {
        "no_email": 1,
        "suppressed": 1,
        "unsubscribed_all": 1,
        "unsubscribed_type": 1,
        "unconfirmed": 2,
    }
    assert {recipient.contact.pk for recipient in audience.recipients} == {
        contact.pk for contact in [*fine, unsubscribed_events]
    }


def test_it_reads_only_the_latest_consent(maria):
    regranted = ContactFactory()
    _consent(regranted, ConsentRecord.Status.WITHDRAWN, days_ago=5)
    _consent(regranted, ConsentRecord.Status.GRANTED, days_ago=1)
    withdrawn_since = ContactFactory()
    _consent(withdrawn_since, ConsentRecord.Status.GRANTED, days_ago=5)
    _consent(withdrawn_since, ConsentRecord.Status.WITHDRAWN, days_ago=1)
    never_asked = ContactFactory()
    campaign = make_campaign(actor=maria, audience=make_list([regranted, withdrawn_since, never_asked]))

    audience = audience_resolve(campaign=campaign)

    assert {recipient.contact.pk for recipient in audience.recipients} == {regranted.pk, never_asked.pk}
    assert audience.excluded["unconfirmed"] == 1


def test_a_contact_with_two_reasons_is_counted_once_under_the_first(maria):
    both = ContactFactory(email="both@example.org")
    Suppression.objects.create(email="both@example.org", reason=Suppression.Reason.COMPLAINT)
    _unsubscribe(both)
    campaign = make_campaign(actor=maria, audience=make_list([both]))

    audience = audience_resolve(campaign=campaign)

    assert audience.excluded["suppressed"] == 1
    assert sum(audience.excluded.values()) == 1
    assert audience.eligible == 0


def test_a_type_unsubscribe_does_not_matter_without_a_subscription_type(maria):
    contact = ContactFactory()
    _unsubscribe(contact, SubscriptionType.objects.create(key="news", name="News"))
    campaign = make_campaign(actor=maria, audience=make_list([contact]))

    assert audience_resolve(campaign=campaign).eligible == 1


def test_a_campaign_without_an_audience_reaches_nobody(maria):
    campaign = make_campaign(actor=maria)

    audience = audience_resolve(campaign=campaign)

    assert (audience.members, audience.eligible) == (0, 0)
