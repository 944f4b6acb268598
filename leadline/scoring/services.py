"""Writes of the scoring room: rules, settings, the default rule set and adjustments of one
contact's score. Every change to what scores mean is followed by a recompute of everyone, queued
after the change commits; an adjustment recomputes its contact at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.core.services import audit_record
from leadline.scoring.models import (
    FIT_OPERATORS,
    Category,
    EngagementKind,
    FitField,
    Operator,
    ScoreAdjustment,
    ScoringRule,
    ScoringSettings,
)
from leadline.scoring.selectors import scoring_settings_get

RULE_FIELDS = (
    "name",
    "category",
    "active",
    "points",
    "field",
    "property_key",
    "operator",
    "value",
    "value_to",
    "activity_kind",
    "url_contains",
    "cap",
)
POINTS_LIMIT = 1000
CAP_LIMIT = 10_000
PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
NUMERIC_OPERATORS = (Operator.GTE, Operator.LTE, Operator.BETWEEN)


def _int(value: Any, field: str, errors: dict[str, str], *, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[field] = "Enter a whole number."
        return None
    try:
        number = int(value)
    except ValueError:
        errors[field] = "Enter a whole number."
        return None
    if not low <= number <= high:
        errors[field] = f"Enter a number between {low:,} and {high:,}."
        return None
    return number


def _text(value: Any, field: str, errors: dict[str, str], *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = "This field is required."
    elif len(value) > limit:
        errors[field] = f"Keep it under {limit} characters."
    return value


def scoring_rule_clean(data: Mapping[str, Any], *, instance: ScoringRule | None = None) -> dict[str, Any]:
    """Check a rule against the allow-lists; returns every column of the rule. Raises ValidationError
    naming each bad field. With `instance`, missing keys keep the rule's current values."""
    unknown = sorted(str(key) for key in data if key not in RULE_FIELDS)
    if unknown:
        raise ValidationError({key: "Unknown field." for key in unknown})
    merged: dict[str, Any] = {name: getattr(instance, name) for name in RULE_FIELDS} if instance else {}
    merged.update(data)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {name: "" for name in RULE_FIELDS}
    cleaned["name"] = _text(merged.get("name"), "name", errors, limit=120, required=True)
    category = merged.get("category")
    if category not in Category.values:
        errors["category"] = "Choose fit or engagement."
    cleaned["category"] = category
    active = merged.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = "Choose true or false."
    cleaned["active"] = active
    if merged.get("points") in (None, ""):
        errors["points"] = "This field is required."
    else:
        cleaned["points"] = _int(merged["points"], "points", errors, low=-POINTS_LIMIT, high=POINTS_LIMIT)
    cleaned["cap"] = None
    if category == Category.FIT:
        _clean_fit(merged, cleaned, errors)
    elif category == Category.ENGAGEMENT:
        _clean_engagement(merged, cleaned, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_fit(merged: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    field, operator = merged.get("field"), merged.get("operator")
    if field not in FitField.values:
        errors["field"] = "Choose one of: " + ", ".join(FitField.values) + "."
        return
    cleaned["field"] = field
    if operator not in FIT_OPERATORS[field]:
        errors["operator"] = (
            f"For {FitField(field).label.lower()}, choose one of: " + ", ".join(FIT_OPERATORS[field]) + "."
        )
        return
    cleaned["operator"] = operator
    if field == FitField.PROPERTY:
        key = _text(merged.get("property_key"), "property_key", errors, limit=64, required=True)
        if key and not PROPERTY_KEY.match(key):
            errors["property_key"] = "Lower-case letters, digits and underscores, starting with a letter."
        cleaned["property_key"] = key
    if operator in NUMERIC_OPERATORS:
        low = _int(merged.get("value"), "value", errors, low=0, high=10_000_000)
        cleaned["value"] = "" if low is None else str(low)
        if operator == Operator.BETWEEN:
            high = _int(merged.get("value_to"), "value_to", errors, low=0, high=10_000_000)
            if low is not None and high is not None and high < low:
                errors["value_to"] = "The upper bound must be at least the lower bound."
            cleaned["value_to"] = "" if high is None else str(high)
    else:
        cleaned["value"] = _text(merged.get("value"), "value", errors, limit=500, required=True)


def _clean_engagement(merged: Mapping[str, Any], cleaned: dict[str, Any], errors: dict[str, str]) -> None:
    kind = merged.get("activity_kind")
    if kind not in EngagementKind.values:
        errors["activity_kind"] = "Choose one of: " + ", ".join(EngagementKind.values) + "."
    cleaned["activity_kind"] = kind
    cleaned["url_contains"] = _text(merged.get("url_contains"), "url_contains", errors, limit=300)
    cap = merged.get("cap")
    if cap not in (None, ""):
        cleaned["cap"] = _int(cap, "cap", errors, low=1, high=CAP_LIMIT)


def _recompute_after_commit() -> None:
    from leadline.scoring.tasks import scores_recompute_all_task

    transaction.on_commit(lambda: scores_recompute_all_task.enqueue())


def scoring_rule_create(*, actor: Any, data: Mapping[str, Any]) -> ScoringRule:
    cleaned = scoring_rule_clean(data)
    with transaction.atomic():
        rule = ScoringRule.objects.create(**cleaned)
        audit_record(
            actor=actor, action="scoring_rule.created", target=rule, summary=f"Scoring rule “{rule.name}”"
        )
        _recompute_after_commit()
    return rule


def scoring_rule_update(*, rule: ScoringRule, actor: Any, data: Mapping[str, Any]) -> ScoringRule:
    cleaned = scoring_rule_clean(data, instance=rule)
    for name, value in cleaned.items():
        setattr(rule, name, value)
    with transaction.atomic():
        rule.save(update_fields=[*cleaned, "updated_at"])
        audit_record(
            actor=actor, action="scoring_rule.changed", target=rule, summary=f"Scoring rule “{rule.name}”"
        )
        _recompute_after_commit()
    return rule


def scoring_rule_set_active(*, rule: ScoringRule, actor: Any, active: bool) -> ScoringRule:
    """Turn a rule on or off without touching (or re-checking) its condition."""
    rule.active = active
    with transaction.atomic():
        rule.save(update_fields=["active", "updated_at"])
        audit_record(
            actor=actor,
            action="scoring_rule.changed",
            target=rule,
            summary=f"Scoring rule “{rule.name}” turned {'on' if active else 'off'}",
        )
        _recompute_after_commit()
    return rule


def scoring_rule_delete(*, rule: ScoringRule, actor: Any) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, action="scoring_rule.deleted", target=rule, summary=f"Scoring rule “{rule.name}”"
        )
        rule.delete()
        _recompute_after_commit()


def scoring_settings_update(
    *, actor: Any, half_life_days: Any, mql_threshold: Any, score_cap: Any
) -> ScoringSettings:
    errors: dict[str, str] = {}
    half_life = _int(half_life_days, "half_life_days", errors, low=1, high=3650)
    threshold = _int(mql_threshold, "mql_threshold", errors, low=1, high=CAP_LIMIT)
    cap = _int(score_cap, "score_cap", errors, low=1, high=CAP_LIMIT)
    if errors:
        raise ValidationError(errors)
    settings = scoring_settings_get()
    settings.half_life_days, settings.mql_threshold, settings.score_cap = half_life, threshold, cap  # type: ignore[assignment]
    with transaction.atomic():
        settings.save(update_fields=["half_life_days", "mql_threshold", "score_cap", "updated_at"])
        audit_record(actor=actor, action="scoring_settings.changed", summary=str(settings))
        _recompute_after_commit()
    return settings


# --- Adjustments -----------------------------------------------------------------------------------

ADJUSTMENT_REASON_LIMIT = 200


def score_adjustment_clean(*, points: Any, reason: Any) -> tuple[int, str]:
    """Check an adjustment's points (a whole number, not zero, within ±POINTS_LIMIT) and reason.
    Raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    number = None
    if points in (None, ""):
        errors["points"] = "This field is required."
    else:
        number = _int(points, "points", errors, low=-POINTS_LIMIT, high=POINTS_LIMIT)
        if number == 0:
            errors["points"] = "Enter a number of points other than zero (negative to take points away)."
    text = _text(reason, "reason", errors, limit=ADJUSTMENT_REASON_LIMIT, required=True)
    if errors or number is None:
        raise ValidationError(errors)
    return number, text


def score_adjust(
    *,
    contact: Contact,
    points: Any,
    reason: Any,
    source_key: str = "",
    source_label: str = "",
    expires_at: datetime | None = None,
) -> ScoreAdjustment:
    """Add `points` to the contact's score (negative: take them away) until `expires_at` (None: for
    good), with `reason` as its line in the score's explanation.

    The adjustment is kept as a row that every recompute adds in, so it counts like any rule's
    points: within the score cap and towards the MQL threshold. The contact is recomputed at once,
    which puts the change on its timeline. With a `source_key` (e.g. the workflow step that made
    it), a second call with the same key changes nothing and returns the first adjustment."""
    from leadline.scoring.engine import scores_recompute

    number, text = score_adjustment_clean(points=points, reason=reason)
    source_key, source_label = str(source_key or "")[:200], str(source_label or "")[:200]
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose a moment in the future."})
    if source_key:
        existing = ScoreAdjustment.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        try:
            with transaction.atomic():
                adjustment = ScoreAdjustment.objects.create(
                    contact=contact,
                    points=number,
                    reason=text,
                    source_key=source_key,
                    source_label=source_label,
                    expires_at=expires_at,
                )
        except IntegrityError:
            # The same source ran beside us and stored it first: its adjustment is the one.
            return ScoreAdjustment.objects.get(source_key=source_key)
        scores_recompute([contact.pk], cause="adjustment")
    # The caller's copy of the contact sees the new score (and the MQL stage it may have reached).
    contact.refresh_from_db(fields=["score", "lifecycle_stage"])
    return adjustment


DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "name": "Decision maker",
        "category": "fit",
        "points": 15,
        "field": "job_title",
        "operator": "contains",
        "value": "director",
    },
    {
        "name": "Head of a team",
        "category": "fit",
        "points": 10,
        "field": "job_title",
        "operator": "contains",
        "value": "head",
    },
    {
        "name": "Company of 50–1,000",
        "category": "fit",
        "points": 10,
        "field": "company.employee_count",
        "operator": "between",
        "value": "50",
        "value_to": "1000",
    },
    {
        "name": "Software or finance",
        "category": "fit",
        "points": 10,
        "field": "company.industry",
        "operator": "in",
        "value": "Software, Financial services",
    },
    {
        "name": "Student",
        "category": "fit",
        "points": -20,
        "field": "job_title",
        "operator": "contains",
        "value": "student",
    },
    {
        "name": "Visited pricing",
        "category": "engagement",
        "points": 10,
        "activity_kind": "page.view",
        "url_contains": "/pricing",
        "cap": 30,
    },
    {"name": "Page views", "category": "engagement", "points": 1, "activity_kind": "page.view", "cap": 10},
    {
        "name": "Form submitted",
        "category": "engagement",
        "points": 15,
        "activity_kind": "form.submitted",
        "cap": 30,
    },
    {
        "name": "Email opened",
        "category": "engagement",
        "points": 2,
        "activity_kind": "email.opened",
        "cap": 10,
    },
    {
        "name": "Email link clicked",
        "category": "engagement",
        "points": 5,
        "activity_kind": "email.clicked",
        "cap": 20,
    },
    {
        "name": "Meeting booked",
        "category": "engagement",
        "points": 25,
        "activity_kind": "meeting.booked",
        "cap": 25,
    },
]


def scoring_defaults_install() -> int:
    """Install the default rule set once (nothing happens when any rule exists). Returns rules added."""
    if ScoringRule.objects.exists():
        return 0
    rules = [ScoringRule(**scoring_rule_clean(data)) for data in DEFAULT_RULES]
    ScoringRule.objects.bulk_create(rules)
    scoring_settings_get()
    return len(rules)
