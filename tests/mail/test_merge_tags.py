"""The merge-tag language of email: an allow-list of plain values, never code."""

from __future__ import annotations

import pytest

from leadline.mail.merge_tags import (
    BUILT_IN_TAGS,
    available_tags,
    display_value,
    merge_tag_problems,
    render_text,
    used_names,
)

VALUES = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "booking_link": "https://leadline.test/meet/",
    "contact.plan": "Pro",
}
ALLOWED = available_tags(contact_properties={"plan": "Plan"})


def test_it_fills_contact_fields_and_custom_properties():
    text = "Hi {{ first_name }} {{last_name}} of {{ company }}, on {{ contact.plan }}: {{ booking_link }}"

    assert render_text(text, VALUES, allowed=ALLOWED) == (
        "Hi Ada Lovelace of Analytical Engines, on Pro: https://leadline.test/meet/"
    )


@pytest.mark.parametrize(
    "template",
    ['Hi {{ first_name | default:"there" }}!', "Hi {{first_name|default:'there'}}!"],
)
def test_it_uses_the_default_when_the_value_is_blank(template):
    assert render_text(template, {"first_name": "  "}, allowed=ALLOWED) == "Hi there!"
    assert render_text(template, {}, allowed=ALLOWED) == "Hi there!"
    assert render_text(template, {"first_name": "Ada"}, allowed=ALLOWED) == "Hi Ada!"


@pytest.mark.parametrize(
    "template",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ SECRET_KEY }}",
        "{{ contact.__class__ }}",
        "{{ contact.__class__.__mro__ }}",
        "{{ contact.owner.password }}",
        "{{ first_name.__class__ }}",
        "{{ first_name|upper }}",
        "{{ first_name|default:settings.SECRET_KEY }}",
        "{{ request.user.password }}",
        "{{ __import__('os').system('id') }}",
        "{{ contact.properties }}",
        "{% load log %}",
        "{% debug %}",
        "{% include 'base.html' %}",
        "{% if 1 %}",
    ],
)
def test_it_cannot_reach_settings_objects_or_code(template, settings):
    assert render_text(template, VALUES, allowed=ALLOWED) == ""


def test_block_tags_render_as_nothing_and_the_text_around_them_stays():
    assert render_text("A {% load log %}B {{ first_name }}{% endif %}", VALUES, allowed=ALLOWED) == "A B Ada"


def test_a_value_that_looks_like_a_tag_is_not_read_again():
    values = {**VALUES, "first_name": "{{ booking_link }} {% debug %}"}

    assert render_text("Hi {{ first_name }}", values, allowed=ALLOWED) == "Hi {{ booking_link }} {% debug %}"


def test_values_are_escaped_for_html_and_raw_for_text():
    values = {"first_name": '<b onmouseover="x">Ada & co</b>'}
    template = 'Hi {{ first_name }} {{ last_name | default:"<i>you</i>" }}'

    assert render_text(template, values, allowed=ALLOWED) == 'Hi <b onmouseover="x">Ada & co</b> <i>you</i>'
    assert render_text(template, values, allowed=ALLOWED, escape_values=True) == (
        "Hi &lt;b onmouseover=&quot;x&quot;&gt;Ada &amp; co&lt;/b&gt; &lt;i&gt;you&lt;/i&gt;"
    )


def test_stored_values_read_as_people_write_them():
    assert display_value(True) == "Yes"
    assert display_value(["a", "b"]) == "a, b"
    assert display_value(3.0) == "3"
    assert display_value({"nested": "object"}) == ""
    assert display_value(None) == ""


def test_it_lists_the_tags_a_template_uses():
    assert used_names("{{ first_name }} {{ nope }} {{ contact.plan }}", ALLOWED) == {
        "first_name",
        "contact.plan",
    }


def test_the_editor_is_told_about_tags_that_would_render_as_nothing():
    problems = merge_tag_problems(
        "Hi {{ first_name }} {{ settings.SECRET_KEY }} {{ company|upper }} {% load x %} {{ contact.plan }}",
        ALLOWED,
    )

    assert len(problems) == 3
    assert "{{ settings.SECRET_KEY }}" in problems[0] and "first_name" in problems[0]
    assert "{{ company|upper }}" in problems[1] and "default" in problems[1]
    assert "{% load x %}" in problems[2] and "no template code" in problems[2]
    assert merge_tag_problems('{{ first_name | default:"there" }} {{ unsubscribe_url }}', BUILT_IN_TAGS) == []


def test_a_custom_property_is_a_tag_only_once_it_is_defined():
    assert "contact.plan" in ALLOWED
    assert merge_tag_problems("{{ contact.seats }}", ALLOWED)
    assert render_text("{{ contact.seats }}", {"contact.seats": "5"}, allowed=ALLOWED) == ""
