"""Send a test: the saved template, marked as a test, to yourself or a typed address, through
Django's email backend. One test goes through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadline.core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.mail.factories import SenderIdentityFactory, TemplateFactory, TransactionalTemplateFactory

pytestmark = pytest.mark.django_db


def send_url(template):
    return reverse("mail:template_send_test", args=[template.public_id])


def test_the_test_arrives_over_smtp_with_headers_html_and_text(maria, sender, smtp_mail):
    template = TemplateFactory(
        subject="Hello {{ first_name }}",
        body="# Hi {{ first_name }}\n\n[Book a call]({{ booking_link }})",
    )
    ada = ContactFactory(first_name="Ada")

    response = client_for(maria).post(
        send_url(template), {"to": "maria@leadline.test", "sender": sender.pk, "contact": str(ada.public_id)}
    )

    assert response.status_code == 302
    [message] = smtp_mail.wait_for(1)
    assert message.recipients == ["maria@leadline.test"]
    assert message.subject == "[Test] Hello Ada"
    assert message["From"] == f"Northwind Studio <{sender.from_email}>"
    assert message["Reply-To"] == "team@northwind.example"
    assert message["X-Leadline-Test"] == "yes"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith(">")
    assert message["List-Unsubscribe"].endswith("/u/preview>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ">Hi Ada</h1>" in message.html and "12 Harbour Street<br>Bristol BS1 4QA" in message.html
    assert "Hi Ada\n======" in message.text and "Book a call (http" in message.text


def test_it_defaults_to_yourself_and_records_who_sent_what(maria, sender, mailoutbox):
    template = TemplateFactory()
    client = client_for(maria)

    form = client.get(send_url(template)).context["send_form"]
    client.post(send_url(template), {"to": form.initial["to"], "sender": sender.pk})

    assert form.initial["to"] == "maria@leadline.test"
    assert [message.to for message in mailoutbox] == [["maria@leadline.test"]]
    assert AuditEntry.objects.filter(action="mail.test_sent", actor=maria).exists()


def test_a_test_goes_back_to_the_page_it_was_sent_from_but_never_off_site(maria, sender, mailoutbox):
    template = TemplateFactory()
    client = client_for(maria)
    edit = reverse("mail:template_edit", args=[template.public_id])

    back = client.post(send_url(template), {"to": "a@example.org", "sender": sender.pk, "next": edit})
    away = client.post(
        send_url(template), {"to": "a@example.org", "sender": sender.pk, "next": "https://evil.example/"}
    )

    assert back["Location"] == edit
    assert away["Location"] == reverse("mail:template_detail", args=[template.public_id])


@pytest.mark.parametrize(
    "to",
    ["", "not-an-address", "a@example.org, b@example.org", "a@example.org\r\nBcc: b@example.org", "x" * 300],
)
def test_a_bad_address_is_refused_and_nothing_is_sent(maria, sender, mailoutbox, to):
    response = client_for(maria).post(send_url(TemplateFactory()), {"to": to, "sender": sender.pk})

    assert response.status_code == 400
    assert response.context["send_form"].errors["to"]
    assert mailoutbox == []


def test_a_marketing_test_from_a_sender_without_address_says_what_to_fix(maria, mailoutbox):
    no_address = SenderIdentityFactory(from_name="Bare", postal_address="")

    response = client_for(maria).post(
        send_url(TemplateFactory()), {"to": "a@example.org", "sender": no_address.pk}
    )

    assert response.status_code == 400
    assert "Add a postal address to Bare" in response.context["send_form"].errors["sender"][0]
    assert mailoutbox == []


def test_a_contact_you_cannot_see_is_not_used(maria, sender, mailoutbox, oscar):
    template = TransactionalTemplateFactory(body='Hi {{ first_name | default:"you" }}')
    client_for(maria).post(send_url(template), {"to": "a@example.org", "contact": "not-a-uuid"})

    assert "Hi you" in mailoutbox[0].body


def test_sales_cannot_send_tests(sam, mailoutbox):
    template = TransactionalTemplateFactory()

    response = client_for(sam).post(send_url(template), {"to": "sam@leadline.test"})

    assert response.status_code == 403
    assert mailoutbox == []
