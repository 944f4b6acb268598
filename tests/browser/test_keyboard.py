"""Keyboard use: "/" jumps to the global search, Enter searches, "g c" goes to contacts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def global_search(page):
    return page.get_by_role("searchbox", name="Search contacts", exact=True)


def test_it_focuses_the_search_with_slash_and_shows_the_matching_contacts(signed_in_page):
    ContactFactory(first_name="Zelda", last_name="Quartermain", email="zelda@quartermain.example")
    ContactFactory(first_name="Bruno", last_name="Baxter", email="bruno@baxter.example")
    page = signed_in_page
    page.goto("/")
    expect(global_search(page)).not_to_be_focused()

    page.keyboard.press("/")
    expect(global_search(page)).to_be_focused()
    expect(global_search(page)).to_have_value("")  # the "/" itself is not typed into the box

    page.keyboard.type("Quartermain")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/contacts/\?q=Quartermain$"))
    main = page.get_by_role("main")
    expect(main.get_by_text("Zelda Quartermain")).to_be_visible()
    expect(main.get_by_text("Bruno Baxter")).to_have_count(0)


def test_it_leaves_the_search_with_escape(signed_in_page):
    page = signed_in_page
    page.keyboard.press("/")
    expect(global_search(page)).to_be_focused()
    page.keyboard.press("Escape")
    expect(global_search(page)).not_to_be_focused()


def test_it_goes_to_contacts_with_g_then_c(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.keyboard.press("g")
    page.keyboard.press("c")
    expect(page).to_have_url(re.compile(r"/contacts/$"))
