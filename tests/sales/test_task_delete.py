"""Deleting a task, after a confirmation."""

from __future__ import annotations

from django.urls import reverse

from leadline.core.models import AuditEntry
from leadline.sales.models import Task
from tests.conftest import client_for
from tests.sales.factories import TaskFactory


def test_it_asks_before_deleting(sam):
    task = TaskFactory(title="Old follow-up", assigned_to=sam, created_by=sam)

    response = client_for(sam).get(reverse("sales:task_delete", args=[task.public_id]))

    assert response.status_code == 200
    assert "Delete the task “Old follow-up”?" in response.content.decode()
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_detail_page_confirms_in_a_dialog(sam):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    html = client_for(sam).get(reverse("sales:task_detail", args=[task.public_id])).content.decode()

    assert 'data-dialog-open="delete-task"' in html
    assert "This cannot be undone." in html


def test_it_deletes_it(sam):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    response = client_for(sam).post(reverse("sales:task_delete", args=[task.public_id]))

    assert response.status_code == 302
    assert not Task.objects.filter(pk=task.pk).exists()
    assert not AuditEntry.objects.filter(action="task.deleted").exists()


def test_an_admin_deleting_someone_elses_task_leaves_a_trace(alice, oscar):
    task = TaskFactory(title="Oscar's", assigned_to=oscar, created_by=oscar)

    client_for(alice).post(reverse("sales:task_delete", args=[task.public_id]))

    entry = AuditEntry.objects.get(action="task.deleted")
    assert entry.actor == alice and entry.summary == "Oscar's"


def test_a_teammate_cannot_delete_it(sam, tess):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    assert client_for(tess).post(reverse("sales:task_delete", args=[task.public_id])).status_code == 403
    assert Task.objects.filter(pk=task.pk).exists()
