"""Test mode runs one contact through at once: waits skipped, emails to the tester marked [Test],
other actions only described on the timeline."""

from __future__ import annotations

from typing import Any

from leadline.activity.models import Activity
from leadline.automation.models import Enrolment
from leadline.mail.models import OutboundMessage
from leadline.sales.models import Task
from tests.automation.factories import email, make_workflow, wait
from tests.conftest import client_for
from tests.factories import ContactFactory


def test_it_fast_forwards_one_contact_with_marked_test_effects(
    maria: Any, template: Any, other_template: Any
) -> None:
    workflow = make_workflow(
        [
            email(template, "one"),
            wait(7, "days", "pause"),
            {
                "key": "task",
                "type": "create_task",
                "config": {"title": "Call them", "kind": "call", "due_in_days": 1, "assign_to": "owner"},
            },
            email(other_template, "two"),
        ],
        actor=maria,
        active=False,
    )
    contact = ContactFactory(email="ann@example.org", owner=maria)
    response = client_for(maria).post(
        f"/automation/{workflow.public_id}/test/", {"contact": "ann@example.org"}
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(is_test=True)
    assert enrolment.state == Enrolment.State.COMPLETED
    messages = list(OutboundMessage.objects.order_by("id"))
    assert [m.to_email for m in messages] == [maria.email, maria.email]
    assert all(m.subject.startswith("[Test] ") for m in messages)
    assert not Task.objects.exists()
    titles = list(
        Activity.objects.filter(contact=contact, kind="workflow.step").values_list("title", flat=True)
    )
    assert any("would create the task “Call them”" in title for title in titles)
    assert any("Wait 7 days — skipped" in title for title in titles)
    assert not Enrolment.objects.filter(is_test=False).exists()


def test_a_test_runs_testimonial_email_links_to_a_preview_and_asks_nobody(maria: Any, template: Any) -> None:
    from leadline.testimonials.models import TestimonialRequest

    workflow = make_workflow([email(template, "ask", extra="testimonial")], actor=maria, active=False)
    ContactFactory(email="ann@example.org", owner=maria)

    client_for(maria).post(f"/automation/{workflow.public_id}/test/", {"contact": "ann@example.org"})

    message = OutboundMessage.objects.get()
    assert message.to_email == maria.email
    assert "/testimonials/r/preview/" in message.body
    assert not TestimonialRequest.objects.exists()
