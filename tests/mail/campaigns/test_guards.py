"""The periodic passes: a campaign is marked sent once nothing is left to send, and paused when
spam complaints pass its limit (only once enough email was delivered to judge)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.core.models import Notification
from leadline.mail.campaigns import (
    COMPLAINT_MIN_DELIVERED,
    campaign_send_now,
    campaigns_finish_done,
    campaigns_guard_complaints,
)
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage
from tests.mail.campaigns.factories import add_event, make_campaign, make_contacts, make_list, mark_sent

pytestmark = pytest.mark.django_db


def _started(maria, audience, **changes):
    campaign = make_campaign(actor=maria, audience=audience, **changes)
    campaign_send_now(campaign=campaign, actor=maria)
    return campaign


def test_it_marks_a_campaign_sent_when_nothing_is_left_to_send(maria, audience):
    campaign = _started(maria, audience)
    rows = list(OutboundMessage.objects.filter(campaign=campaign))
    mark_sent(rows[:9])

    assert campaigns_finish_done() == 0
    rows[9].state = OutboundMessage.State.DEAD
    rows[9].save(update_fields=["state"])
    assert campaigns_finish_done() == 1
    assert campaigns_finish_done() == 0

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign.finished_at is not None
    notification = Notification.objects.get(user=maria, kind="campaign.sent")
    assert "9 of 10" in notification.body
    assert notification.url.endswith(f"/email/campaigns/{campaign.public_id}/report/")


def test_a_row_being_sent_keeps_the_campaign_open(maria, audience):
    campaign = _started(maria, audience)
    rows = list(OutboundMessage.objects.filter(campaign=campaign))
    mark_sent(rows[1:])
    rows[0].state = OutboundMessage.State.SENDING
    rows[0].save(update_fields=["state"])

    assert campaigns_finish_done() == 0


def test_a_running_test_or_a_paused_campaign_is_not_finished(maria, audience):
    from leadline.mail.campaigns import campaign_pause

    testing = _started(
        maria, make_list(make_contacts(20), name="Twenty"), subject_b="B", ab_sample_percent=20
    )
    mark_sent(OutboundMessage.objects.filter(campaign=testing))
    paused = _started(maria, audience)
    mark_sent(OutboundMessage.objects.filter(campaign=paused))
    campaign_pause(campaign=paused, actor=maria)

    assert campaigns_finish_done() == 0
    assert Campaign.objects.get(pk=testing.pk).status == Campaign.Status.TESTING


@pytest.fixture
def big(db):
    return make_list(make_contacts(COMPLAINT_MIN_DELIVERED), name="Big")


def _complaints(campaign, count):
    rows = list(OutboundMessage.objects.filter(campaign=campaign).order_by("id"))
    mark_sent(rows)
    for row in rows[:count]:
        add_event(row, MessageEvent.Kind.COMPLAINT)


def test_it_pauses_a_campaign_whose_complaints_pass_the_limit(maria, big):
    campaign = _started(maria, big, complaint_rate_limit=Decimal("0.0100"))  # 1% of 200 = 2
    _complaints(campaign, 3)

    assert campaigns_guard_complaints() == 1

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "3 spam complaints from 200 delivered (1.50%)" in campaign.pause_reason
    assert Notification.objects.filter(user=maria, kind="campaign.paused").count() == 1


def test_complaints_at_the_limit_do_not_pause(maria, big):
    campaign = _started(maria, big, complaint_rate_limit=Decimal("0.0100"))
    _complaints(campaign, 2)

    assert campaigns_guard_complaints() == 0
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING


def test_too_few_delivered_to_judge(maria, audience):
    campaign = _started(maria, audience)
    _complaints(campaign, 5)  # 50% of 10, but 10 say little

    assert campaigns_guard_complaints() == 0


def test_resuming_with_a_higher_limit_keeps_it_going(maria, big):
    from leadline.mail.campaigns import campaign_resume

    campaign = _started(maria, big, complaint_rate_limit=Decimal("0.0100"))
    _complaints(campaign, 3)
    campaigns_guard_complaints()

    campaign_resume(campaign=campaign, actor=maria, complaint_rate_limit=Decimal("0.0200"))

    assert campaigns_guard_complaints() == 0
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (Campaign.Status.SENDING, "")
