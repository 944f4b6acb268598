"""Writes of pipeline settings: pipelines, their ordered stages with win probabilities and required
fields, the default pipeline, and the reasons a deal can be lost. Admins only (checked by callers
through the access layer); every change is in the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from leadline.core.services import audit_record
from leadline.sales.currencies import clean_currency
from leadline.sales.models import DealField, DealStageChange, LostReason, Pipeline, Stage, StageKind

NAME_MAX_LENGTH = 120
STAGE_NAME_MAX_LENGTH = 80
REASON_MAX_LENGTH = 80
MAX_ROTTING_DAYS = 365
MAX_STAGES = 30

# A new pipeline starts with these, so it can be used at once and then adapted.
STARTER_STAGES: list[tuple[str, str, int, list[str]]] = [
    ("New", StageKind.OPEN, 10, []),
    ("Qualified", StageKind.OPEN, 30, []),
    ("Proposal", StageKind.OPEN, 60, [DealField.AMOUNT]),
    ("Won", StageKind.WON, 100, [DealField.AMOUNT]),
    ("Lost", StageKind.LOST, 0, []),
]


# --- Cleaning -------------------------------------------------------------------------------------


def _text(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Must be text."})
    text = " ".join(value.split())
    if required and not text:
        raise ValidationError({field: "This field is required."})
    if len(text) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return text


def _whole_number(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError({field: "Must be a whole number."})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Must be a whole number."}) from None
    if isinstance(value, float) and number != value:
        raise ValidationError({field: "Must be a whole number."})
    if not low <= number <= high:
        raise ValidationError({field: f"Must be between {low} and {high}."})
    return number


def clean_required_fields(value: Any) -> list[str]:
    """DealField values, each once, in the order of DealField."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError({"required_fields": "Must be a list of deal fields."})
    chosen = [str(item) for item in value]
    unknown = [item for item in chosen if item not in DealField.values]
    if unknown:
        raise ValidationError(
            {"required_fields": f"Unknown deal field; choose from: {', '.join(DealField.values)}."}
        )
    return [field for field in DealField.values if field in chosen]


def _clean_kind(value: Any) -> str:
    if value not in StageKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(StageKind.values)}."})
    return str(value)


def _clean_pipeline_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = _text(data.get("name"), field="name", limit=NAME_MAX_LENGTH)
    if "currency" in data and data["currency"] is not None:
        cleaned["currency"] = clean_currency(data["currency"])
    if "rotting_days" in data and data["rotting_days"] is not None:
        cleaned["rotting_days"] = _whole_number(
            data["rotting_days"], field="rotting_days", low=0, high=MAX_ROTTING_DAYS
        )
    if "is_default" in data and data["is_default"] is not None:
        cleaned["is_default"] = bool(data["is_default"])
    return cleaned


def _clean_stage_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = _text(data.get("name"), field="name", limit=STAGE_NAME_MAX_LENGTH)
    if "kind" in data and data["kind"] is not None:
        cleaned["kind"] = _clean_kind(data["kind"])
    if "probability" in data and data["probability"] is not None:
        cleaned["probability"] = _whole_number(data["probability"], field="probability", low=0, high=100)
    elif not partial:
        kind = cleaned.get("kind", StageKind.OPEN)
        cleaned["probability"] = 100 if kind == StageKind.WON else 0 if kind == StageKind.LOST else 10
    if "required_fields" in data:
        cleaned["required_fields"] = clean_required_fields(data["required_fields"])
    return cleaned


def _name_taken(pipeline: Pipeline, name: str, exclude: Stage | None = None) -> bool:
    stages = pipeline.stages.filter(name__iexact=name)
    if exclude is not None:
        stages = stages.exclude(pk=exclude.pk)
    return stages.exists()


def _check_kinds(pipeline: Pipeline) -> None:
    """Every pipeline keeps at least one open, one won and one lost stage."""
    kinds = set(pipeline.stages.values_list("kind", flat=True))
    missing = [label for kind, label in StageKind.choices if kind not in kinds]
    if missing:
        raise ValidationError(
            {
                "kind": f"A pipeline needs at least one {' and one '.join(str(m).lower() for m in missing)} stage."
            }
        )


def _renumber(pipeline: Pipeline, ordered: Sequence[Stage]) -> None:
    for position, stage in enumerate(ordered, start=1):
        if stage.position != position:
            stage.position = position
            stage.save(update_fields=["position", "updated_at"])


# --- Pipelines ------------------------------------------------------------------------------------


