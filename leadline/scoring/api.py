"""API routes for scores and scoring rules. Contacts are fetched through the access layer as the
token's user; rules change through scoring.services, exactly as the screens do."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.scoring.models import ScoringRule
from leadline.scoring.selectors import contact_score_get, scoring_rule_get, scoring_rule_list
from leadline.scoring.services import scoring_rule_create, scoring_rule_delete, scoring_rule_update

router = Router(tags=["Scoring"])
RULE_EDIT_DENIED = "Only admins and marketing can change scoring rules."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ReasonOut(Schema):
    rule: str
    category: str
    points: int
    reason: str


class ScoreOut(Schema):
    contact: UUID
    total: int
    fit: int
    engagement: int
    computed_at: datetime | None
    explanation: list[ReasonOut]


class RuleOut(Schema):
    id: UUID
    name: str
    category: str
    active: bool
    points: int
    field: str
    property_key: str
    operator: str
    value: str
    value_to: str
    activity_kind: str
    url_contains: str
    cap: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(rule: ScoringRule) -> UUID:
        return rule.public_id


RulePage = page_schema(RuleOut, "ScoringRulePage")


class RuleIn(InputSchema):
    """`fit` rules need field, operator and value (value_to for "between"; property_key for
    "property"); `engagement` rules need activity_kind, optionally url_contains and cap."""

    name: str
    category: Literal["fit", "engagement"]
    points: int
    active: bool = True
    field: str = ""
    property_key: str = ""
    operator: str = ""
    value: str | int = ""
    value_to: str | int = ""
    activity_kind: str = ""
    url_contains: str = ""
    cap: int | None = None


class RulePatch(InputSchema):
    name: str | None = None
    category: Literal["fit", "engagement"] | None = None
    points: int | None = None
    active: bool | None = None
    field: str | None = None
    property_key: str | None = None
    operator: str | None = None
    value: str | int | None = None
    value_to: str | int | None = None
    activity_kind: str | None = None
    url_contains: str | None = None
    cap: int | None = None


@router.get(
    "/contacts/{contact_id}/score",
    auth=contacts_read,
    response=ScoreOut,
    url_name="contact_score",
    summary="A contact's score and why",
)
def contact_score(request: HttpRequest, contact_id: str) -> dict[str, Any]:
    """Fit plus decayed engagement; `explanation` lists each rule's points and reason."""
    contact, detail = contact_score_get(user=request_user(request), public_id=contact_id)
    return {
        "contact": contact.public_id,
        "total": contact.score,
        "fit": detail.fit if detail else 0,
        "engagement": detail.engagement if detail else 0,
        "computed_at": detail.computed_at if detail else None,
        "explanation": detail.explanation if detail else [],
    }


@router.get(
    "/scoring/rules",
    auth=contacts_read,
    response=RulePage,
    url_name="scoring_rule_list",
    summary="List scoring rules",
)
def rule_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    rules = scoring_rule_list(user=request_user(request))
    result = paginate(rules, page, key="created_at", namespace="scoring_rules", descending=False)
    return {"items": result.items, "next_cursor": result.next_cursor}


@router.get(
    "/scoring/rules/{rule_id}",
    auth=contacts_read,
    response=RuleOut,
    url_name="scoring_rule_get",
    summary="Get a scoring rule",
)
def rule_get(request: HttpRequest, rule_id: str) -> ScoringRule:
    return scoring_rule_get(user=request_user(request), public_id=rule_id)


@router.post(
    "/scoring/rules",
    auth=settings_write,
    response={201: RuleOut},
    url_name="scoring_rule_create",
    summary="Add a scoring rule",
)
def rule_add(request: HttpRequest, payload: RuleIn) -> Status[ScoringRule]:
    """Needs the settings:write scope and the admin or marketing role. Everyone is rescored."""
    user = request_user(request)
    require_role(user, Role.MARKETING, message=RULE_EDIT_DENIED)
    return Status(201, scoring_rule_create(actor=user, data=payload.model_dump()))


@router.patch(
    "/scoring/rules/{rule_id}",
    auth=settings_write,
    response=RuleOut,
    url_name="scoring_rule_update",
    summary="Change a scoring rule",
)
def rule_patch(request: HttpRequest, rule_id: str, payload: RulePatch) -> ScoringRule:
    user = request_user(request)
    rule = get_for_edit(ScoringRule.objects.all(), user, rule_id, message=RULE_EDIT_DENIED)
    return scoring_rule_update(rule=rule, actor=user, data=payload.model_dump(exclude_unset=True))


@router.delete(
    "/scoring/rules/{rule_id}",
    auth=settings_write,
    response={204: None},
    url_name="scoring_rule_delete",
    summary="Delete a scoring rule",
)
def rule_remove(request: HttpRequest, rule_id: str) -> Status[None]:
    user = request_user(request)
    rule = get_for_edit(ScoringRule.objects.all(), user, rule_id, message=RULE_EDIT_DENIED)
    scoring_rule_delete(rule=rule, actor=user)
    return Status(204, None)
