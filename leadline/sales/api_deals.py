"""API routes: pipelines and their stages (settings, admins only to change), lost reasons, and deals
(list with filters and cursor pagination, get, create, change, delete, move between stages)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict

from leadline.accounts.api import UserRef
from leadline.accounts.models import User
from leadline.api.auth import (
    get_for_edit,
    request_user,
    require_role,
    sales_read,
    sales_write,
    settings_write,
)
from leadline.api.errors import field_error
from leadline.api.idempotency import request_fingerprint, run_idempotent
from leadline.api.pagination import PageQuery, page_schema, paginate
from leadline.contacts.api import CompanyRef, ContactRef
from leadline.contacts.models import Company, Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.sales import deal_selectors as selectors
from leadline.sales import deal_services, pipeline_services
from leadline.sales.currencies import clean_amount
from leadline.sales.models import Deal, DealLine, LostReason, Pipeline, Product, Stage
from leadline.sales.models.pipeline import DealQuerySet, PipelineQuerySet

router = Router(tags=["Pipelines and deals"])

SETTINGS_DENIED = "Only admins can change pipelines."
DEAL_DENIED = "Marketing can read deals but not change them."
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    description="Any unique string (a UUID). Retrying with the same key and body replays the first response.",
)
DealFieldName = Literal["amount", "expected_close_date", "contact", "company", "lines"]
StageKindName = Literal["open", "won", "lost"]


def _amount(value: Any) -> Any:
    """Money and quantities: a JSON number or a string with a dot, checked before anything is stored."""
    if value is None:
        return None
    try:
        return clean_amount(value)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None


Amount = Annotated[Decimal, BeforeValidator(_amount)]


class InputSchema(Schema):
    """Request bodies refuse keys they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


# --- Output schemas -------------------------------------------------------------------------------


class StageOut(Schema):
    id: UUID
    name: str
    position: int
    kind: str = Field(description="`open`, `won` or `lost`.")
    probability: int = Field(description="Win probability in percent.")
    required_fields: list[str] = Field(description="Deal fields a deal needs before it may enter the stage.")

    @staticmethod
    def resolve_id(stage: Stage) -> UUID:
        return stage.public_id


