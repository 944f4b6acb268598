"""Writes for email campaigns: drafts, the checks before sending, the start (audience → outbox rows),
the A/B test of subject lines, pause / resume / cancel, and the periodic passes that finish
campaigns and pause the ones drawing too many spam complaints.

A campaign's status moves draft → scheduled → (testing →) sending → sent, or to paused and back, or
to cancelled. Each recipient becomes one outbox row keyed `campaign:<campaign>:<contact>`, so
starting (or deciding a test) twice never queues anyone twice. Nothing here sends email: the
sending engine claims the queued rows; it leaves the rows of paused campaigns alone.
"""

from __future__ import annotations

import random
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from leadline.contacts.models import ConsentRecord, Contact
from leadline.core.notifications import notify
from leadline.core.services import audit_record
from leadline.mail import merge_tags
from leadline.mail.audiences import AudienceChoice, audience_provider
from leadline.mail.models import (
    Campaign,
    MessageEvent,
    OutboundMessage,
    SenderIdentity,
    SubscriptionType,
    Suppression,
    Template,
    Unsubscribe,
)
from leadline.mail.outbox import Outgoing, outbox_enqueue_many
from leadline.mail.rendering import compile_template, marketing_problems
from leadline.mail.selectors import merge_tag_catalogue

NAME_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 255
AB_PERCENT_MIN, AB_PERCENT_MAX = 2, 50
AB_WAIT_HOURS_MIN, AB_WAIT_HOURS_MAX = 1, 168
COMPLAINT_LIMIT_MAX = Decimal("0.0500")
# The complaint guard waits for this many delivered messages: two complaints out of ten say little.
COMPLAINT_MIN_DELIVERED = 200
CHUNK = 2000
# Send now queues up to this many rows in the request; a bigger audience is queued by the scheduler.
SEND_NOW_INLINE_LIMIT = 5000
# A wall-clock time reaches the world first at UTC+14 and last at UTC−12.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=14), timedelta(hours=12)
MARKETING_CONSENT = "marketing_email"
PENDING_OR_WITHDRAWN = (ConsentRecord.Status.PENDING, ConsentRecord.Status.WITHDRAWN)

ACTIVE = (Campaign.Status.TESTING, Campaign.Status.SENDING)
STARTED = (Campaign.Status.TESTING, Campaign.Status.SENDING, Campaign.Status.PAUSED)
WAITING_ROWS = (OutboundMessage.State.QUEUED, OutboundMessage.State.SENDING)


class CampaignStateError(ValidationError):
    """An action the campaign's current status does not allow (the API answers 409)."""


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _require(campaign: Campaign, allowed: Iterable[str], message: str) -> None:
    if campaign.status not in tuple(allowed):
        raise CampaignStateError(message.format(status=campaign.get_status_display().lower()))


# --- Drafts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignData:
    """The editable fields of a campaign, as the editor and the API hand them in."""

    name: str
    template: Template
    sender: SenderIdentity
    audience_type: str = ""
    audience_id: UUID | None = None
    subscription_type: SubscriptionType | None = None
    scheduled_at: datetime | None = None
    local_time: bool = False
    subject_b: str = ""
    ab_sample_percent: int = 0
    ab_metric: str = Campaign.AbMetric.OPENS
    ab_wait_hours: int = 4
    complaint_rate_limit: Decimal = Decimal("0.0030")

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignData:
        return cls(
            name=campaign.name,
            template=campaign.template,
            sender=campaign.sender,
            audience_type=campaign.audience_type,
            audience_id=campaign.audience_id,
            subscription_type=campaign.subscription_type,
            scheduled_at=campaign.scheduled_at,
            local_time=campaign.local_time,
            subject_b=campaign.subject_b,
            ab_sample_percent=campaign.ab_sample_percent,
            ab_metric=campaign.ab_metric,
            ab_wait_hours=campaign.ab_wait_hours,
            complaint_rate_limit=campaign.complaint_rate_limit,
        )

    def changed(self, **changes: Any) -> CampaignData:
        return replace(self, **changes)


def wall_clock(moment: datetime) -> datetime:
    """The naive wall-clock time a local-time campaign is sent at (stored in the workspace zone)."""
    return timezone.make_naive(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE))


