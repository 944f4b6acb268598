"""Queuing a 1:1 email: what is checked before anything goes on the outbox."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leadline.mail.models import OutboundMessage, Suppression
from leadline.mail.personal import BODY_MAX_LENGTH, personal_email_send
from tests.factories import ContactFactory
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory


def _send(user, contact, **overrides):
    fields = {"subject": "Good to meet you", "body": "Hi {{ first_name }},\n\nThanks for the call."}
    fields.update(overrides)
    return personal_email_send(user=user, contact=contact, **fields)


@pytest.mark.django_db
def test_it_queues_a_transactional_email_from_the_salesperson(sam, sender):
    contact = ContactFactory(owner=sam, email="ann@example.org")

    message = _send(sam, contact)

    assert message.state == OutboundMessage.State.QUEUED
    assert message.key.startswith("personal:")
    assert message.kind == "transactional"
    assert message.to_email == "ann@example.org"
    assert message.contact == contact
    assert message.sent_by == sam
    assert message.sender == sender
    assert message.subject == "Good to meet you"
    assert message.body == "Hi {{ first_name }},\n\nThanks for the call."
    assert message.merge_context == {"from_name": "Sam Seller", "reply_to": "sam@leadline.test"}


@pytest.mark.django_db
def test_it_queues_without_a_sender_identity_when_there_is_none(sam):
    message = _send(sam, ContactFactory(owner=sam))

    assert message.sender is None


@pytest.mark.django_db
def test_it_queues_one_email_when_the_same_form_is_sent_twice(sam):
    contact = ContactFactory(owner=sam)
    nonce = str(uuid.uuid4())

    first = _send(sam, contact, nonce=nonce)
    second = _send(sam, contact, nonce=nonce)

    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_a_nonce_that_was_used_for_someone_elses_email(sam, tess):
    contact = ContactFactory(owner=sam)
    nonce = str(uuid.uuid4())
    _send(tess, contact, nonce=nonce)

    with pytest.raises(ValidationError, match="already used"):
        _send(sam, contact, nonce=nonce)


@pytest.mark.django_db
def test_it_refuses_a_nonce_that_is_not_one_of_ours(sam):
    with pytest.raises(ValidationError, match="out of date"):
        _send(sam, ContactFactory(owner=sam), nonce="campaign:1:2")


@pytest.mark.django_db
def test_it_refuses_a_contact_the_user_cannot_see(sam, oscar):
    with pytest.raises(PermissionDenied):
        _send(sam, ContactFactory(owner=oscar))

    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_contact_without_an_email_address(sam):
    contact = ContactFactory(owner=sam, email=None, first_name="Ann", last_name="Lee")

    with pytest.raises(ValidationError) as caught:
        _send(sam, contact)

    assert "Ann Lee has no email address" in caught.value.message_dict["__all__"][0]


@pytest.mark.django_db
def test_it_says_clearly_that_a_suppressed_address_gets_nothing(sam):
    contact = ContactFactory(owner=sam, email="gone@example.org")
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.HARD_BOUNCE)

    with pytest.raises(ValidationError) as caught:
        _send(sam, contact)

    message = caught.value.message_dict["__all__"][0]
    assert "gone@example.org is blocked" in message
    assert "hard bounce" in message
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"subject": "  "}, "subject", "Write a subject line."),
        ({"subject": "x" * 256}, "subject", "At most 255 characters."),
        ({"subject": "Two\nlines"}, "subject", "A subject is one line."),
        ({"body": "\n "}, "body", "Write the email."),
        ({"body": "x" * (BODY_MAX_LENGTH + 1)}, "body", "At most"),
        ({"body": "Hi {{ nickname }}"}, "body", "{{ nickname }} is not a merge tag"),
        ({"subject": "{% load os %}Hi"}, "subject", "is not supported"),
    ],
)
def test_it_refuses_a_subject_or_body_that_cannot_be_sent(sam, fields, field, text):
    with pytest.raises(ValidationError) as caught:
        _send(sam, ContactFactory(owner=sam), **fields)

    assert text in " ".join(caught.value.message_dict[field])


@pytest.mark.django_db
def test_it_records_the_transactional_template_it_started_from(sam):
    template = TransactionalTemplateFactory(body="Thanks {{ first_name }}")

    message = _send(sam, ContactFactory(owner=sam), template=template)

    assert message.template == template


@pytest.mark.django_db
def test_it_refuses_a_marketing_template(maria):
    with pytest.raises(ValidationError) as caught:
        _send(maria, ContactFactory(), template=TemplateFactory())

    assert caught.value.message_dict["template"] == ["Choose a transactional template."]
