"""The report's numbers, recomputed here from the rows and events one by one, the contacts behind
each number, the links table and the CSV of recipients."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.mail.campaign_selectors import (
    campaign_counts,
    campaign_links,
    campaign_recipients,
    campaign_report,
    recipients_csv_lines,
)
from leadline.mail.campaigns import campaign_send_now
from leadline.mail.models import MessageEvent, OutboundMessage
from tests.mail.campaigns.factories import add_event, make_campaign, make_contacts, make_list, mark_sent

pytestmark = pytest.mark.django_db

OPEN, CLICK = MessageEvent.Kind.OPEN, MessageEvent.Kind.CLICK
PRICING, BLOG = "https://example.com/pricing", "https://example.com/blog"


@pytest.fixture
def campaign(maria):
    campaign = make_campaign(actor=maria, audience=make_list(make_contacts(30), name="Thirty"))
    campaign_send_now(campaign=campaign, actor=maria)
    rows = list(OutboundMessage.objects.filter(campaign=campaign).order_by("id"))
    mark_sent(rows[:24])
    State = OutboundMessage.State
    for row, state in zip(
        rows[24:],
        [State.FAILED, State.DEAD, State.SKIPPED, State.CANCELLED, State.QUEUED, State.QUEUED],
        strict=True,
    ):
        row.state = state
        row.save(update_fields=["state"])
    for row in rows[:10]:
        add_event(row, OPEN)
        add_event(row, OPEN)  # a second open of the same message counts once
    for row in rows[8:14]:
        add_event(row, OPEN, is_machine=True)
    for row in rows[:4]:
        add_event(row, CLICK, url=PRICING)
    add_event(rows[0], CLICK, url=PRICING)
    add_event(rows[1], CLICK, url=BLOG)
    add_event(rows[12], CLICK, url=BLOG, is_machine=True)  # a link scanner
    add_event(rows[20], MessageEvent.Kind.BOUNCE, bounce_type="hard")
    add_event(rows[21], MessageEvent.Kind.BOUNCE, bounce_type="soft")
    add_event(rows[22], MessageEvent.Kind.BOUNCE, bounce_type="soft")
    add_event(rows[22], MessageEvent.Kind.BOUNCE, bounce_type="hard")
    add_event(rows[5], MessageEvent.Kind.COMPLAINT)
    add_event(rows[6], MessageEvent.Kind.UNSUBSCRIBE)
    add_event(rows[7], MessageEvent.Kind.UNSUBSCRIBE)
    return campaign


def _events(row, kind, **filters):
    return [
        event
        for event in row.events.all()
        if event.kind == kind and all(getattr(event, k) == v for k, v in filters.items())
    ]


def _expected(campaign):
    rows = list(OutboundMessage.objects.filter(campaign=campaign).prefetch_related("events"))
    sent = [row for row in rows if row.state == "sent"]
    bounced = [row for row in rows if row.bounced_at or _events(row, "bounce")]
    hard = [row for row in rows if _events(row, "bounce", bounce_type="hard")]
    return {
        "recipients": len(rows),
        "sent": len(sent),
        "delivered": len([row for row in sent if row not in bounced]),
        "opened": len([row for row in sent if _events(row, "open", is_machine=False)]),
        "opened_machine": len([row for row in sent if _events(row, "open", is_machine=True)]),
        "clicked": len([row for row in sent if _events(row, "click", is_machine=False)]),
        "unsubscribed": len([row for row in rows if _events(row, "unsubscribe")]),
        "bounced": len(bounced),
        "bounced_hard": len(hard),
        "bounced_soft": len(bounced) - len(hard),
        "complained": len([row for row in rows if _events(row, "complaint")]),
        "failed": len([row for row in rows if row.state in ("failed", "dead")]),
        "skipped": len([row for row in rows if row.state == "skipped"]),
        "cancelled": len([row for row in rows if row.state == "cancelled"]),
        "waiting": len([row for row in rows if row.state in ("queued", "sending")]),
        "variant_a": 0,
        "variant_b": 0,
    }


def test_every_number_matches_the_rows(campaign):
    counts = campaign_counts(campaign)

    assert counts == _expected(campaign)
    assert (counts["sent"], counts["delivered"], counts["opened"], counts["clicked"]) == (24, 21, 10, 4)
    assert (counts["bounced_hard"], counts["bounced_soft"]) == (2, 1)


def test_the_contacts_behind_each_number_are_the_ones_counted(campaign):
    counts = campaign_counts(campaign)

    for metric, count in counts.items():
        assert campaign_recipients(campaign, metric=metric).count() == count, metric


def test_an_unknown_number_is_refused(campaign):
    with pytest.raises(ValueError):
        campaign_recipients(campaign, metric="revenue; drop table")


def test_links_count_clicks_by_people_only(campaign):
    links = {link.url: (link.clicks, link.people) for link in campaign_links(campaign)}

    assert links == {PRICING: (5, 4), BLOG: (1, 1)}
    behind = campaign_recipients(campaign, metric="clicked_url", url=BLOG)
    assert behind.count() == 1


def test_rates_divide_by_what_they_say(campaign):
    rates = campaign_report(campaign).rates

    assert rates["open"] == pytest.approx(10 / 21)
    assert rates["click"] == pytest.approx(4 / 21)
    assert rates["click_to_open"] == pytest.approx(4 / 10)
    assert rates["bounce"] == pytest.approx(3 / 24)


def test_the_chart_counts_opens_and_clicks_by_people_over_time(maria):
    campaign = make_campaign(actor=maria, audience=make_list(make_contacts(3), name="Three"))
    campaign_send_now(campaign=campaign, actor=maria)
    rows = list(OutboundMessage.objects.filter(campaign=campaign))
    mark_sent(rows)
    start = timezone.now().replace(minute=5)
    add_event(rows[0], OPEN, at=start)
    add_event(rows[1], OPEN, at=start + timedelta(minutes=10))
    add_event(rows[1], CLICK, at=start + timedelta(hours=2), url=PRICING)
    add_event(rows[2], OPEN, at=start + timedelta(hours=2), is_machine=True)

    chart = campaign_report(campaign).chart

    assert chart["opens"] == [2, 0, 0]
    assert chart["clicks"] == [0, 0, 1]
    assert len(chart["labels"]) == 3


def test_the_csv_is_formula_safe(maria):
    from tests.factories import ContactFactory

    hostile = ContactFactory(first_name='=HYPERLINK("http://evil")', last_name="+1", email="x@example.org")
    campaign = make_campaign(actor=maria, audience=make_list([hostile], name="One"))
    campaign_send_now(campaign=campaign, actor=maria)

    text = "".join(recipients_csv_lines(campaign, campaign_recipients(campaign)))
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0][:3] == ["email", "first_name", "last_name"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][2] == "'+1"
    assert rows[1][4] == "queued"
