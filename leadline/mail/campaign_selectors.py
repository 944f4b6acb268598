"""Reads for campaigns: the list with its counts, one campaign, its report, and the contacts behind
each number of the report (the same filters count them and list them, so the two always agree)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from leadline.contacts.csvio import CsvLineWriter
from leadline.core.access import get_for_user
from leadline.mail.audiences import AudienceChoice, audience_provider
from leadline.mail.campaigns import VariantResult, ab_results
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage

SEARCH_MAX_LENGTH = 200
URL_MAX_LENGTH = 2000
LINKS_SHOWN = 50
State = OutboundMessage.State


def campaign_list(*, user: Any, q: str = "", status: str = "") -> QuerySet[Campaign]:
    """Campaigns the user may see, newest first, with their row counts in the same query."""
    campaigns = Campaign.objects.for_user(user).select_related("template", "created_by")
    for term in q.strip()[:SEARCH_MAX_LENGTH].split()[:8]:
        campaigns = campaigns.filter(
            Q(name__icontains=term) | Q(audience_name__icontains=term) | Q(template__name__icontains=term)
        )
    if status in Campaign.Status.values:
        campaigns = campaigns.filter(status=status)
    return campaigns.annotate(
        queued_count=Count("messages", filter=Q(messages__state__in=[State.QUEUED, State.SENDING])),
        sent_count=Count("messages", filter=Q(messages__state=State.SENT)),
        opened_count=Count(
            "messages", filter=Q(messages__state=State.SENT, messages__opened_at__isnull=False)
        ),
        clicked_count=Count(
            "messages", filter=Q(messages__state=State.SENT, messages__clicked_at__isnull=False)
        ),
    ).order_by("-created_at", "-id")


def campaign_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Campaign:
    return get_for_user(
        Campaign.objects.select_related(
            "template", "template__layout", "sender", "subscription_type", "created_by", "updated_by"
        ),
        user,
        public_id,
        for_edit=for_edit,
    )


def audience_choices(*, user: Any) -> list[AudienceChoice]:
    provider = audience_provider()
    return provider.choices(user) if provider is not None else []


# --- The numbers of the report and the rows behind each -------------------------------------------


def _event(kind: str, **extra: Any) -> Exists:
    return Exists(MessageEvent.objects.filter(message=OuterRef("pk"), kind=kind, **extra))


def _bounced() -> Q:
    return Q(bounced_at__isnull=False) | Q(_event(MessageEvent.Kind.BOUNCE))


def _hard_bounce() -> Q:
    return Q(_event(MessageEvent.Kind.BOUNCE, bounce_type="hard"))


SENT = Q(state=State.SENT)


def metric_filter(metric: str, *, url: str = "") -> Q | None:
    """The rows one number of the report counts, or None for a metric that does not exist."""
    delivered = SENT & ~_bounced()
    filters: dict[str, Q] = {
        "recipients": Q(),
        "sent": SENT,
        "delivered": delivered,
        "opened": SENT & (Q(opened_at__isnull=False) | Q(_event(MessageEvent.Kind.OPEN, is_machine=False))),
        "opened_machine": SENT & Q(_event(MessageEvent.Kind.OPEN, is_machine=True)),
        "clicked": SENT
        & (Q(clicked_at__isnull=False) | Q(_event(MessageEvent.Kind.CLICK, is_machine=False))),
        "unsubscribed": Q(unsubscribed_at__isnull=False) | Q(_event(MessageEvent.Kind.UNSUBSCRIBE)),
        "bounced": _bounced(),
        "bounced_hard": _hard_bounce(),
        "bounced_soft": _bounced() & ~_hard_bounce(),
        "complained": Q(complained_at__isnull=False) | Q(_event(MessageEvent.Kind.COMPLAINT)),
        "failed": Q(state__in=[State.FAILED, State.DEAD]),
        "skipped": Q(state=State.SKIPPED),
        "cancelled": Q(state=State.CANCELLED),
        "waiting": Q(state__in=[State.QUEUED, State.SENDING]),
        "variant_a": Q(variant="A"),
        "variant_b": Q(variant="B"),
    }
    if metric == "clicked_url":
        return SENT & Q(_event(MessageEvent.Kind.CLICK, is_machine=False, url=url[:URL_MAX_LENGTH]))
    return filters.get(metric)


METRIC_LABELS = {
    "recipients": "Recipients",
    "sent": "Sent",
    "delivered": "Delivered",
    "opened": "Opened (people)",
    "opened_machine": "Opened by machines",
    "clicked": "Clicked",
    "clicked_url": "Clicked a link",
    "unsubscribed": "Unsubscribed",
    "bounced": "Bounced",
    "bounced_hard": "Hard bounces",
    "bounced_soft": "Soft bounces",
    "complained": "Spam complaints",
    "failed": "Failed",
    "skipped": "Skipped",
    "cancelled": "Cancelled",
    "waiting": "Still to send",
    "variant_a": "Subject A",
    "variant_b": "Subject B",
}
COUNTED = [name for name in METRIC_LABELS if name != "clicked_url"]


@dataclass(frozen=True)
class LinkClicks:
    url: str
    clicks: int
    people: int


@dataclass
class CampaignReport:
    counts: dict[str, int]
    links: list[LinkClicks] = field(default_factory=list)
    variants: list[VariantResult] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)

    def rate(self, part: str, whole: str) -> float | None:
        return self.counts[part] / self.counts[whole] if self.counts[whole] else None

    @property
    def rates(self) -> dict[str, float | None]:
        return {
            "delivery": self.rate("delivered", "sent"),
            "open": self.rate("opened", "delivered"),
            "click": self.rate("clicked", "delivered"),
            "click_to_open": self.rate("clicked", "opened"),
            "bounce": self.rate("bounced", "sent"),
            "unsubscribe": self.rate("unsubscribed", "delivered"),
            "complaint": self.rate("complained", "delivered"),
        }

    @property
    def percents(self) -> dict[str, str]:
        """The rates as people read them ("12.5%"), blank where there is nothing to divide by."""
        return {name: f"{rate:.1%}" if rate is not None else "" for name, rate in self.rates.items()}

    @property
    def chart_rows(self) -> list[tuple[str, int, int]]:
        return list(
            zip(
                self.chart.get("labels", []),
                self.chart.get("opens", []),
                self.chart.get("clicks", []),
                strict=False,
            )
        )


def campaign_counts(campaign: Campaign) -> dict[str, int]:
    """Every number of the report in one query over the campaign's rows."""
    aggregates = {
        name: Count("id", filter=metric_filter(name)) if name != "recipients" else Count("id")
        for name in COUNTED
    }
    return dict(OutboundMessage.objects.filter(campaign=campaign).aggregate(**aggregates))


