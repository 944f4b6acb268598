"""Reads of pipelines and deals: the kanban board, the deal list and its CSV export, a deal's page
and a contact's deals.

The board and the list issue a fixed number of queries however many deals there are: column totals
come from one grouped aggregate, and the cards of every column from one query that takes the first
`BOARD_COLUMN_LIMIT` of each column by index (won and lost columns hold recent deals only).
"""

from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from leadline.accounts.models import User
from leadline.accounts.selectors import active_users
from leadline.activity.models import Activity
from leadline.contacts.csvio import CsvLineWriter
from leadline.contacts.models import Contact
from leadline.core.access import get_for_user, parse_public_id
from leadline.sales.currencies import format_money
from leadline.sales.models import (
    Deal,
    DealLine,
    DealStageChange,
    DealStatus,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)

BOARD_COLUMN_LIMIT = 50
RECENT_CLOSED_DAYS = 30
TIMELINE_LIMIT = 50
CARD_RELATED = ("contact", "company", "owner")


# --- Filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealFilters:
    """What the board and the list narrow deals by. Values that make no sense are dropped."""

    owner: str = ""  # "", "me", "unassigned" or a user's public id
    month: date | None = None  # first day of the expected close month
    q: str = ""
    pipeline: uuid.UUID | None = None
    stage: uuid.UUID | None = None
    status: str = "open"  # "open", "won", "lost" or "all" (the list only)
    sort: str = "-created"

    @property
    def is_filtered(self) -> bool:
        return bool(self.owner or self.month or self.q or self.stage or self.status != "open")

    @property
    def month_value(self) -> str:
        return self.month.strftime("%Y-%m") if self.month else ""


SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "amount": ("amount", "id"),
    "close": ("expected_close_date", "id"),
    "stage": ("pipeline__position", "stage__position", "id"),
    "owner": ("owner__first_name", "owner__last_name", "id"),
    "created": ("created_at", "id"),
    "updated": ("updated_at", "id"),
}
SORT_LABELS = [
    ("name", "Deal"),
    ("stage", "Stage"),
    ("amount", "Amount"),
    ("close", "Close date"),
    ("owner", "Owner"),
    ("created", "Created"),
]


def _text(params: Mapping[str, Any], name: str, limit: int = 200) -> str:
    value = params.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def parse_month(value: str) -> date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1) if 1900 < year < 3000 else None
    except (ValueError, TypeError):
        return None


def deal_filters(params: Mapping[str, Any]) -> DealFilters:
    """The filters of a query string (board, list and export share them)."""
    owner = _text(params, "owner", 40)
    if owner not in ("", "me", "unassigned"):
        parsed = parse_public_id(owner)
        owner = str(parsed) if parsed else ""
    status = _text(params, "status", 10) or "open"
    sort = _text(params, "sort", 20) or "-created"
    return DealFilters(
        owner=owner,
        month=parse_month(_text(params, "month", 7)),
        q=_text(params, "q", 200),
        pipeline=parse_public_id(_text(params, "pipeline", 40)) if params.get("pipeline") else None,
        stage=parse_public_id(_text(params, "stage", 40)) if params.get("stage") else None,
        status=status if status in ("open", "won", "lost", "all") else "open",
        sort=sort if sort.lstrip("-") in SORTS else "-created",
    )


def _narrow(deals: QuerySet[Deal], user: User, filters: DealFilters) -> QuerySet[Deal]:
    if filters.owner == "me":
        deals = deals.filter(owner=user)
    elif filters.owner == "unassigned":
        deals = deals.filter(owner__isnull=True)
    elif filters.owner:
        deals = deals.filter(owner__public_id=filters.owner)
    if filters.month:
        last_day = calendar.monthrange(filters.month.year, filters.month.month)[1]
        deals = deals.filter(
            expected_close_date__gte=filters.month,
            expected_close_date__lte=filters.month.replace(day=last_day),
        )
    if filters.q:
        deals = deals.filter(name__icontains=filters.q)
    return deals


# --- Pipelines ------------------------------------------------------------------------------------


def pipeline_list(
    *, user: User, include_archived: bool = False, with_stages: bool = True
) -> QuerySet[Pipeline]:
    pipelines = Pipeline.objects.for_user(user).order_by("position", "name")
    if not include_archived:
        pipelines = pipelines.filter(is_archived=False)
    if not with_stages:
        return pipelines
    return pipelines.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("position", "id")))


