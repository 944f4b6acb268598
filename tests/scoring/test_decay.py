from datetime import UTC, datetime, timedelta

import time_machine

from leadline.contacts.models import Contact
from leadline.scoring.engine import scores_decay_pass, scores_recompute
from leadline.scoring.models import ContactScore
from tests.factories import ContactFactory
from tests.scoring.factories import configure, engagement_rule, event, fit_rule, score_rows

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_halves_engagement_points_every_half_life(db):
    configure(half_life_days=30)
    engagement_rule(points=20, url_contains="/pricing")
    contact = ContactFactory()
    with time_machine.travel(START, tick=False):
        event(contact, url="https://example.com/pricing")
        scores_recompute([contact.pk])
    assert Contact.objects.get(pk=contact.pk).score == 20

    with time_machine.travel(START + timedelta(days=30), tick=False):
        scores_decay_pass()
    assert Contact.objects.get(pk=contact.pk).score == 10

    with time_machine.travel(START + timedelta(days=60), tick=False):
        scores_decay_pass()
    assert Contact.objects.get(pk=contact.pk).score == 5
    assert ContactScore.objects.get(contact=contact).engagement == 5


def test_it_follows_a_shorter_half_life(db):
    configure(half_life_days=7)
    engagement_rule(points=40)
    contact = ContactFactory()
    with time_machine.travel(START, tick=False):
        event(contact, url="/blog")
    with time_machine.travel(START + timedelta(days=14), tick=False):
        scores_recompute([contact.pk])
    assert Contact.objects.get(pk=contact.pk).score == 10


def test_it_explains_decay_on_the_timeline(db):
    engagement_rule(points=20)
    contact = ContactFactory()
    with time_machine.travel(START, tick=False):
        event(contact, url="/features")
        scores_recompute([contact.pk])
    with time_machine.travel(START + timedelta(days=30), tick=False):
        scores_decay_pass()

    last = score_rows(contact)[-1]
    assert last.title == "Score 20 → 10: older engagement counts for less"
    assert last.data["from"] == 20 and last.data["to"] == 10


def test_it_leaves_fit_only_contacts_out_of_the_decay_pass(db):
    engagement_rule(points=20)
    fit_rule(points=30)
    contact = ContactFactory(job_title="Director of Sales")
    scores_recompute([contact.pk])
    computed_at = ContactScore.objects.get(contact=contact).computed_at

    with time_machine.travel(datetime.now(UTC) + timedelta(days=40), tick=False):
        scores_decay_pass()

    assert ContactScore.objects.get(contact=contact).computed_at == computed_at
    assert Contact.objects.get(pk=contact.pk).score == 30
