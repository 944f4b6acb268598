"""The sales half of the line, end to end in a real browser: a salesperson accepts an MQL, the lead
books a call on the public booking page, the salesperson opens a deal with a product, drags it to
Won, and the contact page shows the order, the revenue, the customer stage and what to offer next."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from leadline.contacts.models import LifecycleStage
from leadline.sales.models import Availability, Deal, HandoffState, Meeting, Order, Pipeline
from leadline.sales.order_services import LineInput, order_create
from leadline.sales.suggestions import associations_refresh
from tests.browser.test_deals_board import drag
from tests.factories import ContactFactory
from tests.sales.factories import (
    HandoffFactory,
    MeetingTypeFactory,
    PipelineFactory,
    ProductFactory,
    make_mql,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def workspace(admin_user):
    """The admin sells: a default pipeline, bookable all day, a catalogue, customers who bought two
    products together, and one MQL routed to the admin."""
    # Browser tests run on a flushed database: the pipeline the migrations seed may be gone.
    if not Pipeline.objects.filter(is_default=True).exists():
        PipelineFactory(name="Sales pipeline", is_default=True)
    Availability.objects.create(
        user=admin_user,
        time_zone="UTC",
        weekly_hours={str(day): [["00:00", "24:00"]] for day in range(7)},
        minimum_notice_minutes=60,
        buffer_after_minutes=0,
    )
    MeetingTypeFactory(host=admin_user, slug="clarity-call", name="Free 30-minute clarity call")
    growth = ProductFactory(name="Growth plan", price=Decimal("149.00"))
    support = ProductFactory(name="Priority support", price=Decimal("99.00"))
    for number in range(4):
        order_create(
            contact=ContactFactory(email=f"customer{number}@example.org"),
            lines=[
                LineInput(name=growth.name, quantity=Decimal(1), unit_price=growth.price, product=growth),
                LineInput(name=support.name, quantity=Decimal(1), unit_price=support.price, product=support),
            ],
            currency="USD",
        )
    associations_refresh()
    lead = make_mql(email="grace@example.org", first_name="Grace", last_name="Hopper")
    HandoffFactory(contact=lead, assigned_to=admin_user)
    return lead


def test_a_lead_goes_from_mql_to_customer_with_a_suggestion(signed_in_page, chromium, live_server, workspace):
    lead = workspace
    page = signed_in_page

    # Sales accepts the MQL from the hand-off queue.
    page.goto("/handoff/")
    row = page.locator("tr", has_text="Grace Hopper")
    row.get_by_role("button", name="Accept").click()
    expect(page.locator("tr", has_text="Grace Hopper")).to_have_count(0)
    lead.refresh_from_db()
    assert lead.lifecycle_stage == LifecycleStage.SQL
    assert lead.handoffs.get().state == HandoffState.ACCEPTED

    # The lead books a call on the public page, in a browser of their own.
    guest_context = chromium.new_context(base_url=live_server.url)
    try:
        guest = guest_context.new_page()
        guest.goto("/meet/clarity-call?tz=UTC")
        guest.locator("[data-times]:visible .bk-time").first.click()
        guest.get_by_label("Your name").fill("Grace Hopper")
        guest.get_by_label("Your email").fill("grace@example.org")
        guest.get_by_role("button", name="Book the meeting").click()
        expect(guest.get_by_role("heading", name="You are booked")).to_be_visible()
    finally:
        guest_context.close()
    assert Meeting.objects.get().contact == lead

    # The salesperson opens a deal from the contact page, with the Growth plan on it.
    page.goto(f"/contacts/{lead.public_id}/")
    meetings = page.locator("section", has=page.get_by_role("heading", name="Meetings"))
    expect(meetings).to_contain_text("Free 30-minute clarity call")
    page.get_by_role("link", name="New deal").click()
    page.locator('input[name="name"]').fill("Grace: Growth plan")
    line = page.locator("[data-line]").first
    line.get_by_label("Product").select_option(label="Growth plan (USD 149.00)")
    line.get_by_label("Quantity").fill("1")
    line.get_by_label("Unit price").fill("149.00")
    page.get_by_role("button", name="Create deal").click()
    deal = Deal.objects.get(name="Grace: Growth plan")
    assert deal.amount == Decimal("149.00")
    lead.refresh_from_db()
    assert lead.lifecycle_stage == LifecycleStage.OPPORTUNITY

    # On the board, the deal is dragged to Won.
    page.goto("/deals/")
    card = page.locator(f'li.deal-card[data-deal="{deal.public_id}"]')
    won = deal.pipeline.stages.get(kind="won")
    drag(page, card, page.locator(f'ol.deal-cards[data-stage="{won.public_id}"]'))
    expect(page.locator("[data-board-status]")).to_contain_text("Won")
    order = Order.objects.get(deal=deal)

    # The contact page tells the story: customer, the order, the revenue, what to offer next.
    page.goto(f"/contacts/{lead.public_id}/")
    expect(page.locator(".record-header .meta")).to_contain_text("Customer")
    orders = page.locator("section", has=page.get_by_role("heading", name="Orders"))
    expect(orders).to_contain_text(order.number)
    expect(orders).to_contain_text("$149.00")
    expect(orders).to_contain_text("Priority support")
    lead.refresh_from_db()
    assert lead.lifecycle_stage == LifecycleStage.CUSTOMER
