"""Without an SMTP server, email goes through Django's configured backend: the in-app outbox of the
demo, or an email service through django-anymail, which gets our message id as metadata and gives
back its own id."""

from __future__ import annotations

import pytest
from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail

from leadline.core.models import OutboxEmail
from leadline.mail.models import OutboundMessage
from leadline.mail.sending import outbox_send_due
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_campaign, rows_of

pytestmark = pytest.mark.django_db

State = OutboundMessage.State
ANYMAIL_TEST = "anymail.backends.test.EmailBackend"


class FailingEsp(AnymailTestBackend):
    """The ESP answers every send with the error a test sets."""

    error: Exception = AnymailAPIError("Service unavailable", status_code=503)

    def post_to_esp(self, payload, message):
        raise self.error


def test_it_sends_through_the_in_app_outbox_when_no_server_is_configured(settings, sender):
    settings.EMAIL_BACKEND = "leadline.core.outbox.OutboxBackend"
    campaign = queue_campaign(ContactFactory.create_batch(2), sender=sender)

    report = outbox_send_due()

    assert report.sent == 2
    stored = OutboxEmail.objects.all()
    assert sorted(email.headers["Message-ID"] for email in stored) == sorted(
        row.message_id for row in rows_of(campaign)
    )
    assert all("List-Unsubscribe" in email.headers for email in stored)
    assert {row.smtp_response for row in rows_of(campaign)} == {"Accepted by outbox"}


def test_an_esp_gets_the_message_id_as_metadata_and_its_id_is_kept(settings, sender):
    settings.EMAIL_BACKEND = ANYMAIL_TEST
    campaign = queue_campaign(ContactFactory.create_batch(2), sender=sender)

    outbox_send_due()

    rows = {str(row.public_id): row for row in rows_of(campaign)}
    assert len(mail.outbox) == 2
    for index, message in enumerate(mail.outbox):
        row = rows[message.metadata["leadline_message"]]
        assert row.state == State.SENT
        assert row.provider_id == str(index)
        assert message.extra_headers["Message-ID"] == row.message_id
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_esp_outage_is_retried_later(settings, sender, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEsp"
    campaign = queue_campaign([ContactFactory()], sender=sender)

    outbox_send_due()

    [row] = rows_of(campaign)
    assert (row.state, row.attempts) == (State.QUEUED, 1)
    assert "Service unavailable" in row.last_error


def test_an_esp_refusing_the_recipient_fails_the_row(settings, sender, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEsp"
    monkeypatch.setattr(FailingEsp, "error", AnymailRecipientsRefused())
    campaign = queue_campaign([ContactFactory()], sender=sender)

    outbox_send_due()

    [row] = rows_of(campaign)
    assert row.state == State.FAILED
    assert "rejected or invalid" in row.last_error


def test_a_bad_request_to_the_esp_fails_the_row(settings, sender, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}.FailingEsp"
    monkeypatch.setattr(FailingEsp, "error", AnymailAPIError("Invalid 'From' address", status_code=422))
    campaign = queue_campaign([ContactFactory()], sender=sender)

    outbox_send_due()

    assert rows_of(campaign)[0].state == State.FAILED
