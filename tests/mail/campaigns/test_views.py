"""The campaign screens: list, editor, review and send, the campaign page and its progress, pause /
resume / cancel, the report and the contacts behind its numbers. Bad input is a 4xx with a message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from leadline.mail.campaigns import campaign_send_now
from leadline.mail.models import Campaign, MessageEvent, OutboundMessage
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.mail.campaigns.factories import add_event, make_campaign, make_list, mark_sent
from tests.mail.factories import SenderIdentityFactory, TemplateFactory, TransactionalTemplateFactory

pytestmark = pytest.mark.django_db


def _form(template, sender, audience, /, **changes):
    data = {
        "name": "Autumn offer",
        "template": str(template.public_id),
        "sender": str(sender.public_id),
        "audience": f"list:{audience.public_id}",
        "subscription_type": "",
        "when": "now",
        "send_at": "",
        "ab_sample_percent": "20",
        "ab_metric": "opens",
        "ab_wait_hours": "4",
        "complaint_limit": "0.30",
    }
    data.update(changes)
    return data


def test_the_empty_list_invites_a_first_campaign(maria):
    response = client_for(maria).get("/email/campaigns/")

    assert response.status_code == 200
    assert "No campaigns yet" in response.text
    assert "/email/campaigns/new/" in response.text


def test_the_list_shows_each_campaign_with_its_status_in_a_fixed_number_of_queries(
    maria, audience, django_assert_max_num_queries
):
    for index in range(3):
        make_campaign(actor=maria, audience=audience, name=f"Letter {index}")
    client = client_for(maria)
    client.get("/email/campaigns/")
    for index in range(3, 8):
        make_campaign(actor=maria, audience=audience, name=f"Letter {index}")

    with django_assert_max_num_queries(12):
        response = client.get("/email/campaigns/?q=letter")

    assert response.status_code == 200
    assert response.text.count("Letter ") == 8
    assert "Draft" in response.text


def test_search_and_status_filter(maria, audience):
    make_campaign(actor=maria, audience=audience, name="Spring sale")
    make_campaign(actor=maria, audience=audience, name="Webinar invite")

    response = client_for(maria).get("/email/campaigns/?q=webinar&status=draft")

    assert "Webinar invite" in response.text and "Spring sale" not in response.text


def test_it_creates_a_draft_and_shows_the_review(maria, audience, sender):
    template = TemplateFactory()
    client = client_for(maria)

    response = client.post("/email/campaigns/new/", _form(template, sender, audience))

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/email/campaigns/{campaign.public_id}/review/"
    assert (campaign.status, campaign.audience_name, campaign.created_by) == ("draft", audience.name, maria)
    review = client.get(response["Location"])
    assert review.status_code == 200
    assert "10</strong> of 10 members" in review.text
    assert f"/email/templates/{template.public_id}/preview/" in review.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"audience": "list:not-a-uuid"}, "audience", "Select a valid choice"),
        ({"when": "later", "send_at": ""}, "send_at", "Choose the date and time"),
        ({"when": "later", "send_at": "tomorrow-ish"}, "send_at", "Enter a valid date/time"),
        ({"ab_test": "on", "subject_b": ""}, "subject_b", "Write the subject line"),
        (
            {"ab_test": "on", "subject_b": "B", "ab_sample_percent": "90"},
            "ab_sample_percent",
            "less than or equal to 50",
        ),
        ({"complaint_limit": "=1+1"}, "complaint_limit", "Enter a number"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(maria, audience, sender, changes, field, message):
    response = client_for(maria).post(
        "/email/campaigns/new/", _form(TemplateFactory(), sender, audience, **changes)
    )

    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not Campaign.objects.exists()


def test_a_transactional_template_is_not_offered(maria, audience, sender):
    receipt = TransactionalTemplateFactory()

    response = client_for(maria).post("/email/campaigns/new/", _form(receipt, sender, audience))

    assert response.status_code == 400
    assert "template" in response.context["form"].errors
    assert receipt.name not in client_for(maria).get("/email/campaigns/new/").text


def test_the_review_counts_who_is_left_out(maria, sender):
    from leadline.mail.models import Suppression

    ContactFactory(email="blocked@example.org")
    audience = make_list(
        [ContactFactory(), ContactFactory(email=None), ContactFactory.create(email="blocked2@example.org")]
    )
    Suppression.objects.create(email="blocked2@example.org", reason=Suppression.Reason.MANUAL)
    campaign = make_campaign(actor=maria, audience=audience, sender=sender)

    response = client_for(maria).get(f"/email/campaigns/{campaign.public_id}/review/")

    assert "1</strong> of 3 members" in response.text
    assert response.context["audience"].excluded["no_email"] == 1
    assert response.context["audience"].excluded["suppressed"] == 1


def test_send_from_the_review_queues_the_campaign(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    client = client_for(maria)

    response = client.post(f"/email/campaigns/{campaign.public_id}/send/")

    assert response.status_code == 302
    assert OutboundMessage.objects.filter(campaign=campaign).count() == 10
    page = client.get(response["Location"])
    assert "hx-get" in page.text and "/progress/" in page.text
    fragment = client.get(f"/email/campaigns/{campaign.public_id}/progress/")
    assert fragment.status_code == 200 and "0 of 10 sent" in fragment.text


def test_a_draft_with_a_time_is_scheduled(maria, audience):
    at = timezone.now() + timedelta(days=1)
    campaign = make_campaign(actor=maria, audience=audience, scheduled_at=at)

    client_for(maria).post(f"/email/campaigns/{campaign.public_id}/send/")

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert not OutboundMessage.objects.exists()


def test_sending_what_cannot_go_out_is_a_400_with_the_reason(maria):
    campaign = make_campaign(actor=maria, sender=SenderIdentityFactory(postal_address=""))

    response = client_for(maria).post(f"/email/campaigns/{campaign.public_id}/send/")

    assert response.status_code == 400
    assert "postal address" in response.text
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT


def test_pause_resume_and_cancel_from_the_campaign_page(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)
    client = client_for(maria)
    base = f"/email/campaigns/{campaign.public_id}"

    assert client.post(f"{base}/pause/").status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"
    assert 'data-dialog-open="resume-campaign"' in client.get(f"{base}/").text
    assert client.post(f"{base}/resume/").status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"
    assert client.post(f"{base}/cancel/").status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "cancelled"
    assert OutboundMessage.objects.filter(campaign=campaign, state="cancelled").count() == 10


def test_an_action_the_status_does_not_allow_is_a_409_saying_why(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    response = client_for(maria).post(f"/email/campaigns/{campaign.public_id}/resume/")

    assert response.status_code == 409
    assert "Only a paused campaign can be resumed" in response.text


def test_a_bad_complaint_limit_on_resume_is_a_400(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)
    client = client_for(maria)
    client.post(f"/email/campaigns/{campaign.public_id}/pause/")

    response = client.post(f"/email/campaigns/{campaign.public_id}/resume/", {"complaint_limit": "lots"})

    assert response.status_code == 400
    assert "Enter a number" in response.text
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"


def test_edit_a_draft_and_refuse_to_edit_a_sent_one(maria, audience, sender):
    campaign = make_campaign(actor=maria, audience=audience, sender=sender)
    client = client_for(maria)
    edit = f"/email/campaigns/{campaign.public_id}/edit/"

    assert client.get(edit).status_code == 200
    client.post(edit, _form(campaign.template, sender, audience, name="Renamed"))
    assert Campaign.objects.get(pk=campaign.pk).name == "Renamed"
    Campaign.objects.filter(pk=campaign.pk).update(status="sent")
    assert client.get(edit).status_code == 302


def test_duplicate_and_delete(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    client = client_for(maria)

    client.post(f"/email/campaigns/{campaign.public_id}/duplicate/")
    response = client.post(f"/email/campaigns/{campaign.public_id}/delete/")

    assert response.status_code == 302
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Copy of Spring news"]


def test_the_report_and_the_contacts_behind_a_number(maria, audience, contacts):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)
    rows = list(OutboundMessage.objects.filter(campaign=campaign).select_related("contact").order_by("id"))
    mark_sent(rows)
    add_event(rows[0], MessageEvent.Kind.OPEN)
    add_event(rows[0], MessageEvent.Kind.CLICK, url="https://example.com/pricing?a=1&b=2")
    client = client_for(maria)
    base = f"/email/campaigns/{campaign.public_id}/report"

    report = client.get(f"{base}/")
    opened = client.get(f"{base}/contacts/?metric=opened")
    by_link = client.get(
        f"{base}/contacts/", {"metric": "clicked_url", "url": "https://example.com/pricing?a=1&b=2"}
    )

    assert report.status_code == 200
    assert 'id="campaign-chart-data"' in report.text and "chart.umd.min.js" in report.text
    assert "https://example.com/pricing?a=1&amp;b=2" in report.text
    assert opened.status_code == 200 and opened.context["page"].paginator.count == 1
    assert rows[0].contact.display_name in opened.text
    assert by_link.context["page"].paginator.count == 1


def test_an_unknown_number_is_a_404(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    response = client_for(maria).get(f"/email/campaigns/{campaign.public_id}/report/contacts/?metric=nope")

    assert response.status_code == 404


def test_the_csv_export(maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)
    campaign_send_now(campaign=campaign, actor=maria)

    response = client_for(maria).get(f"/email/campaigns/{campaign.public_id}/report/recipients.csv")

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert len(body.strip().splitlines()) == 11


def test_sales_cannot_open_campaigns(sam, maria, audience):
    campaign = make_campaign(actor=maria, audience=audience)

    assert client_for(sam).get("/email/campaigns/").status_code == 403
    assert client_for(sam).get(f"/email/campaigns/{campaign.public_id}/").status_code == 403


def test_the_editor_keeps_a_local_time_as_a_wall_clock(maria, audience, sender):
    from datetime import datetime

    from leadline.mail.campaigns import wall_clock

    response = client_for(maria).post(
        "/email/campaigns/new/",
        _form(TemplateFactory(), sender, audience, when="later", send_at="2031-04-02T09:30", local_time="on"),
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert campaign.local_time is True
    assert wall_clock(campaign.scheduled_at) == datetime(2031, 4, 2, 9, 30)
    review = client_for(maria).get(f"/email/campaigns/{campaign.public_id}/review/")
    assert "09:30 on Wednesday 2 April 2031 in each recipient" in review.text
