"""Factories and helpers for hand-off tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_update
from leadline.sales.models import (
    Deal,
    Handoff,
    HandoffState,
    MeetingType,
    Order,
    Pipeline,
    Product,
    Stage,
    Task,
    TaskKind,
)
from leadline.sales.order_services import LineInput, order_create
from tests.factories import ContactFactory


class HandoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handoff

    contact = factory.SubFactory(ContactFactory, lifecycle_stage=LifecycleStage.MQL)
    assigned_at = factory.LazyFunction(timezone.now)
    sla_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
    state = HandoffState.PENDING
    routed_by = "round robin"


def make_mql(contact: Contact | None = None, **fields: Any) -> Contact:
    """A contact moved to MQL the way scoring does it: recorded as a stage change."""
    contact = contact or ContactFactory(**fields)
    return contact_update(
        contact=contact, actor=None, data={"lifecycle_stage": LifecycleStage.MQL}, via="scoring"
    )


# --- Pipelines, deals, products, orders, tasks, meetings ------------------------------------------


def default_pipeline() -> Pipeline:
    """The pipeline seeded by the migrations: Qualification … Won, Lost."""
    return Pipeline.objects.get(is_default=True)


def stage_named(name: str, pipeline: Pipeline | None = None) -> Stage:
    return (pipeline or default_pipeline()).stages.get(name=name)


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")

    @factory.post_generation
    def with_stages(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Three open stages, then Won and Lost, unless `with_stages=False`."""
        if not create or extracted is False:
            return
        for position, (name, kind, probability) in enumerate(
            [
                ("New", "open", 10),
                ("Demo", "open", 40),
                ("Proposal", "open", 70),
                ("Won", "won", 100),
                ("Lost", "lost", 0),
            ],
            start=1,
        ):
            Stage.objects.create(
                pipeline=self, name=name, kind=kind, probability=probability, position=position
            )


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    pipeline = factory.LazyFunction(default_pipeline)
    stage = factory.LazyAttribute(lambda deal: deal.pipeline.stages.filter(kind="open").first())
    contact = factory.SubFactory(ContactFactory)
    amount = Decimal("1000.00")
    currency = "USD"
    stage_entered_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    price = Decimal("100.00")
    currency = "USD"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    kind = TaskKind.TODO
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class MeetingTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingType

    name = "Free 30-minute clarity call"
    slug = factory.Sequence(lambda n: f"clarity-call-{n}")
    duration_minutes = 30


def make_order(contact: Contact, amount: str = "100.00", **kwargs: Any) -> Order:
    """An order through the service, as revenue is really recorded."""
    return order_create(
        contact=contact,
        lines=[LineInput(name="Service", quantity=Decimal(1), unit_price=Decimal(amount))],
        currency=kwargs.pop("currency", "USD"),
        **kwargs,
    )
