"""Template helpers of the scoring screens."""

from __future__ import annotations

from django import template

from leadline.scoring.engine import rule_condition_text
from leadline.scoring.models import ScoringRule

register = template.Library()


@register.filter
def rule_condition(rule: ScoringRule) -> str:
    return rule_condition_text(rule)
