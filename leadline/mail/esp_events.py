"""Events from an email service provider (ESP), through django-anymail's webhooks.

Anymail normalises each provider's webhook into one event and sends it with its `tracking` and
`inbound` signals, the library's documented integration point (connected in MailConfig.ready).
A tracking event names our message by the metadata the sender attached (`leadline_message`, the
message's public id) or by the provider's id of the message; bounces, complaints and unsubscribes
then take the same path as those read from a bounce mailbox. Inbound email (a provider receiving
the mail sent to our bounce domain) is read like a message from the mailbox.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadline.activity.models import Kind as ActivityKind
from leadline.activity.services import activity_record
from leadline.core.access import parse_public_id
from leadline.mail.bounces import (
    DEFERRED,
    HARD,
    SOFT,
    Failure,
    InboundError,
    InboundOutcome,
    bounce_record,
    complaint_record,
    inbound_process,
    status_code_in,
)
from leadline.mail.models import MessageEvent, OutboundMessage

logger = logging.getLogger(__name__)

METADATA_KEY = "leadline_message"
URL_MAX_LENGTH = 4000


def message_for_event(event: Any) -> OutboundMessage | None:
    """Our message an ESP event is about: by the metadata we sent it with, else by the ESP's id."""
    queryset = OutboundMessage.objects.select_related("contact", "template", "subscription_type")
    metadata = getattr(event, "metadata", None) or {}
    public_id = parse_public_id(metadata.get(METADATA_KEY)) if isinstance(metadata, dict) else None
    if public_id is not None:
        found = queryset.filter(public_id=public_id).first()
        if found is not None:
            return found
    provider_id = str(getattr(event, "message_id", "") or "").strip()
    if provider_id and len(provider_id) <= 255:
        found = queryset.filter(provider_id=provider_id).first()
        if found is not None:
            return found
        bracketed = provider_id if provider_id.startswith("<") else f"<{provider_id}>"
        return queryset.filter(message_id=bracketed).first()
    return None


def _failure(event: Any, message: OutboundMessage, bounce_type: str | None = None) -> Failure:
    response = " ".join(str(getattr(event, "mta_response", "") or "").split())
    description = " ".join(str(getattr(event, "description", "") or "").split())
    diagnostic = (response or description)[:500]
    status = status_code_in(diagnostic)
    if bounce_type is None:
        bounce_type = SOFT if status.startswith("4") else HARD
    recipient = str(getattr(event, "recipient", "") or message.to_email).strip().lower()
    return Failure(recipient=recipient, bounce_type=bounce_type, status=status, diagnostic=diagnostic)


def _record_engagement(message: OutboundMessage, event: Any, kind: str) -> None:
    when = getattr(event, "timestamp", None) or timezone.now()
    url = (
        str(getattr(event, "click_url", "") or "")[:URL_MAX_LENGTH] if kind == MessageEvent.Kind.CLICK else ""
    )
    with transaction.atomic():
        locked = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("contact", "template")
            .get(pk=message.pk)
        )
        MessageEvent.objects.create(
            message=locked,
            kind=kind,
            url=url,
            user_agent=str(getattr(event, "user_agent", "") or "")[:500],
            occurred_at=when,
            data={"esp_event_id": str(getattr(event, "event_id", "") or "")[:200]},
        )
        first_field = "opened_at" if kind == MessageEvent.Kind.OPEN else "clicked_at"
        if getattr(locked, first_field) is not None:
            return
        setattr(locked, first_field, when)
        locked.save(update_fields=[first_field, "updated_at"])
        if locked.contact is not None:
            subject = locked.subject or (locked.template.subject if locked.template is not None else "")
            activity_record(
                kind=ActivityKind.EMAIL_OPENED
                if kind == MessageEvent.Kind.OPEN
                else ActivityKind.EMAIL_CLICKED,
                contact=locked.contact,
                occurred_at=when,
                title=subject,
                url=url,
                data={"message": str(locked.public_id)},
            )


def _record_delivered(message: OutboundMessage, event: Any) -> None:
    with transaction.atomic():
        locked = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if locked.events.filter(kind=MessageEvent.Kind.DELIVERED).exists():
            return
        MessageEvent.objects.create(
            message=locked,
            kind=MessageEvent.Kind.DELIVERED,
            occurred_at=getattr(event, "timestamp", None) or timezone.now(),
            data={"mta_response": str(getattr(event, "mta_response", "") or "")[:500]},
        )


def _record_unsubscribe(message: OutboundMessage) -> InboundOutcome:
    from leadline.mail.preferences import unsubscribe_contact

    if message.contact is None:
        return InboundOutcome("unmatched", message.public_id, message.to_email)
    with transaction.atomic():
        unsubscribe_contact(
            contact=message.contact,
            subscription_type=message.subscription_type,
            source="one_click",
            message=message,
        )
    return InboundOutcome("unsubscribe", message.public_id, message.to_email)


def tracking_event_apply(event: Any, *, esp_name: str) -> InboundOutcome:
    """Record one normalised anymail tracking event; unknown messages and event types are ignored."""
    message = message_for_event(event)
    if message is None:
        return InboundOutcome("unmatched")
    source = f"esp:{str(esp_name or 'unknown').lower()}"[:120]
    event_type = str(getattr(event, "event_type", "") or "")
    if event_type == "delivered":
        _record_delivered(message, event)
        return InboundOutcome("delivered", message.public_id, message.to_email)
    if event_type == "opened":
        _record_engagement(message, event, MessageEvent.Kind.OPEN)
        return InboundOutcome("open", message.public_id, message.to_email)
    if event_type == "clicked":
        _record_engagement(message, event, MessageEvent.Kind.CLICK)
        return InboundOutcome("click", message.public_id, message.to_email)
    if event_type == "bounced":
        return bounce_record(message=message, failure=_failure(event, message), source=source)
    if event_type == "deferred":
        return bounce_record(message=message, failure=_failure(event, message, DEFERRED), source=source)
    if event_type == "rejected":
        reason = str(getattr(event, "reject_reason", "") or "")
        if reason == "spam":
            # The provider refuses because this person marked earlier mail as spam.
            return complaint_record(message=message, source=source, feedback_type="esp-rejected")
        if reason == "unsubscribed":
            return _record_unsubscribe(message)
        bounce_type = HARD if reason in ("invalid", "bounced") else SOFT
        return bounce_record(message=message, failure=_failure(event, message, bounce_type), source=source)
    if event_type == "complained":
        return complaint_record(message=message, source=source)
    if event_type == "unsubscribed":
        return _record_unsubscribe(message)
    return InboundOutcome("ignored", message.public_id, message.to_email)


def tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Receiver of anymail.signals.tracking."""
    outcome = tracking_event_apply(event, esp_name=esp_name)
    logger.info("ESP %s event %s: %s", esp_name, getattr(event, "event_type", ""), outcome.result)


def inbound_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Receiver of anymail.signals.inbound: a bounce, complaint or mailto unsubscribe the provider
    received for us."""
    message = getattr(event, "message", None)
    if message is None:
        return
    try:
        raw = message.as_bytes()
    except Exception:
        logger.warning("An inbound message from %s could not be serialised", esp_name, exc_info=True)
        return
    recipient = str(getattr(message, "envelope_recipient", "") or "")[:320]
    try:
        inbound_process(
            raw, source=f"esp:{str(esp_name or 'unknown').lower()}"[:120], envelope_recipient=recipient
        )
    except InboundError as error:
        logger.info("Ignored an inbound message from %s: %s", esp_name, error)
