from django.urls import reverse

from leadline.sales.models import RejectionReason, RoutingMode, RoutingSettings
from tests.conftest import client_for


def _valid(**overrides):
    data = {
        "mode": "rules",
        "sla_working_hours": "8",
        "reminder_working_hours": "2",
        "working_day_start": "8",
        "working_day_end": "18",
        "working_weekdays": ["0", "1", "2", "3"],
        "time_zone": "Europe/Berlin",
        "recycle_after_days": "60",
        "escalate_to": "",
    }
    data.update(overrides)
    return data


def test_it_saves_the_routing_settings(alice):
    response = client_for(alice).post(reverse("sales:settings"), _valid())

    assert response.status_code == 302
    routing = RoutingSettings.load()
    assert routing.mode == RoutingMode.RULES
    assert (routing.sla_working_hours, routing.working_day_start, routing.working_day_end) == (8, 8, 18)
    assert routing.working_weekdays == [0, 1, 2, 3]
    assert routing.time_zone == "Europe/Berlin"
    assert routing.recycle_after_days == 60


def test_it_explains_bad_settings_and_keeps_the_old_ones(alice):
    for bad in (
        {"working_day_start": "17", "working_day_end": "9"},
        {"time_zone": "Mars/Olympus"},
        {"sla_working_hours": "0"},
        {"reminder_working_hours": "9"},
        {"working_weekdays": []},
        {"mode": "<script>"},
    ):
        response = client_for(alice).post(reverse("sales:settings"), _valid(**bad))
        assert response.status_code == 400, bad
        assert "Please check the highlighted settings" in response.content.decode()

    assert RoutingSettings.load().sla_working_hours == 4


def test_it_lets_admins_add_and_hide_reasons(alice):
    client = client_for(alice)

    client.post(reverse("sales:reason_create"), {"label": "Student <b>project</b>"})
    reason = RejectionReason.objects.get(label="Student <b>project</b>")
    client.post(reverse("sales:reason_toggle", args=[reason.public_id]))

    reason.refresh_from_db()
    assert reason.is_active is False
    html = client.get(reverse("sales:settings")).content.decode()
    assert "Student &lt;b&gt;project&lt;/b&gt;" in html


def test_it_refuses_a_duplicate_reason(alice):
    client_for(alice).post(reverse("sales:reason_create"), {"label": "No budget"})

    assert RejectionReason.objects.filter(label="No budget").count() == 1


def test_it_keeps_the_settings_to_admins(maria, sam):
    for user in (maria, sam):
        assert client_for(user).get(reverse("sales:settings")).status_code == 403
        assert client_for(user).post(reverse("sales:reason_create"), {"label": "Spam"}).status_code == 403
    assert not RejectionReason.objects.filter(label="Spam").exists()
