"""Lead scoring: the rules (fit and engagement), adjustments of a contact's score by a set number of
points, the workspace's scoring settings and each contact's computed score with the reasons behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.core.access import AccessQuerySet
from leadline.core.models import BaseModel

if TYPE_CHECKING:
    from leadline.accounts.models import User


class Category(models.TextChoices):
    FIT = "fit", "Fit"
    ENGAGEMENT = "engagement", "Engagement"


class FitField(models.TextChoices):
    """The allow-list of what a fit rule may look at."""

    JOB_TITLE = "job_title", "Job title"
    COUNTRY = "country", "Country"
    COMPANY_INDUSTRY = "company.industry", "Company industry"
    COMPANY_EMPLOYEES = "company.employee_count", "Company employees"
    PROPERTY = "property", "Custom property"


class Operator(models.TextChoices):
    CONTAINS = "contains", "contains"
    EQUALS = "equals", "equals"
    IN = "in", "is one of"
    GTE = "gte", "is at least"
    LTE = "lte", "is at most"
    BETWEEN = "between", "is between"


# Which operators make sense for which field.
FIT_OPERATORS: dict[str, tuple[str, ...]] = {
    FitField.JOB_TITLE: (Operator.CONTAINS, Operator.EQUALS),
    FitField.COUNTRY: (Operator.EQUALS, Operator.IN),
    FitField.COMPANY_INDUSTRY: (Operator.EQUALS, Operator.CONTAINS, Operator.IN),
    FitField.COMPANY_EMPLOYEES: (Operator.GTE, Operator.LTE, Operator.BETWEEN),
    FitField.PROPERTY: (Operator.EQUALS, Operator.CONTAINS, Operator.IN),
}


class EngagementKind(models.TextChoices):
    """The allow-list of activity kinds an engagement rule may count."""

    PAGE_VIEW = "page.view", "Page view"
    FORM_SUBMITTED = "form.submitted", "Form submitted"
    EMAIL_OPENED = "email.opened", "Email opened"
    EMAIL_CLICKED = "email.clicked", "Email link clicked"
    MEETING_BOOKED = "meeting.booked", "Meeting booked"


class ScoringRuleQuerySet(AccessQuerySet["ScoringRule"]):
    def visible_to(self, user: User) -> ScoringRuleQuerySet:
        # Everyone may see why a lead scores what it does.
        return self

    def editable_by(self, user: User) -> ScoringRuleQuerySet:
        return self if (user.is_admin or user.is_marketing) else self.none()


class ScoringRule(BaseModel):
    """One rule. Fit rules test a field of the contact or their company; engagement rules award
    points for each matching activity, decayed by age and capped per rule."""

    name = models.CharField(max_length=120)
    category = models.CharField(max_length=16, choices=Category.choices)
    active = models.BooleanField(default=True)
    points = models.IntegerField(help_text="May be negative. Engagement rules award it per occurrence.")
    field = models.CharField(max_length=32, choices=FitField.choices, blank=True)
    property_key = models.CharField(max_length=64, blank=True)
    operator = models.CharField(max_length=16, choices=Operator.choices, blank=True)
    value = models.CharField(max_length=500, blank=True)
    value_to = models.CharField(max_length=50, blank=True)
    activity_kind = models.CharField(max_length=32, choices=EngagementKind.choices, blank=True)
    url_contains = models.CharField(max_length=300, blank=True)
    cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most points this rule can give one contact (engagement)."
    )

    objects = ScoringRuleQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ScoringSettings(models.Model):
    """The workspace's one row of scoring settings (see `scoring_settings_get`)."""

    half_life_days = models.PositiveIntegerField(default=30)
    mql_threshold = models.IntegerField(default=50)
    score_cap = models.PositiveIntegerField(default=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "scoring settings"

    def __str__(self) -> str:
        return f"MQL at {self.mql_threshold}, half-life {self.half_life_days} days"


class ScoreAdjustment(BaseModel):
    """Points added to (or taken from) one contact's score by a workflow step or a person. The
    score is recomputed from rules, so a change made straight on the score would be lost: an
    adjustment is kept as a row that every computation adds in, until it expires.

    `source_key` names what made it (e.g. `workflow:<enrolment>:<step>`); it is unique, so the
    same step run twice adjusts the score once."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="score_adjustments")
    points = models.IntegerField(help_text="May be negative; never zero.")
    reason = models.CharField(max_length=200)
    source_key = models.CharField(max_length=200, blank=True)
    source_label = models.CharField(
        max_length=200, blank=True, help_text="Where it came from in words, e.g. Workflow “Webinar”."
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: it never expires.")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"], condition=~models.Q(source_key=""), name="scoring_adjustment_once"
            )
        ]
        indexes = [models.Index(fields=["expires_at"], name="scoring_adjustment_expiry")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.points:+d} ({self.reason})"


class ContactScore(models.Model):
    """The last computed score of a contact and the reasons for it."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="score_detail")
    fit = models.IntegerField(default=0)
    engagement = models.IntegerField(default=0)
    adjustment = models.IntegerField(default=0, help_text="Points of the adjustments in force.")
    total = models.IntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    explanation = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-total", "id"]
        indexes = [models.Index(fields=["engagement"], name="scoring_score_engagement")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.total}"


# --- Predictive score ---------------------------------------------------------------------------


class PredictiveState(models.TextChoices):
    TRAINED = "trained", "Trained"
    NOT_ENOUGH_HISTORY = "not_enough_history", "Not enough history"
    FAILED = "failed", "Failed"


class PredictiveModel(BaseModel):
    """One training run of the predictive score: the fitted pipeline (when there was enough history
    to fit one), how much history it learned from and how well it did on contacts it never saw."""

    version = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=24, choices=PredictiveState.choices)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customers = models.PositiveIntegerField(
        default=0, help_text="Contacts in the history who became customers."
    )
    non_customers = models.PositiveIntegerField(
        default=0, help_text="Leads old enough to judge who did not become customers."
    )
    train_size = models.PositiveIntegerField(default=0)
    holdout_size = models.PositiveIntegerField(default=0)
    auc = models.FloatField(null=True, blank=True, help_text="Area under the ROC curve on the holdout.")
    base_rate = models.FloatField(null=True, blank=True, help_text="Share of customers in the history.")
    drivers = models.JSONField(default=list, blank=True, help_text="What weighs most, most first.")
    left_out = models.JSONField(
        default=list,
        blank=True,
        help_text="Counts not recorded before most customers bought, so not learned.",
    )
    message = models.CharField(max_length=500, blank=True)
    library_version = models.CharField(max_length=20, blank=True)
    artifact = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Predictive model v{self.version} ({self.state})"


class ContactPrediction(models.Model):
    """A contact's predicted likelihood of becoming a customer and the reasons for it."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="prediction")
    model = models.ForeignKey(PredictiveModel, on_delete=models.CASCADE, related_name="predictions")
    probability = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-probability", "id"]
        indexes = [models.Index(fields=["-probability"], name="scoring_prediction_prob")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.probability:.3f}"
