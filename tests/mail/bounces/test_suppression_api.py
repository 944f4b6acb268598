"""The suppression list API: list (search, reason, cursor pages), add, check one address, remove.
Admins and marketing only; bad input is a 400 in the one error shape."""

from __future__ import annotations

import pytest

from leadline.core.models import AuditEntry
from leadline.mail.models import Suppression
from tests.api.client import api_as, error_of

pytestmark = pytest.mark.django_db


def test_it_adds_checks_and_removes_an_address(maria):
    client = api_as(maria)

    created = client.post(
        "/email/suppression", {"email": "Gone@Example.org", "reason": "hard_bounce", "detail": "550"}
    )
    assert created.status_code == 201, created.content
    entry = created.json()
    assert (entry["email"], entry["reason"], entry["source"]) == ("gone@example.org", "hard_bounce", "api")

    check = client.post("/email/suppression/check", {"email": "GONE@example.org"}).json()
    assert check["suppressed"] is True and check["entry"]["id"] == entry["id"]

    assert client.delete(f"/email/suppression/{entry['id']}").status_code == 204
    assert client.post("/email/suppression/check", {"email": "gone@example.org"}).json() == {
        "email": "gone@example.org",
        "suppressed": False,
        "entry": None,
    }
    assert AuditEntry.objects.filter(action="suppression.remove", actor=maria).exists()


def test_adding_an_address_already_there_returns_the_entry_it_has(maria):
    Suppression.objects.create(email="gone@example.org", reason="complaint")

    response = api_as(maria).post("/email/suppression", {"email": "gone@example.org"})

    assert response.status_code == 200
    assert response.json()["reason"] == "complaint"


def test_it_lists_with_search_reason_and_cursor_pages(maria):
    for n in range(5):
        Suppression.objects.create(email=f"user{n}@example.org", reason="imported")
    Suppression.objects.create(email="angry@example.org", reason="complaint")
    client = api_as(maria)

    first = client.get("/email/suppression", limit=4).json()
    second = client.get("/email/suppression", limit=4, cursor=first["next_cursor"]).json()

    emails = [item["email"] for item in first["items"] + second["items"]]
    assert len(emails) == 6 and len(set(emails)) == 6
    assert second["next_cursor"] is None
    assert [
        item["email"] for item in client.get("/email/suppression", reason="complaint").json()["items"]
    ] == ["angry@example.org"]
    assert len(client.get("/email/suppression", q="user").json()["items"]) == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a@example.org", "reason": "because"}, "reason"),
        ({"email": "a@example.org", "extra": 1}, "extra"),
        ({"email": "a" * 300 + "@example.org"}, "email"),
    ],
)
def test_it_refuses_bad_input(maria, body, field):
    response = api_as(maria).post("/email/suppression", body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Suppression.objects.exists()


def test_it_refuses_malformed_json_and_bad_queries(maria):
    client = api_as(maria)

    assert client.post("/email/suppression", raw="{nope").status_code == 400
    assert client.post("/email/suppression/check", {"email": "nope"}).status_code == 400
    assert client.post("/email/suppression/check", {}).status_code == 400
    assert client.get("/email/suppression", cursor="forged").status_code == 400
    assert client.get("/email/suppression", reason="<b>").status_code == 400
    assert client.delete("/email/suppression/not-a-uuid").status_code == 404


def test_sales_are_refused(sam):
    Suppression.objects.create(email="gone@example.org", reason="hard_bounce")
    client = api_as(sam)

    assert client.get("/email/suppression").status_code == 403
    assert client.post("/email/suppression", {"email": "x@example.org"}).status_code == 403
    assert client.post("/email/suppression/check", {"email": "gone@example.org"}).status_code == 403
