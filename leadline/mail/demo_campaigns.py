"""Demo campaigns: the monthly newsletter, sent three days ago to the demo list with the opens,
clicks, a bounce and an unsubscribe a real send collects, so its report has something to show; and
a draft with a subject line test, ready to review.

`seed_campaigns_demo` is idempotent (each campaign only if none of that name exists) and runs after
the mail and segments demos: it needs their sender, templates and lists.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import User
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.mail.audiences import AudienceChoice, audience_provider
from leadline.mail.campaigns import CampaignData, campaign_create, campaign_send_now
from leadline.mail.models import (
    Campaign,
    MessageEvent,
    OutboundMessage,
    Suppression,
    Template,
    Unsubscribe,
    UnsubscribeSource,
)
from leadline.mail.selectors import default_sender_identity

SENT_NAME = "March newsletter"
DRAFT_NAME = "Spring webinar invitation"
LINKS = ["https://northwind.example/blog/first-90-days", "https://northwind.example/guides/checklist"]
BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15"
)
PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


def _audience(user: Any, *, prefer: str, type: str) -> AudienceChoice | None:
    provider = audience_provider()
    if provider is None:
        return None
    choices = [choice for choice in provider.choices(user) if choice.type == type and choice.size]
    named = [choice for choice in choices if choice.name == prefer]
    found = named or choices
    return found[0] if found else None


def _template(*names: str) -> Template | None:
    for name in names:
        template = Template.objects.filter(name=name, kind=Template.Kind.MARKETING).first()
        if template is not None:
            return template
    return Template.objects.filter(kind=Template.Kind.MARKETING).order_by("id").first()


def seed_campaigns_demo(echo: Callable[[str], object] = print) -> None:
    author = (
        User.objects.filter(role="marketing", is_active=True).order_by("id").first()
        or User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    )
    sender = default_sender_identity()
    if author is None or sender is None:
        echo("  Demo campaigns skipped: seed the users and the email sender first.")
        return
    existing = set(Campaign.objects.filter(name__in=[SENT_NAME, DRAFT_NAME]).values_list("name", flat=True))
    created = []
    if SENT_NAME not in existing and _seed_sent(author, sender, echo):
        created.append(SENT_NAME)
    if DRAFT_NAME not in existing and _seed_draft(author, sender):
        created.append(DRAFT_NAME)
    if created:
        echo(f"  Email campaigns: {', '.join(created)}")


def _seed_sent(author: Any, sender: Any, echo: Callable[[str], object]) -> bool:
    audience = _audience(author, prefer="Webinar guests", type="list") or _audience(
        author, prefer="", type="segment"
    )
    template = _template("Monthly newsletter")
    if audience is None or template is None:
        echo("  Demo sent campaign skipped: no list or marketing template to send.")
        return False
    rng = random.Random(42)
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(days=3, hours=2)
    with transaction.atomic():
        campaign = campaign_create(
            actor=author,
            data=CampaignData(
                name=SENT_NAME,
                template=template,
                sender=sender,
                audience_type=audience.type,
                audience_id=audience.id,
            ),
        )
        try:
            campaign_send_now(campaign=campaign, actor=author)
        except ValidationError as error:  # e.g. a template changed into one that cannot be sent
            echo(f"  Demo sent campaign skipped: {error}")
            transaction.set_rollback(True)
            return False
        rows = list(
            OutboundMessage.objects.filter(campaign=campaign).select_related("contact").order_by("id")
        )
        _replay(rows, started=started, rng=rng)
        finished = max((row.sent_at for row in rows if row.sent_at), default=started)
        Campaign.objects.filter(pk=campaign.pk).update(
            status=Campaign.Status.SENT,
            started_at=started,
            finished_at=finished,
            created_at=started - timedelta(days=1),
        )
    return True


def _event(row: OutboundMessage, kind: str, at: Any, **fields: Any) -> MessageEvent:
    return MessageEvent(message=row, kind=kind, occurred_at=at, **fields)


def _replay(rows: list[OutboundMessage], *, started: Any, rng: random.Random) -> None:
    """What a few days of a real send leave behind: sent rows, opens (some by image proxies),
    clicks on the two links, one hard bounce and one unsubscribe."""
    events: list[MessageEvent] = []
    for index, row in enumerate(rows):
        row.state = OutboundMessage.State.SENT
        row.sent_at = started + timedelta(seconds=2 * index)
        row.attempts = 1
        row.smtp_response = "250 2.0.0 OK queued"
        if index == 1 and len(rows) > 3:
            row.bounced_at = row.sent_at + timedelta(minutes=1)
            events.append(_event(row, MessageEvent.Kind.BOUNCE, row.bounced_at, bounce_type="hard"))
            Suppression.objects.get_or_create(
                email=row.to_email,
                defaults={
                    "reason": Suppression.Reason.HARD_BOUNCE,
                    "detail": "550 5.1.1 User unknown",
                    "source": "demo",
                },
            )
            continue
        if rng.random() < 0.15:
            events.append(
                _event(
                    row,
                    MessageEvent.Kind.OPEN,
                    row.sent_at + timedelta(seconds=5),
                    is_machine=True,
                    user_agent=PROXY,
                )
            )
        if rng.random() < 0.45:
            row.opened_at = row.sent_at + timedelta(minutes=rng.randint(3, 60 * 30))
            events.append(_event(row, MessageEvent.Kind.OPEN, row.opened_at, user_agent=BROWSER))
            if rng.random() < 0.3:
                events.append(
                    _event(
                        row, MessageEvent.Kind.OPEN, row.opened_at + timedelta(hours=5), user_agent=BROWSER
                    )
                )
            if rng.random() < 0.35:
                row.clicked_at = row.opened_at + timedelta(minutes=rng.randint(1, 20))
                events.append(
                    _event(
                        row,
                        MessageEvent.Kind.CLICK,
                        row.clicked_at,
                        url=rng.choice(LINKS),
                        user_agent=BROWSER,
                    )
                )
        if index == 2 and row.contact is not None:
            row.unsubscribed_at = row.sent_at + timedelta(hours=6)
            events.append(_event(row, MessageEvent.Kind.UNSUBSCRIBE, row.unsubscribed_at))
            Unsubscribe.objects.get_or_create(
                contact=row.contact,
                subscription_type=None,
                defaults={
                    "source": UnsubscribeSource.ONE_CLICK,
                    "message": row,
                    "created_at": row.unsubscribed_at,
                },
            )
    OutboundMessage.objects.bulk_update(
        rows,
        [
            "state",
            "sent_at",
            "attempts",
            "smtp_response",
            "opened_at",
            "clicked_at",
            "bounced_at",
            "unsubscribed_at",
        ],
    )
    MessageEvent.objects.bulk_create(events)


def _seed_draft(author: Any, sender: Any) -> bool:
    audience = _audience(author, prefer="Leads gone quiet", type="segment") or _audience(
        author, prefer="", type="list"
    )
    template = _template("Welcome email", "Monthly newsletter")
    if template is None:
        return False
    campaign_create(
        actor=author,
        data=CampaignData(
            name=DRAFT_NAME,
            template=template,
            sender=sender,
            audience_type=audience.type if audience else "",
            audience_id=audience.id if audience else None,
            subject_b="Join us live: 30 minutes on your first 90 days",
            ab_sample_percent=20,
            ab_metric=Campaign.AbMetric.OPENS,
            ab_wait_hours=4,
        ),
    )
    return True
