"""Writes of the hand-off: accept, reject with a reason, SLA reminders and escalations, recycling,
and the routing settings. Every change to the contact goes through contacts.services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from leadline.accounts.models import User
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_advance_stage, contact_update
from leadline.core.services import audit_record
from leadline.sales.handoff_notify import notify_escalation, notify_reminder
from leadline.sales.handoff_routing import handoff_create
from leadline.sales.models import Handoff, HandoffState, RejectionReason, RoutingRule, RoutingSettings

COMMENT_MAX_LENGTH = 2000


def _check_can_decide(handoff: Handoff, actor: User) -> None:
    if not (actor.is_admin or handoff.assigned_to_id == actor.pk):
        raise PermissionDenied("Only the salesperson the lead was routed to can accept or reject it.")
    if handoff.state != HandoffState.PENDING:
        raise ValidationError("This hand-off has already been decided.")


def handoff_accept(*, handoff: Handoff, actor: User) -> Handoff:
    """The salesperson takes the lead: the contact becomes an SQL (never moved backwards)."""
    _check_can_decide(handoff, actor)
    now = timezone.now()
    contact = handoff.contact
    with transaction.atomic():
        handoff.state = HandoffState.ACCEPTED
        handoff.decided_at = now
        handoff.decided_by = actor
        handoff.first_touch_at = handoff.first_touch_at or now
        handoff.save(update_fields=["state", "decided_at", "decided_by", "first_touch_at", "updated_at"])
        contact_advance_stage(contact=contact, stage=LifecycleStage.SQL, actor=actor, via="handoff")
        activity_record(
            kind="handoff.accepted",
            contact=contact,
            actor=actor,
            title=f"Accepted by {actor.display_name}",
            data={"handoff": str(handoff.public_id), "via": "handoff"},
        )
    return handoff


def clean_rejection(reason: Any, comment: Any) -> tuple[RejectionReason, str]:
    """The reason by key or public id (active ones only) and a trimmed comment."""
    found = None
    if isinstance(reason, RejectionReason):
        found = reason if reason.is_active else None
    elif isinstance(reason, str) and reason.strip():
        from leadline.core.access import parse_public_id

        active = RejectionReason.objects.active()
        parsed = parse_public_id(reason)
        found = (
            active.filter(public_id=parsed).first() if parsed else active.filter(key=reason.strip()).first()
        )
    if found is None:
        raise ValidationError({"reason": "Choose one of the rejection reasons."})
    comment = (comment or "").strip() if isinstance(comment, str) or comment is None else None
    if comment is None:
        raise ValidationError({"comment": "The comment must be text."})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError({"comment": f"Keep the comment under {COMMENT_MAX_LENGTH:,} characters."})
    return found, comment


def handoff_reject(*, handoff: Handoff, actor: User, reason: Any, comment: Any = "") -> Handoff:
    """Send the lead back to marketing: stage back to lead, owner cleared, re-qualify after N days.

    The one backwards move of the lifecycle, made explicitly by a person with a reason.
    """
    _check_can_decide(handoff, actor)
    rejection_reason, comment = clean_rejection(reason, comment)
    routing = RoutingSettings.load()
    now = timezone.now()
    contact = handoff.contact
    with transaction.atomic():
        handoff.state = HandoffState.REJECTED
        handoff.decided_at = now
        handoff.decided_by = actor
        handoff.rejection_reason = rejection_reason
        handoff.comment = comment
        handoff.recycle_at = now + timedelta(days=routing.recycle_after_days)
        handoff.save(
            update_fields=[
                "state",
                "decided_at",
                "decided_by",
                "rejection_reason",
                "comment",
                "recycle_at",
                "updated_at",
            ]
        )
        contact_update(
            contact=contact,
            actor=actor,
            data={"lifecycle_stage": LifecycleStage.LEAD, "owner": None},
            via="handoff",
        )
        activity_record(
            kind="handoff.rejected",
            contact=contact,
            actor=actor,
            title=f"Sent back to marketing: {rejection_reason.label}",
            data={
                "handoff": str(handoff.public_id),
                "reason": rejection_reason.key,
                "comment": comment,
                "recycle_at": handoff.recycle_at.isoformat(),
                "via": "handoff",
            },
        )
    return handoff


def handoffs_send_reminders(*, now: Any = None) -> int:
    """Remind each salesperson once when a hand-off nears its SLA."""
    now = now or timezone.now()
    due = (
        Handoff.objects.pending()
        .filter(remind_at__lte=now, reminded_at__isnull=True, sla_due_at__gt=now)
        .select_related("contact", "assigned_to")
    )
    sent = 0
    for handoff in due:
        # The conditional update claims the reminder, so two runs never both send it.
        if Handoff.objects.filter(pk=handoff.pk, reminded_at__isnull=True).update(reminded_at=now):
            notify_reminder(handoff)
            sent += 1
    return sent


def handoffs_escalate_overdue(*, now: Any = None) -> int:
    """Escalate each hand-off past its SLA once: email the manager, note it on the timeline."""
    now = now or timezone.now()
    routing = RoutingSettings.load()
    manager = routing.escalate_to if routing.escalate_to_id else None
    overdue = (
        Handoff.objects.pending()
        .filter(sla_due_at__lte=now, escalated_at__isnull=True)
        .select_related("contact", "assigned_to")
    )
    escalated = 0
    for handoff in overdue:
        if not Handoff.objects.filter(pk=handoff.pk, escalated_at__isnull=True).update(escalated_at=now):
            continue
        who = handoff.assigned_to.display_name if handoff.assigned_to else "nobody"
        activity_record(
            kind="handoff.escalated",
            contact=handoff.contact,
            title=f"Hand-off overdue: {who} did not respond within the SLA",
            data={"handoff": str(handoff.public_id), "via": "handoff"},
        )
        notify_escalation(handoff, manager)
        escalated += 1
    return escalated


def handoffs_recycle_due(*, now: Any = None) -> int:
    """Rejected hand-offs past their recycle date become recycled; contacts that re-qualified
    meanwhile (MQL again) are routed afresh."""
    now = now or timezone.now()
    due = list(
        Handoff.objects.filter(state=HandoffState.REJECTED, recycle_at__lte=now).select_related(
            "contact", "contact__company"
        )
    )
    for handoff in due:
        Handoff.objects.filter(pk=handoff.pk).update(state=HandoffState.RECYCLED, updated_at=now)
        if handoff.contact.lifecycle_stage == LifecycleStage.MQL:
            handoff_create(contact=handoff.contact, now=now)
    return len(due)


def handoff_note_first_touch(*, handoff: Handoff, at: Any) -> None:
    if handoff.first_touch_at is None or at < handoff.first_touch_at:
        Handoff.objects.filter(pk=handoff.pk).update(first_touch_at=at)


def handoff_record_touch(*, contact: Contact, at: datetime) -> int:
    """A salesperson reached the lead (a call or meeting logged, a meeting booked): the earliest such
    moment after the lead was routed is the hand-off's first sales touch, where speed-to-lead ends.

    The one place that rule lives; returns how many open or accepted hand-offs it changed.
    """
    return (
        Handoff.objects.filter(
            contact=contact, state__in=[HandoffState.PENDING, HandoffState.ACCEPTED], assigned_at__lte=at
        )
        .filter(Q(first_touch_at__isnull=True) | Q(first_touch_at__gt=at))
        .update(first_touch_at=at, updated_at=timezone.now())
    )


def routing_settings_update(*, actor: User, data: dict[str, Any]) -> RoutingSettings:
    if not actor.is_admin:
        raise PermissionDenied("Only admins change routing settings.")
    routing = RoutingSettings.load()
    for field, value in data.items():
        setattr(routing, field, value)
    routing.save()
    audit_record(actor=actor, action="routing.updated", target=routing, summary="Routing settings")
    return routing


def rejection_reason_create(*, actor: User, label: str) -> RejectionReason:
    from django.utils.text import slugify

    if not actor.is_admin:
        raise PermissionDenied("Only admins change the rejection reasons.")
    label = (label or "").strip()
    if not label or len(label) > 80:
        raise ValidationError({"label": "Give the reason a name of up to 80 characters."})
    key = slugify(label)[:40] or "reason"
    if RejectionReason.objects.filter(key=key).exists():
        raise ValidationError({"label": "That reason is already in the list."})
    position = (
        RejectionReason.objects.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    return RejectionReason.objects.create(key=key, label=label, position=position)


def rejection_reason_set_active(*, actor: User, reason: RejectionReason, active: bool) -> RejectionReason:
    if not actor.is_admin:
        raise PermissionDenied("Only admins change the rejection reasons.")
    reason.is_active = active
    reason.save(update_fields=["is_active", "updated_at"])
    return reason


def routing_rule_create(*, actor: User, data: dict[str, Any]) -> RoutingRule:
    if not actor.is_admin:
        raise PermissionDenied("Only admins change routing rules.")
    position = (RoutingRule.objects.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    rule = RoutingRule.objects.create(position=position, **data)
    audit_record(actor=actor, action="routing_rule.created", target=rule, summary=rule.name)
    return rule


def routing_rule_delete(*, actor: User, rule: RoutingRule) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only admins change routing rules.")
    audit_record(actor=actor, action="routing_rule.deleted", target=rule, summary=rule.name)
    rule.delete()