def pipeline_for_board(*, user: User, public_id: Any = None) -> Pipeline:
    """The pipeline asked for, or the default one (else the first): 404 when there is none."""
    if public_id is not None:
        return get_for_user(Pipeline.objects, user, public_id)
    pipelines = Pipeline.objects.for_user(user).filter(is_archived=False)
    pipeline = pipelines.filter(is_default=True).first() or pipelines.first()
    if pipeline is None:
        raise Http404("No pipeline")
    return pipeline


def lost_reasons() -> QuerySet[LostReason]:
    return LostReason.objects.active()


def deal_owners() -> QuerySet[User]:
    """People who can own deals: the filter and the form offer them."""
    return active_users().exclude(role="marketing")


# --- The board ------------------------------------------------------------------------------------


@dataclass
class ColumnTotal:
    currency: str
    total: Decimal
    weighted: Decimal

    @property
    def total_display(self) -> str:
        return format_money(self.total, self.currency, cents=False)

    @property
    def weighted_display(self) -> str:
        return format_money(self.weighted, self.currency, cents=False)


@dataclass(frozen=True)
class BoardCard:
    """What a card shows, worked out once in Python: the board renders hundreds of them."""

    public_id: str
    name: str
    who: str
    amount: str
    close_iso: str
    close_text: str
    overdue: bool
    owner_name: str
    owner_initials: str
    rotting_days: int | None


def _card(deal: Deal, *, today: date, now: datetime, rotting_before: datetime | None) -> BoardCard:
    contact, company, owner = deal.contact, deal.company, deal.owner
    who = " · ".join(
        part for part in (contact.display_name if contact else "", company.name if company else "") if part
    )
    close = deal.expected_close_date
    rotting = (
        (now - deal.last_activity_at).days
        if rotting_before is not None
        and deal.status == DealStatus.OPEN
        and deal.last_activity_at < rotting_before
        else None
    )
    initials = ""
    if owner is not None:
        initials = ((owner.first_name or owner.email or "?")[:1] + (owner.last_name or "")[:1]).upper()
    return BoardCard(
        public_id=str(deal.public_id),
        name=deal.name,
        who=who,
        amount=format_money(deal.amount, deal.currency, cents=False),
        close_iso=close.isoformat() if close else "",
        close_text=f"{close.day} {close:%b}" if close else "",
        overdue=bool(close and deal.status == DealStatus.OPEN and close < today),
        owner_name=owner.display_name if owner else "",
        owner_initials=initials,
        rotting_days=rotting,
    )


@dataclass
class BoardColumn:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    cards: list[BoardCard] = field(default_factory=list)
    count: int = 0
    rotting: int = 0
    totals: list[ColumnTotal] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.stage.kind != StageKind.OPEN

    @property
    def hidden(self) -> int:
        return max(self.count - len(self.deals), 0)


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[BoardColumn]
    filters: DealFilters
    now: datetime
    closed_since: datetime
    rotting_before: datetime | None

    @property
    def open_count(self) -> int:
        return sum(column.count for column in self.columns if not column.is_closed)

    def is_rotting(self, deal: Deal) -> bool:
        return (
            self.rotting_before is not None
            and deal.status == DealStatus.OPEN
            and deal.last_activity_at < self.rotting_before
        )


def _union_ids(querysets: list[QuerySet[Deal]]) -> RawSQL | None:
    """One SQL expression yielding the ids of every (ordered, sliced) queryset: UNION ALL of them."""
    parts: list[str] = []
    params: list[Any] = []
    for index, queryset in enumerate(querysets):
        sql, part_params = queryset.values_list("id", flat=True).query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS column_{index}")  # noqa: S608 - compiled by the ORM
        params.extend(part_params)
    if not parts:
        return None
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611 - SQL compiled by the ORM, values as parameters


def _column_base(deals: QuerySet[Deal], stage: Stage, closed_since: datetime) -> QuerySet[Deal]:
    if stage.kind == StageKind.OPEN:
        return deals.filter(stage=stage, status=DealStatus.OPEN).order_by("position", "id")
    return deals.filter(stage=stage, closed_at__gte=closed_since).order_by("-closed_at", "-id")


