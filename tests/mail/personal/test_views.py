"""The contact page's email panel, the composer and the sent list."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from leadline.mail.models import OutboundMessage, Suppression
from leadline.mail.personal import personal_email_send
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.mail.factories import TransactionalTemplateFactory

HTMX = {"HX-Request": "true"}


def _panel_url(contact):
    return reverse("mail:personal_panel", args=[contact.public_id])


def _send_url(contact):
    return reverse("mail:personal_send", args=[contact.public_id])


def _form(**overrides):
    data = {"subject": "Good to meet you", "body": "Hi {{ first_name }}", "nonce": str(uuid.uuid4())}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_it_loads_the_email_panel_on_the_contact_page(sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).get(reverse("contacts:detail", args=[contact.public_id]))

    assert f'hx-get="{_panel_url(contact)}"' in response.content.decode()


@pytest.mark.django_db
def test_it_shows_a_salesperson_only_the_email_they_sent(sam, tess, maria):
    contact = ContactFactory(owner=sam)
    personal_email_send(user=sam, contact=contact, subject="From Sam", body="Hi")
    personal_email_send(user=tess, contact=contact, subject="From Tess", body="Hi")

    as_sam = client_for(sam).get(_panel_url(contact)).content.decode()
    as_maria = client_for(maria).get(_panel_url(contact)).content.decode()

    assert "From Sam" in as_sam and "From Tess" not in as_sam
    assert "From Sam" in as_maria and "From Tess" in as_maria
    assert "Queued" in as_sam


@pytest.mark.django_db
def test_it_shows_opened_and_failed_email(sam):
    contact = ContactFactory(owner=sam)
    opened = personal_email_send(user=sam, contact=contact, subject="Opened one", body="Hi")
    failed = personal_email_send(user=sam, contact=contact, subject="Failed one", body="Hi")
    OutboundMessage.objects.filter(pk=opened.pk).update(state="sent", opened_at=opened.created_at)
    OutboundMessage.objects.filter(pk=failed.pk).update(state="dead", last_error="550 No such user")

    page = client_for(sam).get(_panel_url(contact)).content.decode()

    assert "Opened" in page
    assert "Failed" in page and "550 No such user" in page


@pytest.mark.django_db
def test_it_queues_the_email_and_swaps_the_panel(sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).post(_send_url(contact), _form(), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "leadline:email-queued"
    assert f"Email to {contact.email} queued" in response.content.decode()
    message = OutboundMessage.objects.get()
    assert (message.sent_by, message.contact, message.subject) == (sam, contact, "Good to meet you")


@pytest.mark.django_db
def test_it_goes_back_to_the_contact_after_a_plain_post(sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).post(_send_url(contact), _form())

    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[contact.public_id])


@pytest.mark.django_db
def test_it_sends_one_email_when_the_form_is_submitted_twice(sam):
    contact = ContactFactory(owner=sam)
    data = _form()
    client = client_for(sam)

    client.post(_send_url(contact), data, headers=HTMX)
    client.post(_send_url(contact), data, headers=HTMX)

    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_it_says_why_an_email_was_not_queued(sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).post(_send_url(contact), _form(body="Hi {{ nick }}", subject=""), headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Write a subject line." in page
    assert "{{ nick }} is not a merge tag" in page
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_refuses_bad_input_with_a_400_page(sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).post(_send_url(contact), {"subject": "x" * 300, "nonce": "<script>"})

    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_it_tells_that_a_suppressed_address_gets_no_email(sam):
    contact = ContactFactory(owner=sam, email="gone@example.org")
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.COMPLAINT)

    panel = client_for(sam).get(_panel_url(contact)).content.decode()
    response = client_for(sam).post(_send_url(contact), _form(), headers=HTMX)

    assert "gone@example.org is blocked" in panel
    assert "gone@example.org is blocked" in response.content.decode()
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_fills_the_composer_from_a_transactional_template(sam):
    contact = ContactFactory(owner=sam)
    template = TransactionalTemplateFactory(subject="Your quote", body="Here is the quote we discussed.")

    response = client_for(sam).get(
        _send_url(contact), {"template": str(template.public_id), "panel": "1"}, headers=HTMX
    )

    page = response.content.decode()
    assert 'value="Your quote"' in page
    assert "Here is the quote we discussed." in page
    assert f'hx-post="{_send_url(contact)}"' in page


@pytest.mark.django_db
def test_it_keeps_other_peoples_contacts_out_of_reach(sam, oscar):
    contact = ContactFactory(owner=oscar)
    client = client_for(sam)

    assert client.get(_panel_url(contact)).status_code == 404
    assert client.post(_send_url(contact), _form()).status_code == 404
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_lists_the_email_the_user_sent(sam, tess, django_assert_max_num_queries):
    for index in range(5):
        personal_email_send(user=sam, contact=ContactFactory(owner=sam), subject=f"Mine {index}", body="Hi")
    personal_email_send(user=tess, contact=ContactFactory(owner=tess), subject="Not mine", body="Hi")
    client = client_for(sam)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("mail:personal_sent"))

    page = response.content.decode()
    assert page.count("Mine ") == 5
    assert "Not mine" not in page
