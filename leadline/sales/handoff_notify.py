"""Telling people about the hand-off: a new lead for a salesperson, a reminder before its SLA, an
escalation to a manager. Each goes out by email and into the person's in-app notifications; the
in-app one carries a key, so the same event never notifies twice."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from leadline.accounts.models import User
from leadline.core.notifications import notify
from leadline.sales.models import Handoff, RoutingSettings

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


def _due(handoff: Handoff) -> str:
    """The SLA deadline in the time zone the working hours are kept in."""
    zone_name = RoutingSettings.load().time_zone or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone, zone_name = ZoneInfo("UTC"), "UTC"
    return f"{timezone.localtime(handoff.sla_due_at, zone):%a %d %b, %H:%M} ({zone_name})"


def notify_routed(handoff: Handoff) -> None:
    contact = handoff.contact
    _send(
        handoff.assigned_to,
        f"New lead for you: {contact.display_name}",
        f"{contact.display_name} is a marketing qualified lead and has been routed to you.\n"
        f"Please accept or reject it by {handoff.sla_due_at:%Y-%m-%d %H:%M} UTC.\n\n{_queue_url()}\n",
    )
    notify(
        user=handoff.assigned_to,
        kind="handoff.routed",
        title=f"New lead for you: {contact.display_name}",
        body=f"Marketing qualified and routed to you ({handoff.routed_by or 'round robin'}). "
        f"Accept or reject it by {_due(handoff)}.",
        url=reverse("sales:queue"),
        key=f"handoff.routed:{handoff.public_id}",
    )


def notify_reminder(handoff: Handoff) -> None:
    contact = handoff.contact
    _send(
        handoff.assigned_to,
        f"Reminder: {contact.display_name} is waiting for you",
        f"The hand-off of {contact.display_name} is due at {handoff.sla_due_at:%Y-%m-%d %H:%M} UTC.\n\n"
        f"{_queue_url()}\n",
    )
    notify(
        user=handoff.assigned_to,
        kind="handoff.reminder",
        title=f"Reminder: {contact.display_name} is waiting for you",
        body=f"Accept or reject the lead by {_due(handoff)}, or it is escalated.",
        url=reverse("sales:queue"),
        key=f"handoff.reminder:{handoff.public_id}",
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
    notify(
        user=manager,
        kind="handoff.escalated",
        title=f"Hand-off overdue: {contact.display_name}",
        body=f"Routed to {who}, not accepted or rejected by {_due(handoff)}.",
        url=reverse("contacts:detail", args=[contact.public_id]),
        key=f"handoff.escalated:{handoff.public_id}",
    )
