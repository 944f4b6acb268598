"""Importing orders from CSV: one row per order (or per line, rows sharing an order id), with the
contact's email, the date, the amount and the currency; optionally an order id, a product (SKU or
name) and a quantity.

The columns are recognised by their header (in any order, under common names) or, in a file
without a header row, taken in the order email, date, amount, currency, order id, product,
quantity. Bad rows are reported with their line number and skipped; the rest is imported in
batches, each batch in one transaction with a handful of bulk statements. Re-importing a file
skips the orders already there: by their order id, or (without one) by an id derived from the
row's content.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.activity.services import activities_record_bulk
from leadline.contacts.csvio import CsvFileError, detect_delimiter, detect_encoding, sniff_binary
from leadline.contacts.import_writing import ContactRecord, ContactWriter
from leadline.contacts.importing import RowIssue
from leadline.contacts.models import Contact, LifecycleStage
from leadline.contacts.services import normalize_email
from leadline.sales.currencies import clean_currency
from leadline.sales.models import DEFAULT_CURRENCY, Order, OrderLine, OrderSource, Product
from leadline.sales.order_services import (
    CENT,
    EXTERNAL_ID_MAX_LENGTH,
    LINE_NAME_MAX_LENGTH,
    MAX_LINES,
    clean_external_id,
    clean_money,
    clean_ordered_at,
    clean_quantity,
    order_numbers,
)

BATCH_SIZE = 1000
MAX_FILE_BYTES = 512 * 1024 * 1024
TARGETS = ("email", "date", "amount", "currency", "external_id", "product", "quantity")
REQUIRED = ("email", "date", "amount")
LABELS = {
    "email": "Email",
    "date": "Date",
    "amount": "Amount",
    "currency": "Currency",
    "external_id": "Order id",
    "product": "Product",
    "quantity": "Quantity",
}
ALIASES = {
    "email": {"email", "e mail", "email address", "contact email", "customer email", "contact", "customer"},
    "date": {
        "date",
        "order date",
        "ordered at",
        "purchase date",
        "purchased at",
        "created at",
        "timestamp",
        "time",
        "order time",
        "day",
    },
    "amount": {
        "amount",
        "total",
        "order total",
        "value",
        "revenue",
        "price",
        "sales",
        "spend",
        "dollar value",
        "line total",
        "amount paid",
        "net amount",
    },
    "currency": {"currency", "currency code", "ccy"},
    "external_id": {
        "order id",
        "order",
        "order number",
        "order no",
        "external id",
        "id",
        "transaction id",
        "invoice",
        "invoice number",
        "reference",
    },
    "product": {"sku", "product", "product sku", "product code", "item", "product name", "item sku"},
    "quantity": {"quantity", "qty", "units", "number of items", "items", "count"},
}
DERIVED_PREFIX = "csv:"

Progress = Callable[[str, int, int], object]


class OrderImportError(CsvFileError):
    """The file cannot be imported at all (unreadable, or without the columns it needs)."""


def normalize_header(text: str) -> str:
    return " ".join(re.sub(r"[_\-.#:]+", " ", text.strip().lower()).split())


@dataclass(frozen=True)
class Layout:
    """Which column holds what, and whether the first row is a header."""

    columns: dict[str, int]
    has_header: bool
    ignored: list[str] = field(default_factory=list)


def detect_layout(first_row: list[str]) -> Layout:
    """Recognise the header, or take a header-less file's columns in the documented order."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(first_row):
        name = normalize_header(header)
        target = next((target for target, names in ALIASES.items() if name in names), None)
        if target and target not in columns:
            columns[target] = index
        elif header.strip():
            ignored.append(header.strip()[:80])
    if "email" in columns and len(columns) >= 2:
        missing = [LABELS[target] for target in REQUIRED if target not in columns]
        if missing:
            raise OrderImportError(
                f"The file has no {' or '.join(missing)} column. Orders need the contact's email, "
                "the date and the amount (and optionally currency, order id, product and quantity)."
            )
        return Layout(columns=columns, has_header=True, ignored=ignored)
    if any(_looks_like_email(cell) for cell in first_row) and len(first_row) >= 3:
        return Layout(
            columns={target: index for index, target in enumerate(TARGETS[: len(first_row)])},
            has_header=False,
        )
    raise OrderImportError(
        "The columns could not be recognised. Name them in a header row (Email, Date, Amount, Currency, "
        "and optionally Order id, Product, Quantity), or put them in that order without a header."
    )


