"""A thousand enrolments with waits from a minute to seven days, the worker restarted and crashing
between claim and completion: every step runs exactly once, never before it is due, and within a
minute of it (the scheduler ticks every 30 seconds here, and a lost lease lasts 30 seconds)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, StepRun
from leadline.automation.services import enrolment_create
from leadline.mail.models import OutboundMessage
from tests.automation.factories import email, make_workflow, wait
from tests.factories import ContactFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TICK = timedelta(seconds=30)
WAITS = [(1, "minutes"), (7, "minutes"), (1, "hours"), (5, "hours"), (1, "days"), (3, "days"), (7, "days")]


def _next_tick(now: datetime) -> datetime:
    """The first tick moment (on the 30-second grid) at or after the next due row."""
    due = (
        Enrolment.objects.filter(state__in=("active", "waiting"))
        .order_by("run_at")
        .values_list("run_at", flat=True)
        .first()
    )
    leased = (
        Enrolment.objects.filter(lease_until__gt=now)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    candidates = [moment for moment in (due, leased) if moment is not None]
    if not candidates:
        return now
    target = max(min(candidates), now + timedelta(microseconds=1))
    offset = (target - START) % TICK
    return target if not offset else target + (TICK - offset)


def test_it_runs_every_step_exactly_once_on_time_through_restarts_and_crashes(template: Any) -> None:
    rng = random.Random(7)
    with time_machine.travel(START, tick=False) as clock:
        workflows = [
            make_workflow(
                [email(template, "hello"), wait(amount, unit, "pause"), email(template, "after")],
                name=f"{amount} {unit}",
            )
            for amount, unit in WAITS
        ]
        contacts = ContactFactory.create_batch(1000)
        for number, contact in enumerate(contacts):
            enrolment_create(workflow=workflows[number % len(workflows)], contact=contact, trigger="manual")
        engine = Engine(batch_size=150)
        now = START
        crashes = restarts = 0
        crashed_last_round = False
        for _round in range(5000):
            if not Enrolment.objects.filter(state__in=("active", "waiting")).exists():
                break
            roll = rng.random()
            if roll < 0.1 and not crashed_last_round:
                # The worker claims a batch and dies before finishing it: nothing of it is kept.
                engine.claim(now)
                engine = Engine(batch_size=150)
                crashes += 1
                crashed_last_round = True
                engine.tick(now=now)
                now = _next_tick(now)
                clock.move_to(now)
                continue
            crashed_last_round = False
            if roll < 0.3:
                engine = Engine(batch_size=150)  # a restart between ticks
                restarts += 1
            engine.tick(now=now)
            now = _next_tick(now)
            clock.move_to(now)

        assert crashes and restarts
        assert not Enrolment.objects.exclude(state="completed").exists()
        runs = list(StepRun.objects.select_related("enrolment"))
        assert len(runs) == 3000  # three steps each, none repeated (the table is unique per step)
        assert OutboundMessage.objects.count() == 2000
        lengths = {
            workflow.pk: timedelta(**{unit: amount})
            for workflow, (amount, unit) in zip(workflows, WAITS, strict=True)
        }
        for run in runs:
            enrolled = run.enrolment.enrolled_at
            intended = enrolled if run.step_key == "hello" else enrolled + lengths[run.workflow_id]
            assert run.ran_at >= intended, "a step ran before it was due"
            assert run.ran_at - intended <= timedelta(minutes=1), "a step ran late"
            assert run.due_at <= run.ran_at
        assert timezone.now() >= START + timedelta(days=7)
