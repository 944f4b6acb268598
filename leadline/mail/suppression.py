"""The suppression list: addresses no email goes to. Writes (add, remove, CSV import) and the reads
behind the list screen, the API and the CSV export.

Bounces and complaints add addresses through `suppression_add` (see `leadline.mail.bounces`);
people add and remove them by hand or by file. Removing an address lets email go to it again, so
every removal is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from leadline.contacts.csvio import (
    CsvFileError,
    CsvLineWriter,
    iter_records,
    read_csv_bytes,
    unneutralise_cell,
)
from leadline.core.access import get_for_user
from leadline.core.services import audit_record
from leadline.mail.models import Suppression

SEARCH_MAX_LENGTH = 200
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 200_000
IMPORT_MAX_PROBLEMS = 500
IMPORT_BATCH = 1000
EXPORT_COLUMNS = ["email", "reason", "detail", "source", "added_at"]
# Column names people use for the address, the reason and the detail (compared in lower case).
_EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address", "address", "mail")
_REASON_HEADERS = ("reason", "type", "category")
_DETAIL_HEADERS = ("detail", "details", "note", "notes", "comment", "description")


def normalise_email(value: Any) -> str:
    """The address in lower case, or ValidationError naming `email`."""
    address = str(value or "").strip().strip("<>").strip().lower()
    if not address:
        raise ValidationError({"email": "Enter an email address."})
    if len(address) > 254:
        raise ValidationError({"email": "An email address has at most 254 characters."})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    return address


def _reason_from(value: str) -> str | None:
    text = value.strip().lower().replace(" ", "_").replace("-", "_")
    if not text:
        return Suppression.Reason.IMPORTED
    if text in Suppression.Reason.values:
        return text
    by_label = {label.lower().replace(" ", "_"): key for key, label in Suppression.Reason.choices}
    aliases = {"bounce": "hard_bounce", "hard": "hard_bounce", "soft": "soft_bounce", "spam": "complaint"}
    return by_label.get(text) or aliases.get(text)


# --- Writes ---------------------------------------------------------------------------------------


def suppression_add(
    *, email: str, reason: str, detail: str = "", source: str = "", actor: Any = None
) -> tuple[Suppression, bool]:
    """Suppress `email`; (the row, whether it is new). An address already on the list keeps the
    entry it has: the first reason is the one that explains it."""
    address = normalise_email(email)
    if reason not in Suppression.Reason.values:
        raise ValidationError({"reason": "Choose a reason from the list."})
    defaults = {
        "reason": reason,
        "detail": (detail or "").replace("\x00", "").strip()[:500],
        "source": (source or "")[:120],
        "created_by": actor if getattr(actor, "pk", None) else None,
    }
    try:
        with transaction.atomic():
            suppression, created = Suppression.objects.get_or_create(email=address, defaults=defaults)
            if created and defaults["created_by"] is not None:
                audit_record(
                    actor=actor,
                    action="suppression.add",
                    target=suppression,
                    summary=f"Suppressed {address} ({suppression.get_reason_display()})",
                    email=address,
                    reason=reason,
                )
    except IntegrityError:
        # Another process suppressed it between our read and our insert.
        return Suppression.objects.get(email=address), False
    return suppression, created


def suppression_remove(*, suppression: Suppression, actor: Any) -> None:
    """Take an address off the list: email may go to it again. Audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="suppression.remove",
            target=suppression,
            summary=f"Removed {suppression.email} from the suppression list ({suppression.get_reason_display()})",
            email=suppression.email,
            reason=suppression.reason,
            detail=suppression.detail,
            source=suppression.source,
        )
        suppression.delete()


@dataclass
class ImportProblem:
    row: int
    value: str
    message: str


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    duplicates: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, row: int, value: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < IMPORT_MAX_PROBLEMS:
            self.problems.append(ImportProblem(row, value[:120], message))


