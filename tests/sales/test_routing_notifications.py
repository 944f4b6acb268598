"""The hand-off notifies in the app where it emails: routed, reminded, escalated, each once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from leadline.core.models import Notification
from leadline.sales.handoff_routing import handoffs_route_new_mqls
from leadline.sales.handoff_services import handoffs_escalate_overdue, handoffs_send_reminders
from leadline.sales.models import Handoff
from tests.sales.factories import HandoffFactory, make_mql


def test_the_salesperson_hears_of_a_lead_routed_to_them(sam, routing, tuesday_morning):
    routing.time_zone = "Europe/Berlin"
    routing.save()
    contact = make_mql(first_name="Ada", last_name="Lovelace")

    handoffs_route_new_mqls()

    handoff = Handoff.objects.get(contact=contact)
    notification = Notification.objects.get(user=sam)
    assert notification.kind == "handoff.routed"
    assert notification.title == "New lead for you: Ada Lovelace"
    assert notification.url == "/handoff/"
    # Tuesday 10:00 UTC + 4 working hours, shown in the time zone the working hours are kept in
    assert "Tue 24 Nov, 15:00 (Europe/Berlin)" in notification.body
    assert notification.key == f"handoff.routed:{handoff.public_id}"


def test_a_reminder_and_an_escalation_notify_once_each(sam, alice, routing):
    routing.escalate_to = alice
    routing.save()
    now = timezone.now()
    reminded = HandoffFactory(
        assigned_to=sam, remind_at=now - timedelta(minutes=1), sla_due_at=now + timedelta(hours=1)
    )
    overdue = HandoffFactory(assigned_to=sam, sla_due_at=now - timedelta(minutes=1))

    for minutes in (0, 5, 10):
        handoffs_send_reminders(now=now + timedelta(minutes=minutes))
        handoffs_escalate_overdue(now=now + timedelta(minutes=minutes))

    reminder = Notification.objects.get(user=sam)
    assert reminder.kind == "handoff.reminder"
    assert reminder.title == f"Reminder: {reminded.contact.display_name} is waiting for you"
    escalation = Notification.objects.get(user=alice)
    assert escalation.kind == "handoff.escalated"
    assert escalation.title == f"Hand-off overdue: {overdue.contact.display_name}"
    assert escalation.url == f"/contacts/{overdue.contact.public_id}/"
    assert "Routed to Sam Seller" in escalation.body


def test_the_same_event_never_notifies_twice(sam, tuesday_morning):
    from leadline.sales.handoff_notify import notify_routed

    make_mql()
    handoffs_route_new_mqls()
    handoff = Handoff.objects.get()

    notify_routed(handoff)  # a retry of the same event

    assert Notification.objects.filter(user=sam).count() == 1


def test_nobody_to_escalate_to_means_no_notification(sam, routing):
    HandoffFactory(assigned_to=sam, sla_due_at=timezone.now() - timedelta(minutes=1))

    handoffs_escalate_overdue()

    assert not Notification.objects.exists()


def test_a_bad_time_zone_falls_back_to_utc(sam, routing, tuesday_morning):
    from leadline.sales.models import RoutingSettings

    RoutingSettings.objects.filter(pk=routing.pk).update(time_zone="Mars/Olympus")
    make_mql()

    handoffs_route_new_mqls()

    assert "(UTC)" in Notification.objects.get(user=sam).body
