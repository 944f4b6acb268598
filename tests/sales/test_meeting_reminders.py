"""Reminders before a meeting: sent once per meeting time, never for cancelled or past meetings,
due again after the guest moves the meeting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from leadline.core.scheduler import PERIODIC, _load_periodic_modules
from leadline.sales.meeting_services import meeting_cancel, meeting_reschedule, meetings_remind_due
from tests.sales.meeting_support import TUESDAY_10AM, availability_for, book, meeting_type_for, sent_to

REMINDER_DUE = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # an hour before the 14:00 meeting


@pytest.fixture
def traveller():
    with time_machine.travel(TUESDAY_10AM, tick=False) as travelling:
        yield travelling


@pytest.fixture
def meeting(sam, traveller):
    availability_for(sam)
    return book(meeting_type_for(sam, reminder_minutes=60))


def run_reminders(capture) -> int:
    with capture(execute=True):
        return meetings_remind_due()


def test_it_reminds_the_guest_once_when_due(
    meeting, traveller, mailoutbox, django_capture_on_commit_callbacks
):
    assert run_reminders(django_capture_on_commit_callbacks) == 0
    traveller.move_to(REMINDER_DUE)

    first = run_reminders(django_capture_on_commit_callbacks)
    second = run_reminders(django_capture_on_commit_callbacks)

    meeting.refresh_from_db()
    assert (first, second) == (1, 0)
    assert meeting.reminded_at == REMINDER_DUE
    [reminder] = sent_to("ada@example.org")
    assert reminder.subject.startswith("Reminder: Free 30-minute clarity call")
    assert "Wednesday 25 November 2026, 14:00–14:30 (Europe/London)" in reminder.body
    assert "/meet/reschedule/" in reminder.body


def test_it_does_not_remind_about_cancelled_meetings(
    meeting, traveller, mailoutbox, django_capture_on_commit_callbacks
):
    meeting_cancel(meeting=meeting, actor=None)
    traveller.move_to(REMINDER_DUE)
    mailoutbox.clear()

    assert run_reminders(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_it_does_not_remind_once_the_meeting_has_started(
    meeting, traveller, django_capture_on_commit_callbacks
):
    traveller.move_to(meeting.starts_at + timedelta(minutes=1))

    assert run_reminders(django_capture_on_commit_callbacks) == 0


def test_it_reminds_again_for_the_new_time_after_a_move(
    meeting, traveller, mailoutbox, django_capture_on_commit_callbacks
):
    traveller.move_to(REMINDER_DUE)
    run_reminders(django_capture_on_commit_callbacks)

    meeting_reschedule(meeting=meeting, start="2026-11-26T15:00:00Z")
    traveller.move_to(datetime(2026, 11, 26, 14, 0, tzinfo=UTC))
    mailoutbox.clear()

    assert run_reminders(django_capture_on_commit_callbacks) == 1
    assert len(sent_to("ada@example.org")) == 1


def test_a_reminder_made_stale_by_a_cancellation_is_not_sent(meeting, traveller, mailoutbox):
    from leadline.core.jobs import job_execute, jobs_claim_due

    traveller.move_to(REMINDER_DUE)
    meetings_remind_due()  # scheduled, not yet sent (the commit hook did not run)
    meeting_cancel(meeting=meeting, actor=None)
    mailoutbox.clear()

    for job_id in jobs_claim_due():
        job_execute(job_id)

    assert [message.subject.split(":")[0] for message in mailoutbox] == ["Cancelled", "Cancelled"]


def test_the_scheduler_runs_the_reminders_every_minute():
    _load_periodic_modules()

    entry = PERIODIC["leadline.sales.meeting_jobs.remind_meeting_guests"]

    assert entry.every == timedelta(minutes=1)
