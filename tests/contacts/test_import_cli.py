"""`leadline import contacts` and `leadline export contacts`, run through click's test runner."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from leadline.cli import main
from leadline.contacts.models import Contact
from tests.contacts.import_helpers import csv_bytes
from tests.factories import ContactFactory

ROWS = [
    ["Email", "First name", "Phone"],
    ["ann@example.org", "Ann", ""],
    ["bob@example.org", "Bob", "not a phone"],
    ["cat@example.org", "Cat", "+1 415 555 0100"],
]


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def test_it_imports_a_file_and_prints_a_summary(db, people):
    result = run("import", "contacts", str(people))

    assert result.exit_code == 0, result.output
    assert "Created" in result.output and "Failed rows" in result.output
    assert set(Contact.objects.values_list("email", flat=True)) == {"ann@example.org", "cat@example.org"}


def test_it_writes_the_problem_report_next_to_the_file(db, people):
    result = run("import", "contacts", str(people))

    report = people.with_name("people.errors.csv")
    assert report.exists()
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == ["Row", "Column", "Problem", "Severity"]
    assert rows[1][:2] == ["3", "Phone"]
    assert "'not a phone' is not a phone number." in result.output


def test_a_dry_run_writes_nothing(db, people):
    result = run("import", "contacts", str(people), "--dry-run")

    assert result.exit_code == 0
    assert "Dry run: nothing was written." in result.output
    assert not Contact.objects.exists()


def test_it_gives_new_contacts_the_owner_named_on_the_command_line(db, people, tess):
    ContactFactory(email="ann@example.org", owner=None)

    run("import", "contacts", str(people), "--owner", "TESS@leadline.test")

    assert Contact.objects.get(email="cat@example.org").owner == tess
    assert Contact.objects.get(email="ann@example.org").owner is None


def test_it_refuses_an_unknown_owner(db, people):
    result = CliRunner().invoke(main, ["import", "contacts", str(people), "--owner", "ghost@example.org"])

    assert result.exit_code == 2
    assert "no active user" in result.output
    assert not Contact.objects.exists()


def test_it_exits_non_zero_only_when_the_file_cannot_be_read(db, tmp_path):
    missing = CliRunner().invoke(main, ["import", "contacts", str(tmp_path / "missing.csv")])
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04 not really a csv")
    binary = CliRunner().invoke(main, ["import", "contacts", str(tmp_path / "book.csv")])

    assert missing.exit_code == 1 and "could not be opened" in missing.output
    assert binary.exit_code == 1 and "Excel" in binary.output


def test_it_reads_a_hubspot_file_with_the_format_option(db, tmp_path):
    path = tmp_path / "hubspot.csv"
    path.write_bytes(csv_bytes([["Email", "Lifecycle Stage"], ["ann@example.org", "salesqualifiedlead"]]))

    result = run("import", "contacts", str(path), "--format", "hubspot")

    assert result.exit_code == 0
    assert Contact.objects.get().lifecycle_stage == "sql"


def test_it_exports_contacts_that_import_back(db, tmp_path):
    ContactFactory(email="ann@example.org", first_name="=Ann", lifecycle_stage="customer")
    ContactFactory(email="bob@example.org", first_name="Bob", lifecycle_stage="lead")
    target = tmp_path / "out.csv"

    result = run("export", "contacts", str(target))
    again = run("import", "contacts", str(target))

    assert result.exit_code == 0
    assert "Exported 2 contacts" in result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert {row["Email"]: row["First name"] for row in rows} == {
        "ann@example.org": "'=Ann",
        "bob@example.org": "Bob",
    }
    assert again.exit_code == 0
    assert Contact.objects.get(email="ann@example.org").first_name == "=Ann"


def test_it_exports_one_stage(db, tmp_path):
    ContactFactory(email="ann@example.org", lifecycle_stage="customer")
    ContactFactory(email="bob@example.org", lifecycle_stage="lead")
    target = tmp_path / "customers.csv"

    run("export", "contacts", str(target), "--stage", "customer")

    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [row["Email"] for row in rows] == ["ann@example.org"]
