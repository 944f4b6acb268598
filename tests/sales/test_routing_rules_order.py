"""Editing routing rules and putting them in order from the settings screen."""

from __future__ import annotations

from django.urls import reverse

from leadline.contacts.models import LifecycleStage
from leadline.sales.handoff_routing import choose_salesperson
from leadline.sales.models import RoutingMode, RoutingRule, RoutingSettings
from tests.conftest import client_for
from tests.factories import ContactFactory

HOSTILE = "<img src=x onerror=alert(1)>"


def _rules(*names, **fields):
    return [
        RoutingRule.objects.create(name=name, position=index, **fields) for index, name in enumerate(names, 1)
    ]


def _order():
    return list(RoutingRule.objects.order_by("position", "id").values_list("name", flat=True))


def test_the_edit_page_starts_from_the_rule(alice, oscar):
    rule = RoutingRule.objects.create(
        name="DACH", countries=["AT", "DE"], min_employee_count=50, assign_to=oscar
    )

    body = client_for(alice).get(reverse("sales:rule_edit", args=[rule.public_id])).content.decode()

    assert "Edit “DACH”" in body
    assert 'value="AT, DE"' in body
    assert 'value="50"' in body
    assert f'<option value="{oscar.pk}" selected>' in body
    assert "Save rule" in body


def test_it_saves_an_edited_rule(alice, oscar, sam):
    rule = RoutingRule.objects.create(name="DACH", countries=["DE"], assign_to=oscar)

    response = client_for(alice).post(
        reverse("sales:rule_edit", args=[rule.public_id]),
        {
            "name": "Germany and Austria",
            "countries": "Germany, at",
            "min_employee_count": "",
            "assign_to": sam.pk,
        },
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.countries, rule.min_employee_count, rule.assign_to) == (
        "Germany and Austria",
        ["AT", "DE"],
        None,
        sam,
    )


def test_it_explains_a_bad_edit_and_keeps_the_rule(alice, oscar):
    rule = RoutingRule.objects.create(name="DACH", countries=["DE"], assign_to=oscar)
    client = client_for(alice)

    for bad in (
        {"name": "DACH", "countries": "Atlantis", "assign_to": oscar.pk},
        {"name": "DACH", "countries": "DE"},
        {"name": "", "assign_to": oscar.pk},
        {"name": "DACH", "min_employee_count": "-5", "assign_to": oscar.pk},
        {"name": "x" * 500, "assign_to": oscar.pk},
    ):
        response = client.post(reverse("sales:rule_edit", args=[rule.public_id]), bad)
        assert response.status_code == 400, bad

    rule.refresh_from_db()
    assert (rule.name, rule.countries) == ("DACH", ["DE"])


def test_it_moves_a_rule_up_and_down(alice):
    first, _second, third = _rules("First", "Second", "Third")
    client = client_for(alice)

    response = client.post(reverse("sales:rule_move", args=[third.public_id]), {"direction": "up"})
    assert _order() == ["First", "Third", "Second"]
    client.post(reverse("sales:rule_move", args=[first.public_id]), {"direction": "down"})
    assert _order() == ["Third", "First", "Second"]

    assert response.status_code == 302
    assert response["Location"] == f"/settings/handoff/?moved={third.public_id}&direction=up"


def test_moving_past_either_end_changes_nothing(alice):
    first, _second = _rules("First", "Second")
    client = client_for(alice)

    client.post(reverse("sales:rule_move", args=[first.public_id]), {"direction": "up"})

    assert _order() == ["First", "Second"]


def test_it_refuses_a_direction_that_is_not_up_or_down(alice):
    first, _second = _rules("First", "Second")

    response = client_for(alice).post(
        reverse("sales:rule_move", args=[first.public_id]), {"direction": "sideways"}, follow=True
    )

    assert "Move a rule up or down." in response.content.decode()
    assert _order() == ["First", "Second"]


def test_the_moved_rule_keeps_keyboard_focus(alice):
    _first, second = _rules("First", "Second")
    client = client_for(alice)

    response = client.post(
        reverse("sales:rule_move", args=[second.public_id]), {"direction": "up"}, follow=True
    )

    body = response.content.decode()
    assert body.count("autofocus") == 1
    focused = body[body.index("autofocus") - 400 : body.index("autofocus")]
    assert str(second.public_id) in focused


def test_the_settings_list_rules_in_order_with_their_controls(alice):
    _rules("First", HOSTILE, "Third")

    body = client_for(alice).get(reverse("sales:settings")).content.decode()

    assert body.index("First") < body.index("&lt;img src=x") < body.index("Third")
    assert HOSTILE not in body
    assert body.count("Move “") == 6  # up and down per rule, named for screen readers
    assert body.count(" disabled ") + body.count(" disabled>") >= 2  # first can't go up, last can't go down


def test_the_order_decides_who_gets_the_lead(alice, sam, oscar):
    germany = RoutingRule.objects.create(name="Germany", position=1, countries=["DE"], assign_to=sam)
    everyone = RoutingRule.objects.create(name="Everyone", position=2, assign_to=oscar)
    routing = RoutingSettings.load()
    routing.mode = RoutingMode.RULES
    routing.save()
    lead = ContactFactory(country="DE", lifecycle_stage=LifecycleStage.MQL)
    assert choose_salesperson(lead, routing).user == sam

    client_for(alice).post(reverse("sales:rule_move", args=[everyone.public_id]), {"direction": "up"})

    assert choose_salesperson(lead, routing).user == oscar
    germany.refresh_from_db()
    assert germany.position == 2


def test_only_admins_edit_or_move_rules(maria, sam, oscar):
    rule = RoutingRule.objects.create(name="Keep", assign_to=oscar)

    for user in (maria, sam):
        client = client_for(user)
        assert client.get(reverse("sales:rule_edit", args=[rule.public_id])).status_code == 403
        assert (
            client.post(
                reverse("sales:rule_edit", args=[rule.public_id]), {"name": "Mine", "assign_to": sam.pk}
            ).status_code
            == 403
        )
        assert (
            client.post(reverse("sales:rule_move", args=[rule.public_id]), {"direction": "up"}).status_code
            == 403
        )
    rule.refresh_from_db()
    assert rule.name == "Keep"


def test_an_unknown_rule_is_a_404(alice):
    client = client_for(alice)

    assert client.get("/settings/handoff/rules/not-a-uuid/").status_code == 404
    assert (
        client.post(
            "/settings/handoff/rules/00000000-0000-0000-0000-000000000000/move/", {"direction": "up"}
        ).status_code
        == 404
    )


def test_focus_stays_on_the_rule_when_it_reaches_the_top(alice):
    _first, second = _rules("First", "Second")

    response = client_for(alice).post(
        reverse("sales:rule_move", args=[second.public_id]), {"direction": "up"}, follow=True
    )

    body = response.content.decode()
    assert body.count("autofocus") == 1
    button = body[body.index("autofocus") - 400 : body.index("autofocus") + 200]
    assert "Move “Second” down" in button  # up is disabled at the top, so down takes the focus
