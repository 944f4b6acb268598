"""A form submission on the contact's timeline shows what the person answered, labelled as the form
asked, escaped, with long answers shortened and the full text one click away."""

from __future__ import annotations

import re

from django.utils import timezone

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact, PropertyType
from leadline.forms.services import form_submit
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomPropertyFactory
from tests.forms.factories import FormFactory, FormFieldFactory, answers

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def timeline_of(user, contact: Contact) -> str:
    body = client_for(user).get(f"/contacts/{contact.public_id}/").content.decode()
    return " ".join(body.split())


def answer_list(body: str) -> str:
    found = re.search(r'<ul class="changes form-answers">(.*?)</ul>', body)
    assert found, "no answers on the timeline"
    return found.group(1)


def test_the_answers_are_shown_with_the_forms_labels(maria, db):
    CustomPropertyFactory(key="message", label="Message", type=PropertyType.TEXT)
    form = FormFactory(name="Book a call")
    FormFieldFactory(form=form, target="property:message", label="What would you like to talk about?")
    form_submit(form=form, data=answers(form, last_name="Lovelace", p_message="Pricing for 12 seats"))

    answers_shown = answer_list(timeline_of(maria, Contact.objects.get()))

    assert (
        '<span class="change-field">First name:</span> <span class="change-new">Ada</span>' in answers_shown
    )
    assert (
        '<span class="change-field">Last name:</span> <span class="change-new">Lovelace</span>'
        in answers_shown
    )
    assert (
        '<span class="change-field">What would you like to talk about?</span> '
        '<span class="change-new">Pricing for 12 seats</span>'
    ) in answers_shown


def test_a_hostile_answer_is_shown_escaped(maria, db):
    form = FormFactory()
    form_submit(form=form, data=answers(form, first_name=HOSTILE, company=f"{HOSTILE} Ltd"))

    body = timeline_of(maria, Contact.objects.get())

    assert HOSTILE not in body
    answers_shown = answer_list(body)
    assert f'<span class="change-new">{ESCAPED}</span>' in answers_shown
    assert f'<span class="change-new">{ESCAPED} Ltd</span>' in answers_shown


def test_a_long_answer_is_shortened_with_the_full_text_behind_show_all(maria, db):
    CustomPropertyFactory(key="message", label="Message", type=PropertyType.TEXT)
    form = FormFactory()
    FormFieldFactory(form=form, target="property:message", label="Message")
    message = "We sell to schools. " * 20 + f"The end {HOSTILE}\nSecond line."
    form_submit(form=form, data=answers(form, p_message=message))

    answers_shown = answer_list(timeline_of(maria, Contact.objects.get()))

    summary = re.search(r'<summary><span class="change-new form-answer-preview">(.*?)</span>', answers_shown)
    assert summary and summary.group(1).endswith("…") and len(summary.group(1)) <= 160
    assert "The end" not in summary.group(1)
    full = re.search(r'<div class="form-answer-full">(.*?)</div>', answers_shown)
    assert full and full.group(1).endswith(f"The end {ESCAPED}<br>Second line.")
    assert HOSTILE not in answers_shown


def test_entries_recorded_without_labels_show_the_input_names(maria, db):
    contact = ContactFactory()
    Activity.objects.create(
        kind=Kind.FORM_SUBMITTED,
        contact=contact,
        title="Old form",
        occurred_at=timezone.now(),
        data={"via": "form", "values": {"first_name": "Ada", "p_team_size": "12"}},
    )

    answers_shown = answer_list(timeline_of(maria, contact))

    assert (
        '<span class="change-field">First name:</span> <span class="change-new">Ada</span>' in answers_shown
    )
    assert '<span class="change-field">Team size:</span> <span class="change-new">12</span>' in answers_shown
