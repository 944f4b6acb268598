"""Writes of deals: create, change, move between stages (won and lost included), notes and delete.

Every write is one transaction. The main contact's timeline gets a `deal.*` entry with
`data.deal = <public id>`, which is how the deal page finds its history. Creating a deal makes the
contact an opportunity; winning one records the order (and so the customer stage) through
`order_services.order_create_from_deal`, the one path by which revenue is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.activity.services import NOTE_MAX_LENGTH, activity_record
from leadline.contacts.models import Company, Contact, LifecycleStage
from leadline.contacts.services import contact_advance_stage
from leadline.core.access import PermissionDeniedForRole, parse_public_id
from leadline.core.services import audit_record
from leadline.sales.currencies import MAX_AMOUNT, clean_amount, clean_currency, format_money
from leadline.sales.models import (
    Deal,
    DealField,
    DealLine,
    DealStageChange,
    DealStatus,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)

NAME_MAX_LENGTH = 200
LINE_NAME_MAX_LENGTH = 200
MAX_LINES = 100
MAX_OTHER_CONTACTS = 50
LOST_COMMENT_MAX_LENGTH = 2000
MAX_QUANTITY = Decimal("9999999999.99")
DEAL_KINDS = (Kind.DEAL_CREATED, Kind.DEAL_CHANGED, Kind.DEAL_WON, Kind.DEAL_LOST)
CENT = Decimal("0.01")
UPDATABLE = (
    "name",
    "contact",
    "other_contacts",
    "company",
    "owner",
    "amount",
    "currency",
    "expected_close_date",
    "lines",
)
FIELD_LABELS = {
    "name": "name",
    "contact": "main contact",
    "other_contacts": "other contacts",
    "company": "company",
    "owner": "owner",
    "amount": "amount",
    "currency": "currency",
    "expected_close_date": "expected close date",
    "lines": "products",
}


@dataclass(frozen=True)
class DealLineInput:
    """One product line, already cleaned."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    product: Product | None = None

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross - gross * self.discount_percent / Decimal(100)).quantize(CENT)


# --- Cleaning -------------------------------------------------------------------------------------


def check_can_work_deals(actor: Any) -> None:
    """Marketing reads deals but does not work them; admins and salespeople do."""
    if actor is not None and getattr(actor, "is_marketing", False):
        raise PermissionDeniedForRole("Marketing can read deals but not change them.")


def _clean_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError({"name": "Give the deal a name."})
    name = " ".join(value.split())
    if not name:
        raise ValidationError({"name": "Give the deal a name."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"At most {NAME_MAX_LENGTH} characters."})
    return name


def _clean_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({"expected_close_date": "Use a date such as 2026-03-31."})


def clean_deal_lines(rows: Iterable[Any]) -> list[DealLineInput]:
    """Lines given as mappings (product, name, quantity, unit_price, discount_percent) or inputs.

    A line needs a product or a name; its price defaults to the product's price.
    """
    cleaned: list[DealLineInput] = []
    for index, row in enumerate(rows):
        if isinstance(row, DealLineInput):
            cleaned.append(row)
            continue
        if not isinstance(row, Mapping):
            raise ValidationError({"lines": f"Line {index + 1}: must be an object."})
        product = row.get("product")
        if product is not None and not isinstance(product, Product):
            raise ValidationError({"lines": f"Line {index + 1}: unknown product."})
        name = row.get("name") or (product.name if product else "")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"lines": f"Line {index + 1}: choose a product or give the line a name."})
        name = " ".join(name.split())
        if len(name) > LINE_NAME_MAX_LENGTH:
            raise ValidationError(
                {"lines": f"Line {index + 1}: the name has at most {LINE_NAME_MAX_LENGTH} characters."}
            )
        price = row.get("unit_price")
        if (price is None or price == "") and product is not None:
            price = product.price
        try:
            quantity = clean_amount(
                row.get("quantity", 1), field="quantity", allow_zero=False, maximum=MAX_QUANTITY
            )
            unit_price = clean_amount(price, field="unit_price")
            discount = clean_amount(
                row.get("discount_percent") or 0, field="discount_percent", maximum=Decimal(100)
            )
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            label = {"quantity": "quantity", "unit_price": "unit price", "discount_percent": "discount"}[
                field
            ]
            raise ValidationError({"lines": f"Line {index + 1}: {label}: {messages[0]}"}) from None
        cleaned.append(DealLineInput(name, quantity, unit_price, discount, product))
        if len(cleaned) > MAX_LINES:
            raise ValidationError({"lines": f"At most {MAX_LINES} lines per deal."})
    return cleaned


