"""The workflow engine: claim due enrolments in batches, run their steps, record and advance.

`engine_tick` is what the scheduler runs every minute. It claims enrolments whose `run_at` has
come (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional update on SQLite) under a lease, runs
each enrolment's steps until it waits, finishes or fails, and writes the results of the whole batch
in one transaction: the `StepRun` rows (unique per enrolment and step), the emails (keyed
`workflow:<enrolment>:<step>` in the outbox), the timeline entries and the enrolments' new places.
A worker that dies after claiming leaves leases that expire; the next claim takes the rows again
and, since nothing of the lost batch was committed, runs each step once. When the batch cannot be
stored (a row the outbox or the database refuses), it is rolled back and each enrolment is run again
on its own, so one bad row holds back nobody else; an enrolment that cannot be stored even alone is
retried with backoff, then failed, like a failing step.

A batch runs hundreds of enrolments, so the hot path keeps Django's per-row costs out: enrolments
and their contacts are read as plain values into model instances with only the columns the engine
uses (`_load`), and `StepRun` rows and timeline entries are inserted as plain values
(`core.bulk.insert_values`: `executemany` on SQLite, `COPY` on PostgreSQL).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.automation import conditions, graph
from leadline.automation.models import Enrolment, StepRun, Workflow, WorkflowVersion
from leadline.automation.steps import STEP_TYPES, Outcome, StepContext, StepError
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.bulk import insert_values, loaded_instance
from leadline.mail.outbox import Outgoing, outbox_enqueue_many

logger = logging.getLogger(__name__)

State = Enrolment.State
LEASE = timedelta(seconds=30)
BATCH_SIZE = 500
# Steps one enrolment may take in one go before it yields to the others (a guard against a
# workflow that never waits).
MAX_STEPS_PER_RUN = 50
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
TICK_BUDGET_SECONDS = 50.0

KIND_ENROLLED = Kind.WORKFLOW_ENROLLED
KIND_STEP = Kind.WORKFLOW_STEP
KIND_FINISHED = Kind.WORKFLOW_FINISHED
KIND_FAILED = Kind.WORKFLOW_FAILED

EXIT_REASONS = {
    "completed": "Reached the end",
    "goal": "Met the goal",
    "unsubscribed": "Unsubscribed",
    "customer": "Became a customer",
    "unenrolled": "Taken out by hand",
    "archived": "Workflow archived",
}


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def timeline_row(enrolment: Enrolment, kind: str, title: str, now: datetime, **data: Any) -> Activity:
    return Activity(**timeline_values(enrolment, kind, title, now, **data))


def timeline_values(
    enrolment: Enrolment, kind: str, title: str, now: datetime, **data: Any
) -> dict[str, Any]:
    """The fields of a workflow timeline entry (`timeline_row` without the model instance)."""
    workflow = enrolment.workflow
    contact = enrolment.contact
    return {
        "kind": kind,
        "contact_id": enrolment.contact_id,
        "company_id": contact.company_id if contact else None,
        "occurred_at": now,
        "title": f"{workflow.name}: {title}"[:300],
        "data": {
            "workflow": str(workflow.public_id),
            "workflow_name": workflow.name,
            "enrolment": str(enrolment.public_id),
            "test": enrolment.is_test,
            **data,
        },
    }


# --- Claiming -------------------------------------------------------------------------------------------


def claim_due(*, now: datetime, owner: str, limit: int = BATCH_SIZE) -> list[int]:
    """Lease up to `limit` due enrolments of active workflows to `owner`; returns their ids."""
    due = (
        Enrolment.objects.filter(
            state__in=(State.ACTIVE, State.WAITING),
            run_at__lte=now,
            workflow__status=Workflow.Status.ACTIVE,
            is_test=False,
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .order_by("run_at", "id")
    )
    lease = {"lease_owner": owner, "lease_until": now + LEASE}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)[:limit]
            )
            if ids:
                Enrolment.objects.filter(id__in=ids).update(**lease)
        return ids
    # SQLite serialises writers: the conditional update only takes rows nobody leased meanwhile.
    candidates = list(due.values_list("id", flat=True)[:limit])
    if not candidates:
        return []
    Enrolment.objects.filter(id__in=candidates).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now), run_at__lte=now
    ).update(**lease)
    return list(Enrolment.objects.filter(id__in=candidates, lease_owner=owner).values_list("id", flat=True))


# --- Running -------------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    steps: int = 0
    waiting: int = 0
    finished: int = 0
    failed: int = 0
    retried: int = 0
    lags: list[float] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.steps += other.steps
        self.waiting += other.waiting
        self.finished += other.finished
        self.failed += other.failed
        self.retried += other.retried
        self.lags.extend(other.lags)


# One StepRun as the engine inserts it: (enrolment, workflow, step key, due at, ran at, outcome, detail).
StepRunRow = tuple[int, int, str, datetime, datetime, str, dict[str, Any]]
STEP_RUN_COLUMNS = ("enrolment_id", "workflow_id", "step_key", "due_at", "ran_at", "outcome", "detail")
TIMELINE_COLUMNS = ("public_id", "kind", "contact_id", "company_id", "occurred_at", "title", "data")


@dataclass
class _Writes:
    """A batch's results, written by `write`. `plain` batches (the engine's) keep timeline entries
    as plain values in `timeline`; others build `Activity` instances in `activities`."""

    step_runs: list[StepRunRow] = field(default_factory=list)
    emails: list[Outgoing] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    plain: bool = False

    def add_timeline(self, enrolment: Enrolment, kind: str, title: str, now: datetime, **data: Any) -> None:
        if self.plain:
            self.timeline.append(timeline_values(enrolment, kind, title, now, **data))
        else:
            self.activities.append(timeline_row(enrolment, kind, title, now, **data))


UPDATED_FIELDS = [
    "state", "current_step_key", "run_at", "waiting_since", "attempts", "last_error", "lease_owner",
    "lease_until", "finished_at", "exit_reason", "converted_at", "version_id", "updated_at",
]  # fmt: skip


def _exit_reasons(enrolments: Sequence[Enrolment]) -> dict[int, str]:
    """Enrolments whose contact meets a workflow's exit rule now: unsubscribed, customer, goal."""
    from leadline.mail.models import Unsubscribe

    reasons: dict[int, str] = {}
    contact_ids = [e.contact_id for e in enrolments if e.workflow.exit_on_unsubscribe]
    unsubscribed = set(
        Unsubscribe.objects.filter(contact_id__in=contact_ids, subscription_type__isnull=True).values_list(
            "contact_id", flat=True
        )
    )
    customer_rank = LifecycleStage.rank(LifecycleStage.CUSTOMER)
    goals: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        workflow = enrolment.workflow
        if workflow.exit_on_unsubscribe and enrolment.contact_id in unsubscribed:
            reasons[enrolment.pk] = "unsubscribed"
        elif (
            workflow.exit_on_customer
            and LifecycleStage.rank(enrolment.contact.lifecycle_stage) >= customer_rank
        ):
            reasons[enrolment.pk] = "customer"
        elif workflow.goal:
            goals[workflow.pk].append(enrolment)
    for group in goals.values():
        met = conditions.matching_ids(group[0].workflow.goal, [e.contact_id for e in group])
        for enrolment in group:
            if enrolment.contact_id in met:
                reasons[enrolment.pk] = "goal"
    return reasons


