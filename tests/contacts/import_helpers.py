"""Builders shared by the CSV import and export tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from leadline.contacts.csvio import read_csv_bytes
from leadline.contacts.importing import ImportResult, import_contacts

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def csv_text(rows: Sequence[Sequence[Any]], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return csv_text(rows, delimiter=delimiter).encode(encoding)


def run_import(data: bytes | Sequence[Sequence[Any]], **options: Any) -> ImportResult:
    """Import CSV bytes (or rows, written as UTF-8 CSV) the way the CLI and the wizard do."""
    raw = data if isinstance(data, bytes) else csv_bytes(data)
    return import_contacts(read_csv_bytes(raw, name="people.csv"), **options)


def issue_messages(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(issue.row, issue.column, issue.message) for issue in result.issues]
