"""Writes of orders: the one path by which revenue is recorded (won deals, the API, imports, by hand).

Placing an order makes the contact a customer and puts the order on their timeline. Refunds never
take back more than is left of an order, and land on the timeline too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_advance_stage
from leadline.sales.currencies import MAX_AMOUNT, clean_amount, clean_currency
from leadline.sales.models import Deal, Order, OrderLine, OrderSource, Product, Refund

CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("1000000")
MAX_LINES = 100
LINE_NAME_MAX_LENGTH = 200
EXTERNAL_ID_MAX_LENGTH = 120
REFUND_REASON_MAX_LENGTH = 300
EARLIEST_ORDER_DATE = datetime(1970, 1, 1, tzinfo=UTC)
# Orders may be dated a little ahead (a client in another time zone), never into next week.
FUTURE_TOLERANCE = timedelta(days=1)
NUMBER_ATTEMPTS = 5


# --- Cleaning single values -----------------------------------------------------------------------


def _relabel(error: ValidationError, field: str, label: str) -> ValidationError:
    """The shared money checks speak of "the amount"; say which amount is meant."""
    messages = [
        message.replace("The amount", label).replace("the amount", label.lower())
        for message in error.messages
    ]
    return ValidationError({field: messages})


def clean_money(value: Any, *, field: str, label: str = "The amount") -> Decimal:
    """A non-negative amount with at most two decimals (plain digits, a dot for decimals)."""
    try:
        return clean_amount(value, field=field)
    except ValidationError as error:
        raise _relabel(error, field, label) from None


def clean_quantity(value: Any, *, field: str = "quantity") -> Decimal:
    try:
        return clean_amount(
            1 if value in (None, "") else value, field=field, allow_zero=False, maximum=MAX_QUANTITY
        )
    except ValidationError as error:
        raise _relabel(error, field, "The quantity") from None


def clean_discount(value: Any, *, field: str = "discount_percent") -> Decimal:
    try:
        return clean_amount(0 if value in (None, "") else value, field=field, maximum=Decimal(100))
    except ValidationError:
        raise ValidationError({field: "The discount is a percentage from 0 to 100."}) from None


def clean_ordered_at(value: Any, *, field: str = "ordered_at", now: datetime | None = None) -> datetime:
    """When the order was placed: a datetime, a date (midnight in the site's time zone) or ISO text."""
    now = now or timezone.now()
    moment: datetime | None
    if value in (None, ""):
        return now
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        moment = parse_order_date(value)
    else:
        moment = None
    if moment is None:
        raise ValidationError({field: "Give the date as YYYY-MM-DD (optionally with a time)."})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment < EARLIEST_ORDER_DATE:
        raise ValidationError({field: "Orders dated before 1970 are not accepted."})
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError({field: "The order date is in the future."})
    return moment


_COMPACT_DATE = re.compile(r"^\d{8}$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_order_date(text: str) -> datetime | None:
    """ISO dates and times, YYYYMMDD, YYYY/MM/DD and DD.MM.YYYY. Slashed dates with the day or
    month first are refused: 03/04/2024 means different days on either side of the Atlantic."""
    text = text.strip()
    if not text or len(text) > 40:
        return None
    try:
        if _COMPACT_DATE.match(text):
            return datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
        dotted = _DOTTED_DATE.match(text)
        if dotted:
            day, month, year = (int(part) for part in dotted.groups())
            return datetime(year, month, day)
        return datetime.fromisoformat(text.replace("/", "-") if text[:4].isdigit() else text)
    except ValueError:
        return None


def clean_external_id(value: Any, *, field: str = "external_id") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        return None
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        raise ValidationError({field: f"At most {EXTERNAL_ID_MAX_LENGTH} characters."})
    return value


# --- Lines and whole orders -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One line of an order, already validated."""

    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    product: Product | None = None

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross - gross * self.discount_percent / Decimal(100)).quantize(CENT)


@dataclass(frozen=True)
class CleanOrder:
    """What `order_clean` accepted; `order_create` takes it field by field."""

    contact: Contact
    lines: list[LineInput]
    currency: str
    ordered_at: datetime
    total: Decimal
    external_id: str | None


def clean_line(row: Mapping[str, Any], *, currency: str, position: int) -> LineInput:
    """One line given as a mapping: product (a Product or None), name, quantity, unit_price,
    discount_percent. The product supplies a missing name and price (in its own currency only)."""
    label = f"Line {position}"
    product = row.get("product")
    if product is not None and not isinstance(product, Product):
        raise ValidationError({"lines": f"{label}: unknown product."})
    name = row.get("name")
    name = name.strip() if isinstance(name, str) else ""
    if not name and product is not None:
        name = product.name
    if not name:
        raise ValidationError({"lines": f"{label}: give a product or a description."})
    if len(name) > LINE_NAME_MAX_LENGTH:
        raise ValidationError({"lines": f"{label}: the description is longer than {LINE_NAME_MAX_LENGTH}."})
    try:
        quantity = clean_quantity(row.get("quantity"), field="lines")
        raw_price = row.get("unit_price")
        if raw_price in (None, ""):
            if product is None:
                raise ValidationError({"lines": "Give a unit price."})
            if product.currency != currency:
                raise ValidationError(
                    {"lines": f"{product.name} is priced in {product.currency}; give a price in {currency}."}
                )
            unit_price = product.price
        else:
            unit_price = clean_money(raw_price, field="lines", label="The unit price")
        discount = clean_discount(row.get("discount_percent"), field="lines")
    except ValidationError as error:
        raise ValidationError({"lines": [f"{label}: {message}" for message in error.messages]}) from None
    line = LineInput(
        name=name, quantity=quantity, unit_price=unit_price, discount_percent=discount, product=product
    )
    if line.total > MAX_AMOUNT:
        raise ValidationError({"lines": f"{label}: the line total is too large."})
    return line


def order_clean(
    *,
    contact: Contact | None,
    lines: Sequence[Mapping[str, Any]] = (),
    currency: Any,
    ordered_at: Any = None,
    total: Any = None,
    external_id: Any = None,
) -> CleanOrder:
    """Validate an order given by a person or a client: a contact, lines or a total, an ISO
    currency, a plausible date. Raises ValidationError with every problem found, by field."""
    errors: dict[str, list[str]] = {}

    def attempt(check: Any, *args: Any, **kwargs: Any) -> Any:
        """The check's result, or None with its messages collected."""
        try:
            return check(*args, **kwargs)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
            return None

    if contact is None:
        errors["contact"] = ["Choose the contact who placed the order."]
    clean_code: str | None = attempt(clean_currency, currency)
    moment: datetime | None = attempt(clean_ordered_at, ordered_at)
    given_total: Decimal | None = None
    if total not in (None, ""):
        given_total = attempt(clean_money, total, field="total", label="The total")
    identifier: str | None = attempt(clean_external_id, external_id)
    if identifier and Order.objects.filter(external_id=identifier).exists():
        errors.setdefault("external_id", []).append("An order with this external id already exists.")

    line_inputs: list[LineInput] = []
    if len(lines) > MAX_LINES:
        errors.setdefault("lines", []).append(f"An order has at most {MAX_LINES} lines.")
    elif clean_code:
        for position, row in enumerate(lines, start=1):
            line = attempt(clean_line, row, currency=clean_code, position=position)
            if line is not None:
                line_inputs.append(line)
    if not lines and total in (None, ""):
        errors.setdefault("lines", []).append("Add at least one line, or give the order's total.")
    computed = sum((line.total for line in line_inputs), Decimal(0))
    if computed > MAX_AMOUNT:
        errors.setdefault("total", []).append("The order total is too large.")
    if errors:
        raise ValidationError(errors)
    assert contact is not None and clean_code is not None and moment is not None
    return CleanOrder(
        contact=contact,
        lines=line_inputs,
        currency=clean_code,
        ordered_at=moment,
        total=given_total if given_total is not None else computed.quantize(CENT),
        external_id=identifier,
    )


def order_place(
    *,
    actor: Any,
    contact: Contact | None,
    lines: Sequence[Mapping[str, Any]] = (),
    currency: Any,
    ordered_at: Any = None,
    total: Any = None,
    external_id: Any = None,
    source: str = OrderSource.MANUAL,
) -> Order:
    """An order entered by a person or sent by an API client: cleaned, then recorded."""
    clean = order_clean(
        contact=contact,
        lines=lines,
        currency=currency,
        ordered_at=ordered_at,
        total=total,
        external_id=external_id,
    )
    return order_create(
        contact=clean.contact,
        lines=clean.lines,
        currency=clean.currency,
        actor=actor,
        ordered_at=clean.ordered_at,
        source=source,
        external_id=clean.external_id,
        total=clean.total,
    )


# --- Recording --------------------------------------------------------------------------------------


def order_numbers(count: int) -> list[str]:
    """`count` unused numbers ORD-000001, ORD-000002, … following the newest order (a few queries)."""
    numbers: list[str] = []
    candidate = (Order.objects.aggregate(last=Max("id"))["last"] or 0) + 1
    while len(numbers) < count:
        wanted = [f"ORD-{value:06d}" for value in range(candidate, candidate + count - len(numbers))]
        taken = set(Order.objects.filter(number__in=wanted).values_list("number", flat=True))
        numbers.extend(number for number in wanted if number not in taken)
        candidate += len(wanted)
    return numbers


def next_order_number() -> str:
    """ORD-000001, ORD-000002, … (called inside the creating transaction)."""
    return order_numbers(1)[0]


def order_create(
    *,
    contact: Contact,
    lines: Iterable[LineInput],
    currency: str,
    actor: Any = None,
    ordered_at: datetime | None = None,
    source: str = OrderSource.MANUAL,
    deal: Deal | None = None,
    external_id: str | None = None,
    total: Decimal | None = None,
    record_activity: bool = True,
) -> Order:
    """Record one order. `total` defaults to the sum of the lines (an import may give only a total)."""
    line_list = list(lines)
    computed = sum((line.total for line in line_list), Decimal(0))
    order_total = (total if total is not None else computed).quantize(CENT)
    ordered_at = ordered_at or timezone.now()
    with transaction.atomic():
        order = _insert_order(
            contact=contact,
            company_id=contact.company_id,
            deal=deal,
            external_id=external_id,
            ordered_at=ordered_at,
            currency=currency.upper(),
            total=order_total,
            source=source,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=line.product,
                name=line.name[:LINE_NAME_MAX_LENGTH],
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                total=line.total,
            )
            for line in line_list
        )
        if record_activity:
            activity_record(
                kind=Kind.ORDER_PLACED,
                contact=contact,
                actor=actor,
                occurred_at=ordered_at,
                title=order_title(order),
                data=order_activity_data(order),
            )
        contact_advance_stage(contact=contact, stage=LifecycleStage.CUSTOMER, actor=actor, via="order")
    return order


