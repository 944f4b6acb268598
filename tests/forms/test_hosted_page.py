"""The hosted page /f/<slug>: a plain HTML form that works without JavaScript, protected by CSRF."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from leadline.contacts.models import Contact, PropertyType
from leadline.forms.models import FormSubmission
from tests.factories import CustomPropertyFactory
from tests.forms.factories import CONSENT_TEXT, FormFactory, FormFieldFactory, SiteFactory, answers


def test_it_shows_the_fields_with_labels_and_autocomplete(client, db):
    form = FormFactory(name="Book a demo", introduction="Tell us about your team.")
    FormFieldFactory(form=form, target="phone", label="Phone", help_text="We call only if you ask.")

    response = client.get(f"/f/{form.slug}")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in body and "Book a demo" in body and "Tell us about your team." in body
    assert '<label for="ll-field-email">Email' in body
    assert re.search(
        r'<input id="ll-field-email" name="email" type="email"[^>]*autocomplete="email"[^>]*required', body
    )
    assert 'type="tel"' in body and 'aria-describedby="ll-field-phone-help"' in body
    assert 'name="ll_token"' in body and 'name="csrfmiddlewaretoken"' in body
    assert "<script" not in body  # works without JavaScript


def test_it_carries_the_utm_values_of_its_address_into_the_submission(client, db):
    form = FormFactory()
    page = client.get(f"/f/{form.slug}?utm_source=newsletter&utm_medium=email&utm_campaign=june")
    found = re.findall(
        r'<input type="hidden" name="(utm_\w+|ll_page)" value="([^"]*)"', page.content.decode()
    )
    hidden = {name: html.unescape(value) for name, value in found}

    client.post(f"/f/{form.slug}", answers(form, **hidden))

    submission = FormSubmission.objects.get()
    assert (submission.utm_source, submission.utm_medium, submission.utm_campaign) == (
        "newsletter",
        "email",
        "june",
    )
    assert submission.page_url.endswith(
        f"/f/{form.slug}?utm_source=newsletter&utm_medium=email&utm_campaign=june"
    )


def test_it_thanks_the_visitor(client, db):
    form = FormFactory(thank_you_message="Thanks, we reply within the hour.")

    response = client.post(f"/f/{form.slug}", answers(form))

    assert response.status_code == 200
    assert "Thanks, we reply within the hour." in response.content.decode()
    assert Contact.objects.filter(email="ada@example.org").exists()


def test_it_redirects_to_an_allowed_page_of_the_site(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site, redirect_url="https://www.example.com/thanks")

    response = client.post(f"/f/{form.slug}", answers(form))

    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thanks"


def test_the_page_lets_the_browser_follow_that_redirect(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    redirecting = FormFactory(site=site, redirect_url="https://www.example.com/thanks")
    plain = FormFactory(site=site)

    policy = client.get(f"/f/{redirecting.slug}")["Content-Security-Policy"]

    assert "form-action 'self' https://www.example.com;" in policy
    assert "form-action 'self';" in client.get(f"/f/{plain.slug}")["Content-Security-Policy"]


def test_a_redirect_the_site_no_longer_allows_falls_back_to_the_message(client, db):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site, redirect_url="https://www.example.com/thanks", thank_you_message="Got it.")
    site.allowed_domains = ["shop.example.net"]
    site.save()

    response = client.post(f"/f/{form.slug}", answers(form))

    assert response.status_code == 200
    assert "Got it." in response.content.decode()


def test_errors_are_shown_beside_the_fields_with_the_answers_kept(client, db):
    form = FormFactory()

    response = client.post(
        f"/f/{form.slug}", answers(form, email="ada@", first_name="Ada", last_name="Lovelace")
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in body
    assert 'id="ll-error-summary" role="alert"' in body
    assert 'href="#ll-field-email"' in body
    assert 'aria-invalid="true"' in body and 'id="ll-field-email-error"' in body
    assert 'value="ada@"' in body and 'value="Lovelace"' in body
    assert not FormSubmission.objects.exists()


def test_choices_and_checkboxes_keep_their_answers_after_an_error(client, db):
    CustomPropertyFactory(
        key="topics", label="Topics", type=PropertyType.MULTI_CHOICE, choices=["Sales", "Support"]
    )
    CustomPropertyFactory(key="size", label="Team size", type=PropertyType.CHOICE, choices=["1-10", "11-50"])
    form = FormFactory()
    FormFieldFactory(form=form, target="property:topics", label="Topics")
    FormFieldFactory(form=form, target="property:size", label="Team size")
    data = answers(form, email="bad", p_topics=["Sales", "Support"], p_size="11-50")

    body = client.post(f"/f/{form.slug}", data).content.decode()

    assert body.count("checked") == 2
    assert '<option value="11-50" selected>' in body


def test_an_unknown_form_is_not_found(client, db):
    assert client.get("/f/no-such-form").status_code == 404
    assert client.post("/f/no-such-form", {"email": "ada@example.org"}).status_code == 404
    assert client.get("/f/<script>alert(1)</script>").status_code == 404


def test_posting_needs_the_csrf_token_of_the_page(db):
    form = FormFactory()
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(f"/f/{form.slug}", answers(form))
    page = browser.get(f"/f/{form.slug}")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    accepted = browser.post(f"/f/{form.slug}", {**answers(form), "csrfmiddlewaretoken": csrf})

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert FormSubmission.objects.count() == 1


def test_reloading_the_thank_you_page_does_not_submit_twice(client, db):
    form = FormFactory()
    data = answers(form)

    first = client.post(f"/f/{form.slug}", data)
    again = client.post(f"/f/{form.slug}", data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert FormSubmission.objects.count() == 1


def test_the_consent_box_shows_the_exact_wording(client, db):
    form = FormFactory(consent_text=CONSENT_TEXT, consent_version="2024-06", consent_required=True)

    body = client.get(f"/f/{form.slug}").content.decode()

    assert 'id="ll-consent" name="consent" value="yes" required' in body
    assert CONSENT_TEXT in body


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_refused(client, db, method):
    form = FormFactory()

    assert getattr(client, method)(f"/f/{form.slug}").status_code == 405
