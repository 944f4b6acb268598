"""The kanban board in a real browser: a card dragged to another column is saved at once (a reload
shows it there), a refused move puts the card back with the reason, and the same move works from
the keyboard through each card's "Move…" menu."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from leadline.sales.models import Deal, LostReason
from tests.sales.factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def board(admin_user):
    """A pipeline of its own (New, Demo, Proposal, Won, Lost) with one deal in New."""
    pipeline = PipelineFactory(name="Browser pipeline")
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    deal = DealFactory(
        pipeline=pipeline,
        stage=stages["New"],
        owner=admin_user,
        name="Kanban deal",
        amount=Decimal("1500.00"),
    )
    return pipeline, stages, deal


def card(page, deal):
    return page.locator(f'li.deal-card[data-deal="{deal.public_id}"]')


def column(page, stage):
    return page.locator(f'ol.deal-cards[data-stage="{stage.public_id}"]')


def drag(page, source, target):
    """Press on the card, move in small steps onto the column, release (SortableJS follows the mouse)."""
    start = source.locator(".deal-card-meta").bounding_box()
    end = target.bounding_box()
    assert start and end
    x, y = start["x"] + 10, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=25)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 44, steps=4)
    page.mouse.up()


def test_it_saves_a_card_dragged_to_another_column(signed_in_page, board):
    pipeline, stages, deal = board
    page = signed_in_page
    page.goto(f"/deals/pipeline/{pipeline.public_id}/")
    expect(column(page, stages["New"]).locator(card(page, deal))).to_have_count(1)

    drag(page, card(page, deal), column(page, stages["Demo"]))

    expect(page.locator("[data-board-status]")).to_contain_text("Moved “Kanban deal” to Demo")
    demo = page.locator(f'section.deal-column[data-stage="{stages["Demo"].public_id}"]')
    expect(demo.locator("[data-column-count]")).to_have_text("1")
    page.reload()
    expect(column(page, stages["Demo"]).locator(card(page, deal))).to_have_count(1)
    expect(column(page, stages["New"]).locator(card(page, deal))).to_have_count(0)
    assert Deal.objects.get(pk=deal.pk).stage == stages["Demo"]


def test_a_refused_move_returns_the_card_and_says_why(signed_in_page, board):
    pipeline, stages, deal = board
    proposal = stages["Proposal"]
    proposal.required_fields = ["expected_close_date"]
    proposal.save()
    page = signed_in_page
    page.goto(f"/deals/pipeline/{pipeline.public_id}/")

    drag(page, card(page, deal), column(page, proposal))

    expect(page.get_by_role("alert")).to_contain_text("expected close date")
    expect(column(page, stages["New"]).locator(card(page, deal))).to_have_count(1)
    assert Deal.objects.get(pk=deal.pk).stage == stages["New"]


def test_it_moves_a_card_with_the_keyboard(signed_in_page, board):
    pipeline, stages, deal = board
    page = signed_in_page
    page.goto(f"/deals/pipeline/{pipeline.public_id}/")
    mover = card(page, deal).locator("[data-move-open]")

    page.get_by_role("button", name="Apply").focus()
    for _ in range(40):  # Tab through the page until the card's menu has the focus
        page.keyboard.press("Tab")
        if mover.evaluate("element => element === document.activeElement"):
            break
    expect(mover).to_be_focused()
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name="Move “Kanban deal”")
    expect(dialog).to_be_visible()
    stage_menu = dialog.get_by_label("To stage")
    expect(stage_menu).to_be_focused()
    stage_menu.select_option(label="Proposal")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("[data-board-status]")).to_contain_text("to Proposal")
    expect(mover).to_be_focused()
    page.reload()
    expect(column(page, stages["Proposal"]).locator(card(page, deal))).to_have_count(1)


def test_it_asks_why_before_losing_a_deal(signed_in_page, board):
    pipeline, stages, deal = board
    # Browser tests run on a flushed database: the migration's lost reasons may be gone.
    LostReason.objects.get_or_create(key="competitor", defaults={"label": "Chose a competitor"})
    page = signed_in_page
    page.goto(f"/deals/pipeline/{pipeline.public_id}/")

    card(page, deal).locator("[data-move-open]").click()
    page.get_by_role("dialog", name="Move “Kanban deal”").get_by_label("To stage").select_option(label="Lost")
    page.get_by_role("dialog", name="Move “Kanban deal”").get_by_role("button", name="Move").click()
    lost = page.get_by_role("dialog", name="Why was “Kanban deal” lost?")
    lost.get_by_label("Reason").select_option(label="Chose a competitor")
    lost.get_by_role("button", name="Mark as lost").click()

    expect(page.locator("[data-board-status]")).to_contain_text("to Lost")
    saved = Deal.objects.get(pk=deal.pk)
    assert saved.stage == stages["Lost"]
    assert saved.lost_reason is not None and saved.lost_reason.key == "competitor"
