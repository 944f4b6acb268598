"""Reading CSV files however a spreadsheet saved them: encodings, separators, the header row."""

from __future__ import annotations

import codecs

import pytest

from leadline.contacts.csvio import CsvFileError, read_csv_bytes
from leadline.contacts.models import Contact
from tests.contacts.import_helpers import csv_text, run_import

ROWS = [
    ["Email", "First name", "Last name", "City"],
    ["jose@example.org", "José", "Müller", "Zürich"],
    ["francoise@example.org", "Françoise", "Œuvre", "Köln"],
]


def names() -> set[tuple[str, str, str]]:
    return set(Contact.objects.values_list("first_name", "last_name", "city"))


EXPECTED = {("José", "Müller", "Zürich"), ("Françoise", "Œuvre", "Köln")}


def test_it_reads_utf8_with_a_byte_order_mark(db):
    data = codecs.BOM_UTF8 + csv_text(ROWS).encode("utf-8")

    result = run_import(data)

    assert result.created == 2
    assert names() == EXPECTED
    # The mark must not end up glued to the first header, or "Email" would not be recognised.
    assert Contact.objects.filter(email="jose@example.org").exists()


def test_it_reads_windows_1252_files_from_excel(db):
    data = csv_text([*ROWS, ["euro@example.org", "Zoë", "“Quoted”", "€ville"]]).encode("cp1252")

    result = run_import(data)

    assert result.created == 3
    assert ("Zoë", "“Quoted”", "€ville") in names()


def test_it_reads_utf16_with_a_byte_order_mark(db):
    data = csv_text(ROWS, delimiter="\t").encode("utf-16")

    result = run_import(data)

    assert result.created == 2
    assert names() == EXPECTED


def test_it_reads_utf16_without_a_byte_order_mark(db):
    data = csv_text(ROWS).encode("utf-16-le")

    assert read_csv_bytes(data).encoding == "utf-16-le"
    assert run_import(data).created == 2
    assert names() == EXPECTED


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_it_detects_the_separator(db, delimiter, name):
    rows = [["Email", "First name", "Company"], ["ann@example.org", "Ann", "Smith, Jones & Co"]]
    data = csv_text(rows, delimiter=delimiter).encode()

    csv_file = read_csv_bytes(data)
    run_import(data)

    assert csv_file.delimiter_name == name
    contact = Contact.objects.select_related("company").get()
    assert contact.first_name == "Ann"
    assert contact.company.name == "Smith, Jones & Co"


def test_it_reads_semicolon_files_with_unquoted_commas_in_values(db):
    data = (
        "Email;First name;City\r\nann@example.org;Ann;Brno, Moravia\r\nbob@example.org;Bob;Graz, Styria\r\n"
    )

    result = run_import(data.encode())

    assert result.created == 2
    assert set(Contact.objects.values_list("city", flat=True)) == {"Brno, Moravia", "Graz, Styria"}


def test_it_requires_a_header_row(db):
    data = b"ann@example.org,Ann,Smith\r\nbob@example.org,Bob,Jones\r\n"

    with pytest.raises(CsvFileError, match="looks like data, not column names"):
        read_csv_bytes(data)


def test_it_refuses_a_file_without_an_email_column(db):
    data = b"First name,Last name\r\nAnn,Smith\r\n"

    with pytest.raises(CsvFileError, match="email"):
        run_import(data)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
        (b"\x00\x01\x02\x03email\x00", "binary"),
    ],
)
def test_it_refuses_files_that_are_not_csv(data, message):
    with pytest.raises(CsvFileError, match=message):
        read_csv_bytes(data)


def test_it_strips_nul_characters_that_the_database_cannot_store(db):
    data = b"Email,First name\r\nann@example.org,A\x00nn\r\n"

    run_import(data)

    assert Contact.objects.get().first_name == "Ann"


def test_it_keeps_reading_after_a_row_with_a_quoted_line_break(db):
    data = b'Email,First name,Job title\r\nann@example.org,Ann,"Head of\r\nGrowth"\r\nbob@example.org,Bob,CEO\r\n'

    result = run_import(data)

    assert result.created == 2
    assert Contact.objects.get(email="ann@example.org").job_title == "Head of\r\nGrowth"
