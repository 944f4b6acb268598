"""Contacts leave a workflow when they unsubscribe, become customers or meet its goal; a deleted
contact's enrolments are gone and nothing more runs for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment
from leadline.automation.services import enrolment_create
from leadline.contacts.services import contact_delete
from leadline.mail.models import OutboundMessage, Unsubscribe
from tests.automation.factories import email, make_workflow, wait
from tests.factories import ContactFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _drip(template: Any, **settings: Any) -> Any:
    return make_workflow([email(template, "a"), wait(1, "days", "w"), email(template, "b")], **settings)


def test_it_stops_for_unsubscribes_customers_goals_and_deleted_contacts(template: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        workflow = _drip(
            template, exit_on_customer=True, goal={"field": "lifecycle_stage", "op": "equals", "value": "sql"}
        )
        people = {name: ContactFactory() for name in ("unsubscribed", "customer", "goal", "deleted", "stays")}
        for contact in people.values():
            enrolment_create(workflow=workflow, contact=contact, trigger="manual")
        Engine().tick()
        Unsubscribe.objects.create(contact=people["unsubscribed"], source="admin", created_at=timezone.now())
        people["customer"].lifecycle_stage = "customer"
        people["customer"].save()
        people["goal"].lifecycle_stage = "sql"
        people["goal"].save()
        contact_delete(contact=people["deleted"], actor=None)
        clock.move_to(START + timedelta(days=1, minutes=1))
        Engine().tick()
        reasons = dict(Enrolment.objects.values_list("contact__email", "exit_reason"))
        assert reasons[people["unsubscribed"].email] == "unsubscribed"
        assert reasons[people["customer"].email] == "customer"
        assert reasons[people["goal"].email] == "goal"
        assert reasons[people["stays"].email] == "completed"
        assert people["deleted"].email not in reasons
        assert OutboundMessage.objects.filter(key__endswith=":b").count() == 1
        assert Enrolment.objects.get(contact=people["goal"]).converted_at is not None
