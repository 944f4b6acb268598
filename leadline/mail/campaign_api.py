"""API of campaigns: list, create, get, change (drafts), send now or at a time, pause, resume,
cancel, duplicate, delete (drafts) and the report. Reads need `contacts:read`; writes need
`settings:write` and an admin or marketing user. An action the campaign's status does not allow is a
409 saying why; a campaign that cannot be sent as it is, a 400 listing what to fix.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.errors import ApiError, field_error
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.core.access import get_for_user, parse_public_id
from leadline.mail import campaign_selectors as selectors
from leadline.mail import campaigns as services
from leadline.mail.models import Campaign, SenderIdentity, SubscriptionType, Template
from leadline.mail.selectors import default_sender_identity

router = Router(tags=["Campaigns"])

EDIT_MESSAGE = "Only admins and marketing can change campaigns."
LIMIT_HELP = "Pause sending when spam complaints pass this share of delivered email (0.003 = 0.3%)."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class CampaignOut(Schema):
    id: UUID
    name: str
    status: str
    template: UUID
    template_name: str
    sender: UUID
    subscription_type: str | None = Field(description="The subscription type's key, or null.")
    audience_type: str = Field(description='"segment", "list" or empty.')
    audience_id: UUID | None
    audience_name: str
    scheduled_at: datetime | None = Field(
        description="When it is (or was) scheduled; for a local-time campaign, the wall-clock time in the "
        "workspace's zone."
    )
    local_time: bool
    subject_b: str
    ab_sample_percent: int
    ab_metric: str
    ab_wait_hours: int
    ab_decide_at: datetime | None
    ab_winner: str
    complaint_rate_limit: float = Field(description=LIMIT_HELP)
    pause_reason: str
    template_version: int | None = Field(description="The template's version when the campaign started.")
    recipients_count: int
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(campaign: Campaign) -> UUID:
        return campaign.public_id

    @staticmethod
    def resolve_template(campaign: Campaign) -> UUID:
        return campaign.template.public_id

    @staticmethod
    def resolve_template_name(campaign: Campaign) -> str:
        return campaign.template.name

    @staticmethod
    def resolve_sender(campaign: Campaign) -> UUID:
        return campaign.sender.public_id

    @staticmethod
    def resolve_subscription_type(campaign: Campaign) -> str | None:
        return campaign.subscription_type.key if campaign.subscription_type else None

    @staticmethod
    def resolve_complaint_rate_limit(campaign: Campaign) -> float:
        return float(campaign.complaint_rate_limit)


CampaignPage = page_schema(CampaignOut, "CampaignPage")


class CampaignFilters(Schema):
    q: str = Field("", max_length=200, description="Words to find in the name, audience or template.")
    status: Campaign.Status | None = None


class CampaignIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    template: str | None = Field(None, max_length=64, description="A marketing template's id.")
    sender: str | None = Field(
        None, max_length=64, description="A sender's id; the default sender if left out."
    )
    audience_type: Campaign.AudienceType | None = None
    audience_id: str | None = Field(None, max_length=64, description="The id of the segment or list.")
    subscription_type: str | None = Field(
        None, max_length=64, description="A subscription type's key or id, or null for none."
    )
    scheduled_at: datetime | None = Field(
        None, description="Saved with the draft; used by send without `at`."
    )
    local_time: bool | None = None
    subject_b: str | None = Field(None, max_length=255)
    ab_sample_percent: int | None = Field(None, ge=0, le=services.AB_PERCENT_MAX)
    ab_metric: Campaign.AbMetric | None = None
    ab_wait_hours: int | None = Field(None, ge=services.AB_WAIT_HOURS_MIN, le=services.AB_WAIT_HOURS_MAX)
    complaint_rate_limit: Decimal | None = Field(
        None, gt=0, le=services.COMPLAINT_LIMIT_MAX, description=LIMIT_HELP
    )


class SendIn(InputSchema):
    at: datetime | None = Field(
        None,
        description="Schedule for this time; leave out to send now (or at the time saved in the draft "
        "with `scheduled: true`).",
    )
    local_time: bool = Field(
        False,
        description="Send at `at`'s wall-clock time in each recipient's time zone (its offset is ignored).",
    )
    scheduled: bool = Field(False, description="Schedule for the time saved in the draft.")


class ResumeIn(InputSchema):
    complaint_rate_limit: Decimal | None = Field(
        None, gt=0, le=services.COMPLAINT_LIMIT_MAX, description=LIMIT_HELP
    )


class LinkOut(Schema):
    url: str
    clicks: int
    people: int


class VariantOut(Schema):
    variant: str
    subject: str
    recipients: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    open_rate: float
    click_rate: float


class ReportOut(Schema):
    counts: dict[str, int] = Field(description="Each number of the report (distinct messages).")
    rates: dict[str, float | None]
    links: list[LinkOut]
    variants: list[VariantOut]


class CancelOut(Schema):
    campaign: CampaignOut
    cancelled: int = Field(description="Emails that had not gone out and never will.")


def _conflict(error: services.CampaignStateError) -> ApiError:
    return ApiError(409, "conflict", " ".join(error.messages))


def _one(queryset: Any, user: Any, value: str, field: str, message: str) -> Any:
    public_id = parse_public_id(value)
    found = queryset.for_user(user).filter(public_id=public_id).first() if public_id else None
    if found is None:
        raise field_error(field, message)
    return found


def _subscription_type(user: Any, value: str | None) -> SubscriptionType | None:
    if value is None or value == "":
        return None
    public_id = parse_public_id(value)
    types = SubscriptionType.objects.for_user(user)
    found = types.filter(public_id=public_id).first() if public_id else types.filter(key=value[:64]).first()
    if found is None:
        raise field_error("subscription_type", "No subscription type has this key or id.")
    return found


def _data(
    request: HttpRequest, payload: CampaignIn, base: services.CampaignData | None
) -> services.CampaignData:
    user = request_user(request)
    fields = payload.model_fields_set
    changes: dict[str, Any] = {}
    if payload.template is not None:
        changes["template"] = _one(
            Template.objects.filter(kind=Template.Kind.MARKETING),
            user,
            payload.template,
            "template",
            "No marketing template has this id.",
        )
    if payload.sender is not None:
        changes["sender"] = _one(
            SenderIdentity.objects, user, payload.sender, "sender", "No sender has this id."
        )
    if "subscription_type" in fields:
        changes["subscription_type"] = _subscription_type(user, payload.subscription_type)
    if "audience_type" in fields or "audience_id" in fields:
        audience_id = parse_public_id(payload.audience_id) if payload.audience_id else None
        if payload.audience_id and audience_id is None:
            raise field_error("audience_id", "Not a valid id.")
        changes["audience_type"] = payload.audience_type or ""
        changes["audience_id"] = audience_id
    for name in (
        "name",
        "scheduled_at",
        "local_time",
        "subject_b",
        "ab_sample_percent",
        "ab_metric",
        "ab_wait_hours",
    ):
        if name in fields and (getattr(payload, name) is not None or name == "scheduled_at"):
            changes[name] = getattr(payload, name)
    if payload.complaint_rate_limit is not None:
        changes["complaint_rate_limit"] = payload.complaint_rate_limit
    if base is not None:
        return base.changed(**changes)
    errors = {name: ["This field is required."] for name in ("name", "template") if name not in changes}
    if errors:
        raise ApiError(400, "validation_error", "Some fields are not valid.", errors)
    if "sender" not in changes:
        sender = default_sender_identity()
        if sender is None:
            raise field_error("sender", "Add a sender under Email settings first.")
        changes["sender"] = sender
    return services.CampaignData(**changes)


def _editable(request: HttpRequest, campaign: str) -> Campaign:
    return get_for_edit(
        Campaign.objects.select_related("template", "sender", "subscription_type"),
        request_user(request),
        campaign,
        message=EDIT_MESSAGE,
    )


def _writer(request: HttpRequest) -> Any:
    user = request_user(request)
    require_role(user, Role.MARKETING, message=EDIT_MESSAGE)
    return user


@router.get(
    "/email/campaigns",
    auth=contacts_read,
    response=CampaignPage,
    url_name="campaign_list",
    summary="List campaigns",
)
def campaign_list_route(
    request: HttpRequest, page: Query[PageQuery], filters: Query[CampaignFilters]
) -> dict[str, Any]:
    """Newest first. Sales users see none (campaigns belong to marketing)."""
    campaigns = selectors.campaign_list(user=request_user(request), q=filters.q, status=filters.status or "")
    result = paginate(campaigns, page, key="created_at", namespace="campaigns")
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.post(
    "/email/campaigns",
    auth=settings_write,
    response={201: CampaignOut},
    url_name="campaign_create",
    summary="Create a campaign (a draft)",
)
def campaign_create_route(request: HttpRequest, payload: CampaignIn) -> Any:
    user = _writer(request)
    return Status(201, services.campaign_create(actor=user, data=_data(request, payload, None)))


@router.get(
    "/email/campaigns/{campaign}",
    auth=contacts_read,
    response=CampaignOut,
    url_name="campaign_get",
    summary="Get a campaign",
)
def campaign_get_route(request: HttpRequest, campaign: str) -> Campaign:
    return selectors.campaign_get(user=request_user(request), public_id=campaign)


@router.patch(
    "/email/campaigns/{campaign}",
    auth=settings_write,
    response=CampaignOut,
    url_name="campaign_update",
    summary="Change a draft campaign",
)
def campaign_update_route(request: HttpRequest, campaign: str, payload: CampaignIn) -> Campaign:
    """Only the fields sent change. A campaign that is no longer a draft is a 409."""
    instance = _editable(request, campaign)
    data = _data(request, payload, services.CampaignData.of(instance))
    try:
        return services.campaign_update(campaign=instance, actor=request_user(request), data=data)
    except services.CampaignStateError as error:
        raise _conflict(error) from None


@router.delete(
    "/email/campaigns/{campaign}",
    auth=settings_write,
    response={204: None},
    url_name="campaign_delete",
    summary="Delete a draft campaign",
)
def campaign_delete_route(request: HttpRequest, campaign: str) -> Any:
    instance = _editable(request, campaign)
    try:
        services.campaign_delete(campaign=instance, actor=request_user(request))
    except services.CampaignStateError as error:
        raise _conflict(error) from None
    return Status(204, None)


@router.post(
    "/email/campaigns/{campaign}/duplicate",
    auth=settings_write,
    response={201: CampaignOut},
    url_name="campaign_duplicate",
    summary="Copy a campaign into a new draft",
)
def campaign_duplicate_route(request: HttpRequest, campaign: str) -> Any:
    instance = _editable(request, campaign)
    return Status(201, services.campaign_duplicate(campaign=instance, actor=request_user(request)))


@router.post(
    "/email/campaigns/{campaign}/send",
    auth=settings_write,
    response=CampaignOut,
    url_name="campaign_send",
    summary="Send a campaign now or schedule it",
)
def campaign_send_route(request: HttpRequest, campaign: str, payload: SendIn) -> Campaign:
    """Without `at` (and without `scheduled`), the campaign is queued for its audience at once: the
    answer's `recipients_count` says for how many. A campaign that cannot go out as it is (no
    audience, a template without its unsubscribe link, nobody left to send to) is a 400 listing why."""
    user = _writer(request)
    instance = _editable(request, campaign)
    try:
        if payload.at is not None or payload.scheduled:
            local_time = payload.local_time if "local_time" in payload.model_fields_set else None
            return services.campaign_schedule(
                campaign=instance, actor=user, at=payload.at, local_time=local_time
            )
        return services.campaign_send_now(campaign=instance, actor=user)
    except services.CampaignStateError as error:
        raise _conflict(error) from None


def _transition(request: HttpRequest, campaign: str, action: str, payload: Any = None) -> Any:
    user = _writer(request)
    instance = _editable(request, campaign)
    try:
        if action == "pause":
            return services.campaign_pause(campaign=instance, actor=user, reason="Paused through the API.")
        if action == "resume":
            limit = payload.complaint_rate_limit if payload is not None else None
            return services.campaign_resume(campaign=instance, actor=user, complaint_rate_limit=limit)
        cancelled = services.campaign_cancel(campaign=instance, actor=user)
        return {"campaign": instance, "cancelled": cancelled}
    except services.CampaignStateError as error:
        raise _conflict(error) from None


@router.post(
    "/email/campaigns/{campaign}/pause",
    auth=settings_write,
    response=CampaignOut,
    url_name="campaign_pause",
    summary="Pause a campaign",
)
def campaign_pause_route(request: HttpRequest, campaign: str) -> Any:
    """Nothing more goes out until it is resumed. Only a scheduled, testing or sending campaign
    can be paused (409 otherwise)."""
    return _transition(request, campaign, "pause")


@router.post(
    "/email/campaigns/{campaign}/resume",
    auth=settings_write,
    response=CampaignOut,
    url_name="campaign_resume",
    summary="Resume a paused campaign",
)
def campaign_resume_route(request: HttpRequest, campaign: str, payload: ResumeIn | None = None) -> Any:
    return _transition(request, campaign, "resume", payload)


@router.post(
    "/email/campaigns/{campaign}/cancel",
    auth=settings_write,
    response=CancelOut,
    url_name="campaign_cancel",
    summary="Cancel a campaign",
)
def campaign_cancel_route(request: HttpRequest, campaign: str) -> Any:
    """Emails still queued are never sent; the ones already sent stay in the report."""
    return _transition(request, campaign, "cancel")


@router.get(
    "/email/campaigns/{campaign}/report",
    auth=contacts_read,
    response=ReportOut,
    url_name="campaign_report",
    summary="A campaign's report",
)
def campaign_report_route(request: HttpRequest, campaign: str) -> dict[str, Any]:
    """Recipients, sent, delivered, opens (people and machines), clicks, unsubscribes, bounces (hard
    and soft), complaints, failed and skipped; the rates; clicks per link; both subjects of an A/B test."""
    instance = get_for_user(Campaign.objects.select_related("template"), request_user(request), campaign)
    report = selectors.campaign_report(instance)
    return {
        "counts": report.counts,
        "rates": report.rates,
        "links": report.links,
        "variants": report.variants,
    }
