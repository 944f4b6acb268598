"""The tracking snippet in a real browser, on a plain website served from another localhost port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from leadline.activity.models import Activity, Kind
from leadline.tracking.models import Site, Visitor
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path

# HeadlessChrome announces itself in its user agent, and the collector rightly drops it as a bot.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<script async src="{leadline}/t.js" data-site="{key}"></script></head>
<body><h1>{title}</h1><a id="next" href="{next}">Next</a></body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def website(tmp_path: Path) -> Iterator[str]:
    """A static website on its own port: the customer's site carrying the snippet."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(website: str, transactional_db: None) -> Site:
    return Site.objects.create(name="Customer site", allowed_domains=[website.removeprefix("http://")])


@pytest.fixture
def write_pages(tmp_path: Path, live_server: Any, site: Site) -> Callable[[dict[str, tuple[str, str]]], None]:
    def write(pages: dict[str, tuple[str, str]]) -> None:
        for name, (title, next_page) in pages.items():
            html = PAGE.format(title=title, leadline=live_server.url, key=site.key, next=next_page)
            (tmp_path / name).write_text(html, encoding="utf-8")

    return write


@pytest.fixture(scope="module")
def desktop_chromium(chromium: Any) -> Iterator[Any]:
    """Chromium posing as desktop Chrome everywhere. A context's user agent does not reach the
    beacons sent while a page unloads, so the browser itself is started with it."""
    browser = chromium.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*CHROMIUM_ARGS, f"--user-agent={DESKTOP_CHROME}"],
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def browser_page(desktop_chromium: Any) -> Iterator[Any]:
    context = desktop_chromium.new_context(user_agent=DESKTOP_CHROME)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"the snippet raised: {errors}"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the events did not arrive in time")


def page_views() -> list[Activity]:
    return list(Activity.objects.filter(kind=Kind.PAGE_VIEW).order_by("occurred_at", "id"))


def test_three_pages_with_campaign_parameters_arrive_as_three_page_views(
    browser_page: Any, website: str, write_pages: Any
) -> None:
    write_pages(
        {
            "index.html": ("Home", "pricing.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring"),
            "pricing.html": (
                "Pricing",
                "contact.html?utm_source=linkedin&utm_medium=social&utm_campaign=launch",
            ),
            "contact.html": ("Contact", "index.html"),
        }
    )
    page = browser_page
    page.goto(f"{website}/index.html?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=abc")
    page.wait_for_function("window.leadline && window.leadline.loaded === true")
    page.click("#next")
    page.wait_for_url("**/pricing.html*")
    page.wait_for_function("window.leadline && window.leadline.loaded === true")
    page.click("#next")
    page.wait_for_url("**/contact.html*")
    page.wait_for_function("window.leadline && window.leadline.loaded === true")

    wait_for(lambda: len(page_views()) == 3)

    views = page_views()
    assert [view.title for view in views] == ["/index.html", "/pricing.html", "/contact.html"]
    assert [view.campaign for view in views] == ["brand", "spring", "launch"]
    assert (views[0].source, views[0].medium) == ("google", "cpc")
    assert views[0].data["gclid"] == "abc"
    assert [view.data.get("page_title") for view in views] == ["Home", "Pricing", "Contact"]
    assert views[1].referrer.startswith(f"{website}/index.html")
    cookie = next(cookie for cookie in page.context.cookies(website) if cookie["name"] == "_ll_vid")
    assert {str(view.visitor_id) for view in views} == {cookie["value"]}
    # Asked for two years; Chromium caps cookie lifetimes at 400 days (the snippet renews it on each visit).
    assert cookie["sameSite"] == "Lax" and cookie["expires"] > time.time() + 390 * 86400
    assert len({view.session_id for view in views}) == 1
    assert page.evaluate("window.leadline.visitorId()") == cookie["value"]
    visitor = Visitor.objects.get()
    assert (visitor.first_source, visitor.first_campaign) == ("google", "brand")
    assert visitor.page_view_count == 3


def test_single_page_app_navigation_custom_events_and_identify(
    browser_page: Any, website: str, write_pages: Any
) -> None:
    write_pages({"app.html": ("App", "#")})
    page = browser_page
    page.goto(f"{website}/app.html")
    page.wait_for_function("window.leadline && window.leadline.loaded === true")

    page.evaluate("history.pushState({}, '', '/app/settings')")
    page.evaluate("history.pushState({}, '', '/app/billing#plans')")
    page.evaluate("history.back()")
    page.evaluate("leadline.track('Upgraded', {plan: 'pro'})")
    page.evaluate("leadline.identify('ada@firm.example')")

    wait_for(lambda: Activity.objects.filter(kind=Kind.CUSTOM_EVENT).exists() and len(page_views()) == 4)
    wait_for(lambda: Visitor.objects.filter(identify_email="ada@firm.example").exists())

    assert [view.title for view in page_views()] == [
        "/app.html",
        "/app/settings",
        "/app/billing",
        "/app/settings",
    ]
    event = Activity.objects.get(kind=Kind.CUSTOM_EVENT)
    assert (event.title, event.data["props"]) == ("Upgraded", {"plan": "pro"})
    assert Visitor.objects.get().company_domain == "firm.example"


def test_calls_made_before_the_snippet_loads_are_not_lost(
    browser_page: Any, website: str, write_pages: Any
) -> None:
    write_pages({"early.html": ("Early", "#")})
    page = browser_page
    page.add_init_script(
        "window.leadline = window.leadline || []; leadline.push(['track', 'Early bird', {}]);"
    )
    page.goto(f"{website}/early.html")

    wait_for(lambda: Activity.objects.filter(kind=Kind.CUSTOM_EVENT, title="Early bird").exists())


def test_a_page_on_a_domain_that_is_not_allowed_records_nothing(
    browser_page: Any, website: str, write_pages: Any, site: Site
) -> None:
    site.allowed_domains = ["www.someone-else.example"]
    site.save()
    write_pages({"index.html": ("Home", "#")})
    page = browser_page
    with page.expect_response(lambda response: "/t/collect" in response.url) as refused:
        page.goto(f"{website}/index.html")

    assert refused.value.status == 403
    assert page_views() == []
    assert not Visitor.objects.exists()
