"""Small helpers of the form screens: readable answers and email state badges."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

STATE_TONES = {"sent": "badge-ok", "queued": "badge-info", "sending": "badge-info", "failed": "badge-danger"}


@register.filter
def answers(values: Any, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, text) of each answer in a submission, in the form's field order where known."""
    if not isinstance(values, dict):
        return []
    order = list(labels)
    keys = sorted(values, key=lambda key: (order.index(key) if key in order else len(order), str(key)))
    rows = []
    for key in keys:
        value = values[key]
        if isinstance(value, list):
            text = ", ".join(str(item) for item in value)
        elif isinstance(value, bool):
            text = "Yes" if value else "No"
        else:
            text = str(value)
        rows.append((labels.get(key) or str(key).removeprefix("p_"), text))
    return rows


@register.filter
def state_tone(state: Any) -> str:
    return STATE_TONES.get(str(state), "")
