"""What is checked when rows are claimed: the suppression list, unsubscribes, paused and cancelled
campaigns, and leases — a row is only ever in one sender's hands."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.mail.models import Campaign, OutboundMessage, SubscriptionType, Suppression, Unsubscribe
from leadline.mail.sending import LEASE, outbox_claim, outbox_send_due
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign, queue_personal, rows_of

pytestmark = pytest.mark.django_db

State = OutboundMessage.State


def test_an_address_suppressed_after_queueing_is_skipped_at_claim(smtp, sender):
    bounced, fine = ContactFactory.create_batch(2)
    campaign = queue_campaign([bounced, fine], sender=sender)
    Suppression.objects.create(email=bounced.email, reason=Suppression.Reason.HARD_BOUNCE)

    report = outbox_send_due()

    skipped = OutboundMessage.objects.get(to_email=bounced.email)
    assert skipped.state == State.SKIPPED
    assert skipped.last_error == "Suppressed: Hard bounce."
    assert skipped.attempts == 0
    assert [message.recipients for message in smtp.messages] == [[fine.email]]
    assert (report.skipped, report.sent) == (1, 1)
    assert {row.state for row in rows_of(campaign)} == {State.SKIPPED, State.SENT}


def test_suppression_stops_1_to_1_email_too(smtp, sender, sam):
    contact = ContactFactory()
    queue_personal(contact, user=sam, subject="Hello", body="Hi there")
    Suppression.objects.create(email=contact.email, reason=Suppression.Reason.COMPLAINT)

    outbox_send_due()

    assert OutboundMessage.objects.get().state == State.SKIPPED
    assert smtp.messages == []


def test_a_contact_unsubscribed_from_all_marketing_is_skipped_but_still_gets_1_to_1_email(smtp, sender, sam):
    contact = ContactFactory()
    queue_campaign([contact], sender=sender)
    personal = queue_personal(contact, user=sam, subject="Your quote", body="Attached, as promised.")
    Unsubscribe.objects.create(contact=contact, source="one_click", created_at=timezone.now())

    outbox_send_due()

    marketing = OutboundMessage.objects.exclude(pk=personal.pk).get()
    assert marketing.state == State.SKIPPED
    assert marketing.last_error == "Unsubscribed from all marketing email."
    personal.refresh_from_db()
    assert personal.state == State.SENT
    assert [message.subject for message in smtp.messages] == ["Your quote"]


def test_an_unsubscribe_from_one_type_skips_only_email_of_that_type(smtp, sender):
    newsletter = SubscriptionType.objects.create(key="newsletter", name="Newsletter")
    events = SubscriptionType.objects.create(key="events", name="Events")
    contact = ContactFactory()
    news = queue_campaign([contact], sender=sender, subscription_type=newsletter)
    invite = queue_campaign([contact], sender=sender, subscription_type=events)
    Unsubscribe.objects.create(
        contact=contact, subscription_type=newsletter, source="preference_centre", created_at=timezone.now()
    )

    outbox_send_due()

    [skipped] = rows_of(news)
    assert (skipped.state, skipped.last_error) == (State.SKIPPED, "Unsubscribed from Newsletter.")
    [sent] = rows_of(invite)
    assert sent.state == State.SENT
    assert len(smtp.messages) == 1


def test_rows_of_a_paused_campaign_wait_and_go_out_when_it_resumes(smtp, sender):
    campaign = queue_campaign(ContactFactory.create_batch(2), sender=sender, status=Campaign.Status.PAUSED)

    report = outbox_send_due()

    assert report.claimed == 0
    assert {(row.state, row.attempts) for row in rows_of(campaign)} == {(State.QUEUED, 0)}
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    assert outbox_send_due().sent == 2
    assert len(smtp.messages) == 2


def test_a_campaign_paused_in_the_middle_of_a_batch_stops_there(smtp, sender, monkeypatch):
    from leadline.mail import sending

    monkeypatch.setattr(sending, "CHECKPOINT_SECONDS", 0.0)  # look at the campaign before every message
    campaign = queue_campaign(ContactFactory.create_batch(4), sender=sender)
    real = sending.open_transport()

    class PausingAfterTheSecond:
        connections_opened = 0

        def send(self, email):
            delivery = real.send(email)
            if len(smtp.messages) == 2:
                Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)
            return delivery

    try:
        report = outbox_send_due(transport=PausingAfterTheSecond())
    finally:
        real.close()

    assert (report.sent, report.released) == (2, 2)
    assert sorted(row.state for row in rows_of(campaign)) == [
        State.QUEUED,
        State.QUEUED,
        State.SENT,
        State.SENT,
    ]
    assert {row.attempts for row in rows_of(campaign) if row.state == State.QUEUED} == {0}


def test_rows_of_a_cancelled_campaign_are_cancelled_at_claim(smtp, sender):
    campaign = queue_campaign(ContactFactory.create_batch(2), sender=sender, status=Campaign.Status.CANCELLED)

    report = outbox_send_due()

    assert report.cancelled == 2
    assert {(row.state, row.last_error) for row in rows_of(campaign)} == {
        (State.CANCELLED, "The campaign was cancelled.")
    }
    assert smtp.messages == []


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(sender):
    campaign = queue_campaign([ContactFactory()], sender=sender)

    [first] = outbox_claim(owner="worker-a/1")
    assert outbox_claim(owner="worker-b/1") == []
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        [again] = outbox_claim(owner="worker-b/2")

    assert again.pk == first.pk
    assert again.message_id == first.message_id
    assert again.attempts == 2  # the lost attempt counts
    [row] = rows_of(campaign)
    assert (row.state, row.lease_owner) == (State.SENDING, "worker-b/2")


def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_lease_with_the_same_message_id(smtp, sender):
    campaign = queue_campaign([ContactFactory()], sender=sender)
    outbox_claim(owner="crashed-worker/1")

    assert outbox_send_due().claimed == 0
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        report = outbox_send_due()

    [row] = rows_of(campaign)
    assert report.sent == 1
    assert smtp.message_ids == [row.message_id]
    assert (row.state, row.attempts) == (State.SENT, 2)
