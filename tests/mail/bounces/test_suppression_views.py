"""The suppression list screens: list with counts, search and filter; add by hand; remove with a
confirmation; CSV import that reports each bad row; CSV export safe from spreadsheet formulas."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leadline.core.models import AuditEntry
from leadline.mail.models import Suppression
from tests.conftest import client_for

LIST = "/email/suppression/"


def _suppress(email: str, reason: str = Suppression.Reason.HARD_BOUNCE, **fields: str) -> Suppression:
    return Suppression.objects.create(email=email, reason=reason, **fields)


def test_it_shows_an_empty_state(maria):
    response = client_for(maria).get(LIST)

    assert response.status_code == 200
    assert "No suppressed addresses" in response.text


def test_it_lists_addresses_with_the_count_by_reason(maria):
    _suppress("gone@example.org", detail="550 5.1.1 User unknown")
    _suppress("angry@example.org", Suppression.Reason.COMPLAINT)
    _suppress("full@example.org", Suppression.Reason.SOFT_BOUNCE)

    response = client_for(maria).get(LIST)

    assert "gone@example.org" in response.text and "550 5.1.1 User unknown" in response.text
    counts = {key: count for key, _label, count in response.context["reasons"]}
    assert counts["hard_bounce"] == 1 and counts["complaint"] == 1 and counts["manual"] == 0
    assert response.context["total"] == 3


def test_it_searches_and_filters_by_reason(maria):
    _suppress("gone@example.org")
    _suppress("angry@example.org", Suppression.Reason.COMPLAINT)

    by_words = client_for(maria).get(LIST, {"q": "GONE"})
    by_reason = client_for(maria).get(LIST, {"reason": "complaint"})
    nothing = client_for(maria).get(LIST, {"q": "nobody@example.org"})

    assert [entry.email for entry in by_words.context["page"].object_list] == ["gone@example.org"]
    assert [entry.email for entry in by_reason.context["page"].object_list] == ["angry@example.org"]
    assert "That address is not suppressed" in nothing.text


def test_the_list_costs_the_same_queries_however_long(maria, django_assert_max_num_queries):
    Suppression.objects.bulk_create(
        Suppression(email=f"user{n}@example.org", reason=Suppression.Reason.IMPORTED, created_by=maria)
        for n in range(60)
    )
    client = client_for(maria)

    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"page": 2, "per_page": 25})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25


def test_it_shows_the_relay_url_to_admins_only(alice, maria):
    admin_page = client_for(alice).get(LIST)
    marketing_page = client_for(maria).get(LIST)

    assert "/email/inbound/relay/" in admin_page.text
    assert "/email/inbound/relay/" not in marketing_page.text


def test_it_survives_hostile_query_strings(maria):
    for params in ({"page": "x"}, {"reason": "<script>"}, {"q": "a" * 5000}, {"per_page": "-1"}):
        assert client_for(maria).get(LIST, params).status_code == 200


def test_it_adds_an_address_by_hand(maria):
    response = client_for(maria).post(
        reverse("mail:suppression_add"),
        {"email": " Someone@Example.ORG ", "reason": "manual", "detail": "Asked by phone"},
    )

    assert response.status_code == 302
    entry = Suppression.objects.get()
    assert (entry.email, entry.reason, entry.created_by) == ("someone@example.org", "manual", maria)
    assert AuditEntry.objects.filter(action="suppression.add", actor=maria).exists()


def test_it_refuses_a_bad_address(maria):
    response = client_for(maria).post(
        reverse("mail:suppression_add"), {"email": "not an address", "reason": "manual"}
    )

    assert response.status_code == 400
    assert "valid email address" in response.text
    assert not Suppression.objects.exists()


def test_adding_an_address_twice_keeps_the_first_entry(maria):
    _suppress("gone@example.org")

    response = client_for(maria).post(
        reverse("mail:suppression_add"), {"email": "gone@example.org", "reason": "manual"}
    )

    assert response.status_code == 302
    assert Suppression.objects.get().reason == "hard_bounce"


def test_removing_asks_first_and_says_sending_resumes(maria):
    entry = _suppress("gone@example.org")

    response = client_for(maria).get(reverse("mail:suppression_remove", args=[entry.public_id]))

    assert response.status_code == 200
    assert "allows sending to it again" in response.text
    assert Suppression.objects.exists()


def test_it_removes_an_address_and_audits_it(maria):
    entry = _suppress("gone@example.org")

    response = client_for(maria).post(reverse("mail:suppression_remove", args=[entry.public_id]))

    assert response.status_code == 302
    assert not Suppression.objects.exists()
    audit = AuditEntry.objects.get(action="suppression.remove")
    assert audit.actor == maria and audit.data["email"] == "gone@example.org"


def test_sales_cannot_see_or_change_the_list(sam):
    entry = _suppress("gone@example.org")
    client = client_for(sam)

    assert client.get(LIST).status_code == 403
    assert client.post(reverse("mail:suppression_remove", args=[entry.public_id])).status_code == 403
    assert Suppression.objects.exists()


def _upload(client, content: bytes, name: str = "suppressed.csv"):
    return client.post(
        reverse("mail:suppression_import"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_it_imports_a_csv_and_reports_each_bad_row(maria):
    _suppress("already@example.org")
    content = (
        b"Email,Reason,Detail\n"
        b"new@example.org,hard_bounce,550 user unknown\n"
        b"ALREADY@example.org,complaint,\n"
        b"not-an-address,manual,\n"
        b"other@example.org,sometimes,\n"
        b"new@example.org,manual,again\n"
        b"'=cmd@example.org,manual,\n"
        b'plain@example.org,,=HYPERLINK("http://evil")\n'
    )

    response = _upload(client_for(maria), content)

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.added, result.already, result.duplicates) == (3, 1, 1)
    assert [(problem.row, problem.message[:14]) for problem in result.problems] == [
        (4, "Not a valid em"),
        (5, "Unknown reason"),
    ]
    # "=" is allowed in an address; our exports quote it so that no spreadsheet runs it.
    assert Suppression.objects.filter(email="=cmd@example.org").exists()
    assert Suppression.objects.get(email="new@example.org").reason == "hard_bounce"
    assert Suppression.objects.get(email="plain@example.org").reason == "imported"
    assert Suppression.objects.get(email="already@example.org").reason == "hard_bounce"
    assert AuditEntry.objects.filter(action="suppression.import").exists()


def test_it_refuses_a_file_it_cannot_read(maria):
    client = client_for(maria)
    for content, message in (
        (b"", "empty"),
        (b"PK\x03\x04binary", "Excel"),
        (b"name,phone\nJane,123\n", "email"),
        (b"jane@example.org\n", "column names"),
    ):
        response = _upload(client, content)
        assert response.status_code == 400, content
        assert message in response.text, content
    assert client.post(reverse("mail:suppression_import"), {}).status_code == 400
    assert not Suppression.objects.exists()


def test_it_exports_the_list_safely_for_spreadsheets(maria):
    _suppress("gone@example.org", detail='=HYPERLINK("http://evil","click")')
    _suppress("angry@example.org", Suppression.Reason.COMPLAINT)

    response = client_for(maria).get(reverse("mail:suppression_export"), {"reason": "hard_bounce"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    lines = text.splitlines()
    assert lines[0] == "email,reason,detail,source,added_at"
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1]


def test_an_export_imports_back_unchanged(maria):
    _suppress("gone@example.org", detail="-5 points")
    exported = b"".join(client_for(maria).get(reverse("mail:suppression_export")).streaming_content)
    Suppression.objects.all().delete()

    _upload(client_for(maria), exported)

    entry = Suppression.objects.get()
    assert (entry.email, entry.reason, entry.detail) == ("gone@example.org", "hard_bounce", "-5 points")


def test_it_refuses_a_file_that_is_too_big(maria, monkeypatch):
    from leadline.mail import suppression

    monkeypatch.setattr(suppression, "IMPORT_MAX_BYTES", 100)

    response = _upload(client_for(maria), b"email\n" + b"someone@example.org\n" * 20)

    assert response.status_code == 400
    assert "larger than" in response.text
    assert not Suppression.objects.exists()