def _looks_like_email(cell: str) -> bool:
    cell = cell.strip()
    return "@" in cell and "." in cell.rsplit("@", 1)[-1] and " " not in cell


@dataclass
class OrderFile:
    text: str
    encoding: str
    delimiter: str
    layout: Layout
    name: str = ""


def read_order_bytes(data: bytes, *, name: str = "") -> OrderFile:
    if not data.strip():
        raise OrderImportError("The file is empty.")
    binary = sniff_binary(data)
    if binary:
        raise OrderImportError(binary)
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding).removeprefix("\ufeff").replace("\x00", "")
    except (UnicodeDecodeError, LookupError):
        raise OrderImportError(
            "The file's text encoding could not be recognised. Save it as UTF-8."
        ) from None
    delimiter = detect_delimiter(text)
    try:
        first_row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        raise OrderImportError("The first row could not be read.") from None
    return OrderFile(
        text=text, encoding=encoding, delimiter=delimiter, layout=detect_layout(first_row), name=name
    )


def read_order_path(path: Path | str) -> OrderFile:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise OrderImportError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise OrderImportError("No such file.") from None
    except OSError as error:
        raise OrderImportError(error.strerror or str(error)) from None
    return read_order_bytes(data, name=path.name)


# --- Rows into planned orders -------------------------------------------------------------------------


@dataclass
class PlannedLine:
    name: str
    product: Product | None
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


@dataclass
class PlannedOrder:
    external_id: str
    email: str
    ordered_at: datetime
    currency: str
    rows: list[int]
    lines: list[PlannedLine]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))


@dataclass
class OrderImportResult:
    file_name: str
    dry_run: bool
    total_rows: int = 0
    orders_created: int = 0
    orders_skipped: int = 0
    contacts_created: int = 0
    customers_made: int = 0
    lines_created: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.level == "error"]

    @property
    def failed_rows(self) -> int:
        return len({issue.row for issue in self.errors})


class _Products:
    """Products by SKU or name, case-insensitively, read once."""

    def __init__(self) -> None:
        self.by_key: dict[str, Product] = {}
        for product in Product.objects.order_by("-is_active", "id"):
            if product.sku:
                self.by_key.setdefault(product.sku.lower(), product)
            self.by_key.setdefault(product.name.lower(), product)

    def find(self, value: str) -> Product | None:
        return self.by_key.get(value.strip().lower())


