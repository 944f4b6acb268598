from datetime import timedelta

from django.core import mail
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.sales.handoff_services import handoffs_escalate_overdue, handoffs_send_reminders
from leadline.sales.models import HandoffState
from tests.sales.factories import HandoffFactory


def test_it_reminds_the_salesperson_once_before_the_deadline(sam):
    now = timezone.now()
    handoff = HandoffFactory(
        assigned_to=sam, remind_at=now - timedelta(minutes=1), sla_due_at=now + timedelta(hours=1)
    )

    assert handoffs_send_reminders(now=now) == 1
    assert handoffs_send_reminders(now=now + timedelta(minutes=5)) == 0

    assert [message.to for message in mail.outbox] == [[sam.email]]
    assert mail.outbox[0].subject.startswith("Reminder:")
    handoff.refresh_from_db()
    assert handoff.reminded_at is not None


def test_it_does_not_remind_before_the_reminder_is_due(sam):
    now = timezone.now()
    HandoffFactory(assigned_to=sam, remind_at=now + timedelta(hours=1), sla_due_at=now + timedelta(hours=2))

    assert handoffs_send_reminders(now=now) == 0
    assert mail.outbox == []


def test_it_escalates_an_overdue_hand_off_once(sam, alice, routing):
    routing.escalate_to = alice
    routing.save()
    now = timezone.now()
    handoff = HandoffFactory(assigned_to=sam, sla_due_at=now - timedelta(minutes=1))

    assert handoffs_escalate_overdue(now=now) == 1
    assert handoffs_escalate_overdue(now=now + timedelta(hours=1)) == 0

    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert "overdue" in mail.outbox[0].subject
    handoff.refresh_from_db()
    assert handoff.escalated_at == now
    assert Activity.objects.filter(contact=handoff.contact, kind="handoff.escalated").count() == 1


def test_it_leaves_decided_hand_offs_alone(sam, alice, routing):
    routing.escalate_to = alice
    routing.save()
    now = timezone.now()
    HandoffFactory(
        assigned_to=sam,
        state=HandoffState.ACCEPTED,
        sla_due_at=now - timedelta(hours=1),
        remind_at=now - timedelta(hours=2),
    )

    assert handoffs_send_reminders(now=now) == 0
    assert handoffs_escalate_overdue(now=now) == 0
    assert mail.outbox == []


def test_it_still_marks_the_breach_when_nobody_is_set_to_receive_escalations(sam):
    now = timezone.now()
    handoff = HandoffFactory(assigned_to=sam, sla_due_at=now - timedelta(minutes=1))

    assert handoffs_escalate_overdue(now=now) == 1

    handoff.refresh_from_db()
    assert handoff.escalated_at is not None
    assert mail.outbox == []
