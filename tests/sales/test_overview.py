from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leadline.activity.models import Kind
from leadline.sales.handoff_selectors import handoff_overview
from leadline.sales.handoff_services import handoff_accept, handoff_reject
from leadline.sales.models import HandoffState
from tests.conftest import client_for
from tests.factories import ActivityFactory
from tests.sales.factories import HandoffFactory


def test_it_counts_sent_accepted_rejected_waiting_and_breaches(sam, maria):
    now = timezone.now()
    handoff_accept(handoff=HandoffFactory(assigned_to=sam), actor=sam)
    handoff_reject(handoff=HandoffFactory(assigned_to=sam), actor=sam, reason="no-budget")
    handoff_reject(handoff=HandoffFactory(assigned_to=sam), actor=sam, reason="no-budget")
    handoff_reject(handoff=HandoffFactory(assigned_to=sam), actor=sam, reason="bad-data")
    HandoffFactory(assigned_to=sam)
    HandoffFactory(assigned_to=sam, sla_due_at=now - timedelta(hours=1))

    overview = handoff_overview(user=maria)

    assert (overview.sent, overview.accepted, overview.rejected, overview.waiting) == (6, 1, 3, 2)
    assert overview.breaches == 1
    assert overview.rejections_by_reason == [("No budget", 2), ("Bad data", 1)]


def test_it_measures_the_median_time_to_accept(sam, maria):
    now = timezone.now()
    for hours in (1, 2, 6):
        handoff = HandoffFactory(assigned_to=sam, assigned_at=now - timedelta(hours=hours))
        handoff_accept(handoff=handoff, actor=sam)

    overview = handoff_overview(user=maria)

    assert round(overview.median_time_to_accept.total_seconds() / 3600) == 2


def test_it_measures_speed_to_lead_from_form_submission_to_first_touch(sam, tess, oscar, maria):
    now = timezone.now()
    fast = HandoffFactory(
        assigned_to=sam, assigned_at=now - timedelta(hours=3), first_touch_at=now - timedelta(hours=2)
    )
    ActivityFactory(
        contact=fast.contact, kind=Kind.FORM_SUBMITTED, occurred_at=now - timedelta(hours=4), data={}
    )
    noted = HandoffFactory(assigned_to=tess, assigned_at=now - timedelta(hours=10))
    ActivityFactory(
        contact=noted.contact, kind=Kind.FORM_SUBMITTED, occurred_at=now - timedelta(hours=12), data={}
    )
    ActivityFactory(contact=noted.contact, kind=Kind.NOTE, actor=tess, occurred_at=now - timedelta(hours=8))
    no_form = HandoffFactory(assigned_to=oscar, first_touch_at=now)

    overview = handoff_overview(user=maria)

    people = {row.name: row.median for row in overview.speed_by_person}
    assert people == {"Sam Seller": timedelta(hours=2), "Tess Teammate": timedelta(hours=4)}
    assert [(row.name, row.leads, row.median) for row in overview.speed_by_team] == [
        ("North", 2, timedelta(hours=3))
    ]
    assert no_form


def test_it_shows_the_overview_to_marketing_in_constant_queries(sam, maria, django_assert_max_num_queries):
    for _ in range(20):
        handoff_reject(
            handoff=HandoffFactory(assigned_to=sam, state=HandoffState.PENDING), actor=sam, reason="not-a-fit"
        )
    client = client_for(maria)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("sales:overview"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not a fit" in html
    assert "Why leads were sent back" in html


def test_it_refuses_the_overview_to_sales(sam):
    assert client_for(sam).get(reverse("sales:overview")).status_code == 403


def test_it_ignores_an_odd_period(maria):
    response = client_for(maria).get(reverse("sales:overview"), {"days": "'; drop table"})

    assert response.status_code == 200
    assert "last 90 days" in response.content.decode()


def test_it_shows_why_leads_were_sent_back_with_hostile_comments_escaped(sam, maria):
    handoff_reject(
        handoff=HandoffFactory(assigned_to=sam),
        actor=sam,
        reason="bad-data",
        comment="<script>alert('x')</script>",
    )

    html = client_for(maria).get(reverse("sales:overview")).content.decode()

    assert "Recently sent back" in html
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_it_lists_recent_rejections_once_in_the_page_body_and_keeps_the_title_plain(sam, maria):
    handoff_reject(
        handoff=HandoffFactory(assigned_to=sam), actor=sam, reason="no-budget", comment="Frozen until May"
    )

    response = client_for(maria).get(reverse("sales:overview"))

    html = response.content.decode()
    assert "<title>Hand-off overview · Leadline</title>" in html
    assert html.count("Recently sent back") == 1
    assert html.index("Frozen until May") > html.index("<main")
