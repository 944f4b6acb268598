"""Compiling a template once and rendering it per recipient: each format, the layout, CSS inlining,
the preheader, merge values placed safely, and clear errors instead of crashes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.mail.merge_tags import BUILT_IN_TAGS
from leadline.mail.merge_values import merge_values
from leadline.mail.rendering import MAX_NESTING, LayoutSource, compile_source, compile_template
from tests.factories import ContactFactory, CustomPropertyFactory
from tests.mail.factories import TemplateFactory
from tests.mail.html_checks import assert_no_active_content

LAYOUT = LayoutSource(
    html='<div class="frame">{{ content }}</div><p class="foot">{{ postal_address }} '
    '<a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    css=".frame { padding: 24px; } .foot { color: #888888; } @media (max-width: 480px) { .frame { padding: 8px !important; } }",
)
VALUES = {
    "first_name": "Ada",
    "booking_link": "https://leadline.test/meet/",
    "postal_address": "12 Harbour Street\nBristol",
    "unsubscribe_url": "https://leadline.test/u/abc",
}


def compile_(body: str, *, format: str = "markdown", layout: LayoutSource | None = LAYOUT, **fields: str):
    return compile_source(
        kind=fields.get("kind", "marketing"),
        format=format,
        subject=fields.get("subject", 'Hi {{ first_name | default:"there" }}'),
        preheader=fields.get("preheader", ""),
        body=body,
        layout=layout,
        allowed=BUILT_IN_TAGS,
    )


def test_markdown_is_rendered_inside_the_layout_with_its_css_inlined():
    rendered = compile_("# Hello {{ first_name }}\n\nSome *words*.").render(VALUES)

    assert '<div class="frame" style="padding: 24px;"><h1>Hello Ada</h1>' in rendered.html
    assert "<em>words</em>" in rendered.html
    assert '<p class="foot" style="color: #888888;">12 Harbour Street<br>Bristol' in rendered.html
    # Media queries cannot be inlined: they stay in a style block for mobile clients.
    assert "@media (max-width: 480px)" in rendered.html
    assert rendered.subject == "Hi Ada"


def test_a_single_line_break_in_markdown_is_kept():
    rendered = compile_("Best wishes,\nAda").render(VALUES)

    assert "Best wishes,<br>" in rendered.html


def test_mjml_is_rendered_with_mrml_and_keeps_its_responsive_styles():
    body = """<mjml><mj-body><mj-section><mj-column>
      <mj-text>Hi {{ first_name }}</mj-text>
      <mj-button href="{{ booking_link }}">Book a call</mj-button>
    </mj-column><mj-column><mj-text>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
    </mj-column></mj-section></mj-body></mjml>"""

    rendered = compile_(body, format="mjml", layout=None).render(VALUES)

    assert "Hi Ada" in rendered.html
    assert 'href="https://leadline.test/meet/"' in rendered.html
    assert "mj-column-per-50" in rendered.html and "@media only screen and (min-width:480px)" in rendered.html
    assert "fonts.googleapis.com" not in rendered.html  # no remote fonts or stylesheets are loaded


def test_user_html_keeps_tables_and_inline_styles_and_gets_its_style_block_inlined():
    body = """<style>.cta { color: #ffffff; background: #4f46e5; }</style>
    <table role="presentation" width="100%" cellpadding="0"><tr><td align="center" style="padding: 8px">
    <a class="cta" href="{{ booking_link }}">Book</a></td></tr></table>"""

    rendered = compile_(body, format="html").render(VALUES)

    assert '<td align="center" style="padding: 8px">' in rendered.html
    assert 'style="color: #ffffff;background: #4f46e5;"' in rendered.html
    assert 'cellpadding="0"' in rendered.html


def test_the_preheader_is_hidden_in_the_html_and_left_out_of_the_text():
    rendered = compile_("Body text", preheader="Three things for {{ first_name }}").render(VALUES)

    assert "display:none" in rendered.html and "Three things for Ada" in rendered.html
    assert "Three things" not in rendered.text


def test_values_are_escaped_in_html_and_raw_in_text_and_subject():
    values = {**VALUES, "first_name": "Ada <b>& co</b>"}

    rendered = compile_("Hi {{ first_name }}").render(values)

    assert "Hi Ada &lt;b&gt;&amp; co&lt;/b&gt;" in rendered.html
    assert "Hi Ada <b>& co</b>" in rendered.text
    assert rendered.subject == "Hi Ada <b>& co</b>"


def test_a_link_from_a_merge_value_must_be_a_web_mail_or_phone_address():
    body = '<a href="{{ company }}">site</a> <a href="{{ booking_link }}?utm=mail">book</a> <a href="https://x.test/?name={{ first_name }}">x</a>'
    values = {**VALUES, "company": "javascript:alert(1)", "first_name": "Ada & Bob"}

    rendered = compile_(body, format="html").render(values)

    assert 'href=""' in rendered.html
    assert 'href="https://leadline.test/meet/?utm=mail"' in rendered.html
    assert 'href="https://x.test/?name=Ada%20%26%20Bob"' in rendered.html
    assert "javascript" not in rendered.html


def test_a_tag_in_an_attribute_after_a_greater_than_sign_is_still_treated_as_a_link():
    body = '<a title="a > b" href="{{ company }}">x</a>'

    rendered = compile_(body, format="html").render({**VALUES, "company": "javascript:alert(1)"})

    assert "javascript" not in rendered.html
    assert_no_active_content(rendered.html)


def test_tags_in_css_or_comments_are_dropped():
    body = '<p style="color: {{ first_name }}">x</p><!-- {{ first_name }} -->'

    compiled = compile_(body, format="html", subject="Hello")

    assert "Ada" not in compiled.render(VALUES).html
    assert "first_name" not in compiled.tag_names


def test_a_custom_property_fills_its_tag(db):
    CustomPropertyFactory(key="plan", label="Plan")
    contact = ContactFactory(first_name="Ada", properties={"plan": "Pro"})
    template = TemplateFactory(body='You are on {{ contact.plan | default:"the free plan" }}.')

    rendered = compile_template(template).render(merge_values(contact=contact, sender=None))

    assert "You are on Pro." in rendered.html


def test_marketing_email_carries_the_one_click_unsubscribe_headers():
    rendered = compile_("Hi").render(VALUES)

    assert rendered.headers == {
        "List-Unsubscribe": "<https://leadline.test/u/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert compile_("Hi", kind="transactional").render(VALUES).headers == {}


def test_one_compiled_template_renders_many_recipients_independently():
    compiled = compile_('Hi {{ first_name | default:"there" }}')

    first = compiled.render({**VALUES, "first_name": "Ada"})
    second = compiled.render({**VALUES, "first_name": ""})

    assert "Hi Ada" in first.html and "Hi there" in second.html
    assert "Hi Ada" not in second.html


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<mjml><mj-body><mj-section></mj-body></mjml>", "The MJML could not be read"),
        ("Hello, this is not MJML", "starts with <mjml>"),
        ("<mjml>\n\n<mj-bdy></mj-bdy></mjml>", "near line 3"),
    ],
)
def test_mjml_that_does_not_parse_is_a_clear_validation_error(body, expected):
    with pytest.raises(ValidationError) as error:
        compile_(body, format="mjml", layout=None)

    assert expected in " ".join(error.value.message_dict["body"])


def test_mjml_sent_with_windows_line_ends_compiles():
    body = "<mjml>\r\n<mj-head>\r\n<mj-title>T</mj-title>\r\n</mj-head>\r\n<mj-body><mj-text>Hi</mj-text></mj-body></mjml>"

    assert "Hi" in compile_(body, format="mjml", layout=None).render(VALUES).html


def test_mjml_cannot_include_files_from_the_server():
    body = '<mjml><mj-body><mj-include path="/etc/passwd" type="html" /></mj-body></mjml>'

    with pytest.raises(ValidationError):
        compile_(body, format="mjml", layout=None)


@pytest.mark.parametrize("format", ["mjml", "html", "markdown"])
def test_absurdly_deep_nesting_is_refused_before_it_reaches_the_converters(format):
    depth = MAX_NESTING + 50
    inner = "<div>" * depth + "x" + "</div>" * depth
    body = f"<mjml><mj-body><mj-raw>{inner}</mj-raw></mj-body></mjml>" if format == "mjml" else inner

    with pytest.raises(ValidationError) as error:
        compile_(body, format=format)

    assert "levels deep" in " ".join(error.value.messages)
