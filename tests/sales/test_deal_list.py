"""The deal list: filters, search, sorting, pagination, and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from leadline.sales.models import DealStatus
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, PipelineFactory, stage_named


def names(response):
    return [deal.name for deal in response.context["page"].object_list]


def test_it_lists_open_deals_newest_first(alice):
    DealFactory(name="Older")
    DealFactory(name="Newer")
    DealFactory(name="Closed", stage=stage_named("Lost"), status=DealStatus.LOST)

    response = client_for(alice).get("/deals/list/")

    assert response.status_code == 200
    assert names(response) == ["Newer", "Older"]


def test_it_searches_by_name_and_filters(alice, sam):
    DealFactory(name="Acme renewal", owner=sam, expected_close_date=date(2027, 5, 3))
    DealFactory(name="Acme upsell", owner=None, expected_close_date=date(2027, 5, 9))
    DealFactory(name="Globex", owner=sam)
    other = PipelineFactory()
    DealFactory(name="Acme partner", pipeline=other, stage=other.stages.get(name="Demo"))
    client = client_for(alice)

    assert set(names(client.get("/deals/list/", {"q": "acme"}))) == {
        "Acme renewal",
        "Acme upsell",
        "Acme partner",
    }
    assert names(client.get("/deals/list/", {"q": "acme", "owner": str(sam.public_id)})) == ["Acme renewal"]
    assert names(client.get("/deals/list/", {"owner": "unassigned", "pipeline": str(other.public_id)})) == [
        "Acme partner"
    ]
    assert set(names(client.get("/deals/list/", {"month": "2027-05"}))) == {"Acme renewal", "Acme upsell"}
    assert names(client.get("/deals/list/", {"stage": str(other.stages.get(name="Demo").public_id)})) == [
        "Acme partner"
    ]


def test_it_sorts_by_a_column(alice):
    DealFactory(name="Small", amount=Decimal("10"))
    DealFactory(name="Big", amount=Decimal("5000"))
    DealFactory(name="Medium", amount=Decimal("300"))
    client = client_for(alice)

    assert names(client.get("/deals/list/", {"sort": "amount"})) == ["Small", "Medium", "Big"]
    assert names(client.get("/deals/list/", {"sort": "-amount"})) == ["Big", "Medium", "Small"]
    assert names(client.get("/deals/list/", {"sort": "name"})) == ["Big", "Medium", "Small"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password"},
        {"page": "x"},
        {"status": "<script>"},
        {"pipeline": "1 OR 1=1"},
        {"month": "20-1"},
    ],
)
def test_it_ignores_nonsense_in_the_query_string(alice, params):
    DealFactory(name="Still here")

    response = client_for(alice).get("/deals/list/", params)

    assert response.status_code == 200
    assert names(response) == ["Still here"]


def test_it_pages_through_long_lists(alice):
    for number in range(30):
        DealFactory(name=f"Deal {number:02d}")

    response = client_for(alice).get("/deals/list/", {"per_page": 25, "page": 2, "sort": "name"})

    assert names(response) == [f"Deal {number:02d}" for number in range(25, 30)]
    assert "Page 2 of 2" in response.content.decode()


@pytest.mark.parametrize("deals", [5, 50])
def test_the_list_needs_the_same_queries_for_5_or_50_deals(sam, tess, deals, django_assert_max_num_queries):
    for number in range(deals):
        DealFactory(owner=tess if number % 2 else None, company=None)
    client = client_for(sam)

    with django_assert_max_num_queries(9):
        response = client.get("/deals/list/")

    assert len(response.context["page"].object_list) == deals


def test_it_shows_an_empty_state(alice):
    assert "No open deals yet" in client_for(alice).get("/deals/list/").content.decode()
    assert "No deals match" in client_for(alice).get("/deals/list/", {"q": "zzz"}).content.decode()


def rows(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))


def test_it_exports_the_filtered_deals_as_csv(alice, sam):
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    DealFactory(name="Engines", contact=contact, owner=sam, amount=Decimal("1500.00"))
    DealFactory(name="Looms")

    response = client_for(alice).get("/deals/export/", {"q": "engines"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *body = rows(response)
    assert header[:6] == ["Deal", "Pipeline", "Stage", "Status", "Amount", "Currency"]
    assert len(body) == 1
    record = dict(zip(header, body[0], strict=True))
    assert record["Deal"] == "Engines"
    assert record["Amount"] == "1500.00"
    assert record["Weighted amount"] == "150.00"
    assert record["Contact email"] == "ada@example.org"
    assert record["Owner"] == sam.email


@pytest.mark.parametrize("hostile", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
def test_the_export_cannot_run_formulas(alice, hostile):
    DealFactory(name=hostile, contact=ContactFactory(first_name=hostile))

    _header, record = rows(client_for(alice).get("/deals/export/"))

    assert record[0] == "'" + hostile
    assert record[8].startswith("'")


def test_salespeople_export_only_what_they_see(sam, oscar):
    DealFactory(name="Mine", owner=sam)
    DealFactory(name="Oscar's", owner=oscar)

    _header, *body = rows(client_for(sam).get("/deals/export/"))

    assert [row[0] for row in body] == ["Mine"]
