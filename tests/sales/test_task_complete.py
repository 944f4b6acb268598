"""Completing a task with one click: the timeline entry, the sales touch, and undo."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.sales.models import Handoff, HandoffState, Task
from leadline.sales.task_services import task_complete
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, HandoffFactory, TaskFactory

HTMX = {"HX-Request": "true"}


def complete(user, task, data=None, headers=None):
    return client_for(user).post(
        reverse("sales:task_complete", args=[task.public_id]), data or {}, headers=headers or {}
    )


def test_it_marks_the_task_done_and_writes_the_contacts_timeline(sam):
    ada = ContactFactory(owner=sam)
    task = TaskFactory(title="Send the quote", kind="email", assigned_to=sam, contact=ada)

    response = complete(sam, task)

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.completed_at is not None and task.completed_by == sam
    entry = Activity.objects.get(kind=Kind.TASK_COMPLETED)
    assert entry.contact == ada and entry.actor == sam
    assert entry.title == "Email done: Send the quote"
    assert entry.data["task"] == str(task.public_id)


def test_completing_twice_writes_the_timeline_once(sam):
    task = TaskFactory(assigned_to=sam, contact=ContactFactory(owner=sam))

    complete(sam, task)
    complete(sam, task)

    assert Activity.objects.filter(kind=Kind.TASK_COMPLETED).count() == 1


def test_a_task_without_a_contact_writes_no_timeline(sam):
    task = TaskFactory(assigned_to=sam)

    complete(sam, task)

    assert not Activity.objects.filter(kind=Kind.TASK_COMPLETED).exists()


def test_htmx_gets_the_line_back_done_with_an_undo(sam):
    task = TaskFactory(title="Call Ada", assigned_to=sam)

    response = complete(sam, task, {"layout": "item"}, HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "leadline:task-changed"
    assert "is-done" in html
    assert reverse("sales:task_reopen", args=[task.public_id]) in html
    assert "Done: Call Ada" in html


def test_from_my_day_it_also_refreshes_the_counts(sam):
    task = TaskFactory(assigned_to=sam, due_at=timezone.now() - timedelta(hours=1))
    TaskFactory(assigned_to=sam, due_at=timezone.now() - timedelta(hours=2))

    html = complete(sam, task, {"layout": "myday", "scope": "mine"}, HTMX).content.decode()

    assert 'id="myday-counts" hx-swap-oob="true"' in html
    assert '<div class="label">Overdue</div><div class="value">1</div>' in html


def test_from_the_list_it_answers_with_a_table_row(sam):
    task = TaskFactory(assigned_to=sam)

    html = complete(sam, task, {"layout": "row"}, HTMX).content.decode()

    assert html.strip().startswith("<tr")


def test_reopening_undoes_it(sam):
    task = TaskFactory(assigned_to=sam, completed_at=timezone.now(), completed_by=sam)

    response = client_for(sam).post(reverse("sales:task_reopen", args=[task.public_id]), headers=HTMX)

    task.refresh_from_db()
    assert response.status_code == 200
    assert task.completed_at is None and task.completed_by is None
    assert reverse("sales:task_complete", args=[task.public_id]) in response.content.decode()


def test_a_teammate_sees_but_cannot_complete_my_task(sam, tess):
    task = TaskFactory(assigned_to=sam, created_by=sam)

    assert complete(tess, task).status_code == 403
    task.refresh_from_db()
    assert task.completed_at is None


def test_an_outsider_gets_a_404(sam, oscar):
    task = TaskFactory(assigned_to=sam, created_by=sam)
    assert complete(oscar, task).status_code == 404


def test_it_refuses_a_get(sam):
    task = TaskFactory(assigned_to=sam)
    response = client_for(sam).get(reverse("sales:task_complete", args=[task.public_id]))
    assert response.status_code == 405


def test_a_done_call_is_the_leads_first_sales_touch(sam):
    handoff = HandoffFactory(assigned_to=sam, assigned_at=timezone.now() - timedelta(hours=1))
    task = TaskFactory(kind="call", assigned_to=sam, contact=handoff.contact)

    complete(sam, task)

    handoff.refresh_from_db()
    task.refresh_from_db()
    assert handoff.first_touch_at == task.completed_at


def test_a_done_to_do_is_not_a_sales_touch(sam):
    handoff = HandoffFactory(assigned_to=sam, assigned_at=timezone.now() - timedelta(hours=1))
    task = TaskFactory(kind="todo", assigned_to=sam, contact=handoff.contact)

    complete(sam, task)

    handoff.refresh_from_db()
    assert handoff.first_touch_at is None


def test_marketing_completing_a_call_is_not_a_sales_touch(maria):
    handoff = HandoffFactory(state=HandoffState.PENDING, assigned_at=timezone.now() - timedelta(hours=1))
    task = TaskFactory(kind="call", assigned_to=maria, contact=handoff.contact)

    task_complete(task=task, actor=maria)

    assert Handoff.objects.get(pk=handoff.pk).first_touch_at is None


def test_work_on_a_deal_keeps_it_fresh(sam):
    long_ago = timezone.now() - timedelta(days=30)
    deal = DealFactory(owner=sam, last_activity_at=long_ago)
    task = TaskFactory(assigned_to=sam, deal=deal)

    complete(sam, task)

    deal.refresh_from_db()
    assert deal.last_activity_at > long_ago
    assert Task.objects.get(pk=task.pk).completed_at == deal.last_activity_at