def pipeline_create(
    *, actor: Any, data: Mapping[str, Any], stages: Sequence[Mapping[str, Any]] | None = None
) -> Pipeline:
    """A pipeline with the given stages (or the starter ones). The first pipeline is the default."""
    cleaned = _clean_pipeline_fields(data, partial=False)
    stage_rows = [_clean_stage_fields(stage, partial=False) for stage in stages] if stages else None
    if stage_rows is None:
        stage_rows = [
            {"name": name, "kind": kind, "probability": probability, "required_fields": list(required)}
            for name, kind, probability, required in STARTER_STAGES
        ]
    if len(stage_rows) > MAX_STAGES:
        raise ValidationError({"stages": f"At most {MAX_STAGES} stages."})
    names = [row["name"].lower() for row in stage_rows]
    if len(set(names)) != len(names):
        raise ValidationError({"stages": "Two stages have the same name."})
    if Pipeline.objects.filter(name__iexact=cleaned["name"]).exists():
        raise ValidationError({"name": "A pipeline with this name exists already."})
    make_default = cleaned.pop("is_default", False) or not Pipeline.objects.filter(is_default=True).exists()
    with transaction.atomic():
        position = (Pipeline.objects.aggregate(last=Max("position"))["last"] or 0) + 1
        pipeline = Pipeline.objects.create(**cleaned, position=position)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, position=index, **row) for index, row in enumerate(stage_rows, start=1)
        )
        _check_kinds(pipeline)
        if make_default:
            _set_default(pipeline)
        audit_record(actor=actor, action="pipeline.created", target=pipeline, summary=pipeline.name)
    return pipeline


def pipeline_update(*, pipeline: Pipeline, actor: Any, data: Mapping[str, Any]) -> Pipeline:
    cleaned = _clean_pipeline_fields(data, partial=True)
    if (
        "name" in cleaned
        and Pipeline.objects.filter(name__iexact=cleaned["name"]).exclude(pk=pipeline.pk).exists()
    ):
        raise ValidationError({"name": "A pipeline with this name exists already."})
    make_default = cleaned.pop("is_default", None)
    if make_default is False and pipeline.is_default:
        raise ValidationError({"is_default": "Make another pipeline the default instead."})
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(pipeline, name, value)
        pipeline.save(update_fields=[*cleaned, "updated_at"])
        if make_default:
            _set_default(pipeline)
        audit_record(actor=actor, action="pipeline.updated", target=pipeline, summary=pipeline.name)
    return pipeline


def _set_default(pipeline: Pipeline) -> None:
    if pipeline.is_archived:
        raise ValidationError({"is_default": "An archived pipeline cannot be the default."})
    Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    if not pipeline.is_default:
        pipeline.is_default = True
        pipeline.save(update_fields=["is_default", "updated_at"])


def pipeline_set_default(*, pipeline: Pipeline, actor: Any) -> Pipeline:
    with transaction.atomic():
        _set_default(pipeline)
        audit_record(actor=actor, action="pipeline.default", target=pipeline, summary=pipeline.name)
    return pipeline


def pipeline_set_archived(*, pipeline: Pipeline, actor: Any, archived: bool) -> Pipeline:
    """Archived pipelines leave the board switcher; their deals stay readable in the list."""
    if archived and pipeline.is_default:
        raise ValidationError({"is_archived": "Make another pipeline the default before archiving this one."})
    pipeline.is_archived = archived
    with transaction.atomic():
        pipeline.save(update_fields=["is_archived", "updated_at"])
        audit_record(
            actor=actor,
            action="pipeline.archived" if archived else "pipeline.restored",
            target=pipeline,
            summary=pipeline.name,
        )
    return pipeline


def pipeline_delete(*, pipeline: Pipeline, actor: Any) -> None:
    if pipeline.is_default:
        raise ValidationError("The default pipeline cannot be deleted; make another one the default first.")
    if pipeline.deals.exists():
        raise ValidationError("This pipeline still has deals; archive it instead.")
    with transaction.atomic():
        audit_record(actor=actor, action="pipeline.deleted", target=pipeline, summary=pipeline.name)
        pipeline.delete()


# --- Stages ---------------------------------------------------------------------------------------


def stage_create(*, pipeline: Pipeline, actor: Any, data: Mapping[str, Any]) -> Stage:
    """A new stage, placed before the won and lost stages unless a position is given."""
    cleaned = _clean_stage_fields(data, partial=False)
    if _name_taken(pipeline, cleaned["name"]):
        raise ValidationError({"name": "This pipeline has a stage with this name already."})
    with transaction.atomic():
        stages = list(
            Pipeline.objects.select_for_update().get(pk=pipeline.pk).stages.order_by("position", "id")
        )
        if len(stages) >= MAX_STAGES:
            raise ValidationError({"name": f"A pipeline has at most {MAX_STAGES} stages."})
        if data.get("position") is not None:
            index = _whole_number(data["position"], field="position", low=1, high=len(stages) + 1) - 1
        elif cleaned.get("kind", StageKind.OPEN) == StageKind.OPEN:
            open_indexes = [i for i, stage in enumerate(stages) if stage.kind == StageKind.OPEN]
            index = (open_indexes[-1] + 1) if open_indexes else 0
        else:
            index = len(stages)
        stage = Stage.objects.create(pipeline=pipeline, position=index + 1, **cleaned)
        stages.insert(index, stage)
        _renumber(pipeline, stages)
        audit_record(
            actor=actor, action="stage.created", target=stage, summary=f"{pipeline.name}: {stage.name}"
        )
    return stage


