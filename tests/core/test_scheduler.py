"""The scheduler tick: periodic functions once per interval, due jobs to the workers, heartbeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.core import scheduler
from leadline.core.jobs import job_schedule
from leadline.core.models import Heartbeat, Job, PeriodicRun

START = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
RUNS: list[datetime] = []
JOB_CALLS: list[str] = []


def send_digest() -> None:
    from django.utils import timezone

    RUNS.append(timezone.now())


def deliver(*, what: str) -> None:
    JOB_CALLS.append(what)


@pytest.fixture
def digest_every_five_minutes(monkeypatch):
    RUNS.clear()
    name = f"{__name__}.send_digest"
    monkeypatch.setitem(
        scheduler.PERIODIC,
        name,
        scheduler.Periodic(name=name, every=timedelta(minutes=5), function=send_digest),
    )
    yield name
    RUNS.clear()


def test_it_runs_a_periodic_function_once_per_interval(db, digest_every_five_minutes):
    with time_machine.travel(START, tick=False) as traveller:
        scheduler.tick()
        scheduler.tick()
        assert RUNS == [START], "two ticks inside one interval run it once"

        traveller.move_to(START + timedelta(minutes=4, seconds=59))
        scheduler.tick()
        assert len(RUNS) == 1

        traveller.move_to(START + timedelta(minutes=5))
        scheduler.tick()
        assert [START, START + timedelta(minutes=5)] == RUNS

    assert PeriodicRun.objects.get(name=digest_every_five_minutes).last_run_at == START + timedelta(minutes=5)


def test_it_remembers_the_last_run_across_a_restart(db, digest_every_five_minutes):
    # The previous scheduler process ran it a minute ago, then was restarted.
    PeriodicRun.objects.create(name=digest_every_five_minutes, last_run_at=START - timedelta(minutes=1))
    with time_machine.travel(START, tick=False):
        scheduler.tick()
    assert RUNS == []


def test_it_hands_due_jobs_to_the_workers_and_leaves_later_ones(db, settings):
    JOB_CALLS.clear()
    settings.LEADLINE_DIGEST_DAY = "sunday"  # START is a Monday at 8: keep the weekly digest's job out
    with time_machine.travel(START, tick=False):
        due = job_schedule(name=f"{__name__}.deliver", arguments={"what": "welcome"})
        later = job_schedule(
            name=f"{__name__}.deliver", arguments={"what": "follow-up"}, run_at=START + timedelta(days=2)
        )
        result = scheduler.tick()

    assert result["jobs"] == 1
    assert JOB_CALLS == ["welcome"]
    assert Job.objects.get(pk=due.pk).state == Job.State.DONE
    assert Job.objects.get(pk=later.pk).state == Job.State.PENDING


def test_it_records_a_heartbeat_for_itself_and_for_the_worker(db):
    with time_machine.travel(START, tick=False):
        scheduler.tick()

    beats = {beat.process: beat for beat in Heartbeat.objects.all()}
    assert beats["scheduler"].seen_at == START
    assert beats["worker"].seen_at == START, "the tick enqueues a task that proves a worker serves the queue"

    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        scheduler.tick()
    assert Heartbeat.objects.get(process="scheduler").seen_at == START + timedelta(minutes=1)
    assert Heartbeat.objects.count() == 2