def _cell(cells: list[str], layout: Layout, target: str) -> str:
    index = layout.columns.get(target)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _records(order_file: OrderFile) -> Iterator[tuple[int, list[str], str]]:
    """(line number, cells, error) of each data row; blank rows skipped, unreadable ones reported."""
    reader = csv.reader(io.StringIO(order_file.text, newline=""), delimiter=order_file.delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            yield number, [], f"This row could not be read: {error}"
            continue
        number += 1
        if number == 1 and order_file.layout.has_header:
            continue
        if not any(cell.strip() for cell in cells):
            continue
        yield number, cells, ""


class _Planner:
    """Turns rows into orders, grouping rows that share an order id."""

    def __init__(self, *, default_currency: str, now: datetime) -> None:
        self.default_currency = default_currency
        self.now = now
        self.products = _Products()
        self.orders: dict[str, PlannedOrder] = {}
        self.issues: list[RowIssue] = []
        self.occurrences: dict[str, int] = {}
        self.unknown_products: set[str] = set()
        # Exports repeat the same people and days on many rows: each is checked once.
        self.emails: dict[str, Any] = {}
        self.dates: dict[str, Any] = {}
        self.rows = 0

    def add(self, number: int, cells: list[str], layout: Layout) -> None:
        self.rows += 1
        try:
            self._add(number, cells, layout)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.issues.append(RowIssue(number, LABELS.get(name, name), message))

    def _add(self, number: int, cells: list[str], layout: Layout) -> None:
        errors: dict[str, list[str]] = {}

        def check(target: str, function: Callable[[], Any]) -> Any:
            try:
                return function()
            except ValidationError as error:
                errors.setdefault(target, []).extend(error.messages)
                return None

        raw_email = _cell(cells, layout, "email")
        email = check("email", lambda: self._memo(self.emails, raw_email, lambda: normalize_email(raw_email)))
        if not raw_email:
            errors.setdefault("email", []).append("The contact's email is missing.")
        raw_date = _cell(cells, layout, "date")
        ordered_at = check(
            "date",
            lambda: self._memo(
                self.dates, raw_date, lambda: clean_ordered_at(raw_date or None, field="date", now=self.now)
            ),
        )
        if not raw_date:
            errors.setdefault("date", []).append("The order date is missing.")
        amount = check("amount", lambda: clean_money(_cell(cells, layout, "amount"), field="amount"))
        currency = check(
            "currency", lambda: clean_currency(_cell(cells, layout, "currency") or self.default_currency)
        )
        quantity = check("quantity", lambda: clean_quantity(_cell(cells, layout, "quantity") or None))
        given_id = check("external_id", lambda: clean_external_id(_cell(cells, layout, "external_id")))
        if errors:
            raise ValidationError(errors)
        product_text = _cell(cells, layout, "product")[:LINE_NAME_MAX_LENGTH]
        product = self.products.find(product_text) if product_text else None
        if product_text and product is None and product_text.lower() not in self.unknown_products:
            self.unknown_products.add(product_text.lower())
            self.issues.append(
                RowIssue(
                    number,
                    "Product",
                    f"No product has the SKU or name “{product_text[:60]}”; "
                    "its rows become lines without a product.",
                    "warning",
                )
            )
        line = PlannedLine(
            name=(product.name if product else product_text) or "Imported order",
            product=product,
            quantity=quantity,
            unit_price=(amount / quantity).quantize(CENT),
            total=amount,
        )
        key = given_id or self._derived_id(email, ordered_at, amount, currency, product_text, quantity)
        planned = self.orders.get(key)
        if planned is None:
            self.orders[key] = PlannedOrder(
                external_id=key,
                email=email,
                ordered_at=ordered_at,
                currency=currency,
                rows=[number],
                lines=[line],
            )
            return
        if planned.email != email or planned.currency != currency:
            raise ValidationError(
                {
                    "external_id": f"Order {key[:40]} is on line {planned.rows[0]} with another "
                    f"{'email' if planned.email != email else 'currency'}."
                }
            )
        if len(planned.lines) >= MAX_LINES:
            raise ValidationError({"external_id": f"Order {key[:40]} has more than {MAX_LINES} lines."})
        planned.rows.append(number)
        planned.lines.append(line)

    @staticmethod
    def _memo(cache: dict[str, Any], key: str, check: Callable[[], Any]) -> Any:
        """`check()`'s result (or its ValidationError) for `key`, computed once."""
        if key not in cache:
            try:
                cache[key] = check()
            except ValidationError as error:
                cache[key] = error
        value = cache[key]
        if isinstance(value, ValidationError):
            raise value
        return value

    def _derived_id(self, *parts: Any) -> str:
        """A stable id for a row without an order id: the same row of the same file gives the same id,
        and identical rows (two equal orders on one day) are told apart by their occurrence."""
        text = "|".join(part.isoformat() if isinstance(part, datetime) else str(part) for part in parts)
        occurrence = self.occurrences.get(text, 0)
        self.occurrences[text] = occurrence + 1
        digest = hashlib.sha256(f"{text}|{occurrence}".encode()).hexdigest()[:40]
        identifier = f"{DERIVED_PREFIX}{digest}"
        assert len(identifier) <= EXTERNAL_ID_MAX_LENGTH
        return identifier


# --- Writing ---------------------------------------------------------------------------------------


_STAGES_BEFORE_CUSTOMER = [
    stage
    for stage in LifecycleStage.values
    if LifecycleStage.rank(stage) < LifecycleStage.rank(LifecycleStage.CUSTOMER)
]


class _Writer:
    def __init__(self, *, actor: Any, dry_run: bool, file_name: str, result: OrderImportResult) -> None:
        self.actor = actor if getattr(actor, "pk", None) else None
        self.dry_run = dry_run
        self.file_name = file_name
        self.result = result
        self.planned_emails: set[str] = set()

    def write(self, batch: list[PlannedOrder]) -> None:
        if self.dry_run:
            self._count(batch)
            return
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    self._write(batch)
                return
            except IntegrityError:
                # Someone imported some of these orders meanwhile: read the batch's state again.
                if attempt == 2:
                    raise

    def _existing_ids(self, batch: list[PlannedOrder]) -> set[str]:
        ids = Order.objects.filter(external_id__in=[order.external_id for order in batch]).values_list(
            "external_id", flat=True
        )
        return {identifier for identifier in ids if identifier}

    def _count(self, batch: list[PlannedOrder]) -> None:
        existing = self._existing_ids(batch)
        fresh = [order for order in batch if order.external_id not in existing]
        self.result.orders_skipped += len(batch) - len(fresh)
        self.result.orders_created += len(fresh)
        self.result.lines_created += sum(len(order.lines) for order in fresh)
        emails = {order.email for order in fresh} - self.planned_emails
        known = set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
        self.result.contacts_created += len(emails - known)
        self.planned_emails |= emails

    def _write(self, batch: list[PlannedOrder]) -> None:
        existing = self._existing_ids(batch)
        fresh = [order for order in batch if order.external_id not in existing]
        skipped = len(batch) - len(fresh)
        contacts = self._contacts({order.email for order in fresh})
        created_contacts = sum(1 for contact in contacts.values() if contact.created)
        now = timezone.now()
        orders = [
            Order(
                public_id=uuid.uuid4(),
                created_at=now,
                updated_at=now,
                contact_id=contacts[planned.email].id,
                company_id=contacts[planned.email].company_id,
                number=number,
                external_id=planned.external_id,
                ordered_at=planned.ordered_at,
                currency=planned.currency,
                total=planned.total,
                refunded_total=Decimal(0),
                source=OrderSource.IMPORT,
                created_by=self.actor,
            )
            for planned, number in zip(fresh, order_numbers(len(fresh)), strict=True)
        ]
        _insert_rows(Order, orders)
        ids = dict(
            Order.objects.filter(number__in=[order.number for order in orders]).values_list("number", "id")
        )
        for order in orders:
            order.pk = ids[order.number]
        lines = [
            OrderLine(
                public_id=uuid.uuid4(),
                order_id=order.pk,
                product=line.product,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=Decimal(0),
                total=line.total,
            )
            for order, planned in zip(orders, fresh, strict=True)
            for line in planned.lines
        ]
        _insert_rows(OrderLine, lines)
        activities = [
            self._placed(order, len(planned.lines)) for order, planned in zip(orders, fresh, strict=True)
        ]
        customers = self._make_customers(orders, contacts)
        activities_record_bulk([*activities, *customers])
        self._touch(orders)
        self.result.orders_created += len(orders)
        self.result.orders_skipped += skipped
        self.result.lines_created += len(lines)
        self.result.contacts_created += created_contacts
        self.result.customers_made += len(customers)

    def _contacts(self, emails: set[str]) -> dict[str, _ContactRow]:
        """The contacts of these emails; the missing ones are created by the contacts room's own
        import writer (in bulk, with company matching and a "contact.imported" timeline entry)."""
        found = self._read_contacts(emails)
        missing = sorted(emails - set(found))
        if missing:
            writer = ContactWriter(
                actor=self.actor, dry_run=False, default_owner=None, file_name=self.file_name
            )
            writer.write([ContactRecord(email=email, rows=[], fields={}, properties={}) for email in missing])
            created = self._read_contacts(set(missing))
            for row in created.values():
                row.created = True
            found.update(created)
        return found

    @staticmethod
    def _read_contacts(emails: set[str]) -> dict[str, _ContactRow]:
        return {
            email: _ContactRow(email, contact_id, company_id, stage)
            for email, contact_id, company_id, stage in Contact.objects.filter(email__in=emails).values_list(
                "email", "id", "company_id", "lifecycle_stage"
            )
            if email
        }

    def _placed(self, order: Order, line_count: int) -> Activity:
        return Activity(
            kind=Kind.ORDER_PLACED,
            contact_id=order.contact_id,
            company_id=order.company_id,
            actor=self.actor,
            occurred_at=order.ordered_at,
            title=f"Order {order.number}: {order.currency} {order.total:,.2f}"[:300],
            data={
                "order": str(order.public_id),
                "number": order.number,
                "total": str(order.total),
                "currency": order.currency,
                "source": order.source,
                "lines": line_count,
                "file": self.file_name[:200],
            },
        )

    def _make_customers(self, orders: list[Order], contacts: dict[str, _ContactRow]) -> list[Activity]:
        """Everyone who bought becomes a customer (never backwards), as of their first order here."""
        first_order: dict[int, Order] = {}
        for order in orders:
            current = first_order.get(order.contact_id)
            if current is None or order.ordered_at < current.ordered_at:
                first_order[order.contact_id] = order
        stages = {row.id: row for row in contacts.values()}
        moving = [
            contact_id for contact_id in first_order if stages[contact_id].stage in _STAGES_BEFORE_CUSTOMER
        ]
        if not moving:
            return []
        Contact.objects.filter(pk__in=moving, lifecycle_stage__in=_STAGES_BEFORE_CUSTOMER).update(
            lifecycle_stage=LifecycleStage.CUSTOMER, updated_at=timezone.now()
        )
        activities = []
        for contact_id in moving:
            row, order = stages[contact_id], first_order[contact_id]
            activities.append(
                Activity(
                    kind=Kind.STAGE_CHANGED,
                    contact_id=contact_id,
                    company_id=row.company_id,
                    actor=self.actor,
                    occurred_at=order.ordered_at,
                    title=f"Lifecycle stage: {LifecycleStage.CUSTOMER.label}",
                    data={"from": row.stage, "to": LifecycleStage.CUSTOMER.value, "via": "order"},
                )
            )
            row.stage = LifecycleStage.CUSTOMER
        return activities

    @staticmethod
    def _touch(orders: list[Order]) -> None:
        """Move each contact's last activity forward to their latest imported order."""
        latest: dict[int, datetime] = {}
        for order in orders:
            if order.contact_id not in latest or order.ordered_at > latest[order.contact_id]:
                latest[order.contact_id] = order.ordered_at
        if not latest:
            return
        connection = connections[router.db_for_write(Contact)]
        quote = connection.ops.quote_name
        table = quote(Contact._meta.db_table)
        column = quote("last_activity_at")
        sql = (
            f"UPDATE {table} SET {column} = %s WHERE {quote('id')} = %s "  # noqa: S608 - identifiers only
            f"AND ({column} IS NULL OR {column} < %s)"
        )
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.executemany(sql, [[adapt(at), contact_id, adapt(at)] for contact_id, at in latest.items()])


def _insert_rows(model: type[models.Model], instances: list[Any]) -> None:
    """Insert fully prepared rows with one executemany (no primary keys come back).

    Each value still goes through its field's own conversion, as with bulk_create, without the
    per-cell placeholder compilation that makes bulk_create the slowest part of a large import.
    """
    if not instances:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's metadata; values travel as parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
        for instance in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@dataclass
class _ContactRow:
    email: str
    id: int
    company_id: int | None
    stage: str
    created: bool = False


def import_orders(
    order_file: OrderFile,
    *,
    actor: Any = None,
    dry_run: bool = False,
    default_currency: str = DEFAULT_CURRENCY,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> OrderImportResult:
    """Import the orders of `order_file`; with `dry_run`, only count what would happen."""
    started = time.monotonic()
    default_currency = clean_currency(default_currency)
    result = OrderImportResult(
        file_name=order_file.name, dry_run=dry_run, ignored_columns=list(order_file.layout.ignored)
    )
    planner = _Planner(default_currency=default_currency, now=timezone.now())
    for number, cells, error in _records(order_file):
        if error:
            planner.rows += 1
            planner.issues.append(RowIssue(number, "", error))
            continue
        planner.add(number, cells, order_file.layout)
        if progress is not None and planner.rows % 5000 == 0:
            progress("reading", planner.rows, 0)
    result.total_rows = planner.rows
    result.issues.extend(planner.issues)
    if progress is not None:
        progress("reading", planner.rows, planner.rows)

    planned = list(planner.orders.values())
    writer = _Writer(actor=actor, dry_run=dry_run, file_name=order_file.name, result=result)
    for start in range(0, len(planned), batch_size):
        writer.write(planned[start : start + batch_size])
        if progress is not None:
            progress("writing", min(start + batch_size, len(planned)), len(planned))
    if progress is not None and not planned:
        progress("writing", 0, 0)
    result.issues.sort(key=lambda issue: issue.row)
    result.seconds = time.monotonic() - started
    return result