def _finish(enrolment: Enrolment, state: str, reason: str, now: datetime, writes: _Writes) -> None:
    enrolment.state = state
    enrolment.exit_reason = reason
    enrolment.finished_at = now
    enrolment.run_at = None
    enrolment.waiting_since = None
    enrolment.last_error = ""
    if reason == "goal" and enrolment.converted_at is None:
        enrolment.converted_at = now
    label = EXIT_REASONS.get(reason, reason)
    title = "finished" if reason == "completed" else f"left ({label.lower()})"
    writes.add_timeline(enrolment, KIND_FINISHED, title, now, reason=reason)


def _place(steps: list[dict[str, Any]], key: str, cache: dict[str, Any]) -> dict[str, Any] | None:
    """The step `key` of `steps`, looked up once per batch (every enrolment of a version shares it)."""
    places = cache.setdefault("graph", {})
    found = places.get((id(steps), key), _MISSING)
    if found is _MISSING:
        found = places[(id(steps), key)] = graph.find(steps, key)
    return found


def _following(
    steps: list[dict[str, Any]], key: str, branch: str | None, cache: dict[str, Any]
) -> str | None:
    places = cache.setdefault("graph", {})
    found = places.get((id(steps), key, branch), _MISSING)
    if found is _MISSING:
        found = places[(id(steps), key, branch)] = (
            graph.branch_key(steps, key, branch) if branch is not None else graph.next_key(steps, key)
        )
    return found


