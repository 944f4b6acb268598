"""Reads of the scoring room: settings, rules and a contact's score with its reasons."""

from __future__ import annotations

from typing import Any

from leadline.contacts.models import Contact
from leadline.core.access import get_for_user
from leadline.scoring.models import (
    ContactPrediction,
    ContactScore,
    ScoringRule,
    ScoringRuleQuerySet,
    ScoringSettings,
)


def scoring_settings_get() -> ScoringSettings:
    """The one settings row, created with the defaults the first time it is asked for."""
    settings, _ = ScoringSettings.objects.get_or_create(pk=1)
    return settings


def scoring_rule_list(*, user: Any) -> ScoringRuleQuerySet:
    return ScoringRule.objects.for_user(user).order_by("category", "name", "id")


def scoring_rule_get(*, user: Any, public_id: Any, for_edit: bool = False) -> ScoringRule:
    return get_for_user(ScoringRule.objects.all(), user, public_id, for_edit=for_edit)


def contact_score_get(*, user: Any, public_id: Any) -> tuple[Contact, ContactScore | None]:
    """A contact the user may see and its stored score breakdown (None before the first compute).
    The contact's prediction (`contact_prediction_of`) comes with it."""
    contact = get_for_user(
        Contact.objects.select_related("score_detail", "prediction__model").defer(
            "prediction__model__artifact"
        ),
        user,
        public_id,
    )
    try:
        detail: ContactScore | None = contact.score_detail
    except ContactScore.DoesNotExist:
        detail = None
    return contact, detail


def contact_prediction_of(contact: Contact) -> ContactPrediction | None:
    try:
        return contact.prediction
    except ContactPrediction.DoesNotExist:
        return None