def stage_update(*, stage: Stage, actor: Any, data: Mapping[str, Any]) -> Stage:
    cleaned = _clean_stage_fields(data, partial=True)
    if "name" in cleaned and _name_taken(stage.pipeline, cleaned["name"], exclude=stage):
        raise ValidationError({"name": "This pipeline has a stage with this name already."})
    if "kind" in cleaned and cleaned["kind"] != stage.kind and stage.deals.exists():
        raise ValidationError({"kind": "Deals are in this stage; move them before changing its kind."})
    with transaction.atomic():
        for name, value in cleaned.items():
            setattr(stage, name, value)
        stage.save(update_fields=[*cleaned, "updated_at"])
        _check_kinds(stage.pipeline)
        if data.get("position") is not None:
            stage_reposition(stage=stage, actor=None, position=data["position"])
        audit_record(
            actor=actor, action="stage.updated", target=stage, summary=f"{stage.pipeline}: {stage.name}"
        )
    return stage


def stage_reposition(*, stage: Stage, actor: Any, position: Any) -> Stage:
    """Put the stage at `position` (1 = first) and renumber the others."""
    with transaction.atomic():
        stages = [other for other in stage.pipeline.stages.order_by("position", "id") if other.pk != stage.pk]
        index = _whole_number(position, field="position", low=1, high=len(stages) + 1) - 1
        stages.insert(index, stage)
        _renumber(stage.pipeline, stages)
        if actor is not None:
            audit_record(
                actor=actor, action="stage.moved", target=stage, summary=f"{stage.pipeline}: {stage.name}"
            )
    return stage


def stage_shift(*, stage: Stage, actor: Any, direction: str) -> Stage:
    """One place up or down (the keyboard-friendly reorder of the settings page)."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a stage up or down."})
    ordered = list(stage.pipeline.stages.order_by("position", "id"))
    index = next(i for i, other in enumerate(ordered) if other.pk == stage.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return stage
    return stage_reposition(stage=stage, actor=actor, position=target + 1)


def stages_reorder(*, pipeline: Pipeline, actor: Any, stage_ids: Sequence[Any]) -> list[Stage]:
    """All stages in a new order, given as their public ids."""
    stages = {str(stage.public_id): stage for stage in pipeline.stages.all()}
    wanted = [str(value) for value in stage_ids]
    if sorted(wanted) != sorted(stages):
        raise ValidationError({"stages": "List every stage of this pipeline once."})
    ordered = [stages[public_id] for public_id in wanted]
    with transaction.atomic():
        _renumber(pipeline, ordered)
        audit_record(actor=actor, action="stages.reordered", target=pipeline, summary=pipeline.name)
    return ordered


def stage_delete(*, stage: Stage, actor: Any) -> None:
    """Only an empty stage can go: deals and their stage history keep pointing at it otherwise."""
    if stage.deals.exists():
        raise ValidationError("Move the deals out of this stage before deleting it.")
    if DealStageChange.objects.filter(to_stage=stage).exists():
        # Stage-to-stage conversion and time in stage are read from this history.
        raise ValidationError(
            "Deals have been through this stage and reports read that history: rename it instead."
        )
    pipeline = stage.pipeline
    try:
        with transaction.atomic():
            stage.delete()
            _check_kinds(pipeline)
            _renumber(pipeline, list(pipeline.stages.order_by("position", "id")))
            audit_record(
                actor=actor, action="stage.deleted", target=pipeline, summary=f"{pipeline}: {stage.name}"
            )
    except IntegrityError:
        raise ValidationError("This stage is still referenced and cannot be deleted.") from None


# --- Lost reasons ---------------------------------------------------------------------------------


def lost_reason_create(*, actor: Any, label: Any) -> LostReason:
    text = _text(label, field="label", limit=REASON_MAX_LENGTH)
    if LostReason.objects.filter(label__iexact=text).exists():
        raise ValidationError({"label": "This reason exists already."})
    base = slugify(text)[:36] or "reason"
    key, suffix = base, 2
    while LostReason.objects.filter(key=key).exists():
        key, suffix = f"{base}-{suffix}", suffix + 1
    with transaction.atomic():
        position = (LostReason.objects.aggregate(last=Max("position"))["last"] or 0) + 1
        reason = LostReason.objects.create(key=key, label=text, position=position)
        audit_record(actor=actor, action="lost_reason.created", target=reason, summary=text)
    return reason


def lost_reason_set_active(*, reason: LostReason, actor: Any, active: bool) -> LostReason:
    """Hidden reasons are no longer offered; deals lost for them keep showing them."""
    reason.is_active = active
    with transaction.atomic():
        reason.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="lost_reason.offered" if active else "lost_reason.hidden",
            target=reason,
            summary=reason.label,
        )
    return reason
