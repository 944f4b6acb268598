"""Who sees and changes which task (TaskQuerySet)."""

from __future__ import annotations

from leadline.sales.models import Task
from tests.factories import UserFactory
from tests.sales.factories import TaskFactory


def visible(user):
    return set(Task.objects.for_user(user).values_list("title", flat=True))


def editable(user):
    return set(Task.objects.for_user(user, for_edit=True).values_list("title", flat=True))


def test_admins_see_and_change_every_task(alice, sam, oscar):
    TaskFactory(title="Sam's", assigned_to=sam, created_by=sam)
    TaskFactory(title="Oscar's", assigned_to=oscar, created_by=oscar)

    assert visible(alice) == editable(alice) == {"Sam's", "Oscar's"}


def test_salespeople_see_their_teams_tasks_and_change_their_own(sam, tess, oscar):
    TaskFactory(title="Sam's", assigned_to=sam, created_by=sam)
    TaskFactory(title="Tess's", assigned_to=tess, created_by=tess)
    TaskFactory(title="Oscar's", assigned_to=oscar, created_by=oscar)
    TaskFactory(title="Given to Oscar by Sam", assigned_to=oscar, created_by=sam)

    assert visible(sam) == {"Sam's", "Tess's", "Given to Oscar by Sam"}
    assert editable(sam) == {"Sam's", "Given to Oscar by Sam"}
    assert visible(oscar) == {"Oscar's", "Given to Oscar by Sam"}


def test_marketing_has_tasks_of_its_own(maria, sam):
    TaskFactory(title="Maria's", assigned_to=maria, created_by=maria)
    TaskFactory(title="Sam's", assigned_to=sam, created_by=sam)

    assert visible(maria) == editable(maria) == {"Maria's"}


def test_people_who_left_see_nothing(sam):
    TaskFactory(title="Sam's", assigned_to=sam, created_by=sam)
    sam.is_active = False
    sam.save()

    assert visible(sam) == set()


def test_an_unassigned_task_stays_with_its_author(sam):
    TaskFactory(title="Orphan", assigned_to=None, created_by=sam)
    other = UserFactory()

    assert visible(sam) == {"Orphan"}
    assert visible(other) == set()
