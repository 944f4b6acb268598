"""Demo deals: a few dozen believable deals across the stages of the default pipeline and a small
partnerships pipeline — some fresh, some rotting, some won (with their orders), some lost with a
reason — made through the services, then spread over the past weeks. Idempotent: does nothing once
any deal exists."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from leadline.accounts.models import Role, User
from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, LifecycleStage
from leadline.sales.deal_services import deal_create, deal_move, deal_note_add
from leadline.sales.models import Deal, DealStageChange, Order, Pipeline, Product, StageKind
from leadline.sales.pipeline_services import pipeline_create

PARTNER_PIPELINE = "Partnerships"

# (deal name, [(sku, quantity)] or an amount, final stage, lost reason key)
MAIN_DEALS: list[tuple[str, Any, str, str]] = [
    ("Growth plan for the marketing team", [("GROWTH-YR", 1), ("ONBOARD-WS", 1)], "Qualification", ""),
    ("Starter plan trial", [("STARTER-MO", 12)], "Qualification", ""),
    ("SEO audit", [("SEO-AUDIT", 1)], "Qualification", ""),
    ("Website relaunch", Decimal("8400"), "Qualification", ""),
    ("Team training", [("TRAIN-DAY", 2)], "Qualification", ""),
    ("Landing pages for the spring campaign", [("LANDING", 3), ("ADS-MGMT", 6)], "Meeting booked", ""),
    ("Move from the old CRM", [("GROWTH-YR", 1), ("DATA-MIG", 1)], "Meeting booked", ""),
    ("Content retainer", [("CONTENT-4", 6)], "Meeting booked", ""),
    ("Priority support upgrade", [("SUPPORT-PRI", 12)], "Meeting booked", ""),
    ("Annual plan renewal", [("GROWTH-YR", 2)], "Meeting booked", ""),
    ("Onboarding and migration", [("ONBOARD-WS", 1), ("DATA-MIG", 1)], "Proposal", ""),
    ("Ad management, two markets", [("ADS-MGMT", 12)], "Proposal", ""),
    ("Growth plan, five seats", [("GROWTH-MO", 12), ("SUPPORT-PRI", 12)], "Proposal", ""),
    ("Brand refresh", Decimal("12500"), "Proposal", ""),
    ("Enterprise pilot", Decimal("24000"), "Negotiation", ""),
    ("Content and landing bundle", [("CONTENT-4", 2), ("LANDING", 2)], "Negotiation", ""),
    ("Three-year agreement", [("GROWTH-YR", 3)], "Negotiation", ""),
    ("SEO audit and content", [("SEO-AUDIT", 1), ("CONTENT-4", 2)], "Won", ""),
    ("Growth plan, annual", [("GROWTH-YR", 1), ("ONBOARD-WS", 1)], "Won", ""),
    ("Training for the sales team", [("TRAIN-DAY", 1)], "Won", ""),
    ("Campaign landing page", [("LANDING", 1), ("ADS-MGMT", 3)], "Won", ""),
    ("Data migration", [("DATA-MIG", 1)], "Won", ""),
    ("Starter to growth upgrade", [("GROWTH-MO", 12)], "Won", ""),
    ("Full marketing retainer", Decimal("18000"), "Lost", "no-budget"),
    ("Switch from competitor", [("GROWTH-YR", 1), ("DATA-MIG", 1)], "Lost", "competitor"),
    ("Website and ads", [("LANDING", 2), ("ADS-MGMT", 6)], "Lost", "no-decision"),
    ("Workshop series", [("TRAIN-DAY", 3)], "Lost", "timing"),
    ("Small shop starter", [("STARTER-MO", 12)], "Lost", "not-a-fit"),
]
PARTNER_DEALS: list[tuple[str, Any, str, str]] = [
    ("Reseller agreement", Decimal("30000"), "New", ""),
    ("Agency referral programme", Decimal("6000"), "Qualified", ""),
    ("Integration partnership", Decimal("15000"), "Proposal", ""),
    ("Regional distributor", Decimal("42000"), "Won", ""),
    ("Co-marketing with a consultancy", Decimal("5000"), "Lost", "no-decision"),
]
NOTES = [
    "Call went well: they want a proposal by **Friday**.",
    "Decision maker is the COO; the marketing lead is our champion.",
    "Asked for a case study from a company of their size.",
    "Budget is approved for next quarter.",
]


def _lines(spec: Any, products: dict[str, Product]) -> tuple[list[dict[str, Any]], Decimal | None]:
    if isinstance(spec, Decimal):
        return [], spec
    lines = [{"product": products[sku], "quantity": quantity} for sku, quantity in spec if sku in products]
    if lines:
        return lines, None
    return [], Decimal(sum(quantity for _sku, quantity in spec) * 500)


def _path(pipeline: Pipeline, final: str) -> list[Any]:
    """The stages a deal goes through to reach `final`: the open ones before it, then it."""
    stages = list(pipeline.stages.order_by("position"))
    target = next(stage for stage in stages if stage.name == final)
    if target.kind == StageKind.OPEN:
        return [
            stage for stage in stages if stage.kind == StageKind.OPEN and stage.position <= target.position
        ]
    opens = [stage for stage in stages if stage.kind == StageKind.OPEN]
    # Won deals went all the way; lost ones usually fell out after the first meetings.
    return [*(opens if target.kind == StageKind.WON else opens[:2]), target]


def _backdate(deal: Deal, created_days_ago: int, idle_days: int, rng: random.Random) -> None:
    """Spread the deal's history over the past weeks: creation, each move, the last touch."""
    now = timezone.now()
    created = now - timedelta(days=created_days_ago, hours=rng.randint(0, 8))
    last = now - timedelta(days=idle_days, hours=rng.randint(0, 5))
    changes = list(DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id"))
    step = (last - created) / max(len(changes), 1)
    moments = [created + step * index for index in range(len(changes))]
    for change, moment in zip(changes, moments, strict=True):
        DealStageChange.objects.filter(pk=change.pk).update(changed_at=moment)
    entered = moments[-1] if moments else created
    closed = entered if deal.closed_at else None
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created, stage_entered_at=entered, last_activity_at=max(last, entered), closed_at=closed
    )
    events = list(Activity.objects.filter(data__deal=str(deal.public_id)).order_by("id"))
    for index, event in enumerate(events):
        moment = moments[min(index, len(moments) - 1)] if moments else created
        Activity.objects.filter(pk=event.pk).update(occurred_at=moment)
    if closed is not None:
        for order in Order.objects.filter(deal=deal):
            Order.objects.filter(pk=order.pk).update(ordered_at=closed)
            Activity.objects.filter(kind=Kind.ORDER_PLACED, data__order=str(order.public_id)).update(
                occurred_at=closed
            )
    if deal.contact_id:
        # The stage moves the deal caused (opportunity when it was opened, customer when it was won)
        # happened then, not now.
        just_now = Activity.objects.filter(
            contact_id=deal.contact_id, kind=Kind.STAGE_CHANGED, occurred_at__gte=now - timedelta(minutes=10)
        )
        just_now.filter(data__via="deal").update(occurred_at=created)
        if closed is not None:
            just_now.filter(data__via="order").update(occurred_at=closed)


