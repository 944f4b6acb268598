"""The demo workspace: seeded once, with a team, a realistic funnel and half a year of history."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate
from django.db.models import Count
from django.utils import timezone

from leadline.accounts.models import Role, Team, User
from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, ConsentRecord, Contact, CustomProperty
from leadline.core.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, seed_demo


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "companies": Company.objects.count(),
        "contacts": Contact.objects.count(),
        "activities": Activity.objects.count(),
        "consents": ConsentRecord.objects.count(),
        "properties": CustomProperty.objects.count(),
    }


def test_seeding_twice_gives_the_same_workspace(db):
    lines: list[str] = []

    assert seed_demo(echo=lines.append) is True
    first = counts()
    assert seed_demo(echo=lines.append) is False

    assert counts() == first
    assert first["contacts"] == 3000
    assert first["companies"] == 60
    assert any("already seeded" in line for line in lines)


def test_it_creates_the_admin_a_marketer_and_two_sales_teams(db):
    lines: list[str] = []
    seed_demo(echo=lines.append)

    admin = User.objects.get(email=DEMO_ADMIN_EMAIL)
    assert admin.is_admin
    assert authenticate(email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD) == admin
    assert User.objects.filter(role=Role.MARKETING).count() == 1
    teams = {team.name: team.members.filter(role=Role.SALES).count() for team in Team.objects.all()}
    assert teams == {"North": 2, "South": 2}
    printed = "\n".join(lines)
    assert DEMO_PASSWORD in printed
    for user in User.objects.all():
        assert user.email in printed


def test_it_seeds_a_funnel_with_owners_history_and_consent(db):
    seed_demo(echo=lambda line: None)

    stages = dict(Contact.objects.values_list("lifecycle_stage").annotate(total=Count("id")))
    assert stages["subscriber"] + stages["lead"] > 2 * (stages["mql"] + stages["sql"])
    assert stages["mql"] > stages["sql"] > 0
    assert stages["customer"] > 0
    qualified = Contact.objects.filter(lifecycle_stage__in=["sql", "opportunity", "customer", "evangelist"])
    assert not qualified.filter(owner__isnull=True).exists()
    assert Contact.objects.exclude(properties={}).count() > 1000

    oldest = Activity.objects.order_by("occurred_at").first().occurred_at
    assert timezone.now() - timedelta(days=181) < oldest < timezone.now() - timedelta(days=150)
    assert Activity.objects.filter(kind=Kind.CONTACT_CREATED).count() == 3000
    assert Activity.objects.filter(kind=Kind.STAGE_CHANGED).count() > 1000
    assert Activity.objects.filter(kind=Kind.NOTE).exists()
    subscribers = Contact.objects.filter(lifecycle_stage="subscriber")
    assert ConsentRecord.objects.filter(contact__in=subscribers).count() == subscribers.count()
    newest_contact = Contact.objects.order_by("-created_at").first()
    assert newest_contact.last_activity_at >= newest_contact.created_at
