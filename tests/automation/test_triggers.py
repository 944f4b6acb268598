"""Triggers enrol contacts from new rows of the activity log, and from dates once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from leadline.activity.services import activity_record
from leadline.automation.models import Enrolment
from leadline.automation.triggers import date_triggers_run, triggers_consume
from leadline.contacts.services import contact_update
from tests.automation.factories import email, make_workflow
from tests.factories import ContactFactory
from tests.sales.factories import make_order


def test_it_enrols_on_a_lifecycle_stage_change_once(template: Any) -> None:
    triggers_consume()  # the cursor starts at the end of the log
    make_workflow([email(template)], trigger_type="stage_changed", trigger_config={"stage": "mql"})
    contact = ContactFactory(lifecycle_stage="lead")
    other = ContactFactory(lifecycle_stage="lead")
    contact_update(contact=contact, actor=None, data={"lifecycle_stage": "mql"})
    contact_update(contact=other, actor=None, data={"lifecycle_stage": "sql"})
    assert triggers_consume() == 1
    assert triggers_consume() == 0
    enrolment = Enrolment.objects.get()
    assert enrolment.contact == contact
    assert enrolment.trigger == "stage_changed"


def test_it_enrols_when_the_score_crosses_the_value_upwards(template: Any) -> None:
    triggers_consume()
    make_workflow([email(template)], trigger_type="score_crossed", trigger_config={"value": 50})
    rising, falling, below = ContactFactory(), ContactFactory(), ContactFactory()
    activity_record(kind="score.changed", contact=rising, data={"from": 40, "to": 55})
    activity_record(kind="score.changed", contact=falling, data={"from": 60, "to": 45})
    activity_record(kind="score.changed", contact=below, data={"from": 10, "to": 49})
    assert triggers_consume() == 1
    assert Enrolment.objects.get().contact == rising


def test_it_enrols_on_a_form_submission_of_the_chosen_form_only(template: Any) -> None:
    from leadline.forms.models import Form

    triggers_consume()
    form = Form.objects.create(name="Contact us", slug="contact-us")
    make_workflow(
        [email(template)], trigger_type="form_submitted", trigger_config={"form": str(form.public_id)}
    )
    chosen, other = ContactFactory(), ContactFactory()
    activity_record(kind="form.submitted", contact=chosen, data={"form": str(form.public_id)})
    activity_record(kind="form.submitted", contact=other, data={"form": "another"})
    assert triggers_consume() == 1
    assert Enrolment.objects.get().contact == chosen


def test_it_ignores_paused_workflows(template: Any) -> None:
    triggers_consume()
    make_workflow([email(template)], trigger_type="deal_won", active=False)
    activity_record(kind="deal.won", contact=ContactFactory(), data={"deal": "x"})
    assert triggers_consume() == 0


def test_it_enrols_on_the_anniversary_of_a_birthday_once_that_day(template: Any) -> None:
    with time_machine.travel(datetime(2026, 5, 4, 8, 0, tzinfo=UTC), tick=False):
        make_workflow(
            [email(template)],
            trigger_type="date_reached",
            trigger_config={"mode": "anniversary", "property": "birthday", "days": 0},
            reenrolment="again",
            reenrol_after_days=300,
        )
        birthday = ContactFactory(properties={"birthday": "1990-05-04"})
        ContactFactory(properties={"birthday": "1990-05-05"})
        assert date_triggers_run() == 1
        assert date_triggers_run() == 0
        assert Enrolment.objects.get().contact == birthday


def test_it_wins_back_customers_whose_last_order_was_n_days_ago(template: Any) -> None:
    now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        make_workflow(
            [email(template)],
            trigger_type="date_reached",
            trigger_config={"mode": "since_last_order", "days": 120},
        )
        lapsed, recent = ContactFactory(), ContactFactory()
        make_order(lapsed, ordered_at=now - timedelta(days=120))
        make_order(recent, ordered_at=now - timedelta(days=120))
        make_order(recent, ordered_at=now - timedelta(days=3))
        assert date_triggers_run() == 1
        assert Enrolment.objects.get().contact == lapsed
