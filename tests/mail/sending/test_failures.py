"""What the server says decides each row alone: a refusal fails that row, anything temporary (4xx,
silence, a dropped connection, no server at all) queues it again with backoff, until it is dead.
The rest of the batch always goes on, and no message is ever delivered twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.mail.models import OutboundMessage
from leadline.mail.sending import MAX_ATTEMPTS, outbox_send_due
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign, rows_of

pytestmark = pytest.mark.django_db

State = OutboundMessage.State


def later(hours: float = 7) -> time_machine.travel:
    """Past any backoff so far (the longest is six hours)."""
    return time_machine.travel(timezone.now() + timedelta(hours=hours))


def assert_each_delivered_once(smtp, rows):
    counts = Counter(smtp.message_ids)
    assert counts == Counter({row.message_id: 1 for row in rows})


def test_a_550_for_one_recipient_fails_only_that_row(smtp, sender):
    contacts = ContactFactory.create_batch(4)
    smtp.reject_recipient(contacts[1].email, "550 5.1.1 <nobody> No such user here")
    campaign = queue_campaign(contacts, sender=sender)

    report = outbox_send_due()

    refused = OutboundMessage.objects.get(to_email=contacts[1].email)
    assert refused.state == State.FAILED
    assert "550 5.1.1" in refused.last_error and "No such user" in refused.smtp_response
    others = [row for row in rows_of(campaign) if row.pk != refused.pk]
    assert {row.state for row in others} == {State.SENT}
    assert_each_delivered_once(smtp, others)
    assert (report.sent, report.failed, smtp.connections) == (3, 1, 1)
    # A failed row is final: nothing tries it again.
    with later():
        assert outbox_send_due().claimed == 0


def test_a_451_is_tried_again_after_a_backoff_and_then_sent(smtp, sender):
    contacts = ContactFactory.create_batch(3)
    campaign = queue_campaign(contacts, sender=sender)
    smtp.fail_next(1, "451 4.7.1 Greylisted, come back later")

    outbox_send_due()

    first = rows_of(campaign)[0]
    assert first.state == State.QUEUED
    assert first.attempts == 1
    assert "451 4.7.1 Greylisted" in first.last_error
    assert first.not_before > timezone.now()
    assert outbox_send_due().claimed == 0  # not before its time
    with later():
        report = outbox_send_due()
    assert report.sent == 1
    first.refresh_from_db()
    assert (first.state, first.attempts, first.last_error) == (State.SENT, 2, "")
    assert_each_delivered_once(smtp, rows_of(campaign))


def test_a_451_for_one_recipient_is_retried_for_that_recipient(smtp, sender):
    contacts = ContactFactory.create_batch(2)
    smtp.fail_recipient(contacts[0].email, "450 4.2.1 Mailbox busy")
    campaign = queue_campaign(contacts, sender=sender)

    outbox_send_due()
    with later():
        outbox_send_due()

    assert {row.state for row in rows_of(campaign)} == {State.SENT}
    assert_each_delivered_once(smtp, rows_of(campaign))


def test_a_421_closes_the_connection_and_the_batch_goes_on_over_a_new_one(smtp, sender):
    contacts = ContactFactory.create_batch(3)
    campaign = queue_campaign(contacts, sender=sender)
    smtp.fail_next(1, "421 4.7.0 Too many connections, closing")

    report = outbox_send_due()

    assert (report.sent, report.retried) == (2, 1)
    assert smtp.connections == 2
    with later():
        outbox_send_due()
    assert_each_delivered_once(smtp, rows_of(campaign))


def test_a_server_that_never_answers_times_out_and_the_message_is_sent_once_later(smtp, sender):
    contacts = ContactFactory.create_batch(3)
    campaign = queue_campaign(contacts, sender=sender)
    smtp.stall_next(1)

    report = outbox_send_due()

    stalled = rows_of(campaign)[0]
    assert stalled.state == State.QUEUED
    assert "timed out" in stalled.last_error.lower()
    assert (report.sent, report.retried, smtp.connections) == (2, 1, 2)
    with later():
        outbox_send_due()
    assert {row.state for row in rows_of(campaign)} == {State.SENT}
    assert_each_delivered_once(smtp, rows_of(campaign))


def test_a_connection_dropped_in_the_middle_of_data_is_retried(smtp, sender):
    contacts = ContactFactory.create_batch(3)
    campaign = queue_campaign(contacts, sender=sender)
    smtp.drop_next(1)

    report = outbox_send_due()

    dropped = rows_of(campaign)[0]
    assert dropped.state == State.QUEUED
    assert "connection" in dropped.last_error.lower()
    assert (report.sent, report.retried) == (2, 1)
    with later():
        outbox_send_due()
    assert {row.state for row in rows_of(campaign)} == {State.SENT}
    assert_each_delivered_once(smtp, rows_of(campaign))


def test_it_gives_up_after_the_last_attempt_and_keeps_the_error(smtp, sender):
    campaign = queue_campaign([ContactFactory()], sender=sender)
    OutboundMessage.objects.filter(campaign=campaign).update(attempts=MAX_ATTEMPTS - 1)
    smtp.fail_next(1, "452 4.2.2 Mailbox full")

    report = outbox_send_due()

    [row] = rows_of(campaign)
    assert (row.state, row.attempts) == (State.DEAD, MAX_ATTEMPTS)
    assert "452 4.2.2 Mailbox full" in row.last_error
    assert report.dead == 1
    with later():
        assert outbox_send_due().claimed == 0


def test_retries_back_off_further_each_time(smtp, sender):
    campaign = queue_campaign([ContactFactory()], sender=sender)
    waits = []
    for _attempt in range(3):
        smtp.fail_next(1)
        started = timezone.now()
        with time_machine.travel(started, tick=False):
            outbox_send_due()
        [row] = rows_of(campaign)
        waits.append(row.not_before - started)
        OutboundMessage.objects.filter(pk=row.pk).update(not_before=started)
    assert timedelta(seconds=15) <= waits[0] <= timedelta(seconds=30)
    assert timedelta(seconds=30) <= waits[1] <= timedelta(seconds=60)
    assert timedelta(seconds=60) <= waits[2] <= timedelta(seconds=120)


def test_when_the_server_is_down_the_batch_goes_back_to_the_queue(smtp, sender):
    campaign = queue_campaign(ContactFactory.create_batch(3), sender=sender)
    smtp.go_down()

    report = outbox_send_due()

    rows = rows_of(campaign)
    assert {row.state for row in rows} == {State.QUEUED}
    assert {row.attempts for row in rows} == {1}
    assert all("Could not connect to the mail server" in row.last_error for row in rows)
    assert report.retried == 3 and report.sent == 0
