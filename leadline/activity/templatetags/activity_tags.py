"""How timeline entries look: an icon and tone per kind, readable change lists, safe Markdown.

`{% contact_timeline contact %}` renders a contact's timeline card (composer, filters, first page)
so that pages of other rooms can show it without importing this room's views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString

from leadline.activity.markdown import render_markdown
from leadline.activity.models import Activity, Kind
from leadline.activity.selectors import (
    TIMELINE_FILTERS,
    TimelinePage,
    company_timeline,
    contact_timeline,
    timeline_filter_key,
)
from leadline.contacts.models import Company, Contact, LifecycleStage, Source

register = template.Library()

KIND_ICONS = {
    Kind.NOTE: "note",
    Kind.CONTACT_CREATED: "plus",
    Kind.CONTACT_UPDATED: "user",
    Kind.CONTACT_MERGED: "merge",
    Kind.CONTACT_IMPORTED: "upload",
    Kind.STAGE_CHANGED: "arrow-up",
    Kind.OWNER_CHANGED: "users",
    Kind.CONSENT_CHANGED: "shield",
    Kind.PAGE_VIEW: "globe",
    Kind.CUSTOM_EVENT: "activity",
    Kind.FORM_SUBMITTED: "form",
    Kind.EMAIL_SENT: "mail",
    Kind.EMAIL_OPENED: "eye",
    Kind.EMAIL_CLICKED: "mail",
    Kind.EMAIL_BOUNCED: "mail",
    Kind.EMAIL_COMPLAINED: "shield",
    Kind.SCORE_CHANGED: "chart",
    Kind.DEAL_CREATED: "kanban",
    Kind.DEAL_CHANGED: "kanban",
    Kind.DEAL_WON: "kanban",
    Kind.DEAL_LOST: "kanban",
    Kind.MEETING_BOOKED: "calendar",
    Kind.MEETING_CANCELLED: "calendar",
    Kind.MEETING_LOGGED: "calendar",
    Kind.CALL_LOGGED: "activity",
    Kind.TASK_COMPLETED: "check",
    Kind.ORDER_PLACED: "check",
    Kind.ORDER_REFUNDED: "check",
    Kind.TESTIMONIAL: "star",
    Kind.WORKFLOW_ENROLLED: "flow",
    Kind.WORKFLOW_STEP: "flow",
    Kind.WORKFLOW_FINISHED: "flow",
    Kind.WORKFLOW_FAILED: "flow",
}
KIND_TONES = {
    Kind.NOTE: "note",
    Kind.STAGE_CHANGED: "stage",
    Kind.CONTACT_MERGED: "merge",
    Kind.EMAIL_SENT: "email",
    Kind.EMAIL_OPENED: "email",
    Kind.EMAIL_CLICKED: "email",
    Kind.EMAIL_BOUNCED: "email",
    Kind.EMAIL_COMPLAINED: "email",
    Kind.PAGE_VIEW: "web",
    Kind.CUSTOM_EVENT: "web",
    Kind.FORM_SUBMITTED: "web",
    Kind.ORDER_PLACED: "won",
    Kind.DEAL_WON: "won",
}
VIA_LABELS = {
    "manual": "by hand",
    "bulk": "by a bulk action",
    "import": "by an import",
    "api": "through the API",
    "form": "by a form",
    "merge": "by a merge",
    "scoring": "by lead scoring",
    "handoff": "by the hand-off",
    "deal": "by a deal",
    "order": "by an order",
}


@dataclass(frozen=True)
class ChangeRow:
    label: str
    old: str
    new: str


@register.filter
def activity_icon(activity: Activity) -> str:
    return KIND_ICONS.get(activity.kind, "activity")  # type: ignore[call-overload]


@register.filter
def activity_tone(activity: Activity) -> str:
    return KIND_TONES.get(activity.kind, "")  # type: ignore[call-overload]


@register.filter
def markdown(text: Any) -> SafeString:
    return render_markdown(text if isinstance(text, str) else "")


@register.filter
def note_editable_by(activity: Activity, user: Any) -> bool:
    if activity.kind != Kind.NOTE or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin or activity.actor_id == user.pk)


@register.filter
def stage_label(value: Any) -> str:
    if value in LifecycleStage.values:
        return str(LifecycleStage(value).label)
    return str(value or "none")


@register.filter
def via_label(value: Any) -> str:
    return VIA_LABELS.get(str(value), "")


@register.filter
def http_url(value: Any) -> str:
    """The URL if it is a plain web address, else "" (tracked URLs come from the outside world)."""
    text = str(value or "")
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


@register.filter
def display_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@register.filter
def humanize_key(value: Any) -> str:
    return str(value or "").replace("_", " ").capitalize()


def _field_label(field: str, property_labels: dict[str, str]) -> str:
    if field.startswith("properties."):
        key = field.removeprefix("properties.")
        return property_labels.get(key) or key.replace("_", " ").capitalize()
    try:
        return str(getattr(Contact._meta.get_field(field), "verbose_name", field)).capitalize()
    except FieldDoesNotExist:
        return field.replace("_", " ").capitalize()


@register.filter
def change_rows(activity: Activity, property_labels: Any = None) -> list[ChangeRow]:
    """The field changes of a contact.updated entry as (label, old, new) rows."""
    changes = (activity.data or {}).get("changes")
    if not isinstance(changes, dict):
        return []
    labels = property_labels if isinstance(property_labels, dict) else {}
    rows = []
    for field, pair in changes.items():
        old, new = (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append(ChangeRow(_field_label(str(field), labels), display_value(old), display_value(new)))
    return rows


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str
    preview: str  # the start of a long answer, or "" when the whole value is short enough to show


ANSWER_PREVIEW_LENGTH = 160


@register.filter
def form_answers(activity: Activity) -> list[AnswerRow]:
    """The answers of a form.submitted entry as (label, value) rows, labelled as the form asked.
    Entries recorded without labels fall back to the input names."""
    data = activity.data or {}
    pairs: list[tuple[Any, Any]] = []
    answers = data.get("answers")
    if isinstance(answers, list):
        pairs = [tuple(pair) for pair in answers if isinstance(pair, list) and len(pair) == 2]
    elif isinstance(data.get("values"), dict):
        pairs = [(humanize_key(str(key).removeprefix("p_")), value) for key, value in data["values"].items()]
    rows = []
    for label, value in pairs:
        text = display_value(value)
        preview = (
            text[: ANSWER_PREVIEW_LENGTH - 1].rstrip() + "…" if len(text) > ANSWER_PREVIEW_LENGTH else ""
        )
        rows.append(AnswerRow(str(label), text, preview))
    return rows


@register.filter
def merged_name(activity: Activity) -> str:
    merged = (activity.data or {}).get("merged")
    if not isinstance(merged, dict):
        return "another contact"
    name = f"{merged.get('first_name') or ''} {merged.get('last_name') or ''}".strip()
    email = merged.get("email") or ""
    if name and email:
        return f"{name} <{email}>"
    return name or email or "another contact"


@register.filter
def filled_fields(activity: Activity) -> str:
    filled = (activity.data or {}).get("filled")
    if not isinstance(filled, list):
        return ""
    return ", ".join(_field_label(str(field), {}).lower() for field in filled)


@register.filter
def source_label(value: Any) -> str:
    if value in Source.values:
        return str(Source(value).label)
    return str(value or "")


def property_labels() -> dict[str, str]:
    from leadline.contacts.properties import definitions

    return {key: prop.label for key, prop in definitions().items()}


def timeline_context(
    *,
    request: HttpRequest,
    page: TimelinePage,
    timeline_url: str,
    contact: Contact | None = None,
    company: Company | None = None,
) -> dict[str, Any]:
    """Everything the timeline templates need; shared by the views and the inclusion tag."""
    needs_labels = any(item.kind == Kind.CONTACT_UPDATED for item in page.items)
    return {
        "request": request,
        "user": request.user,
        "page": page,
        "items": page.items,
        "contact": contact,
        "company": company,
        "show_contact": contact is None,
        "timeline_url": timeline_url,
        "filters": [(key, label) for key, (label, _kinds) in TIMELINE_FILTERS.items()],
        "kind_filter": page.kind_filter,
        "property_labels": property_labels() if needs_labels else {},
    }


@register.inclusion_tag("activity/_timeline.html", takes_context=True)
def contact_timeline_card(context: template.Context, contact: Contact) -> dict[str, Any]:
    request = context["request"]
    kind_filter = timeline_filter_key(request.GET.get("kind"))
    page = contact_timeline(contact=contact, user=request.user, kind_filter=kind_filter)
    return timeline_context(
        request=request,
        page=page,
        contact=contact,
        timeline_url=reverse("activity:timeline", args=[contact.public_id]),
    )


@register.inclusion_tag("activity/_timeline.html", takes_context=True)
def company_timeline_card(context: template.Context, company: Company) -> dict[str, Any]:
    request = context["request"]
    kind_filter = timeline_filter_key(request.GET.get("kind"))
    page = company_timeline(company=company, user=request.user, kind_filter=kind_filter)
    return timeline_context(
        request=request,
        page=page,
        company=company,
        timeline_url=reverse("activity:company_timeline", args=[company.public_id]),
    )
