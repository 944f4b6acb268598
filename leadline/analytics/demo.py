"""Demo data for the reports: rollups built from the seeded rows, and a few shared goals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from leadline.accounts.models import Role, Team, User
from leadline.analytics.brand import brand_terms, brand_terms_update
from leadline.analytics.forms import today
from leadline.analytics.goals import goal_create
from leadline.analytics.models import Goal
from leadline.analytics.rollups import rollups_rebuild


def seed_analytics_demo(echo: Callable[[str], object] = print) -> None:
    """Build the rollups (the worker keeps them current afterwards) and set a few goals once."""
    result = rollups_rebuild()
    echo(
        f"Reports: {result['sessions']:,} visits and the funnel milestones of {result['contacts']:,} contacts "
        "folded into the rollups."
    )
    if Goal.objects.exists():
        return
    author = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    if not brand_terms():
        brand_terms_update(actor=author, terms="Leadline")
        echo("Reports: brand term “Leadline” set, so searches for it count as branded.")
    first_of_month = today().replace(day=1)
    quarter_start = first_of_month.replace(month=3 * ((first_of_month.month - 1) // 3) + 1)
    team = Team.objects.order_by("name").first()
    with transaction.atomic():
        goal_create(
            actor=author,
            metric="leads",
            period=Goal.Period.MONTH,
            period_start=first_of_month,
            target=Decimal(60),
        )
        goal_create(
            actor=author,
            metric="sqls",
            period=Goal.Period.MONTH,
            period_start=first_of_month,
            target=Decimal(15),
        )
        goal_create(
            actor=author,
            metric="revenue",
            period=Goal.Period.QUARTER,
            period_start=quarter_start,
            target=Decimal(50_000),
            currency="USD",
            team=team,
        )
        goal_create(
            actor=author,
            metric="deals_won",
            period=Goal.Period.WEEK,
            period_start=today() - timedelta(days=today().weekday()),
            target=Decimal(3),
        )
    echo("Reports: four shared goals set (leads, SQLs, revenue, deals won).")
