"""CSV import of contacts: read, map, clean, de-duplicate by email and write in batches.

Rows are cleaned by the same functions as every other write path (`clean_contact_fields`,
`clean_properties`), then merged by email across the whole file, so that later rows fill or update
earlier ones and importing the same file twice changes nothing the second time. Writes go in batches:
one query for the batch's existing contacts, bulk inserts and updates, and one `contact.imported`
timeline entry per contact created or changed. Empty cells never erase stored values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from leadline.contacts.csvio import CsvFile, CsvFileError, iter_records, read_csv_bytes, unneutralise_cell
from leadline.contacts.import_mapping import (
    CONTACT_TARGETS,
    FIELD_HEADERS,
    IGNORE,
    PROPERTY_PREFIX,
    auto_map,
    translate_country,
    translate_source,
    translate_stage,
    translate_time_zone,
    validate_mapping,
)
from leadline.contacts.import_writing import ContactRecord, ContactWriter
from leadline.contacts.models import CustomProperty, LifecycleStage, Source
from leadline.contacts.properties import clean_properties, definitions
from leadline.contacts.services import clean_company_fields, clean_contact_fields
from leadline.core.access import PermissionDeniedForRole
from leadline.core.services import audit_record

if TYPE_CHECKING:
    from leadline.accounts.models import User

BATCH_SIZE = 2000
PROGRESS_EVERY_ROWS = 5000
ERROR = "error"
WARNING = "warning"

Progress = Callable[[str, int, int], object]
"""progress(phase, done, total) with phase "reading" or "writing"."""
Written = Callable[[list[int]], object]
"""written(contact_ids): the contacts of a batch just written (created, updated or already so)."""


@dataclass(frozen=True)
class RowIssue:
    """One problem with one row. Row numbers count the header as row 1, as spreadsheets show them."""

    row: int
    column: str
    message: str
    level: str = ERROR


@dataclass
class ImportResult:
    file_name: str = ""
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    duplicates: int = 0
    companies_created: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.level == ERROR]

    @property
    def warnings(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.level == WARNING]

    def counts(self) -> dict[str, int]:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "companies_created": self.companies_created,
        }


# --- Reading and cleaning rows --------------------------------------------------------------------


class _Owners:
    """Teammates by email, and by full name when that name is unique (HubSpot exports names)."""

    def __init__(self) -> None:
        from leadline.accounts.models import User

        self.by_email: dict[str, User] = {}
        by_name: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True):
            self.by_email[user.email.lower()] = user
            name = user.get_full_name().strip().lower()
            if name:
                by_name.setdefault(name, []).append(user)
        self.by_name = {name: users[0] for name, users in by_name.items() if len(users) == 1}

    def find(self, value: str) -> User | None:
        text = value.strip().lower()
        return self.by_email.get(text) or self.by_name.get(" ".join(text.split()))


class _RowCleaner:
    def __init__(
        self, *, headers: Sequence[str], mapping: Sequence[str], known: Mapping[str, CustomProperty]
    ) -> None:
        self.headers = list(headers)
        self.known = known
        self.columns = [
            (index, headers[index], target) for index, target in enumerate(mapping) if target != IGNORE
        ]
        self.owners = _Owners() if "owner" in mapping else None
        self.header_for: dict[str, str] = {}
        for _index, header, target in self.columns:
            self.header_for.setdefault(target, header)

    def column(self, target: str) -> str:
        return self.header_for.get(target) or FIELD_HEADERS.get(target, target)

    def clean(self, row_number: int, cells: Sequence[str]) -> tuple[ContactRecord | None, list[RowIssue]]:
        issues: list[RowIssue] = []
        if len(cells) > len(self.headers) and any(cell.strip() for cell in cells[len(self.headers) :]):
            issues.append(
                RowIssue(
                    row_number,
                    "",
                    f"This row has {len(cells)} cells but the header has {len(self.headers)}; "
                    "check for an unquoted separator in a value.",
                )
            )
            return None, issues
        raw: dict[str, str] = {}
        for index, _header, target in self.columns:
            if index >= len(cells):
                continue
            value = unneutralise_cell(cells[index].strip())
            if value and target not in raw:
                raw[target] = value  # several columns may feed one field: the first non-empty wins
        if not raw.get("email"):
            issues.append(
                RowIssue(row_number, self.column("email"), "An email address is required to match contacts.")
            )
            return None, issues

        data: dict[str, Any] = {}
        for target in CONTACT_TARGETS:
            if target == "owner" or target not in raw:
                continue
            value = raw[target]
            if target == "lifecycle_stage":
                stage = translate_stage(value)
                if stage is None:
                    issues.append(
                        RowIssue(
                            row_number,
                            self.column(target),
                            f"{value[:60]!r} is not a lifecycle stage. "
                            f"Use one of: {', '.join(LifecycleStage.values)}.",
                        )
                    )
                    continue
                value = stage
            elif target == "original_source":
                source = translate_source(value)
                if source is None:
                    issues.append(
                        RowIssue(
                            row_number,
                            self.column(target),
                            f"{value[:60]!r} is not a source. Use one of: {', '.join(Source.values)}.",
                        )
                    )
                    continue
                value = source
            elif target == "country":
                country = translate_country(value)
                if country is None:
                    issues.append(
                        RowIssue(
                            row_number,
                            self.column(target),
                            f"{value[:60]!r} is not a country we recognise; use a two-letter code such as GB.",
                        )
                    )
                    continue
                value = country
            elif target == "time_zone":
                value = translate_time_zone(value)
            data[target] = value
        try:
            fields = clean_contact_fields(data, known_properties=self.known)
        except ValidationError as error:
            fields = {}
            for key, messages in error.message_dict.items():
                for message in messages:
                    issues.append(RowIssue(row_number, self.column(key), message))

        properties: dict[str, Any] = {}
        for target, value in raw.items():
            if not target.startswith(PROPERTY_PREFIX):
                continue
            key = target.removeprefix(PROPERTY_PREFIX)
            try:
                properties.update(clean_properties({key: value}, known=self.known))
            except ValidationError as error:
                for message in error.messages:
                    issues.append(RowIssue(row_number, self.column(target), message))

        company_name = company_domain = ""
        if "company" in raw or "company_domain" in raw:
            company_data = {
                name: raw[target]
                for target, name in (("company", "name"), ("company_domain", "domain"))
                if target in raw
            }
            try:
                company = clean_company_fields(company_data)
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    target = "company_domain" if key == "domain" else "company"
                    for message in messages:
                        issues.append(RowIssue(row_number, self.column(target), message))
            else:
                company_name = company.get("name") or ""
                company_domain = company.get("domain") or ""

        owner = None
        if "owner" in raw and self.owners is not None:
            owner = self.owners.find(raw["owner"])
            if owner is None:
                issues.append(
                    RowIssue(
                        row_number,
                        self.column("owner"),
                        f"No teammate has the email or name {raw['owner'][:80]!r}; the owner was left as it was.",
                        WARNING,
                    )
                )

        if any(issue.level == ERROR for issue in issues):
            return None, issues
        email = fields.pop("email")
        return (
            ContactRecord(
                email=email,
                rows=[row_number],
                fields=fields,
                properties=properties,
                owner=owner,
                company_name=company_name,
                company_domain=company_domain,
            ),
            issues,
        )


# --- The import -----------------------------------------------------------------------------------


def check_import_allowed(actor: Any) -> None:
    """Imports touch everyone's contacts, so only admins and marketing may run them."""
    if actor is not None and not (actor.is_admin or actor.is_marketing):
        raise PermissionDeniedForRole("Only admins and marketing can import contacts.")


