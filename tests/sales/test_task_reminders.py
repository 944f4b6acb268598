"""Task reminders: an email and an in-app notification to the assignee, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from leadline.core.models import Notification
from leadline.core.scheduler import PERIODIC, run_periodic
from leadline.sales import task_jobs
from leadline.sales.models import Task
from leadline.sales.task_jobs import tasks_send_reminders
from tests.factories import ContactFactory
from tests.sales.factories import TaskFactory

NOW = datetime(2027, 9, 1, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def due_reminder(user, **fields):
    defaults = {"due_at": NOW + timedelta(minutes=15), "remind_at": NOW - timedelta(minutes=1)}
    return TaskFactory(assigned_to=user, **{**defaults, **fields})


def test_it_emails_and_notifies_the_assignee(sam, mailoutbox):
    sam.time_zone = "Europe/Paris"
    sam.save(update_fields=["time_zone"])
    task = due_reminder(sam, title="Call Ada", contact=ContactFactory(first_name="Ada", last_name="L"))

    assert tasks_send_reminders() == 1

    [message] = mailoutbox
    assert message.to == [sam.email]
    assert message.subject == "Reminder: Call Ada"
    assert "Due Wednesday 1 September 2027 at 15:15 (CEST)." in message.body  # Paris time
    assert "Contact: Ada L" in message.body
    assert f"/tasks/{task.public_id}/" in message.body
    notification = Notification.objects.get(user=sam)
    assert (notification.kind, notification.key) == ("task.due", f"task-reminder:{task.public_id}")
    task.refresh_from_db()
    assert task.reminded_at == NOW


def test_it_sends_each_reminder_once(sam, mailoutbox):
    due_reminder(sam)

    tasks_send_reminders()
    tasks_send_reminders()

    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_it_waits_for_the_reminder_time(sam, mailoutbox):
    due_reminder(sam, remind_at=NOW + timedelta(minutes=5))

    assert tasks_send_reminders() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    "fields",
    [
        {"completed_at": NOW},
        {"remind_at": None},
        {"reminded_at": NOW - timedelta(hours=1)},
    ],
)
def test_it_skips_tasks_that_need_no_reminder(sam, mailoutbox, fields):
    due_reminder(sam, **fields)

    assert tasks_send_reminders() == 0
    assert mailoutbox == []


def test_nobody_and_people_who_left_get_nothing(sam, mailoutbox):
    due_reminder(None)
    sam.is_active = False
    sam.save()
    due_reminder(sam)

    assert tasks_send_reminders() == 0
    assert mailoutbox == []


def test_a_failed_email_is_tried_again_without_a_second_notification(sam, mailoutbox, monkeypatch):
    task = due_reminder(sam)

    def refuse(self, messages):
        raise OSError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(mail.backends.locmem.EmailBackend, "send_messages", refuse)
        assert tasks_send_reminders() == 0
    task.refresh_from_db()
    assert task.reminded_at is None

    assert tasks_send_reminders() == 1
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(user=sam).count() == 1


def test_it_works_through_many_reminders_in_batches(sam, mailoutbox, monkeypatch):
    monkeypatch.setattr(task_jobs, "BATCH_SIZE", 7)
    for _ in range(30):
        due_reminder(sam)

    assert tasks_send_reminders() == 30
    assert len(mailoutbox) == 30
    assert not Task.objects.filter(reminded_at__isnull=True).exists()


def test_a_run_stops_after_its_batches(sam, mailoutbox, monkeypatch):
    monkeypatch.setattr(task_jobs, "BATCH_SIZE", 5)
    monkeypatch.setattr(task_jobs, "MAX_BATCHES", 2)
    for _ in range(12):
        due_reminder(sam)

    assert tasks_send_reminders() == 10
    assert tasks_send_reminders() == 2


def test_a_day_only_task_says_its_day(sam, mailoutbox):
    due_reminder(sam, due_at=datetime(2027, 9, 2, 12, 0, tzinfo=UTC), due_all_day=True)

    tasks_send_reminders()

    assert "Due on Thursday 2 September 2027." in mailoutbox[0].body


def test_the_scheduler_runs_it_every_minute(sam, mailoutbox):
    due_reminder(sam)
    name = "leadline.sales.task_jobs.send_task_reminders"

    assert PERIODIC[name].every == timedelta(minutes=1)
    run_periodic.call(name)

    assert len(mailoutbox) == 1
