"""The emails of the hand-off: a new lead for a salesperson, a reminder, an escalation."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from leadline.accounts.models import User
from leadline.sales.models import Handoff

logger = logging.getLogger(__name__)


def _queue_url() -> str:
    return f"{settings.BASE_URL}{reverse('sales:queue')}"


def _send(user: User | None, subject: str, body: str) -> None:
    if user is None or not user.email:
        return
    try:
        EmailMessage(subject, body, to=[user.email]).send()
    except Exception:
        # A mail server hiccup must not undo the routing: the lead is in the queue either way.
        logger.exception("Could not send the hand-off email %r", subject)


def notify_routed(handoff: Handoff) -> None:
    contact = handoff.contact
    _send(
        handoff.assigned_to,
        f"New lead for you: {contact.display_name}",
        f"{contact.display_name} is a marketing qualified lead and has been routed to you.\n"
        f"Please accept or reject it by {handoff.sla_due_at:%Y-%m-%d %H:%M} UTC.\n\n{_queue_url()}\n",
    )


def notify_reminder(handoff: Handoff) -> None:
    contact = handoff.contact
    _send(
        handoff.assigned_to,
        f"Reminder: {contact.display_name} is waiting for you",
        f"The hand-off of {contact.display_name} is due at {handoff.sla_due_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"{_queue_url()}\n",
    )


def notify_escalation(handoff: Handoff, manager: User | None) -> None:
    contact = handoff.contact
    who = handoff.assigned_to.display_name if handoff.assigned_to else "nobody"
    _send(
        manager,
        f"Hand-off overdue: {contact.display_name}",
        f"{contact.display_name} was routed to {who} and has not been accepted or rejected within the SLA "
        f"(due {handoff.sla_due_at:%Y-%m-%d %H:%M} UTC).\n\n{_queue_url()}\n",
    )
