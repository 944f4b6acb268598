"""Company screens: list with contact counts, the company page, create, edit and delete."""

from __future__ import annotations

import pytest

from leadline.activity.models import Kind
from leadline.contacts.models import Company, Contact
from tests.conftest import client_for
from tests.contacts.screen_helpers import ESCAPED, HOSTILE, contact_owned_by
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, CustomPropertyFactory

LIST = "/contacts/companies/"
CREATE = "/contacts/companies/new/"


def page_url(company) -> str:
    return f"/contacts/companies/{company.public_id}/"


def names(response) -> list[str]:
    return [company.name for company in response.context["page"].object_list]


@pytest.mark.parametrize("persona", ["alice", "maria", "sam", "oscar"])
def test_every_role_sees_the_company_list_and_pages(persona, personas):
    company = CompanyFactory()
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == 200
    assert client.get(page_url(company)).status_code == 200
    assert client.get(CREATE).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    company = CompanyFactory()
    for url in (LIST, CREATE, page_url(company), f"{page_url(company)}edit/"):
        assert client.get(url).status_code == 302


def test_it_counts_only_the_contacts_the_user_may_see(sam, oscar):
    company = CompanyFactory(name="Acme")
    contact_owned_by(sam, company=company)
    contact_owned_by(None, company=company)
    contact_owned_by(oscar, company=company)
    sam_view = client_for(sam).get(LIST).context["page"].object_list[0]
    oscar_view = client_for(oscar).get(LIST).context["page"].object_list[0]
    assert sam_view.contact_count == 2
    assert oscar_view.contact_count == 2


def test_it_searches_and_sorts(alice):
    CompanyFactory(name="Beta Labs", domain="beta.test")
    CompanyFactory(name="Alpha Works", domain="alpha.test", industry="Robotics")
    big = CompanyFactory(name="Gamma", domain="gamma.test")
    ContactFactory.create_batch(3, company=big)
    client = client_for(alice)
    assert names(client.get(LIST)) == ["Alpha Works", "Beta Labs", "Gamma"]
    assert names(client.get(LIST, {"sort": "-name"})) == ["Gamma", "Beta Labs", "Alpha Works"]
    assert names(client.get(LIST, {"sort": "-contacts"}))[0] == "Gamma"
    assert names(client.get(LIST, {"q": "robot"})) == ["Alpha Works"]
    assert names(client.get(LIST, {"q": "BETA.T"})) == ["Beta Labs"]
    assert client.get(LIST, {"sort": "owner__password"}).context["sort"] == "name"


@pytest.mark.parametrize("page_size", [25, 200])
def test_the_list_uses_a_constant_number_of_queries(alice, sam, django_assert_max_num_queries, page_size):
    for index in range(page_size):
        company = CompanyFactory(owner=sam if index % 2 else None)
        ContactFactory(company=company)
    client = client_for(sam)
    client.get(LIST)
    with django_assert_max_num_queries(4):
        response = client.get(LIST, {"per_page": page_size})
    assert len(response.context["page"].object_list) == page_size


def test_it_shows_an_empty_state(alice):
    assert "No companies yet" in client_for(alice).get(LIST).content.decode()


def test_the_company_page_shows_its_contacts_and_their_activity(sam, oscar):
    company = CompanyFactory(name="Acme", domain="acme.test")
    visible = contact_owned_by(sam, company=company, first_name="Vera", last_name="Visible")
    hidden = contact_owned_by(oscar, company=company, first_name="Hank", last_name="Hidden")
    ActivityFactory(contact=visible, company=company, data={"body": "Visible note"})
    ActivityFactory(contact=hidden, company=company, data={"body": "Hidden note"})
    body = client_for(sam).get(page_url(company)).content.decode()
    assert "Vera Visible" in body and "Visible note" in body
    assert "Hank Hidden" not in body and "Hidden note" not in body


def test_it_creates_a_company_with_properties(alice):
    CustomPropertyFactory(
        object_type="company", key="tier", label="Tier", type="choice", choices=["Gold", "Silver"]
    )
    response = client_for(alice).post(
        CREATE,
        {
            "name": "Acme",
            "domain": "https://www.Acme.test/about",
            "employee_count": "40",
            "country": "gb",
            "prop_tier": "Gold",
        },
    )
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(company)
    assert company.domain == "acme.test"
    assert company.country == "GB"
    assert company.properties == {"tier": "Gold"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required"),
        ({"name": "A", "domain": "not a domain"}, "domain", "is not a domain"),
        ({"name": "A", "employee_count": "many"}, "employee_count", "Enter a whole number"),
        ({"name": "A", "employee_count": "-3"}, "employee_count", "greater than or equal to 0"),
        ({"name": "x" * 300}, "name", "at most 255 characters"),
        ({"name": "A", "domain": "taken.test"}, "domain", "already has this domain"),
    ],
)
def test_it_shows_validation_errors_on_the_form(alice, data, field, message):
    CompanyFactory(name="Taken", domain="taken.test")
    response = client_for(alice).post(CREATE, data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Company.objects.count() == 1


def test_it_edits_a_company(alice):
    company = CompanyFactory(name="Old name")
    response = client_for(alice).post(
        f"{page_url(company)}edit/", {"name": "New name", "domain": company.domain}
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "New name"


def test_sales_may_edit_unowned_and_own_companies_but_not_others(sam, oscar):
    unowned = CompanyFactory()
    oscars = CompanyFactory(owner=oscar, name="Oscar Co")
    client = client_for(sam)
    assert client.get(f"{page_url(unowned)}edit/").status_code == 200
    assert client.get(f"{page_url(oscars)}edit/").status_code == 404
    assert client.post(f"{page_url(oscars)}edit/", {"name": "Stolen"}).status_code == 404
    assert client.post(f"{page_url(oscars)}delete/").status_code == 404
    oscars.refresh_from_db()
    assert oscars.name == "Oscar Co"


def test_deleting_a_company_keeps_its_contacts(alice):
    company = CompanyFactory(name="Gone Inc")
    contact = ContactFactory(company=company)
    response = client_for(alice).post(f"{page_url(company)}delete/", follow=True)
    assert "Gone Inc was deleted" in response.content.decode()
    assert not Company.objects.exists()
    contact.refresh_from_db()
    assert contact.company is None
    assert Contact.objects.count() == 1


def test_company_pages_escape_hostile_values(alice):
    company = CompanyFactory(name=HOSTILE, industry=HOSTILE)
    for url in (LIST, page_url(company), f"{page_url(company)}edit/"):
        body = client_for(alice).get(url).content.decode()
        assert HOSTILE not in body
        assert ESCAPED in body


def test_the_company_timeline_loads_more_with_htmx(alice):
    company = CompanyFactory()
    contact = ContactFactory(company=company)
    for _ in range(30):
        ActivityFactory(contact=contact, company=company, kind=Kind.NOTE)
    first = client_for(alice).get(f"/contacts/companies/{company.public_id}/timeline/")
    assert first.status_code == 200
    assert len(first.context["items"]) == 25
    cursor = first.context["page"].next_cursor
    second = client_for(alice).get(f"/contacts/companies/{company.public_id}/timeline/", {"before": cursor})
    assert len(second.context["items"]) == 5
