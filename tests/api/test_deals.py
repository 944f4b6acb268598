"""The deals API: pipelines and stages, deals with their lines, filters and cursor pages, moves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.accounts.models import Scope
from leadline.contacts.models import LifecycleStage
from leadline.sales.models import Deal, DealStatus, Order, Pipeline
from tests.api.client import api_as, error_of
from tests.factories import CompanyFactory, ContactFactory
from tests.sales.factories import DealFactory, PipelineFactory, ProductFactory, default_pipeline, stage_named


@pytest.fixture
def api(sam):
    return api_as(sam)


def test_it_lists_pipelines_with_their_stages(api):
    response = api.get("/pipelines")

    assert response.status_code == 200
    (pipeline,) = response.json()["items"]
    assert pipeline["name"] == "Sales pipeline"
    assert pipeline["is_default"] is True
    assert [stage["name"] for stage in pipeline["stages"]] == [
        "Qualification",
        "Meeting booked",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert pipeline["stages"][2]["required_fields"] == ["amount"]


def test_it_lists_the_stages_and_lost_reasons(api):
    stages = api.get(f"/pipelines/{default_pipeline().public_id}/stages").json()
    reasons = api.get("/lost-reasons").json()["items"]

    assert [stage["kind"] for stage in stages][-2:] == ["won", "lost"]
    assert {"key": "no-budget", "label": "No budget", "is_active": True} in reasons


def test_admins_create_and_change_pipelines(alice):
    api = api_as(alice)

    created = api.post(
        "/pipelines",
        {
            "name": "Renewals",
            "currency": "eur",
            "rotting_days": 30,
            "stages": [
                {"name": "Due", "probability": 60},
                {"name": "Renewed", "kind": "won", "required_fields": ["amount"]},
                {"name": "Churned", "kind": "lost"},
            ],
        },
    )

    assert created.status_code == 201
    body = created.json()
    assert body["currency"] == "EUR"
    assert [(stage["name"], stage["probability"]) for stage in body["stages"]] == [
        ("Due", 60),
        ("Renewed", 100),
        ("Churned", 0),
    ]
    changed = api.patch(f"/pipelines/{body['id']}", {"is_default": True, "rotting_days": 7})
    assert changed.json()["is_default"] is True
    assert Pipeline.objects.filter(is_default=True).count() == 1


def test_a_pipeline_needs_won_and_lost_stages(alice):
    response = api_as(alice).post("/pipelines", {"name": "Half", "stages": [{"name": "Only"}]})

    assert response.status_code == 400
    assert "won" in error_of(response)["fields"]["kind"][0]
    assert not Pipeline.objects.filter(name="Half").exists()


def test_admins_manage_stages(alice):
    api = api_as(alice)
    pipeline = PipelineFactory()

    created = api.post(f"/pipelines/{pipeline.public_id}/stages", {"name": "Trial", "position": 1})
    stage_id = created.json()["id"]
    moved = api.patch(
        f"/stages/{stage_id}", {"position": 3, "probability": 45, "required_fields": ["company"]}
    )
    deleted = api.delete(f"/stages/{stage_id}")

    assert created.status_code == 201
    assert created.json()["position"] == 1
    assert moved.json()["position"] == 3
    assert moved.json()["required_fields"] == ["company"]
    assert deleted.status_code == 204


def test_marketing_cannot_change_pipelines_even_with_the_settings_scope(maria):
    response = api_as(maria).patch(f"/pipelines/{default_pipeline().public_id}", {"name": "Mine"})

    assert response.status_code == 403
    assert "admins" in error_of(response)["message"]


def test_it_creates_a_deal_with_lines_and_makes_the_contact_an_opportunity(api, sam):
    contact = ContactFactory(email="kim@example.org", company=CompanyFactory())
    product = ProductFactory(sku="AUDIT-1", price=Decimal("250.00"))

    response = api.post(
        "/deals",
        {
            "name": "Audit",
            "contact": "kim@example.org",
            "owner": "me",
            "expected_close_date": "2027-01-31",
            "lines": [{"product": "AUDIT-1", "quantity": 2}, {"name": "Travel", "unit_price": "99.5"}],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "599.50"
    assert body["currency"] == "USD"
    assert body["stage"]["name"] == "Qualification"
    assert body["contact"]["id"] == str(contact.public_id)
    assert body["company"]["id"] == str(contact.company.public_id)
    assert body["owner"]["id"] == str(sam.public_id)
    assert body["expected_close_date"] == "2027-01-31"
    assert [line["name"] for line in body["lines"]] == [product.name, "Travel"]
    assert body["lines"][0]["product"] == str(product.public_id)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY


def test_creating_twice_with_one_idempotency_key_creates_one_deal(api):
    headers = {"Idempotency-Key": "deal-once"}

    first = api.post("/deals", {"name": "Once"}, headers=headers)
    second = api.post("/deals", {"name": "Once"}, headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Deal.objects.count() == 1


def test_it_creates_a_deal_in_a_given_stage_of_another_pipeline(api):
    pipeline = PipelineFactory()
    stage = pipeline.stages.get(name="Demo")

    response = api.post("/deals", {"name": "Partner", "stage": str(stage.public_id)})

    assert response.json()["pipeline"] == str(pipeline.public_id)
    assert response.json()["stage"]["id"] == str(stage.public_id)


def test_it_changes_a_deal(api, sam):
    deal = DealFactory(owner=sam)

    response = api.patch(f"/deals/{deal.public_id}", {"amount": 1999.99, "currency": "gbp", "owner": None})

    assert response.status_code == 200
    assert response.json()["amount"] == "1999.99"
    assert response.json()["currency"] == "GBP"
    assert response.json()["owner"] is None


def test_it_moves_a_deal_to_won_and_records_the_order(api, sam):
    deal = DealFactory(owner=sam, amount=Decimal("480.00"))

    response = api.post(f"/deals/{deal.public_id}/move", {"stage": str(stage_named("Won").public_id)})

    assert response.status_code == 200
    assert response.json()["status"] == DealStatus.WON
    assert response.json()["closed_at"]
    assert Order.objects.get(deal=deal).total == Decimal("480.00")


def test_it_moves_a_deal_to_lost_with_a_reason(api, sam):
    deal = DealFactory(owner=sam)

    refused = api.post(f"/deals/{deal.public_id}/move", {"stage": str(stage_named("Lost").public_id)})
    lost = api.post(
        f"/deals/{deal.public_id}/move",
        {"stage": str(stage_named("Lost").public_id), "lost_reason": "competitor", "lost_comment": "Cheaper"},
    )

    assert refused.status_code == 400
    assert error_of(refused)["fields"]["lost_reason"]
    assert lost.json()["lost_reason"] == "competitor"
    assert lost.json()["lost_comment"] == "Cheaper"


def test_a_move_names_the_missing_fields(api, sam):
    deal = DealFactory(owner=sam, amount=None)

    response = api.post(f"/deals/{deal.public_id}/move", {"stage": str(stage_named("Negotiation").public_id)})

    assert response.status_code == 400
    message = error_of(response)["fields"]["stage"][0]
    assert "amount" in message and "expected close date" in message


def test_a_move_refuses_a_stage_of_another_pipeline(api, sam):
    deal = DealFactory(owner=sam)
    foreign = PipelineFactory().stages.get(name="Demo")

    response = api.post(f"/deals/{deal.public_id}/move", {"stage": str(foreign.public_id)})

    assert response.status_code == 400
    assert "another pipeline" in error_of(response)["fields"]["stage"][0]


def test_it_deletes_a_deal(api, sam):
    deal = DealFactory(owner=sam)

    assert api.delete(f"/deals/{deal.public_id}").status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_it_filters_deals(api, sam, tess):
    contact = ContactFactory()
    DealFactory(name="Mine", owner=sam, contact=contact)
    side = DealFactory(name="Side", owner=tess)
    side.other_contacts.add(contact)
    DealFactory(name="Lost one", owner=sam, stage=stage_named("Lost"), status=DealStatus.LOST)

    def listed(**params):
        response = api.get("/deals", **params)
        assert response.status_code == 200, response.content
        return sorted(item["name"] for item in response.json()["items"])

    assert listed() == ["Lost one", "Mine", "Side"]
    assert listed(status="open") == ["Mine", "Side"]
    assert listed(owner="me", status="open") == ["Mine"]
    assert listed(contact=str(contact.public_id)) == ["Mine", "Side"]
    assert listed(q="sid") == ["Side"]
    assert listed(stage=str(stage_named("Lost").public_id)) == ["Lost one"]


def test_it_pages_deals_with_a_cursor(api, sam):
    for number in range(5):
        DealFactory(owner=sam, name=f"Deal {number}")

    first = api.get("/deals", limit=3).json()
    second = api.get("/deals", limit=3, cursor=first["next_cursor"]).json()

    names = [item["name"] for item in first["items"] + second["items"]]
    assert sorted(names) == [f"Deal {number}" for number in range(5)]
    assert second["next_cursor"] is None


def test_the_deal_list_needs_the_same_queries_for_3_or_30_deals(api, sam, django_assert_max_num_queries):
    for number in range(30):
        deal = DealFactory(owner=sam)
        if number % 3 == 0:
            deal.other_contacts.add(ContactFactory())

    with django_assert_max_num_queries(10):
        response = api.get("/deals", limit=30)

    assert len(response.json()["items"]) == 30


def test_sam_cannot_reach_oscars_deal(api, oscar):
    deal = DealFactory(owner=oscar)

    assert api.get(f"/deals/{deal.public_id}").status_code == 404
    assert (
        api.post(f"/deals/{deal.public_id}/move", {"stage": str(stage_named("Won").public_id)}).status_code
        == 404
    )
    assert [item["id"] for item in api.get("/deals").json()["items"]] == []


def test_a_read_token_cannot_write(sam):
    api = api_as(sam, scopes=[Scope.SALES_READ])

    response = api.post("/deals", {"name": "Nope"})

    assert response.status_code == 403
    assert "sales:write" in error_of(response)["message"]