def _partner_pipeline(admin: User | None) -> Pipeline:
    existing = Pipeline.objects.filter(name=PARTNER_PIPELINE).first()
    if existing is not None:
        return existing
    return pipeline_create(
        actor=admin, data={"name": PARTNER_PIPELINE, "currency": "EUR", "rotting_days": 30}
    )


def seed_deals_demo(echo: Callable[[str], object] = print) -> None:
    if Deal.objects.exists():
        return
    sellers = list(User.objects.filter(role=Role.SALES, is_active=True).order_by("id"))
    if not sellers:
        echo("No salespeople to own demo deals; skipped the deals demo.")
        return
    default = Pipeline.objects.filter(is_default=True).first()
    if default is None:
        echo("No default pipeline; skipped the deals demo.")
        return
    rng = random.Random(11)
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
    products = {product.sku: product for product in Product.objects.active() if product.sku}
    wanted = len(MAIN_DEALS) + len(PARTNER_DEALS)
    stages_first = [LifecycleStage.SQL, LifecycleStage.OPPORTUNITY, LifecycleStage.MQL, LifecycleStage.LEAD]
    contacts: list[Contact] = []
    for lifecycle in stages_first:
        if len(contacts) >= wanted:
            break
        contacts += list(
            Contact.objects.filter(lifecycle_stage=lifecycle)
            .select_related("company")
            .order_by("id")[:wanted]
        )
    if not contacts:
        echo("No demo contacts; skipped the deals demo.")
        return
    partners = _partner_pipeline(admin)
    plan = [(default, spec) for spec in MAIN_DEALS] + [(partners, spec) for spec in PARTNER_DEALS]
    made = 0
    with transaction.atomic():
        for index, (pipeline, (name, spec, final, reason)) in enumerate(plan):
            contact = contacts[index % len(contacts)]
            owner = (
                contact.owner if contact.owner and contact.owner.role == Role.SALES else rng.choice(sellers)
            )
            lines, amount = _lines(spec, products)
            path = _path(pipeline, final)
            deal = deal_create(
                actor=owner,
                data={
                    "pipeline": pipeline,
                    "stage": path[0],
                    "name": f"{contact.company.name}: {name}" if contact.company else name,
                    "contact": contact,
                    "owner": owner,
                    "amount": amount,
                    "lines": lines,
                    "currency": pipeline.currency,
                    "expected_close_date": timezone.localdate() + timedelta(days=rng.randint(-10, 75)),
                },
            )
            for stage in path[1:]:
                deal_move(deal=deal, stage=stage, actor=owner, lost_reason=reason or None)
            if index % 7 == 2:
                deal_note_add(deal=deal, author=owner, body=NOTES[index % len(NOTES)])
            # Every fifth open deal has been left alone for longer than the pipeline's rotting days.
            if index % 5 == 1 and not deal.closed_at:
                created_days_ago = rng.randint(pipeline.rotting_days + 10, pipeline.rotting_days + 60)
                idle = rng.randint(pipeline.rotting_days + 3, created_days_ago - 2)
            else:
                created_days_ago = rng.randint(12, 75)
                idle = rng.randint(1, 10) if deal.closed_at else rng.randint(0, 6)
            _backdate(deal, created_days_ago, min(idle, created_days_ago), rng)
            made += 1
    echo(f"Created {made} demo deals in {Pipeline.objects.count()} pipelines.")
