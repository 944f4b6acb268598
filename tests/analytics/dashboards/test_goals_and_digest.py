"""Goals show progress from the same numbers as the dashboards; the weekly digest mails each team."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core import mail
from django.urls import reverse

from leadline.accounts.models import User
from leadline.analytics import selectors
from leadline.analytics.digest import digests_send_weekly
from leadline.analytics.goals import goal_progress, period_end
from leadline.analytics.metrics import ReportFilters
from leadline.analytics.models import Goal
from tests.analytics.dashboards.dataset import World
from tests.conftest import client_for


def test_it_measures_a_goal_over_its_period(world: World, alice: User) -> None:
    goal = Goal.objects.create(
        metric="leads", period=Goal.Period.MONTH, period_start=date(2026, 2, 1), target=Decimal(10)
    )
    progress = goal_progress(goal)
    leads = selectors.funnel(ReportFilters(start=date(2026, 2, 1), end=date(2026, 2, 28)))[1].count
    assert (progress.start, progress.end, progress.value) == (date(2026, 2, 1), date(2026, 2, 28), leads)
    assert progress.percent == round(100.0 * leads / 10, 1)


def test_it_counts_revenue_goals_in_their_currency_only(world: World) -> None:
    goal = Goal.objects.create(
        metric="revenue",
        period=Goal.Period.QUARTER,
        period_start=date(2026, 1, 1),
        target=Decimal(1000),
        currency="EUR",
    )
    totals = {
        row["currency"]: row["net"]
        for row in selectors.revenue_totals(ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 31)))
    }
    assert goal_progress(goal).value == totals["EUR"]
    assert period_end(Goal.Period.QUARTER, date(2026, 1, 1)) == date(2026, 3, 31)
    assert period_end(Goal.Period.WEEK, date(2026, 3, 2)) == date(2026, 3, 8)


def test_it_sets_a_goal_and_shows_its_progress_bar(world: World, maria: User) -> None:
    client = client_for(maria)
    response = client.post(
        reverse("analytics:goal_list"),
        {
            "metric": "revenue",
            "period": "month",
            "period_start": "2026-03-01",
            "target": "5000",
            "currency": "usd",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.currency, goal.created_by) == ("USD", maria)
    page = client.get(reverse("analytics:index")).content.decode()
    assert "<progress" in page
    assert "Revenue" in page


def test_it_refuses_a_revenue_goal_without_currency(maria: User) -> None:
    response = client_for(maria).post(
        reverse("analytics:goal_list"),
        {"metric": "revenue", "period": "month", "period_start": "2026-03-01", "target": "5"},
    )
    assert response.status_code == 400
    assert "currency" in response.content.decode()
    assert not Goal.objects.exists()


def test_it_lets_only_the_author_or_an_admin_remove_a_goal(maria: User, sam: User, alice: User) -> None:
    goal = Goal.objects.create(
        metric="leads", period_start=date(2026, 3, 1), target=Decimal(5), created_by=maria
    )
    url = reverse("analytics:goal_delete", args=[goal.public_id])
    assert client_for(sam).post(url).status_code == 404
    assert client_for(alice).post(url).status_code == 302
    assert not Goal.objects.exists()


def test_it_mails_each_team_its_weekly_digest(world: World) -> None:
    sent = digests_send_weekly(week_end=date(2026, 3, 8))
    assert sent == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([world.users[0].email, world.users[1].email])
    assert "Closers" in message.subject
    assert "The shared funnel" in message.body
    week = ReportFilters(start=date(2026, 3, 2), end=date(2026, 3, 8))
    leads = selectors.funnel(week)[1].count
    assert f"Leads: {leads}" in message.body
    html = message.alternatives[0][0]
    assert "<table" in html
