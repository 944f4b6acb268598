"""Shared goals: a metric's value over a goal's period, and progress towards the target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from leadline.analytics import selectors
from leadline.analytics.metrics import METRIC_BY_KEY, ReportFilters
from leadline.analytics.models import Goal


def period_end(goal_period: str, start: date) -> date:
    if goal_period == Goal.Period.WEEK:
        return start + timedelta(days=6)
    months = 3 if goal_period == Goal.Period.QUARTER else 1
    return _add_months(start, months) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(target_year, target_month, candidate)
        except ValueError:
            continue
    return date(target_year, target_month, 28)


def metric_value(key: str, filters: ReportFilters, *, currency: str = "") -> Decimal | int | float | None:
    """One metric over one window; revenue is net revenue in `currency` only."""
    if key in ("visitors", "sessions", "page_views"):
        return selectors.traffic_totals(filters)[key]
    if key == "new_contacts":
        return sum(row["new_contacts"] for row in selectors.contacts_by_source(filters))
    step = {
        "leads": "lead",
        "mqls": "mql",
        "sqls": "sql",
        "opportunities": "opportunity",
        "customers": "customer",
    }
    if key in step:
        return next(row.count for row in selectors.funnel(filters) if row.key == step[key])
    if key in ("deals_won", "win_rate"):
        figures = selectors.win_figures(filters)
        return figures["won"] if key == "deals_won" else figures["win_rate"]
    if key == "revenue":
        return next(
            (row["net"] for row in selectors.revenue_totals(filters) if row["currency"] == currency),
            Decimal("0.00"),
        )
    raise KeyError(key)


@dataclass
class GoalProgress:
    goal: Goal
    label: str
    start: date
    end: date
    value: Decimal | int | float
    percent: float

    @property
    def capped_percent(self) -> float:
        return min(self.percent, 100.0)

    @property
    def reached(self) -> bool:
        return self.percent >= 100.0


def _goal_filters(goal: Goal, base: ReportFilters | None) -> ReportFilters:
    filters = ReportFilters(
        start=goal.period_start, end=period_end(goal.period, goal.period_start), team_id=goal.team_id
    )
    if base is not None:
        filters = replace(filters, source=base.source, campaign=base.campaign)
    return filters


def _progress(goal: Goal, filters: ReportFilters, value: Decimal | int | float | None) -> GoalProgress:
    value = value or 0
    percent = round(100.0 * float(value) / float(goal.target), 1) if goal.target else 0.0
    metric = METRIC_BY_KEY.get(goal.metric)
    return GoalProgress(
        goal, metric.label if metric else goal.metric, filters.start, filters.end, value, percent
    )


def goal_progress(goal: Goal, *, base: ReportFilters | None = None) -> GoalProgress:
    filters = _goal_filters(goal, base)
    return _progress(goal, filters, metric_value(goal.metric, filters, currency=goal.currency))


def goals_progress(goals: Iterable[Goal], *, base: ReportFilters | None = None) -> list[GoalProgress]:
    """The progress of many goals at once: one grouped query per kind of metric, however many goals
    there are (`selectors.metric_values`); the values are those `goal_progress` finds one by one."""
    goals = list(goals)
    filters = [_goal_filters(goal, base) for goal in goals]
    values = selectors.metric_values(
        [(goal.metric, window, goal.currency) for goal, window in zip(goals, filters, strict=True)]
    )
    return [
        _progress(goal, window, value) for goal, window, value in zip(goals, filters, values, strict=True)
    ]


def goals_current(*, user: Any, on: date, team_id: int | None = None) -> list[GoalProgress]:
    """Goals whose period includes `on`, with their progress."""
    goals = (
        Goal.objects.for_user(user)
        .select_related("team")
        .filter(period_start__lte=on, period_start__gte=on - timedelta(days=93))
    )
    if team_id is not None:
        goals = goals.filter(team_id=team_id)
    current = [
        goal for goal in goals if goal.period_start <= on <= period_end(goal.period, goal.period_start)
    ]
    return goals_progress(current)


def goal_create(
    *,
    actor: Any,
    metric: str,
    period: str,
    period_start: date,
    target: Decimal,
    team: Any = None,
    currency: str = "",
) -> Goal:
    if metric not in METRIC_BY_KEY:
        raise ValueError(f"Unknown metric {metric!r}.")
    with transaction.atomic():
        return Goal.objects.create(
            metric=metric,
            period=period,
            period_start=period_start,
            target=target,
            team=team,
            currency=currency.upper() if metric == "revenue" else "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def goal_delete(*, goal: Goal) -> None:
    goal.delete()
