"""The instant reply and the notices, delivered through a real SMTP server (aiosmtpd): merge tags
filled, sent exactly once, retried with backoff when the server refuses, given up on at last."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leadline.core.models import OutboxEmail
from leadline.forms.autoreply import MAX_ATTEMPTS, form_email_deliver
from leadline.forms.models import FormEmail, Notify
from leadline.forms.services import form_submit
from leadline.forms.tasks import form_emails_retry
from tests.factories import ContactFactory, TeamFactory
from tests.forms.factories import FormFactory, answers

TEMPLATE = """Hi {{ first_name | default:"there" }} {{ last_name }},

thanks for asking about {{ company | default:"your company" }}. Book a call: {{ booking_link }}
{{ settings.SECRET_KEY }}"""


@pytest.fixture
def form(db):
    return FormFactory(autoreply_subject="Welcome, {{ first_name }}!", autoreply_body=TEMPLATE)


def submit(form, capture, **values):
    with capture(execute=True):
        return form_submit(form=form, data=answers(form, **values))


def test_the_reply_arrives_with_the_merge_tags_filled(
    form, smtp_mail, django_capture_on_commit_callbacks, settings
):
    submit(
        form,
        django_capture_on_commit_callbacks,
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
    )

    [message] = smtp_mail.wait_for(1)
    assert message.recipients == ["ada@example.org"]
    assert message.subject == "Welcome, Ada!"
    assert message.text.startswith("Hi Ada Lovelace,\n\nthanks for asking about Analytical Engines.")
    assert f"Book a call: {settings.BASE_URL}/meet/" in message.text
    assert settings.SECRET_KEY not in message.text and "{{" not in message.text
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"] == FormEmail.objects.get().message_id
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert "<p>Hi Ada Lovelace,</p>" in message.html


def test_blank_values_fall_back_to_the_defaults(form, smtp_mail, django_capture_on_commit_callbacks):
    submit(form, django_capture_on_commit_callbacks, email="ada@gmail.com", first_name="", last_name=None)

    [message] = smtp_mail.wait_for(1)
    assert message.text.startswith("Hi there ,\n\nthanks for asking about your company.")


def test_hostile_names_are_plain_text_in_the_reply_and_escaped_in_its_html(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    submit(form, django_capture_on_commit_callbacks, first_name="<img src=x onerror=alert(1)>")

    [message] = smtp_mail.wait_for(1)
    assert "Hi <img src=x onerror=alert(1)>" in message.text
    assert "<img" not in message.html and "&lt;img src=x onerror=alert(1)&gt;" in message.html


def test_a_refused_send_is_retried_later_and_then_sent_once(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    smtp_mail.fail_next(1, "451 4.3.0 Mailbox busy, try again later")

    submit(form, django_capture_on_commit_callbacks)

    email = FormEmail.objects.get()
    assert (email.state, email.attempts) == (FormEmail.State.QUEUED, 1)
    assert "451" in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert form_emails_retry() == 0  # not due yet
    assert smtp_mail.messages == []

    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1)):
        assert form_emails_retry() == 1

    email.refresh_from_db()
    assert (email.state, email.attempts) == (FormEmail.State.SENT, 2)
    assert len(smtp_mail.wait_for(1)) == 1


def test_it_gives_up_after_the_last_attempt_and_keeps_the_error(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    smtp_mail.fail_next(MAX_ATTEMPTS, "421 4.7.0 Too many connections, slow down")
    submit(form, django_capture_on_commit_callbacks)
    email = FormEmail.objects.get()

    for _ in range(MAX_ATTEMPTS - 1):
        email.refresh_from_db()
        with time_machine.travel(email.next_attempt_at + timedelta(seconds=1)):
            form_emails_retry()

    email.refresh_from_db()
    assert (email.state, email.attempts) == (FormEmail.State.FAILED, MAX_ATTEMPTS)
    assert "421" in email.last_error
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert form_emails_retry() == 0
    assert smtp_mail.messages == []


def test_a_permanent_refusal_fails_at_once(form, smtp_mail, django_capture_on_commit_callbacks):
    smtp_mail.fail_next(1, "554 5.7.1 Message rejected as spam")

    submit(form, django_capture_on_commit_callbacks)

    email = FormEmail.objects.get()
    assert (email.state, email.attempts) == (FormEmail.State.FAILED, 1)
    assert "554" in email.last_error


def test_an_address_the_server_does_not_know_fails_at_once(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    smtp_mail.reject_recipient("ada@example.org")

    submit(form, django_capture_on_commit_callbacks)

    email = FormEmail.objects.get()
    assert email.state == FormEmail.State.FAILED
    assert "550" in email.last_error
    assert smtp_mail.messages == []


def test_a_server_that_is_down_counts_as_a_failed_attempt(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    smtp_mail.go_down()

    submit(form, django_capture_on_commit_callbacks)

    email = FormEmail.objects.get()
    assert (email.state, email.attempts) == (FormEmail.State.QUEUED, 1)
    assert "refused" in email.last_error.lower()


def test_delivering_the_same_email_twice_sends_it_once(form, smtp_mail, django_capture_on_commit_callbacks):
    submit(form, django_capture_on_commit_callbacks)
    email = FormEmail.objects.get()

    assert form_email_deliver(form_email_id=email.pk) == "sent"
    assert form_email_deliver(form_email_id=email.pk) == "sent"

    assert len(smtp_mail.wait_for(1)) == 1


def test_a_send_whose_worker_vanished_is_picked_up_again_after_its_lease(
    form, smtp_mail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        form_submit(form=form, data=answers(form))
    FormEmail.objects.update(state=FormEmail.State.SENDING, lease_until=timezone.now() + timedelta(minutes=5))

    assert form_emails_retry() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert form_emails_retry() == 1

    assert FormEmail.objects.get().state == FormEmail.State.SENT
    assert len(smtp_mail.wait_for(1)) == 1


def test_no_reply_is_sent_when_it_is_switched_off(db, smtp_mail, django_capture_on_commit_callbacks):
    form = FormFactory(autoreply_enabled=False)

    submit(form, django_capture_on_commit_callbacks)

    assert not FormEmail.objects.exists()
    assert smtp_mail.messages == []


def test_without_an_smtp_server_the_reply_lands_in_the_outbox(
    form, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "leadline.core.outbox.OutboxBackend"

    submit(form, django_capture_on_commit_callbacks, first_name="Ada")

    stored = OutboxEmail.objects.get()
    assert stored.recipients == ["ada@example.org"]
    assert stored.subject == "Welcome, Ada!"


def test_the_owner_is_notified_of_a_submission(db, sam, smtp_mail, django_capture_on_commit_callbacks):
    ContactFactory(email="ada@example.org", owner=sam)
    form = FormFactory(name="Demo request", notify=Notify.OWNER, autoreply_enabled=False)

    submit(form, django_capture_on_commit_callbacks, last_name="Lovelace", company="<b>Engines</b>")

    [notice] = smtp_mail.wait_for(1)
    assert notice.recipients == [sam.email]
    assert "Demo request" in notice.subject
    assert "Company: <b>Engines</b>" in notice.text
    assert "/contacts/" in notice.text
    assert notice["Auto-Submitted"] == "auto-generated"


def test_the_team_is_notified_when_the_contact_has_no_owner(
    db, sam, tess, north_team, smtp_mail, django_capture_on_commit_callbacks
):
    form = FormFactory(notify=Notify.OWNER, notify_team=north_team, autoreply_enabled=False)

    submit(form, django_capture_on_commit_callbacks)

    notices = smtp_mail.wait_for(2)
    assert sorted(recipient for notice in notices for recipient in notice.recipients) == [
        sam.email,
        tess.email,
    ]


def test_a_team_notice_skips_people_who_left(
    db, sam, tess, north_team, smtp_mail, django_capture_on_commit_callbacks
):
    tess.is_active = False
    tess.save()
    team = TeamFactory()
    form = FormFactory(notify=Notify.TEAM, notify_team=north_team, autoreply_enabled=False)
    team.members.add(sam)

    submit(form, django_capture_on_commit_callbacks)

    assert [notice.recipients for notice in smtp_mail.wait_for(1)] == [[sam.email]]
    assert FormEmail.objects.count() == 1
