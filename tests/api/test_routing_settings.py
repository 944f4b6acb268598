"""The routing settings, rules and rejection reasons through the API: admins change them."""

from __future__ import annotations

import pytest

from leadline.accounts.models import Scope
from leadline.sales.models import RejectionReason, RoutingMode, RoutingRule, RoutingSettings
from tests.api.client import api_as, error_of
from tests.factories import TeamFactory

HOSTILE = "<img src=x onerror=alert(1)>"
ADMIN = [Scope.CONTACTS_READ, Scope.SETTINGS_WRITE]


@pytest.fixture
def admin_api(alice):
    return api_as(alice, ADMIN)


def _fields(response):
    """The top-level names of the fields an error is about ("rules.0" is about "rules")."""
    assert response.status_code == 400, response.content
    return {name.split(".")[0]: messages for name, messages in error_of(response)["fields"].items()}


# --- Settings ----------------------------------------------------------------------------------


def test_it_reads_the_settings(admin_api, sam):
    routing = RoutingSettings.load()
    routing.escalate_to = sam
    routing.save()

    body = admin_api.get("/routing/settings").json()

    assert body["mode"] == "round_robin"
    assert (body["sla_working_hours"], body["reminder_working_hours"]) == (4, 1)
    assert (body["working_day_start"], body["working_day_end"], body["working_weekdays"]) == (
        9,
        17,
        [0, 1, 2, 3, 4],
    )
    assert body["time_zone"] == "UTC"
    assert body["escalate_to"]["id"] == str(sam.public_id)


def test_it_changes_only_the_fields_given(admin_api, sam):
    response = admin_api.patch(
        "/routing/settings",
        {
            "mode": "rules",
            "sla_working_hours": 8,
            "working_weekdays": [4, 0, 0, 2],
            "time_zone": "Europe/Berlin",
            "escalate_to": str(sam.public_id),
        },
    )

    assert response.status_code == 200, response.content
    routing = RoutingSettings.load()
    assert routing.mode == RoutingMode.RULES
    assert routing.sla_working_hours == 8
    assert routing.working_weekdays == [0, 2, 4]
    assert routing.time_zone == "Europe/Berlin"
    assert routing.escalate_to == sam
    assert routing.recycle_after_days == 90  # untouched
    assert response.json()["escalate_to"]["id"] == str(sam.public_id)


def test_null_clears_whom_to_escalate_to(admin_api, sam):
    routing = RoutingSettings.load()
    routing.escalate_to = sam
    routing.save()

    admin_api.patch("/routing/settings", {"escalate_to": None})

    assert RoutingSettings.load().escalate_to is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mode": "<script>"}, "mode"),
        ({"sla_working_hours": 0}, "sla_working_hours"),
        ({"sla_working_hours": "eight"}, "sla_working_hours"),
        ({"sla_working_hours": True}, "sla_working_hours"),
        ({"reminder_working_hours": 4}, "reminder_working_hours"),
        ({"working_day_start": 17, "working_day_end": 9}, "working_day_end"),
        ({"working_day_end": 25}, "working_day_end"),
        ({"working_weekdays": []}, "working_weekdays"),
        ({"working_weekdays": [7]}, "working_weekdays"),
        ({"working_weekdays": ["monday"]}, "working_weekdays"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "x" * 1000}, "time_zone"),
        ({"recycle_after_days": 100_000}, "recycle_after_days"),
        ({"escalate_to": "not-an-id"}, "escalate_to"),
        ({"escalate_to": "00000000-0000-0000-0000-000000000000"}, "escalate_to"),
        ({"user__password": "x"}, "user__password"),
    ],
)
def test_it_names_the_bad_setting_and_keeps_the_old_ones(admin_api, change, field):
    assert field in _fields(admin_api.patch("/routing/settings", change))
    routing = RoutingSettings.load()
    assert (routing.mode, routing.sla_working_hours, routing.time_zone) == ("round_robin", 4, "UTC")


def test_malformed_json_is_a_400(admin_api):
    response = admin_api.request("PATCH", "/routing/settings", raw="{not json")

    assert response.status_code == 400


