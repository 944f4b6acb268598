"""API routes of the hand-off: the list of hand-offs, the accept / reject actions, and (for admins)
the routing settings, rules and rejection reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, StrictBool, StrictInt

from leadline.accounts.api import UserRef
from leadline.accounts.models import User
from leadline.api.auth import (
    contacts_read,
    contacts_write,
    get_for_edit,
    request_user,
    require_role,
    settings_write,
)
from leadline.api.errors import ApiError
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.api import ContactRef
from leadline.sales import handoff_services as services
from leadline.sales import routing_settings as routing_config
from leadline.sales.handoff_selectors import handoff_list
from leadline.sales.handoff_services import COMMENT_MAX_LENGTH
from leadline.sales.models import Handoff, HandoffState, RejectionReason, RoutingRule, RoutingSettings

router = Router(tags=["Hand-off"])

DECIDE_DENIED = "Only the salesperson the lead was routed to (or an admin) can accept or reject it."


class HandoffOut(Schema):
    id: UUID
    contact: ContactRef
    assigned_to: UserRef | None
    assigned_at: datetime
    routed_by: str
    state: str
    sla_due_at: datetime
    reminded_at: datetime | None
    escalated_at: datetime | None
    decided_at: datetime | None
    decided_by: UserRef | None
    rejection_reason: str | None = Field(None, description="The key of the reason, e.g. `no-budget`.")
    comment: str
    recycle_at: datetime | None
    first_touch_at: datetime | None

    @staticmethod
    def resolve_id(handoff: Handoff) -> UUID:
        return handoff.public_id

    @staticmethod
    def resolve_rejection_reason(handoff: Handoff) -> str | None:
        return handoff.rejection_reason.key if handoff.rejection_reason else None


class HandoffFilters(Schema):
    state: Literal["pending", "accepted", "rejected", "recycled"] | None = None
    mine: bool = Field(False, description="Only hand-offs routed to the token's user.")


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        description="The key of an active rejection reason, e.g. `no-budget`.", max_length=100
    )
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


HandoffPage = page_schema(HandoffOut, "HandoffPage")


@router.get(
    "/handoffs", auth=contacts_read, response=HandoffPage, url_name="handoff_list", summary="List hand-offs"
)
def handoff_list_route(request: HttpRequest, filters: Query[HandoffFilters], page: Query[PageQuery]) -> Any:
    """Ordered by SLA due time. Salespeople see the hand-offs routed to them; admins and marketing
    see all."""
    user = request_user(request)
    handoffs = handoff_list(user=user, state=filters.state, mine=filters.mine)
    return paginate(handoffs, page, key="sla_due_at", namespace="handoffs", descending=False)


def _to_decide(request: HttpRequest, handoff_id: str) -> Handoff:
    user = request_user(request)
    queryset = Handoff.objects.select_related("contact", "assigned_to")
    handoff = get_for_edit(queryset, user, handoff_id, message=DECIDE_DENIED)
    if handoff.state != HandoffState.PENDING:
        raise ApiError(409, "conflict", "This hand-off has already been decided.", {})
    return handoff


def _fresh(handoff: Handoff) -> Handoff:
    return Handoff.objects.select_related("contact", "assigned_to", "decided_by", "rejection_reason").get(
        pk=handoff.pk
    )


@router.post(
    "/handoffs/{handoff_id}/accept",
    auth=contacts_write,
    response=HandoffOut,
    url_name="handoff_accept",
    summary="Accept a hand-off",
)
def handoff_accept_route(request: HttpRequest, handoff_id: str) -> Handoff:
    """The contact becomes a sales qualified lead."""
    handoff = _to_decide(request, handoff_id)
    services.handoff_accept(handoff=handoff, actor=request_user(request))
    return _fresh(handoff)


@router.post(
    "/handoffs/{handoff_id}/reject",
    auth=contacts_write,
    response=HandoffOut,
    url_name="handoff_reject",
    summary="Send a hand-off back to marketing",
)
def handoff_reject_route(request: HttpRequest, handoff_id: str, payload: RejectIn) -> Handoff:
    """The contact goes back to the lead stage without an owner, to be re-qualified after the
    recycle period."""
    handoff = _to_decide(request, handoff_id)
    services.handoff_reject(
        handoff=handoff, actor=request_user(request), reason=payload.reason, comment=payload.comment
    )
    return _fresh(handoff)


# --- Routing settings, rules and rejection reasons (admins) ---------------------------------------

ROUTING_DENIED = "Only admins change how leads are routed."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class TeamRef(Schema):
    id: UUID
    name: str

    @staticmethod
    def resolve_id(team: Any) -> UUID:
        return team.public_id


class RoutingSettingsOut(Schema):
    mode: Literal["round_robin", "rules"]
    sla_working_hours: int = Field(description="Working hours a salesperson has to accept or reject.")
    reminder_working_hours: int = Field(
        description="Remind when this many working hours are left (0: never)."
    )
    working_day_start: int = Field(description="Hour the working day starts, 0–23.")
    working_day_end: int = Field(description="Hour it ends, 1–24.")
    working_weekdays: list[int] = Field(description="0 = Monday … 6 = Sunday.")
    time_zone: str
    recycle_after_days: int = Field(description="Rejected leads may be routed again after this many days.")
    escalate_to: UserRef | None = Field(description="Who hears about hand-offs past their SLA.")
    updated_at: datetime


class RoutingSettingsPatch(InputSchema):
    mode: Literal["round_robin", "rules"] | None = None
    sla_working_hours: StrictInt | None = None
    reminder_working_hours: StrictInt | None = None
    working_day_start: StrictInt | None = None
    working_day_end: StrictInt | None = None
    working_weekdays: list[StrictInt] | None = Field(None, max_length=7)
    time_zone: str | None = Field(None, max_length=64)
    recycle_after_days: StrictInt | None = None
    escalate_to: str | None = Field(None, max_length=100, description="A teammate's id, or null for nobody.")


class RoutingRuleOut(Schema):
    id: UUID
    position: int = Field(description="Rules are checked in this order, lowest first.")
    name: str
    countries: list[str] = Field(description="ISO codes; empty matches any country.")
    min_employee_count: int | None
    use_company_owner: bool
    assign_to: UserRef | None
    assign_to_team: TeamRef | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(rule: RoutingRule) -> UUID:
        return rule.public_id


class RoutingRuleIn(InputSchema):
    """Conditions (all must hold; empty ones match anything) and who receives the lead: the
    company's owner, a salesperson, or round robin within a team — at least one of them."""

    name: str = Field(max_length=200)
    countries: list[str] = Field(default_factory=list, max_length=250, description="Codes or English names.")
    min_employee_count: StrictInt | None = None
    use_company_owner: StrictBool = False
    assign_to: str | None = Field(None, max_length=100, description="A salesperson's id.")
    assign_to_team: str | None = Field(None, max_length=100, description="A team's id.")


