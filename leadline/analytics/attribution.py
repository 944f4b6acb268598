"""Multi-touch attribution: which channels and campaigns led to leads, SQLs, won deals and revenue.

A path is the touchpoints of a contact before one of their conversions (within a look-back
window): their website sessions (with the source / medium / campaign of the session's first page
view) and the marketing emails sent to them. Each model splits one conversion — and its revenue —
over its path: first touch, last touch, linear, time decay (a touch `half_life` older counts half),
position based (40% first, 40% last, 20% shared by the middle) and data-driven: the removal effect
of a first-order Markov chain with start, conversion and null states (Anderl, Becker, von
Wangenheim & Schumann 2016), learnt from converting paths and from the paths of contacts who did
not convert; each conversion is then split over its own path in proportion to the removal effects
of the channels on it (the table also shows each channel's removal effect). A conversion without any touchpoint is credited to "(no touchpoint)", so every model
hands out exactly the conversions and revenue there are. Revenue stays in its own currency.

The visits are read from the touchpoint rollup (`analytics.rollups`: one row per contact and visit),
plus the page views the worker has not folded yet; the rest with a few grouped queries. The paths
are then handled as numpy arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import BigIntegerField, F, Func, Min, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Round
from django.utils import timezone
from numpy.typing import NDArray

from leadline.activity.models import Activity, Cursor, Kind
from leadline.analytics.models import TouchOrigin
from leadline.analytics.paths import PackedTouches, paths_read, session_key
from leadline.contacts.models import Contact, LifecycleStage
from leadline.sales.models import Deal, DealStatus, Order

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov")
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position based",
    "markov": "Data-driven (Markov)",
}
CONVERSIONS = {
    "lead": "Leads created",
    "sql": "Sales-qualified leads",
    "deal_won": "Deals won",
    "order": "Revenue (orders, net of refunds)",
}
DIMENSIONS = {"channel": "Channel (source / medium)", "campaign": "Campaign"}
TOUCHPOINTS = {
    "all": "Sessions and marketing emails",
    "sessions": "Website sessions",
    "emails": "Marketing emails",
}
NO_TOUCHPOINT = "(no touchpoint)"
DIRECT_SOURCE = "(direct)"
NO_MEDIUM = "(none)"
NO_CAMPAIGN = "(no campaign)"
EMAIL_SOURCE = "leadline"
EMAIL_MEDIUM = "email"
AUTOMATED_EMAIL = "(automated email)"
DEFAULT_LOOKBACK_DAYS = 90
DEFAULT_HALF_LIFE_DAYS = 7.0
DEFAULT_RANGE_DAYS = 90
MAX_MARKOV_STATES = 400
POSITION_ENDS = 0.4
_TIME_BITS = 34  # seconds since the window's start fit in 34 bits for 500 years
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class AttributionError(ValueError):
    """A parameter is out of range (unknown model, conversion, dates the wrong way round...)."""


# --- Pure functions over paths ----------------------------------------------------------------------


def path_positions(
    offsets: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """For touches grouped by `offsets` (path i is touches offsets[i]:offsets[i+1]): each touch's
    path index, its position in the path and its path's length."""
    lengths = np.diff(offsets)
    path = np.repeat(np.arange(lengths.size), lengths)
    position = np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], lengths)
    return path, position, lengths[path]


