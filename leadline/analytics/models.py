"""Shared numbers: fitted lifetime-value models and each customer's value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


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
    first_order_month = models.DateField(
        null=True, blank=True, help_text="The month of the first order in the workspace's zone: the cohort."
    )
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


# --- Dashboards: rollups, goals and saved reports ---------------------------------------------------
# The rollups below are derived data: `analytics.rollups` keeps them current from the activity log
# and `leadline manage analytics_rebuild` recomputes them from the raw rows at any time.


class ContactMilestone(models.Model):
    """When one contact first reached each step of the shared funnel (a later stage implies the
    earlier ones), with the columns the funnel is filtered by."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, related_name="milestone", primary_key=True
    )
    source = models.CharField(max_length=32, blank=True)
    campaign = models.CharField(max_length=255, blank=True)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="First visit of any of its browsers."
    )
    first_touch_at = models.DateTimeField(
        null=True, blank=True, help_text="The first visit, else becoming a lead: when its cohort starts."
    )
    first_touch_month = models.DateField(
        null=True, blank=True, help_text="The month of `first_touch_at` in the workspace's time zone."
    )
    lead_at = models.DateTimeField(null=True, blank=True)
    mql_at = models.DateTimeField(null=True, blank=True)
    sql_at = models.DateTimeField(null=True, blank=True)
    opportunity_at = models.DateTimeField(null=True, blank=True)
    customer_at = models.DateTimeField(null=True, blank=True)
    # Microseconds from the step before (the first visit for `lead`), so medians sort plain integers.
    lead_gap = models.BigIntegerField(null=True, blank=True)
    mql_gap = models.BigIntegerField(null=True, blank=True)
    sql_gap = models.BigIntegerField(null=True, blank=True)
    opportunity_gap = models.BigIntegerField(null=True, blank=True)
    customer_gap = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["contact"]
        # Each step's moment with its gap: a window's count of each is read from the index alone.
        indexes = [
            models.Index(fields=["lead_at", "lead_gap"], name="analytics_ms_lead_gap"),
            models.Index(fields=["mql_at", "mql_gap"], name="analytics_ms_mql_gap"),
            models.Index(fields=["sql_at", "sql_gap"], name="analytics_ms_sql_gap"),
            models.Index(fields=["opportunity_at", "opportunity_gap"], name="analytics_ms_opportunity_gap"),
            models.Index(fields=["customer_at", "customer_gap"], name="analytics_ms_customer_gap"),
            models.Index(fields=["first_touch_at", "first_touch_month"], name="analytics_ms_first_touch"),
            # Each step's gap with its moment: a window's median gap is read in order, not sorted.
            models.Index(fields=["lead_gap", "lead_at"], name="analytics_ms_lead_order"),
            models.Index(fields=["mql_gap", "mql_at"], name="analytics_ms_mql_order"),
            models.Index(fields=["sql_gap", "sql_at"], name="analytics_ms_sql_order"),
            models.Index(fields=["opportunity_gap", "opportunity_at"], name="analytics_ms_opportunity_order"),
            models.Index(fields=["customer_gap", "customer_at"], name="analytics_ms_customer_order"),
            # Conversion by source: leads of a window per source, and which became customers.
            models.Index(fields=["source", "lead_at", "customer_at"], name="analytics_ms_source_lead"),
        ]

    def __str__(self) -> str:
        return f"milestones of {self.contact_id}"


