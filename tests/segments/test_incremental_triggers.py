"""The incremental pass follows each tree's triggers: deal moves, orders and refunds, static list
changes and property edits re-evaluate the contacts concerned; new events under a behaviour
condition only add members, unless the condition is negated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, PropertyType
from leadline.sales.models import Deal, Order
from leadline.segments.models import SegmentMembership
from leadline.segments.services import segment_create, static_list_add
from leadline.segments.tasks import rebuild_clock_segments
from leadline.segments.updates import segments_update
from tests.factories import ActivityFactory, ContactFactory, CustomPropertyFactory
from tests.sales.factories import DealFactory, make_order, stage_named

pytestmark = pytest.mark.django_db


def member_emails(segment) -> set[str]:
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact__email", flat=True))


def move(deal: Deal, stage_name: str) -> None:
    """A deal move as the sales room records it: the stage, and a timeline entry on the contact."""
    deal.stage = stage_named(stage_name)
    deal.save(update_fields=["stage", "updated_at"])
    activity_record(kind=Kind.DEAL_CHANGED, contact=deal.contact, title="Stage changed", data={})


def page_view(contact: Contact, url: str, **extra) -> None:
    ActivityFactory(contact=contact, kind=Kind.PAGE_VIEW, url=url, occurred_at=timezone.now(), **extra)


def test_a_deal_moving_in_and_out_of_a_stage_moves_its_contact(maria):
    deal = DealFactory(contact=ContactFactory(email="ann@example.org"), stage=stage_named("Qualification"))
    proposal = stage_named("Proposal")
    segment = segment_create(
        user=maria,
        name="Proposals",
        definition={"field": "deal", "op": "in_stage", "value": str(proposal.public_id)},
    )
    segments_update()

    move(deal, "Proposal")
    entered = segments_update()
    assert member_emails(segment) == {"ann@example.org"}
    assert entered.evaluated == {"Proposals": 1} and entered.entered == 1

    move(deal, "Qualification")
    left = segments_update()
    assert member_emails(segment) == set()
    assert left.left == 1


def test_an_order_adds_its_contact_and_a_refund_can_take_it_out_again(maria):
    buyer = ContactFactory(email="buyer@example.org")
    bought = segment_create(user=maria, name="Bought", definition={"field": "placed_order", "op": "any"})
    big = segment_create(
        user=maria, name="Big spenders", definition={"field": "revenue", "op": "gte", "value": 500}
    )
    segments_update()

    order = make_order(buyer, "800.00")
    segments_update()
    assert member_emails(bought) == member_emails(big) == {"buyer@example.org"}

    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal("400.00"))
    activity_record(kind=Kind.ORDER_REFUNDED, contact=buyer, title="Partly refunded", data={})
    report = segments_update()

    assert member_emails(big) == set()
    assert member_emails(bought) == {"buyer@example.org"}  # a refund does not unplace an order
    assert report.evaluated == {"Big spenders": 1}


def test_adding_to_a_static_list_updates_segments_built_on_it(maria):
    guest = ContactFactory(email="guest@example.org", score=90)
    guests = segment_create(user=maria, name="Guests", kind="static")
    hot_guests = segment_create(
        user=maria,
        name="Hot guests",
        definition={
            "and": [
                {"field": "member_of", "op": "in", "value": str(guests.public_id)},
                {"field": "score", "op": "gte", "value": 50},
            ]
        },
    )
    segments_update()

    static_list_add(segment=guests, contact_ids=[guest.pk])
    segments_update()

    assert member_emails(hot_guests) == {"guest@example.org"}


def test_a_multiple_choice_property_change_is_picked_up(maria):
    CustomPropertyFactory(key="interests", type=PropertyType.MULTI_CHOICE, choices=["seo", "ads"])
    lead = ContactFactory(email="lead@example.org", properties={"interests": ["seo"]})
    segment = segment_create(
        user=maria,
        name="Ads people",
        definition={"field": "property:interests", "op": "contains_any", "value": ["ads"]},
    )
    segments_update()

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        lead.properties = {"interests": ["seo", "ads"]}
        lead.save()
        segments_update()

    assert member_emails(segment) == {"lead@example.org"}


def test_new_events_only_look_at_contacts_not_yet_in_the_segment(maria):
    member, newcomer = ContactFactory(email="member@example.org"), ContactFactory(email="new@example.org")
    page_view(member, "https://example.com/docs/api")
    segment = segment_create(
        user=maria, name="Docs readers", definition={"field": "visited", "op": "contains", "value": "/docs"}
    )
    segments_update()

    page_view(member, "https://example.com/docs/more")
    page_view(newcomer, "https://example.com/docs/start")
    page_view(newcomer, "https://example.com/pricing")  # matches no trigger of the tree
    report = segments_update()

    assert report.evaluated == {"Docs readers": 1}
    assert member_emails(segment) == {"member@example.org", "new@example.org"}


def test_a_negated_behaviour_condition_can_remove_members(maria):
    ContactFactory(email="curious@example.org")
    browsing = Contact.objects.get()
    segment = segment_create(
        user=maria,
        name="Never saw pricing",
        definition={"not": {"field": "visited", "op": "contains", "value": "/pricing"}},
    )
    segments_update()
    assert member_emails(segment) == {"curious@example.org"}

    page_view(browsing, "https://example.com/pricing")
    report = segments_update()

    assert member_emails(segment) == set()
    assert report.left == 1


def test_expiry_of_a_window_is_left_to_the_periodic_rebuild(maria):
    lead = ContactFactory(email="lead@example.org")
    segment = segment_create(
        user=maria,
        name="Opened this week",
        definition={"field": "email_opened", "op": "any", "within_days": 7},
    )
    segments_update()
    ActivityFactory(contact=lead, kind=Kind.EMAIL_OPENED, occurred_at=timezone.now())
    segments_update()
    assert member_emails(segment) == {"lead@example.org"}

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        ActivityFactory(contact=ContactFactory(), kind=Kind.PAGE_VIEW, occurred_at=timezone.now())
        segments_update()
        assert member_emails(segment) == {"lead@example.org"}
        rebuild_clock_segments()

    assert member_emails(segment) == set()


def test_a_deleted_deal_is_caught_by_the_periodic_rebuild(maria):
    deal = DealFactory(contact=ContactFactory(email="ann@example.org"))
    segment = segment_create(user=maria, name="Open deals", definition={"field": "deal", "op": "any_open"})
    assert member_emails(segment) == {"ann@example.org"}

    deal.delete()
    rebuild_clock_segments()

    assert member_emails(segment) == set()


def test_a_settled_behaviour_condition_still_needs_the_rest_of_the_tree(maria):
    hot, cold = (
        ContactFactory(email="hot@example.org", score=80),
        ContactFactory(email="cold@example.org", score=10),
    )
    segment = segment_create(
        user=maria,
        name="Hot docs readers",
        definition={
            "and": [
                {"field": "visited", "op": "contains", "value": "/docs"},
                {"field": "score", "op": "gte", "value": 50},
            ]
        },
    )
    segments_update()

    page_view(hot, "https://example.com/docs/api")
    page_view(cold, "https://example.com/docs/api")
    report = segments_update()

    assert member_emails(segment) == {"hot@example.org"}
    assert report.evaluated == {"Hot docs readers": 2}
    entered = Activity.objects.get(kind="segment.entered", contact=hot)
    assert entered.public_id.version == 7 and entered.data["name"] == "Hot docs readers"
