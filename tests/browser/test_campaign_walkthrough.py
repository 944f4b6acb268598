"""A marketing campaign end to end, as a new marketer and their readers meet it in a real browser.

The marketer writes a template in the editor and previews it at both widths with a chosen contact's
data, builds a campaign to a segment, reads the review's counts of who is left out, and sends it. The
sending worker delivers the email to a real SMTP server, where it arrives with the headers mailbox
providers look for. A reader opens a tracked link and unsubscribes through the page (which changes
nothing until confirmed); a second reader's mailbox uses the one-click POST. The report then counts
delivered, clicked and unsubscribed people, and each number leads to the contacts behind it.

The email's links carry Leadline's public https address; the readers' browsers reach the same paths
on the test server, as a TLS proxy in front of it would route them.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db.models import F
from playwright.sync_api import expect

from leadline.accounts.models import Role, User
from leadline.mail.addresses import return_path
from leadline.mail.campaigns import campaigns_finish_done
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage, Suppression, Template
from leadline.mail.preferences import contact_preferences
from leadline.mail.sending import outbox_send_due
from leadline.segments.services import segment_create
from tests.browser.conftest import PageProblems, keep_screenshot, screenshots_if_failed, sign_in
from tests.factories import ContactFactory, UserFactory
from tests.fixtures_smtp import CapturedMessage, SmtpSink, smtp_mail, smtp_server  # noqa: F401
from tests.mail.factories import SenderIdentityFactory

pytestmark = pytest.mark.browser

PUBLIC_URL = "https://leadline.example"
BOUNCE_DOMAIN = "bounces.leadline.example"
# A long walk on a busy machine: the first visit to each screen may be slow to answer.
WAIT_MS = 30_000
# A desktop Chrome's user agent: Leadline rightly counts "HeadlessChrome" clicks as a link scanner's.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
)
BODY = (
    '# Hello {{ first_name | default:"there" }}\n\n'
    "Our autumn plan is out: [read the plan](SHOP/plan).\n\n"
    "---\n\n{{ postal_address }} · [Unsubscribe]({{ unsubscribe_url }})\n"
)


@pytest.fixture
def marketer(transactional_db: None) -> User:
    return UserFactory(
        email="maria@leadline.test", first_name="Maria", last_name="Marketer", role=Role.MARKETING
    )


@pytest.fixture
def readers(transactional_db: None) -> dict[str, Any]:
    """A "Lisbon" segment of four: two readers, one without an address and one suppressed."""
    grace = ContactFactory(first_name="Grace", last_name="Hopper", email="grace@example.org", city="Lisbon")
    alan = ContactFactory(first_name="Alan", last_name="Turing", email="alan@example.org", city="Lisbon")
    ContactFactory(first_name="Nora", last_name="Noaddress", email=None, city="Lisbon")
    ContactFactory(first_name="Sid", last_name="Suppressed", email="sid@example.org", city="Lisbon")
    ContactFactory(first_name="Paula", last_name="Porto", email="paula@example.org", city="Porto")
    Suppression.objects.create(email="sid@example.org", reason=Suppression.Reason.MANUAL)
    segment = segment_create(
        user=None, name="Lisbon readers", definition={"field": "city", "op": "equals", "value": "Lisbon"}
    )
    sender = SenderIdentityFactory(
        from_name="Example Co", from_email="news@example.com", is_default=True, reply_to=""
    )
    return {"grace": grace, "alan": alan, "segment": segment, "sender": sender}


@pytest.fixture
def shop() -> Iterator[str]:
    """The marketer's own website, on another origin: the page the email's link points to."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>Plan</title><h1>The autumn plan</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def reader_browser(chromium: Any, live_server: Any, problems: PageProblems, request: Any) -> Iterator[Any]:
    """A reader's own browser: no cookies, no sign-in."""
    context = chromium.new_context(
        base_url=live_server.url, user_agent=DESKTOP_CHROME, viewport={"width": 1000, "height": 800}
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.script_errors.append(str(error)))
    try:
        yield page
        screenshots_if_failed(request, [page])
    finally:
        context.close()