def campaign_links(campaign: Campaign) -> list[LinkClicks]:
    """Links people clicked (machines' clicks left out), most clicked first."""
    rows = (
        MessageEvent.objects.filter(
            message__campaign=campaign, kind=MessageEvent.Kind.CLICK, is_machine=False
        )
        .values("url")
        .annotate(clicks=Count("id"), people=Count("message", distinct=True))
        .order_by("-clicks", "url")[:LINKS_SHOWN]
    )
    return [LinkClicks(url=row["url"], clicks=row["clicks"], people=row["people"]) for row in rows]


def campaign_activity_chart(campaign: Campaign, *, now: datetime | None = None) -> dict[str, Any]:
    """Human opens and clicks over time: per hour in the first two days, per day after that."""
    events = MessageEvent.objects.filter(
        message__campaign=campaign,
        kind__in=[MessageEvent.Kind.OPEN, MessageEvent.Kind.CLICK],
        is_machine=False,
    ).values_list("kind", "occurred_at")
    moments = [(kind, timezone.localtime(moment)) for kind, moment in events]
    if not moments:
        return {"labels": [], "opens": [], "clicks": []}
    first = min(moment for _, moment in moments)
    last = max(moment for _, moment in moments)
    hourly = last - first <= timedelta(hours=48)
    step = timedelta(hours=1) if hourly else timedelta(days=1)

    def bucket(moment: datetime) -> datetime:
        if hourly:
            return moment.replace(minute=0, second=0, microsecond=0)
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)

    start, end = bucket(first), bucket(last)
    slots: list[datetime] = []
    cursor = start
    while cursor <= end and len(slots) < 400:
        slots.append(cursor)
        cursor = bucket(cursor + step + timedelta(hours=2)) if not hourly else cursor + step
    index = {slot: position for position, slot in enumerate(slots)}
    opens, clicks = [0] * len(slots), [0] * len(slots)
    for kind, moment in moments:
        position = index.get(bucket(moment))
        if position is None:
            continue
        (opens if kind == MessageEvent.Kind.OPEN else clicks)[position] += 1
    label = "%-d %b %H:00" if hourly else "%-d %b"
    return {"labels": [slot.strftime(label) for slot in slots], "opens": opens, "clicks": clicks}


