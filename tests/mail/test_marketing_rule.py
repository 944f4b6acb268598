"""A marketing template cannot be saved, nor sent as a test, without the unsubscribe link and the
sender's postal address: in its body or its layout. The error names what is missing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.mail.models import Template
from leadline.mail.services import TemplateData, template_check, template_create, template_send_test
from tests.mail.factories import FOOTER, LayoutFactory, SenderIdentityFactory, TemplateFactory, default_layout

pytestmark = pytest.mark.django_db


def data(**changes) -> TemplateData:
    fields = {
        "name": "Spring offer",
        "kind": Template.Kind.MARKETING,
        "format": Template.Format.MARKDOWN,
        "subject": "Spring is here",
        "preheader": "",
        "body": "Hello {{ first_name }}",
        "layout": None,
    }
    return TemplateData(**{**fields, **changes})


def test_a_marketing_template_without_layout_must_have_both_in_its_body(alice):
    with pytest.raises(ValidationError) as error:
        template_create(actor=alice, data=data())

    message = " ".join(error.value.message_dict["body"])
    assert "an unsubscribe link ({{ unsubscribe_url }})" in message
    assert "the sender's postal address ({{ postal_address }})" in message
    assert not Template.objects.exists()


def test_the_error_names_only_what_is_missing(alice):
    with pytest.raises(ValidationError) as error:
        template_create(actor=alice, data=data(body="Hi. {{ postal_address }}"))

    message = " ".join(error.value.message_dict["body"])
    assert "unsubscribe" in message and "postal address" not in message


def test_the_layout_can_carry_the_footer(alice):
    template = template_create(actor=alice, data=data(layout=default_layout()))

    assert template.layout == default_layout()


def test_the_body_can_carry_the_footer(alice):
    template = template_create(actor=alice, data=data(body="Hello" + FOOTER))

    assert template.kind == Template.Kind.MARKETING


def test_a_transactional_template_needs_neither(alice):
    template_create(actor=alice, data=data(kind=Template.Kind.TRANSACTIONAL))


def test_a_tag_hidden_in_a_comment_does_not_count(alice):
    body = "Hello <!-- {{ unsubscribe_url }} {{ postal_address }} -->"

    with pytest.raises(ValidationError):
        template_check(data(body=body, format=Template.Format.HTML))


def test_a_marketing_test_send_needs_a_sender_with_a_postal_address(alice, mailoutbox):
    template = TemplateFactory()
    no_address = SenderIdentityFactory(postal_address="")

    with pytest.raises(ValidationError) as error:
        template_send_test(template=template, actor=alice, to="alice@leadline.test", sender=no_address)
    assert "postal address" in error.value.message_dict["sender"][0]

    with pytest.raises(ValidationError) as error:
        template_send_test(template=template, actor=alice, to="alice@leadline.test", sender=None)
    assert "sender" in error.value.message_dict
    assert mailoutbox == []


def test_a_layout_must_keep_the_footer_tags(alice):
    from leadline.mail.services import layout_save

    with pytest.raises(ValidationError) as error:
        layout_save(actor=alice, data={"name": "Bare", "html": "<div>{{ content }}</div>", "css": ""})

    assert "{{ postal_address }}, {{ unsubscribe_url }}" in error.value.message_dict["html"][0]


def test_a_layout_that_is_used_cannot_be_deleted(alice):
    from leadline.mail.services import layout_delete

    layout = LayoutFactory()
    TemplateFactory(layout=layout)

    with pytest.raises(ValidationError) as error:
        layout_delete(layout=layout, actor=alice)

    assert "1 template uses this layout" in error.value.messages[0]
