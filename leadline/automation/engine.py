"""The workflow engine: claim due enrolments in batches, run their steps, record and advance.

`engine_tick` is what the scheduler runs every minute. It claims enrolments whose `run_at` has
come (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional update on SQLite) under a lease, runs
each enrolment's steps until it waits, finishes or fails, and writes the results of the whole batch
in one transaction: the `StepRun` rows (unique per enrolment and step), the emails (keyed
`workflow:<enrolment>:<step>` in the outbox), the timeline entries and the enrolments' new places.
A worker that dies after claiming leaves leases that expire; the next claim takes the rows again
and, since nothing of the lost batch was committed, runs each step once.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.automation import conditions, graph
from leadline.automation.models import Enrolment, StepRun, Workflow, WorkflowVersion
from leadline.automation.steps import STEP_TYPES, Outcome, StepContext, StepError
from leadline.contacts.models import LifecycleStage
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
    workflow = enrolment.workflow
    return Activity(
        kind=kind,
        contact_id=enrolment.contact_id,
        company_id=enrolment.contact.company_id if enrolment.contact else None,
        occurred_at=now,
        title=f"{workflow.name}: {title}"[:300],
        data={
            "workflow": str(workflow.public_id),
            "workflow_name": workflow.name,
            "enrolment": str(enrolment.public_id),
            "test": enrolment.is_test,
            **data,
        },
    )


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


@dataclass
class _Writes:
    step_runs: list[StepRun] = field(default_factory=list)
    emails: list[Outgoing] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)


UPDATED_FIELDS = [
    "state", "current_step_key", "run_at", "waiting_since", "attempts", "last_error", "lease_owner",
    "lease_until", "finished_at", "exit_reason", "converted_at", "version", "updated_at",
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
    writes.activities.append(timeline_row(enrolment, KIND_FINISHED, title, now, reason=reason))


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
        step = graph.find(steps, key) if key else None
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
        if outcome.action == "fail":
            _fail(enrolment, outcome.error, now, writes, result, test=test)
            return
        if outcome.action == "wait":
            enrolment.state = State.WAITING
            enrolment.run_at = outcome.run_at
            if enrolment.waiting_since is None:
                enrolment.waiting_since = now
            result.waiting += 1
            return
        if key not in done:
            done.add(key)
            writes.step_runs.append(
                StepRun(
                    enrolment_id=enrolment.pk,
                    workflow_id=enrolment.workflow_id,
                    step_key=key,
                    due_at=due_at,
                    ran_at=now,
                    outcome=outcome.result,
                    detail=outcome.detail,
                )
            )
            result.steps += 1
            result.lags.append((now - due_at).total_seconds())
            writes.emails.extend(outcome.emails)
            if outcome.title:
                writes.activities.append(timeline_row(enrolment, KIND_STEP, outcome.title, now, step=key))
        enrolment.waiting_since = None
        enrolment.attempts = 0
        enrolment.last_error = ""
        due_at = now
        if outcome.action == "exit":
            state, reason = (State.COMPLETED, "goal") if outcome.converted else (State.EXITED, "exited")
            _finish(enrolment, state, reason, now, writes)
            result.finished += 1
            return
        following = (
            graph.branch_key(steps, key, outcome.branch)
            if outcome.action == "branch"
            else graph.next_key(steps, key)
        )
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
        writes.activities.append(
            timeline_row(
                enrolment, KIND_FAILED, f"stopped: {error}"[:250], now, step=enrolment.current_step_key
            )
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
        # ran out, and the whole batch must roll back rather than count a step twice.
        _insert_step_runs(writes.step_runs)
    if writes.activities:
        Activity.objects.bulk_create(writes.activities, batch_size=1000)
    # Most enrolments of a batch end in the same place (the same step, due at the same moment), so
    # one UPDATE per distinct set of values is far cheaper than a row-by-row CASE statement.
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for enrolment in writes.enrolments:
        enrolment.lease_owner = ""
        enrolment.lease_until = None
        enrolment.updated_at = now
        values = tuple(_value(enrolment, name) for name in UPDATED_FIELDS)
        groups[values].append(enrolment.pk)
    for values, ids in groups.items():
        changes = dict(zip(UPDATED_FIELDS, values, strict=True))
        for start in range(0, len(ids), 900):
            Enrolment.objects.filter(pk__in=ids[start : start + 900]).update(**changes)


def _insert_step_runs(runs: list[StepRun]) -> None:
    """One executemany of plain values: building each INSERT through the ORM costs more than the
    insert itself when a batch finishes hundreds of steps."""
    fields = [field for field in StepRun._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(StepRun._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
    rows = [
        [field.get_db_prep_save(getattr(run, field.attname), connection) for field in fields] for run in runs
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def _value(enrolment: Enrolment, name: str) -> Any:
    return enrolment.version_id if name == "version" else getattr(enrolment, name)


def process(ids: Sequence[int], *, owner: str, now: datetime) -> BatchResult:
    """Run the claimed enrolments `ids` (leased to `owner`) and store the results in one transaction."""
    result = BatchResult()
    writes = _Writes()
    cache: dict[str, Any] = {}
    with transaction.atomic():
        enrolments = list(
            Enrolment.objects.filter(id__in=ids, lease_owner=owner).select_related("contact").order_by("id")
        )
        if not enrolments:
            return result
        # A batch holds few workflows and versions: one query each, shared by every row.
        workflows = Workflow.objects.in_bulk({e.workflow_id for e in enrolments})
        versions = WorkflowVersion.objects.in_bulk({e.version_id for e in enrolments})
        for enrolment in enrolments:
            enrolment.workflow = workflows[enrolment.workflow_id]
            enrolment.version = versions[enrolment.version_id]
        done: dict[int, set[str]] = defaultdict(set)
        for enrolment_id, key in StepRun.objects.filter(
            enrolment_id__in=[e.pk for e in enrolments]
        ).values_list("enrolment_id", "step_key"):
            done[enrolment_id].add(key)
        if any(done.values()):
            for enrolment_id, key, detail in StepRun.objects.filter(enrolment_id__in=list(done)).values_list(
                "enrolment_id", "step_key", "detail"
            ):
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
            batch = self.process(ids, moment)
            total.steps += batch.steps
            total.waiting += batch.waiting
            total.finished += batch.finished
            total.failed += batch.failed
            total.retried += batch.retried
            total.lags.extend(batch.lags)
        return total


def engine_tick() -> BatchResult:
    return Engine().tick()
