"""Cross-sell and upsell suggestions from association rules over the order history.

Two kinds of rule, both counted in customers (a customer who buys the same pair twice counts once):

- bought together: customers who had X and Y on the same order;
- bought next: customers who bought Y in a later order than their first order of X.

For a rule X → Y over N customers with a product line: support = both / N, confidence = both /
buyers of X, lift = confidence / (buyers of Y / N) — above 1 when buying X makes Y more likely than
it is for customers at large. Fully refunded orders do not count.

The rules are mined in one pass over the order lines and stored in `ProductAssociation`, refreshed
by a periodic job (and after an import), so that a contact page reads them with one query.
`suggestions_for_contact` and `suggestions_for_deal` return plain dataclasses for screens, the API
and post-sale playbooks alike.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.core.scheduler import periodic
from leadline.sales.models import Deal, Order, OrderLine, Product
from leadline.sales.models.orders import AssociationKind, ProductAssociation

logger = logging.getLogger(__name__)

# A pair seen with a single customer is an anecdote, not a pattern.
MIN_CUSTOMERS_WITH_BOTH = 2
MIN_LIFT = 1.0
RULES_PER_PRODUCT = 20
# Recompute at least this often even when no order changed (deleted contacts take their orders along).
MAX_AGE = timedelta(hours=24)
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


@dataclass(frozen=True)
class Suggestion:
    """A product to offer, and the rule that suggests it."""

    product: Product
    kind: str
    because_of: Product
    customers_with_both: int
    customers_with_antecedent: int
    support: float
    confidence: float
    lift: float

    @property
    def explanation(self) -> str:
        verb = "bought it too" if self.kind == AssociationKind.TOGETHER else "bought it next"
        who = "customer" if self.customers_with_antecedent == 1 else "customers"
        return (
            f"{self.customers_with_both} of {self.customers_with_antecedent} {who} who bought "
            f"{self.because_of.name} {verb}"
        )

    @property
    def kind_label(self) -> str:
        return AssociationKind(self.kind).label


# --- Mining -----------------------------------------------------------------------------------------


@dataclass
class PurchaseCounts:
    customers: int = 0
    buyers: Counter[int] = field(default_factory=Counter)
    together: Counter[tuple[int, int]] = field(default_factory=Counter)
    following: Counter[tuple[int, int]] = field(default_factory=Counter)


def _purchase_rows() -> Iterator[tuple[int, int, datetime, int]]:
    """(contact id, order id, ordered at, product id) of every product line, by customer."""
    refunded_in_full = Q(order__total__gt=0, order__refunded_total__gte=F("order__total"))
    return (
        OrderLine.objects.filter(product__isnull=False)
        .exclude(refunded_in_full)
        .order_by("order__contact_id", "order__ordered_at", "order_id")
        .values_list("order__contact_id", "order_id", "order__ordered_at", "product_id")
        .iterator(chunk_size=5000)
    )


def count_purchases(rows: Iterable[tuple[int, int, datetime, int]]) -> PurchaseCounts:
    """Buyers per product and customers per pair, from rows sorted by customer."""
    counts = PurchaseCounts()
    buyers, together, following = counts.buyers, counts.together, counts.following
    for _contact_id, purchases in groupby(rows, key=lambda row: row[0]):
        counts.customers += 1
        orders: dict[int, set[int]] = {}
        first_bought: dict[int, datetime] = {}
        last_bought: dict[int, datetime] = {}
        for _contact, order_id, ordered_at, product_id in purchases:
            orders.setdefault(order_id, set()).add(product_id)
            if product_id not in first_bought or ordered_at < first_bought[product_id]:
                first_bought[product_id] = ordered_at
            if product_id not in last_bought or ordered_at > last_bought[product_id]:
                last_bought[product_id] = ordered_at
        buyers.update(first_bought.keys())
        pairs_together: set[tuple[int, int]] = set()
        for products in orders.values():
            if len(products) > 1:
                pairs_together.update((x, y) for x in products for y in products if x != y)
        together.update(pairs_together)
        if len(orders) > 1:
            following.update(
                (x, y)
                for x, first in first_bought.items()
                for y, last in last_bought.items()
                if x != y and last > first
            )
    return counts


def associations_compute(now: datetime | None = None) -> list[ProductAssociation]:
    """Every rule worth keeping, mined from the order history (unsaved rows)."""
    now = now or timezone.now()
    counts = count_purchases(_purchase_rows())
    total = counts.customers
    rules: list[ProductAssociation] = []
    for kind, pairs in (
        (AssociationKind.TOGETHER, counts.together),
        (AssociationKind.NEXT, counts.following),
    ):
        by_antecedent: dict[int, list[ProductAssociation]] = {}
        for (antecedent, consequent), both in pairs.items():
            if both < MIN_CUSTOMERS_WITH_BOTH:
                continue
            confidence = both / counts.buyers[antecedent]
            lift = confidence / (counts.buyers[consequent] / total)
            if lift < MIN_LIFT:
                continue
            by_antecedent.setdefault(antecedent, []).append(
                ProductAssociation(
                    antecedent_id=antecedent,
                    consequent_id=consequent,
                    kind=kind,
                    customers_with_both=both,
                    customers_with_antecedent=counts.buyers[antecedent],
                    customers_with_consequent=counts.buyers[consequent],
                    customers_total=total,
                    support=both / total,
                    confidence=confidence,
                    lift=lift,
                    computed_at=now,
                )
            )
        for candidates in by_antecedent.values():
            candidates.sort(key=lambda rule: (-rule.confidence, -rule.lift, rule.consequent_id))
            rules.extend(candidates[:RULES_PER_PRODUCT])
    return rules


def associations_refresh() -> int:
    """Replace the stored rules with freshly mined ones; returns how many there are."""
    rules = associations_compute()
    with transaction.atomic():
        ProductAssociation.objects.all().delete()
        ProductAssociation.objects.bulk_create(rules, batch_size=1000)
    return len(rules)


def associations_stale(now: datetime | None = None) -> bool:
    """Whether an order changed since the rules were mined (or they are a day old)."""
    now = now or timezone.now()
    computed_at = ProductAssociation.objects.aggregate(at=Max("computed_at"))["at"]
    if computed_at is None:
        return OrderLine.objects.filter(product__isnull=False).exists()
    if now - computed_at >= MAX_AGE:
        return True
    return Order.objects.filter(updated_at__gt=computed_at).exists()


@periodic(every=timedelta(minutes=30))
def refresh_product_associations() -> int:
    if not associations_stale():
        return 0
    count = associations_refresh()
    logger.info("Mined %s cross-sell rules from the order history", count)
    return count


# --- Suggesting -------------------------------------------------------------------------------------


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def suggestions_for_products(
    product_ids: Iterable[int], *, exclude_ids: Iterable[int] = (), limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """Active products suggested by rules whose antecedent is one of `product_ids`, the best rule
    per product, strongest first. One query."""
    antecedents = set(product_ids)
    if not antecedents:
        return []
    excluded = antecedents | set(exclude_ids)
    rules = (
        ProductAssociation.objects.filter(antecedent_id__in=antecedents, consequent__is_active=True)
        .exclude(consequent_id__in=excluded)
        .select_related("antecedent", "consequent")
        .order_by("-confidence", "-lift", "-customers_with_both", "consequent__name", "id")
    )
    best: dict[int, Suggestion] = {}
    for rule in rules:
        if rule.consequent_id in best:
            continue
        best[rule.consequent_id] = Suggestion(
            product=rule.consequent,
            kind=rule.kind,
            because_of=rule.antecedent,
            customers_with_both=rule.customers_with_both,
            customers_with_antecedent=rule.customers_with_antecedent,
            support=rule.support,
            confidence=rule.confidence,
            lift=rule.lift,
        )
        if len(best) >= _clamp(limit):
            break
    return list(best.values())


def products_owned(contact: Contact) -> set[int]:
    """Products on the contact's orders that were not refunded in full."""
    refunded_in_full = Q(order__total__gt=0, order__refunded_total__gte=F("order__total"))
    return set(
        OrderLine.objects.filter(order__contact=contact, product__isnull=False)
        .exclude(refunded_in_full)
        .values_list("product_id", flat=True)
    )


def suggestions_for_contact(contact: Contact, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """What to offer a customer next, from what they bought; never something they already own."""
    owned = products_owned(contact)
    return suggestions_for_products(owned, exclude_ids=owned, limit=limit)


def suggestions_for_deal(deal: Deal, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """What to add to a deal, from the products on it; nothing on the deal or already owned by its
    contact."""
    on_deal = {product_id for product_id in deal.lines.values_list("product_id", flat=True) if product_id}
    owned = products_owned(deal.contact) if deal.contact_id and deal.contact else set()
    return suggestions_for_products(on_deal, exclude_ids=on_deal | owned, limit=limit)


def suggestion_json(suggestion: Suggestion) -> dict[str, Any]:
    """A JSON-friendly form for workflow steps and webhooks."""
    return {
        "product": str(suggestion.product.public_id),
        "product_name": suggestion.product.name,
        "kind": suggestion.kind,
        "because_of": str(suggestion.because_of.public_id),
        "customers_with_both": suggestion.customers_with_both,
        "customers_with_antecedent": suggestion.customers_with_antecedent,
        "support": round(suggestion.support, 4),
        "confidence": round(suggestion.confidence, 4),
        "lift": round(suggestion.lift, 4),
        "explanation": suggestion.explanation,
    }
