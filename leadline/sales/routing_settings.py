"""Changing how leads are routed, for the settings screens and the API alike: the routing settings
checked field by field, rules edited and put in order, rejection reasons renamed or hidden.

Creating and deleting rules and reasons, and storing the settings, stay in `handoff_services`;
this module checks input that arrives as plain values (the API's) before handing it there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from leadline.accounts.models import Role, Team, User
from leadline.contacts.countries import country_code
from leadline.core.access import parse_public_id
from leadline.core.services import audit_record
from leadline.sales import handoff_services
from leadline.sales.models import RejectionReason, RoutingMode, RoutingRule, RoutingSettings

SETTINGS_FIELDS = (
    "mode",
    "sla_working_hours",
    "reminder_working_hours",
    "working_day_start",
    "working_day_end",
    "working_weekdays",
    "time_zone",
    "recycle_after_days",
    "escalate_to",
)
RULE_FIELDS = ("name", "countries", "min_employee_count", "use_company_owner", "assign_to", "assign_to_team")
MAX_COUNTRIES = 250
MAX_EMPLOYEES = 10_000_000
MAX_RULES_IN_ORDER = 1000


def _check_admin(actor: User, what: str) -> None:
    if not actor.is_admin:
        raise PermissionDenied(f"Only admins change {what}.")


def _unknown(data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ValidationError({key: "Unknown field." for key in unknown})


def _whole(value: Any, field: str, errors: dict[str, str], low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "Enter a whole number."
        return None
    if not low <= value <= high:
        errors[field] = f"Choose between {low:,} and {high:,}."
        return None
    return value


def _user(value: Any, field: str, errors: dict[str, str], *, sales_only: bool) -> User | None:
    if value is None or value == "":
        return None
    if isinstance(value, User):
        return value
    parsed = parse_public_id(value)
    people = User.objects.filter(is_active=True)
    if sales_only:
        people = people.filter(role=Role.SALES)
    found = people.filter(public_id=parsed).first() if parsed else None
    if found is None:
        errors[field] = "Choose an active salesperson." if sales_only else "Choose an active teammate."
    return found


def _team(value: Any, errors: dict[str, str]) -> Team | None:
    if value is None or value == "":
        return None
    if isinstance(value, Team):
        return value
    parsed = parse_public_id(value)
    found = Team.objects.filter(public_id=parsed).first() if parsed else None
    if found is None:
        errors["assign_to_team"] = "Choose one of the teams."
    return found


# --- Settings -----------------------------------------------------------------------------------


def routing_settings_clean(data: Mapping[str, Any], *, instance: RoutingSettings) -> dict[str, Any]:
    """Check a change to the settings (missing keys keep their values). Raises ValidationError
    naming each bad field; returns the fields that were given, ready to store."""
    _unknown(data, SETTINGS_FIELDS)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "mode" in data:
        if data["mode"] not in RoutingMode.values:
            errors["mode"] = "Choose one of: " + ", ".join(RoutingMode.values) + "."
        cleaned["mode"] = data["mode"]
    for field, low, high in (
        ("sla_working_hours", 1, 200),
        ("reminder_working_hours", 0, 199),
        ("working_day_start", 0, 23),
        ("working_day_end", 1, 24),
        ("recycle_after_days", 1, 3650),
    ):
        if field in data:
            cleaned[field] = _whole(data[field], field, errors, low, high)
    if "working_weekdays" in data:
        days = data["working_weekdays"]
        if (
            not isinstance(days, list)
            or not days
            or any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days)
        ):
            errors["working_weekdays"] = "Give at least one day, 0 (Monday) to 6 (Sunday)."
        else:
            cleaned["working_weekdays"] = sorted(set(days))
    if "time_zone" in data:
        if not isinstance(data["time_zone"], str) or data["time_zone"] not in available_timezones():
            errors["time_zone"] = "Choose a time zone such as Europe/Berlin."
        cleaned["time_zone"] = data["time_zone"]
    if "escalate_to" in data:
        cleaned["escalate_to"] = _user(data["escalate_to"], "escalate_to", errors, sales_only=False)
    start = cleaned.get("working_day_start", instance.working_day_start)
    end = cleaned.get("working_day_end", instance.working_day_end)
    if "working_day_start" not in errors and "working_day_end" not in errors and start >= end:
        errors["working_day_end"] = "The working day must end after it starts."
    sla = cleaned.get("sla_working_hours", instance.sla_working_hours)
    reminder = cleaned.get("reminder_working_hours", instance.reminder_working_hours)
    if "sla_working_hours" not in errors and "reminder_working_hours" not in errors and reminder >= sla:
        errors["reminder_working_hours"] = "The reminder must come before the deadline."
    if errors:
        raise ValidationError(errors)
    return cleaned


def routing_settings_change(*, actor: User, data: Mapping[str, Any]) -> RoutingSettings:
    """Change some of the routing settings (the API's partial update)."""
    _check_admin(actor, "routing settings")
    cleaned = routing_settings_clean(data, instance=RoutingSettings.load())
    return handoff_services.routing_settings_update(actor=actor, data=cleaned)


# --- Rules --------------------------------------------------------------------------------------


def routing_rule_clean(data: Mapping[str, Any], *, instance: RoutingRule | None = None) -> dict[str, Any]:
    """Check a rule; with `instance`, missing keys keep the rule's values. Countries may be codes or
    English names; people and teams are given by public id (or as objects, from the forms)."""
    _unknown(data, RULE_FIELDS)
    merged: dict[str, Any] = {}
    if instance is not None:
        merged = {
            "name": instance.name,
            "countries": list(instance.countries or []),
            "min_employee_count": instance.min_employee_count,
            "use_company_owner": instance.use_company_owner,
            "assign_to": instance.assign_to,
            "assign_to_team": instance.assign_to_team,
        }
    merged.update(data)
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    name = merged.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "Give the rule a name."
    elif len(name.strip()) > 120:
        errors["name"] = "Keep the name under 120 characters."
    cleaned["name"] = name.strip() if isinstance(name, str) else ""
    countries = merged.get("countries") or []
    if not isinstance(countries, list) or any(not isinstance(item, str) for item in countries):
        errors["countries"] = "Give a list of country codes or names."
    elif len(countries) > MAX_COUNTRIES:
        errors["countries"] = f"At most {MAX_COUNTRIES} countries."
    else:
        unknown = [item for item in countries if country_code(item) is None]
        if unknown:
            errors["countries"] = f"Unknown countries: {', '.join(item[:40] for item in unknown[:5])}."
        cleaned["countries"] = sorted({code for item in countries if (code := country_code(item))})
    employees = merged.get("min_employee_count")
    cleaned["min_employee_count"] = (
        None if employees is None else _whole(employees, "min_employee_count", errors, 1, MAX_EMPLOYEES)
    )
    use_owner = merged.get("use_company_owner", False)
    if not isinstance(use_owner, bool):
        errors["use_company_owner"] = "Choose true or false."
    cleaned["use_company_owner"] = use_owner is True
    cleaned["assign_to"] = _user(merged.get("assign_to"), "assign_to", errors, sales_only=True)
    cleaned["assign_to_team"] = _team(merged.get("assign_to_team"), errors)
    if not errors and not (cleaned["use_company_owner"] or cleaned["assign_to"] or cleaned["assign_to_team"]):
        errors["assign_to"] = "Say who receives the leads this rule matches."
    if errors:
        raise ValidationError(errors)
    return cleaned


def routing_rule_add(*, actor: User, data: Mapping[str, Any]) -> RoutingRule:
    """A new rule, checked in last place."""
    _check_admin(actor, "routing rules")
    return handoff_services.routing_rule_create(actor=actor, data=routing_rule_clean(data))


def routing_rule_update(*, actor: User, rule: RoutingRule, data: Mapping[str, Any]) -> RoutingRule:
    _check_admin(actor, "routing rules")
    cleaned = routing_rule_clean(data, instance=rule)
    for field, value in cleaned.items():
        setattr(rule, field, value)
    with transaction.atomic():
        rule.save(update_fields=[*cleaned, "updated_at"])
        audit_record(actor=actor, action="routing_rule.changed", target=rule, summary=rule.name)
    return rule


def _renumber(rules: list[RoutingRule]) -> None:
    for position, rule in enumerate(rules, start=1):
        rule.position = position
    RoutingRule.objects.bulk_update(rules, ["position"])


def routing_rule_move(*, actor: User, rule: RoutingRule, direction: str) -> RoutingRule:
    """Swap the rule with the one above or below it (nothing happens at either end)."""
    _check_admin(actor, "routing rules")
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move a rule up or down."})
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
        index = next(i for i, item in enumerate(rules) if item.pk == rule.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        _renumber(rules)
        audit_record(
            actor=actor, action="routing_rule.moved", target=rule, summary=f"{rule.name} {direction}"
        )
    rule.position = next(item.position for item in rules if item.pk == rule.pk)
    return rule


def routing_rules_reorder(*, actor: User, rule_ids: Sequence[Any]) -> list[RoutingRule]:
    """The listed rules come first, in the order given; rules not listed keep their order after them."""
    _check_admin(actor, "routing rules")
    if not isinstance(rule_ids, list | tuple) or len(rule_ids) > MAX_RULES_IN_ORDER:
        raise ValidationError({"rules": f"Give a list of at most {MAX_RULES_IN_ORDER} rule ids."})
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
        by_id = {str(rule.public_id): rule for rule in rules}
        wanted: list[RoutingRule] = []
        for value in rule_ids:
            parsed = parse_public_id(value)
            rule = by_id.get(str(parsed)) if parsed else None
            if rule is None:
                raise ValidationError({"rules": f"Unknown rule: {str(value)[:60]}."})
            if rule in wanted:
                raise ValidationError({"rules": f"The rule “{rule.name}” is listed twice."})
            wanted.append(rule)
        ordered = wanted + [rule for rule in rules if rule not in wanted]
        _renumber(ordered)
        audit_record(actor=actor, action="routing_rule.reordered", summary="Routing rules reordered")
    return ordered


# --- Rejection reasons --------------------------------------------------------------------------


def rejection_reason_update(
    *, actor: User, reason: RejectionReason, data: Mapping[str, Any]
) -> RejectionReason:
    """Rename a reason or offer/hide it. Its key stays, so past rejections keep pointing at it."""
    _check_admin(actor, "the rejection reasons")
    _unknown(data, ("label", "active"))
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if "label" in data:
        label = data["label"]
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 80:
            errors["label"] = "Give the reason a name of up to 80 characters."
        else:
            changes["label"] = label.strip()
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "Choose true or false."
        else:
            changes["is_active"] = data["active"]
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(reason, field, value)
    if changes:
        with transaction.atomic():
            reason.save(update_fields=[*changes, "updated_at"])
            audit_record(actor=actor, action="rejection_reason.changed", target=reason, summary=reason.label)
    return reason
