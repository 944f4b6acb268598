from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from leadline.contacts.models import LifecycleStage
from leadline.sales.models import HandoffState
from tests.conftest import client_for
from tests.sales.factories import HandoffFactory


def test_it_lists_my_waiting_hand_offs_most_urgent_first(sam, oscar):
    now = timezone.now()
    HandoffFactory(assigned_to=sam, contact__first_name="Later", sla_due_at=now + timedelta(hours=3))
    HandoffFactory(assigned_to=sam, contact__first_name="Sooner", sla_due_at=now + timedelta(hours=1))
    HandoffFactory(assigned_to=oscar, contact__first_name="Oscars")
    HandoffFactory(assigned_to=sam, contact__first_name="Done", state=HandoffState.ACCEPTED)

    response = client_for(sam).get(reverse("sales:queue"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Sooner") < html.index("Later")
    assert "Oscars" not in html and "Done" not in html


def test_it_highlights_overdue_hand_offs(sam):
    HandoffFactory(assigned_to=sam, sla_due_at=timezone.now() - timedelta(minutes=5))

    response = client_for(sam).get(reverse("sales:queue"))

    assert "handoff-overdue" in response.content.decode()
    assert "Overdue" in response.content.decode()


def test_it_shows_an_empty_state(sam):
    response = client_for(sam).get(reverse("sales:queue"))

    assert "Nothing waiting for you" in response.content.decode()


def test_it_lists_in_a_constant_number_of_queries(sam, django_assert_max_num_queries):
    for _ in range(30):
        HandoffFactory(assigned_to=sam)
    client = client_for(sam)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("sales:queue"))
    assert response.content.decode().count("Reject…") == 30


def test_it_escapes_hostile_names(sam):
    HandoffFactory(assigned_to=sam, contact__first_name="<script>alert(1)</script>")

    html = client_for(sam).get(reverse("sales:queue")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_accepts_from_the_queue(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = client_for(sam).post(reverse("sales:accept", args=[handoff.public_id]))

    assert response.status_code == 302
    handoff.contact.refresh_from_db()
    assert handoff.contact.lifecycle_stage == LifecycleStage.SQL


def test_it_rejects_with_a_reason_from_the_dialog(sam):
    handoff = HandoffFactory(assigned_to=sam)

    response = client_for(sam).post(
        reverse("sales:reject", args=[handoff.public_id]), {"reason": "bad-data", "comment": "Fake name"}
    )

    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.REJECTED
    assert handoff.rejection_reason.key == "bad-data"


def test_it_explains_a_missing_or_unknown_reason(sam):
    handoff = HandoffFactory(assigned_to=sam)

    for reason in ("", "not-a-reason"):
        response = client_for(sam).post(reverse("sales:reject", args=[handoff.public_id]), {"reason": reason})
        assert response.status_code == 400
        assert "reason" in response.content.decode().lower()

    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PENDING


def test_it_stops_oscar_deciding_on_sams_lead(sam, oscar, maria):
    handoff = HandoffFactory(assigned_to=sam)

    assert client_for(oscar).post(reverse("sales:accept", args=[handoff.public_id])).status_code == 404
    assert (
        client_for(oscar)
        .post(reverse("sales:reject", args=[handoff.public_id]), {"reason": "not-a-fit"})
        .status_code
        == 404
    )
    assert client_for(maria).post(reverse("sales:accept", args=[handoff.public_id])).status_code == 403

    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PENDING


def test_it_answers_404_for_a_malformed_id(sam):
    assert client_for(sam).post(reverse("sales:accept", args=["not-a-uuid"])).status_code == 404
