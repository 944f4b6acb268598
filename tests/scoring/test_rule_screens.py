from leadline.scoring.models import ScoringRule
from tests.conftest import client_for
from tests.scoring.factories import engagement_rule, fit_rule

LIST = "/settings/scoring/"
NEW = "/settings/scoring/rules/new/"
HOSTILE = '<script>alert("x")</script>'


def _fit_form(**fields):
    data = {
        "name": "Director",
        "category": "fit",
        "points": "15",
        "active": "on",
        "field": "job_title",
        "operator": "contains",
        "value": "director",
    }
    return {**data, **fields}


def test_it_lists_rules_by_category_for_everyone(sam):
    fit_rule(name="Decision maker")
    engagement_rule(name="Pricing visits", url_contains="/pricing", cap=30)

    response = client_for(sam).get(LIST)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Decision maker" in body and "visited /pricing" in body
    assert "New rule" not in body  # sales may look, not change


def test_it_shows_empty_states(maria):
    body = client_for(maria).get(LIST).content.decode()
    assert "No fit rules yet" in body and "No engagement rules yet" in body


def test_it_lists_rules_in_a_constant_number_of_queries(maria, django_assert_max_num_queries):
    for index in range(30):
        fit_rule(name=f"Rule {index}")
    client = client_for(maria)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.content.decode().count("Turn off") == 30


def test_it_adds_a_fit_rule(maria):
    response = client_for(maria).post(NEW, _fit_form())

    assert response.status_code == 302
    rule = ScoringRule.objects.get()
    assert (rule.field, rule.operator, rule.value, rule.points) == ("job_title", "contains", "director", 15)


def test_it_adds_an_engagement_rule(maria):
    response = client_for(maria).post(
        NEW,
        {
            "name": "Pricing",
            "category": "engagement",
            "points": "10",
            "activity_kind": "page.view",
            "url_contains": "/pricing",
            "cap": "30",
            "active": "on",
        },
    )

    assert response.status_code == 302
    assert ScoringRule.objects.get().cap == 30


def test_it_refuses_fields_outside_the_allow_list(maria):
    response = client_for(maria).post(NEW, _fit_form(field="owner__password"))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ScoringRule.objects.exists()


def test_it_refuses_an_operator_that_does_not_fit_the_field(maria):
    response = client_for(maria).post(NEW, _fit_form(field="company.employee_count", operator="contains"))

    assert response.status_code == 400
    assert "choose one of: gte, lte, between" in response.content.decode()


def test_it_refuses_a_non_numeric_size(maria):
    response = client_for(maria).post(
        NEW, _fit_form(field="company.employee_count", operator="gte", value="lots")
    )

    assert response.status_code == 400
    assert "Enter a whole number." in response.content.decode()


def test_it_refuses_wrong_types(maria):
    response = client_for(maria).post(NEW, _fit_form(points="ten"))
    assert response.status_code == 400
    assert not ScoringRule.objects.exists()


def test_it_shows_hostile_names_escaped(maria):
    fit_rule(name=HOSTILE, value=HOSTILE)

    body = client_for(maria).get(LIST).content.decode()

    assert HOSTILE not in body
    assert "&lt;script&gt;" in body


def test_it_edits_a_rule_and_keeps_it_on_bad_input(maria):
    rule = fit_rule(name="Director", points=15)
    client = client_for(maria)

    bad = client.post(f"/settings/scoring/rules/{rule.public_id}/", _fit_form(points="9999"))
    good = client.post(f"/settings/scoring/rules/{rule.public_id}/", _fit_form(points="20"))

    assert bad.status_code == 400
    assert good.status_code == 302
    rule.refresh_from_db()
    assert rule.points == 20


def test_it_turns_a_rule_off_and_on(maria):
    rule = fit_rule()
    client = client_for(maria)

    client.post(f"/settings/scoring/rules/{rule.public_id}/toggle/")
    rule.refresh_from_db()
    assert rule.active is False
    client.post(f"/settings/scoring/rules/{rule.public_id}/toggle/")
    rule.refresh_from_db()
    assert rule.active is True


def test_it_asks_before_deleting_and_then_deletes(maria):
    rule = fit_rule(name="Old rule")
    client = client_for(maria)

    page = client.get(LIST).content.decode()
    assert "Delete “Old rule”?" in page
    response = client.post(f"/settings/scoring/rules/{rule.public_id}/delete/")

    assert response.status_code == 302
    assert not ScoringRule.objects.exists()


def test_it_does_not_let_sales_change_rules(sam):
    rule = fit_rule()
    client = client_for(sam)

    assert client.post(NEW, _fit_form()).status_code == 403
    assert client.post(f"/settings/scoring/rules/{rule.public_id}/delete/").status_code == 403
    assert ScoringRule.objects.count() == 1


def test_it_rescores_everyone_after_a_rule_is_added(maria, django_capture_on_commit_callbacks):
    from leadline.contacts.models import Contact
    from tests.factories import ContactFactory

    contact = ContactFactory(job_title="Director of Sales")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(maria).post(NEW, _fit_form(points="15"))

    assert Contact.objects.get(pk=contact.pk).score == 15
