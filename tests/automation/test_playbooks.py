"""Playbooks install with one click as drafts with their emails, and the post-sale one carries a
customer from a won deal through thank-you, onboarding, testimonial request and upsell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, Workflow
from leadline.automation.playbooks import PLAYBOOKS, playbook_install
from leadline.automation.services import workflow_set_status
from leadline.automation.triggers import triggers_consume
from leadline.mail.models import OutboundMessage, Template
from leadline.sales.deal_services import deal_move
from leadline.sales.order_services import LineInput, order_create
from leadline.sales.suggestions import associations_refresh
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, ProductFactory, stage_named

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("playbook", [p.key for p in PLAYBOOKS])
def test_it_installs_each_playbook_as_a_draft_with_compiling_emails(
    playbook: str, maria: Any, sender: Any
) -> None:
    workflow = playbook_install(key=playbook, actor=maria)
    assert workflow.status == Workflow.Status.DRAFT
    assert workflow.current_version.steps
    workflow_set_status(workflow=workflow, actor=maria, status=Workflow.Status.ACTIVE)


def test_it_installs_from_the_playbook_page(maria: Any, sender: Any) -> None:
    response = client_for(maria).post("/automation/playbooks/post_sale/install/")
    assert response.status_code == 302
    workflow = Workflow.objects.get(playbook="post_sale")
    assert response["Location"] == f"/automation/{workflow.public_id}/"
    assert Template.objects.filter(name__startswith="Post-sale").count() == 6


def _bought(contact: Any, product: Any, day: int) -> None:
    order_create(
        contact=contact,
        lines=[LineInput(name=product.name, quantity=Decimal(1), unit_price=Decimal(100), product=product)],
        currency="USD",
        ordered_at=datetime(2025, 6, day, 10, tzinfo=UTC),
    )


def test_it_runs_the_post_sale_playbook_after_a_won_deal(maria: Any, sender: Any) -> None:
    audit, content_pack = ProductFactory(name="Audit"), ProductFactory(name="Content pack")
    for _ in range(3):
        buyer = ContactFactory()
        _bought(buyer, audit, 1)
        _bought(buyer, content_pack, 15)
    associations_refresh()
    with time_machine.travel(START, tick=False) as clock:
        triggers_consume()
        workflow = playbook_install(key="post_sale", actor=maria)
        workflow_set_status(workflow=workflow, actor=maria, status=Workflow.Status.ACTIVE)
        customer = ContactFactory(email="cleo@example.org", first_name="Cleo")
        _bought(customer, audit, 2)
        deal = DealFactory(contact=customer)
        deal_move(deal=deal, stage=stage_named("Won"), actor=None)
        assert triggers_consume() == 1
        enrolment = Enrolment.objects.get(workflow=workflow)
        for _day in range(40):
            Engine().tick()
            clock.shift(timedelta(days=1))
        subjects = list(
            OutboundMessage.objects.filter(contact=customer, key__startswith="workflow:")
            .order_by("id")
            .values_list("template__name", flat=True)
        )
        assert subjects[:1] == ["Post-sale: thank you"]
        assert "Post-sale: testimonial request" in subjects
        assert "Post-sale: you may also like" in subjects
        upsell = OutboundMessage.objects.get(template__name="Post-sale: you may also like")
        assert "Content pack" in upsell.body
        testimonial = OutboundMessage.objects.get(template__name="Post-sale: testimonial request")
        link = testimonial.merge_context["testimonial_url"]
        assert "/testimonials/" in link
        assert f"[Share your experience]({link})" in testimonial.body
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.COMPLETED  # no recurring product: no renewal reminder
