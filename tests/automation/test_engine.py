"""The engine: due enrolments are claimed, their steps run once, waits become run_at values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, StepRun
from leadline.automation.services import enrolment_create
from leadline.mail.models import OutboundMessage
from tests.automation.factories import email, make_workflow, wait
from tests.factories import ContactFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_it_sends_the_first_email_at_once_and_the_second_after_the_wait(
    template: Any, other_template: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        workflow = make_workflow([email(template, "e1"), wait(2), email(other_template, "e2")])
        contact = ContactFactory(email="ann@example.org")
        enrolment = enrolment_create(workflow=workflow, contact=contact, trigger="manual")
        assert enrolment is not None
        Engine().tick()
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.WAITING
        assert enrolment.run_at == START + timedelta(days=2)
        assert list(OutboundMessage.objects.values_list("key", flat=True)) == [
            f"workflow:{enrolment.public_id}:e1"
        ]

        clock.move_to(START + timedelta(days=1, hours=23))
        Engine().tick()
        assert OutboundMessage.objects.count() == 1

        clock.move_to(START + timedelta(days=2, seconds=30))
        Engine().tick()
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.COMPLETED
        assert OutboundMessage.objects.count() == 2
        assert StepRun.objects.filter(enrolment=enrolment).count() == 3


def test_it_never_enrols_a_contact_twice_in_a_once_workflow(template: Any) -> None:
    workflow = make_workflow([email(template)])
    contact = ContactFactory()
    assert enrolment_create(workflow=workflow, contact=contact, trigger="manual") is not None
    Engine().tick()
    assert enrolment_create(workflow=workflow, contact=contact, trigger="manual") is None
