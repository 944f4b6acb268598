"""Recording what came back: hard bounces and complaints suppress the address at once, soft
bounces add up, automatic replies change nothing, and the same report read twice records once."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.mail.bounces import inbound_process
from leadline.mail.models import MessageEvent, Suppression, Unsubscribe
from tests.mail.bounces.conftest import sample
from tests.mail.bounces.factories import sent_message


def test_it_suppresses_the_address_of_a_hard_bounce(message):
    outcome = inbound_process(sample("postfix_user_unknown", message), source="imap")

    assert outcome.result == "hard_bounce"
    assert outcome.suppressed
    entry = Suppression.objects.get(email="jane@example.org")
    assert entry.reason == Suppression.Reason.HARD_BOUNCE
    assert "5.1.1" in entry.detail
    assert entry.source == "imap"
    message.refresh_from_db()
    assert message.bounced_at is not None
    event = message.events.get()
    assert (event.kind, event.bounce_type) == (MessageEvent.Kind.BOUNCE, "hard")


def test_it_puts_the_bounce_on_the_contacts_timeline(message):
    inbound_process(sample("microsoft_recipient_not_found", message), source="relay")

    entry = Activity.objects.get(contact=message.contact, kind="email.bounced")
    assert entry.title == "Your November ideas"
    assert entry.data["bounce_type"] == "hard"
    assert entry.data["message"] == str(message.public_id)


def test_it_records_the_same_bounce_once(message):
    raw = sample("postfix_user_unknown", message)

    inbound_process(raw, source="imap")
    again = inbound_process(raw, source="relay")

    assert again.result == "duplicate"
    assert message.events.count() == 1
    assert Activity.objects.filter(kind="email.bounced").count() == 1


def test_it_records_a_soft_bounce_without_suppressing(message):
    outcome = inbound_process(sample("gmail_over_quota", message), source="imap")

    assert outcome.result == "soft_bounce"
    assert not outcome.suppressed
    assert not Suppression.objects.exists()
    assert message.events.get().bounce_type == "soft"


def test_it_suppresses_after_three_soft_bounces_within_thirty_days(db):
    first = sent_message(to_email="full@example.org")
    start = timezone.now()
    outcomes = []
    for day in (0, 10, 25):
        with time_machine.travel(start + timedelta(days=day)):
            message = first if day == 0 else sent_message(contact=first.contact)
            outcomes.append(inbound_process(sample("gmail_over_quota", message), source="imap"))

    assert [outcome.suppressed for outcome in outcomes] == [False, False, True]
    entry = Suppression.objects.get(email="full@example.org")
    assert entry.reason == Suppression.Reason.SOFT_BOUNCE
    assert "3 soft bounces" in entry.detail


def test_it_forgets_soft_bounces_older_than_thirty_days(db):
    first = sent_message(to_email="full@example.org")
    start = timezone.now()
    for day in (0, 20, 45):
        with time_machine.travel(start + timedelta(days=day)):
            message = first if day == 0 else sent_message(contact=first.contact)
            inbound_process(sample("gmail_over_quota", message), source="imap")

    assert not Suppression.objects.exists()


def test_a_delay_warning_is_not_a_bounce(message):
    outcome = inbound_process(sample("postfix_delayed", message), source="imap")

    assert outcome.result == "deferred"
    message.refresh_from_db()
    assert message.bounced_at is None
    assert message.events.get().kind == MessageEvent.Kind.DEFERRED
    assert not Suppression.objects.exists()


def test_a_vacation_reply_changes_nothing(message):
    outcome = inbound_process(sample("vacation_reply", message), source="imap")

    assert outcome.result == "auto_reply"
    assert not message.events.exists()
    assert not Suppression.objects.exists()


def test_a_complaint_suppresses_and_unsubscribes(message):
    outcome = inbound_process(sample("arf_complaint", message), source="imap")

    assert outcome.result == "complaint"
    assert Suppression.objects.get(email="jane@example.org").reason == Suppression.Reason.COMPLAINT
    message.refresh_from_db()
    assert message.complained_at is not None
    assert message.events.filter(kind=MessageEvent.Kind.COMPLAINT).count() == 1
    unsubscribe = Unsubscribe.objects.get(contact=message.contact)
    assert unsubscribe.subscription_type is None
    assert unsubscribe.source == "complaint"
    assert Activity.objects.filter(contact=message.contact, kind="email.complained").exists()


def test_mail_to_the_unsubscribe_address_unsubscribes(message):
    outcome = inbound_process(sample("mailto_unsubscribe", message), source="imap")

    assert outcome.result == "unsubscribe"
    unsubscribe = Unsubscribe.objects.get(contact=message.contact)
    assert unsubscribe.source == "mailto"
    assert not Suppression.objects.exists()


def test_a_bounce_for_an_unknown_message_changes_nothing(message):
    raw = sample(
        "postfix_user_unknown",
        message,
        RETURN_PATH="someone@elsewhere.example",
        MESSAGE_ID="<unknown@nowhere>",
        RECIPIENT="stranger@example.net",
    )

    assert inbound_process(raw, source="relay").result == "unmatched"
    assert not Suppression.objects.exists()


def test_it_keeps_the_first_reason_of_an_address_already_suppressed(message):
    Suppression.objects.create(email="jane@example.org", reason=Suppression.Reason.MANUAL, detail="Asked us")

    inbound_process(sample("postfix_user_unknown", message), source="imap")

    entry = Suppression.objects.get(email="jane@example.org")
    assert (entry.reason, entry.detail) == (Suppression.Reason.MANUAL, "Asked us")
    message.refresh_from_db()
    assert message.bounced_at is not None
