"""Factories and helpers for hand-off tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_update
from leadline.sales.models import Handoff, HandoffState
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
