"""Column headers of Leadline, HubSpot and Mautic exports are recognised, and their values read."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.contacts.import_mapping import IGNORE, auto_map, translate_country
from leadline.contacts.models import Contact, LifecycleStage, PropertyType, Source
from leadline.contacts.properties import definitions
from tests.contacts.import_helpers import run_import
from tests.factories import CustomPropertyFactory

HUBSPOT_HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title", "Company Name",
    "Lifecycle Stage", "Contact owner", "City", "Country/Region", "Original Source", "Time Zone", "Create Date",
]  # fmt: skip
MAUTIC_HEADERS = [
    "id", "title", "firstname", "lastname", "company", "position", "email", "mobile", "phone", "points",
    "city", "country", "timezone", "stage", "owner",
]  # fmt: skip


def test_it_maps_hubspot_export_headers():
    mapping = auto_map(HUBSPOT_HEADERS, file_format="hubspot")

    assert dict(zip(HUBSPOT_HEADERS, mapping, strict=True)) == {
        "Record ID": IGNORE,
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Job Title": "job_title",
        "Company Name": "company",
        "Lifecycle Stage": "lifecycle_stage",
        "Contact owner": "owner",
        "City": "city",
        "Country/Region": "country",
        "Original Source": "original_source",
        "Time Zone": "time_zone",
        "Create Date": IGNORE,
    }


def test_it_maps_mautic_export_headers():
    mapping = dict(zip(MAUTIC_HEADERS, auto_map(MAUTIC_HEADERS, file_format="mautic"), strict=True))

    assert mapping["firstname"] == "first_name"
    assert mapping["lastname"] == "last_name"
    assert mapping["position"] == "job_title"
    assert mapping["company"] == "company"
    assert mapping["mobile"] == mapping["phone"] == "phone"
    assert mapping["stage"] == "lifecycle_stage"
    assert mapping["owner"] == "owner"
    # Mautic's "title" is a salutation (Mr, Dr), not a job title; points are computed, not imported.
    assert mapping["title"] == mapping["points"] == mapping["id"] == IGNORE


def test_it_matches_headers_case_insensitively():
    assert auto_map(["EMAIL", "first NAME", " e-mail address "]) == ["email", "first_name", "email"]


def test_it_maps_custom_properties_by_key_or_label(db):
    CustomPropertyFactory(key="industry", label="Industry sector", type=PropertyType.TEXT)

    assert auto_map(["Email", "industry", "INDUSTRY SECTOR", "Unknown"], properties=definitions()) == [
        "email",
        "property:industry",
        "property:industry",
        IGNORE,
    ]


def test_it_imports_a_hubspot_export(db, sam):
    rows = [
        HUBSPOT_HEADERS,
        ["101", "Ada", "Lovelace", "Ada@Analytical.co.uk", "+44 20 7946 0958", "CTO", "Analytical Engines",
         "marketingqualifiedlead", "Sam Seller", "London", "United Kingdom", "ORGANIC_SEARCH",
         "europe_slash_london", "2024-01-02 10:00"],
        ["102", "Grace", "Hopper", "grace@navy.example", "", "Rear Admiral", "", "salesqualifiedlead",
         "sam@leadline.test", "Arlington", "United States", "DIRECT_TRAFFIC", "america_slash_new_york", ""],
        ["103", "Alan", "Turing", "alan@bletchley.example", "", "", "", "customer", "", "", "Germany",
         "Offline Sources", "", ""],
    ]  # fmt: skip

    result = run_import(rows, file_format="hubspot")

    assert (result.created, result.failed) == (3, 0)
    ada = Contact.objects.select_related("company", "owner").get(email="ada@analytical.co.uk")
    assert ada.lifecycle_stage == LifecycleStage.MQL
    assert ada.original_source == Source.ORGANIC_SEARCH
    assert ada.country == "GB"
    assert ada.time_zone == "Europe/London"
    assert ada.phone == "+442079460958"
    assert ada.company.name == "Analytical Engines"
    assert ada.owner == sam  # HubSpot names the owner; a unique full name is enough
    grace = Contact.objects.get(email="grace@navy.example")
    assert (grace.lifecycle_stage, grace.owner, grace.country) == (LifecycleStage.SQL, sam, "US")
    assert grace.time_zone == "America/New_York"
    alan = Contact.objects.get(email="alan@bletchley.example")
    assert (alan.lifecycle_stage, alan.original_source, alan.country) == ("customer", Source.OTHER, "DE")


def test_it_imports_a_mautic_export(db, tess):
    rows = [
        MAUTIC_HEADERS,
        ["7", "Dr", "Lise", "Meitner", "Kaiser Wilhelm Institut", "Physicist", "lise@kwi.example",
         "+49 30 901820", "", "120", "Berlin", "Deutschland", "Europe/Berlin", "Lead", "tess@leadline.test"],
        ["8", "", "Emmy", "Noether", "", "", "emmy@math.example", "", "+49 551 390", "5", "Göttingen",
         "Germany", "", "Customer", ""],
    ]  # fmt: skip

    result = run_import(rows, file_format="mautic")

    assert (result.created, result.failed) == (2, 0)
    lise = Contact.objects.select_related("company").get(email="lise@kwi.example")
    assert (lise.first_name, lise.last_name, lise.job_title) == ("Lise", "Meitner", "Physicist")
    assert lise.phone == "+4930901820"  # from "mobile": the first non-empty of the phone columns
    assert lise.country == "DE"  # a German country name
    assert lise.owner == tess
    assert lise.company.name == "Kaiser Wilhelm Institut"
    emmy = Contact.objects.get(email="emmy@math.example")
    assert emmy.lifecycle_stage == LifecycleStage.CUSTOMER
    assert emmy.phone == "+49551390"


@pytest.mark.parametrize(
    ("value", "code"),
    [("GB", "GB"), ("gb", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("USA", "US"), ("Deutschland", "DE"),
     ("France", "FR"), ("Côte d'Ivoire", "CI"), ("Narnia", None), ("ZZ", None)],
)  # fmt: skip
def test_it_reads_country_names_and_codes(value, code):
    assert translate_country(value) == code


def test_it_records_one_import_entry_on_each_timeline(db):
    run_import([["Email", "First name"], ["ann@example.org", "Ann"], ["bob@example.org", "Bob"]])

    entries = Activity.objects.filter(kind=Kind.CONTACT_IMPORTED)
    assert entries.count() == 2
    assert set(entries.values_list("contact__email", flat=True)) == {"ann@example.org", "bob@example.org"}
    assert entries.first().title == "Imported from people.csv"
