"""Conditions a workflow asks about one contact: any segment condition tree, or one of a few checks
that only make sense inside a workflow ("booked a meeting since they were enrolled")."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.segments.compiler import SegmentError, compile_tree

logger = logging.getLogger(__name__)

CHECKS: dict[str, str] = {
    "meeting_booked_since_enrolment": "Booked a meeting since entering this workflow",
    "order_since_enrolment": "Placed an order since entering this workflow",
    "email_opened_since_enrolment": "Opened an email since entering this workflow",
    "email_clicked_since_enrolment": "Clicked a link in an email since entering this workflow",
    "has_recurring_product": "Owns a recurring (subscription) product",
    "has_open_deal": "Has an open deal",
}
_SINCE_KINDS = {
    "meeting_booked_since_enrolment": Kind.MEETING_BOOKED,
    "order_since_enrolment": Kind.ORDER_PLACED,
    "email_opened_since_enrolment": Kind.EMAIL_OPENED,
    "email_clicked_since_enrolment": Kind.EMAIL_CLICKED,
}


def clean_condition(config: dict[str, Any], data: dict[str, Any]) -> None:
    """Copy a valid `check` or segment `condition` from `data` into `config`, or raise."""
    check = data.get("check") or ""
    condition = data.get("condition")
    if check:
        if check not in CHECKS:
            raise ValidationError({"check": "Choose one of the listed checks."})
        config["check"] = check
        return
    if not condition:
        raise ValidationError({"condition": "Choose a check or write a condition."})
    try:
        compile_tree(condition)
    except SegmentError as error:
        raise ValidationError({"condition": str(error)}) from None
    config["condition"] = condition


def describe_condition(config: dict[str, Any]) -> str:
    if config.get("check"):
        return CHECKS.get(config["check"], config["check"]).lower()
    condition = config.get("condition")
    if isinstance(condition, dict) and "field" in condition:
        value = condition.get("value")
        return f"{condition['field']} {condition.get('op', '')} {'' if value is None else value}".strip()
    return "the condition is met"


def matches(config: dict[str, Any], contact: Contact, *, since: datetime | None = None) -> bool:
    """Whether the contact meets the step's condition now."""
    check = config.get("check")
    if check:
        return _check(check, contact, since)
    condition = config.get("condition")
    if not condition:
        return False
    return contact.pk in matching_ids(condition, [contact.pk])


def matching_ids(condition: Any, contact_ids: Sequence[int]) -> set[int]:
    """Which of these contacts a segment condition selects (one query); empty when it is broken."""
    if not contact_ids:
        return set()
    try:
        compiled = compile_tree(condition, scope=list(contact_ids))
    except SegmentError as error:
        logger.warning("Workflow condition not evaluated: %s", error)
        return set()
    return set(Contact.objects.filter(pk__in=contact_ids).filter(compiled.q).values_list("pk", flat=True))


def _check(check: str, contact: Contact, since: datetime | None) -> bool:
    if check in _SINCE_KINDS:
        rows = Activity.objects.filter(contact_id=contact.pk, kind=_SINCE_KINDS[check])
        if since is not None:
            rows = rows.filter(occurred_at__gte=since)
        return rows.exists()
    if check == "has_recurring_product":
        from leadline.sales.models import Billing, OrderLine

        return (
            OrderLine.objects.filter(order__contact_id=contact.pk, product__isnull=False)
            .exclude(product__billing=Billing.ONE_OFF)
            .exists()
        )
    if check == "has_open_deal":
        from leadline.sales.models import Deal

        return Deal.objects.filter(Q(contact_id=contact.pk), status="open").exists()
    return False
