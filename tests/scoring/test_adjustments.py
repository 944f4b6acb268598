"""Score adjustments: a set number of points added to (or taken from) one contact's score, kept
through every recompute from the rules, within the cap, towards MQL, once per source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from leadline.accounts.models import Scope
from leadline.contacts.models import Contact
from leadline.core.scheduler import PERIODIC, _load_periodic_modules
from leadline.scoring.engine import scores_decay_pass, scores_recompute, scores_recompute_all
from leadline.scoring.models import ContactScore, ScoreAdjustment
from leadline.scoring.services import score_adjust
from tests.api.client import api_as
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.scoring.factories import configure, fit_rule, score_rows

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_keeps_an_adjustment_through_a_full_recompute(db: None) -> None:
    fit_rule(name="Director", points=15)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])

    score_adjust(contact=contact, points=10, reason="Attended the webinar", source_label="Webinar team")
    assert Contact.objects.get(pk=contact.pk).score == 25

    scores_recompute_all()

    assert Contact.objects.get(pk=contact.pk).score == 25
    detail = ContactScore.objects.get(contact=contact)
    assert (detail.fit, detail.engagement, detail.adjustment, detail.total) == (15, 0, 10, 25)
    line = detail.explanation[-1]
    assert (line["category"], line["points"], line["reason"], line["rule"]) == (
        "adjustment",
        10,
        "Attended the webinar",
        "Webinar team",
    )


def test_it_puts_the_change_on_the_contact_timeline(maria: Any) -> None:
    contact = ContactFactory()
    scores_recompute([contact.pk])

    score_adjust(contact=contact, points=10, reason="Attended the webinar")

    assert [row.title for row in score_rows(contact)] == ["+10: Attended the webinar"]
    assert contact.score == 10  # the caller's copy is brought up to date
    body = client_for(maria).get(f"/contacts/{contact.public_id}/timeline/").content.decode()
    assert "+10: Attended the webinar" in body


def test_it_takes_points_away_with_a_negative_adjustment(db: None) -> None:
    fit_rule(name="Director", points=15)
    contact = ContactFactory(job_title="Director")
    scores_recompute([contact.pk])

    score_adjust(
        contact=contact, points=-20, reason="Asked for no more calls", source_label="Workflow “Clean-up”"
    )
    scores_recompute_all()

    assert Contact.objects.get(pk=contact.pk).score == -5
    assert score_rows(contact)[-1].title == "-20: Asked for no more calls (Workflow “Clean-up”)"


def test_it_keeps_the_total_within_the_score_cap(db: None) -> None:
    configure(score_cap=40)
    fit_rule(points=30)
    contact = ContactFactory(job_title="Director")

    score_adjust(contact=contact, points=50, reason="Big order expected")

    assert Contact.objects.get(pk=contact.pk).score == 40
    assert ContactScore.objects.get(contact=contact).adjustment == 50


def test_reaching_the_threshold_by_an_adjustment_makes_the_contact_an_mql(db: None) -> None:
    configure(mql_threshold=50)
    fit_rule(points=30)
    contact = ContactFactory(job_title="Director", lifecycle_stage="lead")
    scores_recompute([contact.pk])
    assert Contact.objects.get(pk=contact.pk).lifecycle_stage == "lead"

    score_adjust(contact=contact, points=25, reason="Asked for a demo")

    contact.refresh_from_db()
    assert (contact.score, contact.lifecycle_stage) == (55, "mql")
    assert score_rows(contact)[-1].title == "Marketing qualified: score 55 reached the MQL threshold of 50"


def test_it_adjusts_once_per_source_key(db: None) -> None:
    contact = ContactFactory()
    scores_recompute([contact.pk])

    first = score_adjust(contact=contact, points=10, reason="Webinar", source_key="workflow:e1:s1")
    again = score_adjust(contact=contact, points=10, reason="Webinar", source_key="workflow:e1:s1")

    assert again.pk == first.pk
    assert ScoreAdjustment.objects.count() == 1
    assert Contact.objects.get(pk=contact.pk).score == 10
    assert len(score_rows(contact)) == 1


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("ten", "Enter a whole number."),
        (2.5, "Enter a whole number."),
        (True, "Enter a whole number."),
        (0, "other than zero"),
        (1001, "between -1,000 and 1,000"),
        (-1001, "between -1,000 and 1,000"),
        (None, "This field is required."),
    ],
)
def test_it_refuses_bad_points(db: None, points: Any, message: str) -> None:
    contact = ContactFactory()
    with pytest.raises(ValidationError) as error:
        score_adjust(contact=contact, points=points, reason="Webinar")
    assert message in " ".join(error.value.message_dict["points"])
    assert not ScoreAdjustment.objects.exists()


def test_it_needs_a_reason(db: None) -> None:
    with pytest.raises(ValidationError) as error:
        score_adjust(contact=ContactFactory(), points=5, reason="  ")
    assert error.value.message_dict["reason"] == ["This field is required."]


def test_an_adjustment_stops_counting_when_it_expires(db: None) -> None:
    contact = ContactFactory()
    with time_machine.travel(START, tick=False):
        score_adjust(
            contact=contact, points=20, reason="Trial started", expires_at=START + timedelta(days=14)
        )
    assert Contact.objects.get(pk=contact.pk).score == 20

    with time_machine.travel(START + timedelta(days=13), tick=False):
        scores_decay_pass()
    assert Contact.objects.get(pk=contact.pk).score == 20

    with time_machine.travel(START + timedelta(days=15), tick=False):
        scores_decay_pass()
        scores_recompute_all()
    assert Contact.objects.get(pk=contact.pk).score == 0
    assert score_rows(contact)[-1].title == "Score 20 → 0: a score adjustment expired"
    assert ContactScore.objects.get(contact=contact).explanation == []


def test_expired_adjustments_are_swept_every_hour(db: None) -> None:
    _load_periodic_modules()
    entry = PERIODIC["leadline.scoring.tasks.score_adjustments_expire"]
    assert entry.every == timedelta(hours=1)
    contact = ContactFactory()
    with time_machine.travel(START, tick=False):
        score_adjust(contact=contact, points=5, reason="Trial", expires_at=START + timedelta(hours=2))
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        entry.function()
    assert Contact.objects.get(pk=contact.pk).score == 0


def test_the_contact_page_explains_the_adjustment(sam: Any) -> None:
    contact = ContactFactory(owner=sam)
    score_adjust(contact=contact, points=-5, reason="<b>Unsubscribed</b>", source_label="Workflow “Clean-up”")

    body = client_for(sam).get(f"/contacts/{contact.public_id}/score/").content.decode()

    assert "-5" in body and "&lt;b&gt;Unsubscribed&lt;/b&gt;" in body
    assert "Workflow “Clean-up”" in body
    assert "adjustments -5" in body


def test_the_api_returns_the_adjustment_with_its_reason(sam: Any) -> None:
    contact = ContactFactory(owner=sam)
    score_adjust(contact=contact, points=12, reason="Webinar", source_label="Workflow “Webinar”")

    body = api_as(sam, [Scope.CONTACTS_READ]).get(f"/contacts/{contact.public_id}/score").json()

    assert (body["total"], body["fit"], body["engagement"], body["adjustment"]) == (12, 0, 0, 12)
    assert body["explanation"] == [
        {"rule": "Workflow “Webinar”", "category": "adjustment", "points": 12, "reason": "Webinar"}
    ]
