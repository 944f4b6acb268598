"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Outside CI a machine without Chromium skips these tests with the reason; in CI (the CI variable is
set) a missing browser fails them, so a green CI run always means the browser tests ran. A failing
test leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from leadline.accounts.models import Role, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CSP_MESSAGE = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder is a browser test: `-m browser` selects it, `-m "not browser"` skips it."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    configured = os.environ.get("LEADLINE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(reason: str) -> None:
    if running_in_ci():
        pytest.fail(f"{reason} Browser tests must run in CI; install Debian's chromium package.")
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the browser tests; each test gets a fresh context (cookies, storage)."""
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright package is not installed.")

    # Playwright's sync API keeps an event loop in this thread, which Django would take for async
    # code and refuse database access from the test; the tests here are plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageProblems:
    """What the browser complained about while a test ran."""

    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    broken_assets: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            *(f"CSP: {text}" for text in self.csp_violations),
            *(f"script error: {text}" for text in self.script_errors),
            *(f"asset failed: {text}" for text in self.broken_assets),
        ]
        return "\n".join(parts)


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(
    chromium: Any, live_server: Any, problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A page in a fresh browser context, pointed at the live server. The test fails if the page
    breaks the Content-Security-Policy, throws a script error or cannot load its own assets."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()

    def on_console(message: Any) -> None:
        if CSP_MESSAGE.search(message.text):
            problems.csp_violations.append(message.text)

    def on_response(response: Any) -> None:
        url = response.url
        if response.status >= 400 and url.startswith(live_server.url + "/static/"):
            problems.broken_assets.append(f"{response.status} {url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.script_errors.append(str(error)))
    page.on("response", on_response)
    try:
        yield page
        screenshots_if_failed(request, [page])
    finally:
        context.close()
    assert not problems.describe(), f"the browser reported problems:\n{problems.describe()}"


def screenshots_if_failed(request: pytest.FixtureRequest, pages: list[Any]) -> None:
    """After a failed test, a full-page screenshot of each of its pages in test-artifacts/."""
    reports = request.node.stash.get(REPORTS, {})
    if not ("call" in reports and reports["call"].failed):
        return
    artifacts = Path(request.config.rootpath) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    for number, page in enumerate(pages):
        suffix = f"_{number}" if len(pages) > 1 else ""
        page.screenshot(path=str(artifacts / f"{name}{suffix}.png"), full_page=True)


def keep_screenshot(page: Any, name: str) -> None:
    """A full-page screenshot for a person to look at, in the folder LEADLINE_SCREENSHOTS names (if set)."""
    folder = os.environ.get("LEADLINE_SCREENSHOTS", "").strip()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page: Any, user: User, password: str = DEFAULT_PASSWORD) -> None:
    """Sign in through the real login page, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.fixture
def admin_user(transactional_db: None) -> User:
    return UserFactory(email="ada@leadline.test", first_name="Ada", last_name="Admin", role=Role.ADMIN)


@pytest.fixture
def signed_in_page(page: Any, admin_user: User) -> Any:
    sign_in(page, admin_user)
    return page
