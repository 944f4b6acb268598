"""The "Adjust score" step: add or take away a number of points, with a reason, through the scoring
room's adjustments (a score set straight would be lost at the next recompute from the rules).

The adjustment is keyed by the enrolment and the step (`StepContext.key`), so a step that runs
again after a crash or a retry adjusts the score once. `register` adds the step to the engine's
kinds of step and its fields to the editor; the automation app calls it when it is ready.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError

from leadline.automation.steps import (
    STEP_TYPES,
    Outcome,
    StepContext,
    StepError,
    StepType,
    _integer,
    _test_note,
    _text,
)

POINTS_LIMIT = 1000
REASON_LIMIT = 200
MAX_DAYS = 3650


def _points(amount: int) -> str:
    return f"{abs(amount)} point{'' if abs(amount) == 1 else 's'}"


class AdjustScore(StepType):
    type, label, group, icon = "adjust_score", "Adjust score", "Contact", "chart"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("points") in (None, ""):
            raise ValidationError({"points": "Give the points to add (or, negative, to take away)."})
        points = _integer(data, "points", low=-POINTS_LIMIT, high=POINTS_LIMIT)
        if points == 0:
            raise ValidationError({"points": "Must not be zero: add or take away at least 1 point."})
        reason = _text(data, "reason", required=True, limit=REASON_LIMIT)
        days = _integer(data, "expires_in_days", low=0, high=MAX_DAYS, default=0)
        return {"points": points, "reason": reason, "expires_in_days": days}

    def describe(self, config: dict[str, Any]) -> str:
        points = int(config.get("points") or 0)
        verb = "Add" if points > 0 else "Subtract"
        text = f"{verb} {_points(points)}: {config.get('reason', '')}"
        days = int(config.get("expires_in_days") or 0)
        if days:
            text += f" (for {days} day{'' if days == 1 else 's'})"
        return text

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.scoring.services import score_adjust

        points, reason = int(ctx.config.get("points") or 0), str(ctx.config.get("reason") or "")
        if ctx.test:
            return _test_note(ctx, f"adjust the score {points:+d} ({reason})")
        days = int(ctx.config.get("expires_in_days") or 0)
        contact = ctx.contact
        before = contact.score
        try:
            adjustment = score_adjust(
                contact=contact,
                points=points,
                reason=reason,
                source_key=ctx.key,
                source_label=f"Workflow “{ctx.enrolment.workflow.name}”",
                expires_at=ctx.now + timedelta(days=days) if days else None,
            )
        except ValidationError as error:
            raise StepError("; ".join(error.messages)) from None
        # A change of score is on the timeline already (the scoring room writes it); say something
        # only when the total did not move, which the cap explains.
        title = ""
        if contact.score == before:
            title = f"Score adjusted {points:+d} ({reason}); the total stays at {contact.score}"
        return Outcome(title=title, detail={"adjustment": str(adjustment.public_id), "points": points})


EDITOR_FIELDS: list[dict[str, Any]] = [
    {"name": "points", "label": "Points (negative to take away)", "widget": "number"},
    {"name": "reason", "label": "Reason (shown in the score's explanation)", "widget": "text"},
    {"name": "expires_in_days", "label": "For how many days (0: for good)", "widget": "number"},
]


def register() -> None:
    """Add the step to the kinds the engine runs and the editor offers (next to the other contact
    steps). Safe to call more than once."""
    from leadline.automation.forms import STEP_FIELDS

    STEP_FIELDS.setdefault(AdjustScore.type, EDITOR_FIELDS)
    if AdjustScore.type in STEP_TYPES:
        return
    entries = list(STEP_TYPES.items())
    place = next((i + 1 for i, (name, _) in enumerate(entries) if name == "set_stage"), len(entries))
    entries.insert(place, (AdjustScore.type, AdjustScore()))
    # The same dict object, reordered: the engine, the services and the views hold it by reference.
    STEP_TYPES.clear()
    STEP_TYPES.update(entries)
