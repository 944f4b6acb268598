"""Pipeline settings: pipelines, their stages (add, rename, reorder, delete when empty), the default
pipeline, won and lost stages, rotting days and lost reasons. Admins only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadline.core.models import AuditEntry
from leadline.sales import pipeline_services as services
from leadline.sales.models import LostReason, Pipeline, Stage
from tests.conftest import client_for
from tests.sales.factories import DealFactory, PipelineFactory, default_pipeline


def stage_names(pipeline):
    return list(pipeline.stages.order_by("position").values_list("name", flat=True))


def test_it_creates_a_pipeline_with_starter_stages(alice):
    response = client_for(alice).post(
        "/settings/pipelines/new/", {"name": "Partnerships", "currency": "EUR", "rotting_days": "21"}
    )

    pipeline = Pipeline.objects.get(name="Partnerships")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/pipelines/{pipeline.public_id}/"
    assert stage_names(pipeline) == ["New", "Qualified", "Proposal", "Won", "Lost"]
    assert pipeline.currency == "EUR"
    assert pipeline.rotting_days == 21
    assert not pipeline.is_default
    assert AuditEntry.objects.filter(action="pipeline.created").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "currency": "USD", "rotting_days": "14"}, "name"),
        ({"name": "X", "currency": "DOGE", "rotting_days": "14"}, "currency"),
        ({"name": "X", "currency": "USD", "rotting_days": "-1"}, "rotting_days"),
        ({"name": "X", "currency": "USD", "rotting_days": "many"}, "rotting_days"),
        ({"name": "Sales pipeline", "currency": "USD", "rotting_days": "14"}, "name"),
    ],
)
def test_it_refuses_bad_pipeline_settings(alice, data, field):
    before = Pipeline.objects.count()

    response = client_for(alice).post("/settings/pipelines/new/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Pipeline.objects.count() == before


def test_it_makes_another_pipeline_the_default(alice):
    other = PipelineFactory()

    client_for(alice).post(f"/settings/pipelines/{other.public_id}/default/")

    assert list(Pipeline.objects.filter(is_default=True)) == [other]
    assert client_for(alice).get("/deals/").context["pipeline"] == other


def test_the_default_pipeline_cannot_be_archived_or_deleted(alice):
    pipeline = default_pipeline()

    with pytest.raises(ValidationError):
        services.pipeline_set_archived(pipeline=pipeline, actor=alice, archived=True)
    with pytest.raises(ValidationError):
        services.pipeline_delete(pipeline=pipeline, actor=alice)


def test_an_archived_pipeline_leaves_the_boards(alice):
    other = PipelineFactory(name="Old way")

    client_for(alice).post(f"/settings/pipelines/{other.public_id}/archive/")

    other.refresh_from_db()
    assert other.is_archived
    assert "Old way" not in client_for(alice).get("/deals/").content.decode()


def test_a_pipeline_with_deals_is_archived_not_deleted(alice):
    other = PipelineFactory()
    DealFactory(pipeline=other)

    response = client_for(alice).post(f"/settings/pipelines/{other.public_id}/delete/")

    assert response.status_code == 302
    assert Pipeline.objects.filter(pk=other.pk).exists()


def test_it_deletes_an_empty_pipeline(alice):
    other = PipelineFactory()

    client_for(alice).post(f"/settings/pipelines/{other.public_id}/delete/")

    assert not Pipeline.objects.filter(pk=other.pk).exists()


def test_it_adds_an_open_stage_before_won_and_lost(alice):
    pipeline = PipelineFactory()

    response = client_for(alice).post(
        f"/settings/pipelines/{pipeline.public_id}/stages/",
        {"new-name": "Trial", "new-probability": "55", "new-kind": "open", "new-required_fields": ["amount"]},
    )

    assert response.status_code == 302
    assert stage_names(pipeline) == ["New", "Demo", "Proposal", "Trial", "Won", "Lost"]
    trial = pipeline.stages.get(name="Trial")
    assert trial.probability == 55
    assert trial.required_fields == ["amount"]


def test_it_renames_a_stage_and_sets_its_required_fields(alice):
    pipeline = PipelineFactory()
    demo = pipeline.stages.get(name="Demo")
    prefix = f"stage-{demo.public_id}"

    client_for(alice).post(
        f"/settings/stages/{demo.public_id}/",
        {
            f"{prefix}-name": "Product demo",
            f"{prefix}-probability": "35",
            f"{prefix}-kind": "open",
            f"{prefix}-required_fields": ["contact", "expected_close_date"],
        },
    )

    demo.refresh_from_db()
    assert demo.name == "Product demo"
    assert demo.probability == 35
    assert demo.required_fields == ["expected_close_date", "contact"]


def test_it_refuses_two_stages_with_one_name(alice):
    pipeline = PipelineFactory()
    demo = pipeline.stages.get(name="Demo")
    prefix = f"stage-{demo.public_id}"

    response = client_for(alice).post(
        f"/settings/stages/{demo.public_id}/",
        {f"{prefix}-name": "proposal", f"{prefix}-probability": "35", f"{prefix}-kind": "open"},
    )

    assert response.status_code == 400
    demo.refresh_from_db()
    assert demo.name == "Demo"


def test_it_reorders_stages_with_up_and_down(alice):
    pipeline = PipelineFactory()
    proposal = pipeline.stages.get(name="Proposal")
    client = client_for(alice)

    client.post(f"/settings/stages/{proposal.public_id}/move/", {"direction": "up"})
    assert stage_names(pipeline) == ["New", "Proposal", "Demo", "Won", "Lost"]

    client.post(f"/settings/stages/{proposal.public_id}/move/", {"direction": "up"})
    client.post(f"/settings/stages/{proposal.public_id}/move/", {"direction": "up"})  # already first
    assert stage_names(pipeline) == ["Proposal", "New", "Demo", "Won", "Lost"]
    assert list(pipeline.stages.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_it_deletes_only_empty_stages(alice):
    pipeline = PipelineFactory()
    demo, new = pipeline.stages.get(name="Demo"), pipeline.stages.get(name="New")
    DealFactory(pipeline=pipeline, stage=new)
    client = client_for(alice)

    client.post(f"/settings/stages/{new.public_id}/delete/")
    client.post(f"/settings/stages/{demo.public_id}/delete/")

    assert stage_names(pipeline) == ["New", "Proposal", "Won", "Lost"]


def test_a_pipeline_keeps_a_won_and_a_lost_stage(alice):
    pipeline = PipelineFactory()

    with pytest.raises(ValidationError):
        services.stage_delete(stage=pipeline.stages.get(name="Won"), actor=alice)
    with pytest.raises(ValidationError):
        services.stage_update(stage=pipeline.stages.get(name="Lost"), actor=alice, data={"kind": "open"})

    assert set(pipeline.stages.values_list("kind", flat=True)) == {"open", "won", "lost"}


def test_the_kind_of_a_stage_with_deals_stays(alice):
    pipeline = PipelineFactory()
    demo = pipeline.stages.get(name="Demo")
    DealFactory(pipeline=pipeline, stage=demo)

    with pytest.raises(ValidationError):
        services.stage_update(stage=demo, actor=alice, data={"kind": "won"})


def test_it_refuses_unknown_required_fields(alice):
    with pytest.raises(ValidationError):
        services.stage_create(
            pipeline=PipelineFactory(), actor=alice, data={"name": "X", "required_fields": ["ssn"]}
        )


def test_it_adds_and_hides_lost_reasons(alice):
    client = client_for(alice)

    client.post("/settings/lost-reasons/", {"label": "Went quiet"})
    reason = LostReason.objects.get(label="Went quiet")
    assert reason.key == "went-quiet"

    client.post(f"/settings/lost-reasons/{reason.public_id}/toggle/")
    reason.refresh_from_db()
    assert not reason.is_active
    assert reason not in client.get("/deals/").context["lost_reasons"]


def test_it_refuses_a_duplicate_lost_reason(alice):
    client_for(alice).post("/settings/lost-reasons/", {"label": "no budget"})

    assert LostReason.objects.filter(label__iexact="no budget").count() == 1


def test_the_settings_pages_render(alice):
    pipeline = default_pipeline()
    client = client_for(alice)

    listing = client.get("/settings/pipelines/").content.decode()
    editing = client.get(f"/settings/pipelines/{pipeline.public_id}/").content.decode()

    assert "Sales pipeline" in listing and "No budget" in listing
    assert "Negotiation" in editing and "Required before a deal enters" in editing
    assert Stage.objects.filter(pipeline=pipeline).count() == editing.count("Save stage")


@pytest.mark.parametrize("persona", ["maria", "sam"])
def test_only_admins_change_pipelines(persona, personas):
    pipeline = default_pipeline()

    response = client_for(personas[persona]).post(
        f"/settings/pipelines/{pipeline.public_id}/",
        {"name": "Mine now", "currency": "USD", "rotting_days": "1"},
    )

    assert response.status_code == 403
    pipeline.refresh_from_db()
    assert pipeline.name == "Sales pipeline"


def test_a_stage_deals_went_through_keeps_its_history(alice):
    from leadline.sales.deal_services import deal_move

    pipeline = PipelineFactory()
    demo = pipeline.stages.get(name="Demo")
    deal = DealFactory(pipeline=pipeline, stage=pipeline.stages.get(name="New"))
    deal_move(deal=deal, stage=demo, actor=alice)
    deal_move(deal=deal, stage=pipeline.stages.get(name="Proposal"), actor=alice)

    with pytest.raises(ValidationError) as error:
        services.stage_delete(stage=demo, actor=alice)

    assert "rename it instead" in error.value.messages[0]
    assert Stage.objects.filter(pk=demo.pk).exists()
