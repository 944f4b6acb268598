"""The fields each kind of step shows in the editor, and reading them back from a POST."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from leadline.automation.conditions import CHECKS
from leadline.automation.steps import WEEKDAYS, SendEmail, Wait
from leadline.automation.triggers import DATE_MODES
from leadline.contacts.models import LifecycleStage


def _users() -> list[tuple[str, str]]:
    from leadline.accounts.models import User

    return [
        (str(user.public_id), user.display_name)
        for user in User.objects.filter(is_active=True).order_by("first_name", "email")
    ]


def _templates() -> list[tuple[str, str]]:
    from leadline.mail.models import Template

    return [
        (str(t.public_id), f"{t.name} ({t.get_kind_display().lower()})")
        for t in Template.objects.order_by("name")
    ]


def _lists() -> list[tuple[str, str]]:
    from leadline.segments.models import Segment

    return [
        (str(s.public_id), s.name) for s in Segment.objects.filter(kind=Segment.Kind.STATIC).order_by("name")
    ]


def _segments() -> list[tuple[str, str]]:
    from leadline.segments.models import Segment

    return [(str(s.public_id), s.name) for s in Segment.objects.order_by("name")]


def _pipelines() -> list[tuple[str, str]]:
    from leadline.sales.models import Pipeline

    return [(str(p.public_id), p.name) for p in Pipeline.objects.filter(is_archived=False).order_by("name")]


def _stages() -> list[tuple[str, str]]:
    from leadline.sales.models import Stage

    return [
        (str(s.public_id), f"{s.pipeline.name}: {s.name}")
        for s in Stage.objects.select_related("pipeline").order_by("pipeline__name", "position")
    ]


def _workflows() -> list[tuple[str, str]]:
    from leadline.automation.models import Workflow

    return [(str(w.public_id), w.name) for w in Workflow.objects.exclude(status=Workflow.Status.ARCHIVED)]


def _forms() -> list[tuple[str, str]]:
    from leadline.forms.models import Form

    return [("", "Any form"), *((str(f.public_id), f.name) for f in Form.objects.order_by("name"))]


CONDITION_FIELDS: list[dict[str, Any]] = [
    {
        "name": "check",
        "label": "A ready-made check",
        "widget": "select",
        "choices": lambda: [("", "— or write a condition below —"), *CHECKS.items()],
    },
    {
        "name": "condition",
        "label": "Or a segment condition (JSON)",
        "widget": "json",
        "help": 'e.g. {"field": "lifecycle_stage", "op": "equals", "value": "mql"}',
    },
]
OWNER: list[tuple[str, str]] = [("owner", "The contact's owner")]

STEP_FIELDS: dict[str, list[dict[str, Any]]] = {
    "wait": [
        {"name": "mode", "label": "Wait", "widget": "select", "choices": lambda: list(Wait.MODES.items())},
        {"name": "amount", "label": "How long", "widget": "number"},
        {
            "name": "unit",
            "label": "Unit",
            "widget": "select",
            "choices": lambda: [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")],
        },
        {"name": "at", "label": "Until (date and time)", "widget": "datetime"},
        {
            "name": "weekdays",
            "label": "On",
            "widget": "checkboxes",
            "choices": lambda: [(str(i), name) for i, name in enumerate(WEEKDAYS)],
        },
        {"name": "hour", "label": "At hour (0–23, their time)", "widget": "number"},
        *CONDITION_FIELDS,
        {"name": "timeout_hours", "label": "Give up waiting after (hours)", "widget": "number"},
    ],
    "branch": CONDITION_FIELDS,
    "goal": CONDITION_FIELDS,
    "split": [{"name": "percent_a", "label": "Share on path A (%)", "widget": "number"}],
    "send_email": [
        {"name": "template", "label": "Email template", "widget": "select", "choices": _templates},
        {
            "name": "extra",
            "label": "Add to the email",
            "widget": "select",
            "choices": lambda: list(SendEmail.EXTRAS.items()),
        },
    ],
    "notify": [
        {"name": "to", "label": "Who", "widget": "select", "choices": lambda: [*OWNER, *_users()]},
        {"name": "title", "label": "Title", "widget": "text"},
        {"name": "body", "label": "Message", "widget": "textarea"},
    ],
    "create_task": [
        {"name": "title", "label": "Task", "widget": "text"},
        {
            "name": "kind",
            "label": "Kind",
            "widget": "select",
            "choices": lambda: [
                ("todo", "To-do"),
                ("call", "Call"),
                ("email", "Email"),
                ("meeting", "Meeting"),
            ],
        },
        {"name": "due_in_days", "label": "Due in (days)", "widget": "number"},
        {
            "name": "assign_to",
            "label": "Assign to",
            "widget": "select",
            "choices": lambda: [*OWNER, *_users()],
        },
    ],
    "assign_owner": [
        {
            "name": "owner",
            "label": "Owner",
            "widget": "select",
            "choices": lambda: [("round_robin", "Round robin among sales"), *_users()],
        }
    ],
    "set_property": [
        {"name": "field", "label": "Field or custom property key", "widget": "text"},
        {"name": "value", "label": "Value", "widget": "text"},
    ],
    "set_stage": [
        {
            "name": "stage",
            "label": "Lifecycle stage",
            "widget": "select",
            "choices": lambda: list(LifecycleStage.choices),
        }
    ],
    "list_add": [{"name": "list", "label": "Static list", "widget": "select", "choices": _lists}],
    "list_remove": [{"name": "list", "label": "Static list", "widget": "select", "choices": _lists}],
    "create_deal": [
        {"name": "pipeline", "label": "Pipeline", "widget": "select", "choices": _pipelines},
        {"name": "name", "label": "Deal name (blank: the contact's name)", "widget": "text"},
    ],
    "move_deal": [
        {"name": "stage", "label": "Move their open deal to", "widget": "select", "choices": _stages}
    ],
    "webhook": [{"name": "url", "label": "Address (POSTed a JSON of the contact)", "widget": "text"}],
    "enrol": [{"name": "workflow", "label": "Workflow", "widget": "select", "choices": _workflows}],
}

TRIGGER_FIELDS: dict[str, list[dict[str, Any]]] = {
    "form_submitted": [{"name": "form", "label": "Form", "widget": "select", "choices": _forms}],
    "segment_entered": [{"name": "segment", "label": "Segment", "widget": "select", "choices": _segments}],
    "segment_left": [{"name": "segment", "label": "Segment", "widget": "select", "choices": _segments}],
    "stage_changed": [
        {
            "name": "stage",
            "label": "New stage",
            "widget": "select",
            "choices": lambda: [("", "Any stage"), *LifecycleStage.choices],
        }
    ],
    "score_crossed": [{"name": "value", "label": "Score reaches", "widget": "number"}],
    "page_visited": [{"name": "url_contains", "label": "Address contains", "widget": "text"}],
    "email_clicked": [{"name": "url_contains", "label": "Link contains", "widget": "text"}],
    "deal_stage_changed": [{"name": "stage", "label": "Stage name (blank: any)", "widget": "text"}],
    "date_reached": [
        {
            "name": "mode",
            "label": "Which date",
            "widget": "select",
            "choices": lambda: list(DATE_MODES.items()),
        },
        {"name": "property", "label": "Date property key (e.g. birthday, renewal_date)", "widget": "text"},
        {"name": "days", "label": "Days after (negative: before)", "widget": "number"},
    ],
}


def bound_fields(spec: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields with their choices and current values, ready for the template."""
    fields = []
    for item in spec:
        value = values.get(item["name"], "")
        if item["widget"] == "json" and value and not isinstance(value, str):
            value = json.dumps(value)
        if item["widget"] == "checkboxes":
            value = [str(v) for v in (value or [])]
        fields.append({**item, "choices": item["choices"]() if "choices" in item else [], "value": value})
    return fields


def read_fields(spec: list[dict[str, Any]], post: QueryDict, *, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in spec:
        name = item["name"]
        key = f"{prefix}{name}"
        if item["widget"] == "checkboxes":
            data[name] = post.getlist(key)
        elif item["widget"] == "json":
            raw = (post.get(key) or "").strip()
            if raw:
                try:
                    data[name] = json.loads(raw)
                except ValueError:
                    raise ValidationError({name: "This is not valid JSON."}) from None
        else:
            data[name] = post.get(key, "")
    return data
