"""Email templates in a real browser: the editor's live preview runs in a sandboxed frame the page
cannot script into, switches to mobile width and to the plain text, and fills in a chosen contact."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from leadline.mail.models import Template
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def test_the_editor_previews_as_you_type_and_saves(signed_in_page, admin_user):
    page = signed_in_page
    ContactFactory(first_name="Grace", last_name="Hopper", email="grace@example.org", owner=admin_user)
    page.goto("/email/templates/new/?format=markdown")
    page.get_by_label("Name").fill("Thanks for the call")
    page.get_by_label("Kind").select_option("transactional")
    page.get_by_label("Layout").select_option("")
    page.get_by_label("Subject").fill("Thanks, {{ first_name }}")
    body = page.get_by_label("Source")
    body.fill(
        '# Hello {{ first_name | default:"there" }}\n\nSee [the plan](https://example.com/plan).<script>alert(1)</script>'
    )

    frame = page.frame_locator("iframe[name=preview-frame]")
    expect(frame.locator("h1")).to_have_text("Hello there")
    # The frame is sandboxed without same-origin: the page cannot reach into it, nor it into the page.
    assert page.evaluate("document.querySelector('iframe[name=preview-frame]').contentDocument") is None
    assert frame.locator("script").count() == 0

    page.get_by_role("button", name="Mobile").click()
    expect(page.locator("[data-frame-wrap]")).to_have_class("preview-frame is-mobile")

    page.get_by_placeholder("Search contacts by name or email").fill("grace")
    page.get_by_role("button", name="Grace Hopper grace@example.org").click()
    expect(frame.locator("h1")).to_have_text("Hello Grace")
    expect(page.locator(".envelope-subject")).to_have_text("Thanks, Grace")

    page.get_by_role("button", name="Plain text").click()
    expect(page.locator("[data-preview-text]")).to_contain_text("See the plan (https://example.com/plan).")
    expect(page.locator("iframe[name=preview-frame]")).to_be_hidden()

    page.keyboard.press("Control+s")
    expect(page.get_by_text("“Thanks for the call” was saved.")).to_be_visible()
    assert Template.objects.get().subject == "Thanks, {{ first_name }}"


def test_a_broken_template_shows_the_reason_in_the_preview(signed_in_page):
    page = signed_in_page
    page.goto("/email/templates/new/?format=mjml")
    page.get_by_label("Source").fill("<mjml><mj-body><mj-section>")

    expect(page.locator(".preview-alert")).to_contain_text("The MJML could not be read")
    expect(page.frame_locator("iframe[name=preview-frame]").locator("body")).to_contain_text(
        "could not be read"
    )
