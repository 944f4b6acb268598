"""Pipelines, their ordered stages, and the deals that move through them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from leadline.contacts.models import Company, Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User

DEFAULT_CURRENCY = "USD"


class PipelineQuerySet(AccessQuerySet["Pipeline"]):
    def visible_to(self, user: User) -> PipelineQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> PipelineQuerySet:
        return self if user.is_admin else self.none()


class Pipeline(BaseModel):
    """A sales process: its stages in order, ending in won and lost stages."""

    name = models.CharField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_default = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY, help_text="ISO 4217 code.")
    rotting_days = models.PositiveIntegerField(
        default=14, help_text="An open deal untouched for this many days is shown as rotting (0 = never)."
    )
    is_archived = models.BooleanField(default=False)

    objects = PipelineQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class DealField(models.TextChoices):
    """Fields a stage can require before a deal may enter it."""

    AMOUNT = "amount", "Amount"
    EXPECTED_CLOSE_DATE = "expected_close_date", "Expected close date"
    CONTACT = "contact", "Contact"
    COMPANY = "company", "Company"
    LINES = "lines", "Products"


class StageQuerySet(AccessQuerySet["Stage"]):
    def visible_to(self, user: User) -> StageQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> StageQuerySet:
        return self if user.is_admin else self.none()


class Stage(BaseModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(default=10, help_text="Win probability in percent.")
    required_fields = models.JSONField(default=list, blank=True, help_text="DealField values.")

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="sales_stage_name_unique"),
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="sales_stage_probability"),
        ]

    def __str__(self) -> str:
        return self.name


class LostReasonQuerySet(AccessQuerySet["LostReason"]):
    def visible_to(self, user: User) -> LostReasonQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> LostReasonQuerySet:
        return self if user.is_admin else self.none()

    def active(self) -> LostReasonQuerySet:
        return self.filter(is_active=True)


class LostReason(BaseModel):
    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = LostReasonQuerySet.as_manager()

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class DealStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class DealQuerySet(AccessQuerySet["Deal"]):
    def visible_to(self, user: User) -> DealQuerySet:
        """Admins and marketing see every deal; salespeople their own, their teams' and unowned ones."""
        if user.is_admin or user.is_marketing:
            return self
        from leadline.accounts.selectors import teammate_ids_subquery

        return self.filter(models.Q(owner__isnull=True) | models.Q(owner_id__in=teammate_ids_subquery(user)))

    def editable_by(self, user: User) -> DealQuerySet:
        """Marketing reads deals but does not work them."""
        if user.is_marketing:
            return self.none()
        return self.visible_to(user)

    def open(self) -> DealQuerySet:
        return self.filter(status=DealStatus.OPEN)


class Deal(BaseModel):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    name = models.CharField(max_length=200)
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        help_text="The main person on the deal.",
    )
    other_contacts = models.ManyToManyField(Contact, blank=True, related_name="other_deals")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY, help_text="ISO 4217 code.")
    expected_close_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN)
    position = models.FloatField(default=0, help_text="Order within the stage column on the board.")
    stage_entered_at = models.DateTimeField()
    last_activity_at = models.DateTimeField(help_text="Last change or logged activity; drives rotting.")
    closed_at = models.DateTimeField(null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    lost_comment = models.TextField(blank=True)
    properties = models.JSONField(default=dict, blank=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-created_at", "id"]
        indexes = [
            models.Index(fields=["pipeline", "status", "stage", "position"], name="sales_deal_board"),
            models.Index(fields=["owner", "status"], name="sales_deal_owner"),
            models.Index(fields=["status", "expected_close_date"], name="sales_deal_close"),
            models.Index(fields=["contact", "status"], name="sales_deal_contact"),
            # The board's column totals read only this index (count, sum and rotting per stage and
            # currency), and its won and lost columns the recent part of the next one.
            models.Index(
                fields=["pipeline", "status", "stage", "currency", "amount", "last_activity_at", "owner"],
                name="sales_deal_totals",
            ),
            models.Index(fields=["pipeline", "stage", "closed_at"], name="sales_deal_closed"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self) -> Decimal | None:
        if self.amount is None:
            return None
        return (self.amount * self.stage.probability / Decimal(100)).quantize(Decimal("0.01"))


class DealLine(models.Model):
    """A product line on a deal; copied onto the order when the deal is won."""

    public_id = models.UUIDField(unique=True, editable=False, default=uuid.uuid4)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "sales.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="deal_lines"
    )
    name = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deal", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return (gross - gross * self.discount_percent / Decimal(100)).quantize(Decimal("0.01"))


class DealStageChange(models.Model):
    """Every move of a deal between stages: time in stage and stage-to-stage conversion read it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
