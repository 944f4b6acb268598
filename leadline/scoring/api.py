"""API routes for scores (the rule score and the predictive score beside it), the predictive
model's status, and scoring rules. Contacts are fetched through the access layer as the
token's user; rules change through scoring.services, exactly as the screens do."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from leadline.accounts.models import Role
from leadline.api.auth import contacts_read, get_for_edit, request_user, require_role, settings_write
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.scoring.models import ScoringRule
from leadline.scoring.predictive import contact_prediction_view, predictive_status
from leadline.scoring.selectors import (
    contact_prediction_of,
    contact_score_get,
    scoring_rule_get,
    scoring_rule_list,
)
from leadline.scoring.services import scoring_rule_create, scoring_rule_delete, scoring_rule_update

router = Router(tags=["Scoring"])
RULE_EDIT_DENIED = "Only admins and marketing can change scoring rules."


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ReasonOut(Schema):
    rule: str
    category: str = Field(description="`fit`, `engagement` or `adjustment`.")
    points: int
    reason: str


class PredictedReasonOut(Schema):
    feature: str = Field(description="The feature, e.g. `pricing_views`, `company_size`.")
    text: str = Field(description="Its value for this contact in words, e.g. “Visited pricing 3×”.")
    sign: Literal["+", "-"] = Field(description="`+` raises the likelihood, `-` lowers it.")
    weight: float = Field(description="Contribution to the log-odds, against the average contact.")


class PredictedOut(Schema):
    state: Literal["predicted", "customer", "not_scored", "no_model"] = Field(
        description="`predicted` when there is a score; otherwise `message` says why not."
    )
    message: str
    probability: float | None = Field(None, description="Likelihood of becoming a customer, 0 to 1.")
    lift: float | None = Field(None, description="Times the share of leads that became customers.")
    reasons: list[PredictedReasonOut]
    model_version: int | None
    computed_at: datetime | None


class ScoreOut(Schema):
    contact: UUID
    total: int
    fit: int
    engagement: int
    adjustment: int = Field(description="Points of the score adjustments in force (e.g. by workflows).")
    computed_at: datetime | None
    explanation: list[ReasonOut]
    predicted: PredictedOut = Field(
        description="The predictive score beside the rule score, with its top reasons."
    )


class DriverOut(Schema):
    feature: str
    label: str
    weight: float


class ModelOut(Schema):
    version: int
    trained_at: datetime
    customers: int
    non_customers: int
    train_size: int
    holdout_size: int
    auc: float | None = Field(
        description="Area under the ROC curve on the holdout: 0.5 is chance, 1.0 perfect."
    )
    drivers: list[DriverOut]
    left_out: list[str] = Field(
        description="Features not used: they were not recorded before most customers bought."
    )


class ModelStatusOut(Schema):
    state: Literal["trained", "not_enough_history", "failed", "never_trained"]
    message: str = Field(description="In plain words, e.g. “Not enough history yet: 7 customers, need 20.”")
    customers: int
    non_customers: int
    need_customers: int
    need_non_customers: int
    model: ModelOut | None = Field(description="The model in use, if any.")
    last_run_at: datetime | None = Field(description="When training was last tried.")
    warnings: list[str]


class RuleOut(Schema):
    id: UUID
    name: str
    category: str = Field(description="`fit`, `engagement` or `adjustment`.")
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
    """Fit plus decayed engagement plus adjustments, within the score cap; `explanation` lists each
    rule's and each adjustment's points and reason."""
    contact, detail = contact_score_get(user=request_user(request), public_id=contact_id)
    predicted = contact_prediction_view(contact, contact_prediction_of(contact))
    return {
        "contact": contact.public_id,
        "total": contact.score,
        "fit": detail.fit if detail else 0,
        "engagement": detail.engagement if detail else 0,
        "adjustment": detail.adjustment if detail else 0,
        "computed_at": detail.computed_at if detail else None,
        "explanation": detail.explanation if detail else [],
        "predicted": {
            "state": predicted.state,
            "message": predicted.message,
            "probability": predicted.probability,
            "lift": predicted.lift,
            "reasons": predicted.reasons,
            "model_version": predicted.model_version,
            "computed_at": predicted.computed_at,
        },
    }


def _status_body() -> dict[str, Any]:
    status = predictive_status(count_history=True)
    return {
        "state": status.state,
        "message": status.message,
        "customers": status.customers,
        "non_customers": status.non_customers,
        "need_customers": status.need_customers,
        "need_non_customers": status.need_non_customers,
        "model": status.model,
        "last_run_at": status.latest.trained_at if status.latest else None,
        "warnings": status.warnings,
    }


@router.get(
    "/scoring/model",
    auth=contacts_read,
    response=ModelStatusOut,
    url_name="scoring_model",
    summary="The predictive model's status",
)
def model_status(request: HttpRequest) -> dict[str, Any]:
    """The model in use (version, when trained, sample sizes, holdout AUC, what weighs most), or why
    there is none yet."""
    return _status_body()


@router.post(
    "/scoring/model/train",
    auth=settings_write,
    response=ModelStatusOut,
    url_name="scoring_model_train",
    summary="Retrain the predictive model",
)
def model_train(request: HttpRequest) -> dict[str, Any]:
    """Starts a training run in the background (it reads the whole history) and answers with the
    status as it stands; poll `GET /scoring/model` for the result. Admins and marketing only."""
    from leadline.scoring.tasks import predictive_train_task

    user = request_user(request)
    require_role(user, Role.MARKETING, message="Only admins and marketing can retrain the predictive score.")
    predictive_train_task.enqueue(actor_id=user.pk)
    return _status_body()


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