def lines_total(lines: Iterable[DealLineInput]) -> Decimal:
    total = sum((line.total for line in lines), Decimal(0))
    if total > MAX_AMOUNT:
        raise ValidationError({"lines": "The lines add up to more than a deal can hold."})
    return total.quantize(CENT)


def clean_lost_reason(value: Any) -> LostReason:
    """An active lost reason, given as the object, its key or its public id."""
    found = None
    if isinstance(value, LostReason):
        found = value if value.is_active else None
    elif isinstance(value, str) and value.strip():
        active = LostReason.objects.active()
        public_id = parse_public_id(value.strip())
        found = (
            active.filter(public_id=public_id).first()
            if public_id
            else active.filter(key=value.strip()[:40]).first()
        )
    if found is None:
        raise ValidationError({"lost_reason": "Choose why the deal was lost."})
    return found


def _clean_comment(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({"lost_comment": "The comment must be text."})
    comment = value.strip()
    if len(comment) > LOST_COMMENT_MAX_LENGTH:
        raise ValidationError({"lost_comment": f"At most {LOST_COMMENT_MAX_LENGTH:,} characters."})
    return comment


def _clean_other_contacts(value: Any, main: Contact | None) -> list[Contact]:
    contacts = list(value or [])
    if not all(isinstance(contact, Contact) for contact in contacts):
        raise ValidationError({"other_contacts": "Unknown contact."})
    if len(contacts) > MAX_OTHER_CONTACTS:
        raise ValidationError({"other_contacts": f"At most {MAX_OTHER_CONTACTS} other contacts."})
    seen: set[int] = set()
    unique = []
    for contact in contacts:
        if contact.pk in seen or (main is not None and contact.pk == main.pk):
            continue
        seen.add(contact.pk)
        unique.append(contact)
    return unique


def _check_reference(value: Any, model: type, field: str) -> None:
    if value is not None and not isinstance(value, model):
        raise ValidationError({field: "Unknown reference."})


def missing_required_fields(
    stage: Stage,
    *,
    amount: Decimal | None,
    expected_close_date: date | None,
    contact_id: int | None,
    company_id: int | None,
    has_lines: bool,
) -> list[str]:
    """The DealField values `stage` requires that the deal lacks, in DealField order."""
    present = {
        DealField.AMOUNT: amount is not None,
        DealField.EXPECTED_CLOSE_DATE: expected_close_date is not None,
        DealField.CONTACT: contact_id is not None,
        DealField.COMPANY: company_id is not None,
        DealField.LINES: has_lines,
    }
    required = set(stage.required_fields or [])
    if stage.kind == StageKind.WON:
        # The order of a won deal is recorded for its main contact.
        required.add(DealField.CONTACT)
    return [field for field in DealField.values if field in required and not present[DealField(field)]]


def required_fields_error(stage: Stage, missing: list[str]) -> ValidationError:
    labels = [str(DealField(field).label).lower() for field in missing]
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return ValidationError(
        {"stage": f"“{stage.name}” needs {listed}: fill {'it' if len(labels) == 1 else 'them'} in first."},
        code="required_fields",
        params={"fields": missing},
    )


def _check_required(deal: Deal, stage: Stage, *, has_lines: bool | None = None) -> None:
    if not stage.required_fields and stage.kind != StageKind.WON:
        return
    if has_lines is None:
        has_lines = DealField.LINES in stage.required_fields and deal.pk is not None and deal.lines.exists()
    missing = missing_required_fields(
        stage,
        amount=deal.amount,
        expected_close_date=deal.expected_close_date,
        contact_id=deal.contact_id,
        company_id=deal.company_id,
        has_lines=bool(has_lines),
    )
    if missing:
        raise required_fields_error(stage, missing)


# --- Timeline entries -----------------------------------------------------------------------------


def deal_activity_data(deal: Deal, **extra: Any) -> dict[str, Any]:
    return {
        "deal": str(deal.public_id),
        "deal_name": deal.name,
        "pipeline": deal.pipeline.name,
        "amount": str(deal.amount) if deal.amount is not None else None,
        "currency": deal.currency,
        **extra,
    }


def _record(deal: Deal, kind: str, title: str, actor: Any, occurred_at: datetime, **extra: Any) -> None:
    """A deal event on the main contact's timeline (deals without a contact keep their stage history
    in DealStageChange only: a timeline entry needs a person)."""
    if deal.contact_id is None:
        return
    activity_record(
        kind=kind,
        contact=deal.contact,
        actor=actor,
        occurred_at=occurred_at,
        title=title,
        data=deal_activity_data(deal, **extra),
    )


def _money(deal: Deal) -> str:
    return format_money(deal.amount, deal.currency) if deal.amount is not None else "no amount"


def _top_position(stage: Stage) -> float:
    lowest = Deal.objects.filter(stage=stage, status=DealStatus.OPEN).aggregate(low=Min("position"))["low"]
    return float(lowest) - 1.0 if lowest is not None else 0.0


def _status_for(stage: Stage) -> str:
    return {StageKind.WON: DealStatus.WON, StageKind.LOST: DealStatus.LOST}.get(
        StageKind(stage.kind), DealStatus.OPEN
    )


def _replace_lines(deal: Deal, lines: list[DealLineInput]) -> None:
    deal.lines.all().delete()
    DealLine.objects.bulk_create(
        DealLine(
            deal=deal,
            product=line.product,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            position=position,
        )
        for position, line in enumerate(lines, start=1)
    )


# --- Create, change, delete -----------------------------------------------------------------------


def deal_create(*, actor: Any, data: Mapping[str, Any]) -> Deal:
    """A new open deal. `data` holds objects already fetched through the access layer: pipeline,
    stage (default: the pipeline's first open stage), contact, other_contacts, company (default:
    the contact's), owner (default: the actor), and amount, currency, expected_close_date, lines."""
    check_can_work_deals(actor)
    pipeline = data.get("pipeline")
    if not isinstance(pipeline, Pipeline):
        raise ValidationError({"pipeline": "Choose a pipeline."})
    if pipeline.is_archived:
        raise ValidationError({"pipeline": "This pipeline is archived; restore it to add deals."})
    stage = data.get("stage")
    if stage is None:
        stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
        if stage is None:
            raise ValidationError({"stage": "This pipeline has no open stage."})
    if not isinstance(stage, Stage) or stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": "This stage belongs to another pipeline."})
    if stage.kind != StageKind.OPEN:
        raise ValidationError({"stage": "Create the deal in an open stage, then move it to won or lost."})
    contact = data.get("contact")
    _check_reference(contact, Contact, "contact")
    company = data.get("company")
    _check_reference(company, Company, "company")
    if company is None and contact is not None and contact.company_id is not None:
        company = contact.company
    owner = data["owner"] if "owner" in data else (actor if getattr(actor, "pk", None) else None)
    lines = clean_deal_lines(data.get("lines") or [])
    amount = _blank_to_none(data.get("amount"))
    amount = lines_total(lines) if lines else (clean_amount(amount) if amount is not None else None)
    currency = clean_currency(data.get("currency") or pipeline.currency)
    now = timezone.now()
    deal = Deal(
        pipeline=pipeline,
        stage=stage,
        name=_clean_name(data.get("name")),
        contact=contact,
        company=company,
        owner=owner,
        amount=amount,
        currency=currency,
        expected_close_date=_clean_date(data.get("expected_close_date")),
        status=DealStatus.OPEN,
        stage_entered_at=now,
        last_activity_at=now,
    )
    _check_required(deal, stage, has_lines=bool(lines))
    others = _clean_other_contacts(data.get("other_contacts"), contact)
    with transaction.atomic():
        deal.position = _top_position(stage)
        deal.save()
        if others:
            deal.other_contacts.set(others)
        _replace_lines(deal, lines)
        DealStageChange.objects.create(
            deal=deal, from_stage=None, to_stage=stage, changed_at=now, actor=_person(actor)
        )
        _record(
            deal,
            Kind.DEAL_CREATED,
            f"“{deal.name}” created ({_money(deal)})",
            actor,
            now,
            to_stage=stage.name,
        )
        if contact is not None:
            contact_advance_stage(contact=contact, stage=LifecycleStage.OPPORTUNITY, actor=actor, via="deal")
    return deal


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _display(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if value is None:
        return None
    return str(value)


def deal_update(*, deal: Deal, actor: Any, data: Mapping[str, Any]) -> Deal:
    """Change the given fields (keys of `data` among UPDATABLE; others are refused). Giving `lines`
    replaces them all; while a deal has lines its amount is their sum."""
    check_can_work_deals(actor)
    unknown = set(data) - set(UPDATABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    changes: dict[str, list[Any]] = {}
    updates: dict[str, Any] = {}
    if "name" in data:
        updates["name"] = _clean_name(data["name"])
    if "contact" in data:
        _check_reference(data["contact"], Contact, "contact")
        updates["contact"] = data["contact"]
    if "company" in data:
        _check_reference(data["company"], Company, "company")
        updates["company"] = data["company"]
    if "owner" in data:
        updates["owner"] = data["owner"]
    if "currency" in data:
        updates["currency"] = clean_currency(data["currency"])
    if "expected_close_date" in data:
        updates["expected_close_date"] = _clean_date(data["expected_close_date"])
    new_lines = clean_deal_lines(data["lines"] or []) if "lines" in data else None
    if new_lines:
        updates["amount"] = lines_total(new_lines)
    elif "amount" in data:
        has_lines = deal.lines.exists() if new_lines is None else False
        if has_lines:
            raise ValidationError({"amount": "This deal has product lines: its amount is their sum."})
        amount = _blank_to_none(data["amount"])
        updates["amount"] = clean_amount(amount) if amount is not None else None

    main = updates.get("contact", deal.contact)
    others = _clean_other_contacts(data["other_contacts"], main) if "other_contacts" in data else None
    before = {name: getattr(deal, name) for name in updates}
    contact_before = deal.contact
    for name, value in updates.items():
        setattr(deal, name, value)
    for name, old in before.items():
        if old != updates[name]:
            changes[name] = [_display(old), _display(updates[name])]
    _check_required(deal, deal.stage, has_lines=bool(new_lines) if new_lines is not None else None)

    now = timezone.now()
    with transaction.atomic():
        deal.last_activity_at = now
        deal.save(update_fields=[*updates, "last_activity_at", "updated_at"])
        if others is not None:
            old_ids = set(deal.other_contacts.values_list("pk", flat=True))
            if old_ids != {contact.pk for contact in others}:
                deal.other_contacts.set(others)
                changes["other_contacts"] = [len(old_ids), len(others)]
        elif "contact" in updates and main is not None:
            deal.other_contacts.remove(main)
        if new_lines is not None:
            _replace_lines(deal, new_lines)
            changes["lines"] = ["", f"{len(new_lines)} line{'s' if len(new_lines) != 1 else ''}"]
        if changes:
            fields = ", ".join(FIELD_LABELS[name] for name in changes)
            _record(
                deal,
                Kind.DEAL_CHANGED,
                f"“{deal.name}” changed: {fields}",
                actor,
                now,
                changes=changes,
            )
        if main is not None and main != contact_before and deal.status == DealStatus.OPEN:
            contact_advance_stage(contact=main, stage=LifecycleStage.OPPORTUNITY, actor=actor, via="deal")
    return deal


def deal_delete(*, deal: Deal, actor: Any) -> None:
    """Gone for good, with its lines and stage history; an order it produced stays (it is revenue)."""
    check_can_work_deals(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="deal.deleted",
            target=deal,
            summary=f"{deal.name} ({_money(deal)})",
            pipeline=deal.pipeline.name,
            stage=deal.stage.name,
        )
        deal.delete()


def deal_note_add(*, deal: Deal, author: Any, body: Any) -> Activity:
    """A note on the main contact's timeline tagged with the deal; it counts as activity (no rotting)."""
    check_can_work_deals(author)
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": "A note needs some text."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": f"Notes are limited to {NOTE_MAX_LENGTH:,} characters."})
    if deal.contact_id is None:
        raise ValidationError({"body": "Add a main contact to the deal to keep notes on it."})
    now = timezone.now()
    with transaction.atomic():
        note = activity_record(
            kind=Kind.NOTE,
            contact=deal.contact,
            actor=author,
            occurred_at=now,
            title="Note",
            data={"body": text, "deal": str(deal.public_id), "deal_name": deal.name},
        )
        deal_touch(deal_id=deal.pk, at=now)
        deal.last_activity_at = now
    return note


def deal_touch(*, deal_id: int, at: datetime) -> None:
    """Work on a deal (a note, a finished task) keeps it fresh on the board: rotting reads this."""
    Deal.objects.filter(pk=deal_id, last_activity_at__lt=at).update(last_activity_at=at)


# --- Moving between stages ------------------------------------------------------------------------


def deal_move(
    *,
    deal: Deal,
    stage: Stage,
    actor: Any,
    position: float | None = None,
    lost_reason: Any = None,
    lost_comment: Any = "",
) -> Deal:
    """Move the deal to `stage` of its pipeline (or only reorder it within its stage).

    Refused with a ValidationError when the stage belongs to another pipeline, when the deal lacks a
    field the stage requires, or when a lost stage is given no lost reason. Winning records the order.
    """
    check_can_work_deals(actor)
    if not isinstance(stage, Stage) or stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": "This stage belongs to another pipeline."})
    if position is not None:
        try:
            position = float(position)
        except (TypeError, ValueError):
            raise ValidationError({"position": "Must be a number."}) from None
        if position != position or abs(position) > 1e15:  # NaN or absurd
            raise ValidationError({"position": "Must be a number."})
    now = timezone.now()
    with transaction.atomic():
        # The row lock makes two people winning the same deal at once record one move and one order.
        locked = (
            Deal.objects.select_for_update(of=("self",))
            .select_related("stage", "pipeline", "contact")
            .get(pk=deal.pk)
        )
        if locked.stage_id == stage.pk:
            if position is not None and stage.kind == StageKind.OPEN:
                Deal.objects.filter(pk=deal.pk).update(position=position)
                deal.position = position
            return deal
        _check_required(locked, stage)
        reason, comment = None, ""
        if stage.kind == StageKind.LOST:
            reason = clean_lost_reason(lost_reason)
            comment = _clean_comment(lost_comment)
        from_stage = locked.stage
        locked.stage = stage
        locked.status = _status_for(stage)
        locked.stage_entered_at = now
        locked.last_activity_at = now
        locked.closed_at = now if locked.status != DealStatus.OPEN else None
        locked.lost_reason = reason
        locked.lost_comment = comment
        locked.position = position if position is not None else _top_position(stage)
        locked.save(
            update_fields=[
                "stage",
                "status",
                "stage_entered_at",
                "last_activity_at",
                "closed_at",
                "lost_reason",
                "lost_comment",
                "position",
                "updated_at",
            ]
        )
        DealStageChange.objects.create(
            deal=locked, from_stage=from_stage, to_stage=stage, changed_at=now, actor=_person(actor)
        )
        _record(
            locked,
            Kind.DEAL_CHANGED,
            f"“{locked.name}” moved from {from_stage.name} to {stage.name}",
            actor,
            now,
            from_stage=from_stage.name,
            to_stage=stage.name,
        )
        if stage.kind == StageKind.WON:
            _record(locked, Kind.DEAL_WON, f"“{locked.name}” won ({_money(locked)})", actor, now)
            from leadline.sales.order_services import order_create_from_deal

            order_create_from_deal(deal=locked, actor=actor)
        elif stage.kind == StageKind.LOST and reason is not None:
            _record(
                locked,
                Kind.DEAL_LOST,
                f"“{locked.name}” lost: {reason.label}",
                actor,
                now,
                lost_reason=reason.key,
                lost_comment=comment,
            )
    for name in (
        "stage",
        "status",
        "stage_entered_at",
        "last_activity_at",
        "closed_at",
        "lost_reason",
        "lost_comment",
        "position",
    ):
        setattr(deal, name, getattr(locked, name))
    return deal


def deal_position_between(*, stage: Stage, previous: Deal | None, following: Deal | None) -> float | None:
    """A position that puts a deal between two neighbours of the board column (None: the top)."""
    if previous is not None and previous.stage_id != stage.pk:
        previous = None
    if following is not None and following.stage_id != stage.pk:
        following = None
    if previous is not None and following is not None:
        low, high = sorted((previous.position, following.position))
        return (low + high) / 2 if high > low else low + 0.5
    if previous is not None:
        return previous.position + 1.0
    if following is not None:
        return following.position - 1.0
    return None
