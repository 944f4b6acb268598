"""Writes of the automation room: workflows and their versions, enrolments, retries and test runs."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from leadline.activity.models import Activity
from leadline.automation import graph
from leadline.automation.engine import (
    KIND_ENROLLED,
    BatchResult,
    _finish,
    _Writes,
    run_enrolment,
    timeline_row,
    write,
)
from leadline.automation.models import Enrolment, StepRun, TriggerType, Workflow, WorkflowVersion
from leadline.automation.steps import STEP_TYPES, step_type
from leadline.automation.triggers import clean_trigger_config
from leadline.contacts.models import Contact
from leadline.core.services import audit_record
from leadline.segments.compiler import SegmentError, compile_tree

State = Enrolment.State
NAME_MAX_LENGTH = 200
TEST_MAX_STEPS = 100


# --- Workflows ----------------------------------------------------------------------------------------


def _clean_settings(data: Mapping[str, Any], workflow: Workflow | None) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "name" in data or workflow is None:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = "Give the workflow a name."
        elif len(name) > NAME_MAX_LENGTH:
            errors["name"] = f"At most {NAME_MAX_LENGTH} characters."
        cleaned["name"] = name
    if "description" in data:
        description = str(data.get("description") or "").strip()
        if len(description) > 500:
            errors["description"] = "At most 500 characters."
        cleaned["description"] = description
    if "trigger_type" in data:
        trigger = data.get("trigger_type")
        if trigger not in TriggerType.values:
            errors["trigger_type"] = "Choose what enrols contacts."
        else:
            cleaned["trigger_type"] = trigger
            try:
                cleaned["trigger_config"] = clean_trigger_config(
                    str(trigger), data.get("trigger_config") or {}
                )
            except ValidationError as error:
                errors["trigger_config"] = "; ".join(error.messages)
    if "reenrolment" in data:
        if data.get("reenrolment") not in Workflow.Reenrolment.values:
            errors["reenrolment"] = "Choose once or again."
        else:
            cleaned["reenrolment"] = data["reenrolment"]
    if "reenrol_after_days" in data:
        try:
            days = int(data.get("reenrol_after_days") or 0)
        except (TypeError, ValueError):
            days = -1
        if not 1 <= days <= 3650:
            errors["reenrol_after_days"] = "Between 1 and 3650 days."
        else:
            cleaned["reenrol_after_days"] = days
    for flag in ("exit_on_unsubscribe", "exit_on_customer"):
        if flag in data:
            cleaned[flag] = bool(data.get(flag))
    if "goal" in data:
        goal = data.get("goal") or {}
        if goal:
            try:
                compile_tree(goal)
            except SegmentError as error:
                errors["goal"] = str(error)
        cleaned["goal"] = goal
    if errors:
        raise ValidationError(errors)
    return cleaned


def workflow_create(
    *, actor: Any, data: Mapping[str, Any], steps: list[dict[str, Any]] | None = None, playbook: str = ""
) -> Workflow:
    cleaned = _clean_settings(data, None)
    tree = clean_steps(steps or [])
    with transaction.atomic():
        workflow = Workflow.objects.create(**cleaned, created_by=actor, playbook=playbook)
        version = WorkflowVersion.objects.create(workflow=workflow, number=1, steps=tree, created_by=actor)
        workflow.current_version = version
        workflow.save(update_fields=["current_version"])
        audit_record(actor=actor, action="workflow.created", target=workflow, summary=workflow.name)
    return workflow


def workflow_update(*, workflow: Workflow, actor: Any, data: Mapping[str, Any]) -> Workflow:
    cleaned = _clean_settings(data, workflow)
    for name, value in cleaned.items():
        setattr(workflow, name, value)
    workflow.save(update_fields=[*cleaned, "updated_at"])
    return workflow


def workflow_set_status(*, workflow: Workflow, actor: Any, status: str) -> Workflow:
    if status not in Workflow.Status.values:
        raise ValidationError({"status": "Unknown status."})
    if status == Workflow.Status.ACTIVE:
        steps = workflow.current_version.steps if workflow.current_version else []
        if not steps:
            raise ValidationError({"status": "Add at least one step before turning the workflow on."})
    now = timezone.now()
    with transaction.atomic():
        workflow.status = status
        fields = ["status", "updated_at"]
        if status == Workflow.Status.ACTIVE and workflow.activated_at is None:
            workflow.activated_at = now
            fields.append("activated_at")
        workflow.save(update_fields=fields)
        if status == Workflow.Status.ARCHIVED:
            enrolments_exit(queryset=workflow.enrolments.all(), reason="archived", now=now)
        audit_record(actor=actor, action=f"workflow.{status}", target=workflow, summary=workflow.name)
    return workflow


def workflow_delete(*, workflow: Workflow, actor: Any) -> None:
    if workflow.status == Workflow.Status.ACTIVE:
        raise ValidationError("Pause the workflow before deleting it.")
    with transaction.atomic():
        audit_record(actor=actor, action="workflow.deleted", target=workflow, summary=workflow.name)
        workflow.current_version = None
        workflow.save(update_fields=["current_version"])
        Enrolment.objects.filter(workflow=workflow).delete()
        workflow.delete()


# --- Steps and versions -----------------------------------------------------------------------------


def clean_step(data: Mapping[str, Any], *, key: str | None = None) -> dict[str, Any]:
    """One step node from raw data (`type` and its settings), with a new key unless given one."""
    kind = step_type(str(data.get("type") or ""))
    raw = data.get("config") if isinstance(data.get("config"), Mapping) else data
    config = kind.clean(dict(raw or {}))
    step: dict[str, Any] = {"key": key or graph.new_key(), "type": kind.type, "config": config}
    step["title"] = kind.describe(config)
    if kind.branches:
        step["branches"] = {name: [] for name in kind.branches}
    return step


def clean_steps(steps: Any, *, keep_keys: bool = True) -> list[dict[str, Any]]:
    """A whole tree from raw data (playbooks, the API): each step cleaned, keys kept or made."""
    if not isinstance(steps, list):
        raise ValidationError({"steps": "Steps must be a list."})
    seen: set[str] = set()

    def clean_list(items: list[Any], depth: int) -> list[dict[str, Any]]:
        if depth > 10:
            raise ValidationError({"steps": "Branches are nested too deeply."})
        cleaned = []
        for item in items:
            if not isinstance(item, Mapping):
                raise ValidationError({"steps": "Each step must be an object."})
            key = str(item.get("key") or "") if keep_keys else ""
            if key and (len(key) > 64 or key in seen):
                raise ValidationError({"steps": f"Step key {key[:64]} is repeated or too long."})
            step = clean_step(item, key=key or None)
            seen.add(step["key"])
            kind = STEP_TYPES[step["type"]]
            for name in kind.branches:
                branch = (item.get("branches") or {}).get(name) or []
                if not isinstance(branch, list):
                    raise ValidationError({"steps": "Each branch must be a list of steps."})
                step["branches"][name] = clean_list(branch, depth + 1)
            cleaned.append(step)
        return cleaned

    tree = clean_list(steps, 1)
    if graph.count(tree) > graph.MAX_STEPS:
        raise ValidationError({"steps": f"A workflow holds at most {graph.MAX_STEPS} steps."})
    return tree


def workflow_publish_steps(*, workflow: Workflow, actor: Any, steps: list[dict[str, Any]]) -> WorkflowVersion:
    """Save `steps` as the workflow's new version and move open enrolments onto it.

    Contacts stay on their step when the new version still has it; when it was removed they go on
    to the first later step (in the old order) that still exists, at once, or finish when none does."""
    now = timezone.now()
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        old = locked.current_version
        number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = WorkflowVersion.objects.create(
            workflow=locked, number=number, steps=steps, created_by=actor
        )
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        workflow.current_version = version
        if old is not None:
            _migrate_enrolments(locked, old, version, now)
    return version


def _migrate_enrolments(
    workflow: Workflow, old: WorkflowVersion, new: WorkflowVersion, now: datetime
) -> None:
    new_keys = set(graph.keys(new.steps))
    open_rows = Enrolment.objects.filter(
        workflow=workflow, state__in=(State.ACTIVE, State.WAITING), is_test=False
    )
    open_rows.filter(current_step_key__in=new_keys).update(version=new, updated_at=now)
    gone = open_rows.exclude(current_step_key__in=new_keys)
    moves: dict[str, str | None] = {}
    for key in gone.values_list("current_step_key", flat=True).distinct():
        moves[key] = graph.successor_in(old.steps, new.steps, key)
    for key, target in moves.items():
        rows = gone.filter(current_step_key=key)
        if target is None:
            rows.update(
                version=new, state=State.COMPLETED, exit_reason="completed", finished_at=now, run_at=None,
                waiting_since=None, updated_at=now,
            )  # fmt: skip
        else:
            rows.update(
                version=new, current_step_key=target, state=State.ACTIVE, run_at=now, waiting_since=None,
                updated_at=now,
            )  # fmt: skip


def _current_steps(workflow: Workflow) -> list[dict[str, Any]]:
    return copy.deepcopy(workflow.current_version.steps if workflow.current_version else [])


def workflow_add_step(
    *, workflow: Workflow, actor: Any, data: Mapping[str, Any], after: str | None, branch: str | None = None
) -> dict[str, Any]:
    step = clean_step(data)
    try:
        tree = graph.insert(_current_steps(workflow), step, after=after or None, branch=branch or None)
    except KeyError:
        raise ValidationError({"after": "That place in the workflow no longer exists."}) from None
    if graph.count(tree) > graph.MAX_STEPS:
        raise ValidationError({"type": f"A workflow holds at most {graph.MAX_STEPS} steps."})
    workflow_publish_steps(workflow=workflow, actor=actor, steps=tree)
    return step


def workflow_change_step(
    *, workflow: Workflow, actor: Any, key: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    current = graph.find(_current_steps(workflow), key)
    if current is None:
        raise ValidationError({"step": "This step no longer exists."})
    step = clean_step({**data, "type": current["type"]}, key=key)
    tree = graph.replace(_current_steps(workflow), key, step["config"], step["title"])
    workflow_publish_steps(workflow=workflow, actor=actor, steps=tree)
    return step


def workflow_remove_step(*, workflow: Workflow, actor: Any, key: str) -> None:
    try:
        tree = graph.remove(_current_steps(workflow), key)
    except KeyError:
        raise ValidationError({"step": "This step no longer exists."}) from None
    workflow_publish_steps(workflow=workflow, actor=actor, steps=tree)


# --- Enrolments -----------------------------------------------------------------------------------------


def enrolment_blocked(workflow: Workflow, contact_id: int, now: datetime) -> bool:
    """Whether the enrolment rules keep this contact out now."""
    rows = Enrolment.objects.filter(workflow=workflow, contact_id=contact_id, is_test=False)
    if rows.filter(state__in=(State.ACTIVE, State.WAITING)).exists():
        return True
    if workflow.reenrolment == Workflow.Reenrolment.ONCE:
        return rows.exists()
    return rows.filter(enrolled_at__gt=now - timedelta(days=workflow.reenrol_after_days)).exists()


def enrolment_create(
    *,
    workflow: Workflow,
    contact: Contact,
    trigger: str,
    trigger_data: dict[str, Any] | None = None,
    actor: Any = None,
    now: datetime | None = None,
    ignore_rules: bool = False,
) -> Enrolment | None:
    """Put the contact at the start of the workflow, unless the enrolment rules say no (None)."""
    now = now or timezone.now()
    version = workflow.current_version
    if version is None or not version.steps:
        return None
    if not ignore_rules and enrolment_blocked(workflow, contact.pk, now):
        return None
    enrolment = Enrolment(
        workflow=workflow,
        version=version,
        contact=contact,
        state=State.ACTIVE,
        current_step_key=graph.first_key(version.steps) or "",
        run_at=now,
        enrolled_at=now,
        trigger=trigger[:32],
        trigger_data=trigger_data or {},
        enrolled_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():
        enrolment.save()
        timeline_row(enrolment, KIND_ENROLLED, "enrolled", now, trigger=trigger).save()
    return enrolment


def enrolments_exit(*, queryset: Any, reason: str, now: datetime | None = None) -> int:
    now = now or timezone.now()
    writes = _Writes()
    rows = list(
        queryset.filter(state__in=(State.ACTIVE, State.WAITING)).select_related("workflow", "contact")
    )
    for enrolment in rows:
        _finish(enrolment, State.EXITED, reason, now, writes)
        enrolment.updated_at = now
    with transaction.atomic():
        Activity.objects.bulk_create(writes.activities)
        Enrolment.objects.bulk_update(
            rows,
            ["state", "exit_reason", "finished_at", "run_at", "waiting_since", "last_error", "updated_at"],
        )
    return len(rows)


def enrolment_unenrol(*, enrolment: Enrolment, actor: Any) -> Enrolment:
    if not enrolment.is_open and enrolment.state != State.FAILED:
        raise ValidationError("This enrolment has already ended.")
    queryset = Enrolment.objects.filter(pk=enrolment.pk)
    if enrolment.state == State.FAILED:
        queryset.update(exit_reason="unenrolled", updated_at=timezone.now())
    else:
        enrolments_exit(queryset=queryset, reason="unenrolled")
    enrolment.refresh_from_db()
    return enrolment


def enrolment_retry(*, enrolment: Enrolment, actor: Any) -> Enrolment:
    """Send a failed enrolment back to its failed step, due now, with a fresh count of attempts."""
    if enrolment.state != State.FAILED:
        raise ValidationError("Only failed enrolments can be retried.")
    now = timezone.now()
    Enrolment.objects.filter(pk=enrolment.pk, state=State.FAILED).update(
        state=State.ACTIVE, run_at=now, attempts=0, finished_at=None, exit_reason="", lease_until=None,
        lease_owner="", updated_at=now,
    )  # fmt: skip
    enrolment.refresh_from_db()
    return enrolment


def enrolments_retry_failed(*, workflow: Workflow, actor: Any) -> int:
    now = timezone.now()
    return Enrolment.objects.filter(workflow=workflow, state=State.FAILED, is_test=False).update(
        state=State.ACTIVE, run_at=now, attempts=0, finished_at=None, exit_reason="", updated_at=now
    )


# --- Test runs --------------------------------------------------------------------------------------------


def workflow_test_run(*, workflow: Workflow, contact: Contact, actor: Any) -> Enrolment:
    """Run one contact through the current version now, waits skipped.

    A test run is an enrolment marked `is_test`: conditions are read from the real contact, emails
    go to the person testing with "[Test]" in the subject, and every other effect (tasks, deals,
    properties, lists, webhooks, enrolments elsewhere) is only written on the timeline as what
    would have happened. Test runs do not count against the enrolment rules."""
    now = timezone.now()
    version = workflow.current_version
    if version is None or not version.steps:
        raise ValidationError("Add a step before testing the workflow.")
    enrolment = Enrolment(
        workflow=workflow,
        version=version,
        contact=contact,
        state=State.ACTIVE,
        current_step_key=graph.first_key(version.steps) or "",
        run_at=now,
        enrolled_at=now,
        trigger="test",
        is_test=True,
        enrolled_by=actor,
    )
    with transaction.atomic():
        enrolment.save()
        timeline_row(enrolment, KIND_ENROLLED, f"test run started by {actor.display_name}", now).save()
        writes = _Writes(enrolments=[enrolment])
        result = BatchResult()
        done: set[str] = set()
        cache: dict[str, Any] = {}
        for _ in range(TEST_MAX_STEPS):
            run_enrolment(
                enrolment, now=now, done=done, writes=writes, result=result, cache=cache, test=True, tester=actor,
                max_steps=TEST_MAX_STEPS,
            )  # fmt: skip
            if enrolment.state != State.WAITING:
                break
            # Time is fast-forwarded: a wait ends as soon as it begins.
            enrolment.state = State.ACTIVE
            enrolment.waiting_since = now - timedelta(days=3650)
            enrolment.run_at = now
        write(writes, now=now)
    return enrolment


def step_counts(workflow: Workflow) -> dict[str, dict[str, int]]:
    """Per step key: contacts here now, contacts who passed, and of those how many converted."""
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = {}
    here = (
        Enrolment.objects.filter(
            workflow=workflow, state__in=(State.ACTIVE, State.WAITING, State.FAILED), is_test=False
        )
        .values("current_step_key", "state")
        .annotate(total=Count("id"))
        .order_by()
    )
    for row in here:
        entry = counts.setdefault(
            row["current_step_key"], {"here": 0, "failed": 0, "passed": 0, "converted": 0}
        )
        entry["failed" if row["state"] == State.FAILED else "here"] += row["total"]
    passed = (
        StepRun.objects.filter(workflow=workflow, enrolment__is_test=False)
        .values("step_key")
        .annotate(total=Count("id"), converted=Count("id", filter=Q(enrolment__converted_at__isnull=False)))
        .order_by()
    )
    for run in passed:
        entry = counts.setdefault(run["step_key"], {"here": 0, "failed": 0, "passed": 0, "converted": 0})
        entry["passed"] = run["total"]
        entry["converted"] = run["converted"]
    return counts