def import_contacts(
    csv_file: CsvFile,
    *,
    mapping: Sequence[str] | None = None,
    file_format: str = "auto",
    actor: Any = None,
    dry_run: bool = False,
    default_owner: User | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    written: Written | None = None,
) -> ImportResult:
    """Import the contacts of `csv_file`. With `dry_run`, report what would happen and write nothing.

    `actor` is the user running the import (None on the command line). Raises CsvFileError when the
    mapping cannot be used (no email column); problems with single rows are reported, never raised.
    `written` is called after each batch with its contacts (e.g. to add them to a list).
    """
    started = time.monotonic()
    check_import_allowed(actor)
    known = definitions()
    mapping = (
        list(mapping)
        if mapping is not None
        else auto_map(csv_file.headers, file_format=file_format, properties=known)
    )
    problems = validate_mapping(mapping, headers=csv_file.headers, properties=known)
    if problems:
        raise CsvFileError(" ".join(problems))
    result = ImportResult(file_name=csv_file.name, dry_run=dry_run)
    result.ignored_columns = [
        header
        for header, target in zip(csv_file.headers, mapping, strict=True)
        if target == IGNORE and header
    ]
    cleaner = _RowCleaner(headers=csv_file.headers, mapping=mapping, known=known)
    records: dict[str, ContactRecord] = {}
    for row_number, cells, read_error in iter_records(csv_file):
        result.total_rows += 1
        if read_error:
            result.failed += 1
            result.issues.append(RowIssue(row_number, "", read_error))
            continue
        record, issues = cleaner.clean(row_number, cells)
        result.issues.extend(issues)
        if record is None:
            result.failed += 1
        elif record.email in records:
            records[record.email].merge(record)
            result.duplicates += 1
        else:
            records[record.email] = record
        if progress is not None and result.total_rows % PROGRESS_EVERY_ROWS == 0:
            progress("reading", result.total_rows, 0)
    if progress is not None:
        progress("reading", result.total_rows, result.total_rows)

    writer = ContactWriter(actor=actor, dry_run=dry_run, default_owner=default_owner, file_name=csv_file.name)
    pending = list(records.values())
    for start in range(0, len(pending), batch_size):
        writer.write(pending[start : start + batch_size])
        if written is not None and not dry_run:
            written(writer.batch_contact_ids)
        if progress is not None:
            progress("writing", min(start + batch_size, len(pending)), len(pending))
    result.created, result.updated = writer.counts.created, writer.counts.updated
    result.unchanged = writer.counts.unchanged
    result.companies_created = writer.companies_created
    result.issues.sort(key=lambda issue: issue.row)
    result.seconds = time.monotonic() - started
    if not dry_run and (result.created or result.updated):
        audit_record(
            actor=writer.actor,
            action="contacts.imported",
            summary=f"{csv_file.name}: {result.created} created, {result.updated} updated, {result.failed} failed",
            counts=result.counts(),
        )
    return result


def read_csv_path(path: Path | str) -> CsvFile:
    """Read a CSV file from disk. Raises CsvFileError if it cannot be read or decoded."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CsvFileError(f"The file could not be opened: {error.strerror or error}.") from None
    return read_csv_bytes(data, name=path.name)
