"""Reads for contacts and companies, always through the access layer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from leadline.contacts.models import Contact, LifecycleStage


def workspace_overview(*, user: Any) -> dict[str, Any]:
    contacts = Contact.objects.for_user(user)
    by_stage = dict(contacts.order_by().values_list("lifecycle_stage").annotate(total=Count("id")))
    return {
        "total": sum(by_stage.values()),
        "stages": [(stage.label, stage.value, by_stage.get(stage.value, 0)) for stage in LifecycleStage],
    }