def touch_weights(
    model: str,
    offsets: NDArray[np.int64],
    ages_days: NDArray[np.float64] | None = None,
    *,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> NDArray[np.float64]:
    """The share of its conversion each touch gets under a rule-based model (each path sums to 1).
    `ages_days` is how long before the conversion each touch happened (for time decay)."""
    path, position, length = path_positions(offsets)
    if model == "first_touch":
        return (position == 0).astype(np.float64)
    if model == "last_touch":
        return (position == length - 1).astype(np.float64)
    if model == "linear":
        return 1.0 / length
    if model == "position_based":
        middle = (1 - 2 * POSITION_ENDS) / np.maximum(length - 2, 1)
        ends = np.where(length == 2, 0.5, POSITION_ENDS)
        weights = np.where((position == 0) | (position == length - 1), ends, middle)
        return np.where(length == 1, 1.0, weights)
    if model == "time_decay":
        if ages_days is None:
            raise AttributionError("Time decay needs the age of each touch.")
        if half_life_days <= 0:
            raise AttributionError("The half-life must be positive.")
        raw = np.exp2(-np.maximum(ages_days, 0.0) / half_life_days)
        totals = np.bincount(path, weights=raw, minlength=offsets.size - 1)
        return np.asarray(raw / totals[path], dtype=np.float64)
    raise AttributionError(f"Unknown rule-based model “{model}”.")


@dataclass(frozen=True)
class MarkovResult:
    conversion_probability: float
    removal_effects: NDArray[np.float64]  # per state
    shares: NDArray[np.float64]  # removal effects normalised to sum to 1


def markov_removal_effects(
    converting_states: NDArray[np.int64],
    converting_offsets: NDArray[np.int64],
    null_states: NDArray[np.int64],
    null_offsets: NDArray[np.int64],
    state_count: int,
) -> MarkovResult:
    """First-order Markov chain over states 0..state_count-1 plus start, conversion and null; the
    removal effect of a state is the share of conversions lost when it leads nowhere (to null)."""
    start, conversion, null = state_count, state_count + 1, state_count + 2
    counts = np.zeros((state_count + 1, state_count + 3), dtype=np.float64)
    for states, offsets, end in (
        (converting_states, converting_offsets, conversion),
        (null_states, null_offsets, null),
    ):
        if offsets.size < 2 or offsets[-1] == 0:
            continue
        lengths = np.diff(offsets)
        nonempty = lengths > 0
        _path, position, _length = path_positions(offsets)
        previous = np.where(position == 0, start, np.roll(states, 1))
        np.add.at(counts, (previous, states), 1.0)
        last = states[offsets[1:][nonempty] - 1]
        np.add.at(counts, (last, np.full(last.size, end)), 1.0)
    totals = counts.sum(axis=1, keepdims=True)
    transitions = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    transient = transitions[:, : state_count + 1]
    to_conversion = transitions[:, conversion]
    try:
        fundamental = np.linalg.inv(np.eye(state_count + 1) - transient)
    except np.linalg.LinAlgError:
        fundamental = np.linalg.pinv(np.eye(state_count + 1) - transient)
    absorbed = fundamental @ to_conversion
    probability = float(absorbed[start])
    effects = np.zeros(state_count, dtype=np.float64)
    if probability > 0:
        diagonal = np.diag(fundamental)[:state_count]
        reach = np.divide(
            fundamental[start, :state_count], diagonal, out=np.zeros(state_count), where=diagonal > 0
        )
        without = probability - reach * absorbed[:state_count]
        effects = np.clip(1 - without / probability, 0.0, 1.0)
    total = float(effects.sum())
    shares = effects / total if total > 0 else np.zeros_like(effects)
    return MarkovResult(conversion_probability=probability, removal_effects=effects, shares=shares)


def largest_remainder(amounts: NDArray[np.float64], total: int) -> NDArray[np.int64]:
    """Round non-negative amounts to integers that add up to exactly `total` (Hamilton's method)."""
    if amounts.size == 0:
        return np.zeros(0, dtype=np.int64)
    floors = np.floor(amounts).astype(np.int64)
    short = int(total - floors.sum())
    if short > 0:
        order = np.argsort(-(amounts - floors), kind="stable")
        floors[order[:short]] += 1
    elif short < 0:
        order = np.argsort(amounts - floors, kind="stable")
        for index in order[:-short]:
            if floors[index] > 0:
                floors[index] -= 1
    return floors


# --- Reading conversions and touchpoints -------------------------------------------------------------


@dataclass
class _Conversions:
    contact_ids: NDArray[np.int64]
    seconds: NDArray[np.float64]
    cents: NDArray[np.int64]
    currencies: list[str]  # one per conversion ("" when the conversion has no value)


@dataclass
class _Touches:
    contact_ids: NDArray[np.int64]
    seconds: NDArray[np.float64]
    kinds: NDArray[np.int64]  # per touch, its index in `origins`
    origins: list[tuple[str, str, str]]  # the (source, medium, campaign) the touches came from


@dataclass
class _Visits:
    contacts: NDArray[np.int64]
    seconds: NDArray[np.float64]
    kinds: NDArray[np.int64]  # per visit, its number in the origins being collected
    sessions: NDArray[np.int64] | None  # session keys; None: at most one row per visit


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


class _Moment(Func):
    """A timestamp as numpy reads it fastest: microseconds since 1970 on PostgreSQL, the stored UTC
    text on SQLite (read raw, see `_raw_rows`; `_epoch_seconds` takes either)."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint", **extra
        )


def _in_cents(amount: Any) -> Cast:
    return Cast(Round(amount * 100), BigIntegerField())


def _conversions(
    kind: str, start: datetime, end: datetime, owner_id: int | None, currency: str | None
) -> _Conversions:
    """Each conversion as (contact, moment, value in cents or None, currency), read raw."""
    owned = Q(contact__owner_id=owner_id) if owner_id is not None else Q()
    queryset: QuerySet[Any]
    if kind == "lead":
        queryset = Contact.objects.filter(
            Q(owner_id=owner_id) if owner_id is not None else Q(), created_at__gte=start, created_at__lt=end
        ).values_list("id", _Moment("created_at"), Value(None, output_field=BigIntegerField()), Value(""))
    elif kind == "sql":
        queryset = (
            Activity.objects.filter(
                Q(kind=Kind.HANDOFF_ACCEPTED) | Q(kind=Kind.STAGE_CHANGED, data__to=LifecycleStage.SQL),
                owned,
                contact__isnull=False,
                occurred_at__gte=start,
                occurred_at__lt=end,
            )
            .values("contact_id")
            .annotate(at=_Moment(Min("occurred_at")))
            .values_list("contact_id", "at", Value(None, output_field=BigIntegerField()), Value(""))
        )
    elif kind == "deal_won":
        queryset = Deal.objects.filter(
            owned,
            status=DealStatus.WON,
            contact__isnull=False,
            closed_at__gte=start,
            closed_at__lt=end,
        )
        if currency:
            queryset = queryset.filter(currency=currency)
        queryset = queryset.values_list(
            "contact_id", _Moment("closed_at"), _in_cents(F("amount")), "currency"
        )
    elif kind == "order":
        queryset = Order.objects.filter(owned, ordered_at__gte=start, ordered_at__lt=end).exclude(
            Q(refunded_total__gt=0) & Q(refunded_total__gte=F("total"))
        )
        if currency:
            queryset = queryset.filter(currency=currency)
        queryset = queryset.values_list(
            "contact_id", _Moment("ordered_at"), _in_cents(F("total") - F("refunded_total")), "currency"
        )
    else:
        raise AttributionError(f"Unknown conversion “{kind}”: use one of {', '.join(CONVERSIONS)}.")
    rows = _raw_rows(queryset.order_by())
    contact_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    seconds = _epoch_seconds([row[1] for row in rows])
    order = np.lexsort((seconds, contact_ids))
    return _Conversions(
        contact_ids=contact_ids[order],
        seconds=seconds[order],
        cents=np.fromiter((row[2] or 0 for row in rows), dtype=np.int64, count=len(rows))[order],
        currencies=[rows[index][3] if rows[index][2] is not None else "" for index in order.tolist()],
    )


def _raw_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query straight from the cursor, without Django's per-value
    conversions (the bulk of the time for a hundred thousand sessions)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _epoch_seconds(values: Sequence[Any]) -> NDArray[np.float64]:
    """Seconds since 1970 of raw timestamp values: datetimes (PostgreSQL) or UTC text (SQLite)."""
    if not values:
        return np.zeros(0, dtype=np.float64)
    if isinstance(values[0], int):  # microseconds, as `_Moment` reads them on PostgreSQL
        return np.array(values, dtype=np.int64).astype(np.float64) / 1e6
    if isinstance(values[0], str):
        # Django keeps SQLite timestamps as naive UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]", which
        # numpy reads as it is; anything longer carries an offset (of zero) to drop first.
        texts = (
            values
            if all(len(value) <= 26 for value in values)
            else [value.replace(" ", "T").removesuffix("Z").split("+", 1)[0] for value in values]
        )
        parsed = np.array(texts, dtype="datetime64[us]")
        return parsed.astype(np.int64).astype(np.float64) / 1e6
    # Naive datetimes (SQLite's converter for a plain column) are UTC. Whole microseconds first,
    # then seconds: the same float as datetime.timestamp() and as the text path above.
    return (
        np.fromiter(
            ((value.replace(tzinfo=value.tzinfo or UTC) - EPOCH) // MICROSECOND for value in values),
            dtype=np.int64,
            count=len(values),
        ).astype(np.float64)
        / 1e6
    )


def _aware(value: Any) -> datetime:
    """A raw timestamp (text or a naive datetime on SQLite, UTC) as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _session_rows(
    start: datetime, end: datetime, owner_id: int | None, origins: dict[tuple[str, str, str], int]
) -> _Visits:
    """Candidates for each visit's first page view inside [start, end): contact, moment (seconds
    since 1970), origin and, when there may be several per visit, the session. They are the visits
    the touchpoint rollup has folded (read packed, see `analytics.paths`), plus the page views the
    worker has not folded yet, read raw; a visit that began before `start` and went on past it
    counts from its first page view inside the window, read raw too (they are few: visits are
    short). Several candidates of one visit are fine: the earliest wins."""
    from leadline.analytics.rollups import ROLLUP_CURSOR, epoch_us

    owned = Q(contact__owner_id=owner_id) if owner_id is not None else Q()
    position = Cursor.objects.filter(name=ROLLUP_CURSOR).values_list("position", flat=True).first() or 0
    if not position:
        # The worker has never run: every page view is read raw.
        unread = _raw_rows(
            Activity.objects.filter(
                owned,
                kind=Kind.PAGE_VIEW,
                contact__isnull=False,
                occurred_at__gte=start,
                occurred_at__lt=end,
            )
            .values("contact_id", "session_id", "source", "medium", "campaign")
            .annotate(at=Min("occurred_at"))
            .order_by()
            .values_list("contact_id", "session_id", "source", "medium", "campaign", "at")
        )
        return _visits(None, unread, [_epoch_seconds([row[5] for row in unread])], origins)
    # The activity rows the worker has not read yet, found by id alone (the log's tail is short).
    tail = Activity.objects.order_by().filter(id__gt=position)
    if owner_id is not None:
        tail = tail.filter(owned)
    unread = [
        row
        for row in _raw_rows(
            tail.values_list(
                "contact_id", "session_id", "source", "medium", "campaign", "occurred_at", "kind"
            )
        )
        if row[6] == Kind.PAGE_VIEW and row[0] is not None and start <= _aware(row[5]) < end
    ]
    extra = [row[:5] for row in unread]
    extra_seconds = [_epoch_seconds([row[5] for row in unread])]
    start_us, end_us = epoch_us(start), epoch_us(end)
    owned_ids = None
    if owner_id is not None:
        owned_ids = np.array(
            sorted(Contact.objects.filter(owner_id=owner_id).values_list("id", flat=True)), dtype=np.int64
        )
    folded, straddling = paths_read(start_us, end_us, owned_ids)
    if straddling.contacts.size:
        visits = set(zip(straddling.contacts.tolist(), straddling.sessions.tolist(), strict=True))
        until = min(end, EPOCH + timedelta(microseconds=int(straddling.last_us.max()) + 1))
        views = [
            row
            for row in _raw_rows(
                Activity.objects.filter(
                    kind=Kind.PAGE_VIEW,
                    contact__isnull=False,
                    occurred_at__gte=start,
                    occurred_at__lt=until,
                    id__lte=position,
                )
                .order_by()
                .values_list("contact_id", "session_id", "source", "medium", "campaign", "occurred_at")
            )
            if (row[0], session_key(row[1])) in visits
        ]
        extra.extend(row[:5] for row in views)
        extra_seconds.append(_epoch_seconds([row[5] for row in views]))
    return _visits(folded, extra, extra_seconds, origins)


def _origin_numbers(
    origin_ids: NDArray[np.int64], origins: dict[tuple[str, str, str], int]
) -> NDArray[np.int64]:
    """Per `TouchOrigin` id, its number in `origins` (numbering the ones not there yet)."""
    if not origin_ids.size:
        return np.zeros(0, dtype=np.int64)
    used, inverse = (
        (np.flatnonzero(np.bincount(origin_ids)), None)
        if int(origin_ids.max()) < 1 << 22
        else np.unique(origin_ids, return_inverse=True)
    )
    table = {
        pk: (source, medium, campaign)
        for pk, source, medium, campaign in TouchOrigin.objects.filter(pk__in=used.tolist()).values_list(
            "pk", "source", "medium", "campaign"
        )
    }
    numbers = np.array([origins.setdefault(table[pk], len(origins)) for pk in used.tolist()], dtype=np.int64)
    if inverse is not None:
        return numbers[inverse.reshape(-1)]
    lookup = np.zeros(int(used[-1]) + 1, dtype=np.int64)
    lookup[used] = numbers
    return lookup[origin_ids]


def _visits(
    folded: PackedTouches | None,
    extra: list[tuple[Any, ...]],
    extra_seconds: list[NDArray[np.float64]],
    origins: dict[tuple[str, str, str], int],
) -> _Visits:
    """Packed folded visits and raw rows (contact, session, source, medium, campaign) as arrays;
    origins are numbered in `origins`. Sessions are only kept when there are raw rows."""

    folded = folded or PackedTouches(*(np.zeros(0, dtype=np.int64) for _ in range(4)))
    folded_kinds = _origin_numbers(folded.origins, origins)
    extra_kinds = np.fromiter(
        (origins.setdefault((row[2], row[3], row[4]), len(origins)) for row in extra),
        dtype=np.int64,
        count=len(extra),
    )
    sessions = None
    if extra:
        sessions = np.concatenate(
            [
                folded.sessions,
                np.fromiter((session_key(row[1]) for row in extra), dtype=np.int64, count=len(extra)),
            ]
        )
    return _Visits(
        contacts=np.concatenate(
            [folded.contacts, np.fromiter((row[0] for row in extra), dtype=np.int64, count=len(extra))]
        ),
        seconds=np.concatenate([folded.us.astype(np.float64) / 1e6, *extra_seconds]),
        kinds=np.concatenate([folded_kinds, extra_kinds]),
        sessions=sessions,
    )


def _touches(start: datetime, end: datetime, owner_id: int | None, touchpoints: str) -> _Touches:
    if touchpoints not in TOUCHPOINTS:
        raise AttributionError(f"Unknown touchpoints “{touchpoints}”: use one of {', '.join(TOUCHPOINTS)}.")
    owned = Q(contact__owner_id=owner_id) if owner_id is not None else Q()
    contact_parts: list[NDArray[np.int64]] = []
    second_parts: list[NDArray[np.float64]] = []
    kind_parts: list[NDArray[np.int64]] = []
    origins: dict[tuple[str, str, str], int] = {}

    def kinds_of(triples: Iterable[tuple[str, str, str]], count: int) -> NDArray[np.int64]:
        return np.fromiter(
            (origins.setdefault(triple, len(origins)) for triple in triples), dtype=np.int64, count=count
        )

    presorted = False  # the packed visits alone come in (contact, time) order
    if touchpoints in ("all", "sessions"):
        # The session's channel is that of its first page view inside the window.
        visits = _session_rows(start, end, owner_id, origins)
        if visits.contacts.size:
            contacts, seconds = visits.contacts, visits.seconds
            if visits.sessions is None:
                kept = np.arange(contacts.size)
            else:
                sessions = visits.sessions
                order = np.lexsort((seconds, sessions, contacts))
                first = np.ones(order.size, dtype=bool)
                first[1:] = (contacts[order][1:] != contacts[order][:-1]) | (
                    sessions[order][1:] != sessions[order][:-1]
                )
                kept = order[first]
            contact_parts.append(contacts[kept])
            presorted = visits.sessions is None
            second_parts.append(seconds[kept])
            kind_parts.append(visits.kinds[kept])
    if touchpoints in ("all", "emails"):
        from leadline.mail.models import OutboundMessage, Template

        emails = _raw_rows(
            OutboundMessage.objects.filter(
                owned,
                kind=Template.Kind.MARKETING,
                state=OutboundMessage.State.SENT,
                contact__isnull=False,
                sent_at__isnull=False,
                sent_at__gte=start,
                sent_at__lt=end,
            )
            .order_by()
            .values_list("contact_id", "sent_at", "campaign__name")
        )
        if emails:
            presorted = False
            contact_parts.append(np.fromiter((row[0] for row in emails), dtype=np.int64, count=len(emails)))
            second_parts.append(_epoch_seconds([row[1] for row in emails]))
            kind_parts.append(
                kinds_of(
                    ((EMAIL_SOURCE, EMAIL_MEDIUM, row[2] or AUTOMATED_EMAIL) for row in emails), len(emails)
                )
            )
    if not contact_parts or sum(part.size for part in contact_parts) == 0:
        return _Touches(
            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64), []
        )
    contact_ids = np.concatenate(contact_parts)
    seconds = np.concatenate(second_parts)
    kinds = np.concatenate(kind_parts)
    if not presorted:
        order = np.lexsort((seconds, contact_ids))
        contact_ids, seconds, kinds = contact_ids[order], seconds[order], kinds[order]
    # Only the origins of touches kept (a visit's later page views may have had others).
    used = np.flatnonzero(np.bincount(kinds, minlength=len(origins)))
    renumber = np.zeros(len(origins), dtype=np.int64)
    renumber[used] = np.arange(used.size)
    listed = list(origins)
    return _Touches(
        contact_ids=contact_ids,
        seconds=seconds,
        kinds=renumber[kinds],
        origins=[listed[code] for code in used.tolist()],
    )