def test_only_admins_see_or_change_the_settings(maria, sam):
    for user in (maria, sam):
        client = api_as(user)
        assert client.get("/routing/settings").status_code == 403
        assert client.patch("/routing/settings", {"sla_working_hours": 1}).status_code == 403
    assert RoutingSettings.load().sla_working_hours == 4


# --- Rules -------------------------------------------------------------------------------------


def test_it_creates_lists_changes_and_deletes_rules(admin_api, oscar):
    team = TeamFactory(name="South")
    created = admin_api.post(
        "/routing/rules",
        {
            "name": "DACH",
            "countries": ["de", "Austria"],
            "min_employee_count": 50,
            "assign_to": str(oscar.public_id),
        },
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["countries"] == ["AT", "DE"]
    assert created.json()["assign_to"]["id"] == str(oscar.public_id)

    changed = admin_api.patch(
        f"/routing/rules/{rule_id}",
        {"assign_to": None, "assign_to_team": str(team.public_id), "countries": []},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["assign_to"] is None
    assert changed.json()["assign_to_team"] == {"id": str(team.public_id), "name": "South"}
    assert changed.json()["countries"] == []

    listed = admin_api.get("/routing/rules").json()
    assert [item["name"] for item in listed["items"]] == ["DACH"]

    assert admin_api.delete(f"/routing/rules/{rule_id}").status_code == 204
    assert not RoutingRule.objects.exists()


def test_new_rules_are_checked_last(admin_api):
    RoutingRule.objects.create(name="Existing", position=5, use_company_owner=True)

    created = admin_api.post("/routing/rules", {"name": "Later", "use_company_owner": True}).json()

    assert created["position"] == 6


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"name": "No target"}, "assign_to"),
        ({"name": "", "use_company_owner": True}, "name"),
        ({"name": "X", "countries": ["Atlantis"], "use_company_owner": True}, "countries"),
        ({"name": "X", "countries": "DE", "use_company_owner": True}, "countries"),
        ({"name": "X", "min_employee_count": -1, "use_company_owner": True}, "min_employee_count"),
        ({"name": "X", "assign_to": "00000000-0000-0000-0000-000000000000"}, "assign_to"),
        ({"name": "X", "assign_to_team": "not-a-team"}, "assign_to_team"),
        ({"name": "X", "use_company_owner": "yes please"}, "use_company_owner"),
        ({"name": "x" * 300, "use_company_owner": True}, "name"),
        ({"name": "X", "use_company_owner": True, "position": 1}, "position"),
    ],
)
def test_it_names_the_bad_part_of_a_rule(admin_api, rule, field):
    assert field in _fields(admin_api.post("/routing/rules", rule))
    assert not RoutingRule.objects.exists()


def test_it_refuses_a_marketer_as_the_assignee(admin_api, maria):
    fields = _fields(admin_api.post("/routing/rules", {"name": "X", "assign_to": str(maria.public_id)}))

    assert fields["assign_to"] == ["Choose an active salesperson."]


def test_it_stores_hostile_names_as_text(admin_api):
    created = admin_api.post("/routing/rules", {"name": HOSTILE, "use_company_owner": True})

    assert created.json()["name"] == HOSTILE


def test_it_reorders_rules(admin_api):
    first, _second, third = (
        RoutingRule.objects.create(name=name, position=index, use_company_owner=True)
        for index, name in enumerate(["First", "Second", "Third"], 1)
    )

    response = admin_api.post(
        "/routing/rules/reorder", {"rules": [str(third.public_id), str(first.public_id)]}
    )

    assert response.status_code == 200, response.content
    assert [item["name"] for item in response.json()] == ["Third", "First", "Second"]
    assert [item["position"] for item in response.json()] == [1, 2, 3]


@pytest.mark.parametrize("bad", [["not-an-id"], ["00000000-0000-0000-0000-000000000000"], "First", [1]])
def test_it_refuses_a_bad_order_and_keeps_the_old_one(admin_api, bad):
    RoutingRule.objects.create(name="First", position=1, use_company_owner=True)
    RoutingRule.objects.create(name="Second", position=2, use_company_owner=True)

    response = admin_api.post("/routing/rules/reorder", {"rules": bad})

    assert "rules" in _fields(response)
    assert list(RoutingRule.objects.order_by("position").values_list("name", flat=True)) == [
        "First",
        "Second",
    ]


