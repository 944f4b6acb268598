"""Signing in through the real login page and finding one's way around."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_it_signs_in_with_email_and_password_and_shows_the_app(page, admin_user, live_server):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(live_server.url + "/")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_visible()
    for label in ("Home", "Contacts", "Companies", "Settings"):
        expect(navigation.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute("aria-current", "page")


def test_it_moves_between_sections_with_the_navigation(signed_in_page, live_server):
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts", exact=True).click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Contacts"))
    expect(page.get_by_role("link", name="Contacts", exact=True)).to_have_attribute("aria-current", "page")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings", exact=True).click()
    expect(page).to_have_url(re.compile(r"/settings/$"))


def test_it_keeps_a_wrong_password_on_the_login_page_with_a_message(page, admin_user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin_user.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text(re.compile("not correct|incorrect|invalid", re.IGNORECASE)).first).to_be_visible()


def test_it_signs_out_and_protects_pages_again(signed_in_page):
    page = signed_in_page
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/contacts/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_it_signs_in_a_user_with_a_non_admin_role(page, transactional_db):
    from leadline.accounts.models import Role
    from tests.factories import UserFactory

    seller = UserFactory(email="sid@leadline.test", first_name="Sid", role=Role.SALES)
    sign_in(page, seller)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
