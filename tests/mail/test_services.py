"""Saving templates, layouts and senders: checks, versions, copies and the single default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.core.models import AuditEntry
from leadline.mail.models import Layout, SenderIdentity, Template
from leadline.mail.services import (
    TemplateData,
    layout_delete,
    layout_save,
    sender_identity_delete,
    sender_identity_save,
    template_create,
    template_duplicate,
    template_update,
)
from tests.mail.factories import LayoutFactory, SenderIdentityFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_unknown_merge_tags_naming_each(alice):
    data = TemplateData.of(TemplateFactory.build(subject="Hi {{ frist_name }}", body="{{ settings.DEBUG }}"))

    with pytest.raises(ValidationError) as error:
        template_create(actor=alice, data=data)

    assert "{{ frist_name }} is not a merge tag" in error.value.message_dict["subject"][0]
    assert "{{ settings.DEBUG }} is not a merge tag" in error.value.message_dict["body"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"subject": ""}, "subject"),
        ({"subject": "Two\nlines"}, "subject"),
        ({"subject": "x" * 256}, "subject"),
        ({"body": "   "}, "body"),
        ({"kind": "spam"}, "kind"),
        ({"format": "docx"}, "format"),
    ],
)
def test_it_refuses_bad_fields(alice, changes, field):
    data = TemplateData.of(TemplateFactory.build()).changed(**changes)

    with pytest.raises(ValidationError) as error:
        template_create(actor=alice, data=data)

    assert field in error.value.message_dict


def test_a_change_counts_a_new_version_and_records_who_made_it(alice, maria):
    template = TemplateFactory(created_by=alice, updated_by=alice)

    template_update(
        template=template, actor=maria, data=TemplateData.of(template).changed(subject="New subject")
    )
    template_update(template=template, actor=maria, data=TemplateData.of(template))  # nothing changed

    template.refresh_from_db()
    assert (template.subject, template.version, template.updated_by) == ("New subject", 2, maria)


def test_a_refused_change_keeps_the_stored_template(alice):
    template = TemplateFactory()
    before = template.body

    with pytest.raises(ValidationError):
        template_update(template=template, actor=alice, data=TemplateData.of(template).changed(layout=None))

    template.refresh_from_db()
    assert template.body == before and template.version == 1


def test_windows_line_ends_are_stored_as_plain_newlines(alice):
    data = TemplateData.of(TemplateFactory.build()).changed(body="Line one\r\nLine two")

    assert template_create(actor=alice, data=data).body == "Line one\nLine two"


def test_a_copy_is_a_new_template_with_the_same_content(alice):
    template = TemplateFactory(name="Welcome")

    copy = template_duplicate(template=template, actor=alice)

    assert copy.pk != template.pk and copy.name == "Copy of Welcome"
    assert (copy.body, copy.subject, copy.layout, copy.version) == (
        template.body,
        template.subject,
        template.layout,
        1,
    )
    assert AuditEntry.objects.filter(action="mail.template_created", object_id=str(copy.public_id)).exists()


def test_there_is_one_default_layout_and_it_cannot_be_deleted(alice):
    original = Layout.objects.get(is_default=True)
    html = (
        '<div>{{ content }}</div><p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
    )

    newer = layout_save(actor=alice, data={"name": "Plain", "html": html, "css": "", "is_default": True})

    original.refresh_from_db()
    assert newer.is_default and not original.is_default
    with pytest.raises(ValidationError):
        layout_delete(layout=newer, actor=alice)
    layout_delete(layout=original, actor=alice)
    assert list(Layout.objects.all()) == [newer]


def test_an_unused_layout_can_be_deleted(alice):
    layout = LayoutFactory()

    layout_delete(layout=layout, actor=alice)

    assert not Layout.objects.filter(pk=layout.pk).exists()


def test_the_first_sender_becomes_the_default_and_deleting_it_passes_the_role_on(alice):
    first = sender_identity_save(
        actor=alice, data={"from_name": "Northwind", "from_email": "Hello@Northwind.example"}
    )
    second = SenderIdentityFactory()

    assert first.is_default and first.from_email == "hello@northwind.example"
    sender_identity_delete(identity=first, actor=alice)
    second.refresh_from_db()
    assert second.is_default


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"from_name": "", "from_email": "a@x.test"}, "from_name"),
        ({"from_name": "Evil\r\nBcc: x@y.test", "from_email": "a@x.test"}, "from_name"),
        ({"from_name": "N", "from_email": "not an address"}, "from_email"),
        ({"from_name": "N", "from_email": "a@x.test", "reply_to": "nope"}, "reply_to"),
        ({"from_name": "N", "from_email": "a@x.test", "postal_address": "x" * 501}, "postal_address"),
    ],
)
def test_it_refuses_bad_sender_fields(alice, data, field):
    with pytest.raises(ValidationError) as error:
        sender_identity_save(actor=alice, data=data)

    assert field in error.value.message_dict
    assert not SenderIdentity.objects.exists()


def test_templates_are_listed_newest_change_first(alice):
    older = TemplateFactory(name="Older")
    newer = TemplateFactory(name="Newer")

    assert list(Template.objects.all()) == [newer, older]
