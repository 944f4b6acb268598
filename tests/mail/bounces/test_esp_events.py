"""Events from an email provider through django-anymail: its webhook views (open only with a
webhook secret) and its tracking and inbound signals, mapped onto our messages."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, AnymailTrackingEvent, inbound, tracking
from django.test import Client

from leadline.activity.models import Activity
from leadline.mail.models import MessageEvent, Suppression, Unsubscribe
from tests.mail.bounces.conftest import sample

POSTMARK_TRACKING = "/email/inbound/esp/postmark/tracking/"
CREDENTIALS = "postmark:s3cret-webhook-password"


@pytest.fixture
def webhook_secret(settings: Any) -> str:
    settings.ANYMAIL = {"WEBHOOK_SECRET": CREDENTIALS}
    return CREDENTIALS


def _auth(credentials: str = CREDENTIALS) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _postmark_bounce(message: Any, **fields: Any) -> dict[str, Any]:
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": message.to_email,
        "BouncedAt": "2026-11-26T10:00:00Z",
        "Metadata": {"leadline_message": str(message.public_id)},
        **fields,
    }


def _post(body: Any, **headers: str) -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(POSTMARK_TRACKING, data=data, content_type="application/json", **headers)


def test_it_suppresses_on_a_providers_hard_bounce(webhook_secret, message):
    response = _post(_postmark_bounce(message), **_auth())

    assert response.status_code == 200
    entry = Suppression.objects.get(email="jane@example.org")
    assert entry.reason == Suppression.Reason.HARD_BOUNCE
    assert entry.source == "esp:postmark"
    assert message.events.get().bounce_type == "hard"


def test_it_finds_the_message_by_the_providers_id(webhook_secret, message):
    message.provider_id = "883953f4-6105-42a2-a16a-77a8eac79483"
    message.save()

    _post(_postmark_bounce(message, Metadata={}), **_auth())

    assert Suppression.objects.filter(email="jane@example.org").exists()


def test_the_webhooks_are_closed_without_a_secret(message, settings):
    settings.ANYMAIL = {}

    response = _post(_postmark_bounce(message))

    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_it_refuses_wrong_credentials(webhook_secret, message):
    response = _post(_postmark_bounce(message), **_auth("postmark:guess"))

    assert response.status_code == 403
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1, 2", '"a string"', b"\xff\xfe"])
def test_it_answers_400_to_a_body_it_cannot_read(webhook_secret, body, db):
    response = _post(body, **_auth())

    assert response.status_code == 400


def test_it_ignores_events_about_messages_it_does_not_know(webhook_secret, message):
    body = _postmark_bounce(message, Metadata={"leadline_message": "not-a-uuid"}, MessageID="unknown")

    assert _post(body, **_auth()).status_code == 200
    assert not Suppression.objects.exists()


def _event(message: Any, event_type: str, **fields: Any) -> AnymailTrackingEvent:
    return AnymailTrackingEvent(
        event_type=event_type,
        timestamp=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        message_id="esp-1",
        metadata={"leadline_message": str(message.public_id)},
        recipient=message.to_email,
        **fields,
    )


def test_opens_and_clicks_are_recorded_and_reach_the_timeline(message):
    tracking.send(sender=None, event=_event(message, "opened", user_agent="Mail/1.0"), esp_name="SendGrid")
    tracking.send(sender=None, event=_event(message, "opened"), esp_name="SendGrid")
    tracking.send(
        sender=None,
        event=_event(message, "clicked", click_url="https://northwind.example/offer"),
        esp_name="SendGrid",
    )

    kinds = sorted(message.events.values_list("kind", flat=True))
    assert kinds == ["click", "open", "open"]
    message.refresh_from_db()
    assert message.opened_at is not None and message.clicked_at is not None
    assert Activity.objects.filter(contact=message.contact, kind="email.opened").count() == 1
    click = Activity.objects.get(contact=message.contact, kind="email.clicked")
    assert click.url == "https://northwind.example/offer"


def test_delivery_is_recorded_once(message):
    for _ in range(2):
        tracking.send(sender=None, event=_event(message, "delivered"), esp_name="Mailgun")

    assert message.events.filter(kind=MessageEvent.Kind.DELIVERED).count() == 1


def test_a_complaint_from_the_provider_suppresses_and_unsubscribes(message):
    tracking.send(sender=None, event=_event(message, "complained"), esp_name="Amazon SES")

    assert Suppression.objects.get(email="jane@example.org").reason == Suppression.Reason.COMPLAINT
    assert Unsubscribe.objects.get(contact=message.contact).source == "complaint"


def test_a_soft_bounce_from_the_provider_does_not_suppress(message):
    event = _event(message, "bounced", mta_response="452 4.2.2 Mailbox full")

    tracking.send(sender=None, event=event, esp_name="Mailgun")

    assert message.events.get().bounce_type == "soft"
    assert not Suppression.objects.exists()


def test_a_rejection_for_an_invalid_address_suppresses(message):
    tracking.send(
        sender=None, event=_event(message, "rejected", reject_reason="invalid"), esp_name="Postmark"
    )

    assert Suppression.objects.get(email="jane@example.org").reason == Suppression.Reason.HARD_BOUNCE


def test_an_unsubscribe_at_the_provider_unsubscribes(message):
    tracking.send(sender=None, event=_event(message, "unsubscribed"), esp_name="SendGrid")

    assert Unsubscribe.objects.filter(contact=message.contact).exists()


def test_a_bounce_received_by_the_provider_is_read_like_one_from_the_mailbox(message):
    received = AnymailInboundMessage.parse_raw_mime_bytes(sample("postfix_user_unknown", message))

    inbound.send(
        sender=None, event=AnymailInboundEvent(event_type="inbound", message=received), esp_name="Postmark"
    )

    assert Suppression.objects.get(email="jane@example.org").source == "esp:postmark"
