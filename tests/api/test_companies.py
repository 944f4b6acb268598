"""Company routes: shared reference data, edited by admins, marketing and their sales owners."""

from __future__ import annotations

import pytest

from leadline.contacts.models import Company
from tests.api.client import api_as, error_of
from tests.factories import CompanyFactory, ContactFactory


def test_it_creates_a_company(sam):
    response = api_as(sam).post(
        "/companies",
        {
            "name": "Initech",
            "domain": "https://www.initech.example/about",
            "employee_count": 120,
            "owner": "me",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["domain"] == "initech.example"
    assert body["owner"]["id"] == str(sam.public_id)
    assert Company.objects.get(public_id=body["id"]).employee_count == 120


def test_it_refuses_a_second_company_with_the_same_domain(alice):
    CompanyFactory(domain="initech.example")

    response = api_as(alice).post("/companies", {"name": "Initech again", "domain": "initech.example"})

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["domain"]


def test_it_refuses_a_company_without_a_name(alice):
    response = api_as(alice).post("/companies", {"domain": "x.example"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["name"]


def test_it_lets_everyone_read_every_company(oscar, sam):
    company = CompanyFactory(owner=oscar)

    response = api_as(sam).get(f"/companies/{company.public_id}")

    assert response.status_code == 200
    assert response.json()["name"] == company.name


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_it_forbids_sam_to_change_a_company_oscar_owns(method, sam, oscar):
    company = CompanyFactory(owner=oscar, industry="Retail")

    response = api_as(sam).request(method, f"/companies/{company.public_id}", {"industry": "Mining"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    company.refresh_from_db()
    assert company.industry == "Retail"


@pytest.mark.parametrize("persona", ["alice", "maria", "sam"])
def test_it_lets_permitted_people_change_a_company(persona, personas):
    company = CompanyFactory(owner=personas["sam"])

    response = api_as(personas[persona]).patch(f"/companies/{company.public_id}", {"industry": "Software"})

    assert response.status_code == 200
    company.refresh_from_db()
    assert company.industry == "Software"


def test_it_deletes_a_company_and_keeps_its_contacts(alice):
    company = CompanyFactory()
    contact = ContactFactory(company=company)

    response = api_as(alice).delete(f"/companies/{company.public_id}")

    assert response.status_code == 204
    contact.refresh_from_db()
    assert contact.company is None


def test_it_searches_companies(alice):
    initech = CompanyFactory(name="Initech", domain="initech.example")
    CompanyFactory(name="Globex", domain="globex.example")

    items = api_as(alice).get("/companies", q="inite").json()["items"]

    assert [item["id"] for item in items] == [str(initech.public_id)]


def test_it_answers_404_for_a_missing_company(alice):
    response = api_as(alice).patch("/companies/0b6f4c1e-8d8e-4f37-9d61-2a3bb0b8e5f1", {"name": "X"})
    assert response.status_code == 404


def test_it_lists_companies_in_a_constant_number_of_queries(sam, django_assert_max_num_queries):
    for _ in range(20):
        ContactFactory(company=CompanyFactory(owner=sam))
    api = api_as(sam)
    api.get("/companies", limit=1)

    with django_assert_max_num_queries(3):
        response = api.get("/companies", limit=200)

    assert len(response.json()["items"]) == 20
