"""Products, orders and refunds: the revenue record that analytics and lifetime value read."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Company, Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel
from leadline.sales.models.pipeline import DEFAULT_CURRENCY

if TYPE_CHECKING:
    from leadline.accounts.models import User


class Billing(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    MONTHLY = "monthly", "Monthly"
    YEARLY = "yearly", "Yearly"


class ProductQuerySet(AccessQuerySet["Product"]):
    def visible_to(self, user: User) -> ProductQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> ProductQuerySet:
        return self if user.is_admin else self.none()

    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)


class Product(BaseModel):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=64, null=True, blank=True, unique=True)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=80, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY, help_text="ISO 4217 code.")
    billing = models.CharField(max_length=8, choices=Billing.choices, default=Billing.ONE_OFF)
    is_active = models.BooleanField(default=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recurring(self) -> bool:
        return self.billing != Billing.ONE_OFF


class OrderSource(models.TextChoices):
    DEAL = "deal", "Won deal"
    API = "api", "API"
    IMPORT = "import", "Import"
    MANUAL = "manual", "Added by hand"


class OrderQuerySet(AccessQuerySet["Order"]):
    def visible_to(self, user: User) -> OrderQuerySet:
        """Revenue is a shared number: everyone sees the orders of the contacts they can see."""
        if user.is_admin or user.is_marketing:
            return self
        return self.filter(contact__in=Contact.objects.for_user(user))

    def editable_by(self, user: User) -> OrderQuerySet:
        if user.is_marketing:
            return self.none()
        return self.visible_to(user)


class Order(BaseModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="orders")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    deal = models.OneToOneField(
        "sales.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    number = models.CharField(max_length=40, unique=True, help_text="Shown to people, e.g. ORD-000123.")
    external_id = models.CharField(
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text="Id in the source system; imports use it to skip repeats.",
    )
    ordered_at = models.DateTimeField(db_index=True)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY, help_text="ISO 4217 code.")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    refunded_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    source = models.CharField(max_length=8, choices=OrderSource.choices, default=OrderSource.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "ordered_at"], name="sales_order_contact"),
            models.Index(fields=["source", "ordered_at"], name="sales_order_source"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def net_total(self) -> Decimal:
        return self.total - self.refunded_total


class OrderLine(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Refund(BaseModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=300, blank=True)
    refunded_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-refunded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"


class AssociationKind(models.TextChoices):
    TOGETHER = "together", "Bought together"
    NEXT = "next", "Bought next"


class ProductAssociation(models.Model):
    """A rule mined from the order history: customers who bought `antecedent` also bought
    `consequent` (in the same order, or in a later one). Recomputed in full by
    `sales.suggestions.associations_refresh`; counts are of customers, not of orders."""

    antecedent = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    consequent = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=AssociationKind.choices)
    customers_with_both = models.PositiveIntegerField()
    customers_with_antecedent = models.PositiveIntegerField()
    customers_with_consequent = models.PositiveIntegerField()
    customers_total = models.PositiveIntegerField()
    support = models.FloatField(help_text="Share of all customers who bought both.")
    confidence = models.FloatField(help_text="Share of the antecedent's buyers who bought the consequent.")
    lift = models.FloatField(help_text="Confidence over the consequent's share of all customers.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["antecedent", "-confidence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["antecedent", "consequent", "kind"], name="sales_association_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.antecedent_id} → {self.consequent_id} ({self.kind})"
