"""The demo campaigns: a sent newsletter whose report has opens, clicks, a bounce and an
unsubscribe, and a draft; seeding twice changes nothing."""

from __future__ import annotations

import pytest

from leadline.mail.campaign_selectors import campaign_counts, campaign_links
from leadline.mail.demo_campaigns import DRAFT_NAME, SENT_NAME, seed_campaigns_demo
from leadline.mail.models import Campaign, OutboundMessage
from tests.mail.campaigns.factories import make_contacts, make_list
from tests.mail.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_a_sent_campaign_with_a_report_and_a_draft_once(maria, sender):
    TemplateFactory(name="Monthly newsletter")
    make_list(make_contacts(40), name="Webinar guests")
    lines: list[str] = []

    seed_campaigns_demo(echo=lines.append)
    seed_campaigns_demo(echo=lines.append)

    sent = Campaign.objects.get(name=SENT_NAME)
    draft = Campaign.objects.get(name=DRAFT_NAME)
    counts = campaign_counts(sent)
    assert (sent.status, draft.status) == ("sent", "draft")
    assert counts["recipients"] == counts["sent"] == 40
    assert counts["opened"] > 5 and counts["clicked"] > 0 and counts["opened_machine"] > 0
    assert (counts["bounced_hard"], counts["unsubscribed"]) == (1, 1)
    assert campaign_links(sent)
    assert not OutboundMessage.objects.filter(state="queued").exists()
    assert Campaign.objects.count() == 2
    assert sum("Email campaigns" in line for line in lines) == 1
