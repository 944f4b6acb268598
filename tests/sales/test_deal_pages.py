"""A deal's page, the create and edit forms, deleting, notes, and the contact page's deals panel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leadline.activity.models import Kind
from leadline.contacts.models import LifecycleStage
from leadline.sales.deal_services import deal_move, deal_note_add
from leadline.sales.models import Deal, DealLine
from tests.conftest import client_for
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from tests.sales.factories import DealFactory, ProductFactory, stage_named


def form_data(**overrides):
    data = {
        "name": "Website redesign",
        "stage": str(stage_named("Qualification").public_id),
        "contact": "",
        "other_contacts": "",
        "company": "",
        "owner": "",
        "amount": "",
        "currency": "USD",
        "expected_close_date": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-product": "",
        "lines-0-name": "",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "",
        "lines-0-discount_percent": "",
    }
    data.update(overrides)
    return data


def test_the_new_deal_form_is_prefilled_from_the_contact(sam):
    contact = ContactFactory(email="lena@acme.test", company=CompanyFactory(name="Acme", domain="acme.test"))

    response = client_for(sam).get("/deals/new/", {"contact": str(contact.public_id)})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="lena@acme.test"' in html
    assert 'value="acme.test"' in html
    assert "Acme deal" in html


def test_it_creates_a_deal_with_product_lines(sam):
    contact = ContactFactory(email="lena@acme.test", lifecycle_stage=LifecycleStage.SQL)
    product = ProductFactory(name="Audit", price=Decimal("400.00"))

    response = client_for(sam).post(
        "/deals/new/",
        form_data(
            contact="lena@acme.test",
            owner=str(sam.public_id),
            amount="1",
            **{"lines-0-product": str(product.public_id), "lines-0-quantity": "2"},
        ),
    )

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.public_id}/"
    assert deal.amount == Decimal("800.00")
    assert deal.contact == contact
    assert DealLine.objects.get(deal=deal).name == "Audit"
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "1.234,50"}, "amount", "dot for decimals"),
        ({"currency": "XXX"}, "currency", "ISO 4217"),
        ({"contact": "nobody@nowhere.test"}, "contact", "No contact you can see"),
        ({"company": "No Such Company"}, "company", "No company has this name"),
        ({"name": ""}, "name", "required"),
        ({"stage": str(0)}, "stage", "open stage"),
        ({"expected_close_date": "31/02/2026"}, "expected_close_date", "2026-03-31"),
        ({"stage": "PROPOSAL"}, "stage", "open stage"),
    ],
)
def test_it_shows_clear_errors_and_saves_nothing(sam, overrides, field, message):
    response = client_for(sam).post("/deals/new/", form_data(**overrides))

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert not Deal.objects.exists()


def test_it_explains_a_missing_required_field_of_the_chosen_stage(sam):
    response = client_for(sam).post("/deals/new/", form_data(stage=str(stage_named("Proposal").public_id)))

    assert response.status_code == 400
    assert "needs amount" in " ".join(response.context["form"].errors["stage"])


def test_it_refuses_a_contact_the_salesperson_cannot_see(sam, oscar):
    ContactFactory(email="hidden@oscar.test", owner=oscar)

    response = client_for(sam).post("/deals/new/", form_data(contact="hidden@oscar.test"))

    assert response.status_code == 400
    assert not Deal.objects.exists()


def test_it_keeps_hostile_text_as_text(sam):
    client_for(sam).post("/deals/new/", form_data(name="<script>alert(1)</script>"))

    deal = Deal.objects.get()
    html = client_for(sam).get(f"/deals/{deal.public_id}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_edits_a_deal(sam):
    deal = DealFactory(owner=sam, amount=Decimal("100.00"), name="Old name")

    response = client_for(sam).post(
        f"/deals/{deal.public_id}/edit/",
        form_data(
            name="New name",
            contact=deal.contact.email,
            owner=str(sam.public_id),
            amount="250.00",
            **{"lines-TOTAL_FORMS": "1"},
        ),
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.name == "New name"
    assert deal.amount == Decimal("250.00")


def test_the_edit_form_shows_the_deal_as_it_is(sam):
    deal = DealFactory(owner=sam, amount=Decimal("100.00"))
    DealLine.objects.create(deal=deal, name="Seat", quantity=Decimal("3"), unit_price=Decimal("10.00"))

    html = client_for(sam).get(f"/deals/{deal.public_id}/edit/").content.decode()

    assert 'value="Seat"' in html
    assert 'value="3"' in html
    assert "Pipeline stage" not in html  # moves have their own action


def test_the_deal_page_shows_lines_history_timeline_and_the_suggestions_slot(sam):
    deal = DealFactory(owner=sam, amount=Decimal("300.00"), name="Audit deal")
    DealLine.objects.create(deal=deal, name="Audit day", quantity=Decimal("1"), unit_price=Decimal("300.00"))
    deal_move(deal=deal, stage=stage_named("Meeting booked"), actor=sam)
    deal_note_add(deal=deal, author=sam, body="Agreed on **scope**")
    ActivityFactory(contact=deal.contact, actor=sam)  # a note about something else

    response = client_for(sam).get(f"/deals/{deal.public_id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Audit day" in html
    assert "Qualification → <strong>Meeting booked</strong>" in html
    assert "<strong>scope</strong>" in html
    assert len(response.context["timeline"]) == 2  # the move and the note, not the other note
    assert {item.kind for item in response.context["timeline"]} == {Kind.DEAL_CHANGED, Kind.NOTE}
    assert f'hx-get="/deals/{deal.public_id}/suggestions/"' in html
    assert 'data-dialog-open="delete-deal"' in html


def test_the_deal_page_shows_the_order_of_a_won_deal(sam):
    deal = DealFactory(owner=sam, amount=Decimal("300.00"))
    deal_move(deal=deal, stage=stage_named("Won"), actor=sam)

    html = client_for(sam).get(f"/deals/{deal.public_id}/").content.decode()

    assert "Order <strong>ORD-" in html


def test_marketing_reads_a_deal_without_actions(maria):
    deal = DealFactory()

    html = client_for(maria).get(f"/deals/{deal.public_id}/").content.decode()

    assert deal.name in html
    assert "Mark as won" not in html
    assert "Add a note" not in html


def test_it_deletes_a_deal_after_confirmation(sam):
    deal = DealFactory(owner=sam)

    response = client_for(sam).post(f"/deals/{deal.public_id}/delete/")

    assert response.status_code == 302
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_it_adds_a_note_and_explains_an_empty_one(sam):
    deal = DealFactory(owner=sam)
    client = client_for(sam)

    assert client.post(f"/deals/{deal.public_id}/notes/", {"body": "Called the CFO"}).status_code == 302
    empty = client.post(f"/deals/{deal.public_id}/notes/", {"body": "   "})

    assert empty.status_code == 400
    assert deal.contact.activities.filter(kind=Kind.NOTE).count() == 1


def test_the_contact_page_lists_the_contacts_deals(sam, oscar):
    contact = ContactFactory()
    DealFactory(contact=contact, owner=sam, name="Main deal")
    other = DealFactory(owner=sam, name="Side deal")
    other.other_contacts.add(contact)
    DealFactory(contact=contact, owner=oscar, name="Hidden deal")

    response = client_for(sam).get(f"/contacts/{contact.public_id}/deals/")

    html = response.content.decode()
    assert "Main deal" in html and "Side deal" in html
    assert "Hidden deal" not in html
    assert f"/deals/new/?contact={contact.public_id}" in html


def test_the_contact_panel_offers_no_new_deal_to_marketing(maria):
    contact = ContactFactory()

    html = client_for(maria).get(f"/contacts/{contact.public_id}/deals/").content.decode()

    assert "No deals yet" in html
    assert "/deals/new/" not in html


def test_the_lookup_suggests_visible_contacts_and_companies(sam, oscar):
    ContactFactory(first_name="Lena", email="lena@acme.test")
    ContactFactory(first_name="Lenny", email="lenny@oscar.test", owner=oscar)
    CompanyFactory(name="Acme Corp", domain="acme.test")
    client = client_for(sam)

    contacts = client.get("/deals/lookup/", {"contact": "len"}).content.decode()
    companies = client.get("/deals/lookup/", {"kind": "company", "company": "acme"}).content.decode()

    assert 'value="lena@acme.test"' in contacts
    assert "lenny@oscar.test" not in contacts
    assert 'value="acme.test"' in companies
