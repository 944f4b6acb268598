"""/contacts/export/: a streamed CSV of the contacts the user may see, narrowed by the list's filters."""

from __future__ import annotations

import csv
import io

import pytest

from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import ContactFactory

URL = "/contacts/export/"


def rows_of(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def contacts(sam, tess, oscar):
    return {
        "sams": ContactFactory(email="sams@example.org", owner=sam, lifecycle_stage="customer"),
        "tess": ContactFactory(email="tess@example.org", owner=tess, lifecycle_stage="lead"),
        "unowned": ContactFactory(email="unowned@example.org", owner=None, lifecycle_stage="lead"),
        "oscars": ContactFactory(email="oscars@example.org", owner=oscar, lifecycle_stage="lead"),
    }


def test_it_streams_a_csv_download(maria, contacts):
    response = client_for(maria).get(URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    assert {row["Email"] for row in rows_of(response)} == {contact.email for contact in contacts.values()}


@pytest.mark.parametrize("name", ["alice", "maria"])
def test_admins_and_marketing_export_everyone(personas, contacts, name):
    assert len(rows_of(client_for(personas[name]).get(URL))) == 4


def test_sales_export_only_the_contacts_they_can_see(sam, contacts):
    emails = {row["Email"] for row in rows_of(client_for(sam).get(URL))}

    assert emails == {"sams@example.org", "tess@example.org", "unowned@example.org"}


def test_the_outsider_does_not_get_the_teams_contacts(oscar, contacts):
    emails = {row["Email"] for row in rows_of(client_for(oscar).get(URL))}

    assert emails == {"oscars@example.org", "unowned@example.org"}


def test_it_applies_the_contact_list_filters(maria, sam, contacts):
    client = client_for(maria)

    by_stage = rows_of(client.get(URL, {"stage": "customer"}))
    by_owner = rows_of(client.get(URL, {"owner": str(sam.public_id)}))
    unassigned = rows_of(client.get(URL, {"owner": "unassigned", "lifecycle_stage": "lead"}))
    by_search = rows_of(client.get(URL, {"q": "tess@"}))

    assert [row["Email"] for row in by_stage] == ["sams@example.org"]
    assert [row["Email"] for row in by_owner] == ["sams@example.org"]
    assert [row["Email"] for row in unassigned] == ["unowned@example.org"]
    assert [row["Email"] for row in by_search] == ["tess@example.org"]


def test_it_ignores_filters_that_make_no_sense(maria, contacts):
    response = client_for(maria).get(
        URL,
        {
            "owner": "not-a-uuid",
            "stage": "<b>",
            "company": "x",
            "created_from": "yesterday",
            "sort": "password",
        },
    )

    assert response.status_code == 200
    assert len(rows_of(response)) == 4


def test_it_records_the_export_in_the_audit_log(maria, contacts):
    rows_of(client_for(maria).get(URL, {"stage": "lead"}))

    entry = AuditEntry.objects.get(action="contacts.exported")
    assert entry.actor == maria
    assert entry.data["filters"] == {"stage": "lead"}


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_costs_the_same_queries_for_many_contacts(maria, oscar, django_assert_max_num_queries):
    for number in range(60):
        ContactFactory(email=f"person{number}@example.org", owner=oscar)
    client = client_for(maria)

    with django_assert_max_num_queries(12):
        rows = rows_of(client.get(URL))

    assert len(rows) == 60
    assert {row["Owner"] for row in rows} == {"oscar@leadline.test"}
