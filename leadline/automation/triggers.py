"""What enrols contacts: new rows of the activity log, read in batches after a cursor, and dates.

`triggers_consume` reads the rows added since its cursor, matches them against the active workflows'
triggers and enrols the contacts, moving the cursor in the same transaction (a crash replays the
batch, and the enrolment rules keep a replay from enrolling anyone twice). Date triggers (a
birthday, a renewal date, N days after an order or since the last one) run once a day per workflow
and remember the day in the enrolment, so a contact is enrolled at most once per date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leadline.activity.models import Activity, Cursor, Kind
from leadline.automation.models import Enrolment, TriggerType, Workflow
from leadline.contacts.models import Contact, LifecycleStage
from leadline.core.access import parse_public_id

logger = logging.getLogger(__name__)

CURSOR = "automation.triggers"
BATCH = 5000

TRIGGER_KINDS: dict[str, str] = {
    TriggerType.FORM_SUBMITTED: Kind.FORM_SUBMITTED,
    TriggerType.SEGMENT_ENTERED: Kind.SEGMENT_ENTERED,
    TriggerType.SEGMENT_LEFT: Kind.SEGMENT_LEFT,
    TriggerType.STAGE_CHANGED: Kind.STAGE_CHANGED,
    TriggerType.SCORE_CROSSED: Kind.SCORE_CHANGED,
    TriggerType.EMAIL_OPENED: Kind.EMAIL_OPENED,
    TriggerType.EMAIL_CLICKED: Kind.EMAIL_CLICKED,
    TriggerType.PAGE_VISITED: Kind.PAGE_VIEW,
    TriggerType.MEETING_BOOKED: Kind.MEETING_BOOKED,
    TriggerType.DEAL_STAGE_CHANGED: Kind.DEAL_CHANGED,
    TriggerType.DEAL_WON: Kind.DEAL_WON,
    TriggerType.DEAL_LOST: Kind.DEAL_LOST,
    TriggerType.ORDER_PLACED: Kind.ORDER_PLACED,
}
DATE_MODES = {
    "property": "A date property (e.g. a renewal date)",
    "anniversary": "Every year on a date property (e.g. a birthday)",
    "after_order": "Some days after each order",
    "since_last_order": "Some days after the last order (win-back)",
}


# --- Configuration ----------------------------------------------------------------------------------


def _public_id_or_blank(config: Mapping[str, Any], name: str, queryset: Any, message: str) -> str:
    value = config.get(name) or ""
    if not value:
        return ""
    public_id = parse_public_id(value)
    if public_id is None or not queryset.filter(public_id=public_id).exists():
        raise ValidationError(message)
    return str(public_id)


def clean_trigger_config(trigger: str, config: Any) -> dict[str, Any]:
    """The settings of a trigger, checked; blank settings mean "any"."""
    if not isinstance(config, Mapping):
        raise ValidationError("The trigger settings must be an object.")
    cleaned: dict[str, Any] = {}
    if trigger == TriggerType.FORM_SUBMITTED:
        from leadline.forms.models import Form

        cleaned["form"] = _public_id_or_blank(config, "form", Form.objects.all(), "No form has this id.")
    elif trigger in (TriggerType.SEGMENT_ENTERED, TriggerType.SEGMENT_LEFT):
        from leadline.segments.models import Segment

        cleaned["segment"] = _public_id_or_blank(
            config, "segment", Segment.objects.all(), "No segment has this id."
        )
        if not cleaned["segment"]:
            raise ValidationError("Choose the segment.")
    elif trigger == TriggerType.STAGE_CHANGED:
        stage = config.get("stage") or ""
        if stage and stage not in LifecycleStage.values:
            raise ValidationError("Choose a lifecycle stage.")
        cleaned["stage"] = stage
    elif trigger == TriggerType.SCORE_CROSSED:
        try:
            cleaned["value"] = int(str(config.get("value")).strip())
        except (TypeError, ValueError):
            raise ValidationError("Give the score to cross, a whole number.") from None
    elif trigger in (TriggerType.PAGE_VISITED, TriggerType.EMAIL_CLICKED):
        text = str(config.get("url_contains") or "").strip()
        if len(text) > 500:
            raise ValidationError("The address part is at most 500 characters.")
        cleaned["url_contains"] = text
    elif trigger == TriggerType.DEAL_STAGE_CHANGED:
        stage = str(config.get("stage") or "").strip()
        if len(stage) > 200:
            raise ValidationError("The stage name is at most 200 characters.")
        cleaned["stage"] = stage
    elif trigger == TriggerType.DATE_REACHED:
        mode = config.get("mode") or "property"
        if mode not in DATE_MODES:
            raise ValidationError("Choose which date enrols contacts.")
        cleaned["mode"] = mode
        try:
            days = int(config.get("days") or 0)
        except (TypeError, ValueError):
            raise ValidationError("Days must be a whole number.") from None
        if not -365 <= days <= 3650:
            raise ValidationError("Days must be between -365 and 3650.")
        cleaned["days"] = days
        if mode in ("property", "anniversary"):
            prop = str(config.get("property") or "").strip()
            if not prop or len(prop) > 64:
                raise ValidationError("Name the date property.")
            cleaned["property"] = prop
        elif days <= 0:
            raise ValidationError("Give the number of days after the order.")
    return cleaned


def describe_trigger(workflow: Workflow) -> str:
    config = workflow.trigger_config or {}
    label = TriggerType(workflow.trigger_type).label if workflow.trigger_type in TriggerType.values else ""
    if workflow.trigger_type == TriggerType.SCORE_CROSSED:
        return f"Score reaches {config.get('value')}"
    if workflow.trigger_type == TriggerType.STAGE_CHANGED and config.get("stage"):
        return f"Lifecycle stage becomes {LifecycleStage(config['stage']).label}"
    if workflow.trigger_type == TriggerType.DATE_REACHED:
        mode, days = config.get("mode"), config.get("days", 0)
        if mode == "since_last_order":
            return f"{days} days after a customer's last order"
        if mode == "after_order":
            return f"{days} days after an order"
        when = f"{abs(days)} days {'before' if days < 0 else 'after'} " if days else "On "
        yearly = " (every year)" if mode == "anniversary" else ""
        return f"{when}the date in “{config.get('property')}”{yearly}"
    if config.get("url_contains"):
        return f"{label}: address contains “{config['url_contains']}”"
    if workflow.trigger_type == TriggerType.DEAL_STAGE_CHANGED and config.get("stage"):
        return f"A deal moves to {config['stage']}"
    return label


# --- Matching activity rows ----------------------------------------------------------------------------


def _matches(workflow: Workflow, row: Activity) -> bool:
    config = workflow.trigger_config or {}
    data = row.data if isinstance(row.data, dict) else {}
    trigger = workflow.trigger_type
    if trigger == TriggerType.FORM_SUBMITTED:
        return not config.get("form") or data.get("form") == config["form"]
    if trigger in (TriggerType.SEGMENT_ENTERED, TriggerType.SEGMENT_LEFT):
        return data.get("segment") == config.get("segment")
    if trigger == TriggerType.STAGE_CHANGED:
        return not config.get("stage") or data.get("to") == config["stage"]
    if trigger == TriggerType.SCORE_CROSSED:
        try:
            before, after, value = int(data.get("from") or 0), int(data.get("to") or 0), int(config["value"])
        except (TypeError, ValueError, KeyError):
            return False
        return before < value <= after
    if trigger in (TriggerType.PAGE_VISITED, TriggerType.EMAIL_CLICKED):
        needle = (config.get("url_contains") or "").casefold()
        return not needle or needle in (row.url or data.get("url") or "").casefold()
    if trigger == TriggerType.DEAL_STAGE_CHANGED:
        return (
            not config.get("stage") or (data.get("to_stage") or "").casefold() == config["stage"].casefold()
        )
    return True


def _trigger_data(row: Activity) -> dict[str, Any]:
    data = row.data if isinstance(row.data, dict) else {}
    kept = {
        key: data[key]
        for key in ("form", "segment", "deal", "order", "to", "from", "to_stage", "message")
        if key in data
    }
    return {"activity": str(row.public_id), "kind": row.kind, **kept}


def triggers_consume(*, batch: int = BATCH, now: datetime | None = None) -> int:
    """One batch of new activity rows; returns how many contacts were enrolled."""
    from leadline.automation.services import enrolment_create

    now = now or timezone.now()
    enrolled = 0
    with transaction.atomic():
        newest = Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0
        cursor, _ = Cursor.objects.select_for_update().get_or_create(
            name=CURSOR, defaults={"position": newest}
        )
        workflows = list(
            Workflow.objects.filter(
                status=Workflow.Status.ACTIVE, trigger_type__in=list(TRIGGER_KINDS)
            ).select_related("current_version")
        )
        rows = list(
            Activity.objects.filter(id__gt=cursor.position)
            .only("id", "public_id", "kind", "contact_id", "url", "data", "occurred_at")
            .order_by("id")[:batch]
        )
        last = rows[-1].id if rows else cursor.position
        by_kind: dict[str, list[Workflow]] = {}
        for workflow in workflows:
            by_kind.setdefault(TRIGGER_KINDS[workflow.trigger_type], []).append(workflow)
        wanted = [row for row in rows if row.kind in by_kind and row.contact_id is not None]
        contacts = Contact.objects.in_bulk({row.contact_id for row in wanted})
        for row in wanted:
            contact = contacts.get(row.contact_id)
            if contact is None:
                continue
            for workflow in by_kind[row.kind]:
                if _matches(workflow, row) and enrolment_create(
                    workflow=workflow,
                    contact=contact,
                    trigger=workflow.trigger_type,
                    trigger_data=_trigger_data(row),
                    now=now,
                ):
                    enrolled += 1
        cursor.position = max(cursor.position, last)
        cursor.save(update_fields=["position", "updated_at"])
    return enrolled


# --- Dates -------------------------------------------------------------------------------------------------


def _parse_day(value: Any) -> date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _property_contacts(config: Mapping[str, Any], today: date) -> list[tuple[Contact, dict[str, Any]]]:
    key, days = config["property"], int(config.get("days") or 0)
    # The event day that makes today the day to act: `days` after it (negative: before it).
    target = today - timedelta(days=days)
    found = []
    for contact in Contact.objects.filter(properties__has_key=key).iterator(chunk_size=2000):
        day = _parse_day((contact.properties or {}).get(key))
        if day is None:
            continue
        if config["mode"] == "anniversary":
            hit = (day.month, day.day) == (target.month, target.day) or (
                (day.month, day.day) == (2, 29)
                and (target.month, target.day) == (2, 28)
                and not _leap(target.year)
            )
        else:
            hit = day == target
        if hit:
            found.append((contact, {"date": today.isoformat(), "property": key}))
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _order_contacts(config: Mapping[str, Any], today: date) -> list[tuple[Contact, dict[str, Any]]]:
    from leadline.sales.models import Order

    zone = timezone.get_current_timezone()
    day = today - timedelta(days=int(config["days"]))
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    if config["mode"] == "after_order":
        orders = Order.objects.filter(ordered_at__gte=start, ordered_at__lt=end).select_related("contact")
        return [
            (order.contact, {"date": today.isoformat(), "order": str(order.public_id)}) for order in orders
        ]
    contact_ids = (
        Order.objects.values("contact_id")
        .annotate(last=Max("ordered_at"))
        .filter(last__gte=start, last__lt=end)
        .values_list("contact_id", flat=True)
    )
    return [(contact, {"date": today.isoformat()}) for contact in Contact.objects.filter(pk__in=contact_ids)]


DATE_FINDERS: dict[str, Callable[[Mapping[str, Any], date], list[tuple[Contact, dict[str, Any]]]]] = {
    "property": _property_contacts,
    "anniversary": _property_contacts,
    "after_order": _order_contacts,
    "since_last_order": _order_contacts,
}


def date_triggers_run(*, now: datetime | None = None) -> int:
    """Enrol today's contacts of every active date workflow; safe to run many times a day."""
    from leadline.automation.services import enrolment_create

    now = now or timezone.now()
    today = timezone.localdate(now)
    enrolled = 0
    for workflow in Workflow.objects.filter(
        status=Workflow.Status.ACTIVE, trigger_type=TriggerType.DATE_REACHED
    ).select_related("current_version"):
        config = workflow.trigger_config or {}
        finder = DATE_FINDERS.get(config.get("mode", ""))
        if finder is None:
            continue
        already = set(
            Enrolment.objects.filter(workflow=workflow, trigger_data__date=today.isoformat()).values_list(
                "contact_id", flat=True
            )
        )
        for contact, data in finder(config, today):
            if contact.pk in already:
                continue
            already.add(contact.pk)
            if enrolment_create(
                workflow=workflow, contact=contact, trigger="date_reached", trigger_data=data, now=now
            ):
                enrolled += 1
    return enrolled
