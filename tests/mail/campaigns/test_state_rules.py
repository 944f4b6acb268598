"""Pause, resume, cancel, change and delete: each allowed only where it makes sense, with an error
that says why otherwise; every change is in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.core.models import AuditEntry
from leadline.mail.campaigns import (
    CampaignData,
    CampaignStateError,
    campaign_cancel,
    campaign_delete,
    campaign_duplicate,
    campaign_pause,
    campaign_resume,
    campaign_schedule,
    campaign_send_now,
    campaign_update,
)
from leadline.mail.models import Campaign, OutboundMessage
from tests.mail.campaigns.factories import make_campaign, mark_sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)
    return campaign


def _audited(campaign, action):
    return AuditEntry.objects.filter(action=action, object_id=str(campaign.public_id)).exists()


def test_pause_and_resume_a_sending_campaign(maria, sending):
    campaign_pause(campaign=sending, actor=maria)
    assert Campaign.objects.get(pk=sending.pk).status == Campaign.Status.PAUSED
    assert OutboundMessage.objects.filter(campaign=sending, state="queued").count() == 10

    campaign_resume(campaign=sending, actor=maria)
    assert Campaign.objects.get(pk=sending.pk).status == Campaign.Status.SENDING
    assert _audited(sending, "mail.campaign_paused") and _audited(sending, "mail.campaign_resumed")


def test_a_paused_scheduled_campaign_goes_back_to_its_schedule(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_schedule(campaign=campaign, actor=maria, at=timezone.now() + timedelta(hours=1))
    campaign_pause(campaign=campaign, actor=maria)

    campaign_resume(campaign=campaign, actor=maria)

    assert campaign.status == Campaign.Status.SCHEDULED


def test_cancel_stops_what_has_not_gone_out(maria, sending):
    rows = list(OutboundMessage.objects.filter(campaign=sending).order_by("id"))
    mark_sent(rows[:3])
    rows[3].state = OutboundMessage.State.SENDING  # in a worker's hands: the engine settles it
    rows[3].save(update_fields=["state"])

    cancelled = campaign_cancel(campaign=sending, actor=maria)

    states = list(OutboundMessage.objects.filter(campaign=sending).values_list("state", flat=True))
    assert cancelled == 6
    assert states.count("cancelled") == 6 and states.count("sent") == 3 and states.count("sending") == 1
    sending.refresh_from_db()
    assert sending.status == Campaign.Status.CANCELLED
    assert sending.finished_at is not None
    assert _audited(sending, "mail.campaign_cancelled")


def test_a_paused_campaign_can_be_cancelled(maria, sending):
    campaign_pause(campaign=sending, actor=maria)

    assert campaign_cancel(campaign=sending, actor=maria) == 10


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("draft", "pause", "Only a scheduled or sending campaign can be paused; this campaign is draft"),
        ("sent", "pause", "this campaign is sent"),
        ("cancelled", "pause", "this campaign is cancelled"),
        ("sending", "resume", "Only a paused campaign can be resumed; this campaign is sending"),
        ("draft", "resume", "Only a paused campaign can be resumed"),
        ("draft", "cancel", "delete it instead"),
        ("sent", "cancel", "This campaign is sent: there is nothing left to cancel"),
        ("cancelled", "cancel", "nothing left to cancel"),
        ("sending", "update", "Only a draft can be changed; this campaign is sending"),
        ("scheduled", "delete", "Only a draft can be deleted; this campaign is scheduled"),
        ("sent", "send", "Only a draft or a scheduled campaign can be sent"),
    ],
)
def test_it_refuses_a_change_the_status_does_not_allow(maria, audience, status, action, message):
    campaign = make_campaign(actor=maria, audience=audience)
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    campaign.refresh_from_db()
    calls = {
        "pause": lambda: campaign_pause(campaign=campaign, actor=maria),
        "resume": lambda: campaign_resume(campaign=campaign, actor=maria),
        "cancel": lambda: campaign_cancel(campaign=campaign, actor=maria),
        "update": lambda: campaign_update(
            campaign=campaign, actor=maria, data=CampaignData.of(campaign).changed(name="New")
        ),
        "delete": lambda: campaign_delete(campaign=campaign, actor=maria),
        "send": lambda: campaign_send_now(campaign=campaign, actor=maria),
    }

    with pytest.raises(CampaignStateError) as error:
        calls[action]()

    assert message in error.value.messages[0]
    assert Campaign.objects.get(pk=campaign.pk).status == status


def test_a_draft_can_be_changed_and_deleted(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    campaign_update(campaign=campaign, actor=maria, data=CampaignData.of(campaign).changed(name="  Renamed "))
    assert Campaign.objects.get(pk=campaign.pk).name == "Renamed"
    campaign_delete(campaign=campaign, actor=maria)

    assert not Campaign.objects.exists()
    assert _audited(campaign, "mail.campaign_deleted")


def test_duplicate_makes_a_fresh_draft_with_the_same_settings(maria, sending):
    copy = campaign_duplicate(campaign=sending, actor=maria)

    assert copy.status == Campaign.Status.DRAFT
    assert copy.name == f"Copy of {sending.name}"
    assert (copy.template, copy.sender, copy.audience_id) == (
        sending.template,
        sending.sender,
        sending.audience_id,
    )
    assert copy.started_at is None and copy.recipients_count == 0
    assert not copy.messages.exists()
