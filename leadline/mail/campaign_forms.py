"""Forms of the campaign screens: the editor and the resume form. They check shapes and sizes; the
services in `leadline.mail.campaigns` check what the values mean."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.utils import timezone

from leadline.mail.audiences import AudienceChoice
from leadline.mail.campaigns import (
    AB_PERCENT_MAX,
    AB_PERCENT_MIN,
    AB_WAIT_HOURS_MAX,
    AB_WAIT_HOURS_MIN,
    CampaignData,
    local_schedule,
    wall_clock,
)
from leadline.mail.models import Campaign, SenderIdentity, SubscriptionType, Template

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PERCENT = Decimal("100")


def audience_value(type: str, id: Any) -> str:
    return f"{type}:{id}" if type and id else ""


def _audience_options(choices: list[AudienceChoice]) -> list[Any]:
    groups: dict[str, list[tuple[str, str]]] = {"segment": [], "list": []}
    for choice in choices:
        size = (
            f" ({choice.size:,} contact{'s' if choice.size != 1 else ''})" if choice.size is not None else ""
        )
        groups.setdefault(choice.type, []).append(
            (audience_value(choice.type, choice.id), choice.name + size)
        )
    options: list[Any] = [("", "Choose a segment or list")]
    if groups["segment"]:
        options.append(("Segments", groups["segment"]))
    if groups["list"]:
        options.append(("Lists", groups["list"]))
    return options


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="Only your team sees this.")
    template = forms.ModelChoiceField(
        queryset=Template.objects.none(),
        to_field_name="public_id",
        empty_label="Choose a marketing template",
        help_text="Its subject is subject A of an A/B test.",
    )
    sender = forms.ModelChoiceField(
        queryset=SenderIdentity.objects.none(), to_field_name="public_id", empty_label=None, label="From"
    )
    audience = forms.ChoiceField(
        choices=[],
        required=False,
        label="Send to",
        help_text="People without an email address, suppressed or unsubscribed addresses and people "
        "whose consent is pending or withdrawn are left out; the review step counts them.",
    )
    subscription_type = forms.ModelChoiceField(
        queryset=SubscriptionType.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="Marketing email (no particular type)",
        help_text="People who opted out of this type are left out, as are those who opted out of all marketing email.",
    )
    when = forms.ChoiceField(
        choices=[("now", "Send when I press Send"), ("later", "Schedule for a time")],
        widget=forms.RadioSelect,
        initial="now",
        label="When",
    )
    send_at = forms.DateTimeField(
        required=False,
        label="Date and time",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    local_time = forms.BooleanField(
        required=False,
        label="In each recipient's time zone",
        help_text="Everyone gets it at this time of day where they are (your workspace's zone when "
        "theirs is unknown); where the time has passed, it goes out at once.",
    )
    ab_test = forms.BooleanField(required=False, label="Test two subject lines first")
    subject_b = forms.CharField(
        max_length=255,
        required=False,
        label="Subject B",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    ab_sample_percent = forms.IntegerField(
        min_value=AB_PERCENT_MIN,
        max_value=AB_PERCENT_MAX,
        initial=20,
        required=False,
        label="Test on (% of the audience)",
        help_text="Half of them get subject A, half subject B; the winner goes to everyone else.",
    )
    ab_metric = forms.ChoiceField(choices=Campaign.AbMetric.choices, initial="opens", label="Winner by")
    ab_wait_hours = forms.IntegerField(
        min_value=AB_WAIT_HOURS_MIN, max_value=AB_WAIT_HOURS_MAX, initial=4, label="Wait (hours)"
    )
    complaint_limit = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("5"),
        decimal_places=2,
        initial=Decimal("0.30"),
        label="Pause at a complaint rate of (%)",
        help_text="Sending pauses by itself when spam complaints pass this share of delivered email.",
    )

    def __init__(
        self,
        *args: Any,
        user: Any,
        audiences: list[AudienceChoice],
        campaign: Campaign | None = None,
        **kwargs: Any,
    ) -> None:
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(campaign)
        super().__init__(*args, **kwargs)
        templates = Template.objects.for_user(user).filter(kind=Template.Kind.MARKETING)
        self.fields["template"].queryset = templates.order_by("name", "id")  # type: ignore[attr-defined]
        self.fields["sender"].queryset = SenderIdentity.objects.for_user(user)  # type: ignore[attr-defined]
        types = SubscriptionType.objects.for_user(user).filter(is_archived=False)
        self.fields["subscription_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["audience"].choices = _audience_options(audiences)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(campaign: Campaign) -> dict[str, Any]:
        send_at = None
        if campaign.scheduled_at is not None:
            send_at = (
                wall_clock(campaign.scheduled_at)
                if campaign.local_time
                else timezone.make_naive(campaign.scheduled_at)
            )
        return {
            "name": campaign.name,
            "template": campaign.template.public_id,
            "sender": campaign.sender.public_id,
            "audience": audience_value(campaign.audience_type, campaign.audience_id),
            "subscription_type": campaign.subscription_type.public_id if campaign.subscription_type else None,
            "when": "later" if campaign.scheduled_at else "now",
            "send_at": send_at,
            "local_time": campaign.local_time,
            "ab_test": bool(campaign.ab_sample_percent),
            "subject_b": campaign.subject_b,
            "ab_sample_percent": campaign.ab_sample_percent or 20,
            "ab_metric": campaign.ab_metric,
            "ab_wait_hours": campaign.ab_wait_hours,
            "complaint_limit": (campaign.complaint_rate_limit * PERCENT).quantize(Decimal("0.01")),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "later" and not data.get("send_at") and "send_at" not in self.errors:
            self.add_error("send_at", "Choose the date and time to send at.")
        if data.get("ab_test"):
            if not data.get("ab_sample_percent") and "ab_sample_percent" not in self.errors:
                self.add_error("ab_sample_percent", "Say how much of the audience the test goes to.")
            if not (data.get("subject_b") or "").strip():
                self.add_error("subject_b", "Write the subject line to test against the template's.")
        return data

    def audience_parts(self) -> tuple[str, UUID | None]:
        value = self.cleaned_data.get("audience") or ""
        type, _, id = value.partition(":")
        try:
            return type, UUID(id)
        except ValueError:
            return "", None

    def scheduled_at(self) -> datetime | None:
        data = self.cleaned_data
        if data.get("when") != "later" or not data.get("send_at"):
            return None
        moment: datetime = data["send_at"]
        if data.get("local_time"):
            return local_schedule(timezone.make_naive(moment) if timezone.is_aware(moment) else moment)
        return moment

    def campaign_data(self) -> CampaignData:
        data = self.cleaned_data
        audience_type, audience_id = self.audience_parts()
        testing = bool(data.get("ab_test"))
        local = bool(data.get("local_time")) and data.get("when") == "later"
        return CampaignData(
            name=data["name"],
            template=data["template"],
            sender=data["sender"],
            audience_type=audience_type,
            audience_id=audience_id,
            subscription_type=data.get("subscription_type"),
            scheduled_at=self.scheduled_at(),
            local_time=local,
            subject_b=data.get("subject_b") or "",
            ab_sample_percent=(data.get("ab_sample_percent") or 0) if testing else 0,
            ab_metric=data["ab_metric"],
            ab_wait_hours=data["ab_wait_hours"],
            complaint_rate_limit=(data["complaint_limit"] / PERCENT).quantize(Decimal("0.0001")),
        )


class ResumeForm(forms.Form):
    complaint_limit = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("5"),
        decimal_places=2,
        required=False,
        label="New complaint limit (%)",
        help_text="Leave empty to keep the current limit.",
    )

    def complaint_rate_limit(self) -> Decimal | None:
        value = self.cleaned_data.get("complaint_limit")
        return (value / PERCENT).quantize(Decimal("0.0001")) if value is not None else None
