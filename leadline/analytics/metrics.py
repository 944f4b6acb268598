"""What each shared number means: the report window and filters, the funnel steps, and the
catalogue of metrics that goals and saved reports pick from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from leadline.analytics.rollups import workspace_zone
from leadline.contacts.models import LifecycleStage


@dataclass(frozen=True)
class ReportFilters:
    """A window of whole days (both ends included, in the workspace's time zone) and the filters.

    `source` and `campaign` match a contact's original source and detail, and a visit's UTM source
    and campaign; `owner_id`/`team_id` the owner of contacts, deals and hand-offs; `pipeline_id` deals.
    """

    start: date
    end: date
    source: str = ""
    campaign: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    # The public ids of the owner, team and pipeline as asked for, so links keep the same filters.
    public_ids: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=workspace_zone())

    @property
    def end_at(self) -> datetime:
        """Exclusive: the first moment after the window."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=workspace_zone())

    def previous(self) -> ReportFilters:
        """The window of the same length just before this one, with the same filters."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def query(self) -> dict[str, Any]:
        """The query-string form, for links that keep the same window and filters."""
        params: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in ("source", "campaign"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        params.update(dict(self.public_ids))
        return params


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    field: str  # the ContactMilestone column; "first_seen_at" for visitors


FUNNEL_STEPS = (
    FunnelStep("visitor", "Visitors", "first_seen_at"),
    FunnelStep("lead", "Leads", "lead_at"),
    FunnelStep("mql", "Marketing qualified", "mql_at"),
    FunnelStep("sql", "Sales qualified", "sql_at"),
    FunnelStep("opportunity", "Opportunities", "opportunity_at"),
    FunnelStep("customer", "Customers", "customer_at"),
)
STEP_BY_KEY = {step.key: step for step in FUNNEL_STEPS}
assert [step.key for step in FUNNEL_STEPS[1:]] == [
    LifecycleStage.LEAD,
    LifecycleStage.MQL,
    LifecycleStage.SQL,
    LifecycleStage.OPPORTUNITY,
    LifecycleStage.CUSTOMER,
]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str  # "count", "money" or "percent"
    team: str  # whose number it is: "marketing", "sales" or "shared"


METRICS = (
    Metric("visitors", "Visitors", "count", "marketing"),
    Metric("sessions", "Visits", "count", "marketing"),
    Metric("page_views", "Page views", "count", "marketing"),
    Metric("new_contacts", "New contacts", "count", "marketing"),
    Metric("leads", "Leads", "count", "shared"),
    Metric("mqls", "Marketing qualified leads", "count", "shared"),
    Metric("sqls", "Sales qualified leads", "count", "shared"),
    Metric("opportunities", "Opportunities", "count", "shared"),
    Metric("customers", "New customers", "count", "shared"),
    Metric("deals_won", "Deals won", "count", "sales"),
    Metric("win_rate", "Win rate", "percent", "sales"),
    Metric("revenue", "Revenue", "money", "sales"),
)
METRIC_BY_KEY = {metric.key: metric for metric in METRICS}
METRIC_CHOICES = [(metric.key, metric.label) for metric in METRICS]

# How a saved report may split its metric.
BREAKDOWNS = {
    "day": "Day",
    "month": "Month",
    "source": "Source",
    "campaign": "Campaign",
    "owner": "Owner",
}


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """part ÷ whole as a percentage with one decimal, or None when there is nothing to divide by."""
    if not whole or part is None:
        return None
    return round(100.0 * float(part) / float(whole), 1)


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """Percentage change from the previous period, or None when it had nothing."""
    if current is None or not previous:
        return None
    return round(100.0 * (float(current) - float(previous)) / float(previous), 1)
