"""Scheduling: a time in the future, started by the scheduler when due; or a time of day in each
recipient's own time zone, sent at once where that time has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadline.mail.campaigns import (
    CampaignStateError,
    campaign_schedule,
    campaign_unschedule,
    campaigns_start_due,
)
from leadline.mail.models import Campaign, OutboundMessage
from tests.factories import ContactFactory
from tests.mail.campaigns.factories import make_campaign, make_list

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_the_scheduler_starts_a_campaign_when_its_time_comes(maria, audience, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_schedule(campaign=campaign, actor=maria, at=NOW + timedelta(hours=2))
    assert campaign.status == Campaign.Status.SCHEDULED

    time_machine.move_to(NOW + timedelta(hours=1, minutes=59), tick=False)
    assert campaigns_start_due() == 0
    assert not OutboundMessage.objects.exists()

    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    assert campaigns_start_due() == 1
    assert campaigns_start_due() == 0

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10


def test_a_time_in_the_past_is_refused(maria, audience, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = make_campaign(actor=maria, audience=audience)

    with pytest.raises(ValidationError) as error:
        campaign_schedule(campaign=campaign, actor=maria, at=NOW - timedelta(minutes=1))

    assert "in the future" in error.value.message_dict["scheduled_at"][0]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_a_scheduled_campaign_goes_back_to_draft_to_be_changed(maria, audience, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_schedule(campaign=campaign, actor=maria, at=NOW + timedelta(days=1))

    with pytest.raises(CampaignStateError, match="Only a draft can be scheduled"):
        campaign_schedule(campaign=campaign, actor=maria, at=NOW + timedelta(days=2))
    campaign_unschedule(campaign=campaign, actor=maria)

    assert campaign.status == Campaign.Status.DRAFT
    with pytest.raises(CampaignStateError, match="Only a scheduled campaign"):
        campaign_unschedule(campaign=campaign, actor=maria)


def test_local_time_sends_at_the_same_hour_in_each_zone(maria, time_machine):
    time_machine.move_to(NOW, tick=False)  # 12:00 UTC on 10 March
    tokyo = ContactFactory(time_zone="Asia/Tokyo")  # UTC+9: 09:00 next day there is 00:00 UTC on the 11th
    new_york = ContactFactory(time_zone="America/New_York")  # UTC−4 in March (DST from the 8th)
    unknown = ContactFactory(time_zone="")  # the workspace's zone, UTC
    nonsense = ContactFactory(time_zone="Mars/Olympus_Mons")
    campaign = make_campaign(actor=maria, audience=make_list([tokyo, new_york, unknown, nonsense]))

    campaign_schedule(campaign=campaign, actor=maria, at=datetime(2026, 3, 11, 9, 0), local_time=True)
    # The wall time first arrives at UTC+14, at 19:00 UTC on the 10th: the rows are queued then.
    time_machine.move_to(datetime(2026, 3, 10, 18, 59, tzinfo=UTC), tick=False)
    assert campaigns_start_due() == 0
    time_machine.move_to(datetime(2026, 3, 10, 19, 0, tzinfo=UTC), tick=False)
    assert campaigns_start_due() == 1

    not_before = {row.contact_id: row.not_before for row in OutboundMessage.objects.all()}
    assert not_before[tokyo.pk] == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    assert not_before[new_york.pk] == datetime(2026, 3, 11, 13, 0, tzinfo=UTC)
    assert not_before[unknown.pk] == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    assert not_before[nonsense.pk] == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def test_local_time_that_has_passed_somewhere_sends_there_at_once(maria, time_machine):
    time_machine.move_to(datetime(2026, 3, 10, 10, 0, tzinfo=UTC), tick=False)
    berlin = ContactFactory(time_zone="Europe/Berlin")  # 11:00 there: 09:00 has passed
    los_angeles = ContactFactory(time_zone="America/Los_Angeles")  # 03:00 there
    campaign = make_campaign(actor=maria, audience=make_list([berlin, los_angeles]))

    campaign_schedule(campaign=campaign, actor=maria, at=datetime(2026, 3, 10, 9, 0), local_time=True)
    assert campaigns_start_due() == 1

    not_before = {row.contact_id: row.not_before for row in OutboundMessage.objects.all()}
    assert not_before[berlin.pk] == timezone.now()
    assert not_before[los_angeles.pk] == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


def test_local_time_that_has_passed_everywhere_is_refused(maria, audience, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = make_campaign(actor=maria, audience=audience)

    with pytest.raises(ValidationError, match="passed in every time zone"):
        campaign_schedule(campaign=campaign, actor=maria, at=datetime(2026, 3, 9, 23, 0), local_time=True)


def test_local_time_cannot_be_combined_with_an_ab_test(maria, audience):
    with pytest.raises(ValidationError) as error:
        make_campaign(
            actor=maria, audience=audience, ab_sample_percent=20, subject_b="Other", local_time=True
        )

    assert "time zone" in error.value.message_dict["local_time"][0]