def _insert_order(**fields: Any) -> Order:
    """Insert with the next free number; two people saving at once both get one."""
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return Order.objects.create(number=next_order_number(), **fields)
        except IntegrityError:
            external_id = fields.get("external_id")
            if external_id and Order.objects.filter(external_id=external_id).exists():
                raise ValidationError(
                    {"external_id": "An order with this external id already exists."}
                ) from None
            deal = fields.get("deal")
            if deal is not None and Order.objects.filter(deal=deal).exists():
                raise ValidationError({"deal": "This deal already has its order."}) from None
            if attempt == NUMBER_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def order_title(order: Order) -> str:
    return f"Order {order.number}: {order.currency} {order.total:,.2f}"


def order_activity_data(order: Order) -> dict[str, Any]:
    return {
        "order": str(order.public_id),
        "number": order.number,
        "total": str(order.total),
        "currency": order.currency,
        "source": order.source,
    }


def order_create_from_deal(*, deal: Deal, actor: Any = None) -> Order | None:
    """The order of a won deal: its product lines, or one line for its amount. Once per deal."""
    existing = Order.objects.filter(deal=deal).first()
    if existing is not None:
        return existing
    if deal.contact is None:
        return None
    lines = [
        LineInput(
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            product=line.product,
        )
        for line in deal.lines.select_related("product")
    ]
    if not lines:
        lines = [LineInput(name=deal.name, quantity=Decimal(1), unit_price=deal.amount or Decimal(0))]
    return order_create(
        contact=deal.contact,
        lines=lines,
        currency=deal.currency,
        actor=actor,
        source=OrderSource.DEAL,
        deal=deal,
        total=deal.amount if deal.amount is not None else None,
    )