def _column(headers: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [header.strip().lower() for header in headers]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def suppression_import(*, data: bytes, actor: Any, file_name: str = "") -> ImportResult:
    """Add the addresses of a CSV file (columns: email, and optionally reason and detail).

    Each bad row is reported with its row number and the rest are imported; addresses already on
    the list are left as they are. Raises ValidationError (`file`) when the file cannot be read.
    """
    if len(data) > IMPORT_MAX_BYTES:
        raise ValidationError({"file": f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB."})
    try:
        csv_file = read_csv_bytes(data, name=file_name)
    except CsvFileError as error:
        raise ValidationError({"file": str(error)}) from None
    email_column = _column(csv_file.headers, _EMAIL_HEADERS)
    if email_column is None:
        raise ValidationError({"file": "The first row must name the columns, with one called “email”."})
    reason_column = _column(csv_file.headers, _REASON_HEADERS)
    detail_column = _column(csv_file.headers, _DETAIL_HEADERS)

    result = ImportResult()
    wanted: dict[str, tuple[str, str]] = {}
    for row_number, cells, row_error in iter_records(csv_file):
        if row_error:
            result.problem(row_number, "", row_error)
            continue
        if len(wanted) + result.problem_count >= IMPORT_MAX_ROWS:
            result.problem(row_number, "", f"Only the first {IMPORT_MAX_ROWS:,} rows are read.")
            break

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return unneutralise_cell(cells[index].strip()) if index is not None and index < len(cells) else ""

        raw_email = cell(email_column)
        try:
            address = normalise_email(raw_email)
        except ValidationError:
            result.problem(
                row_number, raw_email, "Not a valid email address." if raw_email else "No email address."
            )
            continue
        raw_reason = cell(reason_column)
        reason = _reason_from(raw_reason)
        if reason is None:
            result.problem(
                row_number,
                raw_reason,
                "Unknown reason: use hard_bounce, soft_bounce, complaint, manual or imported.",
            )
            continue
        if address in wanted:
            result.duplicates += 1
            continue
        wanted[address] = (reason, cell(detail_column).replace("\x00", "")[:500])

    source = f"import: {file_name}"[:120] if file_name else "import"
    created_by = actor if getattr(actor, "pk", None) else None
    addresses = list(wanted)
    with transaction.atomic():
        for start in range(0, len(addresses), IMPORT_BATCH):
            batch = addresses[start : start + IMPORT_BATCH]
            existing = set(Suppression.objects.filter(email__in=batch).values_list("email", flat=True))
            rows = [
                Suppression(
                    email=address,
                    reason=wanted[address][0],
                    detail=wanted[address][1],
                    source=source,
                    created_by=created_by,
                )
                for address in batch
                if address not in existing
            ]
            Suppression.objects.bulk_create(rows, ignore_conflicts=True)
            result.added += len(rows)
            result.already += len(existing)
        audit_record(
            actor=actor,
            action="suppression.import",
            summary=f"Imported {result.added} addresses into the suppression list",
            file_name=file_name[:200],
            added=result.added,
            already=result.already,
            problems=result.problem_count,
        )
    return result


# --- Reads ----------------------------------------------------------------------------------------


def suppression_list(*, user: Any, q: str = "", reason: str = "") -> QuerySet[Suppression]:
    """The list as `user` may see it, newest first, filtered by words and reason."""
    rows = Suppression.objects.for_user(user).select_related("created_by")
    q = (q or "").strip()[:SEARCH_MAX_LENGTH]
    if q:
        rows = rows.filter(Q(email__icontains=q.lower()) | Q(detail__icontains=q) | Q(source__icontains=q))
    if reason in Suppression.Reason.values:
        rows = rows.filter(reason=reason)
    return rows.order_by("-created_at", "-id")


def suppression_get(*, user: Any, public_id: Any, for_edit: bool = False) -> Suppression:
    return get_for_user(Suppression.objects.select_related("created_by"), user, public_id, for_edit=for_edit)


def suppression_counts(*, user: Any) -> dict[str, int]:
    """How many addresses per reason (every reason present, zeros included), and `total`."""
    counts = dict.fromkeys(Suppression.Reason.values, 0)
    for row in Suppression.objects.for_user(user).values("reason").annotate(count=Count("id")):
        counts[row["reason"]] = row["count"]
    counts["total"] = sum(counts[key] for key in Suppression.Reason.values)
    return counts


def suppression_find(email: str) -> Suppression | None:
    """The entry suppressing `email`, if any (no access check: used when sending)."""
    try:
        address = normalise_email(email)
    except ValidationError:
        return None
    return Suppression.objects.filter(email=address).first()


def is_suppressed(email: str) -> bool:
    return suppression_find(email) is not None


def suppression_export_lines(rows: QuerySet[Suppression]) -> Iterator[str]:
    """The CSV lines of `rows` with a header, cells safe from spreadsheet formulas."""
    writer = CsvLineWriter()
    yield writer.line(list(EXPORT_COLUMNS))
    for row in rows.order_by("email").iterator(chunk_size=2000):
        yield writer.line([row.email, row.reason, row.detail, row.source, row.created_at.isoformat()])
