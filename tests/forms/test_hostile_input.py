"""Hostile text in every field: stored exactly as sent, shown escaped wherever it appears again
(the hosted page after an error, the submissions list, the contact's timeline, the builder)."""

from __future__ import annotations

from leadline.contacts.models import Contact, PropertyType
from leadline.forms.models import FormSubmission
from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomPropertyFactory
from tests.forms.factories import FormFactory, FormFieldFactory, answers

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def hostile_form():
    CustomPropertyFactory(key="notes", label="Notes", type=PropertyType.TEXT)
    form = FormFactory(name=f"Contact {HOSTILE}", thank_you_message=f"Thanks {HOSTILE}")
    FormFieldFactory(
        form=form, target="job_title", label=f"Role {HOSTILE}", help_text=HOSTILE, placeholder=HOSTILE
    )
    FormFieldFactory(form=form, target="city", label="City")
    FormFieldFactory(form=form, target="property:notes", label="Notes")
    return form


def hostile_answers(form):
    return answers(
        form, first_name=HOSTILE, last_name=FORMULA, company=f"{HOSTILE} Ltd", job_title=HOSTILE, city="'; DROP TABLE contacts;--",
        p_notes=f"{HOSTILE}\n{FORMULA}", ll_page=f"https://www.example.com/?q={HOSTILE}", ll_referrer=f"javascript:{HOSTILE}",
        utm_campaign=HOSTILE,
    )  # fmt: skip


def test_hostile_answers_are_stored_verbatim(client, db):
    form = hostile_form()

    response = client.post(f"/f/{form.slug}", hostile_answers(form))

    assert response.status_code == 200
    body = response.content.decode()
    assert HOSTILE not in body and f"Thanks {ESCAPED}" in body
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.job_title) == (HOSTILE, FORMULA, HOSTILE)
    assert contact.city == "'; DROP TABLE contacts;--"
    assert contact.company.name == f"{HOSTILE} Ltd"
    assert contact.properties == {"notes": f"{HOSTILE}\n{FORMULA}"}
    submission = FormSubmission.objects.get()
    assert submission.utm_campaign == HOSTILE
    assert submission.values["p_notes"] == f"{HOSTILE}\n{FORMULA}"


def test_the_hosted_page_escapes_everything_it_shows_again(client, db):
    form = hostile_form()

    page = client.get(f"/f/{form.slug}?utm_campaign={HOSTILE}").content.decode()
    again = client.post(f"/f/{form.slug}", {**hostile_answers(form), "email": HOSTILE}).content.decode()

    for body in (page, again):
        assert HOSTILE not in body
        assert ESCAPED in body
    assert f'value="{ESCAPED}"' in again


def test_the_submissions_list_escapes_every_answer(maria, db):
    form = hostile_form()
    form_submit(form=form, data=hostile_answers(form))

    body = client_for(maria).get(f"/forms/{form.public_id}/submissions/").content.decode()

    assert HOSTILE not in body
    assert body.count(ESCAPED) >= 5


def test_the_timeline_escapes_the_form_submission(maria, db):
    form = hostile_form()
    form_submit(form=form, data=hostile_answers(form))
    contact = Contact.objects.get()

    body = client_for(maria).get(f"/contacts/{contact.public_id}/").content.decode()

    assert HOSTILE not in body
    assert f"Submitted Contact {ESCAPED}" in " ".join(body.split())


def test_the_builder_escapes_names_labels_and_settings(maria, db):
    form = hostile_form()
    client = client_for(maria)

    for url in (
        f"/forms/{form.public_id}/",
        "/forms/",
        f"/forms/{form.public_id}/preview/",
        f"/forms/{form.public_id}/settings/",
    ):
        body = client.get(url).content.decode()
        assert HOSTILE not in body, url
        assert ESCAPED in body, url


def test_a_refused_submission_changes_nothing_already_stored(client, db):
    contact = ContactFactory(
        email="ada@example.org", first_name="Ada", last_name="Lovelace", job_title="Countess"
    )
    form = hostile_form()

    response = client.post(f"/f/{form.slug}", answers(form, email="ada@example.org", first_name="x" * 500))

    assert response.status_code == 400
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.job_title) == ("Ada", "Lovelace", "Countess")
    assert not FormSubmission.objects.exists()
