"""Factories for the email tests: templates (valid as saved), layouts and sender identities."""

from __future__ import annotations

import factory

from leadline.mail.models import Layout, SenderIdentity, Template

MARKETING_MARKDOWN = """\
# Hello {{ first_name | default:"there" }}

Thanks for reading. [Book a call]({{ booking_link }}).
"""
FOOTER = '\n\n{{ postal_address }} · <a href="{{ unsubscribe_url }}">Unsubscribe</a>\n'


def default_layout() -> Layout:
    return Layout.objects.get(is_default=True)


class SenderIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SenderIdentity

    from_name = "Northwind Studio"
    from_email = factory.Sequence(lambda n: f"hello{n}@northwind.example")
    reply_to = "team@northwind.example"
    postal_address = "12 Harbour Street\nBristol BS1 4QA"
    is_default = False


class LayoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Layout

    name = factory.Sequence(lambda n: f"Layout {n}")
    html = '<div class="frame">{{ content }}</div><p class="foot">{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
    css = ".frame { padding: 24px; } .foot { color: #888888; }"


class TemplateFactory(factory.django.DjangoModelFactory):
    """A marketing Markdown template in the default layout (which has the footer it needs)."""

    class Meta:
        model = Template

    name = factory.Sequence(lambda n: f"Template {n}")
    kind = Template.Kind.MARKETING
    format = Template.Format.MARKDOWN
    subject = 'Hello {{ first_name | default:"there" }}'
    preheader = "A short note"
    body = MARKETING_MARKDOWN
    layout = factory.LazyFunction(default_layout)


class TransactionalTemplateFactory(TemplateFactory):
    kind = Template.Kind.TRANSACTIONAL
    name = factory.Sequence(lambda n: f"Follow-up {n}")
    layout = None
