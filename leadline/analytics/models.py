"""Shared numbers: fitted lifetime-value models and each customer's value."""

from __future__ import annotations

from typing import Any

from django.db import models

from leadline.core.models import BaseModel


class ClvFit(BaseModel):
    """One maximum-likelihood fit of BG/NBD (purchases, probability alive) and Gamma-Gamma (spend)
    over the orders up to `until`, in days or weeks. The latest fit prices every customer."""

    class Unit(models.TextChoices):
        DAY = "day", "Days"
        WEEK = "week", "Weeks"

    until = models.DateField(help_text="The end of the calibration period.")
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.WEEK)
    currency = models.CharField(max_length=3, blank=True)
    customers = models.PositiveIntegerField(default=0)
    repeat_customers = models.PositiveIntegerField(default=0)
    parameters: Any = models.JSONField(default=dict, help_text="r, alpha, a, b, p, q, gamma.")
    log_likelihood = models.FloatField(null=True, blank=True)
    holdout: Any = models.JSONField(
        default=dict, blank=True, help_text="Predicted against actual purchases after `until`, by period."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"CLV fit until {self.until}"


class CustomerValue(models.Model):
    """A customer's value to date and, from the latest fit, what they are expected to bring."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, related_name="customer_value"
    )
    fit = models.ForeignKey(ClvFit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    currency = models.CharField(max_length=3, blank=True)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    probability_alive = models.FloatField(null=True, blank=True)
    expected_purchases = models.FloatField(null=True, blank=True, help_text="In the next 12 months.")
    expected_spend = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Average order value expected."
    )
    predicted_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Expected revenue in the next 12 months.",
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-predicted_value", "id"]
        indexes = [models.Index(fields=["-revenue"], name="analytics_value_revenue")]

    def __str__(self) -> str:
        return f"value of {self.contact_id}"