def local_schedule(wall: datetime) -> datetime:
    """Store a wall-clock time (naive, or aware with its offset ignored) for a local-time campaign."""
    return timezone.make_aware(wall.replace(tzinfo=None), zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _check(*, actor: Any, data: CampaignData) -> AudienceChoice | None:
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        _add(errors, "name", "Give the campaign a name.")
    elif len(name) > NAME_MAX_LENGTH:
        _add(errors, "name", f"At most {NAME_MAX_LENGTH} characters.")
    if data.template.kind != Template.Kind.MARKETING:
        _add(errors, "template", "Choose a marketing template: transactional ones cannot go to a list.")
    audience = None
    if data.audience_type or data.audience_id:
        audience = _audience(actor, data.audience_type, data.audience_id)
        if audience is None:
            _add(errors, "audience", "Choose a segment or list you can see.")
    if data.subscription_type is not None and data.subscription_type.is_archived:
        _add(errors, "subscription_type", "This subscription type is archived: choose another one.")
    subject_b = data.subject_b.strip()
    if len(subject_b) > SUBJECT_MAX_LENGTH:
        _add(errors, "subject_b", f"At most {SUBJECT_MAX_LENGTH} characters.")
    elif "\n" in subject_b or "\r" in subject_b:
        _add(errors, "subject_b", "A subject is one line.")
    elif subject_b:
        for problem in merge_tags.merge_tag_problems(subject_b, merge_tag_catalogue()):
            _add(errors, "subject_b", problem)
    if data.ab_sample_percent:
        if not AB_PERCENT_MIN <= data.ab_sample_percent <= AB_PERCENT_MAX:
            _add(
                errors,
                "ab_sample_percent",
                f"Test on {AB_PERCENT_MIN}–{AB_PERCENT_MAX}% of the audience, or 0 for no test.",
            )
        if not subject_b:
            _add(errors, "subject_b", "Write the subject line to test against the template's.")
        if data.local_time:
            _add(
                errors,
                "local_time",
                "An A/B test cannot be combined with sending in each recipient's time zone: "
                "the winner would reach some zones late.",
            )
    if data.ab_metric not in Campaign.AbMetric.values:
        _add(errors, "ab_metric", f"Choose one of: {', '.join(Campaign.AbMetric.values)}.")
    if not AB_WAIT_HOURS_MIN <= data.ab_wait_hours <= AB_WAIT_HOURS_MAX:
        _add(errors, "ab_wait_hours", f"Wait {AB_WAIT_HOURS_MIN}–{AB_WAIT_HOURS_MAX} hours.")
    if not Decimal("0") < data.complaint_rate_limit <= COMPLAINT_LIMIT_MAX:
        _add(errors, "complaint_rate_limit", "Set a complaint limit above 0% and at most 5%.")
    if errors:
        raise ValidationError(errors)
    return audience


def _audience(user: Any, type: str, id: UUID | None) -> AudienceChoice | None:
    provider = audience_provider()
    if provider is None or id is None or type not in Campaign.AudienceType.values:
        return None
    return provider.get(user, type, id)


def _fields(data: CampaignData, audience: AudienceChoice | None) -> dict[str, Any]:
    return {
        "name": data.name.strip(),
        "template": data.template,
        "sender": data.sender,
        "subscription_type": data.subscription_type,
        "audience_type": audience.type if audience else "",
        "audience_id": audience.id if audience else None,
        "audience_name": audience.name[:200] if audience else "",
        "scheduled_at": data.scheduled_at,
        "local_time": data.local_time,
        "subject_b": data.subject_b.strip(),
        "ab_sample_percent": data.ab_sample_percent,
        "ab_metric": data.ab_metric,
        "ab_wait_hours": data.ab_wait_hours,
        "complaint_rate_limit": data.complaint_rate_limit,
    }


def campaign_create(*, actor: Any, data: CampaignData) -> Campaign:
    audience = _check(actor=actor, data=data)
    campaign = Campaign(**_fields(data, audience), created_by=actor, updated_by=actor)
    campaign.save()
    audit_record(actor=actor, action="mail.campaign_created", target=campaign, summary=campaign.name)
    return campaign


def campaign_update(*, campaign: Campaign, actor: Any, data: CampaignData) -> Campaign:
    """Change a draft. A scheduled campaign goes back to draft first (`campaign_unschedule`)."""
    _require(campaign, [Campaign.Status.DRAFT], "Only a draft can be changed; this campaign is {status}.")
    audience = _check(actor=actor, data=data)
    fields = _fields(data, audience)
    changed = [name for name, value in fields.items() if getattr(campaign, name) != value]
    if not changed:
        return campaign
    for name in changed:
        setattr(campaign, name, fields[name])
    campaign.updated_by = actor
    campaign.save(update_fields=[*changed, "updated_by", "updated_at"])
    audit_record(actor=actor, action="mail.campaign_changed", target=campaign, summary=campaign.name)
    return campaign


def campaign_duplicate(*, campaign: Campaign, actor: Any) -> Campaign:
    """A new draft with the same settings (not its schedule or results)."""
    copy = Campaign(
        **_fields(CampaignData.of(campaign), None),
        created_by=actor,
        updated_by=actor,
    )
    copy.name = f"Copy of {campaign.name}"[:NAME_MAX_LENGTH]
    copy.audience_type, copy.audience_id = campaign.audience_type, campaign.audience_id
    copy.audience_name, copy.scheduled_at = campaign.audience_name, None
    copy.save()
    audit_record(
        actor=actor,
        action="mail.campaign_created",
        target=copy,
        summary=copy.name,
        copied_from=str(campaign.public_id),
    )
    return copy


def campaign_delete(*, campaign: Campaign, actor: Any) -> None:
    _require(
        campaign,
        [Campaign.Status.DRAFT],
        "Only a draft can be deleted; this campaign is {status}. Cancel it instead to stop it.",
    )
    audit_record(actor=actor, action="mail.campaign_deleted", target=campaign, summary=campaign.name)
    campaign.delete()


# --- The audience and its exclusions --------------------------------------------------------------


EXCLUSIONS = {
    "no_email": "No email address",
    "suppressed": "On the suppression list",
    "unsubscribed_all": "Unsubscribed from all marketing email",
    "unsubscribed_type": "Unsubscribed from this subscription type",
    "unconfirmed": "Consent pending or withdrawn",
}


@dataclass(frozen=True)
class Recipient:
    contact: Contact
    email: str
    time_zone: str


@dataclass
class Audience:
    """Who a campaign would go to now. Each left-out contact is counted once, under the first
    reason in `EXCLUSIONS` that applies."""

    members: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUSIONS, 0))
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def eligible(self) -> int:
        return len(self.recipients)

    @property
    def exclusions(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.excluded[key]) for key, label in EXCLUSIONS.items()]


