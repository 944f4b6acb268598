from django.urls import reverse

from leadline.sales.models import RoutingRule
from tests.conftest import client_for


def test_it_adds_a_rule_with_countries_by_code_or_name(alice, oscar):
    response = client_for(alice).post(
        reverse("sales:rule_create"),
        {"name": "DACH", "countries": "de, Austria, CH", "min_employee_count": "50", "assign_to": oscar.pk},
    )

    assert response.status_code == 302
    rule = RoutingRule.objects.get(name="DACH")
    assert rule.countries == ["AT", "CH", "DE"]
    assert (rule.min_employee_count, rule.assign_to) == (50, oscar)


def test_it_explains_an_unknown_country_or_a_rule_without_a_target(alice, oscar):
    client = client_for(alice)

    unknown = client.post(
        reverse("sales:rule_create"), {"name": "X", "countries": "Atlantis", "assign_to": oscar.pk}
    )
    no_target = client.post(reverse("sales:rule_create"), {"name": "Y", "countries": "DE"})

    assert unknown.status_code == 400 and "Unknown countries: Atlantis" in unknown.content.decode()
    assert no_target.status_code == 400 and "Say who receives" in no_target.content.decode()
    assert not RoutingRule.objects.exists()


def test_it_lists_and_deletes_rules_with_hostile_names_escaped(alice, oscar):
    rule = RoutingRule.objects.create(name="<img src=x onerror=alert(1)>", assign_to=oscar)
    client = client_for(alice)

    html = client.get(reverse("sales:settings")).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html

    client.post(reverse("sales:rule_delete", args=[rule.public_id]))
    assert not RoutingRule.objects.exists()


def test_it_keeps_rules_to_admins(maria, sam, oscar):
    rule = RoutingRule.objects.create(name="Keep", assign_to=oscar)

    for user in (maria, sam):
        assert client_for(user).post(reverse("sales:rule_delete", args=[rule.public_id])).status_code == 403
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
