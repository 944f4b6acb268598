"""The campaign API: create and change drafts, send now or at a time, pause / resume / cancel with a
409 where the status does not allow it, and the report. Bad input is a 400, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from leadline.mail.models import Campaign, MessageEvent, OutboundMessage
from tests.api.client import api_as, error_of
from tests.mail.campaigns.factories import add_event, make_campaign, mark_sent
from tests.mail.factories import TemplateFactory, TransactionalTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(maria):
    return api_as(maria)


def _new(template, audience, /, **changes):
    return {
        "name": "Launch",
        "template": str(template.public_id),
        "audience_type": "list",
        "audience_id": str(audience.public_id),
        **changes,
    }


def test_it_creates_a_draft_with_the_default_sender_and_reads_it_back(api, audience, sender):
    created = api.post(
        "/email/campaigns", _new(TemplateFactory(), audience, subject_b="Other", ab_sample_percent=20)
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["audience_name"], body["sender"]) == (
        "draft",
        audience.name,
        str(sender.public_id),
    )
    assert (body["ab_sample_percent"], body["complaint_rate_limit"]) == (20, 0.003)
    assert api.get(f"/email/campaigns/{body['id']}").json()["name"] == "Launch"
    assert [item["id"] for item in api.get("/email/campaigns").json()["items"]] == [body["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"template": "not-an-id"}, "template"),
        ({"audience_id": "7c1b0a4e-0000-4000-8000-000000000000"}, "audience"),
        ({"ab_sample_percent": 90}, "ab_sample_percent"),
        ({"complaint_rate_limit": 0.5}, "complaint_rate_limit"),
        ({"colour": "red"}, "colour"),
        ({"name": "=cmd|' /C calc'!A0", "ab_wait_hours": "soon"}, "ab_wait_hours"),
        ({"subject_b": "Hi {{ nonsense_tag }}", "ab_sample_percent": 20}, "subject_b"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, audience, sender, changes, field):
    response = api.post("/email/campaigns", _new(TemplateFactory(), audience, **changes))

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert not Campaign.objects.exists()


def test_a_transactional_template_is_refused(api, audience, sender):
    response = api.post("/email/campaigns", _new(TransactionalTemplateFactory(), audience))

    assert response.status_code == 400
    assert "template" in error_of(response)["fields"]


def test_it_changes_a_draft_but_not_a_sent_campaign(api, maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    changed = api.patch(f"/email/campaigns/{campaign.public_id}", {"name": "Better name"})
    Campaign.objects.filter(pk=campaign.pk).update(status="sent")
    refused = api.patch(f"/email/campaigns/{campaign.public_id}", {"name": "Too late"})

    assert changed.status_code == 200 and changed.json()["name"] == "Better name"
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "conflict"
    assert "Only a draft can be changed" in error_of(refused)["message"]


def test_send_now_queues_the_audience(api, maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    response = api.post(f"/email/campaigns/{campaign.public_id}/send", {})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["recipients_count"]) == ("sending", 10)
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10
    again = api.post(f"/email/campaigns/{campaign.public_id}/send", {})
    assert again.status_code == 409
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10


def test_send_at_a_time_schedules_and_in_local_time_keeps_the_wall_clock(api, maria, audience, time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 8, 0, tzinfo=UTC), tick=False)
    campaign = make_campaign(actor=maria, audience=audience)
    later = make_campaign(actor=maria, audience=audience, name="Local")

    scheduled = api.post(f"/email/campaigns/{campaign.public_id}/send", {"at": "2026-06-02T10:00:00+02:00"})
    local = api.post(
        f"/email/campaigns/{later.public_id}/send", {"at": "2026-06-02T09:00:00+02:00", "local_time": True}
    )

    assert scheduled.json()["status"] == "scheduled"
    assert datetime.fromisoformat(scheduled.json()["scheduled_at"]) == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    assert local.json()["local_time"] is True
    assert local.json()["scheduled_at"].startswith("2026-06-02T09:00:00")
    assert not OutboundMessage.objects.exists()


def test_a_campaign_that_cannot_go_out_is_a_400_listing_why(api, maria):
    campaign = make_campaign(actor=maria)

    response = api.post(f"/email/campaigns/{campaign.public_id}/send", {"at": "2020-01-01T00:00:00Z"})
    now = api.post(f"/email/campaigns/{campaign.public_id}/send", {})

    assert response.status_code == 400
    assert "in the future" in error_of(response)["fields"]["scheduled_at"][0]
    assert now.status_code == 400
    assert "segment or a list" in error_of(now)["message"]


def test_pause_resume_cancel(api, maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    api.post(f"/email/campaigns/{campaign.public_id}/send", {})
    base = f"/email/campaigns/{campaign.public_id}"

    assert api.post(f"{base}/pause").json()["status"] == "paused"
    assert api.post(f"{base}/pause").status_code == 409
    assert api.post(f"{base}/resume", {"complaint_rate_limit": 0.01}).json()["complaint_rate_limit"] == 0.01
    cancelled = api.post(f"{base}/cancel")
    assert cancelled.json()["cancelled"] == 10 and cancelled.json()["campaign"]["status"] == "cancelled"
    refused = api.post(f"{base}/resume")
    assert refused.status_code == 409
    assert "Only a paused campaign can be resumed" in error_of(refused)["message"]


def test_the_report(api, maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    api.post(f"/email/campaigns/{campaign.public_id}/send", {})
    rows = list(OutboundMessage.objects.filter(campaign=campaign).order_by("id"))
    mark_sent(rows)
    add_event(rows[0], MessageEvent.Kind.OPEN, at=timezone.now() + timedelta(minutes=1))
    add_event(rows[0], MessageEvent.Kind.CLICK, url="https://example.com/")

    report = api.get(f"/email/campaigns/{campaign.public_id}/report").json()

    assert report["counts"]["sent"] == 10 and report["counts"]["opened"] == 1
    assert report["rates"]["open"] == 0.1
    assert report["links"] == [{"url": "https://example.com/", "clicks": 1, "people": 1}]


def test_sales_see_no_campaign(maria, sam, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    client = api_as(sam)

    assert client.get("/email/campaigns").json()["items"] == []
    assert client.get(f"/email/campaigns/{campaign.public_id}").status_code == 404
    assert client.get(f"/email/campaigns/{campaign.public_id}/report").status_code == 404
