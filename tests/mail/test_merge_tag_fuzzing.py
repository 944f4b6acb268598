"""Hostile tag strings, generated: whatever is written between braces, rendering never raises, never
shows anything but the literal text and the allowed values, and never lets a value become markup,
script or a javascript: link in the HTML part."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadline.mail.merge_tags import BUILT_IN_TAGS, render_text
from leadline.mail.rendering import LayoutSource, compile_source
from tests.mail.html_checks import assert_no_active_content

SECRET = "s3cr3t-k3y-do-not-leak"
PIECES = [
    "{{", "}}", "{%", "%}", "{#", "#}", "|", ":", ".", "'", '"', " ", "\n", "<", ">", "&", "=", "(", ")",
    "_", "__class__", "__mro__", "__globals__", "settings", "SECRET_KEY", "first_name", "booking_link",
    "unsubscribe_url", "contact", "properties", "default", "upper", "safe", "escape", "load", "debug",
    "include", "javascript:", "<script>", "</script>", "onerror=", "href=", "\x00", "\u202e", "é",
]  # fmt: skip
hostile = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=40).map("".join)
HOSTILE_VALUES = {
    "first_name": '"><script>alert(1)</script><img src=x onerror=alert(2)>',
    "last_name": "{{ settings.SECRET_KEY }}",
    "company": "javascript:alert(3)",
    "booking_link": "javascript:alert(4)",
    "unsubscribe_url": "https://leadline.test/u/token",
    "postal_address": "1 Road\n<b>Town</b>",
}
LAYOUT = LayoutSource(
    html='<div>{{ content }}</div><p>{{ postal_address }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def _no_secret(text: str, settings_secret: str) -> None:
    assert SECRET not in text
    assert settings_secret not in text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=hostile)
def test_a_hostile_template_renders_only_its_text_and_allowed_values(template, settings):
    settings.SECRET_KEY = SECRET
    html = render_text(template, HOSTILE_VALUES, allowed=BUILT_IN_TAGS, escape_values=True)
    text = render_text(template, HOSTILE_VALUES, allowed=BUILT_IN_TAGS)

    _no_secret(html + text, settings.SECRET_KEY)
    # Markup in the HTML part can only be the template's own literal text, never a value or default.
    literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", template, flags=re.DOTALL)
    for markup in ("<script", "<img", "<b>"):
        assert markup not in html or markup in literal


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tags=hostile, format=st.sampled_from(["markdown", "html"]))
def test_hostile_tags_and_values_never_become_script_in_the_html_part(tags, format, settings):
    settings.SECRET_KEY = SECRET
    body = (
        f"Hi {tags} {{{{ first_name }}}} "
        '<a href="{{ booking_link }}">book</a> <a href="{{ company }}">site</a> '
        '<a title="x > y" href="{{ first_name }}">x</a> <img alt="{{ first_name }}" src="https://x.test/a.png">'
    )
    try:
        compiled = compile_source(
            kind="marketing",
            format=format,
            subject=f"{tags} {{{{ first_name }}}}",
            preheader=tags,
            body=body,
            layout=LAYOUT,
            allowed=BUILT_IN_TAGS,
        )
    except Exception as error:  # only a validation message may stop it, never a crash
        assert type(error).__name__ == "ValidationError"
        return
    rendered = compiled.render(HOSTILE_VALUES)

    _no_secret(rendered.html + rendered.text + rendered.subject, settings.SECRET_KEY)
    assert_no_active_content(rendered.html)
    assert "\n" not in rendered.subject
