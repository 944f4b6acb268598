"""The merge-tag language of instant replies: an allow-list of plain values, never code."""

from __future__ import annotations

import pytest

from leadline.forms.merge_tags import merge_tag_problems, render_merge_tags

VALUES = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "Analytical Engines",
    "booking_link": "https://leadline.test/meet/",
}


def test_it_fills_each_tag_with_the_contacts_value():
    text = "Hi {{ first_name }} {{last_name}} of {{  company  }}: {{ booking_link }}"

    assert (
        render_merge_tags(text, VALUES)
        == "Hi Ada Lovelace of Analytical Engines: https://leadline.test/meet/"
    )


@pytest.mark.parametrize(
    "template",
    [
        'Hi {{ first_name | default:"there" }}!',
        "Hi {{ first_name|default:'there' }}!",
        'Hi {{first_name|default:"there"}}!',
    ],
)
def test_it_uses_the_default_when_the_value_is_blank(template):
    assert render_merge_tags(template, {"first_name": "  "}) == "Hi there!"
    assert render_merge_tags(template, {"first_name": "Ada"}) == "Hi Ada!"


@pytest.mark.parametrize(
    "template",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ SECRET_KEY }}",
        "{{ first_name.__class__ }}",
        "{{ first_name|upper }}",
        "{{ request.user.password }}",
        "{{ contact.owner.email }}",
        "{{ first_name|default:settings.SECRET_KEY }}",
        "{{ first_name }}{{ booking_link }}".replace("first_name", "__import__('os')"),
    ],
)
def test_it_cannot_reach_settings_objects_or_code(template, settings):
    assert render_merge_tags(template, VALUES) in ("", VALUES["booking_link"])


def test_template_tags_are_not_a_language_here(settings):
    assert (
        render_merge_tags("{% load log %}{% debug %}{{ first_name }}", VALUES)
        == "{% load log %}{% debug %}Ada"
    )


def test_unknown_tags_render_as_nothing_and_plain_text_stays():
    assert render_merge_tags("A {{ settings.SECRET_KEY }}B {% if x %}C", VALUES) == "A B {% if x %}C"


def test_a_value_that_looks_like_a_tag_is_not_read_again():
    values = {**VALUES, "first_name": "{{ booking_link }} {{ settings.SECRET_KEY }}"}

    assert (
        render_merge_tags("Hi {{ first_name }}", values) == "Hi {{ booking_link }} {{ settings.SECRET_KEY }}"
    )


def test_the_builder_is_told_about_tags_that_would_render_as_nothing():
    problems = merge_tag_problems(
        'Hi {{ first_name }} {{ settings.SECRET_KEY }} {{ company|upper }} {{ first_name | default:"you" }}'
    )

    assert len(problems) == 2
    assert "{{ settings.SECRET_KEY }}" in problems[0] and "first_name" in problems[0]
    assert "{{ company|upper }}" in problems[1]
    assert merge_tag_problems('Hi {{ first_name | default:"there" }}, {{ booking_link }}') == []
