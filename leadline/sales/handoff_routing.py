"""Routing new MQLs to salespeople: rules first (when the settings say so), then a fair round robin
that skips people marked away. Reads the activity log through a cursor, so it is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from leadline.accounts.models import Role, User
from leadline.activity.models import Activity, Cursor, Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_update
from leadline.sales.handoff_hours import WorkingHours, add_working_hours
from leadline.sales.handoff_notify import notify_routed
from leadline.sales.models import Handoff, HandoffState, RoutingMode, RoutingRule, RoutingSettings

ROUTING_CURSOR = "sales.handoff_routing"
BATCH_SIZE = 500
# On first start the log already holds the MQL moves of the past; only recent ones are routed, so
# switching Leadline's routing on does not flood the sales team with years-old leads.
ROUTING_MAX_AGE = timedelta(days=3)


@dataclass(frozen=True)
class Choice:
    user: User
    reason: str  # "round robin", or the rule that decided


def working_hours_of(routing: RoutingSettings) -> WorkingHours:
    return WorkingHours.of(
        time_zone=routing.time_zone,
        day_start=routing.working_day_start,
        day_end=routing.working_day_end,
        weekdays=routing.working_weekdays or [],
    )


def available_salespeople() -> QuerySet[User]:
    return User.objects.filter(is_active=True, is_away=False, role=Role.SALES)


def round_robin(candidates: QuerySet[User]) -> User | None:
    """The candidate who received a hand-off least recently (never counts as longest ago).

    Hand-off ids grow with each assignment, so the latest id is the latest turn even when two
    leads arrive within the same instant.
    """
    return (
        candidates.annotate(last_received=Max("handoffs__id"))
        .order_by(F("last_received").asc(nulls_first=True), "id")
        .first()
    )


def _rule_matches(rule: RoutingRule, contact: Contact) -> bool:
    company = contact.company
    if rule.countries:
        country = contact.country or (company.country if company else "")
        if country.upper() not in {code.upper() for code in rule.countries}:
            return False
    if rule.min_employee_count is not None:
        if company is None or company.employee_count is None:
            return False
        if company.employee_count < rule.min_employee_count:
            return False
    return True


def _rule_target(rule: RoutingRule, contact: Contact) -> User | None:
    available = available_salespeople()
    if rule.use_company_owner:
        owner_id = contact.company.owner_id if contact.company else None
        if owner_id is not None and (owner := available.filter(pk=owner_id).first()):
            return owner
    if rule.assign_to_id is not None and (user := available.filter(pk=rule.assign_to_id).first()):
        return user
    if rule.assign_to_team_id is not None:
        return round_robin(available.filter(teams=rule.assign_to_team_id))
    return None


def choose_salesperson(contact: Contact, routing: RoutingSettings) -> Choice | None:
    if routing.mode == RoutingMode.RULES:
        for rule in RoutingRule.objects.all():
            if _rule_matches(rule, contact) and (user := _rule_target(rule, contact)):
                return Choice(user, rule.name or "a rule")
    user = round_robin(available_salespeople())
    return Choice(user, "round robin") if user else None


def handoff_create(*, contact: Contact, now: datetime | None = None) -> Handoff | None:
    """Route one MQL. Returns None when it already has a pending hand-off or nobody is available."""
    now = now or timezone.now()
    routing = RoutingSettings.load()
    if Handoff.objects.filter(contact=contact, state=HandoffState.PENDING).exists():
        return None
    if Handoff.objects.filter(contact=contact, state=HandoffState.REJECTED, recycle_at__gt=now).exists():
        return None  # sent back recently: marketing nurtures it until the recycle date
    choice = choose_salesperson(contact, routing)
    if choice is None:
        return None
    working = working_hours_of(routing)
    sla_hours = routing.sla_working_hours
    reminder_hours = min(routing.reminder_working_hours, sla_hours)
    try:
        with transaction.atomic():
            handoff = Handoff.objects.create(
                contact=contact,
                assigned_to=choice.user,
                assigned_at=now,
                routed_by=choice.reason[:32],
                sla_due_at=add_working_hours(now, sla_hours, working),
                remind_at=add_working_hours(now, sla_hours - reminder_hours, working)
                if reminder_hours
                else None,
            )
            if contact.owner_id != choice.user.pk:
                contact_update(contact=contact, actor=None, data={"owner": choice.user}, via="handoff")
            activity_record(
                kind="handoff.routed",
                contact=contact,
                occurred_at=now,
                title=f"Routed to {choice.user.display_name} ({choice.reason})",
                data={"handoff": str(handoff.public_id), "to": choice.user.pk, "via": "handoff"},
            )
    except IntegrityError:
        return None  # another worker routed the same contact a moment ago
    notify_routed(handoff)
    return handoff


def handoffs_route_new_mqls(*, batch_size: int = BATCH_SIZE) -> int:
    """Read stage changes to MQL since the cursor and route each contact once."""
    routed = 0
    while True:
        with transaction.atomic():
            cursor, _ = Cursor.objects.select_for_update().get_or_create(name=ROUTING_CURSOR)
            rows: list[Any] = list(
                Activity.objects.filter(id__gt=cursor.position, kind=Kind.STAGE_CHANGED)
                .order_by("id")
                .values_list("id", "contact_id", "data", "occurred_at")[:batch_size]
            )
            if not rows:
                return routed
            cursor.position = rows[-1][0]
            cursor.save(update_fields=["position", "updated_at"])
        oldest = timezone.now() - ROUTING_MAX_AGE
        contact_ids = [
            contact_id
            for _, contact_id, data, occurred_at in rows
            if contact_id and _became_mql(data) and occurred_at >= oldest
        ]
        contacts = Contact.objects.select_related("company").filter(
            pk__in=contact_ids, lifecycle_stage=LifecycleStage.MQL
        )
        for contact in contacts:
            if handoff_create(contact=contact) is not None:
                routed += 1
        if len(rows) < batch_size:
            return routed


def _became_mql(data: Any) -> bool:
    return isinstance(data, dict) and data.get("to") == LifecycleStage.MQL
