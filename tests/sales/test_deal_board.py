"""The kanban board: columns with counts and totals, cards, rotting, filters, and saving moves."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from leadline.sales.deal_selectors import BOARD_COLUMN_LIMIT, DealFilters, deal_board
from leadline.sales.models import Deal, DealStatus
from tests.conftest import client_for
from tests.sales.factories import DealFactory, PipelineFactory, default_pipeline, stage_named


def column(board, name):
    return next(column for column in board.columns if column.stage.name == name)


def test_it_totals_each_column_and_weights_it_by_the_stage_probability(alice):
    proposal = stage_named("Proposal")  # 50 %
    DealFactory(stage=proposal, amount=Decimal("1000.00"))
    DealFactory(stage=proposal, amount=Decimal("3000.00"))
    DealFactory(stage=proposal, amount=Decimal("200.00"), currency="EUR")
    DealFactory(stage=stage_named("Qualification"), amount=None)

    board = deal_board(user=alice, pipeline=default_pipeline(), filters=DealFilters())

    proposal_column = column(board, "Proposal")
    assert proposal_column.count == 3
    totals = {total.currency: (total.total, total.weighted) for total in proposal_column.totals}
    assert totals == {
        "USD": (Decimal("4000.00"), Decimal("2000.00")),
        "EUR": (Decimal("200.00"), Decimal("100.00")),
    }
    assert column(board, "Qualification").count == 1
    assert board.open_count == 4


def test_it_shows_the_cards_in_their_order(alice):
    stage = stage_named("Qualification")
    low = DealFactory(stage=stage, position=2, name="Second")
    high = DealFactory(stage=stage, position=1, name="First")

    board = deal_board(user=alice, pipeline=default_pipeline(), filters=DealFilters())

    assert column(board, "Qualification").deals == [high, low]


def test_it_shows_recent_closed_deals_only(alice):
    now = timezone.now()
    won = stage_named("Won")
    DealFactory(stage=won, status=DealStatus.WON, closed_at=now - timedelta(days=3), name="Fresh win")
    DealFactory(stage=won, status=DealStatus.WON, closed_at=now - timedelta(days=90), name="Old win")

    board = deal_board(user=alice, pipeline=default_pipeline(), filters=DealFilters())

    won_column = column(board, "Won")
    assert [deal.name for deal in won_column.deals] == ["Fresh win"]
    assert won_column.count == 1


def test_it_flags_open_deals_untouched_for_the_rotting_days(alice):
    pipeline = default_pipeline()
    pipeline.rotting_days = 10
    pipeline.save()
    stale = DealFactory(last_activity_at=timezone.now() - timedelta(days=11))
    fresh = DealFactory(last_activity_at=timezone.now() - timedelta(days=2))

    board = deal_board(user=alice, pipeline=pipeline, filters=DealFilters())

    assert board.is_rotting(stale) and not board.is_rotting(fresh)
    assert column(board, "Qualification").rotting == 1
    html = client_for(alice).get("/deals/").content.decode()
    assert html.count("Rotting · 11 d") == 1


def test_it_never_flags_rotting_when_the_pipeline_turns_it_off(alice):
    pipeline = default_pipeline()
    pipeline.rotting_days = 0
    pipeline.save()
    DealFactory(last_activity_at=timezone.now() - timedelta(days=400))

    board = deal_board(user=alice, pipeline=pipeline, filters=DealFilters())

    assert board.rotting_before is None
    assert "Rotting" not in client_for(alice).get("/deals/").content.decode()


def test_it_filters_by_owner_and_close_month(sam, tess):
    mine = DealFactory(owner=sam, expected_close_date=date(2027, 3, 14), name="Mine in March")
    DealFactory(owner=sam, expected_close_date=date(2027, 4, 1), name="Mine in April")
    DealFactory(owner=tess, expected_close_date=date(2027, 3, 2), name="Tess in March")

    board = deal_board(
        user=sam, pipeline=default_pipeline(), filters=DealFilters(owner="me", month=date(2027, 3, 1))
    )

    assert [deal for column in board.columns for deal in column.deals] == [mine]
    response = client_for(sam).get("/deals/", {"owner": "me", "month": "2027-03"})
    assert "Mine in March" in response.content.decode()
    assert "Tess in March" not in response.content.decode()


def test_it_ignores_filters_that_make_no_sense(sam):
    response = client_for(sam).get("/deals/", {"owner": "<script>", "month": "2027-13"})

    assert response.status_code == 200


def test_salespeople_see_their_teams_and_unowned_deals_only(sam, tess, oscar):
    DealFactory(owner=tess, name="Teammate's deal")
    DealFactory(owner=None, name="Nobody's deal")
    DealFactory(owner=oscar, name="Oscar's deal")

    html = client_for(sam).get("/deals/").content.decode()

    assert "Teammate&#x27;s deal" in html and "Nobody&#x27;s deal" in html
    assert "Oscar&#x27;s deal" not in html


def test_marketing_reads_the_board_without_move_controls(maria):
    DealFactory(name="Read only")

    html = client_for(maria).get("/deals/").content.decode()

    assert "Read only" in html
    assert "data-move-open" not in html
    assert "New deal" not in html


def test_it_links_to_the_rest_of_a_long_column(alice):
    stage = stage_named("Qualification")
    Deal.objects.bulk_create(
        [
            Deal(
                pipeline=stage.pipeline,
                stage=stage,
                name=f"Bulk {number}",
                stage_entered_at=timezone.now(),
                last_activity_at=timezone.now(),
                position=number,
            )
            for number in range(BOARD_COLUMN_LIMIT + 3)
        ]
    )

    board = deal_board(user=alice, pipeline=default_pipeline(), filters=DealFilters())

    assert len(column(board, "Qualification").deals) == BOARD_COLUMN_LIMIT
    assert column(board, "Qualification").hidden == 3
    assert "3 more in the list" in client_for(alice).get("/deals/").content.decode()


def test_it_opens_another_pipeline_by_its_id(alice):
    pipeline = PipelineFactory(name="Partnerships")
    DealFactory(pipeline=pipeline, name="Partner deal")

    html = client_for(alice).get(f"/deals/pipeline/{pipeline.public_id}/").content.decode()

    assert "Partner deal" in html
    assert ">Demo</h2>" in html


def test_it_answers_404_for_an_unknown_pipeline(alice):
    assert client_for(alice).get("/deals/pipeline/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("deals", [5, 50])
def test_the_board_needs_the_same_queries_for_5_or_50_deals(sam, tess, deals, django_assert_max_num_queries):
    for number in range(deals):
        stage = stage_named(["Qualification", "Meeting booked", "Proposal", "Won", "Lost"][number % 5])
        status = {"won": DealStatus.WON, "lost": DealStatus.LOST}.get(stage.kind, DealStatus.OPEN)
        DealFactory(
            stage=stage,
            owner=tess if number % 2 else None,
            status=status,
            closed_at=timezone.now() if status != DealStatus.OPEN else None,
        )
    client = client_for(sam)

    with django_assert_max_num_queries(9):
        response = client.get("/deals/", {"owner": ""})

    assert response.status_code == 200
    assert len(re.findall(r'<li class="deal-card', response.content.decode())) == deals
