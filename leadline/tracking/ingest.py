"""The `/t/collect` path: validate a batch of browser events, then write it in one short transaction.

The body is JSON of at most 64 KB:

    {"site": KEY, "visitor": UUID, "events": [EVENT, …]}        (1 to 100 events)

    {"type": "page.view", "url": URL, "referrer"?: URL, "ts"?: MS, "props"?: {…}}
    {"type": "event", "name": TEXT, "url"?: URL, "referrer"?: URL, "ts"?: MS, "props"?: {…}}
    {"type": "identify", "email": EMAIL, "ts"?: MS}

`ts` is milliseconds since the epoch (what `Date.now()` gives); it is clamped to the last day and the
next five minutes. `props` is an object of at most 2 KB as JSON. Anything else is refused with a 400
that names the problem. Writing is one upsert of the visitor row (sessions, counters, first touch)
and one multi-row insert of activity rows; identity stitching, scores and the rest happen later in
workers.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from leadline.activity.models import Activity, Kind
from leadline.contacts.freemail import work_domain
from leadline.contacts.services import normalize_email
from leadline.tracking.models import Visitor
from leadline.tracking.sources import NO_ATTRIBUTION, Attribution, attribute, campaign_parameters, host_of

MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS = 100
MAX_PROPS_BYTES = 2048
MAX_URL_LENGTH = 2000
MAX_NAME_LENGTH = 200
MAX_TITLE_LENGTH = 300
MAX_COLUMN_LENGTH = 200
SESSION_TIMEOUT = timedelta(minutes=30)
PAST_LIMIT = timedelta(days=1)
FUTURE_LIMIT = timedelta(minutes=5)

logger = logging.getLogger(__name__)

EVENT_TYPES = ("page.view", "event", "identify")
BATCH_KEYS = frozenset({"site", "visitor", "events"})
EVENT_KEYS = frozenset({"type", "url", "referrer", "ts", "props", "name", "email"})
# Campaign details kept in the row's JSON; source, medium and campaign have columns of their own.
EXTRA_PARAMETERS = ("utm_term", "utm_content")


class CollectError(Exception):
    """A request `/t/collect` refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(slots=True)
class Hit:
    """One page view or custom event, ready to become an activity row."""

    kind: str
    occurred_at: datetime
    url: str
    referrer: str
    title: str
    attribution: Attribution
    data: dict[str, Any]


@dataclass(slots=True)
class Batch:
    site_key: str
    visitor_uuid: uuid.UUID
    hits: list[Hit] = field(default_factory=list)
    identify_email: str = ""


