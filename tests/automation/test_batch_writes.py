"""A batch's results are stored together; when the outbox or the database refuses one row of a
batch, the other enrolments of the batch still go on, and the refused one is retried alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError

from leadline.activity.models import Activity
from leadline.automation import engine
from leadline.automation.engine import MAX_ATTEMPTS, Engine
from leadline.automation.models import Enrolment, StepRun
from leadline.automation.services import enrolment_create
from leadline.mail.models import OutboundMessage
from leadline.mail.outbox import Outgoing
from tests.automation.factories import email, make_workflow, wait
from tests.factories import ContactFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFUSED = "refused@example.org"


@pytest.fixture
def refusing_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """An outbox that refuses any batch holding the email to REFUSED (as a database refuses a row)."""
    real = engine.outbox_enqueue_many

    def enqueue(outgoing: Iterable[Outgoing], **options: Any) -> int:
        items = list(outgoing)
        if any(item.to_email == REFUSED for item in items):
            raise DatabaseError("value too long for the column")
        return real(items, **options)

    monkeypatch.setattr(engine, "outbox_enqueue_many", enqueue)


def test_one_refused_email_does_not_hold_back_the_rest_of_its_batch(
    template: Any, refusing_outbox: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        workflow = make_workflow(
            [email(template, "hello"), wait(1, "days", "pause"), email(template, "again")]
        )
        contacts = [ContactFactory(email=f"person{n}@example.org") for n in range(4)]
        contacts.insert(2, ContactFactory(email=REFUSED))
        enrolments = [
            enrolment_create(workflow=workflow, contact=contact, trigger="manual") for contact in contacts
        ]
        refused = enrolments[2]
        assert refused is not None

        Engine().tick()

        assert sorted(OutboundMessage.objects.values_list("to_email", flat=True)) == [
            f"person{n}@example.org" for n in range(4)
        ]
        others = Enrolment.objects.exclude(pk=refused.pk)
        assert set(others.values_list("state", flat=True)) == {Enrolment.State.WAITING}
        refused.refresh_from_db()
        assert refused.state == Enrolment.State.ACTIVE
        assert refused.current_step_key == "hello"
        assert refused.attempts == 1
        assert refused.run_at == START + timedelta(minutes=1)
        assert "could not be stored" in refused.last_error
        assert not StepRun.objects.filter(enrolment=refused).exists()
        assert StepRun.objects.count() == 4

        # Once the outbox takes it, it goes on from the same step, the others untouched.
        monkeypatch.undo()
        clock.move_to(START + timedelta(minutes=1))
        Engine().tick()
        refused.refresh_from_db()
        assert refused.state == Enrolment.State.WAITING
        assert refused.attempts == 0
        assert refused.last_error == ""
        assert OutboundMessage.objects.filter(to_email=REFUSED).count() == 1
        assert StepRun.objects.count() == 5

        clock.move_to(START + timedelta(days=1, minutes=2))
        Engine().tick()
        assert set(Enrolment.objects.values_list("state", flat=True)) == {Enrolment.State.COMPLETED}
        assert OutboundMessage.objects.count() == 10
        assert StepRun.objects.count() == 15
        finished = Activity.objects.filter(kind="workflow.finished", title="Test workflow: finished")
        assert finished.count() == 5


def test_an_email_refused_every_time_fails_only_its_own_enrolment(
    template: Any, refusing_outbox: None
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        workflow = make_workflow([email(template, "hello")])
        refused = enrolment_create(workflow=workflow, contact=ContactFactory(email=REFUSED), trigger="manual")
        other = enrolment_create(workflow=workflow, contact=ContactFactory(), trigger="manual")
        assert refused is not None and other is not None
        for _ in range(MAX_ATTEMPTS):
            Engine().tick()
            refused.refresh_from_db()
            if refused.run_at:
                clock.move_to(refused.run_at)
        other.refresh_from_db()
        assert other.state == Enrolment.State.COMPLETED
        assert refused.state == Enrolment.State.FAILED
        assert "could not be stored" in refused.last_error
        stopped = Activity.objects.get(contact_id=refused.contact_id, kind="workflow.failed")
        assert "could not be stored" in stopped.title
        assert list(StepRun.objects.values_list("enrolment_id", flat=True)) == [other.pk]
