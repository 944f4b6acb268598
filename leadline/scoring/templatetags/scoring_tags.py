"""Template helpers of the scoring screens."""

from __future__ import annotations

from django import template

from leadline.scoring.engine import rule_condition_text
from leadline.scoring.models import ScoringRule

register = template.Library()


@register.filter
def rule_condition(rule: ScoringRule) -> str:
    return rule_condition_text(rule)


@register.filter
def auc_quality(auc: float | None) -> str:
    """How to read an AUC: 0.5 is a coin toss, 1.0 tells buyers from the rest perfectly."""
    if auc is None:
        return ""
    if auc >= 0.8:
        return "good"
    if auc >= 0.7:
        return "fair"
    if auc > 0.55:
        return "weak"
    return "no better than chance"


@register.filter
def feature_labels(features: list[str]) -> str:
    """Predictive features in words, e.g. "page views besides pricing, rule score"."""
    from leadline.scoring.predictive_features import FEATURE_LABELS

    return ", ".join(FEATURE_LABELS.get(name, name).lower() for name in features or [])
