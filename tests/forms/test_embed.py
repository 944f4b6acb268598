"""The embed: /f/<slug>/embed.js draws the form on another website, which posts it back to
/f/<slug>/submit. Only pages on the site's allowed domains may post, with a signed render token."""

from __future__ import annotations

import json
import re

import pytest

from leadline.contacts.models import Contact
from leadline.forms.models import FormSubmission
from tests.forms.factories import CONSENT_TEXT, FormFactory, SiteFactory, answers, token_for

ORIGIN = "https://www.example.com"


@pytest.fixture
def form(db):
    return FormFactory(site=SiteFactory(allowed_domains=["www.example.com", "*.example.org"]))


def post(client, form, data, origin=ORIGIN, **extra):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(f"/f/{form.slug}/submit", data, **headers, **extra)


def config_text(script: str) -> str:
    return re.search(r"\}\)\((\{.*\}), window, document\);\s*$", script, re.DOTALL).group(1)


def config_of(script: str) -> dict:
    return json.loads(config_text(script))


def test_the_script_describes_the_form_and_carries_a_fresh_token(client, form):
    response = client.get(f"/f/{form.slug}/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-store, max-age=0"
    config = config_of(response.content.decode())
    assert config["slug"] == form.slug
    assert config["endpoint"] == f"http://testserver/f/{form.slug}/submit"
    assert [field["name"] for field in config["fields"]] == ["email", "first_name", "last_name", "company"]
    assert config["fields"][0]["required"] is True
    assert config["token"]


def test_hostile_text_cannot_break_out_of_the_script(client, db):
    hostile = "</script><script>alert('x')</script>\u2028"
    form = FormFactory(introduction=hostile, submit_label=hostile, consent_text=CONSENT_TEXT + hostile)

    script = client.get(f"/f/{form.slug}/embed.js").content.decode()

    assert "<" not in config_text(script) and ">" not in config_text(script)
    assert "\u2028" not in script
    assert config_of(script)["introduction"] == hostile


def test_an_unknown_form_answers_a_harmless_script_with_404(client, db):
    response = client.get("/f/missing/embed.js")

    assert response.status_code == 404
    assert response.content.decode().startswith("console.warn(")


def test_an_allowed_page_can_send_the_form(client, form):
    response = post(
        client, form, answers(form, ll_page="https://www.example.com/pricing?utm_campaign=launch")
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": form.thank_you_message, "redirect": None}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    submission = FormSubmission.objects.get()
    assert (submission.channel, submission.utm_campaign) == ("embed", "launch")


def test_subdomains_allowed_by_a_wildcard_can_send(client, form):
    response = post(client, form, answers(form), origin="https://blog.example.org")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.net",
        "https://www.example.com.evil.net",
        "null",
        "",
        "javascript:alert(1)",
        "https://example.com",
    ],
)
def test_pages_on_other_websites_are_refused(client, form, origin):
    response = post(client, form, answers(form), origin=origin)

    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert "Access-Control-Allow-Origin" not in response
    assert not FormSubmission.objects.exists()


def test_a_form_without_a_website_cannot_be_embedded(client, db):
    form = FormFactory(site=None)

    assert post(client, form, answers(form)).status_code == 403


def test_the_preflight_of_an_allowed_page_is_answered(client, form):
    allowed = client.options(f"/f/{form.slug}/submit", HTTP_ORIGIN=ORIGIN)
    refused = client.options(f"/f/{form.slug}/submit", HTTP_ORIGIN="https://evil.example.net")

    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert refused.status_code == 403


def test_it_accepts_json_too(client, form):
    response = post(client, form, json.dumps(answers(form)), content_type="application/json")

    assert response.status_code == 200
    assert Contact.objects.filter(email="ada@example.org").exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ('"just a string"', "application/json", 400),
        ("\xff\xfe", "application/json", 400),
        ("email=ada@example.org", "text/csv", 415),
        ("--x\r\nbroken", "multipart/form-data; boundary=", 400),
    ],
)
def test_unreadable_bodies_are_refused(client, form, body, content_type, status):
    response = post(client, form, body, content_type=content_type)

    assert response.status_code == status
    assert response.json()["ok"] is False
    assert not FormSubmission.objects.exists()


def test_a_huge_body_is_refused_without_being_stored(client, form, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    data = json.dumps(answers(form, first_name="x" * 1_000_000))

    response = post(client, form, data, content_type="application/json")

    assert response.status_code == 413
    assert not FormSubmission.objects.exists()


@pytest.mark.parametrize("value", [["Ada"], {"first": "Ada"}, True, 12.5])
def test_answers_of_the_wrong_type_get_a_field_error(client, form, value):
    data = {**answers(form), "first_name": value}

    response = post(client, form, json.dumps(data), content_type="application/json")

    if value == 12.5:  # a number is a fine first name as far as types go
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["errors"] == {"first_name": ["Enter text here."]}


def test_field_errors_come_back_for_the_script_to_show(client, form):
    response = post(client, form, answers(form, email="ada at example"))

    body = response.json()
    assert response.status_code == 400
    assert body["ok"] is False
    assert list(body["errors"]) == ["email"]
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_an_expired_token_comes_back_with_a_new_one_to_retry_with(client, form):
    first = post(client, form, answers(form, ll_token="expired"))
    retry = post(client, form, answers(form, ll_token=token_for(form)))

    assert first.status_code == 400
    assert first.json()["token"]
    assert retry.status_code == 200


def test_the_redirect_is_given_only_when_the_site_allows_it(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site, redirect_url="https://www.example.com/thank-you")

    response = post(client, form, answers(form))

    assert response.json()["redirect"] == "https://www.example.com/thank-you"


def test_an_unknown_form_is_not_found(client, db):
    response = client.post("/f/nope/submit", {"email": "ada@example.org"}, HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404
    assert response.json()["ok"] is False


def test_the_visitor_id_of_the_tracking_snippet_is_kept(client, form):
    post(client, form, answers(form, ll_visitor="0b6f8c1e-3d4a-4a55-9a8e-2f1c5b7d9e01"))

    assert str(FormSubmission.objects.get().visitor_id) == "0b6f8c1e-3d4a-4a55-9a8e-2f1c5b7d9e01"


def test_a_malformed_visitor_id_is_ignored(client, form):
    response = post(client, form, answers(form, ll_visitor="'; DROP TABLE contacts; --"))

    assert response.status_code == 200
    assert FormSubmission.objects.get().visitor_id is None
