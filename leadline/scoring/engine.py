"""Computing scores: fit points from allow-listed fields, engagement points from the activity log
decayed by age, adjustments in force (set numbers of points, e.g. from a workflow step), caps per
rule and in total; storing them, explaining every change on the timeline and moving contacts who
reach the MQL threshold forward to MQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from leadline.activity.models import Activity, Cursor, Kind
from leadline.contacts.models import Contact, LifecycleStage
from leadline.scoring.models import (
    Category,
    ContactScore,
    EngagementKind,
    FitField,
    Operator,
    ScoreAdjustment,
    ScoringRule,
    ScoringSettings,
)
from leadline.scoring.selectors import scoring_settings_get

CURSOR_NAME = "scoring.activity"
BATCH_SIZE = 500
# Events older than this many half-lives are worth less than 1/4000 of their points: not read.
HORIZON_HALF_LIVES = 12
# What makes a contact's score worth recomputing: events that earn points and changes to the fields
# fit rules look at. Score and stage changes are left out so that scoring never feeds itself.
TRIGGER_KINDS = (
    *EngagementKind.values,
    Kind.CONTACT_CREATED,
    Kind.CONTACT_UPDATED,
    Kind.CONTACT_MERGED,
    Kind.CONTACT_IMPORTED,
)
ENGAGEMENT_VERBS: dict[str, str] = {
    EngagementKind.PAGE_VIEW: "viewed a page",
    EngagementKind.FORM_SUBMITTED: "submitted a form",
    EngagementKind.EMAIL_OPENED: "opened an email",
    EngagementKind.EMAIL_CLICKED: "clicked a link in an email",
    EngagementKind.MEETING_BOOKED: "booked a meeting",
}


@dataclass(frozen=True)
class ScoringContext:
    settings: ScoringSettings
    fit_rules: list[ScoringRule]
    engagement_rules: list[ScoringRule]
    now: datetime

    @property
    def horizon(self) -> datetime:
        return self.now - timedelta(days=self.settings.half_life_days * HORIZON_HALF_LIVES)


@dataclass(frozen=True)
class Adjustment:
    """What the computation needs of a `ScoreAdjustment`."""

    public_id: str
    points: int
    reason: str
    source_label: str
    expires_at: datetime | None


@dataclass
class ScoreResult:
    fit: int = 0
    engagement: int = 0
    adjustment: int = 0
    total: int = 0
    explanation: list[dict[str, Any]] = field(default_factory=list)


def context_load(now: datetime | None = None) -> ScoringContext:
    rules = list(ScoringRule.objects.filter(active=True).order_by("id"))
    return ScoringContext(
        settings=scoring_settings_get(),
        fit_rules=[rule for rule in rules if rule.category == Category.FIT],
        engagement_rules=[rule for rule in rules if rule.category == Category.ENGAGEMENT],
        now=now or timezone.now(),
    )


# --- Pure computation ---------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [item.strip().casefold() for item in value.split(",") if item.strip()]


def _as_int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def fit_value(contact: Contact, rule: ScoringRule) -> Any:
    """The value of the rule's allow-listed field for this contact."""
    company = contact.company
    match rule.field:
        case FitField.JOB_TITLE:
            return contact.job_title
        case FitField.COUNTRY:
            return contact.country
        case FitField.COMPANY_INDUSTRY:
            return company.industry if company else ""
        case FitField.COMPANY_EMPLOYEES:
            return company.employee_count if company else None
        case FitField.PROPERTY:
            return (contact.properties or {}).get(rule.property_key)
    return None


def fit_matches(contact: Contact, rule: ScoringRule) -> bool:
    actual = fit_value(contact, rule)
    if actual is None or actual == "":
        return False
    if rule.operator in (Operator.GTE, Operator.LTE, Operator.BETWEEN):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        low, high = _as_int(rule.value), _as_int(rule.value_to)
        if rule.operator == Operator.GTE:
            return low is not None and actual >= low
        if rule.operator == Operator.LTE:
            return low is not None and actual <= low
        return low is not None and high is not None and low <= actual <= high
    text = str(actual).casefold()
    if rule.operator == Operator.CONTAINS:
        return bool(rule.value.strip()) and rule.value.strip().casefold() in text
    if rule.operator == Operator.EQUALS:
        return text == rule.value.strip().casefold()
    if rule.operator == Operator.IN:
        return text in _split(rule.value)
    return False


