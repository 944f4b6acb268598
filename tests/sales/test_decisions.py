from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.contacts.models import LifecycleStage
from leadline.sales.handoff_routing import handoffs_route_new_mqls
from leadline.sales.handoff_services import handoff_accept, handoff_reject, handoffs_recycle_due
from leadline.sales.models import Handoff, HandoffState, RejectionReason
from tests.sales.factories import HandoffFactory, make_mql


def test_it_makes_an_accepted_lead_a_sales_qualified_lead(sam):
    handoff = HandoffFactory(assigned_to=sam, contact__owner=sam)

    handoff_accept(handoff=handoff, actor=sam)

    handoff.refresh_from_db()
    handoff.contact.refresh_from_db()
    assert handoff.state == HandoffState.ACCEPTED
    assert handoff.decided_by == sam
    assert handoff.first_touch_at is not None
    assert handoff.contact.lifecycle_stage == LifecycleStage.SQL
    assert Activity.objects.filter(contact=handoff.contact, kind="handoff.accepted").exists()


def test_it_never_moves_a_contact_backwards_on_accept(sam):
    handoff = HandoffFactory(assigned_to=sam, contact__lifecycle_stage=LifecycleStage.OPPORTUNITY)

    handoff_accept(handoff=handoff, actor=sam)

    handoff.contact.refresh_from_db()
    assert handoff.contact.lifecycle_stage == LifecycleStage.OPPORTUNITY


def test_it_sends_a_rejected_lead_back_to_marketing_with_a_recycle_date(sam, routing):
    handoff = HandoffFactory(assigned_to=sam, contact__owner=sam)

    handoff_reject(handoff=handoff, actor=sam, reason="no-budget", comment="Budget frozen until Q3")

    handoff.refresh_from_db()
    contact = handoff.contact
    contact.refresh_from_db()
    assert handoff.state == HandoffState.REJECTED
    assert handoff.rejection_reason.label == "No budget"
    assert handoff.comment == "Budget frozen until Q3"
    assert handoff.recycle_at - handoff.decided_at == timedelta(days=90)
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    assert contact.owner is None
    entry = Activity.objects.get(contact=contact, kind="handoff.rejected")
    assert entry.title == "Sent back to marketing: No budget"
    assert entry.data["comment"] == "Budget frozen until Q3"


def test_it_refuses_an_unknown_or_hidden_reason_and_changes_nothing(sam):
    handoff = HandoffFactory(assigned_to=sam, contact__owner=sam)
    RejectionReason.objects.filter(key="duplicate").update(is_active=False)

    for reason in ("no-such-reason", "duplicate", "", None, "user__password"):
        with pytest.raises(ValidationError):
            handoff_reject(handoff=handoff, actor=sam, reason=reason)

    handoff.refresh_from_db()
    handoff.contact.refresh_from_db()
    assert handoff.state == HandoffState.PENDING
    assert handoff.contact.lifecycle_stage == LifecycleStage.MQL


def test_it_refuses_an_overlong_comment(sam):
    handoff = HandoffFactory(assigned_to=sam)

    with pytest.raises(ValidationError):
        handoff_reject(handoff=handoff, actor=sam, reason="not-a-fit", comment="x" * 2001)


def test_it_lets_only_the_assigned_salesperson_or_an_admin_decide(sam, oscar, maria, alice):
    handoff = HandoffFactory(assigned_to=sam)

    for outsider in (oscar, maria):
        with pytest.raises(PermissionDenied):
            handoff_accept(handoff=handoff, actor=outsider)

    handoff_accept(handoff=handoff, actor=alice)
    handoff.refresh_from_db()
    assert handoff.decided_by == alice


def test_it_refuses_to_decide_twice(sam):
    handoff = HandoffFactory(assigned_to=sam)
    handoff_accept(handoff=handoff, actor=sam)

    with pytest.raises(ValidationError):
        handoff_reject(handoff=handoff, actor=sam, reason="not-a-fit")


def test_it_holds_a_rejected_lead_until_its_recycle_date(sam, tess, tuesday_morning):
    contact = make_mql()
    handoffs_route_new_mqls()
    first = Handoff.objects.get(contact=contact)
    handoff_reject(handoff=first, actor=first.assigned_to, reason="wrong-timing")

    make_mql(contact)  # scoring qualifies it again straight away
    handoffs_route_new_mqls()
    assert Handoff.objects.filter(contact=contact).count() == 1

    tuesday_morning.shift(timedelta(days=91))
    handoffs_recycle_due()

    first.refresh_from_db()
    assert first.state == HandoffState.RECYCLED
    assert Handoff.objects.filter(contact=contact, state=HandoffState.PENDING).count() == 1


def test_it_recycles_without_routing_when_the_lead_did_not_requalify(sam):
    handoff = HandoffFactory(assigned_to=sam)
    handoff_reject(handoff=handoff, actor=sam, reason="wrong-timing")

    handoffs_recycle_due(now=timezone.now() + timedelta(days=91))

    handoff.refresh_from_db()
    assert handoff.state == HandoffState.RECYCLED
    assert not Handoff.objects.filter(state=HandoffState.PENDING).exists()
