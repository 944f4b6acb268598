"""A seeded workspace with every kind of row the dashboards read, written straight to the tables
with chosen timestamps: contacts moving through the lifecycle, visits, hand-offs, deals, orders
with refunds in two currencies, tasks, marketing email and form submissions."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from leadline.accounts.models import Role, Team, User
from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, Source
from leadline.forms.models import Form, FormSubmission
from leadline.mail.models import OutboundMessage
from leadline.sales.models import (
    Deal,
    DealStageChange,
    DealStatus,
    Handoff,
    HandoffState,
    Order,
    OrderLine,
    Pipeline,
    Product,
    RejectionReason,
    Stage,
    Task,
)
from leadline.tracking.models import Site, Visitor
from tests.factories import UserFactory

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
START = datetime(2026, 1, 1, tzinfo=UTC)
STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist"]
SOURCES = [Source.ORGANIC_SEARCH, Source.PAID_SEARCH, Source.EMAIL, Source.REFERRAL, Source.DIRECT]
UTM = [
    ("google", "organic", ""),
    ("google", "cpc", "spring"),
    ("newsletter", "email", "march-digest"),
    ("", "", ""),
]
PATHS = ["/", "/pricing", "/blog/funnel", "/contact"]


@dataclass
class World:
    users: list[User]
    team: Team
    pipeline: Pipeline
    contacts: list[Contact] = field(default_factory=list)


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(0, max(seconds, 1)))


def build_world(seed: int = 7, contacts: int = 90) -> World:
    rng = random.Random(seed)
    team = Team.objects.create(name="Closers")
    users = [
        UserFactory(email=f"seller{number}@leadline.test", role=Role.SALES, first_name=f"Seller{number}")
        for number in range(3)
    ]
    team.members.add(users[0], users[1])
    pipeline = Pipeline.objects.create(name="Direct sales", position=5)
    stage_rows = [
        ("New", "open", 10),
        ("Demo", "open", 50),
        ("Proposal", "open", 80),
        ("Won", "won", 100),
        ("Lost", "lost", 0),
    ]
    stages = [
        Stage.objects.create(
            pipeline=pipeline, name=name, kind=kind, probability=probability, position=position
        )
        for position, (name, kind, probability) in enumerate(stage_rows, start=1)
    ]
    reasons = list(RejectionReason.objects.all()[:3]) or [
        RejectionReason.objects.create(key="not-a-fit", label="Not a fit")
    ]
    products = [
        Product.objects.create(name="Starter", price=Decimal("100.00")),
        Product.objects.create(name="Pro", price=Decimal("250.00")),
    ]
    site = Site.objects.create(name="Website")
    form = Form.objects.create(name="Contact us", slug="contact-us")
    world = World(users, team, pipeline)
    activities: list[Activity] = []

    def views_for(visitor_uuid: uuid.UUID, contact: Contact | None, first: datetime) -> None:
        moment = first
        for _ in range(rng.randint(1, 3)):
            session = uuid.uuid4()
            source, medium, campaign = rng.choice(UTM)
            for index in range(rng.randint(1, 4)):
                activities.append(
                    Activity(
                        kind=Kind.PAGE_VIEW,
                        occurred_at=moment,
                        contact=contact,
                        visitor_id=visitor_uuid,
                        session_id=session,
                        url=f"https://example.test{rng.choice(PATHS)}",
                        source=source if index == 0 else "",
                        medium=medium if index == 0 else "",
                        campaign=campaign if index == 0 else "",
                    )
                )
                moment += timedelta(minutes=rng.randint(1, 9))
            moment += timedelta(hours=rng.randint(5, 200))

    for number in range(contacts):
        created = _moment(rng, START, NOW - timedelta(days=1))
        initial = rng.choice(["subscriber", "lead", "lead", "lead"])
        path = [initial]
        moments = [created]
        target = rng.choice([1, 1, 2, 2, 3, 3, 4, 4, 5, 6])
        moment = created
        rank = STAGES.index(initial)
        while rank < target and moment < NOW:
            rank = min(target, rank + rng.choice([1, 1, 1, 2]))
            moment += timedelta(hours=rng.randint(1, 400))
            if moment >= NOW:
                break
            path.append(STAGES[rank])
            moments.append(moment)
        if rng.random() < 0.05:
            path.append("other")
            moments.append(moment + timedelta(hours=1))
        owner = rng.choice([*users, None])
        contact = Contact.objects.create(
            email=f"person{number}@example.org",
            first_name=f"Person{number}",
            lifecycle_stage=path[-1],
            original_source=rng.choice(SOURCES),
            original_source_detail=rng.choice(["", "spring", "march-digest"]),
            owner=owner,
        )
        Contact.objects.filter(pk=contact.pk).update(created_at=created)
        contact.created_at = created
        world.contacts.append(contact)
        activities.append(Activity(kind=Kind.CONTACT_CREATED, occurred_at=created, contact=contact))
        for before, after, at in zip(path, path[1:], moments[1:], strict=False):
            activities.append(
                Activity(
                    kind=Kind.STAGE_CHANGED,
                    occurred_at=at,
                    contact=contact,
                    data={"from": before, "to": after},
                )
            )
        if rng.random() < 0.8:
            visitor_uuid = uuid.uuid4()
            first_seen = created - timedelta(hours=rng.randint(0, 300))
            Visitor.objects.create(
                site=site,
                visitor_uuid=visitor_uuid,
                first_seen_at=first_seen,
                last_seen_at=created,
                session_id=uuid.uuid4(),
                session_started_at=created,
                contact=contact,
                identified_at=created,
            )
            views_for(visitor_uuid, contact, first_seen)
        reached = dict(zip(path, moments, strict=False))
        mql_at = next((reached[s] for s in ("mql", "sql", "opportunity", "customer") if s in reached), None)
        if mql_at is not None and rng.random() < 0.9:
            assigned = mql_at + timedelta(minutes=rng.randint(1, 90))
            seller = rng.choice(users)
            state = rng.choice(
                [HandoffState.ACCEPTED, HandoffState.ACCEPTED, HandoffState.REJECTED, HandoffState.PENDING]
            )
            decided = (
                assigned + timedelta(hours=rng.randint(1, 10)) if state != HandoffState.PENDING else None
            )
            Handoff.objects.create(
                contact=contact,
                assigned_to=seller,
                assigned_at=assigned,
                sla_due_at=assigned + timedelta(hours=4),
                state=state,
                decided_at=decided,
                rejection_reason=rng.choice([*reasons, None]) if state == HandoffState.REJECTED else None,
                first_touch_at=assigned + timedelta(minutes=rng.randint(5, 600))
                if rng.random() < 0.7
                else None,
            )
            if state == HandoffState.REJECTED and rng.random() < 0.5 and decided is not None:
                Handoff.objects.create(
                    contact=contact,
                    assigned_to=seller,
                    assigned_at=decided + timedelta(days=rng.randint(1, 20)),
                    sla_due_at=decided + timedelta(days=30),
                    state=HandoffState.ACCEPTED,
                    decided_at=decided + timedelta(days=30),
                )
        if "opportunity" in reached or "customer" in reached:
            opened = reached.get("opportunity") or reached["customer"]
            currency = rng.choice(["USD", "EUR"])
            won = "customer" in reached
            lost = not won and rng.random() < 0.4
            final = stages[3] if won else stages[4] if lost else rng.choice(stages[:3])
            closed = (
                (reached.get("customer") or opened + timedelta(days=rng.randint(1, 20)))
                if (won or lost)
                else None
            )
            deal = Deal.objects.create(
                pipeline=pipeline,
                stage=final,
                name=f"Deal {number}",
                contact=contact,
                owner=rng.choice([*users, None]),
                amount=Decimal(rng.choice([500, 1200, 2500, 999])) if rng.random() < 0.9 else None,
                currency=currency,
                expected_close_date=(opened + timedelta(days=rng.randint(5, 80))).date()
                if rng.random() < 0.9
                else None,
                status=DealStatus.WON if won else DealStatus.LOST if lost else DealStatus.OPEN,
                stage_entered_at=opened,
                last_activity_at=opened,
                closed_at=closed,
            )
            Deal.objects.filter(pk=deal.pk).update(created_at=opened)
            at = opened
            previous = None
            walk = [stages[0]]
            for stage in stages[1:3]:
                if (stage.position <= final.position or final.kind != "open") and rng.random() < 0.8:
                    walk.append(stage)
            if final not in walk:
                walk.append(final)
            for stage in walk:
                DealStageChange.objects.create(deal=deal, from_stage=previous, to_stage=stage, changed_at=at)
                previous = stage
                at += timedelta(hours=rng.randint(2, 300))
            if won:
                lines = [
                    (rng.choice(products), Decimal(rng.choice([100, 250, 40])))
                    for _ in range(rng.randint(1, 2))
                ]
                total = sum((amount for _, amount in lines), Decimal(0))
                refunded = Decimal(rng.choice([0, 0, 0, 40])) if total >= 40 else Decimal(0)
                order = Order.objects.create(
                    contact=contact,
                    deal=deal,
                    number=f"ORD-{number:05d}",
                    ordered_at=closed or opened,
                    currency=currency,
                    total=total,
                    refunded_total=refunded,
                )
                for product, amount in lines:
                    OrderLine.objects.create(
                        order=order, product=product, name=product.name, unit_price=amount, total=amount
                    )
        if rng.random() < 0.3:
            FormSubmission.objects.create(
                form=form, contact=contact, dedupe_key=uuid.uuid4().hex, email=contact.email or ""
            )
            FormSubmission.objects.filter(form=form, contact=contact).update(created_at=created)
        if rng.random() < 0.5:
            sent = _moment(rng, START, NOW)
            OutboundMessage.objects.create(
                key=f"campaign:{number}",
                contact=contact,
                to_email=contact.email or "",
                message_id=f"<{uuid.uuid4()}@leadline.test>",
                state=OutboundMessage.State.SENT,
                not_before=sent,
                sent_at=sent,
                opened_at=sent + timedelta(hours=2) if rng.random() < 0.5 else None,
                clicked_at=sent + timedelta(hours=3) if rng.random() < 0.2 else None,
            )
    for _ in range(25):
        visitor_uuid = uuid.uuid4()
        views_for(visitor_uuid, None, _moment(rng, START, NOW))
    for number in range(8):
        task = Task.objects.create(
            title=f"Call back {number}",
            assigned_to=rng.choice(users),
            due_at=NOW + timedelta(days=rng.randint(-10, 10)),
        )
        if number % 3 == 0:
            Task.objects.filter(pk=task.pk).update(completed_at=NOW - timedelta(days=1))
    Activity.objects.bulk_create(activities)
    return world


def as_utc(value: Any) -> Any:
    """A datetime read by a raw cursor (text on SQLite), as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
