"""The post-sale playbook end to end, as a new team meets it in a real browser.

Marketing installs the playbook with one click and switches it on; a salesperson wins a deal; the
worker enrols the customer. Marketing then runs the workflow's test mode for that customer (every
wait skipped): the thank-you, the testimonial request and the upsell arrive over SMTP, marked
[Test]; the test email's testimonial link opens a preview that saves nothing. Marketing then asks
the customer for real; the customer opens the signed link in their own browser, writes a
testimonial and gives consent; marketing approves it and it shows on the public wall. Each step is on the
customer's timeline. Finally the workflow editor: a step added, a wait changed, and the vertical
diagram with the number of people on and past each step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from leadline.accounts.models import Role, User
from leadline.automation.engine import Engine
from leadline.automation.models import Enrolment, Workflow
from leadline.automation.playbooks import playbook_install
from leadline.automation.triggers import triggers_consume
from leadline.contacts.models import ConsentRecord
from leadline.mail.models import OutboundMessage
from leadline.mail.preferences import contact_preferences
from leadline.mail.sending import outbox_send_due
from leadline.sales.deal_services import deal_create
from leadline.sales.models import Order, Pipeline
from leadline.sales.order_services import LineInput, order_create
from leadline.sales.suggestions import associations_refresh
from leadline.testimonials import models as testimonials
from leadline.testimonials.services import CONSENT_PURPOSE, CONSENT_TEXT
from tests.browser.conftest import PageProblems, keep_screenshot, screenshots_if_failed, sign_in
from tests.factories import ContactFactory, UserFactory
from tests.fixtures_smtp import SmtpSink, smtp_mail, smtp_server  # noqa: F401
from tests.mail.factories import SenderIdentityFactory
from tests.sales.factories import PipelineFactory, ProductFactory

pytestmark = pytest.mark.browser

# A long walk on a busy machine: the first visit to each screen may be slow to answer.
WAIT_MS = 30_000
TESTIMONIAL = "They set us up in a week and answered every question the same day."


@pytest.fixture
def team(transactional_db: None) -> dict[str, User]:
    return {
        "maria": UserFactory(
            email="maria@leadline.test", first_name="Maria", last_name="Marketer", role=Role.MARKETING
        ),
        "sam": UserFactory(email="sam@leadline.test", first_name="Sam", last_name="Seller", role=Role.SALES),
    }


@pytest.fixture
def customer(team: dict[str, User]) -> dict[str, Any]:
    """Cleo, with an open deal for the Growth plan owned by Sam; earlier customers who bought the
    Growth plan went on to buy Priority support, which makes the upsell."""
    SenderIdentityFactory(from_name="Example Co", from_email="hello@example.com", is_default=True)
    # Browser tests run on a flushed database: the pipeline the migrations seed may be gone.
    pipeline = Pipeline.objects.filter(is_default=True).first() or PipelineFactory(
        name="Sales pipeline", is_default=True
    )
    growth = ProductFactory(name="Growth plan", price=Decimal("149.00"))
    support = ProductFactory(name="Priority support", price=Decimal("99.00"))
    for number in range(4):
        buyer = ContactFactory(email=f"customer{number}@example.org")
        for product in (growth, support):
            order_create(
                contact=buyer,
                lines=[
                    LineInput(
                        name=product.name, quantity=Decimal(1), unit_price=product.price, product=product
                    )
                ],
                currency="USD",
            )
    associations_refresh()
    cleo = ContactFactory(
        first_name="Cleo", last_name="Customer", email="cleo@example.org", owner=team["sam"]
    )
    deal = deal_create(
        actor=team["sam"],
        data={
            "pipeline": pipeline,
            "name": "Cleo: Growth plan",
            "contact": cleo,
            "owner": team["sam"],
            "lines": [{"product": growth, "quantity": 1, "unit_price": growth.price}],
        },
    )
    return {"cleo": cleo, "deal": deal}


@pytest.fixture
def browser_of(chromium: Any, live_server: Any, problems: PageProblems, request: Any) -> Iterator[Any]:
    """Opens more browsers, each with its own cookies (a teammate's, the customer's)."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def open_browser() -> Any:
        context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.script_errors.append(str(error)))
        pages.append(page)
        return page

    try:
        yield open_browser
        screenshots_if_failed(request, pages)
    finally:
        for context in contexts:
            context.close()


def timeline(page: Any, contact: Any) -> Any:
    page.goto(f"/contacts/{contact.public_id}/")
    return page.locator("#timeline")


