"""The submissions of a form: newest first, paginated, at a constant number of queries, with every
answer shown as text and each email's state; sales only see the people they may see."""

from __future__ import annotations

from leadline.forms.models import FormEmail
from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.forms.factories import FormFactory, answers


def submit_many(form, count, **values):
    for index in range(count):
        form_submit(
            form=form,
            data=answers(form, email=f"person{index}@example.org", **values),
            ip_address=f"198.51.100.{index % 250}",
        )


def test_it_lists_the_answers_and_the_reply_state(maria, settings):
    settings.LEADLINE_FORMS_RATE_PER_IP = (1000, 600)
    form = FormFactory()
    form_submit(
        form=form,
        data=answers(form, first_name="Ada", last_name="Lovelace", utm_source="google", utm_campaign="brand"),
    )

    body = client_for(maria).get(f"/forms/{form.public_id}/submissions/").content.decode()

    assert "Ada Lovelace" in body
    assert "<dt>Last name</dt><dd>Lovelace</dd>" in body
    assert "brand" in body and "google" in body
    assert "Instant reply: queued" in body


def test_it_pages_through_many_submissions_at_a_constant_cost(maria, settings, django_assert_max_num_queries):
    settings.LEADLINE_FORMS_RATE_PER_IP = (1000, 600)
    settings.LEADLINE_FORMS_RATE_PER_EMAIL = (1000, 600)
    form = FormFactory()
    submit_many(form, 3)
    client = client_for(maria)
    client.get(f"/forms/{form.public_id}/submissions/")  # warm the session and the user

    with django_assert_max_num_queries(12) as few:
        client.get(f"/forms/{form.public_id}/submissions/")
    submit_many(form, 60, company="Initech")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/forms/{form.public_id}/submissions/")

    body = response.content.decode()
    assert "1–50 of 63" in body
    assert 'rel="next"' in body
    second = client.get(f"/forms/{form.public_id}/submissions/?page=2").content.decode()
    assert "51–63 of 63" in second


def test_sales_only_see_submissions_of_contacts_they_may_see(sam, oscar, settings):
    form = FormFactory()
    ContactFactory(email="mine@example.org", owner=sam)
    ContactFactory(email="oscars@example.org", owner=oscar)
    form_submit(form=form, data=answers(form, email="mine@example.org"))
    form_submit(form=form, data=answers(form, email="oscars@example.org"), ip_address="198.51.100.2")
    form_submit(form=form, data=answers(form, email="nobodys@example.org"), ip_address="198.51.100.3")

    body = client_for(sam).get(f"/forms/{form.public_id}/submissions/").content.decode()

    assert "mine@example.org" in body and "nobodys@example.org" in body
    assert "oscars@example.org" not in body
    assert "2 submissions" in body


def test_a_failed_reply_shows_its_error(maria):
    form = FormFactory()
    form_submit(form=form, data=answers(form))
    FormEmail.objects.update(
        state=FormEmail.State.FAILED, last_error="SMTPRecipientsRefused: 550 No such user"
    )

    body = client_for(maria).get(f"/forms/{form.public_id}/submissions/").content.decode()

    assert "Instant reply: failed" in body
    assert "550 No such user" in body


def test_an_empty_form_says_how_to_get_submissions(maria):
    form = FormFactory()

    body = client_for(maria).get(f"/forms/{form.public_id}/submissions/").content.decode()

    assert "No submissions yet" in body