def test_it_refuses_a_rule_listed_twice(admin_api):
    rule = RoutingRule.objects.create(name="Once", use_company_owner=True)

    fields = _fields(admin_api.post("/routing/rules/reorder", {"rules": [str(rule.public_id)] * 2}))

    assert fields["rules"] == ["The rule “Once” is listed twice."]


def test_only_admins_touch_rules(maria, sam):
    rule = RoutingRule.objects.create(name="Keep", use_company_owner=True)

    for user in (maria, sam):
        client = api_as(user)
        assert client.get("/routing/rules").status_code == 403
        assert client.post("/routing/rules", {"name": "Mine", "use_company_owner": True}).status_code == 403
        assert client.patch(f"/routing/rules/{rule.public_id}", {"name": "Mine"}).status_code == 403
        assert client.delete(f"/routing/rules/{rule.public_id}").status_code == 403
        assert client.post("/routing/rules/reorder", {"rules": []}).status_code == 403
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["Keep"]


def test_an_unknown_rule_is_a_404(admin_api):
    assert (
        admin_api.patch("/routing/rules/00000000-0000-0000-0000-000000000000", {"name": "X"}).status_code
        == 404
    )
    assert admin_api.delete("/routing/rules/nope").status_code == 404


# --- Rejection reasons -------------------------------------------------------------------------


def test_everyone_may_list_the_reasons_to_reject_with(sam):
    RejectionReason.objects.filter(key="not-a-fit").update(is_active=False)

    body = api_as(sam, [Scope.CONTACTS_READ]).get("/routing/rejection-reasons").json()

    by_key = {item["key"]: item for item in body["items"]}
    assert by_key["not-a-fit"]["active"] is False
    assert all(set(item) == {"id", "key", "label", "position", "active"} for item in body["items"])


def test_admins_add_rename_hide_and_offer_reasons(admin_api):
    created = admin_api.post("/routing/rejection-reasons", {"label": "Student project"})
    assert created.status_code == 201, created.content
    assert created.json()["key"] == "student-project"
    reason_id = created.json()["id"]

    hidden = admin_api.patch(f"/routing/rejection-reasons/{reason_id}", {"active": False}).json()
    renamed = admin_api.patch(
        f"/routing/rejection-reasons/{reason_id}", {"label": "Student", "active": True}
    ).json()

    assert hidden["active"] is False
    assert (renamed["label"], renamed["key"], renamed["active"]) == ("Student", "student-project", True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": "x" * 81}, "label"),
        ({"label": "No budget"}, "label"),
        ({}, "label"),
    ],
)
def test_it_names_the_bad_part_of_a_new_reason(admin_api, body, field):
    before = RejectionReason.objects.count()

    assert field in _fields(admin_api.post("/routing/rejection-reasons", body))
    assert RejectionReason.objects.count() == before


@pytest.mark.parametrize(
    ("body", "field"), [({"active": "no"}, "active"), ({"label": "  "}, "label"), ({"key": "x"}, "key")]
)
def test_it_names_the_bad_part_of_a_reason_change(admin_api, body, field):
    reason = RejectionReason.objects.get(key="not-a-fit")

    assert field in _fields(admin_api.patch(f"/routing/rejection-reasons/{reason.public_id}", body))
    reason.refresh_from_db()
    assert reason.is_active is True


def test_only_admins_change_reasons(maria, sam):
    reason = RejectionReason.objects.get(key="not-a-fit")

    for user in (maria, sam):
        client = api_as(user)
        assert client.post("/routing/rejection-reasons", {"label": "Spam"}).status_code == 403
        assert (
            client.patch(f"/routing/rejection-reasons/{reason.public_id}", {"active": False}).status_code
            == 403
        )
    reason.refresh_from_db()
    assert reason.is_active is True
    assert not RejectionReason.objects.filter(label="Spam").exists()