# --- The table ----------------------------------------------------------------------------------------


@dataclass
class AttributionRow:
    key: str
    source: str = ""
    medium: str = ""
    campaign: str = ""
    touchpoints: int = 0
    conversions: dict[str, float] = field(default_factory=dict)  # model → conversions credited
    revenue: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # currency → model → amount
    removal_effect: float = 0.0


@dataclass
class AttributionTable:
    conversion: str
    by: str
    start: date
    end: date
    lookback_days: int
    half_life_days: float
    touchpoints: str
    conversions: int
    touchless_conversions: int
    revenue: dict[str, Decimal]  # currency → total revenue of the conversions
    rows: list[AttributionRow]
    conversion_probability: float = 0.0
    non_converting_paths: int = 0
    models: Sequence[str] = MODELS

    @property
    def currencies(self) -> list[str]:
        return sorted(self.revenue)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_current_timezone())


def attribution_table(
    *,
    conversion: str = "order",
    start: date | None = None,
    end: date | None = None,
    by: str = "channel",
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    touchpoints: str = "all",
    owner_id: int | None = None,
    currency: str | None = None,
    source: str | None = None,
    campaign: str | None = None,
    today: date | None = None,
) -> AttributionTable:
    """Every model side by side for the conversions of kind `conversion` between `start` and `end`
    (whole days, inclusive; default: the last 90 days), credited per `by` (channel or campaign).

    `owner_id` keeps the contacts of one owner; `currency` the revenue in one currency; `source`
    and `campaign` keep only the rows of that source or campaign (the credit is computed on the
    full paths first, so filtering never moves credit around).
    """
    if conversion not in CONVERSIONS:
        raise AttributionError(f"Unknown conversion “{conversion}”: use one of {', '.join(CONVERSIONS)}.")
    if by not in DIMENSIONS:
        raise AttributionError("Break the credit down by channel or by campaign.")
    if touchpoints not in TOUCHPOINTS:
        raise AttributionError(f"Unknown touchpoints “{touchpoints}”: use one of {', '.join(TOUCHPOINTS)}.")
    if not 0 <= lookback_days <= 3650:
        raise AttributionError("The look-back window is 0 to 3650 days.")
    if not 0 < half_life_days <= 3650:
        raise AttributionError("The half-life is more than 0 and at most 3650 days.")
    today = today or timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if start > end:
        raise AttributionError("The start date is after the end date.")
    window_end = _day_start(end + timedelta(days=1))
    conversion_start = _day_start(start)
    window_start = conversion_start - timedelta(days=lookback_days)

    found = _conversions(conversion, conversion_start, window_end, owner_id, currency)
    touches = _touches(window_start, window_end, owner_id, touchpoints)
    return _table(
        found,
        touches,
        conversion=conversion,
        by=by,
        start=start,
        end=end,
        lookback_days=lookback_days,
        half_life_days=half_life_days,
        touchpoints=touchpoints,
        window_start=_epoch(window_start),
        source=source,
        campaign=campaign,
    )