def board_totals(
    *, user: User, pipeline: Pipeline, stages: list[Stage], filters: DealFilters, now: datetime | None = None
) -> dict[int, tuple[int, int, list[ColumnTotal]]]:
    """stage id → (count, rotting count, totals per currency) under the board's filters."""
    now = now or timezone.now()
    closed_since = now - timedelta(days=RECENT_CLOSED_DAYS)
    rotting_before = now - timedelta(days=pipeline.rotting_days) if pipeline.rotting_days else None
    deals = _narrow(Deal.objects.for_user(user).filter(pipeline=pipeline), user, filters)
    # Two grouped queries, each served by an index: open deals (sales_deal_totals covers them) and
    # the won and lost columns' recent deals (sales_deal_closed).
    rotting = Count("id", filter=Q(last_activity_at__lt=rotting_before)) if rotting_before else Value(0)
    rows: list[Any] = list(
        deals.filter(status=DealStatus.OPEN)
        .order_by()
        .values("stage_id", "currency")
        .annotate(count=Count("id"), total=Sum("amount"), rotting=rotting)
    )
    closed_ids = [stage.pk for stage in stages if stage.kind != StageKind.OPEN]
    if closed_ids:
        rows += list(
            deals.filter(stage_id__in=closed_ids, closed_at__gte=closed_since)
            .order_by()
            .values("stage_id", "currency")
            .annotate(count=Count("id"), total=Sum("amount"), rotting=Value(0))
        )
    probability = {stage.pk: stage.probability for stage in stages}
    result: dict[int, tuple[int, int, list[ColumnTotal]]] = {}
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row["stage_id"]].append(row)
    for stage_id, stage_rows in grouped.items():
        totals = []
        for row in sorted(stage_rows, key=lambda row: (-row["count"], row["currency"])):
            total = Decimal(row["total"] or 0)
            weighted = (total * probability.get(stage_id, 0) / Decimal(100)).quantize(Decimal("0.01"))
            totals.append(ColumnTotal(row["currency"], total, weighted))
        result[stage_id] = (
            sum(row["count"] for row in stage_rows),
            sum(row["rotting"] for row in stage_rows),
            [total for total in totals if total.total or len(totals) == 1],
        )
    return result


def deal_board(*, user: User, pipeline: Pipeline, filters: DealFilters, now: datetime | None = None) -> Board:
    """The columns of `pipeline` with their totals and first cards, in three queries."""
    now = now or timezone.now()
    closed_since = now - timedelta(days=RECENT_CLOSED_DAYS)
    stages = list(pipeline.stages.order_by("position", "id"))
    deals = _narrow(Deal.objects.for_user(user).filter(pipeline=pipeline), user, filters)
    ids = _union_ids([_column_base(deals, stage, closed_since)[:BOARD_COLUMN_LIMIT] for stage in stages])
    cards: dict[int, list[Deal]] = defaultdict(list)
    if ids is not None:
        for deal in Deal.objects.filter(id__in=ids).select_related(*CARD_RELATED).order_by():
            cards[deal.stage_id].append(deal)
    totals = board_totals(user=user, pipeline=pipeline, stages=stages, filters=filters, now=now)
    rotting_before = now - timedelta(days=pipeline.rotting_days) if pipeline.rotting_days else None
    today = timezone.localdate(now)
    columns = []
    for stage in stages:
        column_deals = cards.get(stage.pk, [])
        if stage.kind == StageKind.OPEN:
            column_deals.sort(key=lambda deal: (deal.position, deal.pk))
        else:
            column_deals.sort(key=lambda deal: (deal.closed_at or now, deal.pk), reverse=True)
        for deal in column_deals:
            deal.stage = stage  # the cards need the stage's probability and kind, already at hand
        count, rotting, column_totals = totals.get(stage.pk, (0, 0, []))
        column_cards = [
            _card(deal, today=today, now=now, rotting_before=rotting_before) for deal in column_deals
        ]
        columns.append(
            BoardColumn(
                stage=stage,
                deals=column_deals,
                cards=column_cards,
                count=count,
                rotting=rotting,
                totals=column_totals,
            )
        )
    return Board(
        pipeline=pipeline,
        columns=columns,
        filters=filters,
        now=now,
        closed_since=closed_since,
        rotting_before=rotting_before,
    )


# --- The list and its export ----------------------------------------------------------------------