def rule_condition_text(rule: ScoringRule) -> str:
    """A rule's condition in words, e.g. "job title contains Director"."""
    if rule.category == Category.ENGAGEMENT:
        verb = ENGAGEMENT_VERBS.get(rule.activity_kind, rule.activity_kind)
        if rule.url_contains:
            verb = (
                f"visited {rule.url_contains}"
                if rule.activity_kind == EngagementKind.PAGE_VIEW
                else (f"{verb} ({rule.url_contains})")
            )
        return verb
    label = FitField(rule.field).label.lower() if rule.field in FitField.values else rule.field
    if rule.field == FitField.PROPERTY:
        label = rule.property_key
    operator = Operator(rule.operator).label if rule.operator in Operator.values else rule.operator
    if rule.operator == Operator.BETWEEN:
        return f"{label} {operator} {rule.value} and {rule.value_to}"
    return f"{label} {operator} {rule.value}"


def _decayed(points: int, age_days: float, half_life_days: int) -> float:
    return points * 0.5 ** (max(age_days, 0.0) / max(half_life_days, 1))


def _clamp(value: float, limit: int | None) -> float:
    if limit is None:
        return value
    return max(-limit, min(limit, value))


def engagement_matches(rule: ScoringRule, kind: str, url: str) -> bool:
    if kind != rule.activity_kind:
        return False
    return not rule.url_contains or rule.url_contains.casefold() in (url or "").casefold()


def score_compute(
    contact: Contact,
    events: Sequence[tuple[str, str, datetime]],
    context: ScoringContext,
    adjustments: Sequence[Adjustment] = (),
) -> ScoreResult:
    """Score one contact from its engagement `events` (kind, url, occurred_at) and the
    `adjustments` made to its score (those expired by `context.now` are left out)."""
    result = ScoreResult()
    for rule in context.fit_rules:
        if fit_matches(contact, rule):
            result.fit += rule.points
            result.explanation.append(_reason(rule, rule.points, rule_condition_text(rule)))
    engagement = 0.0
    for rule in context.engagement_rules:
        occurrences, earned = 0, 0.0
        for kind, url, occurred_at in events:
            if engagement_matches(rule, kind, url):
                occurrences += 1
                age_days = (context.now - occurred_at).total_seconds() / 86400
                earned += _decayed(rule.points, age_days, context.settings.half_life_days)
        if not occurrences:
            continue
        capped = _clamp(earned, rule.cap)
        points = round(capped)
        engagement += capped
        if points == 0:
            continue
        reason = rule_condition_text(rule)
        if occurrences > 1:
            reason = f"{reason} ×{occurrences}"
        if capped != earned:
            reason = f"{reason} (capped at {rule.cap})"
        result.explanation.append(_reason(rule, points, reason))
    result.engagement = round(engagement)
    for adjustment in adjustments:
        if adjustment.expires_at is not None and adjustment.expires_at <= context.now:
            continue
        result.adjustment += adjustment.points
        result.explanation.append(_adjustment_reason(adjustment))
    total = result.fit + engagement + result.adjustment
    result.total = round(_clamp(total, context.settings.score_cap))
    return result


def _reason(rule: ScoringRule, points: int, reason: str) -> dict[str, Any]:
    return {
        "rule": rule.name,
        "rule_id": str(rule.public_id),
        "category": rule.category,
        "points": points,
        "reason": reason,
    }


ADJUSTMENT_PREFIX = "adjustment:"
ADJUSTMENT_LABEL = "Score adjustment"


def _adjustment_reason(adjustment: Adjustment) -> dict[str, Any]:
    reason = adjustment.reason
    if adjustment.expires_at is not None:
        reason = f"{reason} (until {timezone.localtime(adjustment.expires_at):%d %b %Y})"
    return {
        "rule": adjustment.source_label or ADJUSTMENT_LABEL,
        # Keyed by the adjustment, so that the timeline names exactly the one that came or went.
        "rule_id": f"{ADJUSTMENT_PREFIX}{adjustment.public_id}",
        "category": "adjustment",
        "points": adjustment.points,
        "reason": reason,
    }


# --- Storing, explaining, lifecycle -------------------------------------------------------------


def _events_for(
    contact_ids: Sequence[int], context: ScoringContext
) -> dict[int, list[tuple[str, str, datetime]]]:
    kinds = {rule.activity_kind for rule in context.engagement_rules}
    events: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    if not kinds or not contact_ids:
        return events
    rows = Activity.objects.filter(
        contact_id__in=contact_ids, kind__in=kinds, occurred_at__gte=context.horizon
    ).values_list("contact_id", "kind", "url", "occurred_at")
    for contact_id, kind, url, occurred_at in rows.order_by():
        events[contact_id].append((kind, url, occurred_at))
    return events


