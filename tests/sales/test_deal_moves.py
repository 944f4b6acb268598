"""Moving deals between stages: the rules of `deal_move` and what a move records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import LifecycleStage
from leadline.core.access import PermissionDeniedForRole
from leadline.sales.deal_services import deal_move
from leadline.sales.models import DealStageChange, DealStatus, LostReason, Order, OrderSource
from tests.sales.factories import DealFactory, PipelineFactory, stage_named


@pytest.fixture
def deal(sam):
    return DealFactory(owner=sam, stage=stage_named("Qualification"), amount=Decimal("1200.00"))


def deal_events(deal, kind):
    return Activity.objects.filter(kind=kind, data__deal=str(deal.public_id))


def test_it_moves_a_deal_and_records_the_change(deal, sam):
    target = stage_named("Meeting booked")
    moment = timezone.now() + timedelta(days=3)

    with time_machine.travel(moment, tick=False):
        deal_move(deal=deal, stage=target, actor=sam)

    deal.refresh_from_db()
    assert deal.stage == target
    assert deal.status == DealStatus.OPEN
    assert deal.stage_entered_at == moment
    assert deal.last_activity_at == moment
    assert deal.closed_at is None
    change = DealStageChange.objects.get(deal=deal, to_stage=target)
    assert change.from_stage == stage_named("Qualification")
    assert change.actor == sam
    entry = deal_events(deal, Kind.DEAL_CHANGED).get()
    assert entry.contact == deal.contact
    assert entry.data["from_stage"] == "Qualification"
    assert entry.data["to_stage"] == "Meeting booked"


def test_it_refuses_a_stage_of_another_pipeline(deal, sam):
    other = PipelineFactory()

    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=other.stages.get(name="Demo"), actor=sam)

    assert "another pipeline" in error.value.message_dict["stage"][0]
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification")
    assert not DealStageChange.objects.filter(deal=deal).exists()


def test_it_names_the_required_fields_the_deal_lacks(sam):
    deal = DealFactory(owner=sam, amount=None, expected_close_date=None)

    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=stage_named("Negotiation"), actor=sam)

    message = error.value.message_dict["stage"][0]
    assert "amount" in message and "expected close date" in message
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification")


def test_it_lets_a_deal_in_once_the_required_fields_are_there(sam):
    deal = DealFactory(owner=sam, amount=Decimal("10"), expected_close_date=timezone.localdate())

    deal_move(deal=deal, stage=stage_named("Negotiation"), actor=sam)

    deal.refresh_from_db()
    assert deal.stage == stage_named("Negotiation")


def test_it_needs_products_when_the_stage_requires_them(sam):
    pipeline = PipelineFactory()
    stage = pipeline.stages.get(name="Proposal")
    stage.required_fields = ["lines"]
    stage.save()
    deal = DealFactory(pipeline=pipeline, owner=sam)

    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=stage, actor=sam)

    assert "products" in error.value.message_dict["stage"][0]


def test_it_needs_a_reason_to_lose_a_deal(deal, sam):
    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=stage_named("Lost"), actor=sam)

    assert "lost_reason" in error.value.message_dict
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_it_refuses_a_hidden_lost_reason(deal, sam):
    LostReason.objects.filter(key="timing").update(is_active=False)

    with pytest.raises(ValidationError):
        deal_move(deal=deal, stage=stage_named("Lost"), actor=sam, lost_reason="timing")


def test_it_loses_a_deal_with_a_reason(deal, sam):
    deal_move(
        deal=deal, stage=stage_named("Lost"), actor=sam, lost_reason="competitor", lost_comment="Went with X"
    )

    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.closed_at is not None
    assert deal.lost_reason.key == "competitor"
    assert deal.lost_comment == "Went with X"
    lost = deal_events(deal, Kind.DEAL_LOST).get()
    assert lost.data["lost_reason"] == "competitor"
    assert not Order.objects.filter(deal=deal).exists()


def test_it_moves_the_contact_to_customer_when_a_deal_is_won(deal, sam):
    deal_move(deal=deal, stage=stage_named("Won"), actor=sam)

    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert deal.closed_at is not None
    order = Order.objects.get(deal=deal)
    assert order.total == Decimal("1200.00")
    assert order.source == OrderSource.DEAL
    assert order.contact == deal.contact
    deal.contact.refresh_from_db()
    assert deal.contact.lifecycle_stage == LifecycleStage.CUSTOMER
    assert deal_events(deal, Kind.DEAL_WON).count() == 1


def test_it_records_one_order_however_often_a_deal_is_won(deal, sam):
    deal_move(deal=deal, stage=stage_named("Won"), actor=sam)
    deal_move(deal=deal, stage=stage_named("Proposal"), actor=sam)
    deal_move(deal=deal, stage=stage_named("Won"), actor=sam)

    assert Order.objects.filter(deal=deal).count() == 1


def test_it_reopens_a_closed_deal(deal, sam):
    deal_move(deal=deal, stage=stage_named("Lost"), actor=sam, lost_reason="timing")

    deal_move(deal=deal, stage=stage_named("Qualification"), actor=sam)

    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN
    assert deal.closed_at is None
    assert deal.lost_reason is None


def test_it_needs_a_main_contact_to_win(sam):
    deal = DealFactory(owner=sam, contact=None)

    with pytest.raises(ValidationError) as error:
        deal_move(deal=deal, stage=stage_named("Won"), actor=sam)

    assert "contact" in error.value.message_dict["stage"][0]


def test_it_only_reorders_within_the_same_stage(deal, sam):
    deal_move(deal=deal, stage=deal.stage, actor=sam, position=-5)

    deal.refresh_from_db()
    assert deal.position == -5
    assert not DealStageChange.objects.filter(deal=deal).exists()
    assert not deal_events(deal, Kind.DEAL_CHANGED).exists()


def test_it_puts_a_moved_deal_on_top_of_its_new_column(sam):
    target = stage_named("Meeting booked")
    DealFactory(owner=sam, stage=target, position=3)
    deal = DealFactory(owner=sam)

    deal_move(deal=deal, stage=target, actor=sam)

    deal.refresh_from_db()
    assert deal.position == 2


def test_it_refuses_marketing(deal, maria):
    with pytest.raises(PermissionDeniedForRole):
        deal_move(deal=deal, stage=stage_named("Meeting booked"), actor=maria)


def test_it_refuses_a_position_that_is_not_a_number(deal, sam):
    with pytest.raises(ValidationError):
        deal_move(deal=deal, stage=stage_named("Meeting booked"), actor=sam, position="top")  # type: ignore[arg-type]


def test_it_keeps_the_timeline_of_a_deal_without_contact_in_its_stage_history(sam):
    deal = DealFactory(owner=sam, contact=None)

    deal_move(deal=deal, stage=stage_named("Meeting booked"), actor=sam)

    assert DealStageChange.objects.filter(deal=deal).count() == 1
    assert not deal_events(deal, Kind.DEAL_CHANGED).exists()
