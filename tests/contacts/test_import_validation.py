"""Bad rows are reported row by row and skipped; they never stop the import or lose stored data."""

from __future__ import annotations

from leadline.contacts.models import Contact, PropertyType
from tests.contacts.import_helpers import HOSTILE, issue_messages, run_import
from tests.factories import ContactFactory, CustomPropertyFactory

HEADER = ["Email", "First name", "Phone", "Lifecycle stage", "Job title"]


def test_it_skips_bad_rows_and_imports_the_rest(db):
    rows = [
        HEADER,
        ["good@example.org", "Good", "", "lead", ""],
        ["not-an-email", "Bad email", "", "", ""],
        ["phone@example.org", "Bad phone", "call me maybe", "", ""],
        ["stage@example.org", "Bad stage", "", "wizard", ""],
        ["", "No email", "", "", ""],
        ["long@example.org", "Long title", "", "", "x" * 201],
        ["later@example.org", "Later", "+1 415 555 0100", "customer", "CEO"],
    ]

    result = run_import(rows)

    assert (result.created, result.failed) == (2, 5)
    assert set(Contact.objects.values_list("email", flat=True)) == {"good@example.org", "later@example.org"}
    problems = {(row, column) for row, column, _message in issue_messages(result)}
    assert problems == {(3, "Email"), (4, "Phone"), (5, "Lifecycle stage"), (6, "Email"), (7, "Job title")}


def test_it_explains_each_problem(db):
    rows = [
        HEADER,
        ["x@", "", "", "", ""],
        ["a@example.org", "", "12", "", ""],
        ["b@example.org", "", "", "wizard", ""],
    ]

    messages = [message for _row, _column, message in issue_messages(run_import(rows))]

    assert "'x@' is not a valid email address." in messages
    assert any("'12' is not" in message for message in messages)
    assert any(
        "'wizard' is not a lifecycle stage" in message and "subscriber" in message for message in messages
    )


def test_it_never_loses_stored_values_when_a_row_is_bad(db):
    ContactFactory(email="kept@example.org", first_name="Kept", phone="+14155550100", job_title="CFO")

    result = run_import([HEADER, ["kept@example.org", "Changed", "not a phone", "", "Intern"]])

    assert result.failed == 1
    contact = Contact.objects.get()
    assert (contact.first_name, contact.phone, contact.job_title) == ("Kept", "+14155550100", "CFO")


def test_it_stores_hostile_strings_as_plain_text(db):
    formula = '=HYPERLINK("http://evil.example","click")'
    rows = [
        ["Email", "First name", "Last name", "Job title"],
        ["x@example.org", HOSTILE, formula, "'; DROP TABLE x;--"],
    ]

    result = run_import(rows)

    assert result.created == 1
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.job_title) == (
        HOSTILE,
        formula,
        "'; DROP TABLE x;--",
    )


def test_it_rejects_a_row_with_more_cells_than_the_header(db):
    result = run_import(
        [["Email", "First name"], ["a@example.org", "Ann", "Smith, Jones"], ["b@example.org", "Bob"]]
    )

    assert (result.created, result.failed) == (1, 1)
    assert "header has 2" in result.errors[0].message


def test_it_validates_custom_property_values(db):
    CustomPropertyFactory(key="plan", label="Plan", type=PropertyType.CHOICE, choices=["Starter", "Growth"])
    CustomPropertyFactory(key="seats", label="Seats", type=PropertyType.NUMBER)
    CustomPropertyFactory(key="renewal", label="Renewal", type=PropertyType.DATE)
    CustomPropertyFactory(key="vip", label="VIP", type=PropertyType.BOOLEAN)
    rows = [
        ["Email", "Plan", "Seats", "Renewal", "VIP"],
        ["ok@example.org", "Growth", "1,200", "2026-03-01", "yes"],
        ["plan@example.org", "Enterprise", "", "", ""],
        ["seats@example.org", "", "lots", "", ""],
        ["date@example.org", "", "", "next spring", ""],
    ]

    result = run_import(rows)

    assert (result.created, result.failed) == (1, 3)
    assert Contact.objects.get().properties == {
        "plan": "Growth",
        "seats": 1200,
        "renewal": "2026-03-01",
        "vip": True,
    }
    assert [(row, column) for row, column, _message in issue_messages(result)] == [
        (3, "Plan"),
        (4, "Seats"),
        (5, "Renewal"),
    ]


def test_it_imports_the_row_but_warns_about_an_unknown_owner(db):
    result = run_import([["Email", "Owner"], ["a@example.org", "nobody@example.org"]])

    assert (result.created, result.failed) == (1, 0)
    assert Contact.objects.get().owner is None
    assert [issue.level for issue in result.issues] == ["warning"]
    assert "nobody@example.org" in result.issues[0].message
