"""The kinds of step a workflow can hold: how each is configured, described and run.

`run` gets one enrolment at one step and says what happens next (`Outcome`). Steps marked `pure`
only read: their effects (emails, timeline entries) come back in the outcome and the engine writes
them for a whole batch at once. The others write through the owning rooms' services inside a
savepoint that also holds the step's `StepRun`, so either both are kept or neither is.

In a test run (`ctx.test`) nothing reaches the contact or the team: emails go to the person
testing, marked "[Test]", and every other effect is only described on the timeline.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leadline.automation import conditions
from leadline.automation.models import Enrolment, Workflow
from leadline.contacts.models import LifecycleStage
from leadline.core.access import parse_public_id
from leadline.mail.outbox import TEST_KEY_PREFIX, Outgoing

TEST_PREFIX = "[Test] "
WAIT_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
MAX_WAIT_SECONDS = 3 * 365 * 86400
CONDITION_POLL = timedelta(minutes=5)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TEXT_MAX = 500


@dataclass
class StepContext:
    enrolment: Enrolment
    step: dict[str, Any]
    now: datetime
    test: bool = False
    tester: Any = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        return self.step.get("config") or {}

    @property
    def contact(self) -> Any:
        return self.enrolment.contact

    @property
    def key(self) -> str:
        return f"workflow:{self.enrolment.public_id}:{self.step['key']}"


@dataclass
class Outcome:
    """What a step decided. `action`: "next" (go on), "branch" (go down `branch`), "wait" (come back
    at `run_at`), "exit" (leave the workflow), "fail" (retry later, `error` says why)."""

    action: str = "next"
    branch: str = ""
    run_at: datetime | None = None
    title: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    emails: list[Outgoing] = field(default_factory=list)
    result: str = "done"
    error: str = ""
    converted: bool = False


class StepError(Exception):
    """A step that could not run this time (the engine retries it with backoff)."""


# --- Configuration helpers ----------------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError({name: "Must be text."})
    text = str(value).strip()
    if required and not text:
        raise ValidationError({name: "This field is required."})
    if len(text) > limit:
        raise ValidationError({name: f"At most {limit} characters."})
    return text


def _integer(data: dict[str, Any], name: str, *, low: int, high: int, default: int | None = None) -> int:
    value = data.get(name, default)
    if value in (None, "") and default is not None:
        value = default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({name: "Must be a whole number."}) from None
    if not low <= number <= high:
        raise ValidationError({name: f"Must be between {low} and {high}."})
    return number


def _reference(data: dict[str, Any], name: str, queryset: Any, message: str, *, required: bool = True) -> str:
    value = data.get(name) or ""
    if not value and not required:
        return ""
    public_id = parse_public_id(value)
    if public_id is None or not queryset.filter(public_id=public_id).exists():
        raise ValidationError({name: message})
    return str(public_id)


def by_public_id(queryset: Any, value: Any) -> Any:
    """The row of `queryset` with this public id, or None (also for a malformed id)."""
    public_id = parse_public_id(value)
    return queryset.filter(public_id=public_id).first() if public_id is not None else None


def _user_choice(data: dict[str, Any], name: str, *, allow: tuple[str, ...] = ("owner",)) -> str:
    from leadline.accounts.models import User

    value = str(data.get(name) or allow[0])
    if value in allow:
        return value
    return _reference({name: value}, name, User.objects.filter(is_active=True), "Choose a teammate.")


def _resolve_user(value: str, contact: Any) -> Any:
    from leadline.accounts.models import User

    if value == "owner":
        return contact.owner if contact.owner_id else None
    public_id = parse_public_id(value)
    return User.objects.filter(public_id=public_id, is_active=True).first() if public_id else None


def _test_note(ctx: StepContext, sentence: str) -> Outcome:
    return Outcome(title=f"Test run: would {sentence}", result="simulated")


def _local_zone(contact: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(contact.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# --- Step types ------------------------------------------------------------------------------------------


class StepType:
    type = ""
    label = ""
    group = "Actions"
    icon = "activity"
    pure = False
    branches: tuple[str, ...] = ()

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def describe(self, config: dict[str, Any]) -> str:
        return self.label

    def run(self, ctx: StepContext) -> Outcome:
        raise NotImplementedError


class Wait(StepType):
    type, label, group, icon, pure = "wait", "Wait", "Timing", "calendar", True
    MODES = {
        "duration": "For a while",
        "until": "Until a date and time",
        "weekday": "Until a weekday and hour (in the contact's time zone)",
        "condition": "Until a condition is true (with a time-out)",
    }

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        mode = data.get("mode") or "duration"
        if mode not in self.MODES:
            raise ValidationError({"mode": "Choose how long to wait."})
        config: dict[str, Any] = {"mode": mode}
        if mode == "duration":
            unit = data.get("unit") or "days"
            if unit not in WAIT_UNITS:
                raise ValidationError({"unit": "Choose minutes, hours or days."})
            config["unit"] = unit
            config["amount"] = _integer(data, "amount", low=1, high=MAX_WAIT_SECONDS // WAIT_UNITS[unit])
        elif mode == "until":
            raw = data.get("at")
            moment = raw if isinstance(raw, datetime) else parse_datetime(str(raw or "").strip())
            if moment is None:
                raise ValidationError({"at": "Give a date and time, e.g. 2026-12-01 09:00."})
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            config["at"] = moment.isoformat()
        elif mode == "weekday":
            days = data.get("weekdays") or []
            if isinstance(days, str):
                days = [days]
            try:
                chosen = sorted({int(day) for day in days})
            except (TypeError, ValueError):
                raise ValidationError({"weekdays": "Choose the days."}) from None
            if not chosen or any(day not in range(7) for day in chosen):
                raise ValidationError({"weekdays": "Choose at least one day."})
            config["weekdays"] = chosen
            config["hour"] = _integer(data, "hour", low=0, high=23, default=9)
        else:
            conditions.clean_condition(config, data)
            config["timeout_hours"] = _integer(data, "timeout_hours", low=1, high=24 * 365, default=72)
        return config

    def describe(self, config: dict[str, Any]) -> str:
        mode = config.get("mode")
        if mode == "duration":
            amount, unit = config.get("amount", 0), config.get("unit", "days")
            return f"Wait {amount} {unit[:-1] if amount == 1 else unit}"
        if mode == "until":
            moment = parse_datetime(config.get("at", ""))
            return f"Wait until {moment:%d %b %Y, %H:%M}" if moment else "Wait until a date"
        if mode == "weekday":
            names = ", ".join(WEEKDAYS[day][:3] for day in config.get("weekdays", []))
            return f"Wait until {names} at {config.get('hour', 9):02d}:00 their time"
        hours = config.get("timeout_hours", 72)
        return f"Wait until {conditions.describe_condition(config)} (at most {hours} h)"

    def due(self, config: dict[str, Any], contact: Any, start: datetime) -> datetime:
        """When a wait that began at `start` ends (for a condition wait: its time-out)."""
        mode = config.get("mode")
        if mode == "duration":
            return start + timedelta(seconds=int(config["amount"]) * WAIT_UNITS[config["unit"]])
        if mode == "until":
            return parse_datetime(config["at"]) or start
        if mode == "weekday":
            zone = _local_zone(contact)
            local = start.astimezone(zone)
            for offset in range(8):
                day = local.date() + timedelta(days=offset)
                if day.weekday() not in config["weekdays"]:
                    continue
                candidate = datetime.combine(day, time(int(config["hour"]), 0), tzinfo=zone)
                if candidate > local:
                    return candidate
            return start + timedelta(days=7)
        return start + timedelta(hours=int(config.get("timeout_hours", 72)))

    def run(self, ctx: StepContext) -> Outcome:
        enrolment, config = ctx.enrolment, ctx.config
        started = enrolment.waiting_since
        if ctx.test:
            if config.get("mode") == "condition":
                met = conditions.matches(config, ctx.contact, since=enrolment.enrolled_at)
                skipped = "it is already true" if met else "it would wait for it until the time-out"
                return Outcome(title=f"Test run: {self.describe(config)} — skipped ({skipped})")
            return Outcome(title=f"Test run: {self.describe(config)} — skipped", result="skipped")
        if config.get("mode") == "condition":
            if conditions.matches(config, ctx.contact, since=enrolment.enrolled_at):
                return Outcome(detail={"met": True})
            timeout = self.due(config, ctx.contact, started or ctx.now)
            if ctx.now >= timeout:
                return Outcome(detail={"met": False, "timed_out": True})
            return Outcome(action="wait", run_at=min(ctx.now + CONDITION_POLL, timeout))
        if started is None:
            until = self.due(config, ctx.contact, ctx.now)
            if until > ctx.now:
                return Outcome(action="wait", run_at=until)
        return Outcome()


class Branch(StepType):
    type, label, group, icon, pure, branches = "branch", "If / else", "Logic", "filter", True, ("yes", "no")

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {}
        conditions.clean_condition(config, data)
        return config

    def describe(self, config: dict[str, Any]) -> str:
        return f"If {conditions.describe_condition(config)}"

    def run(self, ctx: StepContext) -> Outcome:
        met = conditions.matches(ctx.config, ctx.contact, since=ctx.enrolment.enrolled_at)
        branch = "yes" if met else "no"
        prefix = "Test run: " if ctx.test else ""
        return Outcome(
            action="branch",
            branch=branch,
            title=f"{prefix}{self.describe(ctx.config)}: {'yes' if met else 'no'}",
            detail={"branch": branch},
        )


class Split(StepType):
    type, label, group, icon, pure, branches = "split", "A/B split", "Logic", "merge", True, ("a", "b")

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"percent_a": _integer(data, "percent_a", low=1, high=99, default=50)}

    def describe(self, config: dict[str, Any]) -> str:
        share = config.get("percent_a", 50)
        return f"Split: {share}% path A, {100 - share}% path B"

    def run(self, ctx: StepContext) -> Outcome:
        # Derived from the enrolment, so a retry or a replay always takes the same path.
        digest = hashlib.sha256(f"{ctx.enrolment.public_id}:{ctx.step['key']}".encode()).digest()
        branch = "a" if digest[0] * 100 // 256 < int(ctx.config.get("percent_a", 50)) else "b"
        return Outcome(action="branch", branch=branch, detail={"branch": branch})


class Goal(StepType):
    type, label, group, icon, pure = "goal", "Goal", "Logic", "star", True

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {}
        conditions.clean_condition(config, data)
        return config

    def describe(self, config: dict[str, Any]) -> str:
        return f"Goal: {conditions.describe_condition(config)}"

    def run(self, ctx: StepContext) -> Outcome:
        if conditions.matches(ctx.config, ctx.contact, since=ctx.enrolment.enrolled_at):
            return Outcome(action="exit", converted=True, result="converted", title="Reached the goal")
        return Outcome(result="not_met")


class SendEmail(StepType):
    type, label, group, icon, pure = "send_email", "Send email", "Email", "mail", True
    EXTRAS = {
        "": "Nothing more",
        "testimonial": "A link to leave a testimonial",
        "upsell": "Products they may like, from what they bought",
    }

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.mail.models import Template

        extra = data.get("extra") or ""
        if extra not in self.EXTRAS:
            raise ValidationError({"extra": "Choose what to add."})
        template = _reference(data, "template", Template.objects.all(), "Choose an email template.")
        return {"template": template, "extra": extra}

    def describe(self, config: dict[str, Any]) -> str:
        from leadline.mail.models import Template

        template = by_public_id(Template.objects.only("name"), config.get("template"))
        return f"Send “{template.name if template else 'a deleted template'}”"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.mail.models import Template
        from leadline.mail.selectors import default_sender_identity

        templates = ctx.cache.setdefault("templates", {})
        template_id = ctx.config.get("template")
        if template_id not in templates:
            templates[template_id] = by_public_id(Template.objects.select_related("layout"), template_id)
        template = templates[template_id]
        if template is None:
            raise StepError("The email template of this step was deleted; choose another one.")
        if "sender" not in ctx.cache:
            ctx.cache["sender"] = default_sender_identity()
        contact = ctx.contact
        to_email = ctx.tester.email if ctx.test else contact.email
        if not to_email:
            return Outcome(result="skipped", title=f"Email “{template.name}” not sent: no email address")
        merge_context: dict[str, Any] = {}
        body = ""
        extra = ctx.config.get("extra") or ""
        if extra == "testimonial":
            merge_context["testimonial_url"] = testimonial_url(contact, ctx)
        elif extra == "upsell":
            offers = upsell_lines(contact)
            if not offers:
                return Outcome(
                    result="skipped", title=f"Email “{template.name}” not sent: nothing to offer yet"
                )
            merge_context["offer_products"] = offers
        if merge_context and template.format == Template.Format.MARKDOWN:
            body = template.body + extra_markdown(merge_context)
        outgoing = Outgoing(
            key=f"{TEST_KEY_PREFIX}{ctx.enrolment.public_id}:{ctx.step['key']}" if ctx.test else ctx.key,
            to_email=to_email,
            contact=contact,
            sender=ctx.cache["sender"],
            template=template,
            kind=template.kind,
            subscription_type=None,
            subject=f"{TEST_PREFIX}{template.subject}"[:255] if ctx.test else "",
            body=body,
            merge_context=merge_context,
        )
        # The outbox records "email sent" on the timeline when it goes; a second entry now would
        # only double the history (and the cost of a large send).
        title = ""
        if ctx.test:
            title = f"Test run: email “{template.name}” sent to {to_email} instead of the contact"
        return Outcome(emails=[outgoing], title=title, detail={"template": str(template.public_id)})


def testimonial_url(contact: Any, ctx: StepContext) -> str:
    """The contact's link to leave a testimonial, from the testimonials room when it offers one
    (`leadline.testimonials.services.testimonial_request_url(contact=, source=, preview=)`), else
    blank."""
    try:
        from leadline.testimonials import services as testimonial_services
    except ImportError:
        return ""
    make = getattr(testimonial_services, "testimonial_request_url", None)
    if make is None:
        return ""
    try:
        # A test run's email links to a preview of the page: no request is made for the contact.
        return str(make(contact=contact, source=ctx.key, preview=ctx.test) or "")
    except Exception:  # a broken optional integration must not stop the email
        return ""


def upsell_lines(contact: Any) -> str:
    from leadline.sales.suggestions import suggestions_for_contact

    suggestions = suggestions_for_contact(contact, limit=3)
    return "\n".join(f"- **{item.product.name}** — {item.explanation}" for item in suggestions)


def extra_markdown(context: dict[str, Any]) -> str:
    if "testimonial_url" in context:
        url = context["testimonial_url"]
        if url:
            return f"\n\n[Share your experience]({url})\n"
        return "\n\nJust reply to this email with a few words; we read every reply.\n"
    if context.get("offer_products"):
        return f"\n\n{context['offer_products']}\n"
    return ""


class Notify(StepType):
    type, label, group, icon = "notify", "Internal notification", "Team", "inbox"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "to": _user_choice(data, "to"),
            "title": _text(data, "title", required=True, limit=200),
            "body": _text(data, "body", limit=1000),
        }

    def describe(self, config: dict[str, Any]) -> str:
        who = "the contact's owner" if config.get("to") == "owner" else "a teammate"
        return f"Notify {who}: {config.get('title', '')}"

    def run(self, ctx: StepContext) -> Outcome:
        from django.urls import reverse

        from leadline.core.notifications import notify

        contact = ctx.contact
        user = ctx.tester if ctx.test else _resolve_user(ctx.config.get("to", "owner"), contact)
        if user is None:
            return Outcome(result="skipped", title="Notification not sent: the contact has no owner")
        title = f"{ctx.config.get('title', '')}: {contact.display_name}"
        notify(
            user=user,
            kind="workflow",
            title=f"{TEST_PREFIX if ctx.test else ''}{title}",
            body=ctx.config.get("body", ""),
            url=reverse("contacts:detail", args=[contact.public_id]),
            key=f"{TEST_KEY_PREFIX}{ctx.enrolment.public_id}:{ctx.step['key']}" if ctx.test else ctx.key,
        )
        return Outcome(title=f"{'Test run: n' if ctx.test else 'N'}otified {user.display_name}: {title}")


class CreateTask(StepType):
    type, label, group, icon = "create_task", "Create a task", "Team", "check"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.sales.models import TaskKind

        kind = data.get("kind") or TaskKind.TODO
        if kind not in TaskKind.values:
            raise ValidationError({"kind": "Choose a kind of task."})
        return {
            "title": _text(data, "title", required=True, limit=200),
            "kind": kind,
            "due_in_days": _integer(data, "due_in_days", low=0, high=365, default=1),
            "assign_to": _user_choice(data, "assign_to"),
        }

    def describe(self, config: dict[str, Any]) -> str:
        return f"Task: {config.get('title', '')} (due in {config.get('due_in_days', 1)} d)"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.sales.task_services import task_create

        if ctx.test:
            return _test_note(ctx, f"create the task “{ctx.config.get('title')}”")
        assignee = _resolve_user(ctx.config.get("assign_to", "owner"), ctx.contact)
        if assignee is None:
            return Outcome(result="skipped", title="Task not created: the contact has no owner")
        task = task_create(
            actor=assignee,
            title=ctx.config.get("title", "Follow up"),
            kind=ctx.config.get("kind", "todo"),
            notes=f"Created by the workflow “{ctx.enrolment.workflow.name}”.",
            due_at=ctx.now + timedelta(days=int(ctx.config.get("due_in_days", 1))),
            assigned_to=assignee,
            contact=ctx.contact,
        )
        return Outcome(title=f"Task “{task.title}” created for {assignee.display_name}")


class AssignOwner(StepType):
    type, label, group, icon = "assign_owner", "Assign an owner", "Contact", "user"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"owner": _user_choice(data, "owner", allow=("round_robin",))}

    def describe(self, config: dict[str, Any]) -> str:
        if config.get("owner") == "round_robin":
            return "Assign an owner (round robin among sales)"
        return "Assign an owner"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.contacts.services import contact_update
        from leadline.sales.handoff_routing import available_salespeople, round_robin

        value = ctx.config.get("owner", "round_robin")
        owner = (
            round_robin(available_salespeople())
            if value == "round_robin"
            else _resolve_user(value, ctx.contact)
        )
        if owner is None:
            return Outcome(result="skipped", title="Owner not assigned: nobody is available")
        if ctx.test:
            return _test_note(ctx, f"make {owner.display_name} the owner")
        contact_update(contact=ctx.contact, actor=None, data={"owner": owner}, via="workflow")
        return Outcome(title=f"Owner set to {owner.display_name}")


CONTACT_FIELDS = ("job_title", "phone", "city", "country", "time_zone", "first_name", "last_name")


class SetProperty(StepType):
    type, label, group, icon = "set_property", "Set a property", "Contact", "note"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.contacts.models import CustomProperty

        name = _text(data, "field", required=True, limit=64)
        custom = CustomProperty.objects.filter(object_type="contact", key=name).exists()
        if name not in CONTACT_FIELDS and not custom:
            raise ValidationError({"field": "Choose a contact field or custom property."})
        return {"field": name, "value": _text(data, "value", limit=500)}

    def describe(self, config: dict[str, Any]) -> str:
        return f"Set {config.get('field')} to “{config.get('value', '')}”"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.contacts.services import contact_update

        name, value = ctx.config.get("field", ""), ctx.config.get("value", "")
        if ctx.test:
            return _test_note(ctx, f"set {name} to “{value}”")
        data: dict[str, Any] = {name: value} if name in CONTACT_FIELDS else {"properties": {name: value}}
        try:
            contact_update(contact=ctx.contact, actor=None, data=data, via="workflow")
        except ValidationError as error:
            raise StepError(f"{name}: {'; '.join(error.messages)}") from None
        return Outcome(title=f"{name} set to “{value}”")


class SetStage(StepType):
    type, label, group, icon = "set_stage", "Set lifecycle stage", "Contact", "arrow-up"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        stage = data.get("stage")
        if stage not in LifecycleStage.values:
            raise ValidationError({"stage": "Choose a lifecycle stage."})
        return {"stage": stage, "forward_only": bool(data.get("forward_only", True))}

    def describe(self, config: dict[str, Any]) -> str:
        return f"Set stage to {LifecycleStage(config.get('stage', 'lead')).label}"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.contacts.services import contact_advance_stage, contact_update

        stage = ctx.config.get("stage", "lead")
        if ctx.test:
            return _test_note(ctx, f"set the lifecycle stage to {LifecycleStage(stage).label}")
        if ctx.config.get("forward_only", True):
            contact_advance_stage(contact=ctx.contact, stage=stage, actor=None, via="workflow")
        else:
            contact_update(contact=ctx.contact, actor=None, data={"lifecycle_stage": stage}, via="workflow")
        return Outcome(result="done")


class ListStep(StepType):
    group, icon = "Contact", "list"
    adding = True

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.segments.models import Segment

        lists = Segment.objects.filter(kind=Segment.Kind.STATIC)
        return {"list": _reference(data, "list", lists, "Choose a static list.")}

    def _list(self, config: dict[str, Any]) -> Any:
        from leadline.segments.models import Segment

        public_id = parse_public_id(config.get("list"))
        return (
            Segment.objects.filter(public_id=public_id, kind=Segment.Kind.STATIC).first()
            if public_id
            else None
        )

    def describe(self, config: dict[str, Any]) -> str:
        segment = self._list(config)
        name = segment.name if segment else "a deleted list"
        return f"{'Add to' if self.adding else 'Remove from'} list “{name}”"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.segments.services import static_list_add, static_list_remove

        segment = self._list(ctx.config)
        if segment is None:
            raise StepError("The list of this step was deleted; choose another one.")
        if ctx.test:
            return _test_note(ctx, self.describe(ctx.config).lower())
        change = static_list_add if self.adding else static_list_remove
        change(segment=segment, contact_ids=[ctx.contact.pk])
        return Outcome()


class ListAdd(ListStep):
    type, label, adding = "list_add", "Add to a list", True


class ListRemove(ListStep):
    type, label, adding = "list_remove", "Remove from a list", False


class CreateDeal(StepType):
    type, label, group, icon = "create_deal", "Create a deal", "Sales", "kanban"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.sales.models import Pipeline

        pipelines = Pipeline.objects.filter(is_archived=False)
        return {
            "pipeline": _reference(data, "pipeline", pipelines, "Choose a pipeline."),
            "name": _text(data, "name", limit=200),
        }

    def describe(self, config: dict[str, Any]) -> str:
        return f"Create a deal{': ' + config['name'] if config.get('name') else ''}"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.sales.deal_services import deal_create
        from leadline.sales.models import Pipeline

        contact = ctx.contact
        name = ctx.config.get("name") or f"{contact.display_name} — new deal"
        if ctx.test:
            return _test_note(ctx, f"create the deal “{name}”")
        pipeline = by_public_id(Pipeline.objects, ctx.config.get("pipeline"))
        if pipeline is None:
            raise StepError("The pipeline of this step was deleted; choose another one.")
        try:
            deal = deal_create(
                actor=None,
                data={"pipeline": pipeline, "name": name, "contact": contact, "owner": contact.owner},
            )
        except ValidationError as error:
            raise StepError("; ".join(error.messages)) from None
        return Outcome(title=f"Deal “{deal.name}” created", detail={"deal": str(deal.public_id)})


class MoveDeal(StepType):
    type, label, group, icon = "move_deal", "Move a deal", "Sales", "kanban"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.sales.models import Stage

        return {"stage": _reference(data, "stage", Stage.objects.all(), "Choose a stage.")}

    def describe(self, config: dict[str, Any]) -> str:
        from leadline.sales.models import Stage

        stage = by_public_id(Stage.objects, config.get("stage"))
        return f"Move their deal to {stage.name if stage else 'a deleted stage'}"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.sales.deal_services import deal_move
        from leadline.sales.models import Deal, Stage

        stage = by_public_id(Stage.objects, ctx.config.get("stage"))
        if stage is None:
            raise StepError("The stage of this step was deleted; choose another one.")
        deals = Deal.objects.filter(pipeline_id=stage.pipeline_id, status="open")
        trigger_deal = parse_public_id(ctx.enrolment.trigger_data.get("deal"))
        deal = deals.filter(public_id=trigger_deal).first() if trigger_deal else None
        deal = deal or deals.filter(contact_id=ctx.contact.pk).order_by("-created_at").first()
        if deal is None:
            return Outcome(result="skipped", title=f"No open deal to move to {stage.name}")
        if ctx.test:
            return _test_note(ctx, f"move “{deal.name}” to {stage.name}")
        try:
            deal_move(deal=deal, stage=stage, actor=None)
        except ValidationError as error:
            raise StepError("; ".join(error.messages)) from None
        return Outcome(detail={"deal": str(deal.public_id)})


class Webhook(StepType):
    type, label, group, icon = "webhook", "Call a webhook", "Integrations", "globe"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        from leadline.automation.webhooks import WebhookError, check_url

        url = _text(data, "url", required=True, limit=2000)
        try:
            check_url(url, resolve=False)
        except WebhookError as error:
            raise ValidationError({"url": str(error)}) from None
        return {"url": url}

    def describe(self, config: dict[str, Any]) -> str:
        return f"POST to {config.get('url', '')[:60]}"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.automation.webhooks import WebhookError, post_json

        if ctx.test:
            return _test_note(ctx, f"call {ctx.config.get('url')}")
        contact = ctx.contact
        payload = {
            "event": "workflow.step",
            "workflow": {"id": str(ctx.enrolment.workflow.public_id), "name": ctx.enrolment.workflow.name},
            "enrolment": str(ctx.enrolment.public_id),
            "step": ctx.step["key"],
            "contact": {
                "id": str(contact.public_id),
                "email": contact.email,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "lifecycle_stage": contact.lifecycle_stage,
                "score": contact.score,
            },
            "trigger": ctx.enrolment.trigger_data,
        }
        try:
            status = post_json(ctx.config.get("url", ""), payload, idempotency_key=ctx.key)
        except WebhookError as error:
            raise StepError(str(error)) from None
        return Outcome(detail={"status": status}, title=f"Webhook answered {status}")


class EnrolIn(StepType):
    type, label, group, icon = "enrol", "Enrol in another workflow", "Logic", "flow"

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        workflows = Workflow.objects.exclude(status=Workflow.Status.ARCHIVED)
        return {"workflow": _reference(data, "workflow", workflows, "Choose a workflow.")}

    def describe(self, config: dict[str, Any]) -> str:
        public_id = parse_public_id(config.get("workflow"))
        workflow = Workflow.objects.filter(public_id=public_id).first() if public_id else None
        return f"Enrol in “{workflow.name if workflow else 'a deleted workflow'}”"

    def run(self, ctx: StepContext) -> Outcome:
        from leadline.automation.services import enrolment_create

        target = by_public_id(Workflow.objects.select_related("current_version"), ctx.config.get("workflow"))
        if target is None:
            raise StepError("The workflow of this step was deleted; choose another one.")
        if ctx.test:
            return _test_note(ctx, f"enrol them in “{target.name}”")
        if not target.is_active:
            return Outcome(result="skipped", title=f"Not enrolled in “{target.name}”: it is not active")
        enrolment = enrolment_create(
            workflow=target,
            contact=ctx.contact,
            trigger="workflow",
            trigger_data={"workflow": str(ctx.enrolment.workflow.public_id)},
            now=ctx.now,
        )
        if enrolment is None:
            return Outcome(result="skipped", title=f"Not enrolled in “{target.name}” (its enrolment rules)")
        return Outcome(detail={"enrolment": str(enrolment.public_id)})


STEP_TYPES: dict[str, StepType] = {
    step.type: step
    for step in (
        Wait(),
        Branch(),
        Split(),
        Goal(),
        SendEmail(),
        Notify(),
        CreateTask(),
        AssignOwner(),
        SetProperty(),
        SetStage(),
        ListAdd(),
        ListRemove(),
        CreateDeal(),
        MoveDeal(),
        Webhook(),
        EnrolIn(),
    )
}


def step_type(name: str) -> StepType:
    try:
        return STEP_TYPES[name]
    except KeyError:
        raise ValidationError({"type": "Choose a kind of step."}) from None


def describe(step: dict[str, Any]) -> str:
    kind = STEP_TYPES.get(step.get("type", ""))
    if kind is None:
        return "Unknown step"
    try:
        return step.get("title") or kind.describe(step.get("config") or {})
    except Exception:
        return kind.label
