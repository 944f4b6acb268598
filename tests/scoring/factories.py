"""Rules and events for the scoring tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.scoring.models import ScoringRule
from leadline.scoring.selectors import scoring_settings_get


def fit_rule(**fields: Any) -> ScoringRule:
    values = {
        "name": "Director",
        "category": "fit",
        "points": 15,
        "field": "job_title",
        "operator": "contains",
    }
    values.setdefault("value", "director")
    return ScoringRule.objects.create(**{**values, **fields})


def engagement_rule(**fields: Any) -> ScoringRule:
    values = {"name": "Pricing visits", "category": "engagement", "points": 10, "activity_kind": "page.view"}
    return ScoringRule.objects.create(**{**values, **fields})


def event(
    contact: Contact, kind: str = Kind.PAGE_VIEW, url: str = "", at: datetime | None = None
) -> Activity:
    return Activity.objects.create(
        kind=kind, contact=contact, url=url, occurred_at=at or timezone.now(), title=url or kind
    )


def configure(**fields: Any) -> None:
    settings = scoring_settings_get()
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()


def score_rows(contact: Contact) -> list[Activity]:
    return list(Activity.objects.filter(contact=contact, kind=Kind.SCORE_CHANGED).order_by("id"))
