"""The first mile, end to end in a real browser: a visitor browses a website that carries the tracking
snippet, arrives through three campaigns, fills in the embedded form, and becomes a contact with
those visits on the timeline, the first campaign as original source, and an instant reply sent.

The website is a plain HTML page served from another localhost port, so the snippet and the embed
really work across origins, as they do on a customer's site.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import Contact
from leadline.forms.models import FormEmail, FormSubmission
from tests.browser.conftest import PageProblems, screenshots_if_failed
from tests.fixtures_smtp import SmtpSink, smtp_mail, smtp_server  # noqa: F401
from tests.forms.factories import FormFactory, SiteFactory

pytestmark = pytest.mark.browser

# A desktop Chrome's user agent: the tracking endpoint drops "HeadlessChrome" as a bot, rightly.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
)
VISITS = [
    "/?utm_source=linkedin&utm_medium=paid-social&utm_campaign=spring-launch",
    "/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=june-digest",
    "/contact?utm_source=google&utm_medium=cpc&utm_campaign=brand-search",
]
REPLY = (
    'Hi {{ first_name | default:"there" }},\n\nthanks for asking about {{ company | default:"your team" }}.'
    "\nPick a time for a call: {{ booking_link }}"
)
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} · Example Co</title>
  <script async src="{leadline}/t.js" data-site="{site_key}"></script>
</head>
<body>
  <h1>{title}</h1>
  <p>Example Co makes analytical engines.</p>
  {form}
</body>
</html>
"""
EMBED = """<div data-leadline-form="{slug}"></div>
  <script src="{leadline}/f/{slug}/embed.js" async></script>"""


class Website:
    """A customer's website on its own origin: every page carries the snippet, /contact the form."""

    def __init__(self, *, leadline: str, site_key: str, form_slug: str) -> None:
        self.leadline, self.site_key, self.form_slug = leadline, site_key, form_slug
        website = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                title = {"/": "Home", "/pricing": "Pricing", "/contact": "Contact us"}.get(path)
                if title is None:
                    self.send_error(404)
                    return
                form = (
                    EMBED.format(slug=website.form_slug, leadline=website.leadline)
                    if path == "/contact"
                    else ""
                )
                body = PAGE.format(
                    title=title, leadline=website.leadline, site_key=website.site_key, form=form
                )
                encoded = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Website:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until(condition: Callable[[], bool], *, timeout: float = 15.0, what: str) -> None:
    """Poll the database for something the browser sends in the background (a condition, not a sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def browser_page(chromium: Any, problems: PageProblems, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context that looks like a desktop Chrome; fails the test on script errors."""
    context = chromium.new_context(user_agent=DESKTOP_CHROME, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.script_errors.append(str(error)))
    try:
        yield page
        screenshots_if_failed(request, [page])
    finally:
        context.close()
    assert not problems.describe(), f"the browser reported problems:\n{problems.describe()}"


def test_a_visitor_becomes_a_contact_with_their_visits_and_gets_the_instant_reply(
    browser_page: Any,
    live_server: Any,
    smtp_mail: SmtpSink,  # noqa: F811 - the fixture imported above
    settings: Any,
    transactional_db: None,
) -> None:
    settings.LEADLINE_FORMS_MIN_SECONDS = 0  # the test types faster than the spam check allows people to
    page = browser_page
    with Website(leadline=live_server.url, site_key="pending", form_slug="talk-to-us") as website:
        site = SiteFactory(name="Example Co", allowed_domains=[f"127.0.0.1:{website.port}"])
        website.site_key = site.key
        FormFactory(
            name="Talk to us",
            slug="talk-to-us",
            site=site,
            autoreply_subject="Thanks, {{ first_name }}!",
            autoreply_body=REPLY,
            thank_you_message="Thank you! Check your inbox.",
        )

        for number, visit in enumerate(VISITS, start=1):
            page.goto(website.url + visit)
            page.wait_for_function("window.leadline && window.leadline.loaded === true")
            # A person reads a page for a while; the snippet sends its page view within a second.
            wait_until(
                lambda number=number: Activity.objects.filter(kind=Kind.PAGE_VIEW).count() >= number,
                what=f"page view {number} to reach /t/collect",
            )

        page.get_by_label("Email").fill("ada@analytical.example")
        page.get_by_label("First name").fill("Ada")
        page.get_by_label("Last name").fill("Lovelace")
        page.get_by_label("Company").fill("Analytical Engines")
        page.get_by_role("button", name="Send").click()
        page.get_by_role("status").filter(has_text="Thank you! Check your inbox.").wait_for()

    contact = Contact.objects.get(email="ada@analytical.example")
    assert (contact.first_name, contact.last_name, contact.company.name) == (
        "Ada",
        "Lovelace",
        "Analytical Engines",
    )
    visits = contact.activities.filter(kind=Kind.PAGE_VIEW).order_by("occurred_at", "id")
    assert [urlsplit(visit.url).path for visit in visits] == ["/", "/pricing", "/contact"]
    assert [visit.campaign for visit in visits] == ["spring-launch", "june-digest", "brand-search"]
    assert contact.original_source_detail == "spring-launch"
    assert contact.activities.filter(kind=Kind.FORM_SUBMITTED, title="Talk to us").exists()
    submission = FormSubmission.objects.get()
    assert (submission.channel, submission.utm_campaign) == ("embed", "brand-search")
    assert submission.page_url == website.url + VISITS[-1]

    [reply] = smtp_mail.wait_for(1)
    assert reply.recipients == ["ada@analytical.example"]
    assert reply.subject == "Thanks, Ada!"
    assert reply.text.startswith("Hi Ada,\n\nthanks for asking about Analytical Engines.")
    assert re.search(rf"Pick a time for a call: {re.escape(settings.BASE_URL)}/meet/", reply.text)
    assert "{{" not in reply.text
    assert FormEmail.objects.get(kind=FormEmail.Kind.AUTOREPLY).state == FormEmail.State.SENT