_MISSING: Any = object()


def run_enrolment(
    enrolment: Enrolment,
    *,
    now: datetime,
    done: set[str],
    writes: _Writes,
    result: BatchResult,
    cache: dict[str, Any],
    test: bool = False,
    tester: Any = None,
    max_steps: int = MAX_STEPS_PER_RUN,
) -> None:
    """Run one enrolment's steps from where it is until it waits, ends, fails or hits `max_steps`.

    `done` holds the keys of steps that already have a StepRun (they are passed over, never run
    again). Writes are collected in `writes`; effects of impure steps happen inside savepoints."""
    steps: list[dict[str, Any]] = enrolment.version.steps or []
    due_at = enrolment.run_at or now
    for _ in range(max_steps):
        key = enrolment.current_step_key
        step = _place(steps, key, cache) if key else None
        if step is None:
            _finish(enrolment, State.COMPLETED, "completed", now, writes)
            result.finished += 1
            return
        if key in done:
            # It ran before (a replay after a version change or a crash): only move on, the same way.
            branch = cache.get(f"branch:{enrolment.pk}:{key}", "")
            outcome = Outcome(action="branch", branch=branch) if branch else Outcome()
        else:
            kind = STEP_TYPES.get(step.get("type", ""))
            ctx = StepContext(enrolment=enrolment, step=step, now=now, test=test, tester=tester, cache=cache)
            try:
                if kind is None:
                    raise StepError(f"Unknown kind of step: {step.get('type')}")
                if kind.pure:
                    outcome = kind.run(ctx)
                else:
                    with transaction.atomic():
                        outcome = kind.run(ctx)
            except Exception as error:  # any step failure is retried, then parked with its message
                if not isinstance(error, StepError):
                    logger.exception("Workflow step %s failed", key)
                outcome = Outcome(action="fail", error=str(error) or error.__class__.__name__)
        action = outcome.action
        if action == "fail":
            _fail(enrolment, outcome.error, now, writes, result, test=test)
            return
        if action == "wait":
            enrolment.state = State.WAITING
            enrolment.run_at = outcome.run_at
            if enrolment.waiting_since is None:
                enrolment.waiting_since = now
            result.waiting += 1
            return
        if key not in done:
            done.add(key)
            writes.step_runs.append(
                (enrolment.pk, enrolment.workflow_id, key, due_at, now, outcome.result, outcome.detail)
            )
            result.steps += 1
            result.lags.append((now - due_at).total_seconds())
            if outcome.emails:
                writes.emails.extend(outcome.emails)
            if outcome.title:
                writes.add_timeline(enrolment, KIND_STEP, outcome.title, now, step=key)
        enrolment.waiting_since = None
        enrolment.attempts = 0
        enrolment.last_error = ""
        due_at = now
        if action == "exit":
            state, reason = (State.COMPLETED, "goal") if outcome.converted else (State.EXITED, "exited")
            _finish(enrolment, state, reason, now, writes)
            result.finished += 1
            return
        following = _following(steps, key, outcome.branch if action == "branch" else None, cache)
        enrolment.state = State.ACTIVE
        enrolment.current_step_key = following or ""
        enrolment.run_at = now
        if following is None:
            _finish(enrolment, State.COMPLETED, "completed", now, writes)
            result.finished += 1
            return


def _fail(
    enrolment: Enrolment, error: str, now: datetime, writes: _Writes, result: BatchResult, *, test: bool
) -> None:
    enrolment.attempts += 1
    enrolment.last_error = error[:2000]
    if test or enrolment.attempts >= MAX_ATTEMPTS:
        enrolment.state = State.FAILED
        enrolment.run_at = None
        enrolment.finished_at = now
        enrolment.exit_reason = "failed"
        writes.add_timeline(
            enrolment, KIND_FAILED, f"stopped: {error}"[:250], now, step=enrolment.current_step_key
        )
        result.failed += 1
    else:
        enrolment.state = State.ACTIVE
        enrolment.run_at = now + backoff(enrolment.attempts)
        result.retried += 1


