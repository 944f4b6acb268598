"""Deferred jobs: idempotent scheduling, retry with backoff, dead letters and lease recovery."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.core.jobs import (
    LEASE,
    MAX_DELAY_SECONDS,
    backoff_delay,
    job_execute,
    job_schedule,
    jobs_claim_due,
)
from leadline.core.models import Job

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
CALLS: list[dict[str, object]] = []


def record_call(**arguments: object) -> None:
    CALLS.append(arguments)


def always_fails(**arguments: object) -> None:
    raise ConnectionError("mail server said 421 try again later")


@pytest.fixture(autouse=True)
def _forget_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def run_due_jobs() -> list[int]:
    claimed = jobs_claim_due()
    for job_id in claimed:
        job_execute(job_id)
    return claimed


def test_it_returns_the_existing_job_when_the_same_key_is_scheduled_twice(db):
    first = job_schedule(name=f"{__name__}.record_call", arguments={"step": 1}, key="welcome:42")
    second = job_schedule(name=f"{__name__}.record_call", arguments={"step": 2}, key="welcome:42")

    assert second.pk == first.pk
    assert Job.objects.count() == 1
    assert Job.objects.get().arguments == {"step": 1}


def test_it_keeps_jobs_without_a_key_apart(db):
    job_schedule(name=f"{__name__}.record_call")
    job_schedule(name=f"{__name__}.record_call")
    assert Job.objects.count() == 2


def test_it_refuses_to_schedule_a_function_that_does_not_exist(db):
    with pytest.raises(ImportError):
        job_schedule(name=f"{__name__}.no_such_function")
    assert not Job.objects.exists()


def test_it_runs_a_due_job_with_its_arguments_and_marks_it_done(db):
    with time_machine.travel(START, tick=False):
        job = job_schedule(name=f"{__name__}.record_call", arguments={"contact": 7})
        assert run_due_jobs() == [job.pk]

    job.refresh_from_db()
    assert CALLS == [{"contact": 7}]
    assert job.state == Job.State.DONE
    assert job.attempts == 1
    assert job.finished_at == START


def test_it_waits_until_a_job_is_due(db):
    with time_machine.travel(START, tick=False) as traveller:
        job_schedule(name=f"{__name__}.record_call", run_at=START + timedelta(days=3))
        assert run_due_jobs() == []
        traveller.move_to(START + timedelta(days=3))
        assert len(run_due_jobs()) == 1
    assert CALLS == [{}]


def test_it_backs_off_after_a_failure_and_records_the_error(db):
    with time_machine.travel(START, tick=False) as traveller:
        job = job_schedule(name=f"{__name__}.always_fails")
        run_due_jobs()

        job.refresh_from_db()
        assert job.state == Job.State.PENDING
        assert job.attempts == 1
        assert "421 try again later" in job.last_error
        assert START + timedelta(seconds=15) <= job.run_at <= START + timedelta(seconds=30)
        assert run_due_jobs() == [], "a failed job is not retried before its backoff has passed"

        traveller.move_to(job.run_at)
        first_retry_at = job.run_at
        assert run_due_jobs() == [job.pk]
        job.refresh_from_db()
        assert job.attempts == 2
        assert first_retry_at + timedelta(seconds=30) <= job.run_at <= first_retry_at + timedelta(seconds=60)


def test_it_marks_a_job_dead_after_its_last_attempt_and_keeps_the_error(db):
    with time_machine.travel(START, tick=False) as traveller:
        job = job_schedule(name=f"{__name__}.always_fails", max_attempts=3)
        for _ in range(3):
            job.refresh_from_db()
            traveller.move_to(job.run_at)
            assert run_due_jobs() == [job.pk]

        job.refresh_from_db()
        assert job.state == Job.State.DEAD
        assert job.attempts == 3
        assert job.finished_at is not None
        assert "ConnectionError" in job.last_error

        traveller.move_to(START + timedelta(days=30))
        assert run_due_jobs() == [], "a dead job is never picked up again"


def test_it_reclaims_a_job_whose_worker_died_once_the_lease_expires(db):
    with time_machine.travel(START, tick=False) as traveller:
        job = job_schedule(name=f"{__name__}.record_call", arguments={"contact": 9})
        assert jobs_claim_due() == [job.pk]  # the worker that got it dies without finishing

        traveller.move_to(START + LEASE - timedelta(seconds=1))
        assert jobs_claim_due() == [], "a running job is not handed out twice while its lease holds"

        traveller.move_to(START + LEASE + timedelta(seconds=1))
        assert run_due_jobs() == [job.pk]

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert CALLS == [{"contact": 9}]
    assert job.attempts == 2, "the lost run counts as an attempt"


def test_it_gives_up_on_a_job_that_keeps_killing_its_worker(db):
    with time_machine.travel(START, tick=False) as traveller:
        job = job_schedule(name=f"{__name__}.record_call", max_attempts=2)
        jobs_claim_due()
        traveller.shift(LEASE + timedelta(seconds=1))
        assert jobs_claim_due() == [job.pk]
        traveller.shift(LEASE + timedelta(seconds=1))
        assert jobs_claim_due() == []

    job.refresh_from_db()
    assert job.state == Job.State.DEAD
    assert "lease expired" in job.last_error
    assert CALLS == []


def test_it_grows_the_backoff_exponentially_and_caps_it():
    rng = random.Random(2024)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (10, 15360)]:
        ceiling = min(ceiling, MAX_DELAY_SECONDS)
        for _ in range(20):
            delay = backoff_delay(attempts, rng=rng).total_seconds()
            assert ceiling / 2 <= delay <= ceiling

    for attempts in (20, 60, 500):
        delay = backoff_delay(attempts, rng=rng)
        assert timedelta(hours=3) <= delay <= timedelta(seconds=MAX_DELAY_SECONDS)
