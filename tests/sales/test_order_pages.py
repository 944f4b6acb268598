"""The order screens: the list with filters and export, an order by hand, an order's page, refunds,
and the fragments of the contact and deal pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leadline.contacts.models import LifecycleStage
from leadline.sales.models import DealLine, Order, OrderSource
from leadline.sales.order_services import LineInput, order_create, order_refund
from leadline.sales.suggestions import associations_refresh
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.sales.factories import DealFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db


def _order(contact, *, product=None, amount="100.00", day=1, source=OrderSource.MANUAL, currency="USD"):
    return order_create(
        contact=contact,
        lines=[
            LineInput(
                name=product.name if product else "Service",
                quantity=Decimal(1),
                unit_price=Decimal(amount),
                product=product,
            )
        ],
        currency=currency,
        source=source,
        ordered_at=datetime(2025, 6, day, 10, tzinfo=UTC),
    )


def _numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].object_list]


# --- The list ----------------------------------------------------------------------------------------


def test_salespeople_see_the_orders_of_the_contacts_they_can_see(sam, tess, oscar, maria):
    mine = _order(ContactFactory(owner=tess))
    hidden = _order(ContactFactory(owner=oscar))

    assert _numbers(client_for(sam).get("/orders/")) == [mine.number]
    assert set(_numbers(client_for(maria).get("/orders/"))) == {mine.number, hidden.number}


def test_it_filters_by_date_source_product_and_contact_and_searches(alice):
    audit = ProductFactory(name="Audit")
    ann = ContactFactory(email="ann@example.org", first_name="Ann")
    early = _order(ann, day=1, product=audit)
    middle = _order(ContactFactory(email="bob@example.org"), day=10, source=OrderSource.API)
    late = _order(ann, day=20)
    client = client_for(alice)

    assert _numbers(client.get("/orders/?ordered_from=2025-06-05&ordered_to=2025-06-10")) == [middle.number]
    assert _numbers(client.get("/orders/?source=api")) == [middle.number]
    assert _numbers(client.get(f"/orders/?product={audit.public_id}")) == [early.number]
    assert _numbers(client.get(f"/orders/?contact={ann.public_id}")) == [late.number, early.number]
    assert _numbers(client.get("/orders/?q=ann@example")) == [late.number, early.number]
    assert _numbers(client.get(f"/orders/?q={middle.number.lower()}")) == [middle.number]


@pytest.mark.parametrize(
    "query",
    [
        "ordered_from=yesterday",
        "source=<script>",
        "product=not-a-uuid",
        "contact=1",
        "page=999",
        "q=" + "x" * 500,
    ],
)
def test_it_ignores_filters_that_make_no_sense(alice, query):
    _order(ContactFactory())

    response = client_for(alice).get(f"/orders/?{query}")

    assert response.status_code == 200


def test_the_list_costs_the_same_number_of_queries_for_many_orders(alice, django_assert_max_num_queries):
    product = ProductFactory()
    for day in range(1, 29):
        _order(ContactFactory(), product=product, day=day)
    client = client_for(alice)

    with django_assert_max_num_queries(12):
        response = client.get("/orders/?per_page=100")

    assert len(response.context["page"].object_list) == 28


def test_the_list_says_when_there_is_nothing_yet(sam):
    response = client_for(sam).get("/orders/")

    assert b"No orders yet" in response.content
    assert b"leadline import orders" in response.content


def test_the_export_is_formula_safe_and_follows_the_filters(alice):
    hostile = ContactFactory(
        first_name='=HYPERLINK("http://evil.example")', last_name="", email="h@example.org"
    )
    _order(hostile, source=OrderSource.API)
    _order(ContactFactory(), source=OrderSource.MANUAL)

    response = client_for(alice).get("/orders/export/?source=api")

    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Number", "External id", "Ordered at"]
    assert len(rows) == 2
    assert rows[1][4].startswith("'=HYPERLINK")
    assert rows[1][7] == "100.00"


# --- An order by hand -----------------------------------------------------------------------------


def _form(contact: str, **fields) -> dict[str, str]:
    data = {
        "contact": contact,
        "ordered_at": "2025-06-01",
        "currency": "USD",
        "total": "",
        "external_id": "",
        "lines-TOTAL_FORMS": "8",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "8",
    }
    data.update(fields)
    return data


def test_a_salesperson_records_an_order_with_lines(sam):
    contact = ContactFactory(owner=sam, email="buyer@example.org")
    product = ProductFactory(name="Growth plan", price=Decimal("149.00"))

    response = client_for(sam).post(
        "/orders/new/",
        _form(
            "Buyer@example.org",
            **{
                "lines-0-product": str(product.public_id),
                "lines-0-quantity": "2",
                "lines-1-name": "Setup",
                "lines-1-unit_price": "99.50",
            },
        ),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.public_id}/"
    assert (order.contact, order.total, order.created_by) == (contact, Decimal("397.50"), sam)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER


def test_the_order_form_shows_every_problem_at_once(sam):
    ContactFactory(owner=sam, email="buyer@example.org")

    response = client_for(sam).post(
        "/orders/new/",
        _form("buyer@example.org", currency="USD", **{"lines-0-name": "Setup", "lines-0-unit_price": "abc"}),
    )

    assert response.status_code == 400
    assert "Line 1: Enter the unit price as a number" in response.content.decode()
    assert not Order.objects.exists()


def test_the_order_form_refuses_a_contact_the_salesperson_cannot_see(sam, oscar):
    ContactFactory(owner=oscar, email="secret@example.org")

    response = client_for(sam).post(
        "/orders/new/", _form("secret@example.org", **{"lines-0-name": "Setup", "lines-0-unit_price": "-1"})
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "No contact you can add orders for" in content
    assert "Line 1:" in content
    assert not Order.objects.exists()


def test_the_form_opened_from_a_contact_fixes_the_contact(sam, oscar):
    contact = ContactFactory(owner=sam)

    page = client_for(sam).get(f"/orders/new/?contact={contact.public_id}")
    hidden = client_for(sam).get(f"/orders/new/?contact={ContactFactory(owner=oscar).public_id}")

    assert page.status_code == 200
    assert contact.display_name in page.content.decode()
    assert hidden.status_code == 404


def test_marketing_cannot_record_orders(maria):
    assert client_for(maria).get("/orders/new/").status_code == 403


# --- One order and its refunds --------------------------------------------------------------------


def test_the_order_page_shows_lines_refunds_and_the_refund_button(alice):
    order = _order(ContactFactory(), amount="200.00")
    order_refund(order=order, amount="50", reason="Late delivery", actor=alice)

    content = client_for(alice).get(f"/orders/{order.public_id}/").content.decode()

    assert order.number in content
    assert "Late delivery" in content
    assert "Part refunded" in content
    assert "$150.00" in content
    assert "Refund…" in content


def test_marketing_reads_an_order_without_a_refund_button(maria):
    order = _order(ContactFactory())

    content = client_for(maria).get(f"/orders/{order.public_id}/").content.decode()

    assert order.number in content
    assert "Refund…" not in content
    assert client_for(maria).post(f"/orders/{order.public_id}/refund/", {"amount": "1"}).status_code == 403


def test_a_refund_from_the_page_never_exceeds_what_is_left(sam):
    order = _order(ContactFactory(owner=sam), amount="80.00")
    client = client_for(sam)

    too_much = client.post(f"/orders/{order.public_id}/refund/", {"amount": "80.01", "reason": ""})
    right = client.post(f"/orders/{order.public_id}/refund/", {"amount": "80", "reason": "Cancelled"})

    assert too_much.status_code == 400
    assert "USD 80.00 is left" in too_much.content.decode()
    assert right.status_code == 302
    order.refresh_from_db()
    assert order.net_total == Decimal("0.00")


def test_other_teams_orders_are_not_found(sam, oscar):
    order = _order(ContactFactory(owner=oscar))

    assert client_for(sam).get(f"/orders/{order.public_id}/").status_code == 404
    assert client_for(sam).post(f"/orders/{order.public_id}/refund/", {"amount": "1"}).status_code == 404


# --- Fragments ------------------------------------------------------------------------------------


def test_the_contact_fragment_shows_revenue_per_currency_and_suggestions(sam, django_assert_max_num_queries):
    audit, content_pack = ProductFactory(name="Audit"), ProductFactory(name="Content pack")
    for _ in range(3):
        buyer = ContactFactory()
        _order(buyer, product=audit, day=1)
        _order(buyer, product=content_pack, day=15)
    associations_refresh()
    contact = ContactFactory(owner=sam)
    first = _order(contact, product=audit, amount="750.00")
    _order(contact, amount="90.00", currency="EUR", day=3)
    order_refund(order=first, amount="50", reason="")
    client = client_for(sam)

    with django_assert_max_num_queries(12):
        response = client.get(f"/contacts/{contact.public_id}/orders/")

    content = response.content.decode()
    assert "$700.00" in content
    assert "€90.00" in content
    assert "Suggested next" in content
    assert "3 of 3 customers who bought Audit bought it next" in content
    assert "Add order" in content


def test_the_contact_fragment_has_an_empty_state_and_no_button_for_marketing(maria):
    content = client_for(maria).get(f"/contacts/{ContactFactory().public_id}/orders/").content.decode()

    assert "No orders yet" in content
    assert "Add order" not in content


def test_the_deal_fragment_suggests_products_for_the_deal(sam):
    landing, ads = ProductFactory(name="Landing page"), ProductFactory(name="Ad management")
    for _ in range(2):
        order_create(
            contact=ContactFactory(),
            lines=[
                LineInput(name=p.name, quantity=Decimal(1), unit_price=p.price, product=p)
                for p in (landing, ads)
            ],
            currency="USD",
        )
    associations_refresh()
    deal = DealFactory(owner=sam, contact=ContactFactory(owner=sam))
    DealLine.objects.create(deal=deal, product=landing, name=landing.name, unit_price=landing.price)

    content = client_for(sam).get(f"/deals/{deal.public_id}/suggestions/").content.decode()
    empty = client_for(sam).get(f"/deals/{DealFactory(owner=sam).public_id}/suggestions/").content.decode()

    assert "Ad management" in content
    assert "2 of 2 customers who bought Landing page bought it too" in content
    assert "No suggestions yet" in empty


def test_fragments_of_other_teams_are_not_found(sam, oscar):
    contact = ContactFactory(owner=oscar)
    make_order(contact)

    assert client_for(sam).get(f"/contacts/{contact.public_id}/orders/").status_code == 404
    assert client_for(sam).get(f"/deals/{DealFactory(owner=oscar).public_id}/suggestions/").status_code == 404