def _keys(contact_ids: NDArray[np.int64], seconds: NDArray[np.float64], origin: float) -> NDArray[np.int64]:
    return (contact_ids << _TIME_BITS) + np.maximum(seconds - origin, 0).astype(np.int64)


def _table(
    found: _Conversions,
    touches: _Touches,
    *,
    conversion: str,
    by: str,
    start: date,
    end: date,
    lookback_days: int,
    half_life_days: float,
    touchpoints: str,
    window_start: float,
    source: str | None,
    campaign: str | None,
) -> AttributionTable:
    origin = window_start - 1
    # Label every touch with its state (a channel or a campaign); 0 is "(no touchpoint)".
    channels = [(source or DIRECT_SOURCE, medium or NO_MEDIUM) for source, medium, _ in touches.origins]
    if by == "channel":
        labels = [f"{touch_source} / {touch_medium}" for touch_source, touch_medium in channels]
    else:
        labels = [campaign or NO_CAMPAIGN for _, _, campaign in touches.origins]
    names = [NO_TOUCHPOINT, *sorted(set(labels))]
    index = {name: position for position, name in enumerate(names)}
    origin_states = np.fromiter((index[label] for label in labels), dtype=np.int64, count=len(labels))
    touch_states = origin_states[touches.kinds] if touches.kinds.size else np.zeros(0, dtype=np.int64)

    touch_keys = _keys(touches.contact_ids, touches.seconds, origin)
    conversion_keys = _keys(found.contact_ids, found.seconds, origin)
    lookback_keys = _keys(found.contact_ids, found.seconds - lookback_days * 86400.0, origin)
    high = np.searchsorted(touch_keys, conversion_keys, side="right")
    low = np.searchsorted(touch_keys, lookback_keys, side="left")
    lengths = np.maximum(high - low, 0)
    touchless = lengths == 0
    # A conversion without touchpoints gets one pseudo-touch, "(no touchpoint)", at its own time.
    path_lengths = np.where(touchless, 1, lengths)
    offsets = np.concatenate([[0], np.cumsum(path_lengths)]).astype(np.int64)
    path, position, _length = path_positions(offsets)
    touch_index = np.repeat(low, path_lengths) + position
    real = ~touchless[path]
    if touch_states.size:
        safe = np.minimum(touch_index, touch_states.size - 1)
        states = np.where(real, touch_states[safe], 0).astype(np.int64)
        touch_seconds = touches.seconds[safe]
    else:
        states = np.zeros(path.size, dtype=np.int64)
        touch_seconds = np.zeros(path.size, dtype=np.float64)
    ages = np.where(real, (found.seconds[path] - touch_seconds) / 86400.0, 0.0)

    conversions_count = int(found.contact_ids.size)
    credit: dict[str, NDArray[np.float64]] = {}
    for model in MODELS[:-1]:  # the rule-based ones; Markov follows below
        credit[model] = touch_weights(model, offsets, ages, half_life_days=half_life_days)

    # Markov: converting paths as above, null paths from contacts with touches but no conversion.
    converted = np.isin(touches.contact_ids, found.contact_ids)
    null_contacts = touches.contact_ids[~converted]
    null_states = touch_states[~converted]
    _ids, null_starts = np.unique(null_contacts, return_index=True)
    null_offsets = np.concatenate([null_starts, [null_contacts.size]]).astype(np.int64)
    markov = _markov(states, offsets, null_states, null_offsets, len(names))
    # Each conversion is split over its own path in proportion to the removal effects of the
    # states on it, so that revenue stays with the paths (and currencies) it came from.
    effect = markov.removal_effects[states]
    effect_totals = np.bincount(path, weights=effect, minlength=conversions_count)
    credit["markov"] = np.where(
        effect_totals[path] > 0, effect / np.maximum(effect_totals[path], 1e-300), credit["linear"]
    )

    # Totals per state: conversions credited and revenue per currency.
    state_count = len(names)
    conversions_by_model = {
        model: np.bincount(states, weights=credit[model], minlength=state_count) for model in MODELS
    }
    currencies = sorted({code for code in found.currencies if code})
    currency_of = np.array(found.currencies, dtype=object)
    revenue: dict[str, Decimal] = {}
    revenue_by_model: dict[str, dict[str, NDArray[np.int64]]] = {}
    for code in currencies:
        in_currency = currency_of == code
        total_cents = int(found.cents[in_currency].sum())
        revenue[code] = Decimal(total_cents).scaleb(-2)
        touch_cents = np.where(in_currency[path], found.cents[path], 0).astype(np.float64)
        revenue_by_model[code] = {
            model: largest_remainder(
                np.bincount(states, weights=credit[model] * touch_cents, minlength=state_count), total_cents
            )
            for model in MODELS
        }

    touch_counts = np.bincount(states, minlength=state_count)
    sources = dict(zip(labels, channels, strict=True)) if by == "channel" else {}
    rows = []
    for state, name in enumerate(names):
        if touch_counts[state] == 0:
            continue
        row = AttributionRow(
            key=name,
            touchpoints=int(touch_counts[state]),
            conversions={model: float(conversions_by_model[model][state]) for model in MODELS},
            revenue={
                code: {
                    model: Decimal(int(revenue_by_model[code][model][state])).scaleb(-2) for model in MODELS
                }
                for code in currencies
            },
            removal_effect=float(markov.removal_effects[state]),
        )
        if by == "channel" and name in sources:
            row.source, row.medium = sources[name]
        elif by == "campaign":
            row.campaign = name
        rows.append(row)
    if source:
        rows = [row for row in rows if row.source == source]
    if campaign:
        rows = [row for row in rows if row.campaign == campaign]
    rows.sort(key=lambda row: (-row.conversions["linear"], row.key))
    return AttributionTable(
        conversion=conversion,
        by=by,
        start=start,
        end=end,
        lookback_days=lookback_days,
        half_life_days=half_life_days,
        touchpoints=touchpoints,
        conversions=conversions_count,
        touchless_conversions=int(np.count_nonzero(touchless)),
        revenue=revenue,
        rows=rows,
        conversion_probability=markov.conversion_probability,
        non_converting_paths=int(null_starts.size),
    )


