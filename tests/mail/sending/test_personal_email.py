"""A salesperson's 1:1 email: their Markdown, from the workspace's sender address under their own
name, replies to them, no tracking and no unsubscribe headers; on the timeline as theirs."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.mail.models import OutboundMessage
from leadline.mail.sending import outbox_send_due
from tests.factories import ContactFactory
from tests.mail.sending.factories import queue_personal

pytestmark = pytest.mark.django_db

BODY = """Hi {{ first_name }},

Great talking today. Here is [the deck](https://northwind.example/deck) we went through.

Sam"""


def test_it_goes_out_under_the_salespersons_name_with_their_reply_to(smtp, sender, sam):
    contact = ContactFactory(first_name="Ada")
    row = queue_personal(
        contact,
        user=sam,
        subject="Following up, {{ first_name }}",
        body=BODY,
        from_name="Sam Seller",
        reply_to="sam@leadline.test",
    )

    report = outbox_send_due()

    assert report.sent == 1
    [message] = smtp.messages
    assert message["From"] == f"Sam Seller <{sender.from_email}>"
    assert message["Reply-To"] == "sam@leadline.test"
    assert message["Message-ID"] == row.message_id
    assert message.subject == "Following up, Ada"
    assert message.text.startswith("Hi Ada,\n")
    assert 'href="https://northwind.example/deck"' in message.html  # not rewritten for tracking
    assert "/o/" not in message.html
    assert message["List-Unsubscribe"] == ""
    entry = Activity.objects.get(kind=Kind.EMAIL_SENT)
    assert (entry.contact, entry.actor, entry.title) == (contact, sam, "Following up, Ada")
    assert entry.data["email_kind"] == "transactional"


def test_a_reply_to_that_is_not_an_address_falls_back_to_the_senders(smtp, sender, sam):
    queue_personal(
        ContactFactory(), user=sam, subject="Hi", body="Hello", reply_to="sam@x\r\nBcc: everyone@example.org"
    )

    outbox_send_due()

    [message] = smtp.messages
    assert message["Reply-To"] == sender.reply_to
    assert message["Bcc"] == ""
    assert message.recipients == [OutboundMessage.objects.get().to_email]


def test_a_body_that_cannot_be_rendered_fails_that_message_with_the_reason(smtp, sender, sam):
    row = queue_personal(ContactFactory(), user=sam, subject="Hi", body="x" * 200_001)

    report = outbox_send_due()

    row.refresh_from_db()
    assert row.state == OutboundMessage.State.FAILED
    assert row.last_error.startswith("The email could not be rendered: The email is too long")
    assert report.failed == 1 and smtp.messages == []