class RoutingRulePatch(InputSchema):
    name: str | None = Field(None, max_length=200)
    countries: list[str] | None = Field(None, max_length=250)
    min_employee_count: StrictInt | None = None
    use_company_owner: StrictBool | None = None
    assign_to: str | None = Field(None, max_length=100)
    assign_to_team: str | None = Field(None, max_length=100)


class ReorderIn(InputSchema):
    rules: list[str] = Field(
        max_length=1000,
        description="Rule ids, first to check first; rules left out keep their order after them.",
    )


class ReasonOut(Schema):
    id: UUID
    key: str = Field(description="What `POST /handoffs/{id}/reject` takes as `reason`.")
    label: str
    position: int
    active: bool = Field(description="Offered to salespeople when they send a lead back.")

    @staticmethod
    def resolve_id(reason: RejectionReason) -> UUID:
        return reason.public_id

    @staticmethod
    def resolve_active(reason: RejectionReason) -> bool:
        return reason.is_active


class ReasonIn(InputSchema):
    label: str = Field(max_length=200)


class ReasonPatch(InputSchema):
    label: str | None = Field(None, max_length=200)
    active: StrictBool | None = None


RoutingRulePage = page_schema(RoutingRuleOut, "RoutingRulePage")
ReasonPage = page_schema(ReasonOut, "RejectionReasonPage")


def _admin(request: HttpRequest) -> User:
    user = request_user(request)
    require_role(user, message=ROUTING_DENIED)
    return user


def _settings_out() -> RoutingSettings:
    return RoutingSettings.objects.select_related("escalate_to").get(pk=RoutingSettings.load().pk)


def _rules() -> Any:
    return RoutingRule.objects.select_related("assign_to", "assign_to_team")


@router.get(
    "/routing/settings",
    auth=contacts_read,
    response=RoutingSettingsOut,
    url_name="routing_settings_get",
    summary="Get the routing settings",
)
def routing_settings_get_route(request: HttpRequest) -> RoutingSettings:
    """How MQLs reach salespeople and how long they have to respond. Admins only."""
    _admin(request)
    return _settings_out()