def _adjustments_for(contact_ids: Sequence[int], context: ScoringContext) -> dict[int, list[Adjustment]]:
    adjustments: dict[int, list[Adjustment]] = defaultdict(list)
    if not contact_ids:
        return adjustments
    rows = (
        ScoreAdjustment.objects.filter(contact_id__in=contact_ids)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=context.now))
        .order_by("created_at", "id")
        .values_list("contact_id", "public_id", "points", "reason", "source_label", "expires_at")
    )
    for contact_id, public_id, points, reason, source_label, expires_at in rows:
        adjustments[contact_id].append(Adjustment(str(public_id), points, reason, source_label, expires_at))
    return adjustments


def change_title(old: int, new: int, reasons: list[dict[str, Any]], cause: str) -> str:
    if cause == "decay":
        return f"Score {old} → {new}: older engagement counts for less"
    if cause == "expiry":
        return f"Score {old} → {new}: a score adjustment expired"
    if len(reasons) == 1:
        return f"{reasons[0]['points']:+d}: {reasons[0]['reason']}"
    return f"Score {old} → {new}"


def _said(rule_id: Any, item: dict[str, Any]) -> str:
    """A reason as the timeline tells it: an adjustment also says where it came from."""
    reason = str(item.get("reason", ""))
    source = item.get("rule", "")
    if str(rule_id).startswith(ADJUSTMENT_PREFIX) and source and source != ADJUSTMENT_LABEL:
        return f"{reason} ({source})"
    return reason


