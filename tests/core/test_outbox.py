"""The in-app outbox: mail is kept in the database when no EMAIL_URL is set, and only admins read it."""

from __future__ import annotations

import uuid

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives

from leadline.core.models import OutboxEmail
from leadline.core.outbox import OutboxBackend
from tests.conftest import client_for

OUTBOX = "leadline.core.outbox.OutboxBackend"


def send_welcome(subject: str = "Welcome to Leadline", to: str = "lena@example.org") -> None:
    message = EmailMultiAlternatives(
        subject=subject,
        body="Hello Lena,\nthanks for your enquiry.",
        from_email="Leadline <hello@leadline.test>",
        to=[to],
        cc=["sales@leadline.test"],
        headers={"List-Unsubscribe": "<https://leadline.test/u/abc>"},
    )
    message.attach_alternative("<p>Hello <b>Lena</b></p>", "text/html")
    assert OutboxBackend().send_messages([message]) == 1


def test_it_is_the_mail_backend_when_no_email_url_is_configured():
    from leadline import settings as leadline_settings

    assert leadline_settings.EMAIL_URL == "" or leadline_settings.EMAIL_URL.startswith("outbox")
    assert leadline_settings.EMAIL_BACKEND == OUTBOX


def test_it_stores_each_message_with_its_recipients_bodies_and_headers(db):
    send_welcome()

    stored = OutboxEmail.objects.get()
    assert stored.subject == "Welcome to Leadline"
    assert stored.sender == "Leadline <hello@leadline.test>"
    assert stored.recipients == ["lena@example.org", "sales@leadline.test"]
    assert stored.text_body == "Hello Lena,\nthanks for your enquiry."
    assert stored.html_body == "<p>Hello <b>Lena</b></p>"
    assert stored.headers == {"List-Unsubscribe": "<https://leadline.test/u/abc>"}


def test_it_stores_plain_messages_in_one_go_and_counts_them(db):
    messages = [
        EmailMessage("Your export is ready", "Download it from Settings.", "hello@leadline.test", [to])
        for to in ("alice@leadline.test", "maria@leadline.test")
    ]
    assert OutboxBackend().send_messages(messages) == 2
    assert sorted(OutboxEmail.objects.values_list("recipients", flat=True)) == [
        ["alice@leadline.test"],
        ["maria@leadline.test"],
    ]
    assert set(OutboxEmail.objects.values_list("html_body", flat=True)) == {""}


def test_it_lists_and_shows_messages_to_an_admin(alice):
    send_welcome()
    stored = OutboxEmail.objects.get()
    client = client_for(alice)

    listing = client.get("/settings/outbox/")
    assert listing.status_code == 200
    assert "Welcome to Leadline" in listing.content.decode()

    detail = client.get(f"/settings/outbox/{stored.public_id}/")
    assert detail.status_code == 200
    assert "thanks for your enquiry." in detail.content.decode()


def test_it_shows_an_empty_state_when_nothing_was_sent(alice):
    response = client_for(alice).get("/settings/outbox/")
    assert response.status_code == 200
    assert "No email yet" in response.content.decode()


def test_it_shows_hostile_subjects_and_bodies_escaped(alice):
    send_welcome(subject="<script>alert('subject')</script>")
    OutboxEmail.objects.update(text_body="<img src=x onerror=alert(1)>")
    stored = OutboxEmail.objects.get()
    client = client_for(alice)

    for url in ("/settings/outbox/", f"/settings/outbox/{stored.public_id}/"):
        page = client.get(url).content.decode()
        assert "<script>alert('subject')</script>" not in page
        assert "&lt;script&gt;" in page
        assert "<img src=x onerror" not in page


@pytest.mark.parametrize("persona", ["maria", "sam", "oscar"])
def test_it_hides_the_outbox_from_people_who_are_not_admins(request, persona, db):
    send_welcome()
    stored = OutboxEmail.objects.get()
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/settings/outbox/").status_code == 403
    response = client.get(f"/settings/outbox/{stored.public_id}/")
    assert response.status_code == 403
    assert "thanks for your enquiry" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    send_welcome()
    response = client.get("/settings/outbox/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("public_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_it_answers_404_for_a_message_that_does_not_exist(alice, public_id):
    assert client_for(alice).get(f"/settings/outbox/{public_id}/").status_code == 404
