"""A 1:1 email goes through the same sending engine as campaigns and lands on the timeline."""

from __future__ import annotations

import pytest

from leadline.activity.models import Activity, Kind
from leadline.mail import sending
from leadline.mail.models import OutboundMessage
from leadline.mail.personal import personal_email_send
from leadline.mail.sending import outbox_send_due
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _fresh_compile_cache():
    sending._COMPILED.clear()
    yield
    sending._COMPILED.clear()


@pytest.mark.django_db
def test_it_sends_the_email_and_puts_it_on_the_timeline(smtp_mail, sam, sender, settings):
    settings.LEADLINE_SEND_RATE = 0
    contact = ContactFactory(owner=sam, first_name="Ann", email="ann@example.org")
    message = personal_email_send(
        user=sam,
        contact=contact,
        subject="Our call, {{ first_name }}",
        body="Hi **{{ first_name }}**,\n\nThanks!",
    )

    outbox_send_due()

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    [delivered] = smtp_mail.to("ann@example.org")
    assert delivered.subject == "Our call, Ann"
    assert "Hi Ann" in delivered.text
    assert "<strong>Ann</strong>" in delivered.html
    assert delivered["From"].startswith("Sam Seller <")
    assert delivered["Reply-To"] == "sam@leadline.test"
    assert Activity.objects.filter(contact=contact, kind=Kind.EMAIL_SENT).exists()


@pytest.mark.django_db
def test_it_queues_a_send_right_after_commit(sam, django_capture_on_commit_callbacks):
    contact = ContactFactory(owner=sam)

    with django_capture_on_commit_callbacks() as callbacks:
        personal_email_send(user=sam, contact=contact, subject="Hello", body="Hi")

    assert len(callbacks) == 1