def _markov(
    states: NDArray[np.int64],
    offsets: NDArray[np.int64],
    null_states: NDArray[np.int64],
    null_offsets: NDArray[np.int64],
    state_count: int,
) -> MarkovResult:
    """The removal effects per state; beyond MAX_MARKOV_STATES, the rarest states share one lumped
    state whose credit is split among them by their number of touches."""
    if offsets[-1] == 0:
        return MarkovResult(0.0, np.zeros(state_count), np.zeros(state_count))
    counts = np.bincount(states, minlength=state_count) + np.bincount(null_states, minlength=state_count)
    if state_count <= MAX_MARKOV_STATES:
        return markov_removal_effects(states, offsets, null_states, null_offsets, state_count)
    keep = np.argsort(-counts, kind="stable")[: MAX_MARKOV_STATES - 1]
    mapping = np.full(state_count, MAX_MARKOV_STATES - 1, dtype=np.int64)
    mapping[keep] = np.arange(keep.size)
    lumped = markov_removal_effects(
        mapping[states], offsets, mapping[null_states], null_offsets, MAX_MARKOV_STATES
    )
    effects = lumped.removal_effects[mapping]
    shares = lumped.shares[mapping].copy()
    rest = mapping == MAX_MARKOV_STATES - 1
    rest_counts = counts[rest].astype(np.float64)
    if rest_counts.sum() > 0:
        shares[rest] = lumped.shares[MAX_MARKOV_STATES - 1] * rest_counts / rest_counts.sum()
    return MarkovResult(lumped.conversion_probability, effects, shares)


def attribution_json(table: AttributionTable) -> dict[str, Any]:
    """The table as plain JSON-able data (amounts as strings, as elsewhere in the API)."""
    return {
        "conversion": table.conversion,
        "by": table.by,
        "start": table.start.isoformat(),
        "end": table.end.isoformat(),
        "lookback_days": table.lookback_days,
        "half_life_days": table.half_life_days,
        "touchpoints": table.touchpoints,
        "models": list(table.models),
        "conversions": table.conversions,
        "touchless_conversions": table.touchless_conversions,
        "non_converting_paths": table.non_converting_paths,
        "conversion_probability": round(table.conversion_probability, 6),
        "revenue": {code: str(amount) for code, amount in table.revenue.items()},
        "rows": [
            {
                "key": row.key,
                "source": row.source,
                "medium": row.medium,
                "campaign": row.campaign,
                "touchpoints": row.touchpoints,
                "removal_effect": round(row.removal_effect, 6),
                "conversions": {model: round(value, 4) for model, value in row.conversions.items()},
                "revenue": {
                    code: {model: str(amount) for model, amount in amounts.items()}
                    for code, amounts in row.revenue.items()
                },
            }
            for row in table.rows
        ],
    }