class TrafficSession(models.Model):
    """One visit: where it came from, how many pages it saw, and whether the browser had visited before."""

    session_id = models.UUIDField(unique=True)
    visitor_id = models.UUIDField(db_index=True)
    started_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    landing_path = models.CharField(max_length=500, blank=True)
    page_views = models.PositiveIntegerField(default=0)
    is_returning = models.BooleanField(default=False)
    is_search = models.BooleanField(
        default=False, help_text="Came from a search engine, organic or paid (see `analytics.brand`)."
    )
    search_term = models.CharField(
        max_length=200,
        blank=True,
        help_text="What was searched for, when known: lower-case, without accents. Whether it is a "
        "branded search is decided when reading, from the brand terms of the moment.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["is_returning", "started_at"], name="analytics_session_new"),
            # The few visits whose search term is known, for the branded-search count.
            models.Index(
                fields=["started_at", "is_search", "search_term"],
                condition=~models.Q(search_term=""),
                name="analytics_session_term",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.session_id}"


class ReportSettings(models.Model):
    """The workspace's one row of report settings (see `brand.report_settings_get`)."""

    brand_terms: Any = models.JSONField(
        default=list,
        blank=True,
        help_text="Words a branded search contains: the company's and the products' names.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "report settings"

    def __str__(self) -> str:
        return "Report settings"


class TouchOrigin(models.Model):
    """A source / medium / campaign a visit came from: touchpoints refer to it by number, so that
    attribution reads integers rather than the same few strings a million times."""

    source = models.CharField(max_length=200, blank=True)
    medium = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["source", "medium", "campaign"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "medium", "campaign"], name="analytics_touch_origin_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} / {self.medium} / {self.campaign}"


class ContactTouch(models.Model):
    """One visit of a known contact as attribution sees it: its first page view (when, which one,
    and with which source / medium / campaign) and when its last page view was, so that a look-back
    window starting inside the visit can be told apart. Page views without a session share one row
    per contact (`session_id` null). Moments are microseconds since 1970 (UTC): attribution does its
    arithmetic on them as they are."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    session_id = models.UUIDField(null=True, blank=True)
    first_us = models.BigIntegerField(help_text="First page view, microseconds since 1970 (UTC).")
    first_activity_id = models.BigIntegerField(help_text="The first page view, to break ties in time.")
    last_us = models.BigIntegerField(help_text="Last page view, microseconds since 1970 (UTC).")
    origin = models.ForeignKey("TouchOrigin", on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        ordering = ["contact", "first_us"]
        indexes = [
            # The fold and the packing of `TouchChunk` read a block of contacts at a time; attribution
            # reads its windows from the packed chunks, not from here.
            models.Index(fields=["contact", "session_id"], name="analytics_touch_contact"),
        ]

    def __str__(self) -> str:
        return f"visit of {self.contact_id} from {self.first_us}"


class PageViewDaily(models.Model):
    """Page views of one path on one day (in the workspace's time zone)."""

    day = models.DateField()
    path = models.CharField(max_length=500)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "path"]
        constraints = [models.UniqueConstraint(fields=["day", "path"], name="analytics_pageview_day_path")]

    def __str__(self) -> str:
        return f"{self.day} {self.path}: {self.views}"


class GoalQuerySet(AccessQuerySet["Goal"]):
    def visible_to(self, user: User) -> GoalQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> GoalQuerySet:
        if user.is_admin:
            return self
        return self.filter(created_by=user) if user.is_active else self.none()


class Goal(BaseModel):
    """A shared target: reach `target` of a metric within one period, for a team or everyone."""

    class Period(models.TextChoices):
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    metric = models.CharField(max_length=32)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    period_start = models.DateField()
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True, help_text="For revenue goals.")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "metric", "id"]

    def __str__(self) -> str:
        return f"{self.metric} ≥ {self.target} ({self.period} from {self.period_start})"


class SavedReportQuerySet(AccessQuerySet["SavedReport"]):
    def visible_to(self, user: User) -> SavedReportQuerySet:
        return self if user.is_active else self.none()

    def editable_by(self, user: User) -> SavedReportQuerySet:
        if user.is_admin:
            return self
        return self.filter(created_by=user) if user.is_active else self.none()


class SavedReport(BaseModel):
    """A custom report someone kept: a metric, how to break it down, and the filters applied."""

    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=32)
    breakdown = models.CharField(max_length=32)
    filters: Any = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SavedReportQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class TouchChunk(models.Model):
    """The touchpoints (`ContactTouch`) of a block of contacts — contact ids `number * CHUNK_SIZE`
    up to the next block — packed into one binary row: contact, first page view (microseconds),
    origin and a session key per visit, in (contact, time) order. Attribution reads a few hundred
    of these rather than a row per visit. A chunk whose contacts changed outside the rollup worker
    (a contact deleted) is marked `dirty`; readers then take its visits from `ContactTouch`, and
    the worker repacks it. See `analytics.paths`."""

    number = models.BigIntegerField(primary_key=True)
    touches = models.BinaryField(default=b"")
    count = models.PositiveIntegerField(default=0)
    dirty = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"touch chunk {self.number}"


class VisitChunk(models.Model):
    """The visits (`TrafficSession`) that began on one UTC day, packed into one binary row: start
    (microseconds), visitor key, origin (`TouchOrigin` id), page views and flags per visit. The
    marketing dashboard reads a window's visits from these rather than a row per visit; the rollup
    worker repacks a day whenever it changes one of its visits. A `dirty` day (packed before the
    visits of an upgrade were) is read from `TrafficSession` until the worker repacks it. See
    `analytics.visits`."""

    day = models.BigIntegerField(primary_key=True, help_text="Days since 1970-01-01 (UTC).")
    visits = models.BinaryField(default=b"")
    count = models.PositiveIntegerField(default=0)
    dirty = models.BooleanField(default=False)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"visits of day {self.day}"