def deal_search(*, user: User, filters: DealFilters) -> QuerySet[Deal]:
    """The deals of the list screen, export and API: visible to `user`, filtered and sorted."""
    deals = _narrow(Deal.objects.for_user(user), user, filters)
    if filters.pipeline:
        deals = deals.filter(pipeline__public_id=filters.pipeline)
    if filters.stage:
        deals = deals.filter(stage__public_id=filters.stage)
    if filters.status != "all":
        deals = deals.filter(status=filters.status)
    key = filters.sort.lstrip("-")
    columns = SORTS.get(key, SORTS["created"])
    descending = filters.sort.startswith("-")
    ordering = [f"-{column}" if descending else column for column in columns]
    return deals.select_related("pipeline", "stage", *CARD_RELATED).order_by(*ordering)


EXPORT_HEADERS = [
    "Deal",
    "Pipeline",
    "Stage",
    "Status",
    "Amount",
    "Currency",
    "Weighted amount",
    "Expected close date",
    "Contact",
    "Contact email",
    "Company",
    "Owner",
    "Lost reason",
    "Created at",
    "Closed at",
    "Id",
]
BYTE_ORDER_MARK = "\ufeff"


def _stamp(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def export_deal_row(deal: Deal) -> list[Any]:
    contact = deal.contact
    return [
        deal.name,
        deal.pipeline.name,
        deal.stage.name,
        deal.get_status_display(),
        deal.amount if deal.amount is not None else "",
        deal.currency,
        deal.weighted_amount if deal.amount is not None else "",
        deal.expected_close_date.isoformat() if deal.expected_close_date else "",
        contact.display_name if contact else "",
        (contact.email or "") if contact else "",
        deal.company.name if deal.company else "",
        deal.owner.email if deal.owner else "",
        deal.lost_reason.label if deal.lost_reason else "",
        _stamp(deal.created_at),
        _stamp(deal.closed_at),
        str(deal.public_id),
    ]


def export_deal_lines(deals: QuerySet[Deal]) -> Iterator[str]:
    """The CSV file as lines; every cell goes through `safe_cell`, so nothing runs as a formula."""
    writer = CsvLineWriter()
    yield BYTE_ORDER_MARK + writer.line(list(EXPORT_HEADERS))
    for deal in deals.select_related("lost_reason").iterator(chunk_size=2000):
        yield writer.line(export_deal_row(deal))


def stream_deal_export(deals: QuerySet[Deal]) -> Iterator[bytes]:
    buffer: list[str] = []
    for line in export_deal_lines(deals):
        buffer.append(line)
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


# --- One deal, a contact's deals ------------------------------------------------------------------


def deal_get(*, user: User, public_id: Any, for_edit: bool = False) -> Deal:
    queryset = Deal.objects.select_related(
        "pipeline", "stage", "contact", "contact__company", "company", "owner", "lost_reason"
    )
    return get_for_user(queryset, user, public_id, for_edit=for_edit)


def deal_can_edit(*, user: User, deal: Deal) -> bool:
    return Deal.objects.for_user(user, for_edit=True).filter(pk=deal.pk).exists()


def deal_lines(deal: Deal) -> list[DealLine]:
    return list(deal.lines.select_related("product").order_by("position", "id"))


def deal_stage_history(deal: Deal) -> list[DealStageChange]:
    return list(
        deal.stage_changes.select_related("from_stage", "to_stage", "actor").order_by("-changed_at", "-id")
    )


def deal_timeline(*, user: User, deal: Deal, limit: int = TIMELINE_LIMIT) -> list[Activity]:
    """Entries about this deal (its events, notes kept on it) on the timelines of its people."""
    contact_ids = list(deal.other_contacts.values_list("pk", flat=True))
    if deal.contact_id:
        contact_ids.append(deal.contact_id)
    if not contact_ids:
        return []
    return list(
        Activity.objects.for_user(user)
        .filter(contact_id__in=contact_ids, data__deal=str(deal.public_id))
        .select_related("actor", "contact")
        .order_by("-occurred_at", "-id")[:limit]
    )


def contact_deals(*, user: User, contact: Contact) -> list[Deal]:
    """Deals where the contact is the main or another contact, open ones first."""
    deals = (
        Deal.objects.for_user(user)
        .filter(
            Q(contact=contact)
            | Q(pk__in=Deal.other_contacts.through.objects.filter(contact=contact).values("deal_id"))
        )
        .select_related("pipeline", "stage", "owner")
        .order_by("-updated_at", "-id")[:50]
    )
    return sorted(deals, key=lambda deal: (deal.status != DealStatus.OPEN,))