def line_inputs_from_mappings(rows: Iterable[Mapping[str, Any]]) -> list[LineInput]:
    """Lines given as already-cleaned mappings (name, quantity, unit_price, discount_percent, product)."""
    return [
        LineInput(
            name=row["name"],
            quantity=Decimal(row.get("quantity", 1)),
            unit_price=Decimal(row["unit_price"]),
            discount_percent=Decimal(row.get("discount_percent", 0)),
            product=row.get("product"),
        )
        for row in rows
    ]


# --- Refunds ------------------------------------------------------------------------------------------


def order_refund(
    *,
    order: Order,
    amount: Any,
    reason: str = "",
    actor: Any = None,
    refunded_at: datetime | None = None,
) -> Refund:
    """Give back part or all of what is left of an order. `amount=None` refunds the rest."""
    reason = (reason or "").strip()
    if len(reason) > REFUND_REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"At most {REFUND_REASON_MAX_LENGTH} characters."})
    with transaction.atomic():
        # Two refunds at once must not together exceed the order: the row lock serialises them.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        remaining = locked.total - locked.refunded_total
        if amount in (None, ""):
            value = remaining
        else:
            value = clean_money(amount, field="amount", label="The refund")
        if remaining <= 0:
            raise ValidationError({"amount": "This order has already been refunded in full."})
        if value <= 0:
            raise ValidationError({"amount": "The refund must be more than zero."})
        if value > remaining:
            raise ValidationError(
                {"amount": f"At most {locked.currency} {remaining:,.2f} is left to refund on this order."}
            )
        refund = Refund.objects.create(
            order=locked,
            amount=value,
            reason=reason,
            refunded_at=refunded_at or timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
        )
        Order.objects.filter(pk=locked.pk).update(
            refunded_total=F("refunded_total") + value, updated_at=timezone.now()
        )
        locked.refresh_from_db(fields=["refunded_total", "updated_at"])
        full = locked.refunded_total >= locked.total
        verb = "Refunded" if full else "Partly refunded"
        activity_record(
            kind=Kind.ORDER_REFUNDED,
            contact=locked.contact,
            actor=actor,
            occurred_at=refund.refunded_at,
            title=f"{verb} {locked.number}: {locked.currency} {value:,.2f}",
            data={
                "order": str(locked.public_id),
                "number": locked.number,
                "refund": str(refund.public_id),
                "amount": str(value),
                "currency": locked.currency,
                "refunded_total": str(locked.refunded_total),
                "full": full,
                "reason": reason,
            },
        )
    order.refunded_total = locked.refunded_total
    order.updated_at = locked.updated_at
    return refund
