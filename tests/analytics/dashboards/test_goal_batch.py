"""Goals are measured together: every goal shows the value it would show on its own, and the shared
dashboard asks the database the same number of questions however many goals there are."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadline.accounts.models import User
from leadline.analytics.goals import goal_progress, goals_progress
from leadline.analytics.metrics import METRICS, ReportFilters
from leadline.analytics.models import Goal
from tests.analytics.dashboards.dataset import World
from tests.conftest import client_for

PERIODS = [
    (Goal.Period.WEEK, date(2026, 3, 9)),
    (Goal.Period.MONTH, date(2026, 2, 1)),
    (Goal.Period.MONTH, date(2026, 3, 1)),
    (Goal.Period.QUARTER, date(2026, 1, 1)),
]


def goals_of_every_kind(world: World) -> list[Goal]:
    goals = []
    for number, metric in enumerate(METRICS):
        for index, (period, start) in enumerate(PERIODS):
            goals.append(
                Goal.objects.create(
                    metric=metric.key,
                    period=period,
                    period_start=start,
                    target=Decimal(7 + number),
                    team=world.team if (number + index) % 2 else None,
                    currency=("USD", "EUR")[index % 2] if metric.key == "revenue" else "",
                )
            )
    return goals


def test_it_measures_many_goals_as_it_measures_each(world: World) -> None:
    goals = goals_of_every_kind(world)
    together = goals_progress(goals)
    assert [(item.goal, item.value, item.percent) for item in together] == [
        (goal, goal_progress(goal).value, goal_progress(goal).percent) for goal in goals
    ]
    assert any(item.value for item in together if item.goal.metric == "revenue")
    assert any(item.value for item in together if item.goal.metric == "leads")


def test_it_keeps_the_filters_of_the_page_for_every_goal(world: World) -> None:
    goals = goals_of_every_kind(world)
    base = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 31), source="paid_search")
    assert [item.value for item in goals_progress(goals, base=base)] == [
        goal_progress(goal, base=base).value for goal in goals
    ]


def current_goal(metric: str, world: World, number: int) -> Goal:
    return Goal.objects.create(
        metric=metric,
        period=Goal.Period.MONTH,
        period_start=date(2026, 3, 1),
        target=Decimal(10 + number),
        team=world.team if number % 2 else None,
        currency="USD" if metric == "revenue" else "",
    )


def shared_page_queries(user: User) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("analytics:index"))
    assert response.status_code == 200
    return len(queries)


def test_the_shared_page_asks_the_same_number_of_questions_for_more_goals(world: World, alice: User) -> None:
    for number, metric in enumerate(METRICS):
        current_goal(metric.key, world, number)
    few = shared_page_queries(alice)
    for number, metric in enumerate(METRICS * 3):
        current_goal(metric.key, world, number + 1)
    assert Goal.objects.count() == 4 * len(METRICS)
    assert shared_page_queries(alice) == few


def test_the_goal_list_asks_the_same_number_of_questions_for_more_goals(world: World, alice: User) -> None:
    client = client_for(alice)
    for number, metric in enumerate(METRICS):
        current_goal(metric.key, world, number)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("analytics:goal_list")).status_code == 200
    for number, metric in enumerate(METRICS * 2):
        current_goal(metric.key, world, number + 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("analytics:goal_list"))
    assert response.status_code == 200
    assert len(many) == len(few)
