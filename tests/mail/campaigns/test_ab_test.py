"""Subject line tests: a sample split in two equal halves, the winner picked by the rate of people
who opened (or clicked) once the wait is over — a tie goes to A — and sent to everyone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from leadline.core.models import Notification
from leadline.mail.campaigns import ab_split_size, campaign_send_now, campaigns_decide_due_tests
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage
from tests.mail.campaigns.factories import add_event, make_campaign, make_contacts, make_list, mark_sent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def hundred(db):
    return make_list(make_contacts(100), name="Hundred")


def _start_test(maria, audience, **changes):
    campaign = make_campaign(
        actor=maria,
        audience=audience,
        subject_b="A better subject",
        ab_sample_percent=20,
        ab_wait_hours=4,
        **changes,
    )
    campaign_send_now(campaign=campaign, actor=maria)
    campaign.refresh_from_db()
    return campaign


def _variant(campaign, variant):
    return list(OutboundMessage.objects.filter(campaign=campaign, variant=variant).order_by("id"))


def test_it_sends_each_subject_to_half_of_the_sample(maria, hundred, time_machine):
    time_machine.move_to(NOW, tick=False)

    campaign = _start_test(maria, hundred)

    a, b = _variant(campaign, "A"), _variant(campaign, "B")
    assert (len(a), len(b)) == (10, 10)
    assert {row.subject for row in a} == {""}  # the template's own subject
    assert {row.subject for row in b} == {"A better subject"}
    assert not {row.contact_id for row in a} & {row.contact_id for row in b}
    assert campaign.status == Campaign.Status.TESTING
    assert campaign.ab_decide_at == NOW + timedelta(hours=4)
    assert campaign.recipients_count == 20


@pytest.mark.parametrize(
    ("eligible", "percent", "each"), [(100, 20, 10), (1000, 10, 50), (7, 50, 1), (9, 20, 0)]
)
def test_the_split_size(eligible, percent, each):
    assert ab_split_size(eligible, percent) == each


def test_an_audience_too_small_for_the_test_is_refused(maria, time_machine):
    campaign = make_campaign(
        actor=maria, audience=make_list(make_contacts(4)), subject_b="B", ab_sample_percent=20
    )

    with pytest.raises(ValidationError, match="too few for an A/B test"):
        campaign_send_now(campaign=campaign, actor=maria)


def test_the_winner_by_opens_goes_to_everyone_else(maria, hundred, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = _start_test(maria, hundred)
    a, b = _variant(campaign, "A"), _variant(campaign, "B")
    mark_sent(a + b)
    for row in a[:2]:
        add_event(row, MessageEvent.Kind.OPEN)
    for row in b[:4]:
        add_event(row, MessageEvent.Kind.OPEN)
    for row in a[2:9]:  # machines opening A do not make people open it
        add_event(row, MessageEvent.Kind.OPEN, is_machine=True)

    time_machine.move_to(NOW + timedelta(hours=3, minutes=59), tick=False)
    assert campaigns_decide_due_tests() == 0
    time_machine.move_to(NOW + timedelta(hours=4), tick=False)
    assert campaigns_decide_due_tests() == 1
    assert campaigns_decide_due_tests() == 0

    campaign.refresh_from_db()
    rest = list(OutboundMessage.objects.filter(campaign=campaign, variant=""))
    assert campaign.ab_winner == "B"
    assert campaign.status == Campaign.Status.SENDING
    assert len(rest) == 80
    assert {row.subject for row in rest} == {"A better subject"}
    assert campaign.recipients_count == OutboundMessage.objects.filter(campaign=campaign).count() == 100
    assert Notification.objects.filter(user=maria, kind="campaign.ab_decided").count() == 1


def test_a_tie_goes_to_a(maria, hundred, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = _start_test(maria, hundred)
    a, b = _variant(campaign, "A"), _variant(campaign, "B")
    mark_sent(a + b)
    add_event(a[0], MessageEvent.Kind.OPEN)
    add_event(b[0], MessageEvent.Kind.OPEN)

    time_machine.move_to(NOW + timedelta(hours=5), tick=False)
    campaigns_decide_due_tests()

    campaign.refresh_from_db()
    assert campaign.ab_winner == "A"
    assert set(
        OutboundMessage.objects.filter(campaign=campaign, variant="").values_list("subject", flat=True)
    ) == {""}


def test_the_click_metric_counts_clicks_of_delivered_email(maria, hundred, time_machine):
    time_machine.move_to(NOW, tick=False)
    campaign = _start_test(maria, hundred, ab_metric=Campaign.AbMetric.CLICKS)
    a, b = _variant(campaign, "A"), _variant(campaign, "B")
    mark_sent(a + b)
    for row in b[:5]:  # B opened more …
        add_event(row, MessageEvent.Kind.OPEN)
    add_event(a[0], MessageEvent.Kind.CLICK, url="https://example.com/")  # … but A clicked more
    add_event(a[1], MessageEvent.Kind.CLICK, url="https://example.com/")
    add_event(b[0], MessageEvent.Kind.CLICK, url="https://example.com/")

    time_machine.move_to(NOW + timedelta(hours=4), tick=False)
    campaigns_decide_due_tests()

    campaign.refresh_from_db()
    assert campaign.ab_winner == "A"


def test_a_paused_test_is_not_decided_until_resumed(maria, hundred, time_machine):
    from leadline.mail.campaigns import campaign_pause, campaign_resume

    time_machine.move_to(NOW, tick=False)
    campaign = _start_test(maria, hundred)
    campaign_pause(campaign=campaign, actor=maria)

    time_machine.move_to(NOW + timedelta(hours=6), tick=False)
    assert campaigns_decide_due_tests() == 0
    campaign_resume(campaign=campaign, actor=maria)
    assert campaign.status == Campaign.Status.TESTING
    assert campaigns_decide_due_tests() == 1


def test_someone_who_unsubscribed_during_the_test_is_not_sent_the_winner(maria, hundred, time_machine):
    from django.utils import timezone

    from leadline.mail.models import Unsubscribe, UnsubscribeSource

    time_machine.move_to(NOW, tick=False)
    campaign = _start_test(maria, hundred)
    sampled = set(OutboundMessage.objects.filter(campaign=campaign).values_list("contact_id", flat=True))
    leaver = next(
        contact
        for contact in hundred.memberships.values_list("contact_id", flat=True)
        if contact not in sampled
    )
    Unsubscribe.objects.create(
        contact_id=leaver, source=UnsubscribeSource.ONE_CLICK, created_at=timezone.now()
    )

    time_machine.move_to(NOW + timedelta(hours=4), tick=False)
    campaigns_decide_due_tests()

    assert OutboundMessage.objects.filter(campaign=campaign).count() == 99
    assert not OutboundMessage.objects.filter(campaign=campaign, contact_id=leaver).exists()