@router.patch(
    "/routing/settings",
    auth=settings_write,
    response=RoutingSettingsOut,
    url_name="routing_settings_update",
    summary="Change the routing settings",
)
def routing_settings_update_route(request: HttpRequest, payload: RoutingSettingsPatch) -> RoutingSettings:
    """Only the fields given change. Admins only."""
    user = _admin(request)
    routing_config.routing_settings_change(actor=user, data=payload.model_dump(exclude_unset=True))
    return _settings_out()


@router.get(
    "/routing/rules",
    auth=contacts_read,
    response=RoutingRulePage,
    url_name="routing_rule_list",
    summary="List routing rules",
)
def routing_rule_list_route(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """In the order they are checked. Admins only."""
    _admin(request)
    return paginate(_rules(), page, key="position", namespace="routing_rules", descending=False)


@router.post(
    "/routing/rules",
    auth=settings_write,
    response={201: RoutingRuleOut},
    url_name="routing_rule_create",
    summary="Add a routing rule",
)
def routing_rule_create_route(request: HttpRequest, payload: RoutingRuleIn) -> Status[RoutingRule]:
    """The new rule is checked last. Admins only."""
    user = _admin(request)
    rule = routing_config.routing_rule_add(actor=user, data=payload.model_dump())
    return Status(201, _rules().get(pk=rule.pk))


@router.post(
    "/routing/rules/reorder",
    auth=settings_write,
    response=list[RoutingRuleOut],
    url_name="routing_rules_reorder",
    summary="Put routing rules in order",
)
def routing_rules_reorder_route(request: HttpRequest, payload: ReorderIn) -> list[RoutingRule]:
    """Answers with every rule in its new order. Admins only."""
    user = _admin(request)
    routing_config.routing_rules_reorder(actor=user, rule_ids=payload.rules)
    return list(_rules().order_by("position", "id"))


@router.patch(
    "/routing/rules/{rule_id}",
    auth=settings_write,
    response=RoutingRuleOut,
    url_name="routing_rule_update",
    summary="Change a routing rule",
)
def routing_rule_update_route(request: HttpRequest, rule_id: str, payload: RoutingRulePatch) -> RoutingRule:
    user = _admin(request)
    rule = get_for_edit(RoutingRule.objects.all(), user, rule_id, message=ROUTING_DENIED)
    routing_config.routing_rule_update(actor=user, rule=rule, data=payload.model_dump(exclude_unset=True))
    return _rules().get(pk=rule.pk)


@router.delete(
    "/routing/rules/{rule_id}",
    auth=settings_write,
    response={204: None},
    url_name="routing_rule_delete",
    summary="Delete a routing rule",
)
def routing_rule_delete_route(request: HttpRequest, rule_id: str) -> Status[None]:
    user = _admin(request)
    rule = get_for_edit(RoutingRule.objects.all(), user, rule_id, message=ROUTING_DENIED)
    services.routing_rule_delete(actor=user, rule=rule)
    return Status(204, None)


@router.get(
    "/routing/rejection-reasons",
    auth=contacts_read,
    response=ReasonPage,
    url_name="rejection_reason_list",
    summary="List rejection reasons",
)
def rejection_reason_list_route(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """Hidden ones included (`active: false`). Everyone may read them: salespeople need the keys to
    send a lead back through the API."""
    request_user(request)
    return paginate(
        RejectionReason.objects.all(), page, key="position", namespace="reasons", descending=False
    )


@router.post(
    "/routing/rejection-reasons",
    auth=settings_write,
    response={201: ReasonOut},
    url_name="rejection_reason_create",
    summary="Add a rejection reason",
)
def rejection_reason_create_route(request: HttpRequest, payload: ReasonIn) -> Status[RejectionReason]:
    """The key is made from the label. Admins only."""
    user = _admin(request)
    return Status(201, services.rejection_reason_create(actor=user, label=payload.label))


@router.patch(
    "/routing/rejection-reasons/{reason_id}",
    auth=settings_write,
    response=ReasonOut,
    url_name="rejection_reason_update",
    summary="Rename, hide or offer a rejection reason",
)
def rejection_reason_update_route(
    request: HttpRequest, reason_id: str, payload: ReasonPatch
) -> RejectionReason:
    """`active: false` hides it from salespeople; past rejections keep it. Admins only."""
    user = _admin(request)
    reason = get_for_edit(RejectionReason.objects.all(), user, reason_id, message=ROUTING_DENIED)
    return routing_config.rejection_reason_update(
        actor=user, reason=reason, data=payload.model_dump(exclude_unset=True)
    )
