"""The "my day" queue: overdue, today, the next seven days and undated tasks, with the hand-offs
waiting for acceptance in the same queue by their SLA due time."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from leadline.sales.models import HandoffState
from leadline.sales.task_selectors import my_day
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import HandoffFactory, TaskFactory

# 11:00 in New York on Wednesday 24 March 2027 (15:00 UTC).
NOW = datetime(2027, 3, 24, 15, 0, tzinfo=UTC)
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sam_in_new_york(sam):
    sam.time_zone = "America/New_York"
    sam.save(update_fields=["time_zone"])
    return sam


def titles(day, key):
    group = next(group for group in day.groups if group.key == key)
    return [
        item.task.title if item.task else f"handoff:{item.handoff.contact.first_name}" for item in group.items
    ]


def noon(day):
    return datetime(2027, 3, day, 12, 0, tzinfo=UTC)


def test_it_groups_my_open_tasks_by_when_they_are_due_in_my_time_zone(sam_in_new_york, tess, oscar):
    sam = sam_in_new_york
    TaskFactory(title="Late this morning", assigned_to=sam, due_at=datetime(2027, 3, 24, 14, 0, tzinfo=UTC))
    TaskFactory(title="Tonight in New York", assigned_to=sam, due_at=datetime(2027, 3, 25, 2, 0, tzinfo=UTC))
    TaskFactory(title="Yesterday, any time", assigned_to=sam, due_at=noon(23), due_all_day=True)
    TaskFactory(title="Today, any time", assigned_to=sam, due_at=noon(24), due_all_day=True)
    TaskFactory(title="Friday", assigned_to=sam, due_at=datetime(2027, 3, 26, 15, 0, tzinfo=UTC))
    TaskFactory(title="In three weeks", assigned_to=sam, due_at=NOW + timedelta(days=21))
    TaskFactory(title="Someday", assigned_to=sam, due_at=None)
    TaskFactory(title="Already done", assigned_to=sam, due_at=NOW, completed_at=NOW)
    TaskFactory(title="Tess's", assigned_to=tess, due_at=NOW + timedelta(hours=1))
    TaskFactory(title="Oscar's", assigned_to=oscar, due_at=NOW + timedelta(hours=1))

    day = my_day(user=sam, zone=NEW_YORK)

    assert titles(day, "overdue") == ["Yesterday, any time", "Late this morning"]
    assert titles(day, "today") == ["Today, any time", "Tonight in New York"]
    assert titles(day, "upcoming") == ["Friday"]
    assert titles(day, "no_date") == ["Someday"]
    assert day.counts == {"overdue": 2, "today": 2, "upcoming": 1, "no_date": 1}


def test_it_puts_waiting_hand_offs_in_the_queue_by_their_sla(sam_in_new_york, oscar):
    sam = sam_in_new_york
    TaskFactory(title="Call at noon", assigned_to=sam, due_at=NOW + timedelta(hours=1))
    HandoffFactory(assigned_to=sam, contact__first_name="Soon", sla_due_at=NOW + timedelta(minutes=30))
    HandoffFactory(assigned_to=sam, contact__first_name="Breached", sla_due_at=NOW - timedelta(hours=1))
    HandoffFactory(assigned_to=sam, contact__first_name="Monday", sla_due_at=NOW + timedelta(days=2))
    HandoffFactory(assigned_to=sam, contact__first_name="Decided", state=HandoffState.ACCEPTED)
    HandoffFactory(assigned_to=oscar, contact__first_name="Oscars")

    day = my_day(user=sam, zone=NEW_YORK)

    assert titles(day, "overdue") == ["handoff:Breached"]
    assert titles(day, "today") == ["handoff:Soon", "Call at noon"]
    assert titles(day, "upcoming") == ["handoff:Monday"]
    assert (day.handoffs_waiting, day.handoffs_overdue) == (3, 1)


def test_my_teams_day_shows_my_teammates_tasks_but_not_outsiders(sam, tess, oscar):
    TaskFactory(title="Mine", assigned_to=sam, due_at=NOW + timedelta(hours=1))
    TaskFactory(title="Tess's", assigned_to=tess, due_at=NOW + timedelta(hours=2))
    TaskFactory(title="Oscar's", assigned_to=oscar, due_at=NOW + timedelta(hours=2))

    assert titles(my_day(user=sam, scope="team"), "today") == ["Mine", "Tess's"]
    assert titles(my_day(user=sam, scope="mine"), "today") == ["Mine"]


def test_only_admins_see_everyones_day(sam, alice, oscar):
    TaskFactory(title="Oscar's", assigned_to=oscar, due_at=NOW + timedelta(hours=2))

    assert titles(my_day(user=alice, scope="all"), "today") == ["Oscar's"]
    assert my_day(user=sam, scope="all").scope == "mine"


def test_the_page_shows_counts_groups_and_links(sam_in_new_york):
    sam = sam_in_new_york
    task = TaskFactory(title="Late this morning", assigned_to=sam, due_at=NOW - timedelta(hours=1))
    handoff = HandoffFactory(
        assigned_to=sam, contact__first_name="Waiting", sla_due_at=NOW + timedelta(hours=3)
    )

    response = client_for(sam).get(reverse("sales:my_day"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Wednesday 24 March" in html
    assert html.count('id="myday-counts"') == 1
    assert "Overdue" in html and "Leads waiting" in html
    assert reverse("sales:task_complete", args=[task.public_id]) in html
    assert f'id="handoff-{handoff.public_id}"' in html
    assert "Accept or send back Waiting" in html
    assert reverse("sales:queue") in html
    assert "Today, 10:00" in html  # 14:00 UTC is 10:00 in New York


def test_the_page_shows_an_empty_state(sam):
    html = client_for(sam).get(reverse("sales:my_day")).content.decode()
    assert "All clear" in html


def test_an_unknown_scope_falls_back_to_mine(sam, tess):
    TaskFactory(title="Tess's", assigned_to=tess, due_at=NOW + timedelta(hours=1))

    response = client_for(sam).get(reverse("sales:my_day") + "?scope=<script>")

    assert response.status_code == 200
    assert "Tess&#x27;s" not in response.content.decode()


def test_it_offers_everyone_only_to_admins(sam, alice):
    assert "?scope=all" not in client_for(sam).get(reverse("sales:my_day")).content.decode()
    assert "?scope=all" in client_for(alice).get(reverse("sales:my_day")).content.decode()


def test_it_loads_in_a_constant_number_of_queries(sam, django_assert_max_num_queries):
    for hours in range(-20, 40, 2):
        TaskFactory(assigned_to=sam, due_at=NOW + timedelta(hours=hours), contact=ContactFactory(owner=sam))
        HandoffFactory(assigned_to=sam, sla_due_at=NOW + timedelta(hours=hours))
    TaskFactory.create_batch(10, assigned_to=sam, due_at=None)
    client = client_for(sam)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("sales:my_day"))

    assert response.content.decode().count("data-task-row") == 70
