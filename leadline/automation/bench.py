"""`leadline bench workflows`: N enrolments in a three-step drip (email, wait a day, email).

The clock is jumped to the moment every enrolment's first step is due, and the engine runs until
nothing is due; then it is jumped a day on and runs again (the wait ends, the second email goes).
Steps per second count `StepRun` rows over the time the engine ran; the lag of a step is the time
from when it was due to when it ran, with the engine's clock running with the wall clock from the
jump. The baseline, in the same run over the same rows, is a bare loop that claims due rows under
a lease and marks them one step on, three times per row, with no step run and nothing recorded.
Ratio `steps` = Leadline's steps/s ÷ the baseline's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from leadline.core.bench import BenchReport, Echo, Measurement

INSERT_BATCH = 5000
CLAIM_BATCH = 500


def _seed(scale: int, start: datetime) -> Any:
    from leadline.automation.engine import KIND_ENROLLED  # noqa: F401  (the room is importable)
    from leadline.automation.models import Enrolment, Workflow
    from leadline.automation.services import workflow_create, workflow_set_status
    from leadline.contacts.models import Contact
    from leadline.mail.models import SenderIdentity, Template

    SenderIdentity.objects.create(
        from_name="Bench", from_email="bench@example.com", postal_address="1 Bench Road", is_default=True
    )
    first = Template.objects.create(
        name="Drip 1", kind="transactional", subject="Hello", body="Hello {{ first_name }}"
    )
    second = Template.objects.create(name="Drip 2", kind="transactional", subject="Again", body="Hi again")
    workflow = workflow_create(
        actor=None,
        data={"name": "Bench drip", "trigger_type": "manual"},
        steps=[
            {"key": "one", "type": "send_email", "config": {"template": str(first.public_id)}},
            {"key": "wait", "type": "wait", "config": {"mode": "duration", "amount": 1, "unit": "days"}},
            {"key": "two", "type": "send_email", "config": {"template": str(second.public_id)}},
        ],
    )
    workflow_set_status(workflow=workflow, actor=None, status=Workflow.Status.ACTIVE)
    for offset in range(0, scale, INSERT_BATCH):
        size = min(INSERT_BATCH, scale - offset)
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(
                [Contact(email=f"person{offset + n}@bench.example", first_name="Pat") for n in range(size)]
            )
            Enrolment.objects.bulk_create(
                [
                    Enrolment(
                        workflow=workflow,
                        version=workflow.current_version,
                        contact=contact,
                        current_step_key="one",
                        run_at=start,
                        enrolled_at=start,
                        trigger="manual",
                    )
                    for contact in contacts
                ]
            )
    return workflow


def _run_engine(jump: datetime) -> tuple[float, int]:
    """Run until nothing is due, the engine's clock moving with the wall clock from `jump`."""
    from leadline.automation.engine import Engine

    engine = Engine(batch_size=CLAIM_BATCH)
    began = time.perf_counter()
    steps = 0
    while True:
        now = jump + timedelta(seconds=time.perf_counter() - began)
        ids = engine.claim(now)
        if not ids:
            break
        steps += engine.process(ids, now).steps
    return time.perf_counter() - began, steps


def _baseline(workflow: Any, start: datetime) -> tuple[float, int]:
    """Claim due rows under a lease and mark them one step on; each row three times."""
    from leadline.automation.engine import claim_due
    from leadline.automation.models import Enrolment

    Enrolment.objects.filter(workflow=workflow).update(
        state="active", current_step_key="0", run_at=start, lease_owner="", lease_until=None, attempts=0
    )
    began = time.perf_counter()
    marks = 0
    while True:
        now = start + timedelta(seconds=time.perf_counter() - began)
        ids = claim_due(now=now, owner="baseline", limit=CLAIM_BATCH)
        if not ids:
            break
        with transaction.atomic():
            rows = Enrolment.objects.filter(id__in=ids, lease_owner="baseline")
            rows.filter(attempts__lt=2).update(
                attempts=F("attempts") + 1, lease_owner="", lease_until=None, run_at=now
            )
            rows.filter(attempts__gte=2).update(
                state="completed", lease_owner="", lease_until=None, run_at=None
            )
        marks += len(ids)
    return time.perf_counter() - began, marks


def bench_workflows(scale: int, echo: Echo) -> BenchReport:
    from leadline.automation.models import StepRun

    start = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    echo(f"Seeding {scale:,} contacts enrolled in a three-step drip…")
    workflow = _seed(scale, start)
    echo("Jumping the clock: the first emails are due…")
    first_seconds, first_steps = _run_engine(start)
    echo(f"  {first_steps:,} steps in {first_seconds:.1f}s")
    echo("Jumping a day on: the waits end and the second emails are due…")
    # The waits began while the first pass ran: the day is over once that pass's time has passed too.
    second_seconds, second_steps = _run_engine(start + timedelta(days=1, seconds=first_seconds + 1))
    echo(f"  {second_steps:,} steps in {second_seconds:.1f}s")
    steps = first_steps + second_steps
    seconds = first_seconds + second_seconds
    lags = sorted(
        (ran - due).total_seconds()
        for due, ran in StepRun.objects.values_list("due_at", "ran_at").iterator(chunk_size=10_000)
    )
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0
    echo("Baseline: a bare claim-and-mark loop over the same rows…")
    base_seconds, marks = _baseline(workflow, start + timedelta(days=3))
    leadline_rate = steps / seconds if seconds else 0.0
    base_rate = marks / base_seconds if base_seconds else 0.0
    details = [
        f"{steps:,} steps ({scale:,} enrolments × 3) in {seconds:.1f}s; p99 lag {p99:.1f}s from due time",
        f"baseline: {marks:,} claim-and-marks in {base_seconds:.1f}s",
    ]
    return BenchReport(
        workload="workflows",
        scale=scale,
        results={
            "leadline_steps": Measurement(leadline_rate, "steps/s", seconds),
            "leadline_p99_lag": Measurement(p99, "s"),
            "baseline_claim_mark": Measurement(base_rate, "steps/s", base_seconds),
        },
        ratios={"steps": leadline_rate / base_rate if base_rate else 0.0},
        details=details,
    )
