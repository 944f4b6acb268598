"""Building forms: settings with their checks, and a field list to add to, edit, reorder and trim."""

from __future__ import annotations

import pytest

from leadline.contacts.models import Contact
from leadline.core.models import AuditEntry
from leadline.forms.models import Form, FormField, FormSubmission
from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.factories import CustomPropertyFactory
from tests.forms.factories import CONSENT_TEXT, FormFactory, SiteFactory, answers


def settings_data(**overrides):
    data = {
        "name": "Contact us",
        "slug": "contact-us",
        "kind": "enquiry",
        "site": "",
        "introduction": "",
        "submit_label": "Send",
        "consent_text": "",
        "consent_version": "",
        "thank_you_message": "Thanks!",
        "redirect_url": "",
        "notify": "nobody",
        "notify_team": "",
        "autoreply_enabled": "on",
        "autoreply_subject": "Thanks {{ first_name }}",
        "autoreply_body": 'Hi {{ first_name | default:"there" }}',
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def targets(form):
    return list(form.fields.values_list("target", flat=True))


def test_a_new_form_asks_for_email_and_first_name(maria):
    response = client_for(maria).post("/forms/new/", settings_data())

    form = Form.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/forms/{form.public_id}/"
    assert (form.name, form.slug, form.created_by) == ("Contact us", "contact-us", maria)
    assert targets(form) == ["email", "first_name"]
    assert FormField.objects.get(form=form, target="email").required
    assert AuditEntry.objects.filter(action="form.created").exists()


def test_the_new_form_page_starts_from_sensible_defaults(maria):
    body = client_for(maria).get("/forms/new/").content.decode()

    assert "Thanks for getting in touch" in body
    assert "booking_link" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"slug": "Not a slug!"}, "slug", "Enter a valid"),
        ({"slug": "confirm"}, "slug", "is reserved"),
        ({"autoreply_body": "Hi {{ settings.SECRET_KEY }}"}, "autoreply_body", "is not a merge tag"),
        ({"autoreply_subject": "{{ first_name|upper }}"}, "autoreply_subject", "is not a merge tag"),
        ({"double_opt_in": "on"}, "consent_text", "Confirmed opt-in needs a consent checkbox"),
        ({"consent_text": CONSENT_TEXT}, "consent_version", "Name this wording"),
        ({"notify": "team"}, "notify_team", "Choose the team"),
        ({"redirect_url": "https://www.example.com/thanks"}, "redirect_url", "Choose the form's site first"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_a_reason(maria, overrides, field, message):
    response = client_for(maria).post("/forms/new/", settings_data(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["settings_form"].errors[field])
    assert not Form.objects.exists()


def test_two_forms_cannot_share_an_address(maria):
    FormFactory(slug="contact-us")

    response = client_for(maria).post("/forms/new/", settings_data())

    assert response.status_code == 400
    assert "Another form already uses this address." in response.content.decode()


def test_redirects_may_only_go_to_the_sites_allowed_domains(maria):
    site = SiteFactory(allowed_domains=["www.example.com"])
    form = FormFactory(site=site)
    client = client_for(maria)

    refused = client.post(
        f"/forms/{form.public_id}/settings/",
        settings_data(site=site.pk, slug=form.slug, redirect_url="https://evil.example.net/"),
    )
    sneaky = client.post(
        f"/forms/{form.public_id}/settings/",
        settings_data(site=site.pk, slug=form.slug, redirect_url="https://www.example.com@evil.example.net/"),
    )
    allowed = client.post(
        f"/forms/{form.public_id}/settings/",
        settings_data(site=site.pk, slug=form.slug, redirect_url="https://www.example.com/thanks"),
    )

    assert (refused.status_code, sneaky.status_code, allowed.status_code) == (400, 400, 302)
    form.refresh_from_db()
    assert form.redirect_url == "https://www.example.com/thanks"


def test_saving_settings_changes_them(maria):
    form = FormFactory()

    client_for(maria).post(
        f"/forms/{form.public_id}/settings/",
        settings_data(
            slug=form.slug,
            name="Request a demo",
            consent_text=CONSENT_TEXT,
            consent_version="v2",
            double_opt_in="on",
        ),
    )

    form.refresh_from_db()
    assert (form.name, form.consent_version, form.double_opt_in) == ("Request a demo", "v2", True)


def test_texts_typed_in_a_browser_are_stored_with_plain_line_ends(maria):
    form = FormFactory()

    client_for(maria).post(
        f"/forms/{form.public_id}/settings/",
        settings_data(slug=form.slug, autoreply_body="Hi {{ first_name }},\r\n\r\nThanks!\r\n"),
    )

    form.refresh_from_db()
    assert form.autoreply_body == "Hi {{ first_name }},\n\nThanks!"


def test_fields_can_be_added_for_contact_fields_and_properties(maria):
    CustomPropertyFactory(key="budget", label="Budget")
    form = FormFactory(with_fields=False)
    FormField.objects.create(form=form, target="email", label="Email", required=True)
    client = client_for(maria)

    client.post(f"/forms/{form.public_id}/fields/", {"target": "phone", "label": "Phone", "required": "on"})
    client.post(
        f"/forms/{form.public_id}/fields/",
        {"target": "property:budget", "label": "Your budget", "placeholder": "e.g. 5k"},
    )

    assert targets(form) == ["email", "phone", "property:budget"]
    budget = form.fields.get(target="property:budget")
    assert (budget.label, budget.placeholder, budget.required) == ("Your budget", "e.g. 5k", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "first_name", "label": "First name"}, "The form already has this field."),
        ({"target": "property:nope", "label": "Nope"}, "Select a valid choice"),
        ({"target": "phone", "label": ""}, "This field is required"),
    ],
)
def test_a_field_that_cannot_be_added_is_explained(maria, data, message):
    form = FormFactory()

    response = client_for(maria).post(f"/forms/{form.public_id}/fields/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert targets(form) == ["email", "first_name", "last_name", "company"]


def test_with_htmx_the_field_list_comes_back_alone(maria):
    form = FormFactory()

    response = client_for(maria).post(
        f"/forms/{form.public_id}/fields/", {"target": "city", "label": "City"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<section") and 'id="form-fields"' in body
    assert "<html" not in body
    assert "City" in body


def test_fields_move_up_and_down(maria):
    form = FormFactory()
    company = form.fields.get(target="company")
    client = client_for(maria)

    client.post(f"/forms/{form.public_id}/fields/{company.public_id}/move/", {"direction": "up"})
    client.post(f"/forms/{form.public_id}/fields/{company.public_id}/move/", {"direction": "up"})
    first = form.fields.get(target="email")
    client.post(
        f"/forms/{form.public_id}/fields/{first.public_id}/move/", {"direction": "up"}
    )  # already first

    assert targets(form) == ["email", "company", "first_name", "last_name"]


def test_a_field_can_be_edited(maria):
    form = FormFactory()
    field = form.fields.get(target="last_name")

    response = client_for(maria).post(
        f"/forms/{form.public_id}/fields/{field.public_id}/",
        {"label": "Surname", "required": "on", "help_text": "As on your passport"},
    )

    field.refresh_from_db()
    assert response.status_code == 302
    assert (field.label, field.required, field.help_text) == ("Surname", True, "As on your passport")


def test_the_email_field_stays_required(maria):
    form = FormFactory()
    email = form.fields.get(target="email")

    client_for(maria).post(f"/forms/{form.public_id}/fields/{email.public_id}/", {"label": "Work email"})

    email.refresh_from_db()
    assert (email.label, email.required) == ("Work email", True)


def test_fields_can_be_removed_but_not_the_email(maria):
    form = FormFactory()
    client = client_for(maria)
    company = form.fields.get(target="company")
    email = form.fields.get(target="email")

    removed = client.post(f"/forms/{form.public_id}/fields/{company.public_id}/delete/")
    kept = client.post(f"/forms/{form.public_id}/fields/{email.public_id}/delete/", HTTP_HX_REQUEST="true")

    assert removed.status_code == 302
    assert "The email field cannot be removed" in kept.content.decode()
    assert targets(form) == ["email", "first_name", "last_name"]


def test_a_field_of_another_form_is_not_found(maria):
    form, other = FormFactory(), FormFactory()
    foreign = other.fields.get(target="company")

    response = client_for(maria).post(f"/forms/{form.public_id}/fields/{foreign.public_id}/delete/")

    assert response.status_code == 404
    assert other.fields.filter(pk=foreign.pk).exists()


def test_deleting_a_form_keeps_its_contacts(maria):
    form = FormFactory()
    form_submit(form=form, data=answers(form))

    response = client_for(maria).post(f"/forms/{form.public_id}/delete/")

    assert response.status_code == 302
    assert not Form.objects.exists() and not FormSubmission.objects.exists()
    assert Contact.objects.filter(email="ada@example.org").exists()
    assert AuditEntry.objects.filter(action="form.deleted").exists()


def test_the_builder_shows_the_embed_snippet_and_the_hosted_link(maria, settings):
    form = FormFactory(site=SiteFactory(), slug="demo")

    body = client_for(maria).get(f"/forms/{form.public_id}/").content.decode()

    assert f"&lt;script src=&quot;{settings.BASE_URL}/f/demo/embed.js&quot; async&gt;&lt;/script&gt;" in body
    assert 'data-copy="embed-snippet"' in body
    assert f"{settings.BASE_URL}/f/demo" in body


def test_the_preview_shows_the_questions_without_letting_anyone_send(maria):
    form = FormFactory(name="Demo request")

    body = client_for(maria).get(f"/forms/{form.public_id}/preview/").content.decode()

    assert "Demo request" in body and 'name="email"' in body
    assert "disabled" in body
    assert 'name="ll_token"' not in body
