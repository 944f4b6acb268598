"""The move endpoint behind drag and drop, the "Move to" menu and the won / lost buttons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.sales.models import DealStatus, Order
from tests.conftest import client_for
from tests.sales.factories import DealFactory, PipelineFactory, stage_named

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def deal(sam):
    return DealFactory(owner=sam, amount=Decimal("900.00"), name="Renewal")


def move(client, deal, **data):
    return client.post(f"/deals/{deal.public_id}/move/", data, **JSON)


def test_it_saves_a_drop_and_answers_with_the_new_column_totals(sam, deal):
    target = stage_named("Proposal")

    response = move(client_for(sam), deal, stage=str(target.public_id))

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["columns"][str(target.public_id)] == {
        "count": 1,
        "rotting": 0,
        "total": "$900",
        "weighted": "$450",
    }
    assert body["columns"][str(stage_named("Qualification").public_id)]["count"] == 0
    deal.refresh_from_db()
    assert deal.stage == target


def test_it_places_the_card_between_its_new_neighbours(sam, deal):
    target = stage_named("Meeting booked")
    above = DealFactory(owner=sam, stage=target, position=1)
    below = DealFactory(owner=sam, stage=target, position=2)

    move(
        client_for(sam),
        deal,
        stage=str(target.public_id),
        previous=str(above.public_id),
        following=str(below.public_id),
    )

    deal.refresh_from_db()
    assert deal.position == 1.5


def test_it_answers_with_the_missing_fields_and_leaves_the_deal(sam):
    deal = DealFactory(owner=sam, amount=None)

    response = move(client_for(sam), deal, stage=str(stage_named("Proposal").public_id))

    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert "amount" in response.json()["error"]
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification")


def test_it_refuses_a_stage_of_another_pipeline(sam, deal):
    other = PipelineFactory().stages.get(name="Demo")

    response = move(client_for(sam), deal, stage=str(other.public_id))

    assert response.status_code == 400
    assert "another pipeline" in response.json()["error"]


@pytest.mark.parametrize("stage", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "<b>x</b>"])
def test_it_refuses_unknown_stages(sam, deal, stage):
    response = move(client_for(sam), deal, stage=stage)

    assert response.status_code == 400
    assert response.json()["fields"]["stage"]


def test_it_loses_a_deal_with_the_reason_from_the_dialog(sam, deal):
    response = move(
        client_for(sam),
        deal,
        stage=str(stage_named("Lost").public_id),
        lost_reason="no-budget",
        lost_comment="Q3",
    )

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    assert deal.lost_reason.key == "no-budget"


def test_it_wins_a_deal_and_records_the_order(sam, deal):
    response = client_for(sam).post(
        f"/deals/{deal.public_id}/move/", {"stage": str(stage_named("Won").public_id)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.public_id}/"
    assert Order.objects.get(deal=deal).total == Decimal("900.00")


def test_without_scripts_the_menu_returns_to_the_board(sam, deal):
    target = stage_named("Meeting booked")

    response = client_for(sam).post(
        f"/deals/{deal.public_id}/move/", {"stage": str(target.public_id), "next": "/deals/?owner=me"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/deals/?owner=me"


def test_it_never_redirects_elsewhere(sam, deal):
    response = client_for(sam).post(
        f"/deals/{deal.public_id}/move/",
        {"stage": str(stage_named("Meeting booked").public_id), "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/deals/{deal.public_id}/"


def test_without_scripts_a_lost_move_asks_for_the_reason_on_the_deal_page(sam, deal):
    response = client_for(sam).post(
        f"/deals/{deal.public_id}/move/", {"stage": str(stage_named("Lost").public_id)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.public_id}/#lost"
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_marketing_cannot_move_deals(maria, deal):
    assert move(client_for(maria), deal, stage=str(stage_named("Proposal").public_id)).status_code == 403


def test_oscar_cannot_move_sams_deal(oscar, deal):
    assert move(client_for(oscar), deal, stage=str(stage_named("Proposal").public_id)).status_code == 404


def test_only_post_moves(sam, deal):
    assert client_for(sam).get(f"/deals/{deal.public_id}/move/").status_code == 405
