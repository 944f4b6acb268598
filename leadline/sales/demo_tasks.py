"""Demo tasks: a realistic "my day" for the demo admin and each salesperson — a few overdue, some
due today (one with a reminder about to fire), the week ahead, undated ones and a few done — plus
calls logged on recent leads. Idempotent: runs once, marked in the audit log."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import Role, User
from leadline.contacts.models import Contact
from leadline.core.demo import DEMO_ADMIN_EMAIL
from leadline.core.models import AuditEntry
from leadline.core.services import audit_record
from leadline.sales.models import Deal, DealStatus, Task, TaskKind
from leadline.sales.task_services import CallOutcome, call_log, task_complete, task_create

MARKER_ACTION = "demo.tasks_seeded"

TITLES = {
    TaskKind.CALL: [
        "Call {first} about the proposal",
        "Follow-up call with {first}",
        "Discovery call: {company}",
        "Check in with {first} after the trial",
    ],
    TaskKind.EMAIL: [
        "Send {first} the case study",
        "Email pricing options to {company}",
        "Answer {first}'s question about onboarding",
        "Send the contract to {first}",
    ],
    TaskKind.MEETING: [
        "Prepare the demo for {company}",
        "Contract review with {first}",
        "Quarterly review: {company}",
    ],
    TaskKind.TODO: [
        "Update the forecast for {company}",
        "Look at {first}'s trial usage",
        "Draft the renewal quote for {company}",
        "Add {first}'s colleagues as contacts",
    ],
}
NOTES = [
    "",
    "",
    "They asked for a discount if they sign before the end of the quarter.",
    "Decision maker is the CFO; bring the ROI numbers.",
    "Mentioned a competitor's offer — ask what they liked about it.",
]


def _people() -> list[User]:
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL, is_active=True)
    sales = User.objects.filter(role=Role.SALES, is_active=True).order_by("email")
    return list(admin) + list(sales)


def _contacts_for(person: User, chooser: random.Random) -> list[Contact]:
    owned = list(Contact.objects.filter(owner=person).order_by("-last_activity_at", "id")[:40])
    if len(owned) < 8:
        owned += list(Contact.objects.filter(owner__isnull=True).order_by("-last_activity_at", "id")[:40])
    chooser.shuffle(owned)
    return owned


def _title(kind: str, contact: Contact | None, chooser: random.Random) -> str:
    template = chooser.choice(TITLES[kind])  # type: ignore[index]
    first = (contact.first_name if contact else "") or "the client"
    company = contact.company.name if contact and contact.company_id and contact.company else "the account"
    return template.format(first=first, company=company)


def _plan(now: datetime) -> list[tuple[str, datetime | None, bool, bool]]:
    """(group, due, all day, done) of one person's tasks, relative to `now`."""
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    plan: list[tuple[str, datetime | None, bool, bool]] = [
        ("overdue", now - timedelta(days=3, hours=2), False, False),
        ("overdue", now - timedelta(days=1), True, False),
        ("overdue", now - timedelta(hours=2), False, False),
        ("today", min(now + timedelta(minutes=40), end_of_day), False, False),
        ("today", min(now + timedelta(hours=3), end_of_day), False, False),
        ("today", now, True, False),
        ("upcoming", now + timedelta(days=1, hours=1), False, False),
        ("upcoming", now + timedelta(days=2), True, False),
        ("upcoming", now + timedelta(days=4, hours=-3), False, False),
        ("upcoming", now + timedelta(days=6), False, False),
        ("no_date", None, False, False),
        ("no_date", None, False, False),
        ("done", now - timedelta(days=1, hours=3), False, True),
        ("done", now - timedelta(days=2), False, True),
    ]
    return plan


def seed_tasks_demo(echo: Callable[[str], object] = print) -> None:
    if AuditEntry.objects.filter(action=MARKER_ACTION).exists():
        return
    people = _people()
    if not people:
        echo("No demo users for tasks; skipped the tasks demo.")
        return
    chooser = random.Random(6)
    now = timezone.now()
    kinds = [TaskKind.CALL, TaskKind.EMAIL, TaskKind.MEETING, TaskKind.TODO, TaskKind.CALL]
    created = 0
    with transaction.atomic():
        for person in people:
            contacts = _contacts_for(person, chooser)
            deals = list(
                Deal.objects.filter(owner=person, status=DealStatus.OPEN).select_related("contact")[:10]
            )
            for index, (group, due, all_day, done) in enumerate(_plan(now)):
                kind = kinds[index % len(kinds)]
                contact = contacts[index % len(contacts)] if contacts and index % 4 != 3 else None
                deal = next((deal for deal in deals if contact and deal.contact_id == contact.pk), None)
                remind_at = None
                if group == "today" and due is not None and not all_day and due > now:
                    remind_at = due - timedelta(minutes=15)
                task = task_create(
                    actor=person,
                    title=_title(kind, contact, chooser),
                    kind=kind,
                    notes=chooser.choice(NOTES),
                    due_at=due if due is not None and not all_day else None,
                    due_date=timezone.localtime(due).date() if due is not None and all_day else None,
                    remind_at=remind_at,
                    contact=contact,
                    deal=deal,
                )
                created += 1
                if done:
                    task_complete(task=task, actor=person, at=due)
            # A couple of calls already made this week, on the timeline.
            for contact in contacts[:2]:
                call_log(
                    contact=contact,
                    actor=person,
                    outcome=chooser.choice([CallOutcome.CONNECTED, CallOutcome.VOICEMAIL]),
                    notes="Talked through their goals for next quarter; sending a proposal.",
                    duration_minutes=chooser.choice([8, 15, 25]),
                    occurred_at=now - timedelta(days=chooser.randint(1, 4), hours=chooser.randint(0, 6)),
                )
        # Tasks created "now" for the past look odd; spread their creation over the last days.
        for task in Task.objects.filter(created_at__gte=now - timedelta(minutes=5)):
            Task.objects.filter(pk=task.pk).update(
                created_at=now - timedelta(days=chooser.randint(3, 12), hours=chooser.randint(0, 8))
            )
        audit_record(actor=None, action=MARKER_ACTION, summary="Demo tasks seeded", tasks=created)
    echo(f"Planned {created} demo tasks for {len(people)} people.")
