"""Action steps do their work through the owning rooms' services, once each."""

from __future__ import annotations

from typing import Any

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, StepRun
from leadline.automation.services import enrolment_create
from leadline.core.models import Notification
from leadline.sales.models import Deal, Task
from leadline.segments.models import Segment, SegmentMembership
from tests.automation.factories import make_workflow, wait
from tests.factories import ContactFactory
from tests.sales.factories import default_pipeline


def test_it_runs_each_action_once(sam: Any, maria: Any) -> None:
    customers = Segment.objects.create(name="Customers list", kind="static")
    follow_up = make_workflow([wait(3)], name="Follow-up")
    workflow = make_workflow(
        [
            {"type": "set_stage", "config": {"stage": "mql"}},
            {"type": "set_property", "config": {"field": "job_title", "value": "Buyer"}},
            {"type": "list_add", "config": {"list": str(customers.public_id)}},
            {"type": "notify", "config": {"to": "owner", "title": "Hot lead"}},
            {
                "type": "create_task",
                "config": {"title": "Call them", "kind": "call", "due_in_days": 1, "assign_to": "owner"},
            },
            {
                "type": "create_deal",
                "config": {"pipeline": str(default_pipeline().public_id), "name": "New business"},
            },
            {"type": "enrol", "config": {"workflow": str(follow_up.public_id)}},
            {
                "key": "ab",
                "type": "split",
                "config": {"percent_a": 50},
                "branches": {
                    "a": [
                        {
                            "key": "goal-a",
                            "type": "goal",
                            "config": {
                                "condition": {
                                    "field": "lifecycle_stage",
                                    "op": "in",
                                    "value": ["mql", "opportunity"],
                                }
                            },
                        }
                    ],
                    "b": [
                        {
                            "key": "goal-b",
                            "type": "goal",
                            "config": {
                                "condition": {
                                    "field": "lifecycle_stage",
                                    "op": "in",
                                    "value": ["mql", "opportunity"],
                                }
                            },
                        }
                    ],
                },
            },
            {"key": "never", "type": "set_stage", "config": {"stage": "sql", "forward_only": False}},
        ],
        actor=maria,
    )
    contact = ContactFactory(owner=sam, lifecycle_stage="lead")
    enrolment = enrolment_create(workflow=workflow, contact=contact, trigger="manual")
    assert enrolment is not None
    Engine().tick()
    Engine().tick()
    contact.refresh_from_db()
    enrolment.refresh_from_db()
    assert contact.lifecycle_stage == "opportunity"  # set to MQL, then the new deal moved it on
    assert contact.job_title == "Buyer"
    assert SegmentMembership.objects.filter(segment=customers, contact=contact).exists()
    assert Notification.objects.filter(user=sam, title__startswith="Hot lead").count() == 1
    assert Task.objects.get().assigned_to == sam
    assert Deal.objects.get().name == "New business"
    assert Enrolment.objects.filter(workflow=follow_up, contact=contact).exists()
    assert enrolment.state == Enrolment.State.COMPLETED
    assert enrolment.exit_reason == "goal"
    assert enrolment.converted_at is not None
    assert not StepRun.objects.filter(enrolment=enrolment, step_key="never").exists()
