"""The demo's email: a default sender with a postal address and three templates that compile."""

from __future__ import annotations

import pytest

from leadline.mail.demo import seed_mail_demo
from leadline.mail.merge_values import merge_values
from leadline.mail.models import SenderIdentity, Template
from leadline.mail.rendering import compile_template
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_a_sender_and_three_templates_once():
    lines: list[str] = []

    seed_mail_demo(lines.append)
    seed_mail_demo(lines.append)

    sender = SenderIdentity.objects.get()
    assert sender.is_default and sender.postal_address
    assert sorted(Template.objects.values_list("name", "format")) == [
        ("Follow-up after a first call", "markdown"),
        ("Monthly newsletter", "mjml"),
        ("Welcome email", "markdown"),
    ]
    assert len(lines) == 2  # the second run adds nothing


def test_every_demo_template_renders_for_a_contact():
    seed_mail_demo(lambda line: None)
    contact = ContactFactory(first_name="Ada")
    sender = SenderIdentity.objects.get()

    for template in Template.objects.all():
        rendered = compile_template(template).render(merge_values(contact=contact, sender=sender))
        assert "Ada" in rendered.subject + rendered.html, template.name
        assert rendered.text.strip(), template.name
        if template.kind == Template.Kind.MARKETING:
            assert "Harbour Street" in rendered.html and "/u/" in rendered.html
