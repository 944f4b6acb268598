"""Sending a campaign now: one outbox row per recipient under a unique key, nothing queued twice,
and a clear refusal when the campaign cannot lawfully or usefully go out."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.core.models import AuditEntry
from leadline.mail.campaigns import (
    CampaignStateError,
    campaign_send_now,
    campaigns_start_due,
)
from leadline.mail.models import Campaign, Layout, OutboundMessage
from tests.factories import ContactFactory
from tests.mail.campaigns.factories import make_campaign, make_list
from tests.mail.factories import SenderIdentityFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_it_queues_one_row_per_recipient_with_the_campaign_key(maria, audience, contacts):
    campaign = make_campaign(actor=maria, audience=audience)

    campaign_send_now(campaign=campaign, actor=maria)

    campaign.refresh_from_db()
    rows = list(OutboundMessage.objects.filter(campaign=campaign))
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.recipients_count == len(rows) == 10
    assert {row.key for row in rows} == {f"campaign:{campaign.public_id}:{c.public_id}" for c in contacts}
    assert {row.state for row in rows} == {OutboundMessage.State.QUEUED}
    assert {row.kind for row in rows} == {"marketing"}
    assert all(row.to_email == row.contact.email for row in rows)
    assert campaign.started_at is not None
    assert AuditEntry.objects.filter(
        action="mail.campaign_started", object_id=str(campaign.public_id)
    ).exists()


def test_it_records_the_template_version_it_started_with(maria, audience):
    template = TemplateFactory(version=7)
    campaign = make_campaign(actor=maria, audience=audience, template=template)

    campaign_send_now(campaign=campaign, actor=maria)

    campaign.refresh_from_db()
    assert campaign.template_version == 7


def test_starting_twice_queues_nobody_twice(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)

    with pytest.raises(CampaignStateError, match=r"already started|draft or a scheduled"):
        campaign_send_now(campaign=campaign, actor=maria)
    stale = Campaign.objects.get(pk=campaign.pk)
    stale.status = Campaign.Status.SCHEDULED  # as if a second worker read it before the first started it
    with pytest.raises(CampaignStateError, match="already started"):
        campaign_send_now(campaign=stale, actor=maria)

    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10


def test_a_contact_added_later_is_not_doubled_when_keys_meet_again(maria, audience, contacts):
    from leadline.mail.outbox import Outgoing, outbox_enqueue_many

    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)

    again = outbox_enqueue_many(
        Outgoing(key=f"campaign:{campaign.public_id}:{contact.public_id}", to_email=contact.email)
        for contact in contacts
    )

    assert again == 0
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_audience", "Choose who the campaign goes to"),
        ("no_postal_address", "Add a postal address"),
        ("no_footer", "unsubscribe link"),
        ("nobody_left", "Nobody in the audience"),
    ],
)
def test_it_refuses_to_send_what_cannot_go_out(maria, audience, change, message):
    kwargs = {"audience": audience}
    if change == "no_audience":
        kwargs = {}
    if change == "no_postal_address":
        kwargs["sender"] = SenderIdentityFactory(postal_address="")
    if change == "no_footer":
        bare = Layout.objects.create(name="Bare", html="<div>{{ content }}</div>")
        kwargs["template"] = TemplateFactory(layout=bare, body="Hello")
    if change == "nobody_left":
        kwargs["audience"] = make_list([ContactFactory(email=None)], name="No addresses")
    campaign = make_campaign(actor=maria, **kwargs)

    with pytest.raises(ValidationError) as error:
        campaign_send_now(campaign=campaign, actor=maria)

    assert message in " ".join(error.value.messages)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not OutboundMessage.objects.exists()


def test_a_transactional_template_cannot_be_chosen(maria, audience):
    from tests.mail.factories import TransactionalTemplateFactory

    with pytest.raises(ValidationError) as error:
        make_campaign(actor=maria, audience=audience, template=TransactionalTemplateFactory())

    assert "marketing template" in error.value.message_dict["template"][0]


def test_the_scheduler_holds_a_campaign_that_can_no_longer_go_out(maria, audience, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from leadline.core.models import Notification
    from leadline.mail.campaigns import campaign_schedule

    campaign = make_campaign(actor=maria, audience=audience)
    campaign_schedule(campaign=campaign, actor=maria, at=timezone.now() + timedelta(hours=1))
    campaign.sender.postal_address = ""
    campaign.sender.save()

    time_machine.move_to(timezone.now() + timedelta(hours=2))
    assert campaigns_start_due() == 0

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "postal address" in campaign.pause_reason
    assert not OutboundMessage.objects.exists()
    assert Notification.objects.filter(user=maria, kind="campaign.paused").exists()


def test_a_big_audience_is_queued_by_the_scheduler_not_the_request(maria, audience, monkeypatch):
    from leadline.mail import campaigns

    monkeypatch.setattr(campaigns, "SEND_NOW_INLINE_LIMIT", 5)
    campaign = make_campaign(actor=maria, audience=audience)

    campaign_send_now(campaign=campaign, actor=maria)
    assert campaign.status == Campaign.Status.SCHEDULED
    assert not OutboundMessage.objects.exists()

    assert campaigns_start_due() == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10
