"""Changing a task: its form for the assignee, author and admins; read-only for teammates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from leadline.core.models import Notification
from leadline.sales.models import Task
from leadline.sales.task_services import task_update
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import TaskFactory

NOW = datetime(2027, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(task, **changes):
    data = {"title": task.title, "kind": task.kind, "notes": task.notes, "reminder": ""}
    data.update(changes)
    return data


def edit(user, task, data):
    return client_for(user).post(reverse("sales:task_detail", args=[task.public_id]), data)


def test_the_assignee_changes_the_task(sam):
    task = TaskFactory(title="Call", assigned_to=sam, created_by=sam)

    response = edit(sam, task, form_data(task, title="Call Ada back", kind="call", due_date="2027-05-06"))

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.kind, task.due_all_day) == ("Call Ada back", "call", True)


def test_the_author_may_change_a_task_given_to_someone_else(sam, oscar):
    task = TaskFactory(assigned_to=oscar, created_by=sam)

    assert edit(sam, task, form_data(task, title="Renamed")).status_code == 302


def test_a_teammate_sees_it_read_only(sam, tess):
    task = TaskFactory(title="Sam's call", notes="Bring numbers", assigned_to=sam, created_by=sam)

    response = client_for(tess).get(reverse("sales:task_detail", args=[task.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bring numbers" in html
    assert 'name="title"' not in html
    assert "can change it" in html


def test_a_teammate_cannot_change_it(sam, tess):
    task = TaskFactory(title="Sam's call", assigned_to=sam, created_by=sam)

    response = edit(tess, task, form_data(task, title="Hijacked"))

    assert response.status_code == 403
    task.refresh_from_db()
    assert task.title == "Sam's call"


def test_an_outsider_gets_a_404(sam, oscar):
    task = TaskFactory(assigned_to=sam, created_by=sam)
    assert client_for(oscar).get(reverse("sales:task_detail", args=[task.public_id])).status_code == 404


@pytest.mark.parametrize("task_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_task_is_a_404(sam, task_id):
    assert client_for(sam).get(f"/tasks/{task_id}/").status_code == 404


def test_an_unchanged_reminder_is_kept(sam):
    task = TaskFactory(
        assigned_to=sam,
        due_at=NOW + timedelta(days=1),
        remind_at=NOW + timedelta(days=1, minutes=-15),
    )
    html = client_for(sam).get(reverse("sales:task_detail", args=[task.public_id])).content.decode()
    assert '<option value="15" selected>' in html

    edit(sam, task, form_data(task, due_date="2027-05-05", due_time="09:00", reminder="15", title="Again"))

    task.refresh_from_db()
    assert task.remind_at == NOW + timedelta(days=1, minutes=-15)


def test_an_odd_reminder_time_can_be_kept(sam):
    odd = NOW + timedelta(hours=5, minutes=7)
    task = TaskFactory(assigned_to=sam, due_at=NOW + timedelta(days=1), remind_at=odd)

    edit(sam, task, form_data(task, due_date="2027-05-05", due_time="09:00", reminder="keep"))

    task.refresh_from_db()
    assert task.remind_at == odd


def test_a_new_reminder_time_is_sent_again(sam):
    task = TaskFactory(
        assigned_to=sam, due_at=NOW + timedelta(days=1), remind_at=NOW - timedelta(hours=1), reminded_at=NOW
    )

    edit(sam, task, form_data(task, due_date="2027-05-06", due_time="10:00", reminder="60"))

    task.refresh_from_db()
    assert task.remind_at == datetime(2027, 5, 6, 9, 0, tzinfo=UTC)
    assert task.reminded_at is None


def test_clearing_the_date_clears_it(sam):
    task = TaskFactory(assigned_to=sam, due_at=NOW)

    edit(sam, task, form_data(task, due_date="", due_time=""))

    task.refresh_from_db()
    assert task.due_at is None and not task.due_all_day


def test_reassigning_tells_the_new_assignee(sam, tess, django_capture_on_commit_callbacks):
    task = TaskFactory(title="Demo prep", assigned_to=sam, created_by=sam)

    with django_capture_on_commit_callbacks(execute=True):
        edit(sam, task, form_data(task, assigned_to=str(tess.public_id)))

    assert Task.objects.get(pk=task.pk).assigned_to == tess
    assert Notification.objects.filter(user=tess, kind="task.assigned").count() == 1


def test_the_service_refuses_fields_it_does_not_change(sam):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    with pytest.raises(Exception, match="cannot be changed"):
        task_update(task=task, actor=sam, data={"completed_at": NOW})


def test_the_service_refuses_a_due_time_and_a_due_day_together(sam):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    with pytest.raises(Exception, match="not both"):
        task_update(task=task, actor=sam, data={"due_at": NOW, "due_date": NOW.date()})


def test_unlinking_the_contact(sam):
    task = TaskFactory(assigned_to=sam, contact=ContactFactory(owner=sam))

    edit(sam, task, form_data(task, contact=""))

    task.refresh_from_db()
    assert task.contact is None


def test_a_link_to_a_contact_i_cannot_see_is_kept_when_left_alone(sam, oscar):
    oscars_contact = ContactFactory(owner=oscar, email="lead@oscar.example")
    task = TaskFactory(title="For Sam", assigned_to=sam, created_by=oscar, contact=oscars_contact)

    response = edit(sam, task, form_data(task, title="Done the research", contact="lead@oscar.example"))

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Done the research" and task.contact == oscars_contact