def write(writes: _Writes, *, now: datetime) -> None:
    """Store a batch's results (inside the caller's transaction)."""
    if writes.emails:
        outbox_enqueue_many(writes.emails)
    if writes.step_runs:
        # No ignore_conflicts: a duplicate means another worker took these rows after our lease
        # ran out, and the batch must roll back rather than count a step twice.
        insert_values(StepRun, STEP_RUN_COLUMNS, writes.step_runs)
    if writes.activities:
        Activity.objects.bulk_create(writes.activities, batch_size=1000)
    if writes.timeline:
        insert_values(
            Activity,
            TIMELINE_COLUMNS,
            [
                (uuid.uuid4(), row["kind"], row["contact_id"], row["company_id"], row["occurred_at"],
                 row["title"], row["data"])
                for row in writes.timeline
            ],
        )  # fmt: skip
    # Most enrolments of a batch end in the same place (the same step, due at the same moment), so
    # one UPDATE per distinct set of values is far cheaper than a row-by-row CASE statement.
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for enrolment in writes.enrolments:
        enrolment.lease_owner = ""
        enrolment.lease_until = None
        enrolment.updated_at = now
        values = enrolment.__dict__
        groups[tuple([values[name] for name in UPDATED_FIELDS])].append(enrolment.pk)
    for key, ids in groups.items():
        changes = dict(zip(UPDATED_FIELDS, key, strict=True))
        for start in range(0, len(ids), 900):
            Enrolment.objects.filter(pk__in=ids[start : start + 900]).update(**changes)


# The columns the engine reads of an enrolment and (for steps that only read) of its contact. The
# rest stay deferred: Django loads such a field if a step asks for it (`write` sets the lease and
# `updated_at` itself).
_NOT_LOADED = (
    "created_at",
    "updated_at",
    "lease_owner",
    "lease_until",
    "trigger",
    "trigger_data",
    "enrolled_by_id",
)
ENROLMENT_COLUMNS = [
    item.attname for item in Enrolment._meta.concrete_fields if item.attname not in _NOT_LOADED
]
CONTACT_COLUMNS = [
    "id", "public_id", "email", "first_name", "last_name", "time_zone", "company_id", "owner_id",
    "lifecycle_stage", "score",
]  # fmt: skip


def _load(ids: Sequence[int], owner: str) -> list[Enrolment]:
    """The enrolments of `ids` still leased to `owner`, with their workflow, version and contact."""
    rows = list(
        Enrolment.objects.filter(id__in=ids, lease_owner=owner)
        .order_by("id")
        .values_list(*ENROLMENT_COLUMNS, *[f"contact__{name}" for name in CONTACT_COLUMNS])
    )
    if not rows:
        return []
    size = len(ENROLMENT_COLUMNS)
    enrolments = [
        loaded_instance(Enrolment, ENROLMENT_COLUMNS, row[:size], using=connection.alias) for row in rows
    ]
    # A batch holds few workflows and versions: one query each, shared by every row.
    workflows = Workflow.objects.in_bulk({e.workflow_id for e in enrolments})
    versions = WorkflowVersion.objects.in_bulk({e.version_id for e in enrolments})
    # Steps that write (through other rooms' services) get the whole contact; the others need a few
    # columns of it.
    writing = {pk for pk, version in versions.items() if not _reads_only(version.steps)}
    full = Contact.objects.in_bulk([e.contact_id for e in enrolments if e.version_id in writing])
    for enrolment, row in zip(enrolments, rows, strict=True):
        contact = full.get(enrolment.contact_id) or loaded_instance(
            Contact, CONTACT_COLUMNS, row[size:], using=connection.alias
        )
        enrolment._state.fields_cache = {
            "workflow": workflows[enrolment.workflow_id],
            "version": versions[enrolment.version_id],
            "contact": contact,
        }
    return enrolments


def _reads_only(steps: Any) -> bool:
    return all(
        getattr(STEP_TYPES.get(step.get("type", "")), "pure", False) for step in graph.walk(steps or [])
    )


def _branching_keys(versions: Sequence[WorkflowVersion]) -> set[str]:
    return {
        step["key"]
        for version in versions
        for step in graph.walk(version.steps or [])
        if getattr(STEP_TYPES.get(step.get("type", "")), "branches", ())
    }


