"""Asking a contact for a testimonial: the request, its signed link, the email on the outbox."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import resolve

from leadline.activity.models import Activity, Kind
from leadline.mail.models import OutboundMessage, Template
from leadline.testimonials import models, services
from leadline.testimonials.links import read_collect_token
from tests.conftest import client_for
from tests.factories import ContactFactory


def _token_of(url: str) -> str:
    return resolve(urlsplit(url).path).kwargs["token"]


def test_it_queues_a_transactional_email_with_the_signed_link(db, alice):
    contact = ContactFactory(email="ada@example.org", first_name="Ada")

    request = services.testimonial_request_create(contact=contact, requested_by=alice)

    message = OutboundMessage.objects.get()
    assert message.key == f"testimonial:{request.public_id}"
    assert message.kind == Template.Kind.TRANSACTIONAL
    assert message.to_email == "ada@example.org"
    url = re.search(r"\]\((http[^)]+)\)", message.body).group(1)
    assert "{{ first_name" in message.body  # left for the sending engine to fill
    assert read_collect_token(_token_of(url)) == request.public_id
    assert request.email_key == message.key


def test_it_puts_the_link_where_a_template_asks_for_it(db, alice):
    contact = ContactFactory()
    template = Template.objects.create(
        name="Ask",
        kind=Template.Kind.TRANSACTIONAL,
        subject="A favour, {{ first_name }}?",
        body="Hello!\n\n[Tell us]({{ testimonial_url }})\n\n{{ sender_name }}",
    )

    request = services.testimonial_request_create(contact=contact, requested_by=alice, template=template)

    message = OutboundMessage.objects.get()
    assert message.subject == "A favour, {{ first_name }}?"
    url = re.search(r"\[Tell us\]\((http[^)]+)\)", message.body).group(1)
    assert read_collect_token(_token_of(url)) == request.public_id
    assert "{{ sender_name }}" in message.body
    assert message.template == template


def test_it_refuses_a_contact_without_an_email_address(db, alice):
    contact = ContactFactory(email=None)

    with pytest.raises(ValidationError):
        services.testimonial_request_create(contact=contact, requested_by=alice)

    assert not models.TestimonialRequest.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_it_records_the_request_on_the_timeline(db, alice):
    contact = ContactFactory()

    services.testimonial_request_create(contact=contact, requested_by=alice)

    entry = Activity.objects.get(contact=contact, kind=Kind.TESTIMONIAL)
    assert entry.data["event"] == "requested"
    assert entry.actor == alice


def test_it_gives_a_workflow_one_link_per_step(db):
    contact = ContactFactory()

    first = services.testimonial_request_url(contact=contact, source="workflow:abc:step-3")
    again = services.testimonial_request_url(contact=contact, source="workflow:abc:step-3")

    assert read_collect_token(_token_of(first)) == read_collect_token(_token_of(again))
    request = models.TestimonialRequest.objects.get()
    assert request.source == models.TestimonialRequest.Source.WORKFLOW
    assert not OutboundMessage.objects.exists()  # the workflow sends its own email


def test_it_lets_a_workflow_ask_with_an_email(db):
    contact = ContactFactory()

    request = services.testimonial_request_create(contact=contact, source="workflow")

    assert request.requested_by is None
    assert OutboundMessage.objects.filter(key=f"testimonial:{request.public_id}").exists()


def test_it_lets_a_salesperson_ask_their_own_contact_from_the_screen(db, sam):
    contact = ContactFactory(owner=sam)

    response = client_for(sam).post(
        f"/testimonials/manage/requests/new/?contact={contact.public_id}", {"contact": str(contact.public_id)}
    )

    assert response.status_code == 302
    assert models.TestimonialRequest.objects.get().contact == contact


def test_it_finds_the_contact_by_email_on_the_screen(db, maria):
    contact = ContactFactory(email="bea@example.org")

    response = client_for(maria).post("/testimonials/manage/requests/new/", {"email": "Bea@Example.org"})

    assert response.status_code == 302
    assert models.TestimonialRequest.objects.get().contact == contact


def test_it_does_not_let_a_salesperson_ask_someone_elses_contact(db, sam, oscar):
    contact = ContactFactory(owner=oscar)

    response = client_for(sam).post(
        f"/testimonials/manage/requests/new/?contact={contact.public_id}", {"contact": str(contact.public_id)}
    )

    assert response.status_code == 404
    assert not models.TestimonialRequest.objects.exists()


def test_it_explains_an_unknown_email_address(db, maria):
    response = client_for(maria).post("/testimonials/manage/requests/new/", {"email": "nobody@example.org"})

    assert response.status_code == 400
    assert b"No contact you can see" in response.content
