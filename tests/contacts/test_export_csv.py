"""The contacts CSV: formula-safe cells, custom property columns, and a round trip through the importer."""

from __future__ import annotations

import csv
import io

import pytest

from leadline.contacts.csvio import safe_cell, unneutralise_cell
from leadline.contacts.exporting import export_headers, export_lines
from leadline.contacts.models import Contact, LifecycleStage, PropertyType
from leadline.contacts.properties import definitions
from tests.contacts.import_helpers import run_import
from tests.factories import CompanyFactory, ContactFactory, CustomPropertyFactory


def exported() -> str:
    return "".join(export_lines(Contact.objects.select_related("company", "owner").order_by("email")))


def exported_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(exported().removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+441632960961", "'+441632960961"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_it_neutralises_formula_prefixes(value, written):
    assert safe_cell(value) == written
    assert unneutralise_cell(written) == value


def test_exported_cells_cannot_run_as_formulas(db):
    ContactFactory(
        email="x@example.org", first_name='=HYPERLINK("http://evil.example","hi")', last_name="@SUM(1)"
    )

    row = exported_rows()[0]

    assert row["First name"] == '\'=HYPERLINK("http://evil.example","hi")'
    assert row["Last name"] == "'@SUM(1)"


def test_it_writes_custom_property_columns(db):
    CustomPropertyFactory(key="topics", label="Topics", type=PropertyType.MULTI_CHOICE, choices=["A", "B"])
    CustomPropertyFactory(key="vip", label="VIP", type=PropertyType.BOOLEAN)
    CustomPropertyFactory(
        key="source", label="Source", type=PropertyType.TEXT
    )  # clashes with a built-in header
    ContactFactory(email="x@example.org", properties={"topics": ["A", "B"], "vip": False, "source": "Fair"})

    headers = export_headers(definitions())
    row = exported_rows()[0]

    assert "property:source" in headers and "Source" not in headers
    assert (row["Topics"], row["VIP"], row["property:source"]) == ("A; B", "no", "Fair")


def test_an_export_imports_back_unchanged(db, sam):
    CustomPropertyFactory(key="topics", label="Topics", type=PropertyType.MULTI_CHOICE, choices=["A", "B"])
    CustomPropertyFactory(key="revenue", label="Annual revenue", type=PropertyType.NUMBER)
    company = CompanyFactory(name="Acme", domain="acme.example")
    ContactFactory(
        email="ann@acme.example", first_name="=Ann", last_name="Smith", phone="+442079460958", company=company,
        owner=sam, lifecycle_stage=LifecycleStage.CUSTOMER, country="GB", time_zone="Europe/London",
        original_source="referral", properties={"topics": ["B"], "revenue": -1500},
    )  # fmt: skip
    ContactFactory(email="bob@example.org", first_name="Bob", last_name="", properties={})
    data = exported().encode("utf-8")
    before = list(Contact.objects.order_by("email").values())

    again = run_import(data)
    Contact.objects.all().delete()
    fresh = run_import(data)

    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 2, 0)
    assert (fresh.created, fresh.failed) == (2, 0)
    ann = Contact.objects.select_related("company", "owner").get(email="ann@acme.example")
    assert (ann.first_name, ann.phone, ann.owner, ann.company) == ("=Ann", "+442079460958", sam, company)
    assert (ann.lifecycle_stage, ann.original_source, ann.time_zone) == (
        "customer",
        "referral",
        "Europe/London",
    )
    assert ann.properties == before[0]["properties"]
