"""Bad input to the deals API: a clear 400 in the one error shape, never a 500, nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.sales.models import Deal, DealStatus, Pipeline
from tests.api.client import api_as, error_of
from tests.sales.factories import DealFactory, default_pipeline, stage_named

HOSTILE = [
    '<script>alert("x")</script>',
    "'; DROP TABLE sales_deal; --",
    '=HYPERLINK("http://evil.example")',
    "Ünïcödé 名前 \u202e",
]
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def api(sam):
    return api_as(sam)


@pytest.fixture
def deal(sam):
    return DealFactory(owner=sam, amount=Decimal("100.00"), name="Kept")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "amount": "1,250.00"}, "amount"),
        ({"name": "X", "amount": "12,5"}, "amount"),
        ({"name": "X", "amount": "-3"}, "amount"),
        ({"name": "X", "amount": "0.001"}, "amount"),
        ({"name": "X", "amount": "1e400"}, "amount"),
        ({"name": "X", "amount": "NaN"}, "amount"),
        ({"name": "X", "amount": True}, "amount"),
        ({"name": "X", "amount": [1]}, "amount"),
        ({"name": "X", "currency": "DOGE"}, "currency"),
        ({"name": "X", "currency": "eu"}, "currency"),
        ({"name": "X", "currency": 840}, "currency"),
        ({"name": "X", "expected_close_date": "31/12/2026"}, "expected_close_date"),
        ({"name": "X", "expected_close_date": "2026-02-30"}, "expected_close_date"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "X" * 201}, "name"),
        ({"name": 42}, "name"),
        ({}, "name"),
        ({"name": "X", "contact": UNKNOWN}, "contact"),
        ({"name": "X", "contact": "nobody@example.org"}, "contact"),
        ({"name": "X", "company": UNKNOWN}, "company"),
        ({"name": "X", "owner": UNKNOWN}, "owner"),
        ({"name": "X", "owner": "someone"}, "owner"),
        ({"name": "X", "pipeline": UNKNOWN}, "pipeline"),
        ({"name": "X", "stage": "not-an-id"}, "stage"),
        ({"name": "X", "other_contacts": [UNKNOWN]}, "other_contacts.0"),
        ({"name": "X", "other_contacts": "a@b.c"}, "other_contacts"),
        ({"name": "X", "lines": [{"product": "NO-SUCH-SKU"}]}, "lines.0.product"),
        ({"name": "X", "lines": [{"name": "A", "unit_price": "1,5"}]}, "lines.0.unit_price"),
        ({"name": "X", "lines": [{"name": "A", "unit_price": "5", "quantity": 0}]}, "lines"),
        ({"name": "X", "lines": [{"name": "A", "unit_price": "5", "discount_percent": 101}]}, "lines"),
        ({"name": "X", "lines": [{"unit_price": "5"}]}, "lines"),
        ({"name": "X", "lines": [{"name": "A", "unit_price": "5", "colour": "red"}]}, "lines.0.colour"),
        ({"name": "X", "lines": "all of them"}, "lines"),
        ({"name": "X", "status": "won"}, "status"),
    ],
)
def test_it_refuses_bad_deals_naming_the_field(api, body, field):
    response = api.post("/deals", body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert not Deal.objects.exists()


def test_it_refuses_too_many_lines(api):
    lines = [{"name": f"Line {number}", "unit_price": "1"} for number in range(101)]

    response = api.post("/deals", {"name": "Huge", "lines": lines})

    assert response.status_code == 400
    assert "lines" in error_of(response)["fields"]


def test_it_refuses_a_closed_stage_for_a_new_deal(api):
    response = api.post("/deals", {"name": "Won already", "stage": str(stage_named("Won").public_id)})

    assert response.status_code == 400
    assert "open stage" in error_of(response)["fields"]["stage"][0]


def test_it_refuses_a_pipeline_and_a_stage_that_do_not_match(api):
    response = api.post(
        "/deals",
        {
            "name": "X",
            "pipeline": str(default_pipeline().public_id),
            "stage": str(_foreign_stage().public_id),
        },
    )

    assert response.status_code == 400
    assert "another pipeline" in error_of(response)["fields"]["stage"][0]


def _foreign_stage():
    from tests.sales.factories import PipelineFactory

    return PipelineFactory().stages.get(name="Demo")


@pytest.mark.parametrize("name", HOSTILE)
def test_it_keeps_hostile_names_as_plain_text(api, name):
    response = api.post("/deals", {"name": name})

    assert response.status_code == 201
    assert response.json()["name"] == " ".join(name.split())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "ten"}, "amount"),
        ({"stage": "x"}, "stage"),
        ({"name": None}, "name"),
        ({"currency": ""}, "currency"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_it_refuses_bad_changes_and_keeps_the_deal(api, deal, body, field):
    response = api.patch(f"/deals/{deal.public_id}", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    deal.refresh_from_db()
    assert deal.name == "Kept" and deal.amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "stage"),
        ({"stage": 12}, "stage"),
        ({"stage": UNKNOWN}, "stage"),
        ({"stage": "{stage}", "position": "top"}, "position"),
        ({"stage": "{lost}", "lost_reason": "bored"}, "lost_reason"),
        ({"stage": "{lost}", "lost_reason": "timing", "lost_comment": "x" * 2001}, "lost_comment"),
    ],
)
def test_it_refuses_bad_moves_and_keeps_the_deal(api, deal, body, field):
    stages = {"{stage}": str(stage_named("Proposal").public_id), "{lost}": str(stage_named("Lost").public_id)}
    body = {key: stages.get(value, value) if isinstance(value, str) else value for key, value in body.items()}

    response = api.post(f"/deals/{deal.public_id}/move", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    deal.refresh_from_db()
    assert deal.stage == stage_named("Qualification")
    assert deal.status == DealStatus.OPEN


def test_it_refuses_malformed_json(api, deal):
    response = api.patch(f"/deals/{deal.public_id}", raw='{"name": "Broken"')

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.parametrize("deal_id", ["not-a-uuid", UNKNOWN, "1", "' OR 1=1 --"])
def test_unknown_deals_are_404(api, deal_id):
    response = api.get(f"/deals/{deal_id}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "maybe"},
        {"close_month": "2026-13"},
        {"close_month": "March"},
        {"owner": UNKNOWN},
        {"pipeline": "nope"},
        {"limit": 0},
        {"limit": 1000},
        {"cursor": "forged"},
    ],
)
def test_it_refuses_bad_list_filters(api, params):
    response = api.get("/deals", **params)

    assert response.status_code == 400, response.content
    assert error_of(response)["code"] in {"validation_error", "invalid_cursor"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "currency": "ABC"}, "currency"),
        ({"name": "X", "rotting_days": -1}, "rotting_days"),
        ({"name": "X", "rotting_days": 9999}, "rotting_days"),
        ({"name": "Sales pipeline"}, "name"),
        (
            {
                "name": "X",
                "stages": [{"name": "A"}, {"name": "a", "kind": "won"}, {"name": "L", "kind": "lost"}],
            },
            "stages",
        ),
        ({"name": "X", "stages": [{"name": "A", "kind": "maybe"}]}, "stages.0.kind"),
        ({"name": "X", "stages": [{"name": "A", "probability": 101}]}, "stages.0.probability"),
        ({"name": "X", "stages": [{"name": "A", "required_fields": ["ssn"]}]}, "stages.0.required_fields.0"),
    ],
)
def test_it_refuses_bad_pipelines(alice, body, field):
    before = Pipeline.objects.count()

    response = api_as(alice).post("/pipelines", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"], error_of(response)
    assert Pipeline.objects.count() == before


def test_it_refuses_to_delete_a_stage_with_deals(alice, deal):
    response = api_as(alice).delete(f"/stages/{stage_named('Qualification').public_id}")

    assert response.status_code == 400
    assert "Move the deals" in error_of(response)["message"]
