"""Access table of email campaigns: admins and marketing only. Sales are refused every screen
(403, by role) and every write (their tokens cannot hold settings:write); through the API they see
no campaign (an empty list, 404 for one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.mail.models import Campaign, Layout, SenderIdentity, Template
from leadline.segments.models import Segment, SegmentMembership
from tests.access_areas import Route, importers

C = "/email/campaigns/{campaign}"
D = "/email/campaigns/{campaigndraft}"
SALES_403 = {"sam": 403, "oscar": 403}
SALES_404 = {"sam": 404, "oscar": 404}

UI_ROUTES = {
    "mail:campaign_list": importers("/email/campaigns/"),
    "mail:campaign_create": importers("/email/campaigns/new/"),
    "mail:campaign_detail": importers(f"{C}/"),
    "mail:campaign_edit": importers(f"{D}/edit/"),
    "mail:campaign_review": importers(f"{D}/review/"),
    "mail:campaign_send": importers(f"{D}/send/", "POST"),
    "mail:campaign_progress": importers(f"{C}/progress/"),
    "mail:campaign_pause": importers(f"{C}/pause/", "POST"),
    "mail:campaign_resume": importers("/email/campaigns/{campaignpaused}/resume/", "POST"),
    "mail:campaign_cancel": importers(f"{C}/cancel/", "POST"),
    "mail:campaign_unschedule": importers("/email/campaigns/{campaignscheduled}/unschedule/", "POST"),
    "mail:campaign_duplicate": importers(f"{C}/duplicate/", "POST"),
    "mail:campaign_delete": importers(f"{D}/delete/", "POST"),
    "mail:campaign_report": importers(f"{C}/report/"),
    "mail:campaign_recipients": importers(f"{C}/report/contacts/?metric=sent"),
    "mail:campaign_export": importers(f"{C}/report/recipients.csv"),
}

API_ROUTES = [
    Route("campaign_list", "GET", "/email/campaigns", "contacts:read"),
    Route(
        "campaign_create",
        "POST",
        "/email/campaigns",
        "settings:write",
        {"name": "Autumn news", "template": "{campaigntemplate}", "sender": "{campaignsender}"},
    ),
    Route("campaign_get", "GET", "/email/campaigns/{campaign}", "contacts:read"),
    Route(
        "campaign_update", "PATCH", "/email/campaigns/{campaigndraft}", "settings:write", {"name": "Renamed"}
    ),
    Route("campaign_delete", "DELETE", "/email/campaigns/{campaigndraft}", "settings:write"),
    Route("campaign_duplicate", "POST", "/email/campaigns/{campaign}/duplicate", "settings:write"),
    Route("campaign_send", "POST", "/email/campaigns/{campaigndraft}/send", "settings:write", {}),
    Route("campaign_pause", "POST", "/email/campaigns/{campaign}/pause", "settings:write"),
    Route("campaign_resume", "POST", "/email/campaigns/{campaignpaused}/resume", "settings:write"),
    Route("campaign_cancel", "POST", "/email/campaigns/{campaign}/cancel", "settings:write"),
    Route("campaign_report", "GET", "/email/campaigns/{campaign}/report", "contacts:read"),
]

API_EXPECT: dict[str, dict[str, Any]] = {
    "campaign_list": {},
    "campaign_create": SALES_403,
    "campaign_get": SALES_404,
    "campaign_update": SALES_403,
    "campaign_delete": SALES_403,
    "campaign_duplicate": SALES_403,
    "campaign_send": SALES_403,
    "campaign_pause": SALES_403,
    "campaign_resume": SALES_403,
    "campaign_cancel": SALES_403,
    "campaign_report": SALES_404,
}


def _objects(user: Any) -> dict[str, str]:
    sender = SenderIdentity.objects.create(
        from_name="Campaign sender", from_email="news@northwind.example", postal_address="1 Road"
    )
    template = Template.objects.create(
        name="Campaign letter",
        kind=Template.Kind.MARKETING,
        subject="News",
        body="Hello",
        layout=Layout.objects.get(is_default=True),
        created_by=user,
    )
    audience = Segment.objects.create(name="Campaign readers", kind=Segment.Kind.STATIC, member_count=1)
    reader = Contact.objects.create(email="reader@example.org", first_name="Rea")
    SegmentMembership.objects.create(segment=audience, contact=reader, added_at=timezone.now())
    common = {
        "template": template,
        "sender": sender,
        "audience_type": "list",
        "audience_id": audience.public_id,
        "audience_name": audience.name,
        "created_by": user,
    }
    now = timezone.now()
    draft = Campaign.objects.create(name="Draft letter", **common)
    sending = Campaign.objects.create(name="Sending letter", status="sending", started_at=now, **common)
    paused = Campaign.objects.create(name="Paused letter", status="paused", started_at=now, **common)
    scheduled = Campaign.objects.create(
        name="Scheduled letter", status="scheduled", scheduled_at=now + timedelta(days=1), **common
    )
    return {
        "campaign": str(sending.public_id),
        "campaigndraft": str(draft.public_id),
        "campaignpaused": str(paused.public_id),
        "campaignscheduled": str(scheduled.public_id),
        "campaigntemplate": str(template.public_id),
        "campaignsender": str(sender.public_id),
    }


def world(personas: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """Campaigns created by maria: ownership does not matter, only the role."""
    return _objects(personas["maria"])


def api_ids(alice: Any, ids: dict[str, str]) -> dict[str, str]:
    return _objects(alice)