def local_path(url: str) -> str:
    """The path and query of one of the email's public links, to open on the test server."""
    assert url.startswith(PUBLIC_URL + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_in(message: CapturedMessage, text: str) -> str:
    """The address behind the link whose words are `text` in the received HTML."""
    found: list[str] = []

    class Links(HTMLParser):
        href: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.href = dict(attrs).get("href")

        def handle_data(self, data: str) -> None:
            if self.href and data.strip() == text:
                found.append(self.href)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a":
                self.href = None

    Links().feed(message.html)
    assert found, f"no link “{text}” in the email"
    return found[0]


def list_unsubscribe(message: CapturedMessage) -> tuple[str, str]:
    """The https and mailto addresses of the List-Unsubscribe header."""
    links = [part.strip().strip("<>") for part in message["List-Unsubscribe"].split(",")]
    https = [link for link in links if link.startswith("https://")]
    mailto = [link for link in links if link.startswith("mailto:")]
    assert len(https) == 1 and len(mailto) == 1, links
    return https[0], mailto[0]


def test_a_marketer_sends_a_campaign_and_reads_its_report(
    page: Any,
    reader_browser: Any,
    shop: str,
    live_server: Any,
    marketer: User,
    readers: dict[str, Any],
    smtp_mail: SmtpSink,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    settings.BASE_URL = PUBLIC_URL
    settings.LEADLINE_BOUNCE_DOMAIN = BOUNCE_DOMAIN
    grace, alan, segment = readers["grace"], readers["alan"], readers["segment"]
    page.set_default_timeout(WAIT_MS)
    sign_in(page, marketer)

    # 1. The template, written in the editor and previewed as Grace at desktop and mobile widths.
    page.goto("/email/templates/new/?format=markdown")
    page.get_by_label("Name").fill("Autumn news")
    page.get_by_label("Kind").select_option("marketing")
    page.get_by_label("Layout").select_option("")
    page.get_by_label("Subject").fill("Autumn news for {{ first_name }}")
    page.get_by_label("Source").fill(BODY.replace("SHOP", shop))
    frame = page.frame_locator("iframe[name=preview-frame]")
    expect(frame.locator("h1")).to_have_text("Hello there")
    # The preview is a sandboxed frame without same-origin: the editor cannot script into it.
    assert page.evaluate("document.querySelector('iframe[name=preview-frame]').contentDocument") is None
    sandbox = page.locator("iframe[name=preview-frame]").get_attribute("sandbox") or ""
    assert "allow-same-origin" not in sandbox and "allow-scripts" not in sandbox
    page.get_by_placeholder("Search contacts by name or email").fill("grace")
    page.get_by_role("button", name="Grace Hopper grace@example.org").click()
    expect(frame.locator("h1")).to_have_text("Hello Grace")
    expect(page.locator(".envelope-subject")).to_have_text("Autumn news for Grace")
    page.get_by_role("button", name="Mobile").click()
    expect(page.locator("[data-frame-wrap]")).to_have_class("preview-frame is-mobile")
    expect(frame.get_by_role("link", name="read the plan")).to_be_visible()
    page.get_by_role("button", name="Desktop").click()
    expect(page.locator("[data-frame-wrap]")).to_have_class("preview-frame")
    page.locator("#template-form").get_by_role("button", name="Save template").click()
    expect(page.get_by_text("“Autumn news” was saved.")).to_be_visible()
    template = Template.objects.get(name="Autumn news")
    assert template.kind == Template.Kind.MARKETING

    # 2. The campaign, to the segment; the review counts who is left out, and why.
    page.goto("/email/campaigns/new/")
    page.get_by_label("Name").fill("Autumn news to Lisbon")
    page.get_by_label("Template").select_option(label="Autumn news")
    page.get_by_label("Send to").select_option(f"segment:{segment.public_id}")
    page.get_by_role("button", name="Save and review").click()
    expect(page.get_by_role("heading", name="Review and send")).to_be_visible()
    expect(page.locator(".campaign-eligible")).to_contain_text("2 of 4 members of Lisbon readers")
    expect(page.locator('[data-exclusion="no_email"] td').last).to_have_text("1")
    expect(page.locator('[data-exclusion="suppressed"] td').last).to_have_text("1")
    expect(page.locator('[data-exclusion="unsubscribed_all"] td').last).to_have_text("0")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.get_by_text("“Autumn news to Lisbon” is on its way to 2 people.")).to_be_visible()
    campaign = Campaign.objects.get(name="Autumn news to Lisbon")
    rows = {row.to_email: row for row in OutboundMessage.objects.filter(campaign=campaign)}
    assert sorted(rows) == ["alan@example.org", "grace@example.org"]

    # 3. The sending worker's run delivers both over SMTP.
    report = outbox_send_due()
    assert report.claimed == 2
    smtp_mail.wait_for(2)
    # The worker's periodic pass marks a campaign with nothing left to send as sent.
    assert campaigns_finish_done() == 1
    [received] = smtp_mail.to("grace@example.org")
    row = rows["grace@example.org"]
    row.refresh_from_db()
    assert row.state == OutboundMessage.State.SENT
    assert received["From"] == "Example Co <news@example.com>"
    assert received["To"] == "grace@example.org"
    assert received.subject == "Autumn news for Grace"
    assert received["Message-ID"] == row.message_id
    https_link, mailto_link = list_unsubscribe(received)
    assert https_link.startswith(f"{PUBLIC_URL}/u/")
    assert mailto_link.startswith("mailto:unsubscribe+") and f"@{BOUNCE_DOMAIN}" in mailto_link
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # VERP: the envelope sender (the Return-Path the receiving server writes) names this message.
    assert received.mail_from == return_path(row)
    assert received.mail_from.startswith("bounce+") and received.mail_from.endswith(f"@{BOUNCE_DOMAIN}")
    assert "Hello Grace" in received.html and "Hello Grace" in received.text

    # Grace reads it a few minutes later (a click within seconds of delivery is a link scanner's).
    OutboundMessage.objects.filter(campaign=campaign).update(sent_at=F("sent_at") - timedelta(minutes=5))

    # 4. As Grace, with no cookies: the tracked link leads to the shop page.
    reader = reader_browser
    click = link_in(received, "read the plan")
    assert click.startswith(f"{PUBLIC_URL}/c/")
    reader.goto(local_path(click))
    expect(reader.get_by_role("heading", name="The autumn plan")).to_be_visible()
    assert reader.url == f"{shop}/plan"
    assert MessageEvent.objects.filter(message=row, kind=MessageEvent.Kind.CLICK, is_machine=False).exists()

    # The unsubscribe page asks first and changes nothing until Grace confirms.
    unsubscribe = link_in(received, "Unsubscribe")
    assert unsubscribe.startswith(f"{PUBLIC_URL}/u/")
    reader.goto(local_path(unsubscribe))
    expect(reader.get_by_role("heading", name="Your email preferences")).to_be_visible()
    assert not contact_preferences(grace).unsubscribed_from_all
    assert not MessageEvent.objects.filter(kind=MessageEvent.Kind.UNSUBSCRIBE).exists()
    reader.get_by_role("button", name="Unsubscribe from all marketing email").click()
    expect(reader.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert contact_preferences(grace).unsubscribed_from_all

    # 5. Alan's mailbox offers the one-click button: a bare POST to the https link, no cookies.
    [alan_mail] = smtp_mail.to("alan@example.org")
    alan_https, _ = list_unsubscribe(alan_mail)
    one_click = urllib.request.Request(
        live_server.url + local_path(alan_https),
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(one_click, timeout=10) as answer:
        assert answer.status == 200
        assert "You are unsubscribed" in answer.read().decode()
    assert contact_preferences(alan).unsubscribed_from_all

    # 6. The marketer's report counts it all, and each number leads to the people behind it.
    page.goto(f"/email/campaigns/{campaign.public_id}/report/")
    expect(page.locator(".page-header .subtitle")).to_contain_text("Sent")
    numbers = page.locator(".campaign-counts")
    expect(numbers.locator('[data-metric="delivered"] [data-count]')).to_have_text("2")
    expect(numbers.locator('[data-metric="clicked"] [data-count]')).to_have_text("1")
    expect(numbers.locator('[data-metric="unsubscribed"] [data-count]')).to_have_text("2")
    expect(page.get_by_role("link", name=f"{shop}/plan")).to_be_visible()
    keep_screenshot(page, "campaign_report")

    numbers.locator('[data-metric="clicked"] a').click()
    expect(page.get_by_role("heading", name="Clicked")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Grace Hopper")

    page.goto(f"/email/campaigns/{campaign.public_id}/report/")
    page.locator('.campaign-counts [data-metric="unsubscribed"] a').click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Grace Hopper")
    expect(page.locator("tbody")).to_contain_text("Alan Turing")
    page.get_by_role("link", name="Alan Turing").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{alan.public_id}/")
    expect(page.locator("#timeline")).to_contain_text("Autumn news for Alan")
    expect(page.locator("#timeline")).to_contain_text("Consent withdrawn")

    # Grace's timeline has the email, her click and her unsubscribing.
    page.goto(f"/contacts/{grace.public_id}/")
    expect(page.locator("#timeline")).to_contain_text("Clicked a link in “Autumn news for Grace”")
    expect(page.locator("#timeline")).to_contain_text("Consent withdrawn")
