"""The demo's tasks: a believable "my day" for the admin and each salesperson, seeded once."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import time_machine

from leadline.accounts.models import Role
from leadline.activity.models import Activity, Kind
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.sales.demo_tasks import seed_tasks_demo
from leadline.sales.models import Task
from leadline.sales.task_selectors import my_day
from tests.factories import ContactFactory, UserFactory
from tests.sales.factories import DealFactory


def quiet(_message):
    return None


@time_machine.travel(datetime(2027, 2, 3, 10, 30, tzinfo=UTC), tick=False)
def test_it_plans_a_day_with_overdue_and_due_today_work_once(sam, tess):
    admin = UserFactory(email=DEMO_ADMIN_EMAIL, role=Role.ADMIN)
    for person in (sam, tess):
        for _ in range(6):
            ContactFactory(owner=person)
    DealFactory(owner=sam, contact=ContactFactory(owner=sam))

    seed_tasks_demo(quiet)
    count = Task.objects.count()
    seed_tasks_demo(quiet)

    assert Task.objects.count() == count > 0
    for person in (admin, sam, tess):
        day = my_day(user=person, zone=zoneinfo.ZoneInfo("UTC"))
        assert day.counts["overdue"] >= 2, person
        assert day.counts["today"] >= 2, person
        assert day.counts["upcoming"] >= 3, person
    assert Task.objects.filter(completed_at__isnull=False).exists()
    assert Task.objects.filter(remind_at__isnull=False, reminded_at__isnull=True).exists()
    assert Activity.objects.filter(kind=Kind.CALL_LOGGED).exists()
    assert Activity.objects.filter(kind=Kind.TASK_COMPLETED).exists()


def test_it_skips_quietly_without_people(db):
    messages = []

    seed_tasks_demo(messages.append)

    assert not Task.objects.exists()
    assert messages == ["No demo users for tasks; skipped the tasks demo."]