def _chunks(values: Iterator[int], size: int = CHUNK) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _unique(values: Iterable[int]) -> Iterator[int]:
    seen: set[int] = set()
    for value in values:
        if value not in seen:
            seen.add(value)
            yield value


def audience_resolve(*, campaign: Campaign) -> Audience:
    """The campaign's audience as it stands, minus everyone it must not reach."""
    audience = Audience()
    provider = audience_provider()
    if provider is None or campaign.audience_id is None or not campaign.audience_type:
        return audience
    latest_consent = Subquery(
        ConsentRecord.objects.filter(contact=OuterRef("pk"), purpose=MARKETING_CONSENT)
        .order_by("-recorded_at", "-id")
        .values("status")[:1]
    )
    unsubscribes = Unsubscribe.objects.filter(contact=OuterRef("pk"))
    type_unsubscribe = (
        Exists(unsubscribes.filter(subscription_type=campaign.subscription_type))
        if campaign.subscription_type_id
        else Q(pk__in=[])
    )
    ids = _unique(provider.contact_ids(campaign.audience_type, campaign.audience_id))
    for chunk in _chunks(ids):
        contacts = (
            Contact.objects.filter(id__in=chunk)
            .only("id", "public_id", "email", "time_zone")
            .annotate(
                suppressed=Exists(Suppression.objects.filter(email=OuterRef("email"))),
                unsubscribed_all=Exists(unsubscribes.filter(subscription_type__isnull=True)),
                unsubscribed_type=type_unsubscribe,
                consent=latest_consent,
            )
            .order_by("id")
        )
        for contact in contacts:
            audience.members += 1
            reason = _exclusion(contact)
            if reason:
                audience.excluded[reason] += 1
            else:
                audience.recipients.append(
                    Recipient(contact=contact, email=contact.email or "", time_zone=contact.time_zone)
                )
    return audience


