"""Writes of orders: the one path by which revenue is recorded (won deals, the API, imports, by hand).

Placing an order makes the contact a customer and puts the order on their timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.activity.services import activity_record
from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import contact_advance_stage
from leadline.sales.models import Deal, Order, OrderLine, OrderSource, Product

CENT = Decimal("0.01")


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


def next_order_number() -> str:
    """ORD-000001, ORD-000002, … (called inside the creating transaction)."""
    last = Order.objects.aggregate(last=Max("id"))["last"] or 0
    candidate = last + 1
    while Order.objects.filter(number=f"ORD-{candidate:06d}").exists():
        candidate += 1
    return f"ORD-{candidate:06d}"


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
        order = Order.objects.create(
            contact=contact,
            company_id=contact.company_id,
            deal=deal,
            number=next_order_number(),
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
                name=line.name[:200],
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
                title=f"Order {order.number}: {order.currency} {order.total:,.2f}",
                data=order_activity_data(order),
            )
        contact_advance_stage(contact=contact, stage=LifecycleStage.CUSTOMER, actor=actor, via="order")
    return order


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