class PipelineOut(Schema):
    id: UUID
    name: str
    position: int
    is_default: bool
    is_archived: bool
    currency: str
    rotting_days: int
    stages: list[StageOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(pipeline: Pipeline) -> UUID:
        return pipeline.public_id

    @staticmethod
    def resolve_stages(pipeline: Pipeline) -> list[Stage]:
        return sorted(pipeline.stages.all(), key=lambda stage: (stage.position, stage.pk))


class LostReasonOut(Schema):
    key: str
    label: str
    is_active: bool


class StageRef(Schema):
    id: UUID
    name: str
    kind: str
    probability: int

    @staticmethod
    def resolve_id(stage: Stage) -> UUID:
        return stage.public_id


class DealLineOut(Schema):
    id: UUID
    product: UUID | None
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    total: Decimal

    @staticmethod
    def resolve_id(line: DealLine) -> UUID:
        return line.public_id

    @staticmethod
    def resolve_product(line: DealLine) -> UUID | None:
        return line.product.public_id if line.product else None


class DealOut(Schema):
    id: UUID
    name: str
    pipeline: UUID
    stage: StageRef
    status: str = Field(description="`open`, `won` or `lost`.")
    contact: ContactRef | None
    other_contacts: list[ContactRef]
    company: CompanyRef | None
    owner: UserRef | None
    amount: Decimal | None
    currency: str
    weighted_amount: Decimal | None
    expected_close_date: date | None
    position: float
    stage_entered_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    lost_reason: str | None = Field(None, description="The key of the lost reason, e.g. `no-budget`.")
    lost_comment: str
    lines: list[DealLineOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_id(deal: Deal) -> UUID:
        return deal.public_id

    @staticmethod
    def resolve_pipeline(deal: Deal) -> UUID:
        return deal.pipeline.public_id

    @staticmethod
    def resolve_other_contacts(deal: Deal) -> list[Contact]:
        return list(deal.other_contacts.all())

    @staticmethod
    def resolve_lines(deal: Deal) -> list[DealLine]:
        return list(deal.lines.all())

    @staticmethod
    def resolve_lost_reason(deal: Deal) -> str | None:
        return deal.lost_reason.key if deal.lost_reason else None


PipelinePage = page_schema(PipelineOut, "PipelinePage")
DealPage = page_schema(DealOut, "DealPage")
LostReasonPage = page_schema(LostReasonOut, "LostReasonPage")


# --- Input schemas --------------------------------------------------------------------------------


class StageIn(InputSchema):
    name: str = Field(max_length=80)
    kind: StageKindName = "open"
    probability: int | None = Field(
        None, ge=0, le=100, description="Defaults to 10, or 100 / 0 for won / lost."
    )
    required_fields: list[DealFieldName] = Field(default_factory=list, max_length=5)


class StageCreateIn(StageIn):
    position: int | None = Field(None, ge=1, le=100, description="1 = first. Default: after the open stages.")


class StagePatchIn(InputSchema):
    name: str | None = Field(None, max_length=80)
    kind: StageKindName | None = None
    probability: int | None = Field(None, ge=0, le=100)
    required_fields: list[DealFieldName] | None = Field(None, max_length=5)
    position: int | None = Field(None, ge=1, le=100)


class PipelineCreateIn(InputSchema):
    name: str = Field(max_length=120)
    currency: str = Field("USD", max_length=10, description="ISO 4217 code.")
    rotting_days: int = Field(14, ge=0, le=365)
    is_default: bool = False
    stages: list[StageIn] | None = Field(
        None, max_length=30, description="Omit for the starter stages (New … Won, Lost)."
    )


class PipelinePatchIn(InputSchema):
    name: str | None = Field(None, max_length=120)
    currency: str | None = Field(None, max_length=10)
    rotting_days: int | None = Field(None, ge=0, le=365)
    is_default: bool | None = Field(
        None, description="true makes this the default; to change it, set another."
    )
    is_archived: bool | None = None


AMOUNT_HELP = 'A decimal number as a JSON number or a string with a dot, e.g. "1250.00".'


class DealLineIn(InputSchema):
    product: str | None = Field(None, max_length=64, description="Public id or SKU of an active product.")
    name: str | None = Field(None, max_length=200, description="Defaults to the product's name.")
    quantity: Amount = Field(Decimal(1), description=AMOUNT_HELP)
    unit_price: Amount | None = Field(None, description="Defaults to the product's price. " + AMOUNT_HELP)
    discount_percent: Amount = Field(Decimal(0), description="0 to 100.")


class DealFieldsIn(InputSchema):
    contact: str | None = Field(None, max_length=254, description="Public id or email of the main contact.")
    other_contacts: list[str] | None = Field(None, max_length=50, description="Public ids or emails.")
    company: str | None = Field(None, max_length=64, description="Public id; default: the contact's company.")
    owner: str | None = Field(None, max_length=64, description="Public id of a teammate, or `me`.")
    amount: Amount | None = Field(None, description="Ignored when `lines` are given: " + AMOUNT_HELP)
    currency: str | None = Field(None, max_length=10, description="ISO 4217 code; default: the pipeline's.")
    expected_close_date: str | None = Field(None, max_length=32, description="A date: 2026-03-31.")
    lines: list[DealLineIn] | None = Field(None, max_length=100)


class DealCreateIn(DealFieldsIn):
    name: str = Field(max_length=200)
    pipeline: str | None = Field(None, max_length=64, description="Default: the stage's, else the default.")
    stage: str | None = Field(None, max_length=64, description="An open stage; default: the first one.")


class DealPatchIn(DealFieldsIn):
    name: str | None = Field(None, max_length=200)


class DealMoveIn(InputSchema):
    stage: str = Field(max_length=64, description="Public id of a stage of the deal's pipeline.")
    position: float | None = Field(None, description="Order within the column (lower is higher up).")
    lost_reason: str | None = Field(
        None, max_length=64, description="Key of an active lost reason; required for lost stages."
    )
    lost_comment: str = Field("", max_length=2000)


class DealListQuery(Schema):
    pipeline: UUID | None = None
    stage: UUID | None = None
    status: Literal["open", "won", "lost", "all"] = "all"
    owner: str | None = Field(None, max_length=64, description="`me`, `unassigned` or a teammate's id.")
    contact: UUID | None = Field(None, description="Main or other contact.")
    company: UUID | None = None
    close_month: str | None = Field(None, max_length=7, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")
    q: str | None = Field(None, max_length=200, description="Part of the deal's name.")


# --- Resolving references -------------------------------------------------------------------------


def _pipelines() -> PipelineQuerySet:
    return Pipeline.objects.prefetch_related("stages")


def _deals() -> DealQuerySet:
    return Deal.objects.select_related(
        "pipeline", "stage", "contact", "company", "owner", "lost_reason"
    ).prefetch_related(
        "other_contacts",
        Prefetch("lines", queryset=DealLine.objects.select_related("product").order_by("position", "id")),
    )


def _fresh(deal: Deal) -> Deal:
    return _deals().get(pk=deal.pk)


def _contact(user: User, value: str, *, field: str) -> Contact:
    contacts = Contact.objects.for_user(user)
    public_id = parse_public_id(value)
    found = (
        contacts.filter(public_id=public_id).first()
        if public_id
        else contacts.filter(email=value.strip().lower()).first()
        if "@" in value
        else None
    )
    if found is None:
        raise field_error(field, "No contact you can see has this id or email.")
    return found


def _company(user: User, value: str) -> Company:
    try:
        return get_for_user(Company.objects.all(), user, value)
    except Http404:
        raise field_error("company", "No company has this id.") from None


def _owner(user: User, value: str) -> User:
    if value == "me":
        return user
    public_id = parse_public_id(value)
    owner = selectors.deal_owners().filter(public_id=public_id).first() if public_id else None
    if owner is None:
        raise field_error("owner", "No active teammate who can own deals has this id.")
    return owner


def _product(value: str, index: int) -> Product:
    products = Product.objects.active()
    public_id = parse_public_id(value)
    found = products.filter(public_id=public_id).first() if public_id else products.filter(sku=value).first()
    if found is None:
        raise field_error(f"lines.{index}.product", "No active product has this id or SKU.")
    return found


def _deal_data(user: User, payload: DealFieldsIn) -> dict[str, Any]:
    """The payload's fields with references replaced by objects fetched through the access layer."""
    sent = payload.model_dump(exclude_unset=True)
    data: dict[str, Any] = {}
    for name in ("name", "amount", "currency", "expected_close_date"):
        if name in sent:
            data[name] = sent[name]
    if "contact" in sent:
        data["contact"] = _contact(user, sent["contact"], field="contact") if sent["contact"] else None
    if "other_contacts" in sent:
        data["other_contacts"] = [
            _contact(user, value, field=f"other_contacts.{index}")
            for index, value in enumerate(sent["other_contacts"] or [])
        ]
    if "company" in sent:
        data["company"] = _company(user, sent["company"]) if sent["company"] else None
    if "owner" in sent:
        data["owner"] = _owner(user, sent["owner"]) if sent["owner"] else None
    if "lines" in sent:
        data["lines"] = [
            {
                "product": _product(line["product"], index) if line.get("product") else None,
                "name": line.get("name") or "",
                "quantity": line.get("quantity", Decimal(1)),
                "unit_price": line.get("unit_price"),
                "discount_percent": line.get("discount_percent", Decimal(0)),
            }
            for index, line in enumerate(sent["lines"] or [])
        ]
    return data


def _pipeline(user: User, value: str) -> Pipeline:
    try:
        return get_for_user(Pipeline.objects.all(), user, value)
    except Http404:
        raise field_error("pipeline", "No pipeline has this id.") from None


def _stage(user: User, value: str) -> Stage:
    try:
        return get_for_user(Stage.objects.select_related("pipeline"), user, value)
    except Http404:
        raise field_error("stage", "No stage has this id.") from None


# --- Pipelines and stages -------------------------------------------------------------------------


@router.get(
    "/pipelines",
    auth=sales_read,
    response=PipelinePage,
    url_name="pipeline_list",
    summary="List pipelines",
)
def pipeline_list_route(request: HttpRequest, page: Query[PageQuery], include_archived: bool = False) -> Any:
    """Oldest first, each with its stages in board order."""
    pipelines = Pipeline.objects.for_user(request_user(request)).prefetch_related("stages")
    if not include_archived:
        pipelines = pipelines.filter(is_archived=False)
    return paginate(pipelines, page, key="created_at", namespace="pipelines", descending=False)


@router.get(
    "/pipelines/{pipeline}",
    auth=sales_read,
    response=PipelineOut,
    url_name="pipeline_get",
    summary="Get a pipeline with its stages",
)
def pipeline_get_route(request: HttpRequest, pipeline: str) -> Pipeline:
    return get_for_user(_pipelines(), request_user(request), pipeline)


@router.post(
    "/pipelines",
    auth=settings_write,
    response={201: PipelineOut},
    url_name="pipeline_create",
    summary="Create a pipeline",
)
def pipeline_create_route(request: HttpRequest, payload: PipelineCreateIn) -> Any:
    """Admins only. A pipeline needs at least one open, one won and one lost stage."""
    user = request_user(request)
    require_role(user, message=SETTINGS_DENIED)
    data = payload.model_dump(exclude={"stages"})
    stages = [stage.model_dump(exclude_unset=False) for stage in payload.stages] if payload.stages else None
    created = pipeline_services.pipeline_create(actor=user, data=data, stages=stages)
    return Status(201, _pipelines().get(pk=created.pk))


@router.patch(
    "/pipelines/{pipeline}",
    auth=settings_write,
    response=PipelineOut,
    url_name="pipeline_update",
    summary="Change a pipeline",
)
def pipeline_update_route(request: HttpRequest, pipeline: str, payload: PipelinePatchIn) -> Pipeline:
    """Admins only. `is_default: true` makes it the default pipeline; archiving hides it from boards."""
    user = request_user(request)
    instance = get_for_edit(Pipeline.objects.all(), user, pipeline, message=SETTINGS_DENIED)
    data = payload.model_dump(exclude_unset=True)
    archived = data.pop("is_archived", None)
    if archived is not None and archived != instance.is_archived:
        pipeline_services.pipeline_set_archived(pipeline=instance, actor=user, archived=archived)
    if data:
        pipeline_services.pipeline_update(pipeline=instance, actor=user, data=data)
    return _pipelines().get(pk=instance.pk)


@router.delete(
    "/pipelines/{pipeline}",
    auth=settings_write,
    response={204: None},
    url_name="pipeline_delete",
    summary="Delete an empty pipeline",
)
def pipeline_delete_route(request: HttpRequest, pipeline: str) -> Status[None]:
    """Admins only; a pipeline with deals is archived instead, and the default one stays."""
    user = request_user(request)
    instance = get_for_edit(Pipeline.objects.all(), user, pipeline, message=SETTINGS_DENIED)
    pipeline_services.pipeline_delete(pipeline=instance, actor=user)
    return Status(204, None)


@router.get(
    "/pipelines/{pipeline}/stages",
    auth=sales_read,
    response=list[StageOut],
    url_name="stage_list",
    summary="List the stages of a pipeline",
)
def stage_list_route(request: HttpRequest, pipeline: str) -> list[Stage]:
    instance = get_for_user(Pipeline.objects.all(), request_user(request), pipeline)
    return list(instance.stages.order_by("position", "id"))


@router.post(
    "/pipelines/{pipeline}/stages",
    auth=settings_write,
    response={201: StageOut},
    url_name="stage_create",
    summary="Add a stage to a pipeline",
)
def stage_create_route(request: HttpRequest, pipeline: str, payload: StageCreateIn) -> Any:
    user = request_user(request)
    instance = get_for_edit(Pipeline.objects.all(), user, pipeline, message=SETTINGS_DENIED)
    stage = pipeline_services.stage_create(pipeline=instance, actor=user, data=payload.model_dump())
    stage.refresh_from_db()
    return Status(201, stage)


@router.patch(
    "/stages/{stage}",
    auth=settings_write,
    response=StageOut,
    url_name="stage_update",
    summary="Change a stage",
)
def stage_update_route(request: HttpRequest, stage: str, payload: StagePatchIn) -> Stage:
    """Rename, reorder (`position`, 1 = first), change the probability, kind or required fields."""
    user = request_user(request)
    instance = get_for_edit(Stage.objects.select_related("pipeline"), user, stage, message=SETTINGS_DENIED)
    pipeline_services.stage_update(stage=instance, actor=user, data=payload.model_dump(exclude_unset=True))
    instance.refresh_from_db()
    return instance


@router.delete(
    "/stages/{stage}",
    auth=settings_write,
    response={204: None},
    url_name="stage_delete",
    summary="Delete an empty stage",
)
def stage_delete_route(request: HttpRequest, stage: str) -> Status[None]:
    user = request_user(request)
    instance = get_for_edit(Stage.objects.select_related("pipeline"), user, stage, message=SETTINGS_DENIED)
    pipeline_services.stage_delete(stage=instance, actor=user)
    return Status(204, None)


@router.get(
    "/lost-reasons",
    auth=sales_read,
    response=LostReasonPage,
    url_name="lost_reason_list",
    summary="List lost reasons",
)
def lost_reason_list_route(request: HttpRequest, page: Query[PageQuery], include_hidden: bool = False) -> Any:
    """The keys to give when moving a deal to a lost stage."""
    reasons = LostReason.objects.for_user(request_user(request))
    if not include_hidden:
        reasons = reasons.active()
    return paginate(reasons, page, key="created_at", namespace="lost-reasons", descending=False)


# --- Deals ----------------------------------------------------------------------------------------


@router.get("/deals", auth=sales_read, response=DealPage, url_name="deal_list", summary="List deals")
def deal_list_route(request: HttpRequest, filters: Query[DealListQuery], page: Query[PageQuery]) -> Any:
    """Newest first. Salespeople see their own, their teams' and unowned deals."""
    user = request_user(request)
    owner = filters.owner or ""
    if owner and owner not in ("me", "unassigned"):
        owner = str(_owner(user, owner).public_id)
    month = selectors.parse_month(filters.close_month) if filters.close_month else None
    if filters.close_month and month is None:
        raise field_error("close_month", "Use a month such as 2026-03.")
    deals = selectors.deal_search(
        user=user,
        filters=selectors.DealFilters(
            owner=owner,
            month=month,
            q=filters.q or "",
            pipeline=filters.pipeline,
            stage=filters.stage,
            status=filters.status,
        ),
    )
    if filters.contact:
        deals = deals.filter(
            Q(contact__public_id=filters.contact) | Q(other_contacts__public_id=filters.contact)
        ).distinct()
    if filters.company:
        deals = deals.filter(company__public_id=filters.company)
    deals = deals.prefetch_related(
        "other_contacts",
        Prefetch("lines", queryset=DealLine.objects.select_related("product").order_by("position", "id")),
    ).select_related("lost_reason")
    return paginate(deals, page, key="created_at", namespace="deals")


@router.get("/deals/{deal}", auth=sales_read, response=DealOut, url_name="deal_get", summary="Get a deal")
def deal_get_route(request: HttpRequest, deal: str) -> Deal:
    return get_for_user(_deals(), request_user(request), deal)


@router.post(
    "/deals", auth=sales_write, response={201: DealOut}, url_name="deal_create", summary="Create a deal"
)
def deal_create_route(
    request: HttpRequest, payload: DealCreateIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> HttpResponse:
    """In an open stage (default: the first of the default pipeline). The main contact becomes an
    opportunity. With `lines`, the amount is their total."""
    user = request_user(request)
    deal_services.check_can_work_deals(user)
    sent = payload.model_dump(exclude_unset=True, mode="json")

    def execute() -> tuple[int, dict[str, Any]]:
        data = _deal_data(user, payload)
        stage = _stage(user, payload.stage) if payload.stage else None
        if payload.pipeline:
            pipeline = _pipeline(user, payload.pipeline)
        elif stage is not None:
            pipeline = stage.pipeline
        else:
            pipeline = selectors.pipeline_for_board(user=user)
        data.update(pipeline=pipeline, stage=stage)
        created = deal_services.deal_create(actor=user, data=data)
        return 201, DealOut.model_validate(_fresh(created)).model_dump(mode="json")

    result = run_idempotent(
        user=user, key=idempotency_key, fingerprint=request_fingerprint(request, sent), execute=execute
    )
    return result.as_response()


@router.patch(
    "/deals/{deal}", auth=sales_write, response=DealOut, url_name="deal_update", summary="Change a deal"
)
def deal_update_route(request: HttpRequest, deal: str, payload: DealPatchIn) -> Deal:
    """Only the fields sent change. `lines` replaces every line; moving stages has its own route."""
    user = request_user(request)
    instance = get_for_edit(_deals(), user, deal, message=DEAL_DENIED)
    deal_services.deal_update(deal=instance, actor=user, data=_deal_data(user, payload))
    return _fresh(instance)


@router.delete(
    "/deals/{deal}", auth=sales_write, response={204: None}, url_name="deal_delete", summary="Delete a deal"
)
def deal_delete_route(request: HttpRequest, deal: str) -> Status[None]:
    """Its lines and stage history go with it; an order it produced stays."""
    user = request_user(request)
    instance = get_for_edit(_deals(), user, deal, message=DEAL_DENIED)
    deal_services.deal_delete(deal=instance, actor=user)
    return Status(204, None)


@router.post(
    "/deals/{deal}/move",
    auth=sales_write,
    response=DealOut,
    url_name="deal_move",
    summary="Move a deal to another stage (won and lost included)",
)
def deal_move_route(request: HttpRequest, deal: str, payload: DealMoveIn) -> Deal:
    """The stage must belong to the deal's pipeline, and the deal must have the fields the stage
    requires. A lost stage needs `lost_reason`. Winning records the order and makes the contact a
    customer."""
    user = request_user(request)
    instance = get_for_edit(_deals(), user, deal, message=DEAL_DENIED)
    stage = _stage(user, payload.stage)
    deal_services.deal_move(
        deal=instance,
        stage=stage,
        actor=user,
        position=payload.position,
        lost_reason=payload.lost_reason,
        lost_comment=payload.lost_comment,
    )
    return _fresh(instance)
