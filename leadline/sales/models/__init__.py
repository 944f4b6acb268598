"""The sales room's tables, one module per concern: the hand-off, pipelines and deals, products and
orders, tasks, and meetings booked on public pages."""

from leadline.sales.models.handoff import (
    Handoff,
    HandoffQuerySet,
    HandoffState,
    RejectionReason,
    RejectionReasonQuerySet,
    RoutingMode,
    RoutingRule,
    RoutingRuleQuerySet,
    RoutingSettings,
    default_working_weekdays,
)
from leadline.sales.models.meetings import (
    Availability,
    Meeting,
    MeetingState,
    MeetingType,
    default_weekly_hours,
)
from leadline.sales.models.orders import Billing, Order, OrderLine, OrderSource, Product, Refund
from leadline.sales.models.pipeline import (
    DEFAULT_CURRENCY,
    Deal,
    DealField,
    DealLine,
    DealStageChange,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)
from leadline.sales.models.work import Task, TaskKind

__all__ = [
    "DEFAULT_CURRENCY",
    "Availability",
    "Billing",
    "Deal",
    "DealField",
    "DealLine",
    "DealStageChange",
    "DealStatus",
    "Handoff",
    "HandoffQuerySet",
    "HandoffState",
    "LostReason",
    "Meeting",
    "MeetingState",
    "MeetingType",
    "Order",
    "OrderLine",
    "OrderSource",
    "Pipeline",
    "Product",
    "Refund",
    "RejectionReason",
    "RejectionReasonQuerySet",
    "RoutingMode",
    "RoutingRule",
    "RoutingRuleQuerySet",
    "RoutingSettings",
    "Stage",
    "StageKind",
    "Task",
    "TaskKind",
    "default_weekly_hours",
    "default_working_weekdays",
]
