"""Selecting contacts in the list brings up the bulk actions bar, which acts on the selection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def bulk_bar(page):
    return page.get_by_role("region", name="Bulk actions")


def test_it_shows_the_bulk_bar_when_a_row_is_ticked(signed_in_page):
    for first, last in [("Ana", "Alder"), ("Ben", "Birch"), ("Cleo", "Cedar")]:
        ContactFactory(first_name=first, last_name=last)
    page = signed_in_page
    page.goto("/contacts/")
    expect(bulk_bar(page)).to_be_hidden()

    page.get_by_role("checkbox", name="Select Ben Birch").check()
    expect(bulk_bar(page)).to_be_visible()
    expect(bulk_bar(page)).to_contain_text("1 selected")

    page.get_by_role("checkbox", name=re.compile("Select every contact")).check()
    expect(bulk_bar(page)).to_contain_text("3 selected")

    page.get_by_role("checkbox", name=re.compile("Select every contact")).uncheck()
    expect(bulk_bar(page)).to_be_hidden()


def test_it_ticks_rows_with_the_keyboard(signed_in_page):
    ContactFactory(first_name="Dora", last_name="Dogwood")
    page = signed_in_page
    page.goto("/contacts/")
    row_box = page.get_by_role("checkbox", name="Select Dora Dogwood")
    row_box.focus()
    page.keyboard.press("Space")
    expect(row_box).to_be_checked()
    expect(bulk_bar(page)).to_be_visible()


def test_it_changes_the_stage_of_the_selected_contacts(signed_in_page):
    ContactFactory(first_name="Eli", last_name="Elm", lifecycle_stage="lead")
    ContactFactory(first_name="Fay", last_name="Fir", lifecycle_stage="lead")
    page = signed_in_page
    page.goto("/contacts/")

    page.get_by_role("checkbox", name="Select Eli Elm").check()
    bulk_bar(page).get_by_label("New lifecycle stage").select_option(label="Customer")
    bulk_bar(page).get_by_role("button", name="Change stage").click()

    eli = page.get_by_role("row").filter(has_text="Eli Elm")
    fay = page.get_by_role("row").filter(has_text="Fay Fir")
    expect(eli).to_contain_text("Customer")
    expect(fay).not_to_contain_text("Customer")


def test_enter_in_the_new_list_field_adds_the_selection_to_that_list(signed_in_page):
    from leadline.segments.models import Segment

    ContactFactory(first_name="Ena", last_name="Elm")
    page = signed_in_page
    page.goto("/contacts/")
    page.get_by_role("checkbox", name="Select Ena Elm").check()

    field = bulk_bar(page).get_by_label("Or the name of a new list")
    field.fill("Trade show leads")
    field.press("Enter")

    expect(page.get_by_text("Trade show leads").first).to_be_visible()
    members = Segment.objects.get(name="Trade show leads").memberships.values_list(
        "contact__first_name", flat=True
    )
    assert list(members) == ["Ena"]