def _changed_reasons(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = {item.get("rule_id"): item for item in old if isinstance(item, dict)}
    after = {item["rule_id"]: item for item in new}
    reasons = []
    for rule_id, item in after.items():
        delta = item["points"] - int(before.get(rule_id, {}).get("points", 0) or 0)
        if delta:
            reasons.append({"rule": item["rule"], "points": delta, "reason": _said(rule_id, item)})
    for rule_id, item in before.items():
        if rule_id not in after and item.get("points"):
            reasons.append(
                {
                    "rule": item.get("rule", ""),
                    "points": -int(item["points"]),
                    "reason": f"no longer: {_said(rule_id, item)}",
                }
            )
    return reasons


def scores_recompute(
    contact_ids: Iterable[int], *, cause: str = "activity", context: ScoringContext | None = None
) -> int:
    """Recompute the given contacts; store, explain and act on the changes. Returns how many changed."""
    context = context or context_load()
    ids = sorted(set(contact_ids))
    changed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        changed += _recompute_batch(ids[start : start + BATCH_SIZE], cause, context)
    return changed


def _recompute_batch(contact_ids: Sequence[int], cause: str, context: ScoringContext) -> int:
    contacts = list(Contact.objects.filter(pk__in=contact_ids).select_related("company").order_by("pk"))
    stored = {score.contact_id: score for score in ContactScore.objects.filter(contact_id__in=contact_ids)}
    events = _events_for([contact.pk for contact in contacts], context)
    adjustments = _adjustments_for([contact.pk for contact in contacts], context)
    threshold = context.settings.mql_threshold
    to_create: list[ContactScore] = []
    to_update: list[ContactScore] = []
    contacts_changed: list[Contact] = []
    timeline: list[Activity] = []
    qualified: list[tuple[Contact, int]] = []
    for contact in contacts:
        result = score_compute(contact, events.get(contact.pk, []), context, adjustments.get(contact.pk, ()))
        previous = stored.get(contact.pk)
        old_total = previous.total if previous else contact.score
        was_below = previous is None or previous.total < threshold
        old_explanation = list(previous.explanation) if previous else []
        if previous is None:
            to_create.append(_score_row(contact, result, context.now))
        elif (
            previous.fit,
            previous.engagement,
            previous.adjustment,
            previous.total,
            previous.explanation,
        ) != (result.fit, result.engagement, result.adjustment, result.total, result.explanation):
            previous.fit, previous.engagement, previous.total = result.fit, result.engagement, result.total
            previous.adjustment = result.adjustment
            previous.explanation, previous.computed_at = result.explanation, context.now
            to_update.append(previous)
        if contact.score != result.total:
            reasons = _changed_reasons(old_explanation, result.explanation)
            timeline.append(
                Activity(
                    kind=Kind.SCORE_CHANGED,
                    contact_id=contact.pk,
                    company_id=contact.company_id,
                    occurred_at=context.now,
                    title=change_title(old_total, result.total, reasons, cause)[:300],
                    data={"from": old_total, "to": result.total, "reasons": reasons, "via": "scoring"},
                )
            )
            contact.score = result.total
            contacts_changed.append(contact)
        crossed = was_below and result.total >= threshold
        stage_rank = LifecycleStage.rank(contact.lifecycle_stage)
        if crossed and 0 <= stage_rank < LifecycleStage.rank(LifecycleStage.MQL):
            qualified.append((contact, result.total))
    with transaction.atomic():
        # A full recompute running beside the worker may store a contact's first score a moment earlier.
        ContactScore.objects.bulk_create(to_create, batch_size=BATCH_SIZE, ignore_conflicts=True)
        ContactScore.objects.bulk_update(
            to_update,
            ["fit", "engagement", "adjustment", "total", "explanation", "computed_at"],
            batch_size=BATCH_SIZE,
        )
        Contact.objects.bulk_update(contacts_changed, ["score"], batch_size=BATCH_SIZE)
        Activity.objects.bulk_create(timeline, batch_size=BATCH_SIZE)
        for contact, total in qualified:
            _qualify(contact, total, threshold)
    return len(contacts_changed)


def _score_row(contact: Contact, result: ScoreResult, now: datetime) -> ContactScore:
    return ContactScore(
        contact=contact,
        fit=result.fit,
        engagement=result.engagement,
        adjustment=result.adjustment,
        total=result.total,
        explanation=result.explanation,
        computed_at=now,
    )


def _qualify(contact: Contact, total: int, threshold: int) -> None:
    """Move a contact who reached the threshold to MQL, and say why on the timeline."""
    from leadline.contacts.services import contact_update

    before = contact.lifecycle_stage
    contact_update(contact=contact, actor=None, data={"lifecycle_stage": LifecycleStage.MQL}, via="scoring")
    reason = f"Score {total} reached the MQL threshold of {threshold}"
    Activity.objects.create(
        kind=Kind.SCORE_CHANGED,
        contact=contact,
        company_id=contact.company_id,
        occurred_at=timezone.now(),
        title=f"Marketing qualified: {reason[0].lower()}{reason[1:]}"[:300],
        data={
            "from": total,
            "to": total,
            "reasons": [],
            "via": "scoring",
            "stage": {"from": before, "to": LifecycleStage.MQL, "reason": reason},
        },
    )


# --- Batches: incremental, decay, full ----------------------------------------------------------


def scores_process_new_activity(*, limit: int = 5000) -> int:
    """Read up to `limit` new activity rows and recompute the contacts they touched. Returns rows read."""
    with transaction.atomic():
        cursor, _ = Cursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
        window = Activity.objects.filter(id__gt=cursor.position).order_by("id")
        last_id = window.values_list("id", flat=True)[limit - 1 : limit].first()
        if last_id is None:
            last_id = window.aggregate(top=Max("id"))["top"]
        if last_id is None:
            return 0
        contact_ids = set(
            Activity.objects.filter(
                id__gt=cursor.position, id__lte=last_id, kind__in=TRIGGER_KINDS, contact__isnull=False
            )
            .order_by()
            .values_list("contact_id", flat=True)
            .distinct()
        )
        scores_recompute(contact_ids)
        read = last_id - cursor.position
        cursor.position = last_id
        cursor.save(update_fields=["position", "updated_at"])
    return read


def scores_expiry_pass(*, context: ScoringContext | None = None, batch_size: int = 1000) -> int:
    """Recompute the contacts whose stored score still counts an adjustment that has expired since.
    Returns changes."""
    context = context or context_load()
    expired = (
        ScoreAdjustment.objects.filter(
            expires_at__lte=context.now, expires_at__gt=F("contact__score_detail__computed_at")
        )
        .order_by()
        .values_list("contact_id", flat=True)
        .distinct()
    )
    ids = sorted(expired)
    changed = 0
    for start in range(0, len(ids), batch_size):
        changed += scores_recompute(ids[start : start + batch_size], cause="expiry", context=context)
    return changed


def scores_decay_pass(*, batch_size: int = 1000) -> int:
    """Recompute everyone with engagement points, so that old engagement fades, and everyone whose
    adjustment expired. Returns changes."""
    context = context_load()
    # Expired adjustments first, so that their timeline entry names the expiry, not the decay.
    changed = scores_expiry_pass(context=context, batch_size=batch_size)
    last_id = 0
    while True:
        ids = list(
            ContactScore.objects.filter(contact_id__gt=last_id)
            .exclude(engagement=0)
            .order_by("contact_id")
            .values_list("contact_id", flat=True)[:batch_size]
        )
        if not ids:
            return changed
        changed += scores_recompute(ids, cause="decay", context=context)
        last_id = ids[-1]


def scores_recompute_all(*, batch_size: int = 1000) -> int:
    """Recompute every contact in large batches (after rules or settings changed). Returns changes."""
    context = context_load()
    changed, last_id = 0, 0
    while True:
        ids = list(
            Contact.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return changed
        changed += scores_recompute(ids, context=context)
        last_id = ids[-1]