def _exclusion(contact: Any) -> str:
    if not (contact.email or "").strip():
        return "no_email"
    if contact.suppressed:
        return "suppressed"
    if contact.unsubscribed_all:
        return "unsubscribed_all"
    if contact.unsubscribed_type:
        return "unsubscribed_type"
    if contact.consent in PENDING_OR_WITHDRAWN:
        return "unconfirmed"
    return ""


# --- Checks before sending ------------------------------------------------------------------------


def ab_split_size(eligible: int, percent: int) -> int:
    """How many recipients get each subject in the test: 20% of 1,000 → 100 each way."""
    return eligible * percent // 200


def campaign_problems(*, campaign: Campaign, actor: Any, audience: Audience | None = None) -> list[str]:
    """Everything that stops the campaign from going out, as sentences a person can act on."""
    problems: list[str] = []
    template = campaign.template
    if template.kind != Template.Kind.MARKETING:
        problems.append(f"“{template.name}” is a transactional template: choose a marketing one.")
    else:
        try:
            compiled = compile_template(template)
        except ValidationError as error:
            problems.append(f"The template “{template.name}” does not compile: {' '.join(error.messages)}")
        else:
            missing = marketing_problems(compiled, layout_named=template.layout_id is not None)
            if missing:
                problems.append(missing)
    if not campaign.sender.postal_address.strip():
        problems.append(
            f"Add a postal address to the sender {campaign.sender.from_name} before sending marketing email."
        )
    if not campaign.audience_id:
        problems.append("Choose who the campaign goes to: a segment or a list.")
    elif actor is not None and _audience(actor, campaign.audience_type, campaign.audience_id) is None:
        problems.append("The segment or list of this campaign no longer exists, or you cannot see it.")
    elif audience is not None:
        if audience.eligible == 0:
            problems.append("Nobody in the audience can receive this campaign (see who is left out).")
        elif campaign.ab_sample_percent and ab_split_size(audience.eligible, campaign.ab_sample_percent) < 1:
            problems.append(
                f"{audience.eligible} recipient{'s are' if audience.eligible != 1 else ' is'} too few for an "
                f"A/B test on {campaign.ab_sample_percent}%: raise the share or turn the test off."
            )
    if campaign.ab_sample_percent and not campaign.subject_b.strip():
        problems.append("Write subject B for the A/B test, or turn the test off.")
    return problems


