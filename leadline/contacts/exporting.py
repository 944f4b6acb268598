"""CSV export of contacts, streamed row by row, in a shape our importer reads back unchanged.

Every cell passes through `csvio.safe_cell`, so a value such as "=HYPERLINK(…)" typed into a form
cannot run as a formula when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from leadline.contacts.csvio import CsvLineWriter
from leadline.contacts.import_mapping import (
    ALIASES,
    FIELD_HEADERS,
    PROPERTY_PREFIX,
    READ_ONLY_HEADERS,
    normalize_header,
)
from leadline.contacts.models import Contact, CustomProperty, LifecycleStage, PropertyType, Source
from leadline.contacts.properties import definitions
from leadline.contacts.selectors import ContactFilters, contact_search

BYTE_ORDER_MARK = "\ufeff"  # lets Excel open the UTF-8 file with accents intact
CHUNK_SIZE = 2000
READ_ONLY_COLUMNS = ("Score", "Created at", "Last activity at")


def property_headers(properties: Mapping[str, CustomProperty]) -> dict[str, str]:
    """Key → header for custom properties: the label, unless the importer would read it as something
    else (a built-in field, another property's label), then "property:<key>"."""
    taken = {normalize_header(header) for header in FIELD_HEADERS.values()}
    taken |= set(ALIASES["auto"]) | READ_ONLY_HEADERS
    label_counts: dict[str, int] = {}
    for prop in properties.values():
        label_counts[normalize_header(prop.label)] = label_counts.get(normalize_header(prop.label), 0) + 1
    headers = {}
    for key, prop in properties.items():
        normalized = normalize_header(prop.label)
        if normalized and normalized not in taken and label_counts[normalized] == 1:
            headers[key] = prop.label
        else:
            headers[key] = f"{PROPERTY_PREFIX}{key}"
    return headers


def export_headers(properties: Mapping[str, CustomProperty]) -> list[str]:
    return [*FIELD_HEADERS.values(), *property_headers(properties).values(), *READ_ONLY_COLUMNS]


def _property_cell(prop: CustomProperty, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if prop.type == PropertyType.MULTI_CHOICE and isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if prop.type == PropertyType.BOOLEAN:
        return "yes" if value is True else "no" if value is False else str(value)
    return str(value)


def _timestamp(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def export_row(contact: Contact, properties: Mapping[str, CustomProperty]) -> list[Any]:
    """One contact as cells, in the order of `export_headers`."""
    company = contact.company if contact.company_id else None
    values = {
        "email": contact.email or "",
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "job_title": contact.job_title,
        "company": company.name if company else "",
        "company_domain": (company.domain or "") if company else "",
        "city": contact.city,
        "country": contact.country,
        "time_zone": contact.time_zone,
        "lifecycle_stage": contact.lifecycle_stage,
        "original_source": contact.original_source,
        "original_source_detail": contact.original_source_detail,
        "owner": contact.owner.email if contact.owner_id and contact.owner else "",
    }
    stored = contact.properties or {}
    return [
        *(values[target] for target in FIELD_HEADERS),
        *(_property_cell(prop, stored.get(key)) for key, prop in properties.items()),
        contact.score,
        _timestamp(contact.created_at),
        _timestamp(contact.last_activity_at),
    ]


def export_lines(
    contacts: Iterable[Contact],
    *,
    properties: Mapping[str, CustomProperty] | None = None,
    byte_order_mark: bool = True,
    progress: Callable[[int], object] | None = None,
) -> Iterator[str]:
    """The CSV file as lines of text: a header, then one line per contact."""
    properties = definitions() if properties is None else properties
    writer = CsvLineWriter()
    header = writer.line(list(export_headers(properties)))
    yield (BYTE_ORDER_MARK + header) if byte_order_mark else header
    written = 0
    for contact in contacts:
        yield writer.line(export_row(contact, properties))
        written += 1
        if progress is not None and written % 1000 == 0:
            progress(written)
    if progress is not None:
        progress(written)


def _iterate(contacts: QuerySet[Contact]) -> Iterator[Contact]:
    return contacts.select_related("company", "owner").iterator(chunk_size=CHUNK_SIZE)


def export_filters(params: Mapping[str, Any]) -> ContactFilters:
    """The contact list's filters from a query string; values that make no sense are ignored."""

    def text(name: str, limit: int = 200) -> str:
        value = params.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(text(name, 10))
        except ValueError:
            return None

    stage = text("stage") or text("lifecycle_stage")
    owner = text("owner")
    if owner not in ("", "me", "unassigned"):
        owner = _uuid_text(owner)
    company = _uuid_text(text("company"))
    source = text("source")
    return ContactFilters(
        q=text("q"),
        stage=stage if stage in LifecycleStage.values else "",
        owner=owner,
        company=uuid.UUID(company) if company else None,
        source=source if source in Source.values else "",
        created_from=day("created_from"),
        created_to=day("created_to"),
        sort=text("sort", 40),
    )


def _uuid_text(value: str) -> str:
    try:
        return str(uuid.UUID(value)) if value else ""
    except ValueError:
        return ""


def contacts_for_export(*, user: Any, params: Mapping[str, Any]) -> QuerySet[Contact]:
    """What `user` may export: the contacts visible to them, narrowed by the list's filters."""
    return contact_search(user=user, filters=export_filters(params))


def export_contacts_to_file(
    path: Path | str, contacts: QuerySet[Contact], *, progress: Callable[[int], object] | None = None
) -> int:
    """Write `contacts` as CSV to `path`; returns how many were written."""
    count = 0

    def counted(done: int) -> None:
        nonlocal count
        count = done
        if progress is not None:
            progress(done)

    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        for line in export_lines(_iterate(contacts), progress=counted):
            handle.write(line)
    return count


def stream_export(contacts: QuerySet[Contact]) -> Iterator[bytes]:
    """The response body of a download, encoded as it goes."""
    buffer: list[str] = []
    for line in export_lines(_iterate(contacts)):
        buffer.append(line)
        if len(buffer) >= 200:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")
