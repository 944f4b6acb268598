import pytest

from leadline.contacts.models import Contact
from leadline.scoring.engine import scores_recompute
from tests.factories import CompanyFactory, ContactFactory
from tests.scoring.factories import fit_rule


def _score(contact):
    scores_recompute([contact.pk])
    return Contact.objects.get(pk=contact.pk).score


def test_it_matches_job_titles_whatever_the_case(db):
    fit_rule(points=15, value="Director")
    assert _score(ContactFactory(job_title="marketing DIRECTOR")) == 15
    assert _score(ContactFactory(job_title="Intern")) == 0


@pytest.mark.parametrize(("employees", "points"), [(49, 0), (50, 10), (1000, 10), (1001, 0), (None, 0)])
def test_it_scores_company_size_between_bounds(db, employees, points):
    fit_rule(points=10, field="company.employee_count", operator="between", value="50", value_to="1000")
    contact = ContactFactory(company=CompanyFactory(employee_count=employees))
    assert _score(contact) == points


def test_it_scores_nobody_without_a_company_on_company_rules(db):
    fit_rule(points=10, field="company.industry", operator="equals", value="Software")
    assert _score(ContactFactory(company=None)) == 0
    assert _score(ContactFactory(company=CompanyFactory(industry="software"))) == 10


def test_it_scores_countries_in_a_list(db):
    fit_rule(points=5, field="country", operator="in", value="GB, IE ,DE")
    assert _score(ContactFactory(country="IE")) == 5
    assert _score(ContactFactory(country="FR")) == 0


def test_it_scores_custom_properties(db):
    fit_rule(points=20, field="property", property_key="budget", operator="equals", value="Over 10k")
    assert _score(ContactFactory(properties={"budget": "over 10k"})) == 20
    assert _score(ContactFactory(properties={"budget": "Under 1k"})) == 0
    assert _score(ContactFactory(properties={})) == 0
