"""Pages run under the Content-Security-Policy without a single violation, and the policy holds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = ["/", "/contacts/", "/contacts/companies/", "/settings/", "/settings/profile/", "/settings/outbox/"]


def test_it_shows_the_login_page_without_policy_violations(page, problems, transactional_db):
    response = page.goto("/accounts/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert problems.csp_violations == []


@pytest.mark.parametrize("path", PAGES)
def test_it_renders_each_page_without_policy_violations_or_broken_assets(signed_in_page, problems, path):
    page = signed_in_page
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"
    page.wait_for_load_state("networkidle")
    # The page's own stylesheet and script loaded and ran: the layout is styled and "/" is wired up.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert problems.csp_violations == []
    assert problems.broken_assets == []
    assert problems.script_errors == []


def test_it_refuses_to_run_a_script_injected_into_a_page(signed_in_page, problems):
    page = signed_in_page
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.appendChild(script);
            }"""
        )
    assert page.evaluate("window.injected === undefined")
    assert problems.csp_violations, "the browser reported the blocked inline script"
    problems.csp_violations.clear()  # expected here; any other violation fails the test