def _raise_problems(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


# --- Scheduling and starting ----------------------------------------------------------------------


def start_due_at(campaign: Campaign) -> datetime | None:
    """When a scheduled campaign's rows are queued: its time, or for a local-time campaign the
    moment its wall-clock time first arrives anywhere (each row then waits for its own zone)."""
    if campaign.scheduled_at is None:
        return None
    if not campaign.local_time:
        return campaign.scheduled_at
    return wall_clock(campaign.scheduled_at).replace(tzinfo=UTC) - EARLIEST_OFFSET


def campaign_schedule(
    *, campaign: Campaign, actor: Any, at: datetime | None = None, local_time: bool | None = None
) -> Campaign:
    """Schedule a draft for `at` (default: its saved time). With `local_time`, `at` is a wall-clock
    time reached in each recipient's zone; zones where it has passed get the email at once."""
    _require(campaign, [Campaign.Status.DRAFT], "Only a draft can be scheduled; this campaign is {status}.")
    local = campaign.local_time if local_time is None else local_time
    moment = at if at is not None else campaign.scheduled_at
    if moment is None:
        raise ValidationError({"scheduled_at": "Choose when to send the campaign."})
    if local:
        moment = local_schedule(wall_clock(moment) if at is None else moment)
    elif timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = timezone.now()
    if local and campaign.ab_sample_percent:
        raise ValidationError(
            {"local_time": "An A/B test cannot be combined with sending in each recipient's time zone."}
        )
    if local and wall_clock(moment).replace(tzinfo=UTC) + LATEST_OFFSET <= now:
        raise ValidationError(
            {"scheduled_at": "That time has passed in every time zone: choose a later one."}
        )
    if not local and moment <= now:
        raise ValidationError({"scheduled_at": "Choose a time in the future, or send now."})
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(locked, [Campaign.Status.DRAFT], "Only a draft can be scheduled; this campaign is {status}.")
        _raise_problems(
            campaign_problems(campaign=campaign, actor=actor, audience=audience_resolve(campaign=campaign))
        )
        campaign.status, campaign.scheduled_at, campaign.local_time = Campaign.Status.SCHEDULED, moment, local
        campaign.updated_by = actor
        campaign.save(update_fields=["status", "scheduled_at", "local_time", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="mail.campaign_scheduled",
        target=campaign,
        summary=campaign.name,
        scheduled_at=moment.isoformat(),
        local_time=local,
    )
    return campaign


def campaign_unschedule(*, campaign: Campaign, actor: Any) -> Campaign:
    """A scheduled campaign back to draft, to change it."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(
            locked,
            [Campaign.Status.SCHEDULED],
            "Only a scheduled campaign can go back to draft; this one is {status}.",
        )
        campaign.status = Campaign.Status.DRAFT
        campaign.updated_by = actor
        campaign.save(update_fields=["status", "updated_by", "updated_at"])
    audit_record(actor=actor, action="mail.campaign_unscheduled", target=campaign, summary=campaign.name)
    return campaign


def campaign_send_now(*, campaign: Campaign, actor: Any) -> Campaign:
    """Queue the campaign for everyone in its audience now (or its A/B sample)."""
    _require(
        campaign,
        [Campaign.Status.DRAFT, Campaign.Status.SCHEDULED],
        "Only a draft or a scheduled campaign can be sent; this campaign is {status}.",
    )
    campaign.local_time = False
    campaign.scheduled_at = None
    audience = audience_resolve(campaign=campaign)
    if audience.eligible <= SEND_NOW_INLINE_LIMIT:
        return _start(campaign=campaign, actor=actor, strict=True, audience=audience)
    # Queuing a big audience takes a while: the scheduler's next pass does it, not this request.
    _raise_problems(campaign_problems(campaign=campaign, actor=actor, audience=audience))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(
            locked,
            [Campaign.Status.DRAFT, Campaign.Status.SCHEDULED],
            "Only a draft or a scheduled campaign can be sent; this campaign is {status}.",
        )
        campaign.status, campaign.scheduled_at = Campaign.Status.SCHEDULED, timezone.now()
        campaign.updated_by = actor
        campaign.save(update_fields=["status", "scheduled_at", "local_time", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="mail.campaign_scheduled",
        target=campaign,
        summary=campaign.name,
        scheduled_at=campaign.scheduled_at.isoformat(),
        send_now=True,
        recipients=audience.eligible,
    )
    return campaign


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_send_time(*, wall: datetime, time_zone: str, now: datetime) -> datetime:
    """The moment `wall` (naive) arrives in `time_zone` (the workspace's if blank or unknown), or
    now when it has already passed there."""
    moment = timezone.make_aware(wall, _zone(time_zone))
    return max(moment, now)


def _key(campaign: Campaign, contact: Contact) -> str:
    return f"campaign:{campaign.public_id}:{contact.public_id}"


def _outgoing(
    campaign: Campaign,
    recipients: Iterable[Recipient],
    *,
    now: datetime,
    variant: str = "",
    subject: str = "",
) -> Iterator[Outgoing]:
    wall = wall_clock(campaign.scheduled_at) if campaign.local_time and campaign.scheduled_at else None
    for recipient in recipients:
        not_before = (
            local_send_time(wall=wall, time_zone=recipient.time_zone, now=now) if wall is not None else now
        )
        yield Outgoing(
            key=_key(campaign, recipient.contact),
            to_email=recipient.email,
            contact=recipient.contact,
            sender=campaign.sender,
            template=campaign.template,
            kind=Template.Kind.MARKETING,
            campaign=campaign,
            subscription_type=campaign.subscription_type,
            variant=variant,
            subject=subject,
            not_before=not_before,
        )


def _start(*, campaign: Campaign, actor: Any, strict: bool, audience: Audience | None = None) -> Campaign:
    """Queue the rows of a draft or scheduled campaign. `strict` (a person pressed Send) refuses
    when something is wrong; the scheduler instead starts what it can and records the rest."""
    now = timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            raise CampaignStateError(
                f"This campaign has already started (it is {locked.get_status_display().lower()})."
            )
        audience = audience or audience_resolve(campaign=campaign)
        problems = campaign_problems(campaign=campaign, actor=actor, audience=audience)
        if strict:
            _raise_problems(problems)
        elif problems:
            return _hold(campaign, problems)
        recipients = list(audience.recipients)
        testing = (
            bool(campaign.ab_sample_percent)
            and ab_split_size(len(recipients), campaign.ab_sample_percent) >= 1
        )
        if testing:
            random.Random(str(campaign.public_id)).shuffle(recipients)
            each = ab_split_size(len(recipients), campaign.ab_sample_percent)
            queued = outbox_enqueue_many(_outgoing(campaign, recipients[:each], now=now, variant="A"))
            queued += outbox_enqueue_many(
                _outgoing(
                    campaign, recipients[each : 2 * each], now=now, variant="B", subject=campaign.subject_b
                )
            )
            campaign.status = Campaign.Status.TESTING
            campaign.ab_decide_at = now + timedelta(hours=campaign.ab_wait_hours)
        else:
            queued = outbox_enqueue_many(_outgoing(campaign, recipients, now=now))
            campaign.status = Campaign.Status.SENDING
        campaign.template_version = campaign.template.version
        campaign.recipients_count = campaign.messages.count()
        campaign.started_at = now
        campaign.pause_reason = ""
        fields = ["status", "ab_decide_at", "template_version", "recipients_count", "started_at"]
        campaign.save(update_fields=[*fields, "pause_reason", "scheduled_at", "local_time", "updated_at"])
    audit_record(
        actor=actor,
        action="mail.campaign_started",
        target=campaign,
        summary=campaign.name,
        queued=queued,
        excluded=audience.excluded,
        ab_test=testing,
    )
    return campaign


def _hold(campaign: Campaign, problems: list[str]) -> Campaign:
    """A scheduled campaign that cannot start as it is: paused with the reasons, its creator told."""
    reason = "Not started: " + " ".join(problems)
    campaign.status, campaign.pause_reason = Campaign.Status.PAUSED, reason[:300]
    campaign.save(update_fields=["status", "pause_reason", "updated_at"])
    audit_record(
        actor=None, action="mail.campaign_paused", target=campaign, summary=campaign.name, reason=reason
    )
    notify(
        user=campaign.created_by,
        kind="campaign.paused",
        title=f"“{campaign.name}” could not start",
        body=reason,
        url=_url(campaign),
    )
    return campaign


def campaigns_start_due(*, now: datetime | None = None) -> int:
    """Start the scheduled campaigns whose time has come; returns how many started."""
    now = now or timezone.now()
    candidates = Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, scheduled_at__lte=now + EARLIEST_OFFSET + timedelta(hours=14)
    ).select_related("template", "template__layout", "sender", "subscription_type", "created_by")
    started = 0
    for campaign in candidates:
        due = start_due_at(campaign)
        if due is None or due > now:
            continue
        try:
            _start(campaign=campaign, actor=None, strict=False)
        except CampaignStateError:
            continue
        if campaign.status != Campaign.Status.PAUSED:
            started += 1
    return started


# --- The A/B test ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantResult:
    variant: str
    subject: str
    recipients: int
    sent: int
    delivered: int
    opened: int
    clicked: int

    @property
    def open_rate(self) -> float:
        return self.opened / self.delivered if self.delivered else 0.0

    @property
    def click_rate(self) -> float:
        return self.clicked / self.delivered if self.delivered else 0.0

    @property
    def open_percent(self) -> str:
        return f"{self.open_rate:.1%}"

    @property
    def click_percent(self) -> str:
        return f"{self.click_rate:.1%}"


def ab_results(campaign: Campaign) -> list[VariantResult]:
    """Subject A (the template's) and B, each with how its sample did (human opens and clicks)."""
    sent = Q(state=OutboundMessage.State.SENT)
    counts: dict[str, Any] = {
        row["variant"]: row
        for row in campaign.messages.filter(variant__in=["A", "B"])
        .values("variant")
        .annotate(
            recipients=Count("id"),
            sent=Count("id", filter=sent),
            delivered=Count("id", filter=sent & Q(bounced_at__isnull=True)),
            opened=Count("id", filter=sent & Q(bounced_at__isnull=True, opened_at__isnull=False)),
            clicked=Count("id", filter=sent & Q(bounced_at__isnull=True, clicked_at__isnull=False)),
        )
        .order_by()
    }
    results = []
    for variant, subject in (("A", campaign.template.subject), ("B", campaign.subject_b)):
        row = counts.get(variant, {})
        results.append(
            VariantResult(
                variant=variant,
                subject=subject,
                recipients=row.get("recipients", 0),
                sent=row.get("sent", 0),
                delivered=row.get("delivered", 0),
                opened=row.get("opened", 0),
                clicked=row.get("clicked", 0),
            )
        )
    return results


def ab_winner(campaign: Campaign) -> str:
    """ "A" or "B" by the campaign's metric; a tie goes to A (the template's own subject)."""
    a, b = ab_results(campaign)
    if campaign.ab_metric == Campaign.AbMetric.CLICKS:
        return "B" if b.click_rate > a.click_rate else "A"
    return "B" if b.open_rate > a.open_rate else "A"


def campaign_decide_test(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Pick the winning subject and queue everyone not in the sample with it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(
            locked,
            [Campaign.Status.TESTING],
            "Only a running A/B test can be decided; this campaign is {status}.",
        )
        winner = ab_winner(campaign)
        audience = audience_resolve(campaign=campaign)
        already = set(campaign.messages.values_list("contact_id", flat=True))
        rest = [recipient for recipient in audience.recipients if recipient.contact.pk not in already]
        subject = campaign.subject_b if winner == "B" else ""
        queued = outbox_enqueue_many(_outgoing(campaign, rest, now=now, subject=subject))
        campaign.ab_winner = winner
        campaign.status = Campaign.Status.SENDING
        campaign.recipients_count = campaign.messages.count()
        campaign.save(update_fields=["ab_winner", "status", "recipients_count", "updated_at"])
    audit_record(
        actor=None,
        action="mail.campaign_ab_decided",
        target=campaign,
        summary=campaign.name,
        winner=winner,
        queued=queued,
    )
    subject_text = campaign.subject_b if winner == "B" else campaign.template.subject
    notify(
        user=campaign.created_by,
        kind="campaign.ab_decided",
        title=f"Subject {winner} won the test of “{campaign.name}”",
        body=f"“{subject_text}” now goes to the other {queued:,} recipient{'s' if queued != 1 else ''}.",
        url=_url(campaign),
        key=f"campaign:{campaign.public_id}:ab_decided",
    )
    return campaign


def campaigns_decide_due_tests(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Campaign.objects.filter(status=Campaign.Status.TESTING, ab_decide_at__lte=now).select_related(
        "template", "sender", "subscription_type", "created_by"
    )
    decided = 0
    for campaign in due:
        try:
            campaign_decide_test(campaign=campaign, now=now)
        except CampaignStateError:
            continue
        decided += 1
    return decided


# --- Pause, resume, cancel ------------------------------------------------------------------------


def campaign_pause(*, campaign: Campaign, actor: Any, reason: str = "") -> Campaign:
    """Stop sending until resumed: queued rows stay queued and the sending engine skips them."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(
            locked,
            [Campaign.Status.SCHEDULED, *ACTIVE],
            "Only a scheduled or sending campaign can be paused; this campaign is {status}.",
        )
        campaign.status = Campaign.Status.PAUSED
        campaign.pause_reason = reason[:300]
        campaign.save(update_fields=["status", "pause_reason", "updated_at"])
    audit_record(
        actor=actor, action="mail.campaign_paused", target=campaign, summary=campaign.name, reason=reason
    )
    return campaign


def _resumed_status(campaign: Campaign) -> str:
    if campaign.started_at is None:
        return Campaign.Status.SCHEDULED
    if campaign.ab_sample_percent and not campaign.ab_winner and campaign.ab_decide_at:
        return Campaign.Status.TESTING
    return Campaign.Status.SENDING


def campaign_resume(
    *, campaign: Campaign, actor: Any, complaint_rate_limit: Decimal | None = None
) -> Campaign:
    """Carry on where the campaign stopped. After a complaint pause, a higher limit can be set."""
    if complaint_rate_limit is not None and not Decimal("0") < complaint_rate_limit <= COMPLAINT_LIMIT_MAX:
        raise ValidationError({"complaint_rate_limit": "Set a complaint limit above 0% and at most 5%."})
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _require(
            locked,
            [Campaign.Status.PAUSED],
            "Only a paused campaign can be resumed; this campaign is {status}.",
        )
        campaign.status = _resumed_status(campaign)
        campaign.pause_reason = ""
        if complaint_rate_limit is not None:
            campaign.complaint_rate_limit = complaint_rate_limit
        campaign.save(update_fields=["status", "pause_reason", "complaint_rate_limit", "updated_at"])
    audit_record(actor=actor, action="mail.campaign_resumed", target=campaign, summary=campaign.name)
    return campaign


def campaign_cancel(*, campaign: Campaign, actor: Any) -> int:
    """Stop for good: every row still queued is cancelled. Returns how many rows were cancelled."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == Campaign.Status.DRAFT:
            raise CampaignStateError("A draft has not started: delete it instead of cancelling it.")
        _require(
            locked,
            [Campaign.Status.SCHEDULED, Campaign.Status.PAUSED, *ACTIVE],
            "This campaign is {status}: there is nothing left to cancel.",
        )
        cancelled = campaign.messages.filter(state=OutboundMessage.State.QUEUED).update(
            state=OutboundMessage.State.CANCELLED, updated_at=timezone.now()
        )
        campaign.status = Campaign.Status.CANCELLED
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit_record(
        actor=actor,
        action="mail.campaign_cancelled",
        target=campaign,
        summary=campaign.name,
        cancelled=cancelled,
    )
    return cancelled


# --- Finishing and the complaint guard ------------------------------------------------------------


def _url(campaign: Campaign) -> str:
    return reverse("mail:campaign_detail", kwargs={"public_id": campaign.public_id})


def campaigns_finish_done(*, now: datetime | None = None) -> int:
    """Mark sending campaigns sent once no row is queued or being sent; tell whoever created them."""
    now = now or timezone.now()
    waiting = OutboundMessage.objects.filter(campaign=OuterRef("pk"), state__in=WAITING_ROWS)
    done = Campaign.objects.filter(status=Campaign.Status.SENDING).filter(~Exists(waiting))
    finished = 0
    for campaign in done.select_related("created_by"):
        updated = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, finished_at=now, updated_at=now
        )
        if not updated:
            continue
        finished += 1
        sent = campaign.messages.filter(state=OutboundMessage.State.SENT).count()
        notify(
            user=campaign.created_by,
            kind="campaign.sent",
            title=f"“{campaign.name}” has been sent",
            body=f"{sent:,} of {campaign.recipients_count:,} email{'s' if campaign.recipients_count != 1 else ''} went out. See the report for opens and clicks.",
            url=_url(campaign) + "report/",
            key=f"campaign:{campaign.public_id}:sent",
        )
    return finished


def complaint_numbers(campaign: Campaign) -> tuple[int, int]:
    """(delivered, complaints) of a campaign so far."""
    complaint = Exists(MessageEvent.objects.filter(message=OuterRef("pk"), kind=MessageEvent.Kind.COMPLAINT))
    rows = campaign.messages.filter(state=OutboundMessage.State.SENT)
    numbers = rows.aggregate(
        delivered=Count("id", filter=Q(bounced_at__isnull=True)),
        complaints=Count("id", filter=Q(complained_at__isnull=False) | Q(complaint)),
    )
    return numbers["delivered"], numbers["complaints"]


def campaigns_guard_complaints(*, now: datetime | None = None) -> int:
    """Pause each sending campaign whose complaint rate passed its limit, once enough were delivered."""
    paused = 0
    for campaign in Campaign.objects.filter(status__in=ACTIVE).select_related("created_by"):
        delivered, complaints = complaint_numbers(campaign)
        if delivered < COMPLAINT_MIN_DELIVERED:
            continue
        rate = Decimal(complaints) / Decimal(delivered)
        if rate <= campaign.complaint_rate_limit:
            continue
        reason = (
            f"Paused automatically: {complaints} spam complaint{'s' if complaints != 1 else ''} from "
            f"{delivered:,} delivered ({rate:.2%}) passed the limit of {campaign.complaint_rate_limit:.2%}."
        )
        try:
            campaign_pause(campaign=campaign, actor=None, reason=reason)
        except CampaignStateError:
            continue
        paused += 1
        notify(
            user=campaign.created_by,
            kind="campaign.paused",
            title=f"“{campaign.name}” was paused: too many spam complaints",
            body=reason,
            url=_url(campaign),
            key=f"campaign:{campaign.public_id}:complaints:{complaints}",
        )
    return paused