NUL_ESCAPE = "\\u0000"
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _text(value: Any, where: str, *, limit: int, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise CollectError(f"{where} is required.")
        return ""
    if not isinstance(value, str):
        raise CollectError(f"{where} must be a string.")
    return value[:limit]


def _timestamp(value: Any, where: str, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CollectError(f"{where} must be a number of milliseconds since 1970.")
    if isinstance(value, float) and not math.isfinite(value):
        raise CollectError(f"{where} must be a number of milliseconds since 1970.")
    earliest, latest = now - PAST_LIMIT, now + FUTURE_LIMIT
    try:
        seconds = value / 1000
    except OverflowError:  # an integer too large for a float: far in the future
        return latest
    if seconds <= earliest.timestamp():
        return earliest
    if seconds >= latest.timestamp():
        return latest
    return datetime.fromtimestamp(seconds, tz=UTC)


def _props(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CollectError(f"{where} must be an object.")
    if not value:
        return {}
    # Flat string properties (the common case) are measured without encoding them: each character
    # takes at most 4 bytes in UTF-8, and 6 bytes cover the quotes, colon and comma.
    estimate = 0
    for key, item in value.items():
        if not isinstance(item, str):
            estimate = MAX_PROPS_BYTES + 1
            break
        estimate += 4 * (len(key) + len(item)) + 6
    if estimate > MAX_PROPS_BYTES:
        encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        if len(encoded) > MAX_PROPS_BYTES:
            raise CollectError(f"{where} is larger than {MAX_PROPS_BYTES} bytes as JSON.", status=413)
    return value


def _page_title(url: str) -> str:
    """The path of a URL ("/pricing"), which is what a timeline reader recognises."""
    rest = url.split("//", 1)[1] if "//" in url else url
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    return (path.split("?", 1)[0].split("#", 1)[0] or "/")[:MAX_TITLE_LENGTH]


def _hit(kind: str, event: dict[str, Any], where: str, now: datetime) -> Hit:
    url = _text(event.get("url"), f"{where}.url", limit=MAX_URL_LENGTH, required=kind == Kind.PAGE_VIEW)
    referrer = _text(event.get("referrer"), f"{where}.referrer", limit=MAX_URL_LENGTH)
    occurred_at = _timestamp(event.get("ts"), f"{where}.ts", now)
    props = _props(event.get("props"), f"{where}.props")
    data: dict[str, Any] = {}
    attribution = NO_ATTRIBUTION
    if url:
        parameters = campaign_parameters(url)
        referrer_host = host_of(referrer) if referrer else ""
        if parameters or referrer_host:
            attribution = attribute(parameters, referrer_host, host_of(url))
            if attribution is not NO_ATTRIBUTION:
                attribution = Attribution(
                    attribution.source[:MAX_COLUMN_LENGTH],
                    attribution.medium[:MAX_COLUMN_LENGTH],
                    attribution.campaign[:MAX_COLUMN_LENGTH],
                )
            for name, value in parameters.items():
                if name in EXTRA_PARAMETERS or not name.startswith("utm_"):
                    data[name] = value[:MAX_COLUMN_LENGTH]
    if kind == Kind.PAGE_VIEW:
        title = _page_title(url)
        page_title = props.get("title") if props else None
        if isinstance(page_title, str) and page_title:
            data["page_title"] = page_title[:MAX_TITLE_LENGTH]
            props = {key: value for key, value in props.items() if key != "title"}
    else:
        title = _text(event.get("name"), f"{where}.name", limit=MAX_NAME_LENGTH, required=True).strip()
        if not title:
            raise CollectError(f"{where}.name is required.")
    if props:
        data["props"] = props
    return Hit(kind, occurred_at, url, referrer, title, attribution, data)


def parse_batch(body: bytes, *, now: datetime) -> Batch:
    """Validate a request body. Raises CollectError naming the first problem found."""
    if len(body) > MAX_BODY_BYTES:
        raise CollectError(f"The body is larger than {MAX_BODY_BYTES // 1024} KB.", status=413)
    try:
        text = body.decode()
        payload = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError too
        raise CollectError("The body is not valid JSON in UTF-8.") from None
    # Text the databases cannot store is refused here, not by a failed write: PostgreSQL keeps no
    # NUL character, and a lone UTF-16 surrogate is not encodable text at all.
    if NUL_ESCAPE in text:
        raise CollectError("Text may not contain NUL characters (\\u0000).")
    if SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(payload, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise CollectError("The body contains an unpaired UTF-16 surrogate.") from None
    if not isinstance(payload, dict):
        raise CollectError("The body must be a JSON object.")
    unknown = sorted(set(payload) - BATCH_KEYS)
    if unknown:
        raise CollectError(f"Unknown field {unknown[0][:40]!r}; expected site, visitor and events.")
    site_key = payload.get("site")
    if not isinstance(site_key, str) or not site_key or len(site_key) > 64:
        raise CollectError("site must be the site key from the snippet.")
    raw_visitor = payload.get("visitor")
    try:
        if not isinstance(raw_visitor, str):
            raise ValueError
        visitor_uuid = uuid.UUID(raw_visitor)
    except ValueError:
        raise CollectError("visitor must be a UUID.") from None
    events = payload.get("events")
    if not isinstance(events, list) or not events:
        raise CollectError("events must be a non-empty list.")
    if len(events) > MAX_EVENTS:
        raise CollectError(f"At most {MAX_EVENTS} events per request; got {len(events)}.", status=413)

    batch = Batch(site_key=site_key, visitor_uuid=visitor_uuid)
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise CollectError(f"{where} must be an object.")
        unknown = sorted(set(event) - EVENT_KEYS)
        if unknown:
            raise CollectError(f"{where} has an unknown field {unknown[0][:40]!r}.")
        kind = event.get("type")
        if kind == "page.view":
            batch.hits.append(_hit(Kind.PAGE_VIEW, event, where, now))
        elif kind == "event":
            batch.hits.append(_hit(Kind.CUSTOM_EVENT, event, where, now))
        elif kind == "identify":
            try:
                email = normalize_email(event.get("email"))
            except ValidationError:
                raise CollectError(f"{where}.email is not a valid email address.") from None
            if not email:
                raise CollectError(f"{where}.email is required.")
            batch.identify_email = email
        else:
            raise CollectError(f"{where}.type must be one of: {', '.join(EVENT_TYPES)}.")
    return batch


# --- Writing --------------------------------------------------------------------------------------


class _Statements:
    """SQL of the write path, built once per database vendor from the models' own table names."""

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        visitor = quote(Visitor._meta.db_table)
        self.native_uuid = connection.features.has_native_uuid_field
        self.data_field = Activity._meta.get_field("data")
        insert_columns = [
            "public_id", "created_at", "updated_at", "site_id", "visitor_uuid", "first_seen_at", "last_seen_at",
            "session_id", "session_started_at", "session_count", "page_view_count", "event_count",
            "first_source", "first_medium", "first_campaign", "first_referrer", "first_landing_page",
            "identify_email", "identify_pending", "company_domain",
        ]  # fmt: skip

        def old(column: str) -> str:
            return f"{visitor}.{quote(column)}"

        def new(column: str) -> str:
            return f"excluded.{quote(column)}"

        expired = f"{old('last_seen_at')} < %s"
        # Beacons can overtake each other: the first touch is the earliest hit, not the first to arrive.
        earlier = f"{new('first_seen_at')} < {old('first_seen_at')}"
        first_touch = ", ".join(
            f"{quote(column)} = CASE WHEN {earlier} THEN {new(column)} ELSE {old(column)} END"
            for column in (
                "first_seen_at", "first_source", "first_medium", "first_campaign", "first_referrer",
                "first_landing_page",
            )
        )  # fmt: skip
        changed_email = f"{new('identify_email')} <> ''"
        self.upsert_visitor = (
            f"INSERT INTO {visitor} ({', '.join(quote(column) for column in insert_columns)})"  # noqa: S608 - identifiers from model metadata
            f" VALUES ({', '.join(['%s'] * len(insert_columns))})"
            f" ON CONFLICT ({quote('site_id')}, {quote('visitor_uuid')}) DO UPDATE SET"
            f" {quote('updated_at')} = {new('updated_at')},"
            f" {quote('last_seen_at')} = {new('last_seen_at')}, {first_touch},"
            f" {quote('session_id')} = CASE WHEN {expired} THEN {new('session_id')} ELSE {old('session_id')} END,"
            f" {quote('session_started_at')} = CASE WHEN {expired} THEN {new('session_started_at')}"
            f" ELSE {old('session_started_at')} END,"
            f" {quote('session_count')} = {old('session_count')} + CASE WHEN {expired} THEN 1 ELSE 0 END,"
            f" {quote('page_view_count')} = {old('page_view_count')} + {new('page_view_count')},"
            f" {quote('event_count')} = {old('event_count')} + {new('event_count')},"
            f" {quote('identify_pending')} = CASE WHEN {changed_email} AND ({old('contact_id')} IS NULL"
            f" OR {new('identify_email')} <> {old('identify_email')}) THEN {new('identify_pending')}"
            f" ELSE {old('identify_pending')} END,"
            f" {quote('identify_email')} = CASE WHEN {changed_email} THEN {new('identify_email')}"
            f" ELSE {old('identify_email')} END,"
            f" {quote('company_domain')} = CASE WHEN {new('company_domain')} <> '' THEN {new('company_domain')}"
            f" ELSE {old('company_domain')} END"
            f" RETURNING {quote('contact_id')}, {quote('session_id')}"
        )
        self.activity_columns = [
            "public_id", "kind", "occurred_at", "contact_id", "visitor_id", "session_id", "title", "url",
            "referrer", "source", "medium", "campaign", "data", "created_at",
        ]  # fmt: skip
        self.insert_activity = (
            f"INSERT INTO {quote(Activity._meta.db_table)}"  # noqa: S608 - identifiers from model metadata
            f" ({', '.join(quote(column) for column in self.activity_columns)})"
            f" VALUES ({', '.join(['%s'] * len(self.activity_columns))})"
        )
        # On SQLite the statements go straight to the driver in its own placeholder style: Django's
        # cursor would rewrite every statement's placeholders on every call.
        self.raw_sqlite = connection.vendor == "sqlite"
        if self.raw_sqlite:
            self.upsert_visitor = self.upsert_visitor.replace("%s", "?")
            self.insert_activity = self.insert_activity.replace("%s", "?")

        # SQLite keeps datetimes as UTC text and JSON as text; formatting them here directly saves
        # a few microseconds per value on the hot path (the result is what Django itself writes).
        self.text_values = connection.vendor == "sqlite" and connection.timezone_name == "UTC"

    def execute(self, statement: str, params: list[Any]) -> Any:
        """Run one statement inside the current transaction; returns a cursor to fetch from."""
        if self.raw_sqlite:
            return connection.connection.execute(statement, params)
        cursor = connection.cursor()
        cursor.execute(statement, params)
        return cursor

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        if self.raw_sqlite:
            connection.connection.executemany(statement, rows)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(statement, rows)

    def uuid_value(self, value: uuid.UUID) -> Any:
        return value if self.native_uuid else value.hex

    def row_id(self) -> Any:
        """A UUIDv7 (time-ordered, 74 random bits): new rows land at the end of the unique index on
        public_id instead of on a random page of it, which keeps each commit small."""
        milliseconds = time.time_ns() // 1_000_000
        random_bits = int.from_bytes(os.urandom(10))
        value = (
            (milliseconds & 0xFFFF_FFFF_FFFF) << 80
            | 0x7 << 76
            | (random_bits >> 62) << 64
            | 0b10 << 62
            | random_bits & 0x3FFF_FFFF_FFFF_FFFF
        )
        return f"{value:032x}" if not self.native_uuid else uuid.UUID(int=value)

    def datetime_value(self, value: datetime) -> Any:
        if self.text_values:
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return connection.ops.adapt_datetimefield_value(value)

    def json_value(self, value: dict[str, Any]) -> Any:
        if self.text_values:
            return json.dumps(value)
        return self.data_field.get_db_prep_value(value, connection)


_statements: dict[str, _Statements] = {}


def statements() -> _Statements:
    vendor = connection.vendor
    if vendor not in _statements:
        _statements[vendor] = _Statements()
    return _statements[vendor]


def activity_rows(
    hits: list[Hit], *, contact_id: Any, visitor_value: Any, session_value: Any, now_value: Any
) -> list[tuple[Any, ...]]:
    """Database values of the activity rows of a batch (shared with the benchmark's baseline)."""
    sql = statements()
    adapt, encode, row_id = sql.datetime_value, sql.json_value, sql.row_id
    return [
        (
            row_id(),
            hit.kind,
            adapt(hit.occurred_at),
            contact_id,
            visitor_value,
            session_value,
            hit.title,
            hit.url,
            hit.referrer,
            hit.attribution.source,
            hit.attribution.medium,
            hit.attribution.campaign,
            encode(hit.data),
            now_value,
        )
        for hit in hits
    ]


def insert_activity_rows(rows: list[tuple[Any, ...]]) -> None:
    """One prepared INSERT run for every row (on SQLite faster than one long multi-row statement)."""
    if rows:
        sql = statements()
        sql.executemany(sql.insert_activity, rows)


def _visitor_params(site_id: int, batch: Batch, now: datetime) -> list[Any]:
    sql = statements()
    now_value = sql.datetime_value(now)
    hits = batch.hits
    views = [hit for hit in hits if hit.kind == Kind.PAGE_VIEW]
    first = min(views or hits, key=lambda hit: hit.occurred_at) if hits else None
    first_touch = first.attribution if first is not None else NO_ATTRIBUTION
    first_seen = sql.datetime_value(first.occurred_at) if first is not None else now_value
    page_views = len(views)
    email = batch.identify_email
    # The session cutoff appears three times in the upsert: session id, session start, session count.
    cutoff = sql.datetime_value(now - SESSION_TIMEOUT)
    return [
        sql.uuid_value(uuid.uuid4()), now_value, now_value, site_id, sql.uuid_value(batch.visitor_uuid),
        first_seen, now_value, sql.uuid_value(uuid.uuid4()), now_value, 1, page_views, len(hits) - page_views,
        first_touch.source, first_touch.medium, first_touch.campaign,
        first.referrer if first is not None else "", first.url if first is not None else "",
        email, bool(email), work_domain(email) if email else "",
        cutoff, cutoff, cutoff,
    ]  # fmt: skip


@dataclass(eq=False, slots=True)
class _PendingWrite:
    site_id: int
    batch: Batch
    now: datetime
    done: bool = False
    error: CollectError | None = None


_pending: list[_PendingWrite] = []
_pending_lock = threading.Lock()
_writer_lock = threading.Lock()


def _write(writes: list[_PendingWrite]) -> None:
    """Upsert each visitor and append every row of `writes` in one transaction."""
    sql = statements()
    rows: list[tuple[Any, ...]] = []
    with transaction.atomic():
        connection.ensure_connection()
        for write in writes:
            cursor = sql.execute(sql.upsert_visitor, _visitor_params(write.site_id, write.batch, write.now))
            contact_id, session_value = cursor.fetchone()
            cursor.close()
            rows += activity_rows(
                write.batch.hits,
                contact_id=contact_id,
                visitor_value=sql.uuid_value(write.batch.visitor_uuid),
                session_value=session_value,
                now_value=sql.datetime_value(write.now),
            )
        insert_activity_rows(rows)


def _write_one(write: _PendingWrite) -> None:
    try:
        _write([write])
    except IntegrityError:
        # The site was deleted while its key was still cached.
        write.error = CollectError("Unknown site key.", status=404)
    except DatabaseError:
        write.error = CollectError("The database is busy; try again shortly.", status=503)
    except Exception:
        logger.exception("Writing tracked events failed")
        write.error = CollectError("The events could not be stored; try again shortly.", status=503)


def _write_group(writes: list[_PendingWrite]) -> None:
    try:
        if len(writes) == 1:
            _write_one(writes[0])
            return
        try:
            _write(writes)
        except Exception:
            # One request of the group could not be written: write each on its own, so that only
            # that one fails.
            for write in writes:
                _write_one(write)
    finally:
        for write in writes:
            write.done = True


def batch_write(*, site_id: int, batch: Batch, now: datetime) -> int:
    """Store a validated batch: upsert its visitor and append its rows, committed before returning.

    Requests that arrive while another is being written are committed together by the next writer
    (group commit): each still returns only once its own rows are durable, but the process writes
    one transaction at a time instead of making threads queue on the database lock, and the commit
    cost is shared. A lone request (the usual case at low traffic) is one transaction of its own.
    Returns the number of rows written; raises CollectError.
    """
    write = _PendingWrite(site_id, batch, now)
    with _pending_lock:
        _pending.append(write)
    with _writer_lock:
        if not write.done:
            with _pending_lock:
                group = _pending[:]
                _pending.clear()
            _write_group(group)
    if write.error is not None:
        raise write.error
    return len(batch.hits)
