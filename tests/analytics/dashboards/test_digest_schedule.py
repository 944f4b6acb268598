"""The weekly digest goes out once a week on the chosen weekday and hour, whenever the scheduler started."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from leadline.accounts.models import Team, User
from leadline.analytics.digest import digest_due, digests_schedule
from leadline.core.jobs import job_execute, jobs_claim_due
from leadline.core.models import Job

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(settings: Any) -> Any:
    settings.TIME_ZONE = "Europe/Berlin"
    settings.LEADLINE_DIGEST_DAY = "monday"
    settings.LEADLINE_DIGEST_HOUR = 8
    return settings


def test_the_digest_of_last_week_is_due_on_monday_at_eight_local_time(berlin: Any) -> None:
    # Sunday 23:30 in Berlin is still the week being counted: its digest is due a week later.
    week_end, due = digest_due(datetime(2026, 3, 8, 22, 30, tzinfo=UTC))
    assert (week_end, due) == (date(2026, 3, 1), datetime(2026, 3, 2, 8, tzinfo=BERLIN))

    week_end, due = digest_due(datetime(2026, 3, 8, 23, 30, tzinfo=UTC))  # Monday 00:30 in Berlin
    assert (week_end, due) == (date(2026, 3, 8), datetime(2026, 3, 9, 8, tzinfo=BERLIN))


def test_another_weekday_and_hour_can_be_chosen(berlin: Any) -> None:
    berlin.LEADLINE_DIGEST_DAY = "friday"
    berlin.LEADLINE_DIGEST_HOUR = 16

    week_end, due = digest_due(datetime(2026, 3, 11, 12, tzinfo=UTC))  # a Wednesday

    assert (week_end, due) == (date(2026, 3, 8), datetime(2026, 3, 13, 16, tzinfo=BERLIN))


def test_hourly_scheduling_sends_each_week_once_on_its_day(berlin: Any, maria: User) -> None:
    team = Team.objects.create(name="Growth")
    team.members.add(maria)

    def tick(moment: datetime) -> int:
        with time_machine.travel(moment, tick=False):
            digests_schedule()
            return sum(job_execute(job) is not None for job in jobs_claim_due())

    # Monday 06:00 and 07:00 Berlin: recorded, not yet due; 08:00 sends; later ticks send nothing.
    assert tick(datetime(2026, 3, 9, 5, tzinfo=UTC)) == 0
    assert tick(datetime(2026, 3, 9, 6, tzinfo=UTC)) == 0
    assert tick(datetime(2026, 3, 9, 7, tzinfo=UTC)) == 1
    assert tick(datetime(2026, 3, 9, 8, tzinfo=UTC)) == 0
    assert tick(datetime(2026, 3, 12, 8, tzinfo=UTC)) == 0

    assert len(mail.outbox) == 1
    assert "2 Mar – 08 Mar" in mail.outbox[0].subject
    assert Job.objects.filter(key="analytics.digest:2026-03-08", state=Job.State.DONE).count() == 1

    # The next Monday brings the next week's digest.
    assert tick(datetime(2026, 3, 16, 7, 5, tzinfo=UTC)) == 1
    assert len(mail.outbox) == 2
    assert "09 Mar – 15 Mar" in mail.outbox[1].subject


def test_a_digest_missed_by_more_than_a_day_is_not_sent_late(berlin: Any, maria: User) -> None:
    Team.objects.create(name="Growth").members.add(maria)

    with time_machine.travel(datetime(2026, 3, 11, 12, tzinfo=UTC), tick=False):  # Wednesday
        assert digests_schedule() is False
        assert jobs_claim_due() == []

    assert mail.outbox == []
