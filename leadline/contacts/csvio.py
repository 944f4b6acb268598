"""Reading and writing CSV files the way people actually produce them.

Spreadsheets save CSV in UTF-8 (with or without a byte-order mark), UTF-16 or the Windows code page,
separated by commas, semicolons or tabs. `read_csv_bytes` works out which; `safe_cell` keeps cells we
write from being run as formulas when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import charset_normalizer

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Cells starting with these are run as formulas by Excel, LibreOffice and Google Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_FIELD_CHARACTERS = 1_000_000
# Single-byte Western encodings: charset detection cannot tell them apart on short samples, and
# Windows' code page 1252 is what Excel writes for Western languages, so it is the one we use.
_WESTERN_GUESSES = {
    "cp1252",
    "latin_1",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "mac_latin2",
    "cp850",
    "cp437",
    "iso8859_9",
    "cp1254",
    "ascii",
    "iso8859_3",
    "iso8859_4",
    "iso8859_10",
    "iso8859_13",
    "iso8859_14",
    "iso8859_16",
    "cp1257",
    "cp858",
    "mac_iceland",
    "mac_turkish",
    "hp_roman8",
}
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "This is a ZIP or Excel (.xlsx) file. Save it as CSV and upload that instead.",
    b"\xd0\xcf\x11\xe0": "This is an old Excel (.xls) file. Save it as CSV and upload that instead.",
    b"%PDF": "This is a PDF, not a CSV file.",
    b"\x89PNG": "This is an image, not a CSV file.",
    b"\xff\xd8\xff": "This is an image, not a CSV file.",
    b"GIF8": "This is an image, not a CSV file.",
    b"\x1f\x8b": "This is a compressed (gzip) file. Unpack it and upload the CSV inside.",
}

csv.field_size_limit(MAX_FIELD_CHARACTERS)


class CsvFileError(ValueError):
    """The file cannot be read as CSV at all (as opposed to individual bad rows)."""


@dataclass
class CsvFile:
    """A decoded CSV file: its text, how it was encoded and separated, and its header row."""

    text: str
    encoding: str
    delimiter: str
    headers: list[str]
    name: str = ""
    size: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def iter_records(csv_file: CsvFile) -> Iterator[tuple[int, list[str], str]]:
    """Yield (row number, cells, error) for each data row after the header; blank lines are skipped.

    `error` is non-empty when the csv module could not read that row; reading carries on after it.
    """
    reader = csv.reader(io.StringIO(csv_file.text, newline=""), delimiter=csv_file.delimiter)
    row_number = 0
    header_seen = False
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row_number += 1
            yield row_number, [], f"This row could not be read: {error}"
            continue
        row_number += 1
        if not header_seen:
            header_seen = True
            continue
        if not any(cell.strip() for cell in cells):
            continue
        yield row_number, cells, ""


def detect_encoding(data: bytes) -> str:
    """The text encoding of `data`: a byte-order mark, UTF-16 without one, UTF-8, or a best guess."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0:
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4:
        # ASCII text in UTF-16 has a zero byte in every other position.
        even_zeros = sample[0::2].count(0)
        odd_zeros = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_zeros > half * 0.6 and even_zeros < half * 0.1:
            return "utf-16-le"
        if even_zeros > half * 0.6 and odd_zeros < half * 0.1:
            return "utf-16-be"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(data[:262_144]).best()
    guess = best.encoding if best is not None else ""
    if guess and guess not in _WESTERN_GUESSES:
        try:
            data.decode(guess)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            return guess
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def detect_delimiter(text: str) -> str:
    """Comma, semicolon, tab or pipe, judged from the first lines; comma when nothing else fits."""
    lines = text[:65_536].splitlines()
    sample = "\n".join(lines[:50])
    header = lines[0] if lines else ""
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS))
    except csv.Error:
        dialect = None
    if dialect is not None and dialect.delimiter in DELIMITERS and dialect.delimiter in header:
        return dialect.delimiter
    # The sniffer gives up on irregular files; the header line is the most regular line there is.
    counts = {delimiter: _count_outside_quotes(header, delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    return re.sub(r'"[^"]*"', "", line).count(delimiter)


def sniff_binary(data: bytes) -> str | None:
    """A message if `data` is plainly not a text file (a spreadsheet, PDF, image or archive)."""
    for signature, message in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            return message
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or detect_encoding(head) in (
        "utf-16-le",
        "utf-16-be",
    ):
        return None
    # Text has the odd stray control character; binary files are full of them.
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if controls > max(2, len(head) // 50):
        return "This is a binary file, not a CSV file."
    return None


def read_csv_bytes(data: bytes, *, name: str = "") -> CsvFile:
    """Decode and inspect a CSV file. Raises CsvFileError with a message a person can act on."""
    if not data.strip():
        raise CsvFileError("The file is empty.")
    binary = sniff_binary(data)
    if binary:
        raise CsvFileError(binary)
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise CsvFileError(
            "The file's text encoding could not be recognised. Save it as UTF-8 CSV."
        ) from None
    text = text.removeprefix("\ufeff")
    warnings = []
    if "\x00" in text:
        # PostgreSQL cannot store NUL characters and no person means to type one.
        text = text.replace("\x00", "")
        warnings.append("The file contained NUL characters; they were removed.")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise CsvFileError("The first row could not be read as column names.") from None
    headers = [header.strip() for header in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise CsvFileError("The first row must name the columns (for example: Email, First name, Last name).")
    if any("@" in header and "." in header.split("@")[-1] and " " not in header for header in headers):
        raise CsvFileError(
            "The first row looks like data, not column names. Add a header row "
            "(for example: Email, First name, Last name) and try again."
        )
    return CsvFile(
        text=text,
        encoding=encoding,
        delimiter=delimiter,
        headers=headers,
        name=name,
        size=len(data),
        warnings=warnings,
    )


def sample_values(csv_file: CsvFile, *, rows: int = 3) -> list[list[str]]:
    """Up to `rows` non-empty example values for each column (for the mapping step)."""
    samples: list[list[str]] = [[] for _ in csv_file.headers]
    seen = 0
    for _row_number, cells, error in iter_records(csv_file):
        if error:
            continue
        for index, cell in enumerate(cells[: len(samples)]):
            value = cell.strip()
            if value and len(samples[index]) < rows:
                samples[index].append(value[:80])
        seen += 1
        if seen >= 200 or all(len(values) >= rows for values in samples):
            break
    return samples


# --- Writing --------------------------------------------------------------------------------------


def safe_cell(value: object) -> str:
    """Text for one cell of a CSV we write, with formula prefixes neutralised by a leading quote."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unneutralise_cell(text: str) -> str:
    """Undo `safe_cell` on a cell we read, so that our own exports import back unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


class _Line:
    """A write-only file object that hands back what csv.writer wrote (for streaming)."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> int:
        self.value = text
        return len(text)


class CsvLineWriter:
    """Turns rows into CSV lines one at a time, every cell passed through `safe_cell`."""

    def __init__(self) -> None:
        self._line = _Line()
        self._writer = csv.writer(self._line, lineterminator="\r\n")

    def line(self, cells: list[object]) -> str:
        self._writer.writerow([safe_cell(cell) for cell in cells])
        return self._line.value
