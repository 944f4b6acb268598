"""The sending engine: every outbox row is sent once, and its outcome recorded (DESIGN.md §2).

A worker claims a batch of due rows with a lease (`queued → sending`), re-checks at that moment
what may have changed since the row was queued (suppression, unsubscribes, a paused or cancelled
campaign), renders each email (the template compiled once, filled per recipient, links tracked),
and sends the batch over one connection. Each accepted message is marked sent in its own short
statement after the server's 250, while the next message's envelope is with the server and always
before a byte of that message's data goes out — so a crash can lose at most the mark of the one
message in flight, never a batch. The batch's `email.sent` timeline entries are written together
from a flag the mark sets. The next message is rendered while the server reads the current one.
On PostgreSQL, where each commit waits for the WAL flush, the mark is sent at the 250 on a
connection of its own without waiting for its answer: the next messages are rendered and the next
envelope goes out while it commits, and the next message's data still waits for that answer.

A worker that dies leaves its rows in `sending`; once the lease runs out another claim takes them
again, with the same Message-ID. The claim counts an attempt, so a message that kills its worker
every time ends `dead` instead of looping. A refusal (5xx) fails that row only; a temporary problem
(4xx, a timeout, a dropped connection) puts it back in the queue with exponential backoff, until
MAX_ATTEMPTS, when it is `dead` with its last error kept.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import selectors
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from psycopg import pq

from leadline.activity.models import Activity, Kind
from leadline.activity.services import contacts_touch_activity
from leadline.contacts.models import Company, Contact
from leadline.core.bulk import insert_values, loaded_instance
from leadline.core.jobs import backoff_delay
from leadline.core.signing import uuid_bytes
from leadline.mail.addresses import return_path, unsubscribe_mailto
from leadline.mail.dkim_signing import DkimKey, DkimKeyError, check_private_key
from leadline.mail.merge_values import SAMPLE_UNSUBSCRIBE_PATH, merge_values, unsubscribe_url
from leadline.mail.models import (
    Campaign,
    OutboundMessage,
    SenderIdentity,
    SendingDomain,
    SubscriptionType,
    Suppression,
    Template,
    Unsubscribe,
)
from leadline.mail.outbox import is_test_message
from leadline.mail.rendering import CompiledEmail, compile_source, layout_source
from leadline.mail.selectors import default_sender_identity, merge_tag_catalogue
from leadline.mail.tracking import track_html
from leadline.mail.transport import (
    Delivery,
    Outcome,
    OutgoingEmail,
    SmtpTransport,
    Transport,
    TransportUnavailable,
    message_bytes,
    open_transport,
)
from leadline.mail.wire import wire_plan

logger = logging.getLogger(__name__)

State = OutboundMessage.State
LEASE = timedelta(minutes=5)
BATCH_SIZE = 500
MAX_ATTEMPTS = 10
# How often a batch renews its leases and looks again at its campaigns (paused or cancelled meanwhile).
CHECKPOINT_SECONDS = 5.0
COMPILED_CACHE_SIZE = 64
# How many of the next messages may be rendered ahead of the one being sent, while the mail server
# reads the current one.
RENDER_AHEAD = 4
# Merge values a row's merge_context may not replace: the unsubscribe link is always the real one.
PROTECTED_VALUES = frozenset({"unsubscribe_url"})
LOST_WORKER_ERROR = "The worker sending this message stopped without an answer from the mail server."


@dataclass
class SendReport:
    """What one run did, for logs, the command's output and the benchmark."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    cancelled: int = 0
    released: int = 0
    batches: int = 0
    connections: int = 0
    errors: list[str] = field(default_factory=list)

    def add_error(self, error: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(error)

    @property
    def summary(self) -> str:
        parts = [
            f"{value} {name}"
            for name, value in (
                ("sent", self.sent),
                ("failed", self.failed),
                ("to retry", self.retried),
                ("dead", self.dead),
                ("skipped", self.skipped),
                ("cancelled", self.cancelled),
                ("put back", self.released),
            )
            if value
        ]
        return ", ".join(parts) or "nothing due"


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


# --- Claiming -----------------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(state=State.QUEUED, not_before__lte=now) | Q(state=State.SENDING, lease_until__lt=now)


def _not_paused() -> Q:
    # A subquery rather than a join: PostgreSQL refuses FOR UPDATE next to an outer join.
    paused = Campaign.objects.filter(status=Campaign.Status.PAUSED).values("pk")
    return ~Q(campaign_id__in=paused)


def _claim(*, owner: str, limit: int, lease: timedelta, now: datetime) -> list[OutboundMessage]:
    """Lease up to `limit` due rows to `owner` (unique per claim) and return them.

    PostgreSQL: the candidates are locked with SKIP LOCKED, so concurrent claimers pass over each
    other's rows instead of queueing behind them. SQLite: the transaction takes the write lock as it
    begins (IMMEDIATE). On both, the UPDATE repeats the due condition, so a row another claimer took
    in between is not taken twice, and the rows are read back by the claim's own owner token.
    """
    with transaction.atomic():
        candidates = OutboundMessage.objects.filter(_due(now), _not_paused()).order_by("not_before", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutboundMessage.objects.filter(_due(now), id__in=ids).update(
            state=State.SENDING, lease_owner=owner, lease_until=now + lease, attempts=F("attempts") + 1
        )
    return with_related(
        OutboundMessage.objects.filter(id__in=ids, lease_owner=owner, state=State.SENDING).order_by(
            "not_before", "id"
        )
    )


# What sending reads of a row, its contact and the contact's company. A row's timestamps are left
# out (sending reads none, and on SQLite converting them was most of the cost of loading a row),
# as are the contact's other columns: a field left out loads from the database if anything reads it.
_ROW_COLUMNS = tuple(
    field.attname
    for field in OutboundMessage._meta.concrete_fields
    if not isinstance(field, models.DateTimeField)
)
_CONTACT_COLUMNS = (
    "id", "public_id", "email", "first_name", "last_name", "phone", "job_title", "city", "country",
    "properties", "company_id", "owner_id",
)  # fmt: skip
_COMPANY_COLUMNS = ("id", "name", "domain", "industry", "properties")


def with_related(queryset: QuerySet[OutboundMessage]) -> list[OutboundMessage]:
    """The rows with everything rendering reads. Each row comes with its contact and the contact's
    company in one query, read as plain values; the objects a whole campaign shares (its sender,
    template and layout, the campaign, contact owners, companies) are fetched or built once and
    shared, not made again for every row. A query costs about as much again per column it reads
    (Django builds the statement each time), so the shared objects read what sending needs."""
    using = queryset.db
    row_size = len(_ROW_COLUMNS)
    contact_end = row_size + len(_CONTACT_COLUMNS)
    records = list(
        queryset.values_list(
            *_ROW_COLUMNS,
            *[f"contact__{name}" for name in _CONTACT_COLUMNS],
            *[f"contact__company__{name}" for name in _COMPANY_COLUMNS],
        )
    )
    rows: list[OutboundMessage] = []
    contacts: list[Any] = []
    companies: dict[int, Any] = {}
    for record in records:
        rows.append(loaded_instance(OutboundMessage, _ROW_COLUMNS, record[:row_size], using=using))
        contact_values = record[row_size:contact_end]
        if contact_values[0] is None:
            contacts.append(None)
            continue
        contact = loaded_instance(Contact, _CONTACT_COLUMNS, contact_values, using=using)
        company_id = record[contact_end]
        if company_id is not None and company_id not in companies:
            companies[company_id] = loaded_instance(
                Company, _COMPANY_COLUMNS, record[contact_end:], using=using
            )
        contacts.append(contact)
    shared: dict[str, dict[Any, Any]] = {
        "sender": SenderIdentity.objects.using(using).in_bulk({row.sender_id for row in rows} - {None}),
        "template": Template.objects.using(using)
        .select_related("layout")
        .in_bulk({row.template_id for row in rows} - {None}),
        # Sending reads a campaign's status; its other columns load if anything reads them.
        "campaign": Campaign.objects.using(using)
        .only("id", "public_id", "name", "status")
        .in_bulk({row.campaign_id for row in rows} - {None}),
        "subscription_type": SubscriptionType.objects.using(using).in_bulk(
            {row.subscription_type_id for row in rows} - {None}
        ),
    }
    owners = (
        get_user_model()
        .objects.using(using)
        .only("id", "first_name", "last_name", "email")
        .in_bulk({contact.owner_id for contact in contacts if contact is not None} - {None})
    )
    for row, contact in zip(rows, contacts, strict=True):
        loaded = row.__dict__  # the keys as loaded, without a descriptor call for each
        cache = {name: objects.get(loaded[f"{name}_id"]) for name, objects in shared.items()}
        cache["contact"] = contact
        row._state.fields_cache = cache
        if contact is not None:
            contact._state.fields_cache = {
                "company": companies.get(contact.company_id),
                "owner": owners.get(contact.owner_id),
            }
    return rows


def _set_many(rows: Iterable[OutboundMessage], owner: str, **changes: Any) -> int:
    ids = [row.pk for row in rows]
    if not ids:
        return 0
    return OutboundMessage.objects.filter(id__in=ids, lease_owner=owner, state=State.SENDING).update(
        lease_owner="", lease_until=None, **changes
    )


def _release(rows: Sequence[OutboundMessage], owner: str) -> int:
    """Back to the queue without counting an attempt: these rows were claimed but not tried."""
    return _set_many(rows, owner, state=State.QUEUED, attempts=F("attempts") - 1)


def _screen(rows: list[OutboundMessage], *, owner: str, report: SendReport) -> list[OutboundMessage]:
    """The checks made when a row is claimed, since much can change between queueing and sending.
    Returns the rows still to send; the others are settled here."""
    suppressed = dict(
        Suppression.objects.filter(email__in={row.to_email for row in rows}).values_list("email", "reason")
    )
    marketing_contacts = {
        row.contact_id for row in rows if row.kind == Template.Kind.MARKETING and row.contact_id
    }
    unsubscribed: set[tuple[int, int | None]] = set(
        Unsubscribe.objects.filter(contact_id__in=marketing_contacts).values_list(
            "contact_id", "subscription_type_id"
        )
    )
    reasons = dict(Suppression.Reason.choices)
    to_send: list[OutboundMessage] = []
    skipped: dict[str, list[OutboundMessage]] = {}
    cancelled: list[OutboundMessage] = []
    paused: list[OutboundMessage] = []
    dead: list[OutboundMessage] = []
    for row in rows:
        status = row.campaign.status if row.campaign_id and row.campaign else None
        if status == Campaign.Status.CANCELLED:
            cancelled.append(row)
        elif status == Campaign.Status.PAUSED:
            paused.append(row)
        elif row.to_email in suppressed:
            skipped.setdefault(
                f"Suppressed: {reasons.get(suppressed[row.to_email], suppressed[row.to_email])}.", []
            ).append(row)
        elif row.kind == Template.Kind.MARKETING and (reason := _unsubscribed(row, unsubscribed)):
            skipped.setdefault(reason, []).append(row)
        elif row.attempts > MAX_ATTEMPTS:
            dead.append(row)
        else:
            to_send.append(row)
    for reason, group in skipped.items():
        report.skipped += _set_many(
            group, owner, state=State.SKIPPED, last_error=reason, attempts=F("attempts") - 1
        )
    report.cancelled += _set_many(
        cancelled,
        owner,
        state=State.CANCELLED,
        last_error="The campaign was cancelled.",
        attempts=F("attempts") - 1,
    )
    report.released += _release(paused, owner)
    for row in dead:
        error = f"Gave up after {MAX_ATTEMPTS} attempts. {row.last_error or LOST_WORKER_ERROR}"
        report.dead += _set_many(
            [row], owner, state=State.DEAD, attempts=F("attempts") - 1, last_error=error[:2000]
        )
    return to_send


def _unsubscribed(row: OutboundMessage, unsubscribed: set[tuple[int, int | None]]) -> str:
    if row.contact_id is None:
        return "The contact no longer exists."
    if (row.contact_id, None) in unsubscribed:
        return "Unsubscribed from all marketing email."
    if row.subscription_type_id is not None and (row.contact_id, row.subscription_type_id) in unsubscribed:
        name = row.subscription_type.name if row.subscription_type else "this subscription type"
        return f"Unsubscribed from {name}."
    return ""


def outbox_claim(
    *, owner: str, limit: int = BATCH_SIZE, lease: timedelta = LEASE, now: datetime | None = None
) -> list[OutboundMessage]:
    """Claim up to `limit` due rows for `owner` and return those still to send (the rest are skipped,
    cancelled or put back by the checks at claim time)."""
    claimed = _claim(owner=owner, limit=limit, lease=lease, now=now or timezone.now())
    return _screen(claimed, owner=owner, report=SendReport(claimed=len(claimed)))


# --- Rendering ------------------------------------------------------------------------------------------

_COMPILED: OrderedDict[tuple[Any, ...], CompiledEmail | ValidationError] = OrderedDict()


def _remember(key: tuple[Any, ...], compile: Callable[[], CompiledEmail]) -> CompiledEmail:
    """Compile once per process for as long as the template is unchanged (the key holds its version
    and its layout's last change); a template that cannot be compiled is remembered too."""
    found = _COMPILED.get(key)
    if found is None:
        try:
            found = compile()
        except ValidationError as error:
            found = error
        _COMPILED[key] = found
        while len(_COMPILED) > COMPILED_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    else:
        _COMPILED.move_to_end(key)
    if isinstance(found, ValidationError):
        raise found
    return found


def _problem(error: ValidationError) -> str:
    messages = [message for messages in getattr(error, "message_dict", {}).values() for message in messages]
    return " ".join(messages or error.messages)


def _clean_name(value: Any) -> str:
    return " ".join(str(value or "").split())[:120]


def _clean_address(value: Any) -> str:
    address = parseaddr(str(value or "").strip())[1]
    return address if "@" in address and not any(char in address for char in "\r\n") else ""


@dataclass
class _Renderer:
    """Per-run caches: the merge-tag catalogue, the default sender, the DKIM keys."""

    allowed: dict[str, str] = field(default_factory=merge_tag_catalogue)
    default_sender: SenderIdentity | None = field(default_factory=default_sender_identity)
    dkim_keys: dict[str, DkimKey] = field(default_factory=lambda: _dkim_keys())

    def __post_init__(self) -> None:
        self.allowed_key = tuple(sorted(self.allowed))
        self.default_from = parseaddr(settings.DEFAULT_FROM_EMAIL)

    def compiled(self, message: OutboundMessage) -> CompiledEmail:
        template = message.template
        if message.body.strip():
            # A 1:1 email: the salesperson's Markdown as they wrote it (perhaps starting from a
            # template), without the marketing layout. Each is different, so nothing is cached.
            return compile_source(
                kind=message.kind,
                format=Template.Format.MARKDOWN,
                subject=message.subject or (template.subject if template else ""),
                preheader="",
                body=message.body,
                layout=None,
                allowed=self.allowed,
            )
        if template is None:
            raise ValidationError("The message has neither a template nor a body to send.")
        layout = template.layout
        subject = message.subject or template.subject
        key = (
            "template", template.pk, template.version, template.updated_at, message.kind, subject,
            layout.pk if layout else None, layout.updated_at if layout else None, self.allowed_key,
        )  # fmt: skip
        return _remember(
            key,
            lambda: compile_source(
                kind=message.kind,
                format=template.format,
                subject=subject,
                preheader=template.preheader,
                body=template.body,
                layout=layout_source(layout),
                allowed=self.allowed,
            ),
        )

    def dkim_key(self, from_email: str) -> DkimKey | None:
        domain = from_email.rpartition("@")[2].lower()
        while domain:
            key = self.dkim_keys.get(domain)
            if key is not None:
                return key
            domain = domain.partition(".")[2] if "." in domain.partition(".")[2] else ""
        return None

    def prepare(self, message: OutboundMessage) -> OutgoingEmail:
        compiled = self.compiled(message)
        identity = message.sender or self.default_sender
        context = message.merge_context if isinstance(message.merge_context, dict) else {}
        default_name, default_address = self.default_from
        from_email = identity.from_email if identity else default_address
        from_name = _clean_name(context.get("from_name")) or (
            identity.from_name if identity else default_name
        )
        reply_to = _clean_address(context.get("reply_to")) or (identity.reply_to if identity else "")
        test = is_test_message(message.key)
        unsubscribe = (
            settings.BASE_URL + SAMPLE_UNSUBSCRIBE_PATH
            if test
            else unsubscribe_url(contact=message.contact, message=message)
        )
        values: dict[str, Any] = merge_values(
            contact=message.contact, sender=identity, unsubscribe=unsubscribe
        )
        values["sender_name"] = from_name
        for name, value in context.items():
            if name not in PROTECTED_VALUES and isinstance(value, (str, int, float)):
                values[name] = str(value)
        filled = compiled.filled(values)
        marketing = message.kind == Template.Kind.MARKETING
        html, html_encoded = _html_part(
            compiled, filled, message=message if marketing and not test else None, unsubscribe_url=unsubscribe
        )
        headers = {"Message-ID": message.message_id}
        if marketing:
            links = [f"<{unsubscribe}>"]
            mailto = "" if test else unsubscribe_mailto(message)
            if mailto:
                links.append(f"<{mailto}>")
            # RFC 8058: mailbox providers show an unsubscribe button and POST to the https link.
            headers["List-Unsubscribe"] = ", ".join(links)
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return OutgoingEmail(
            mail_from=return_path(message) or from_email,
            recipient=message.to_email,
            from_name=from_name,
            from_email=from_email,
            subject=compiled.subject_text(filled),
            text=compiled.plain_text(filled),
            html=html,
            html_encoded=html_encoded,
            reply_to=reply_to,
            headers=headers,
            metadata={"leadline_message": str(message.public_id)},
            dkim=self.dkim_key(from_email),
        )


def _html_part(
    compiled: CompiledEmail, filled: list[str], *, message: OutboundMessage | None, unsubscribe_url: str
) -> tuple[str, bytes]:
    """(the HTML part, quoted-printable or b"") of one recipient's email, its links tracked and an
    open pixel added when `message` is given. Made from the compiled email's wire plan, which did
    the shared work once; a plan that cannot promise the same HTML leaves it to `track_html`."""
    plan = wire_plan(compiled, tracked=message is not None)
    if plan.exact:
        message_id = uuid_bytes(message.public_id) if message is not None else b""
        return plan.fill(filled, message_id=message_id, unsubscribe_url=unsubscribe_url)
    html = compiled.html_text(filled)
    if message is not None:
        html = track_html(html, message_public_id=message.public_id, unsubscribe_url=unsubscribe_url)
    return html, b""


def _dkim_keys() -> dict[str, DkimKey]:
    keys = {}
    for domain in SendingDomain.objects.exclude(dkim_private_key=""):
        try:
            check_private_key(domain.dkim_private_key)
        except DkimKeyError as error:
            logger.warning("Not signing mail from %s: %s", domain.domain, error)
            continue
        keys[domain.domain.lower()] = DkimKey(
            domain=domain.domain.lower(),
            selector=domain.dkim_selector,
            private_key_pem=domain.dkim_private_key,
        )
    return keys


# --- Rate limiting ------------------------------------------------------------------------------------


class Pacer:
    """At most `rate` messages a second per sending domain from this process (0: no limit)."""

    def __init__(
        self,
        rate: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_slot: dict[str, float] = {}

    def wait(self, domain: str) -> None:
        if not self.interval:
            return
        now = self.clock()
        slot = max(self.next_slot.get(domain, now), now)
        if slot > now:
            self.sleep(slot - now)
        self.next_slot[domain] = slot + self.interval


# --- Recording outcomes ---------------------------------------------------------------------------------


@cache
def _mark_sent_sql(*, provider_id: bool = True) -> str:
    """The one statement run for every message sent, written once: building it through the ORM each
    time cost more than running it. Without `provider_id` (SMTP gives none) the column and its index
    are left alone."""
    meta = OutboundMessage._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column
        return quote(field.column)

    sent = f"'{State.SENT.value}'"
    provider = f"{column('provider_id')} = %s, " if provider_id else ""
    return (
        f"UPDATE {quote(meta.db_table)} SET {column('state')} = {sent}, {column('sent_at')} = %s, "  # noqa: S608
        f"{column('smtp_response')} = %s, {provider}{column('last_error')} = '', "
        f"{column('lease_owner')} = '', {column('lease_until')} = NULL, "
        f"{column('subject')} = %s, {column('timeline_pending')} = {column('contact_id')} IS NOT NULL "
        f"WHERE {column('id')} = %s AND {column('state')} <> {sent}"
    )


def _mark_sent_values(
    message: OutboundMessage, email: OutgoingEmail, delivery: Delivery, sent_at: Any
) -> list[Any]:
    """The parameters of `_mark_sent_sql(provider_id=bool(delivery.provider_id))`."""
    if delivery.provider_id:
        return [sent_at, delivery.response[:500], delivery.provider_id[:255], email.subject[:255], message.pk]
    return [sent_at, delivery.response[:500], email.subject[:255], message.pk]


def _mark_sent(
    message: OutboundMessage, email: OutgoingEmail, delivery: Delivery, cursor: _MarkCursor
) -> bool:
    """The server took it: say so now, in a statement of its own. The row keeps the subject it went
    out with and is flagged for its `email.sent` timeline entry, which `_record_timeline` writes for
    the whole batch in one transaction (a crash before that leaves the flag, and the next run writes
    the entry: never twice, never lost)."""
    # Whoever holds the row now, the message is out: never leave an accepted message unsent.
    sent_at = cursor.open().ops.adapt_datetimefield_value(timezone.now())
    return cursor.execute(bool(delivery.provider_id), _mark_sent_values(message, email, delivery, sent_at))


class _MarkCursor:
    """`_mark_sent` through one cursor of the database driver itself, opened at the first mark on
    this thread's connection and kept, with the statement already in the driver's own parameter
    style: Django's cursor rewrote and checked the statement on every execute, and that (with the
    opening of a cursor for each message) cost more than the statement's own work in the database."""

    def __init__(self) -> None:
        self.database: Any = None
        self._cursor: Any = None
        self._statements: dict[bool, str] = {}

    def mark(self, message: OutboundMessage, email: OutgoingEmail, delivery: Delivery) -> bool:
        return _mark_sent(message, email, delivery, self)

    def open(self) -> Any:
        """The connection the marks go through (this thread's), opened if need be."""
        if self._cursor is None:
            database = connections[DEFAULT_DB_ALIAS]
            with database.wrap_database_errors:
                database.ensure_connection()
                self._cursor = database.connection.cursor()
            self.database = database
        return self.database

    def execute(self, provider_id: bool, values: list[Any]) -> bool:
        """Run `_mark_sent_sql(provider_id=...)` with `values`; True when a row was marked."""
        self.open()
        statement = self._statements.get(provider_id)
        if statement is None:
            statement = _mark_sent_sql(provider_id=provider_id)
            if self.database.Database.paramstyle == "qmark":
                statement = statement.replace("%s", "?")
            self._statements[provider_id] = statement
        with self.database.wrap_database_errors:
            self._cursor.execute(statement, values)
        return bool(self._cursor.rowcount)

    def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            with contextlib.suppress(DatabaseError), self.database.wrap_database_errors:
                cursor.close()  # its connection may be the reason we stop


def marks_in_background() -> bool:
    """Whether marks should be sent ahead on a connection of their own. On PostgreSQL every commit
    waits for the WAL flush: sent without waiting, a mark's commit overlaps the next message's
    envelope and rendering instead of adding to them. Not on SQLite, whose commits are cheap; not
    inside a transaction, whose rows another connection cannot see (and whose locks it would wait
    on)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class _PipelinedMarks:
    """PostgreSQL: `_mark_sent`'s statement sent on a connection of its own as soon as the 250 is
    read, without waiting for its answer (libpq's asynchronous calls, in this thread: no thread to
    hand the work to and back). The sender reads the answer (`wait`: True when the row was marked;
    what went wrong is raised) before a byte of the next message's data goes out, so the rule of one
    unmarked message is unchanged. One mark at a time; the connection is autocommit, so the answer
    comes once the mark is committed."""

    def __init__(self) -> None:
        self._database: Any = None
        self._pending = False
        self._selector: selectors.BaseSelector | None = None
        sql = _mark_sent_sql().split("%s")
        self._sql = "".join(f"{part}${number}" for number, part in enumerate(sql[:-1], 1)) + sql[-1]

    def _pgconn(self) -> Any:
        if self._database is None:
            self._database = connections.create_connection(DEFAULT_DB_ALIAS)
        database = self._database
        with database.wrap_database_errors:
            database.ensure_connection()
        return database.connection.pgconn

    def _parameters(self, message: OutboundMessage, email: OutgoingEmail, delivery: Delivery) -> list[str]:
        # The values of `_mark_sent_sql()`, as text: the server casts them to the columns' types.
        return [
            timezone.now().isoformat(),
            delivery.response[:500],
            delivery.provider_id[:255],
            email.subject[:255],
            str(message.pk),
        ]

    def start(self, message: OutboundMessage, email: OutgoingEmail, delivery: Delivery) -> None:
        if self._pending:
            raise RuntimeError("The previous mark has not been waited for.")
        pgconn = self._pgconn()
        values = [value.encode() for value in self._parameters(message, email, delivery)]
        with self._database.wrap_database_errors:
            pgconn.send_query_params(self._sql.encode(), values)
            self._pending = True
            while pgconn.flush():  # a connection in non-blocking mode may keep part of it back
                self._wait_for(pgconn.socket, selectors.EVENT_WRITE)

    @property
    def busy(self) -> bool:
        """Whether the pending mark's answer is still to come (does not wait)."""
        if not self._pending:
            return False
        pgconn = self._database.connection.pgconn
        with self._database.wrap_database_errors:
            pgconn.consume_input()
            return bool(pgconn.is_busy())

    def wait(self) -> bool:
        if not self._pending:
            return False
        self._pending = False
        pgconn = self._database.connection.pgconn
        with self._database.wrap_database_errors:
            pgconn.consume_input()
            while pgconn.is_busy():
                self._wait_for(pgconn.socket, selectors.EVENT_READ)
                pgconn.consume_input()
            result = pgconn.get_result()
            while pgconn.get_result() is not None:
                pass
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            detail = result.error_message.decode("utf-8", "replace").strip() if result is not None else ""
            raise DatabaseError(f"The message could not be marked sent: {detail or 'no answer'}")
        return bool(result.command_tuples)

    def _wait_for(self, fileno: int, events: int) -> None:
        if self._selector is None:
            self._selector = selectors.DefaultSelector()
            self._selector.register(fileno, events)
        else:
            self._selector.modify(fileno, events)
        self._selector.select()

    def close(self) -> None:
        """Read any answer still due and close the connection."""
        try:
            if self._pending and self._database is not None:
                with contextlib.suppress(DatabaseError):  # only waited for: the sender saw any error
                    self.wait()
        finally:
            if self._selector is not None:
                self._selector.close()
                self._selector = None
            database, self._database = self._database, None
            if database is not None:
                database.close()


# The columns of an `email.sent` entry given for each row; the others take their defaults, prepared once.
_TIMELINE_COLUMNS = ("kind", "contact_id", "company_id", "actor_id", "occurred_at", "title", "data")


def _record_timeline(ids: Sequence[int] | None = None) -> int:
    """Write the `email.sent` timeline entries of sent messages still flagged (of `ids`, or all of
    them), and clear the flags, in one transaction."""
    with transaction.atomic():
        pending = OutboundMessage.objects.filter(timeline_pending=True)
        if ids is not None:
            pending = pending.filter(id__in=ids)
        rows = list(
            pending.select_for_update(of=("self",)).values_list(
                "id",
                "public_id",
                "subject",
                "to_email",
                "kind",
                "variant",
                "sent_at",
                "sent_by_id",
                "contact_id",
                "contact__company_id",
                "campaign_id",
            )
        )
        if not rows:
            return 0
        campaigns = {
            pk: (str(public_id), name)
            for pk, public_id, name in Campaign.objects.filter(
                id__in={row[10] for row in rows} - {None}
            ).values_list("id", "public_id", "name")
        }
        now = timezone.now()
        entries: list[tuple[Any, ...]] = []
        contact_ids: list[int] = []
        latest: datetime | None = None
        for _pk, public_id, subject, to_email, kind, variant, sent_at, sent_by_id, contact_id, company_id, campaign_id in rows:  # fmt: skip
            if contact_id is None:
                continue
            data: dict[str, Any] = {
                "message": str(public_id),
                "subject": subject,
                "to": to_email,
                "email_kind": kind,
            }
            campaign = campaigns.get(campaign_id)
            if campaign is not None:
                data["campaign"], data["campaign_name"] = campaign
            if variant:
                data["variant"] = variant
            occurred_at = sent_at or now
            if latest is None or occurred_at > latest:
                latest = occurred_at
            contact_ids.append(contact_id)
            entries.append(
                (Kind.EMAIL_SENT, contact_id, company_id, sent_by_id, occurred_at, subject[:300], data)
            )
        if entries:
            insert_values(Activity, _TIMELINE_COLUMNS, entries)
            assert latest is not None
            contacts_touch_activity(contact_ids, latest)
        OutboundMessage.objects.filter(id__in=[row[0] for row in rows]).update(timeline_pending=False)
    return len(entries)


def _settle(message: OutboundMessage, owner: str, outcome: Outcome, error: str, report: SendReport) -> None:
    """A refusal fails the row; anything temporary queues it again with backoff, or gives up."""
    error = error[:2000]
    report.add_error(f"{message.to_email}: {error}")
    if outcome == Outcome.FAILED:
        report.failed += _set_many(
            [message], owner, state=State.FAILED, last_error=error, smtp_response=error[:500]
        )
    elif message.attempts >= MAX_ATTEMPTS:
        report.dead += _set_many([message], owner, state=State.DEAD, last_error=error)
    else:
        report.retried += _set_many(
            [message],
            owner,
            state=State.QUEUED,
            last_error=error,
            not_before=timezone.now() + backoff_delay(message.attempts),
        )


def _retry_all(rows: Sequence[OutboundMessage], owner: str, error: str, report: SendReport) -> None:
    for row in rows:
        _settle(row, owner, Outcome.RETRY, error, report)


# --- The loop -------------------------------------------------------------------------------------------


def _checkpoint(
    rows: Sequence[OutboundMessage], *, owner: str, lease: timedelta, report: SendReport
) -> set[int]:
    """Renew the leases of the rows still to send and return those still ours; rows of a campaign
    paused or cancelled meanwhile are put back or cancelled."""
    ids = [row.pk for row in rows]
    OutboundMessage.objects.filter(id__in=ids, lease_owner=owner, state=State.SENDING).update(
        lease_until=timezone.now() + lease
    )
    ours = set(
        OutboundMessage.objects.filter(id__in=ids, lease_owner=owner, state=State.SENDING).values_list(
            "id", flat=True
        )
    )
    campaign_ids = {row.campaign_id for row in rows if row.campaign_id}
    if campaign_ids:
        statuses: dict[int | None, str] = dict(
            Campaign.objects.filter(id__in=campaign_ids).values_list("id", "status")
        )
        paused = [row for row in rows if statuses.get(row.campaign_id) == Campaign.Status.PAUSED]
        cancelled = [row for row in rows if statuses.get(row.campaign_id) == Campaign.Status.CANCELLED]
        report.released += _release(paused, owner)
        report.cancelled += _set_many(
            cancelled,
            owner,
            state=State.CANCELLED,
            last_error="The campaign was cancelled.",
            attempts=F("attempts") - 1,
        )
        ours -= {row.pk for row in [*paused, *cancelled]}
    return ours


def _send_batch(
    rows: list[OutboundMessage],
    *,
    owner: str,
    lease: timedelta,
    transport: Transport,
    renderer: _Renderer,
    pacer: Pacer,
    report: SendReport,
    should_stop: Callable[[], bool],
    marks: _PipelinedMarks | None = None,
) -> None:
    """Send the rows one after the other. While the server reads a message, the next one is
    rendered; an accepted message is marked sent while the next one's envelope is with the server,
    and always before that message's data goes out (`SmtpTransport.send`): at any moment at most one
    accepted message is not yet marked, as when each mark followed its 250 straight away.

    With `marks` (an SMTP transport on PostgreSQL), the mark is sent on its own connection as soon
    as the 250 is read, and the next messages are rendered while it commits; the next message's data
    still waits for its answer, so the guarantee is the same."""
    checkpoint_every = min(CHECKPOINT_SECONDS, lease.total_seconds() / 3)
    last_checkpoint = time.monotonic()
    ours = {row.pk for row in rows}
    compose = isinstance(transport, SmtpTransport)
    if not compose:
        marks = None  # a backend gives no moment to overlap the mark with
    accepted: list[tuple[OutboundMessage, OutgoingEmail, Delivery]] = []
    inline = _MarkCursor()
    rendered: dict[int, tuple[OutgoingEmail, bytes | None] | Exception] = {}

    def record_accepted() -> None:
        """The pending mark, done (or waited for) now: called before anything that must not happen
        while an accepted message is unmarked."""
        if marks is not None and marks.wait():
            report.sent += 1
        while accepted:
            message, email, delivery = accepted.pop()
            if inline.mark(message, email, delivery):
                report.sent += 1

    def render(message: OutboundMessage) -> tuple[OutgoingEmail, bytes | None] | Exception:
        try:
            email = renderer.prepare(message)
            return email, message_bytes(email) if compose else None
        except Exception as error:
            return error

    def render_ahead(index: int, ahead: int = RENDER_AHEAD) -> bool:
        """Render the first row of the `ahead` after `index` not rendered yet; False when there is
        none."""
        for following in rows[index + 1 : index + 1 + ahead]:
            key = following.id
            if key in ours and key not in rendered:
                rendered[key] = render(following)
                return True
        return False

    try:
        for index, message in enumerate(rows):
            if should_stop():
                record_accepted()
                report.released += _release(rows[index:], owner)
                return
            if time.monotonic() - last_checkpoint >= checkpoint_every:
                record_accepted()
                ours = _checkpoint(rows[index:], owner=owner, lease=lease, report=report)
                last_checkpoint = time.monotonic()
            if message.pk not in ours:
                continue
            result = rendered.pop(message.pk, None) or render(message)
            if isinstance(result, Exception):
                record_accepted()
                if isinstance(result, ValidationError):
                    problem = _problem(result)
                else:
                    logger.error("Rendering message %s failed", message.public_id, exc_info=result)
                    problem = str(result)
                _settle(message, owner, Outcome.FAILED, f"The email could not be rendered: {problem}", report)
                continue
            email, data = result
            if pacer.interval:
                record_accepted()  # not held through the pause
            pacer.wait(email.from_domain)

            def before_data(index: int = index) -> None:
                # While the previous mark commits, render what comes next.
                while marks is not None and marks.busy and render_ahead(index):
                    pass
                record_accepted()
                # The server is reading the envelope: render ahead until its answer is in.
                while not transport.answered() and render_ahead(index):
                    pass

            def while_waiting(index: int = index) -> None:
                # The server is reading the data: render ahead until it answers, and no further, so
                # that the answer (and with marks sent ahead, the next mark) is not kept waiting.
                while not transport.answered() and render_ahead(index):
                    pass

            try:
                if compose:
                    delivery = transport.send(
                        email, data, before_data=before_data, while_waiting=while_waiting
                    )
                else:
                    record_accepted()
                    delivery = transport.send(email)
            except TransportUnavailable as error:
                logger.warning("%s", error)
                _retry_all([row for row in rows[index:] if row.pk in ours], owner, str(error), report)
                return
            if delivery.outcome == Outcome.SENT:
                if marks is not None:
                    marks.start(message, email, delivery)
                else:
                    accepted.append((message, email, delivery))
                    if not compose:
                        record_accepted()  # nothing to overlap it with: straight after the answer
            else:
                _settle(message, owner, delivery.outcome, delivery.response, report)
    finally:
        try:
            record_accepted()
        finally:
            inline.close()


def _never() -> bool:
    return False


def outbox_send_due(
    *,
    transport: Transport | None = None,
    worker: str | None = None,
    batch_size: int = BATCH_SIZE,
    lease: timedelta = LEASE,
    max_batches: int | None = None,
    time_budget: float | None = None,
    should_stop: Callable[[], bool] = _never,
    pacer: Pacer | None = None,
    background_marks: bool = True,
) -> SendReport:
    """Send what is due, batch after batch over one connection, until nothing is due (or the budget
    of batches or seconds is spent, or `should_stop` says so). `background_marks=False` keeps each
    mark in line even where `marks_in_background()` would send it ahead."""
    report = SendReport()
    worker = worker or worker_name()
    rate = int(settings.LEADLINE_SEND_RATE)
    if rate:
        # A batch at a slow rate would hold its rows for long: keep it to about ten seconds of sending.
        batch_size = max(1, min(batch_size, rate * 10))
    pacer = pacer or Pacer(rate)
    renderer: _Renderer | None = None
    own_transport = transport is None
    # Only where it can (PostgreSQL) and never inside a transaction: the marks' connection could
    # not see its rows, or would wait on their locks for ever.
    marks = _PipelinedMarks() if background_marks and marks_in_background() else None
    started = time.monotonic()
    # Entries a sender that died after sending did not get to write.
    _record_timeline()
    try:
        while not should_stop():
            if max_batches is not None and report.batches >= max_batches:
                break
            if time_budget is not None and time.monotonic() - started >= time_budget:
                break
            owner = f"{worker[:50]}/{secrets.token_hex(4)}"
            claimed = _claim(owner=owner, limit=batch_size, lease=lease, now=timezone.now())
            if not claimed:
                break
            report.batches += 1
            report.claimed += len(claimed)
            rows = _screen(claimed, owner=owner, report=report)
            if not rows:
                continue
            if renderer is None:
                renderer = _Renderer()
            if transport is None:
                try:
                    transport = open_transport()
                except TransportUnavailable as error:
                    _retry_all(rows, owner, str(error), report)
                    break
            try:
                _send_batch(
                    rows,
                    owner=owner,
                    lease=lease,
                    transport=transport,
                    renderer=renderer,
                    pacer=pacer,
                    report=report,
                    should_stop=should_stop,
                    marks=marks,
                )
            finally:
                _record_timeline([row.pk for row in rows])
    finally:
        try:
            if marks is not None:
                marks.close()
        finally:
            if transport is not None:
                report.connections = transport.connections_opened
                if own_transport:
                    transport.close()
    return report
