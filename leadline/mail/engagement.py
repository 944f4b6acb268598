"""Recording opens and clicks of sent email, on the request path of `/o/<token>` and `/c/<token>`.

Each hit is one short transaction: an append-only MessageEvent row (machines flagged, see
`leadline.mail.machine`), the message's first human open or click set by a conditional update, and
for that first human hit only, one `email.opened` / `email.clicked` entry on the contact's timeline.
Repeated opens of one message therefore never flood the timeline, and identical hits within a
minute (reloads, prefetching) are not stored twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadline.activity.models import Kind as ActivityKind
from leadline.activity.services import activity_record
from leadline.core.access import parse_public_id
from leadline.mail.machine import BURST_WINDOW, MAX_USER_AGENT_LENGTH, Verdict, classify_click, classify_open
from leadline.mail.models import MessageEvent, OutboundMessage

# The same hit again within this window (same kind, address, browser and link) is not stored again.
DUPLICATE_WINDOW = timedelta(seconds=60)
# Past this many stored opens or clicks of one message, more are counted only through the first ones.
MAX_EVENTS_PER_KIND = 200
URL_MAX_LENGTH = 2000


def _message_for_hit(message_public_id: str) -> OutboundMessage | None:
    parsed = parse_public_id(message_public_id)
    if parsed is None:
        return None
    return (
        OutboundMessage.objects.select_related("contact", "campaign", "template")
        .filter(public_id=parsed)
        .first()
    )


def message_label(message: OutboundMessage) -> str:
    """What the timeline calls a message: its subject, else its campaign or template name."""
    if message.subject:
        return message.subject
    if message.campaign_id and message.campaign is not None:
        return message.campaign.name
    if message.template_id and message.template is not None:
        return message.template.name
    return "an email"


def _event_data(verdict: Verdict) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if verdict.reason:
        data["machine"] = verdict.reason
    if verdict.proxy:
        data["proxy"] = verdict.proxy
    return data


def _is_repeat(
    message: OutboundMessage, kind: str, *, user_agent: str, ip_address: str | None, url: str, now: datetime
) -> bool:
    same_kind = MessageEvent.objects.filter(message=message, kind=kind)
    if same_kind.filter(
        occurred_at__gte=now - DUPLICATE_WINDOW, user_agent=user_agent, ip_address=ip_address, url=url
    ).exists():
        return True
    return same_kind[MAX_EVENTS_PER_KIND - 1 : MAX_EVENTS_PER_KIND].exists()


def _timeline_data(message: OutboundMessage, verdict: Verdict) -> dict[str, Any]:
    data: dict[str, Any] = {"message": str(message.public_id)}
    if message.campaign_id and message.campaign is not None:
        data["campaign"] = str(message.campaign.public_id)
    if verdict.proxy:
        data["proxy"] = verdict.proxy
    return data


def message_open_record(
    *,
    message_public_id: str,
    user_agent: str,
    ip_address: str | None,
    method: str = "GET",
    occurred_at: datetime | None = None,
) -> MessageEvent | None:
    """Record one fetch of a message's open pixel; None when the message is gone or the hit repeats."""
    now = occurred_at or timezone.now()
    user_agent = (user_agent or "")[:MAX_USER_AGENT_LENGTH]
    verdict = classify_open(user_agent=user_agent, ip_address=ip_address, method=method)
    with transaction.atomic():
        message = _message_for_hit(message_public_id)
        if message is None:
            return None
        if _is_repeat(
            message, MessageEvent.Kind.OPEN, user_agent=user_agent, ip_address=ip_address, url="", now=now
        ):
            return None
        event = MessageEvent.objects.create(
            message=message,
            kind=MessageEvent.Kind.OPEN,
            is_machine=verdict.is_machine,
            user_agent=user_agent,
            ip_address=ip_address,
            occurred_at=now,
            data=_event_data(verdict),
        )
        if not verdict.is_machine:
            first = OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(
                opened_at=now
            )
            if first and message.contact is not None:
                activity_record(
                    kind=ActivityKind.EMAIL_OPENED,
                    contact=message.contact,
                    occurred_at=now,
                    title=f"Opened “{message_label(message)}”",
                    data=_timeline_data(message, verdict),
                )
    return event


def message_click_record(
    *,
    message_public_id: str,
    url: str,
    user_agent: str,
    ip_address: str | None,
    method: str = "GET",
    occurred_at: datetime | None = None,
) -> MessageEvent | None:
    """Record one click of a link of a message; None when the message is gone or the hit repeats.

    A person clicking has opened the email, so a first human click also sets `opened_at` when the
    pixel was blocked (without a second timeline entry)."""
    now = occurred_at or timezone.now()
    user_agent = (user_agent or "")[:MAX_USER_AGENT_LENGTH]
    url = url[:URL_MAX_LENGTH]
    with transaction.atomic():
        message = _message_for_hit(message_public_id)
        if message is None:
            return None
        if _is_repeat(
            message, MessageEvent.Kind.CLICK, user_agent=user_agent, ip_address=ip_address, url=url, now=now
        ):
            return None
        burst = MessageEvent.objects.filter(
            message=message,
            kind=MessageEvent.Kind.CLICK,
            occurred_at__gte=now - BURST_WINDOW,
            occurred_at__lte=now,
        ).exclude(url=url)
        other_links = burst.values("url").distinct().count()
        verdict = classify_click(
            user_agent=user_agent,
            ip_address=ip_address,
            method=method,
            sent_at=message.sent_at,
            occurred_at=now,
            other_links_in_burst=other_links,
        )
        if verdict.reason == "link_burst":
            _flag_burst(message, burst, since=now - BURST_WINDOW)
        event = MessageEvent.objects.create(
            message=message,
            kind=MessageEvent.Kind.CLICK,
            url=url,
            is_machine=verdict.is_machine,
            user_agent=user_agent,
            ip_address=ip_address,
            occurred_at=now,
            data=_event_data(verdict),
        )
        if not verdict.is_machine:
            OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
            first = OutboundMessage.objects.filter(pk=message.pk, clicked_at__isnull=True).update(
                clicked_at=now
            )
            if first and message.contact is not None:
                activity_record(
                    kind=ActivityKind.EMAIL_CLICKED,
                    contact=message.contact,
                    occurred_at=now,
                    title=f"Clicked a link in “{message_label(message)}”",
                    url=url,
                    data=_timeline_data(message, verdict),
                )
    return event


def _flag_burst(message: OutboundMessage, burst: Any, *, since: datetime) -> None:
    """The clicks just before were the same scanner: flag them, and take back a first click (and
    the open it implied) that came from them."""
    burst.filter(is_machine=False).update(is_machine=True, data={"machine": "link_burst"})
    fresh = OutboundMessage.objects.filter(pk=message.pk)
    fresh.filter(clicked_at__gte=since).update(clicked_at=None)
    human_opens = MessageEvent.objects.filter(message=message, kind=MessageEvent.Kind.OPEN, is_machine=False)
    if not human_opens.exists():
        fresh.filter(opened_at__gte=since).update(opened_at=None)