def test_the_post_sale_playbook_from_a_won_deal_to_a_published_testimonial(
    page: Any,
    browser_of: Any,
    live_server: Any,
    team: dict[str, User],
    customer: dict[str, Any],
    smtp_mail: SmtpSink,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    settings.BASE_URL = live_server.url
    maria, sam = team["maria"], team["sam"]
    cleo, deal = customer["cleo"], customer["deal"]
    page.set_default_timeout(WAIT_MS)
    # The worker has been running: its trigger reader starts from the newest activity it has seen.
    triggers_consume()
    sign_in(page, maria)

    # 1. Marketing installs the post-sale playbook with one click, and switches it on.
    page.goto("/automation/playbooks/")
    playbook = page.locator("article.playbook", has_text="Post-sale")
    playbook.get_by_role("button", name="Install").click()
    expect(page.get_by_role("heading", name=re.compile("Post-sale"))).to_be_visible()
    workflow = Workflow.objects.get(playbook="post_sale")
    assert page.url.endswith(f"/automation/{workflow.public_id}/")
    expect(page.locator(".flow-card")).not_to_have_count(0)
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    workflow.refresh_from_db()
    assert workflow.status == Workflow.Status.ACTIVE

    # 2. The salesperson wins the deal on its page; the worker enrols Cleo and sends the thank-you.
    seller = browser_of()
    sign_in(seller, sam)
    seller.goto(f"/deals/{deal.public_id}/")
    seller.get_by_role("button", name="Mark as won").click()
    expect(seller.get_by_text("Won “Cleo: Growth plan”. The order is recorded.")).to_be_visible()
    deal.refresh_from_db()
    assert deal.status == "won"
    assert Order.objects.filter(deal=deal).exists()
    assert triggers_consume() == 1
    enrolment = Enrolment.objects.get(workflow=workflow, contact=cleo, is_test=False)
    Engine().tick()
    outbox_send_due()
    [thanks] = smtp_mail.wait_for(1)
    assert thanks.recipients == ["cleo@example.org"]
    assert thanks.subject == "Thank you, Cleo!"
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.WAITING

    # 3. Marketing runs the test mode for Cleo: the waits are skipped, the emails come to Maria.
    page.goto(f"/automation/{workflow.public_id}/")
    page.get_by_label("Contact's email").first.fill("cleo@example.org")
    page.get_by_role("button", name="Run the test").click()
    expect(page.get_by_text("Test run finished for Cleo Customer")).to_be_visible()
    outbox_send_due()
    tests = [message for message in smtp_mail.wait_for(6) if message.subject.startswith("[Test] ")]
    subjects = [message.subject for message in tests]
    assert len(tests) == 5 and len(smtp_mail.messages) == 6, subjects
    assert all(message.recipients == [maria.email] for message in tests), subjects
    assert "[Test] Thank you, Cleo!" in subjects
    assert "[Test] Would you share a few words about working with us?" in subjects
    assert "[Test] Picked for you, based on what you use" in subjects
    request_email = next(message for message in tests if "share a few words" in message.subject)
    upsell = next(message for message in tests if "Picked for you" in message.subject)
    assert "Priority support" in upsell.text
    preview = re.search(r"http://\S+/testimonials/r/[^/\s]+/", request_email.text)
    assert preview is not None, request_email.text

    # 4. The test email's link opens a preview that can send nothing; no request is made for Cleo.
    guest = browser_of()
    guest.goto(preview.group(0).removeprefix(live_server.url))
    expect(guest.get_by_text("Nothing entered here is sent or saved")).to_be_visible()
    expect(guest.get_by_role("button", name="Send my testimonial")).to_be_disabled()
    assert not testimonials.TestimonialRequest.objects.filter(contact=cleo).exists()

    # Maria asks Cleo for real from the testimonials page; Cleo opens her signed link (no cookies).
    page.goto(f"/testimonials/manage/requests/new/?contact={cleo.public_id}")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Testimonial request queued for Cleo Customer")).to_be_visible()
    outbox_send_due()
    [asked] = [message for message in smtp_mail.wait_for(7) if message.recipients == ["cleo@example.org"]][1:]
    link = re.search(r"http://\S+/testimonials/r/[^/\s]+/", asked.text)
    assert link is not None, asked.text
    guest.goto(link.group(0).removeprefix(live_server.url))
    expect(guest.get_by_role("heading", name="How was your experience?")).to_be_visible()
    guest.locator('label[for="rating-5"]').click()
    guest.get_by_label("Your testimonial").fill(TESTIMONIAL)
    guest.get_by_label(CONSENT_TEXT).check()
    guest.get_by_role("button", name="Send my testimonial").click()
    expect(guest.get_by_text("We received your testimonial.")).to_be_visible()
    testimonial = testimonials.Testimonial.objects.get(contact=cleo)
    assert testimonial.status == testimonials.Testimonial.Status.PENDING
    consent = ConsentRecord.objects.get(contact=cleo, purpose=CONSENT_PURPOSE)
    assert (consent.status, consent.text) == (ConsentRecord.Status.GRANTED, CONSENT_TEXT)

    # 5. Marketing makes a public wall: nothing waiting for approval is on it. Once approved, it is.
    page.goto("/testimonials/manage/walls/new/")
    page.get_by_label("Title").fill("What our customers say")
    page.get_by_label("Address").fill("customers")
    page.get_by_role("button", name="Create wall").click()
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    guest.goto("/testimonials/customers/")
    expect(guest.get_by_role("heading", name="What our customers say")).to_be_visible()
    expect(guest.get_by_text(TESTIMONIAL)).to_have_count(0)
    page.goto("/testimonials/manage/")
    page.get_by_role("link", name=re.compile("They set us up in a week")).click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".badge", has_text="Approved")).to_be_visible()
    guest.reload()
    expect(guest.get_by_text(TESTIMONIAL)).to_be_visible()

    # 6. Cleo's timeline tells the story.
    entries = timeline(page, cleo)
    expect(entries).to_contain_text("Thank you, Cleo!")
    expect(entries).to_contain_text("[Test] Would you share a few words about working with us?")
    expect(entries).to_contain_text("Sent a testimonial (5★)")
    expect(entries).to_contain_text("Testimonial approved for publishing")
    expect(entries).to_contain_text("[Test] Picked for you, based on what you use")

    # 7. The editor: add a step, change a wait, and read the diagram's counts.
    page.goto(f"/automation/{workflow.public_id}/")
    expect(page.locator(".flow > .flow-list")).to_be_visible()
    cards = page.locator(".flow-list article.flow-card")
    first_wait = cards.filter(has_text="Wait 3 days")
    expect(first_wait.locator(".flow-counts")).to_contain_text("Here now1")
    first_step = page.locator("li.flow-item").first
    expect(first_step.locator(".flow-counts")).to_contain_text("Passed1")

    first_wait.get_by_role("link", name="Edit").click()
    panel = page.locator("#step-panel")
    panel.get_by_label("How long").fill("2")
    panel.get_by_role("button", name="Save").click()
    expect(cards.filter(has_text="Wait 2 days")).to_have_count(1)
    expect(cards.filter(has_text="Wait 2 days").locator(".flow-counts")).to_contain_text("Here now1")

    first_step.locator(":scope > .flow-add a").click()
    panel.get_by_role("link", name="Internal notification").click()
    panel.get_by_label("Title").fill("Call to say thanks")
    panel.get_by_role("button", name="Add step").click()
    expect(cards.filter(has_text="Call to say thanks")).to_have_count(1)
    workflow.refresh_from_db()
    steps = workflow.current_version.steps
    assert [step["type"] for step in steps[:3]] == ["send_email", "notify", "wait"]
    assert steps[2]["config"]["amount"] == 2
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.WAITING
    # The real thank-you, the five test emails and the request Maria sent by hand: editing sent nothing.
    assert OutboundMessage.objects.filter(contact=cleo).count() == 7
    keep_screenshot(page, "workflow_editor")