def process(ids: Sequence[int], *, owner: str, now: datetime) -> BatchResult:
    """Run the claimed enrolments `ids` (leased to `owner`) and store the results in one transaction.

    When that transaction fails (a row the outbox or the database refuses), nothing of it is kept
    and each enrolment is run again in a transaction of its own, so one bad row cannot hold back
    the others; an enrolment that fails alone is retried later with backoff like a failed step."""
    try:
        return _process(ids, owner=owner, now=now)
    except DatabaseError as error:
        if len(ids) == 1:
            return _park(ids[0], owner=owner, now=now, error=error)
        logger.warning(
            "A batch of %d enrolments could not be stored (%s); running them one by one", len(ids), error
        )
    total = BatchResult()
    for enrolment_id in ids:
        try:
            batch = _process([enrolment_id], owner=owner, now=now)
        except DatabaseError as error:
            batch = _park(enrolment_id, owner=owner, now=now, error=error)
        total.add(batch)
    return total


def _process(ids: Sequence[int], *, owner: str, now: datetime) -> BatchResult:
    result = BatchResult()
    writes = _Writes(plain=True)
    cache: dict[str, Any] = {}
    with transaction.atomic():
        enrolments = _load(ids, owner)
        if not enrolments:
            return result
        done: dict[int, set[str]] = defaultdict(set)
        for enrolment_id, key in StepRun.objects.filter(
            enrolment_id__in=[e.pk for e in enrolments]
        ).values_list("enrolment_id", "step_key"):
            done[enrolment_id].add(key)
        branching = _branching_keys(list({e.version_id: e.version for e in enrolments}.values()))
        if branching and done:
            # Branches already taken are followed again the same way (their StepRun says which).
            for enrolment_id, key, detail in StepRun.objects.filter(
                enrolment_id__in=list(done), step_key__in=branching
            ).values_list("enrolment_id", "step_key", "detail"):
                if isinstance(detail, dict) and detail.get("branch"):
                    cache[f"branch:{enrolment_id}:{key}"] = detail["branch"]
        exits = _exit_reasons(enrolments)
        for enrolment in enrolments:
            writes.enrolments.append(enrolment)
            reason = exits.get(enrolment.pk)
            if reason:
                _finish(enrolment, State.COMPLETED if reason == "goal" else State.EXITED, reason, now, writes)
                result.finished += 1
                continue
            run_enrolment(
                enrolment, now=now, done=done[enrolment.pk], writes=writes, result=result, cache=cache
            )
        write(writes, now=now)
    return result


def _park(enrolment_id: int, *, owner: str, now: datetime, error: Exception) -> BatchResult:
    """An enrolment whose results could not be stored: it stays at its step and is tried again
    later (or is failed after `MAX_ATTEMPTS`), if it is still ours."""
    logger.warning("The results of enrolment %s could not be stored: %s", enrolment_id, error)
    result = BatchResult()
    writes = _Writes(plain=True)
    with transaction.atomic():
        enrolments = _load([enrolment_id], owner)
        if not enrolments:
            return result
        message = f"Its results could not be stored: {error}".strip()
        _fail(enrolments[0], message, now, writes, result, test=False)
        writes.enrolments.extend(enrolments)
        write(writes, now=now)
    return result


class Engine:
    """One worker's view of the engine; each instance has its own lease owner name."""

    def __init__(self, *, batch_size: int = BATCH_SIZE) -> None:
        self.owner = f"engine-{secrets.token_hex(6)}"
        self.batch_size = batch_size

    def claim(self, now: datetime | None = None) -> list[int]:
        return claim_due(now=now or timezone.now(), owner=self.owner, limit=self.batch_size)

    def process(self, ids: Sequence[int], now: datetime | None = None) -> BatchResult:
        return process(ids, owner=self.owner, now=now or timezone.now())

    def tick(
        self, *, budget_seconds: float = TICK_BUDGET_SECONDS, now: datetime | None = None
    ) -> BatchResult:
        """Claim and run batches until nothing is due (or the time budget is spent)."""
        import time

        total = BatchResult()
        started = time.monotonic()
        while time.monotonic() - started < budget_seconds:
            moment = now or timezone.now()
            ids = self.claim(moment)
            if not ids:
                break
            total.add(self.process(ids, moment))
        return total


def engine_tick() -> BatchResult:
    return Engine().tick()