def campaign_report(campaign: Campaign) -> CampaignReport:
    return CampaignReport(
        counts=campaign_counts(campaign),
        links=campaign_links(campaign),
        variants=ab_results(campaign) if campaign.ab_sample_percent else [],
        chart=campaign_activity_chart(campaign),
    )


def campaign_progress(campaign: Campaign) -> dict[str, int]:
    """What the progress bar shows while the campaign is going out."""
    counts = OutboundMessage.objects.filter(campaign=campaign).aggregate(
        total=Count("id"),
        waiting=Count("id", filter=Q(state__in=[State.QUEUED, State.SENDING])),
        sent=Count("id", filter=SENT),
        not_sent=Count("id", filter=Q(state__in=[State.FAILED, State.DEAD, State.SKIPPED, State.CANCELLED])),
        later=Count("id", filter=Q(state=State.QUEUED, not_before__gt=timezone.now())),
    )
    done = counts["total"] - counts["waiting"]
    counts["percent"] = round(100 * done / counts["total"]) if counts["total"] else 0
    return counts


def campaign_recipients(
    campaign: Campaign, *, metric: str = "recipients", url: str = ""
) -> QuerySet[OutboundMessage]:
    """The rows behind one number of the report, with their contacts; raises ValueError for an
    unknown metric."""
    condition = metric_filter(metric, url=url)
    if condition is None:
        raise ValueError(metric)
    return (
        OutboundMessage.objects.filter(campaign=campaign)
        .filter(condition)
        .select_related("contact")
        .order_by("to_email", "id")
    )


CSV_HEADER = [
    "email",
    "first_name",
    "last_name",
    "contact_id",
    "state",
    "variant",
    "subject",
    "sent_at",
    "opened_at",
    "clicked_at",
    "bounced_at",
    "complained_at",
    "unsubscribed_at",
    "error",
]


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def recipients_csv_lines(campaign: Campaign, messages: QuerySet[OutboundMessage]) -> Iterator[str]:
    """The recipients table as CSV lines; every cell is formula-safe."""
    writer = CsvLineWriter()
    yield writer.line(list(CSV_HEADER))
    default_subject = campaign.template.subject
    for message in messages.iterator(chunk_size=2000):
        contact = message.contact
        yield writer.line(
            [
                message.to_email,
                contact.first_name if contact else "",
                contact.last_name if contact else "",
                str(contact.public_id) if contact else "",
                message.state,
                message.variant,
                message.subject or default_subject,
                _when(message.sent_at),
                _when(message.opened_at),
                _when(message.clicked_at),
                _when(message.bounced_at),
                _when(message.complained_at),
                _when(message.unsubscribed_at),
                message.last_error[:300],
            ]
        )
