"""Contacts are matched by email: repeated rows merge, re-imports change nothing, blanks never erase."""

from __future__ import annotations

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Company, Contact, LifecycleStage, PropertyType, Source
from tests.contacts.import_helpers import run_import
from tests.factories import CompanyFactory, ContactFactory, CustomPropertyFactory

HEADER = ["Email", "First name", "Last name", "Job title", "City", "Lifecycle stage"]


def test_it_merges_repeated_rows_of_the_same_person(db):
    rows = [
        HEADER,
        ["ann@example.org", "Ann", "", "Analyst", "", "lead"],
        ["bob@example.org", "Bob", "Jones", "", "", ""],
        ["ANN@Example.org", "", "Smith", "Head of data", "Leeds", ""],
    ]

    result = run_import(rows)

    assert (result.total_rows, result.created, result.duplicates) == (3, 2, 1)
    ann = Contact.objects.get(email="ann@example.org")
    # Later rows fill the blanks and update what changed; their empty cells change nothing.
    assert (ann.first_name, ann.last_name, ann.job_title, ann.city) == (
        "Ann",
        "Smith",
        "Head of data",
        "Leeds",
    )
    assert Activity.objects.filter(contact=ann, kind=Kind.CONTACT_IMPORTED).count() == 1


def test_it_updates_existing_contacts_matched_case_insensitively(db):
    ContactFactory(email="ann@example.org", first_name="Ann", last_name="Old", job_title="")

    result = run_import([HEADER, ["Ann@EXAMPLE.org", "", "Smith", "CTO", "", ""]])

    assert (result.created, result.updated) == (0, 1)
    ann = Contact.objects.get()
    assert (ann.first_name, ann.last_name, ann.job_title) == ("Ann", "Smith", "CTO")
    entry = Activity.objects.get(kind=Kind.CONTACT_IMPORTED)
    assert entry.data["changes"] == {"last_name": ["Old", "Smith"], "job_title": ["", "CTO"]}


def test_it_changes_nothing_when_the_same_file_is_imported_twice(db):
    CustomPropertyFactory(key="topics", label="Topics", type=PropertyType.MULTI_CHOICE, choices=["A", "B"])
    rows = [
        [*HEADER, "Phone", "Company", "Topics", "Country"],
        ["ann@example.org", "Ann", "Smith", "CTO", "Leeds", "mql", "+44 20 7946 0958", "Acme", "B; A", "United Kingdom"],
        ["bob@acme.example", "Bob", "Jones", "", "", "lead", "", "", "", "GB"],
        ["ann@example.org", "", "", "CEO", "", "", "", "", "", ""],
    ]  # fmt: skip
    first = run_import(rows)
    state = list(Contact.objects.order_by("email").values())
    activities = Activity.objects.count()

    second = run_import(rows)

    assert (first.created, first.updated) == (2, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(Contact.objects.order_by("email").values()) == state
    assert Activity.objects.count() == activities
    assert Company.objects.count() == 2  # "Acme" by name, acme.example from Bob's work address


def test_empty_cells_never_blank_stored_values(db):
    company = CompanyFactory(name="Acme", domain="acme.example")
    ContactFactory(
        email="ann@acme.example", first_name="Ann", last_name="Smith", job_title="CTO", city="Leeds",
        company=company, phone="+442079460958", properties={"note": "keep"},
    )  # fmt: skip
    CustomPropertyFactory(key="note", label="Note", type=PropertyType.TEXT)

    result = run_import(
        [[*HEADER, "Phone", "Company", "Note"], ["ann@acme.example", "", "", "", "", "", "", "", ""]]
    )

    assert (result.updated, result.unchanged) == (0, 1)
    ann = Contact.objects.get()
    assert (ann.first_name, ann.last_name, ann.job_title, ann.city) == ("Ann", "Smith", "CTO", "Leeds")
    assert (ann.phone, ann.company, ann.properties) == ("+442079460958", company, {"note": "keep"})


def test_it_never_moves_a_contact_back_in_the_funnel(db):
    ContactFactory(email="ann@example.org", lifecycle_stage=LifecycleStage.CUSTOMER)
    ContactFactory(email="bob@example.org", lifecycle_stage=LifecycleStage.LEAD)

    run_import(
        [HEADER, ["ann@example.org", "", "", "", "", "lead"], ["bob@example.org", "", "", "", "", "sql"]]
    )

    assert Contact.objects.get(email="ann@example.org").lifecycle_stage == LifecycleStage.CUSTOMER
    assert Contact.objects.get(email="bob@example.org").lifecycle_stage == LifecycleStage.SQL


def test_it_keeps_the_original_source_of_known_contacts(db):
    ContactFactory(email="ann@example.org", original_source=Source.REFERRAL)

    run_import([["Email", "Original source"], ["ann@example.org", "paid_search"], ["new@example.org", ""]])

    assert Contact.objects.get(email="ann@example.org").original_source == Source.REFERRAL
    assert Contact.objects.get(email="new@example.org").original_source == Source.IMPORT


def test_it_matches_companies_by_domain_then_name_and_creates_the_rest(db):
    by_domain = CompanyFactory(name="Initech Inc", domain="initech.example")
    by_name = CompanyFactory(name="Globex", domain=None)
    rows = [
        ["Email", "Company", "Company domain"],
        ["a@x.example", "Initech", "https://www.initech.example/about"],
        ["b@y.example", "GLOBEX", ""],
        ["c@umbrella.example", "Umbrella", ""],
        ["d@gmail.com", "", ""],
    ]

    result = run_import(rows)

    contacts = {contact.email: contact.company for contact in Contact.objects.select_related("company")}
    assert contacts["a@x.example"] == by_domain
    assert contacts["b@y.example"] == by_name
    umbrella = contacts["c@umbrella.example"]
    assert (umbrella.name, umbrella.domain) == ("Umbrella", "umbrella.example")
    assert contacts["d@gmail.com"] is None  # free mail brings no company
    assert result.companies_created == 1


def test_it_assigns_owners_by_email_and_a_default_owner_to_new_contacts(db, sam, tess):
    ContactFactory(email="known@example.org", owner=None)
    rows = [
        ["Email", "Owner"],
        ["a@example.org", "SAM@leadline.test"],
        ["b@example.org", ""],
        ["known@example.org", ""],
    ]

    run_import(rows, default_owner=tess)

    owners = dict(Contact.objects.values_list("email", "owner__email"))
    assert owners == {"a@example.org": sam.email, "b@example.org": tess.email, "known@example.org": None}


def test_it_writes_in_batches_without_mixing_up_contacts(db):
    rows = [["Email", "First name"]] + [
        [f"person{number}@example.org", f"Person {number}"] for number in range(25)
    ]
    rows.append(["person3@example.org", "Renamed"])

    result = run_import(rows, batch_size=4)

    assert (result.created, result.duplicates) == (25, 1)
    assert Contact.objects.get(email="person3@example.org").first_name == "Renamed"
    assert Contact.objects.get(email="person24@example.org").first_name == "Person 24"
    imported = Activity.objects.filter(kind=Kind.CONTACT_IMPORTED)
    assert imported.count() == 25
    assert set(imported.values_list("contact_id", flat=True)) == set(
        Contact.objects.values_list("id", flat=True)
    )
