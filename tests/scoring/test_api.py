from leadline.accounts.models import Scope
from leadline.scoring.engine import scores_recompute
from leadline.scoring.models import ScoringRule
from tests.api.client import api_as, error_of
from tests.factories import ContactFactory
from tests.scoring.factories import engagement_rule, event, fit_rule

WRITE = [Scope.SETTINGS_WRITE, Scope.CONTACTS_READ]
PRICING = {
    "name": "Pricing",
    "category": "engagement",
    "points": 10,
    "activity_kind": "page.view",
    "url_contains": "/pricing",
    "cap": 30,
}


def test_it_returns_a_contacts_score_and_reasons(sam):
    engagement_rule(name="Pricing", points=10, url_contains="/pricing")
    contact = ContactFactory(owner=sam)
    event(contact, url="/pricing")
    scores_recompute([contact.pk])

    response = api_as(sam, [Scope.CONTACTS_READ]).get(f"/contacts/{contact.public_id}/score")

    body = response.json()
    assert response.status_code == 200
    assert (body["total"], body["fit"], body["engagement"]) == (10, 0, 10)
    assert body["explanation"] == [
        {"rule": "Pricing", "category": "engagement", "points": 10, "reason": "visited /pricing"}
    ]


def test_it_hides_other_peoples_contacts(sam, oscar):
    contact = ContactFactory(owner=oscar)
    response = api_as(sam, [Scope.CONTACTS_READ]).get(f"/contacts/{contact.public_id}/score")
    assert response.status_code == 404


def test_it_creates_updates_and_deletes_rules(maria):
    client = api_as(maria, WRITE)

    created = client.post("/scoring/rules", PRICING)
    rule_id = created.json()["id"]
    patched = client.request("PATCH", f"/scoring/rules/{rule_id}", {"points": 12, "active": False})
    listed = client.get("/scoring/rules")
    deleted = client.request("DELETE", f"/scoring/rules/{rule_id}")

    assert created.status_code == 201
    assert patched.json()["points"] == 12 and patched.json()["active"] is False
    assert [item["name"] for item in listed.json()["items"]] == ["Pricing"]
    assert deleted.status_code == 204
    assert not ScoringRule.objects.exists()


def test_it_refuses_unknown_keys(maria):
    response = api_as(maria, WRITE).post("/scoring/rules", {**PRICING, "user__password": "x"})
    assert response.status_code == 400
    assert "user__password" in error_of(response)["fields"]


def test_it_refuses_wrong_types(maria):
    response = api_as(maria, WRITE).post("/scoring/rules", {**PRICING, "points": "many", "cap": [1]})
    assert response.status_code == 400
    assert {"points", "cap"} <= set(error_of(response)["fields"])


def test_it_refuses_fields_and_operators_outside_the_allow_list(maria):
    client = api_as(maria, WRITE)
    bad_field = client.post(
        "/scoring/rules",
        {
            "name": "x",
            "category": "fit",
            "points": 1,
            "field": "owner__email",
            "operator": "equals",
            "value": "a",
        },
    )
    bad_operator = client.post(
        "/scoring/rules",
        {"name": "x", "category": "fit", "points": 1, "field": "country", "operator": "regex", "value": "a"},
    )
    bad_kind = client.post("/scoring/rules", {**PRICING, "activity_kind": "note"})

    assert bad_field.status_code == bad_operator.status_code == bad_kind.status_code == 400
    assert "field" in error_of(bad_field)["fields"]
    assert "operator" in error_of(bad_operator)["fields"]
    assert "activity_kind" in error_of(bad_kind)["fields"]
    assert not ScoringRule.objects.exists()


def test_it_keeps_a_rule_when_a_change_is_refused(maria):
    rule = fit_rule(name="Director", points=15)
    response = api_as(maria, WRITE).request(
        "PATCH", f"/scoring/rules/{rule.public_id}", {"operator": "between"}
    )
    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.operator == "contains"


def test_it_refuses_rule_changes_to_sales(sam):
    rule = fit_rule()
    # Sales cannot even hold the settings:write scope.
    client = api_as(sam, [Scope.CONTACTS_READ, Scope.CONTACTS_WRITE])
    assert client.post("/scoring/rules", PRICING).status_code == 403
    assert client.request("DELETE", f"/scoring/rules/{rule.public_id}").status_code == 403
    assert ScoringRule.objects.count() == 1