def test_the_unsubscribe_link_of_a_test_run_email_leaves_the_customer_subscribed(
    page: Any,
    live_server: Any,
    team: dict[str, User],
    customer: dict[str, Any],
    smtp_mail: SmtpSink,  # noqa: F811 - the fixture imported above
    settings: Any,
) -> None:
    settings.BASE_URL = live_server.url
    maria, cleo = team["maria"], customer["cleo"]
    workflow = playbook_install(key="post_sale", actor=maria)
    page.set_default_timeout(WAIT_MS)
    sign_in(page, maria)
    page.goto(f"/automation/{workflow.public_id}/")
    page.get_by_label("Contact's email").first.fill("cleo@example.org")
    page.get_by_role("button", name="Run the test").click()
    expect(page.get_by_text("Test run finished for Cleo Customer")).to_be_visible()
    outbox_send_due()
    [request_email] = [message for message in smtp_mail.wait_for(4) if "share a few words" in message.subject]
    assert request_email.recipients == [maria.email]

    # Maria checks the unsubscribe link of her test email, as she would a template's test send.
    header = request_email["List-Unsubscribe"]
    link = re.search(r"<(http://[^>]+/u/[^>]+)>", header)
    assert link is not None, header
    page.goto(link.group(1).removeprefix(live_server.url))
    button = page.get_by_role("button", name="Unsubscribe from all marketing email")
    if button.is_enabled():
        button.click()
        expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert not contact_preferences(cleo).unsubscribed_from_all
