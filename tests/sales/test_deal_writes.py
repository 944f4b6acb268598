"""Creating, changing and deleting deals, their product lines, amounts and currencies, and notes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from leadline.activity.models import Activity, Kind
from leadline.contacts.models import LifecycleStage
from leadline.core.access import PermissionDeniedForRole
from leadline.core.models import AuditEntry
from leadline.sales.currencies import clean_amount, clean_currency, format_money
from leadline.sales.deal_services import deal_create, deal_delete, deal_note_add, deal_update
from leadline.sales.models import Deal, DealLine, DealStageChange, DealStatus, Order
from tests.factories import CompanyFactory, ContactFactory
from tests.sales.factories import DealFactory, PipelineFactory, ProductFactory, default_pipeline, stage_named


def create(actor, **data):
    data.setdefault("pipeline", default_pipeline())
    data.setdefault("name", "Website redesign")
    return deal_create(actor=actor, data=data)


def test_it_creates_a_deal_in_the_first_open_stage_and_makes_the_contact_an_opportunity(sam):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.SQL, company=CompanyFactory())

    deal = create(sam, contact=contact, amount="4500.50")

    assert deal.stage == stage_named("Qualification")
    assert deal.status == DealStatus.OPEN
    assert deal.owner == sam
    assert deal.company == contact.company
    assert deal.amount == Decimal("4500.50")
    assert deal.currency == "USD"
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY
    created = Activity.objects.get(kind=Kind.DEAL_CREATED, contact=contact)
    assert created.data["deal"] == str(deal.public_id)
    assert DealStageChange.objects.get(deal=deal).from_stage is None


def test_it_never_moves_a_customer_back_to_opportunity(sam):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.CUSTOMER)

    create(sam, contact=contact)

    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER


def test_it_refuses_to_create_a_deal_in_a_closed_stage(sam):
    with pytest.raises(ValidationError) as error:
        create(sam, stage=stage_named("Won"))

    assert "open stage" in error.value.message_dict["stage"][0]


def test_it_refuses_a_stage_of_another_pipeline_on_create(sam):
    with pytest.raises(ValidationError):
        create(sam, stage=PipelineFactory().stages.get(name="New"))


def test_it_checks_the_required_fields_of_the_first_stage(sam):
    with pytest.raises(ValidationError) as error:
        create(sam, stage=stage_named("Proposal"))

    assert "amount" in error.value.message_dict["stage"][0]
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    "amount",
    ["1,250", "12,5", "€100", "1e3", "abc", "-5", "10.555", "1000000000000", "NaN", "", " "],
)
def test_it_refuses_amounts_in_wrong_formats(sam, amount):
    if amount.strip() == "":
        deal = create(sam, amount=amount)
        assert deal.amount is None
        return
    with pytest.raises(ValidationError) as error:
        create(sam, amount=amount)

    assert error.value.message_dict["amount"]


@pytest.mark.parametrize("currency", ["usd", "EURO", "XYZ", "", "€", "US$"])
def test_it_refuses_unknown_currencies(sam, currency):
    if currency == "usd":
        assert create(sam, currency=currency).currency == "USD"
        return
    if currency == "":
        assert create(sam, currency=currency).currency == "USD"  # the pipeline's currency
        return
    with pytest.raises(ValidationError) as error:
        create(sam, currency=currency)

    assert "ISO 4217" in error.value.message_dict["currency"][0]


def test_amounts_and_money_read_plainly():
    assert clean_amount("1250.5") == Decimal("1250.50")
    assert clean_amount(3) == Decimal("3.00")
    assert clean_amount(0.1) == Decimal("0.10")
    assert clean_currency(" gbp ") == "GBP"
    assert format_money(Decimal("12500"), "USD") == "$12,500.00"
    assert format_money(Decimal("980.4"), "EUR", cents=False) == "€980"
    assert format_money(Decimal("1200"), "CHF") == "CHF 1,200.00"
    assert format_money(None, "USD") == "—"


def test_it_sums_the_product_lines_into_the_amount(sam):
    product = ProductFactory(price=Decimal("100.00"), name="Onboarding")

    deal = create(
        sam,
        amount="5",
        lines=[
            {"product": product, "quantity": "3"},
            {"name": "Custom work", "quantity": 2, "unit_price": "250.00", "discount_percent": "10"},
        ],
    )

    assert deal.amount == Decimal("750.00")  # 3 × 100 + 2 × 250 − 10 %
    lines = list(DealLine.objects.filter(deal=deal).order_by("position"))
    assert [line.name for line in lines] == ["Onboarding", "Custom work"]
    assert lines[0].unit_price == Decimal("100.00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": "1", "unit_price": "5"}, "choose a product or give the line a name"),
        ({"name": "X", "quantity": "0", "unit_price": "5"}, "quantity"),
        ({"name": "X", "quantity": "1", "unit_price": "1,5"}, "unit price"),
        ({"name": "X", "quantity": "1", "unit_price": "5", "discount_percent": "150"}, "discount"),
        ({"name": "X" * 201, "quantity": "1", "unit_price": "5"}, "200 characters"),
        ("not a line", "must be an object"),
    ],
)
def test_it_names_the_bad_line(sam, line, message):
    with pytest.raises(ValidationError) as error:
        create(sam, lines=[{"name": "Fine", "unit_price": "1"}, line])

    text = error.value.message_dict["lines"][0]
    assert text.startswith("Line 2")
    assert message in text


def test_it_changes_fields_and_records_what_changed(sam):
    deal = DealFactory(owner=sam, amount=Decimal("100.00"))

    deal_update(deal=deal, actor=sam, data={"amount": "250", "name": "Bigger deal"})

    deal.refresh_from_db()
    assert deal.amount == Decimal("250.00")
    assert deal.name == "Bigger deal"
    entry = Activity.objects.get(kind=Kind.DEAL_CHANGED, data__deal=str(deal.public_id))
    assert entry.data["changes"]["amount"] == ["100.00", "250.00"]
    assert "name" in entry.data["changes"]


def test_it_keeps_the_amount_the_sum_of_the_lines(sam):
    deal = DealFactory(owner=sam)
    deal_update(deal=deal, actor=sam, data={"lines": [{"name": "Seat", "quantity": "4", "unit_price": "25"}]})

    with pytest.raises(ValidationError) as error:
        deal_update(deal=deal, actor=sam, data={"amount": "1"})

    assert "sum" in error.value.message_dict["amount"][0]
    deal.refresh_from_db()
    assert deal.amount == Decimal("100.00")


def test_it_refuses_to_blank_a_field_the_current_stage_requires(sam):
    deal = DealFactory(owner=sam, stage=stage_named("Proposal"), amount=Decimal("10"))

    with pytest.raises(ValidationError) as error:
        deal_update(deal=deal, actor=sam, data={"amount": None})

    assert "amount" in error.value.message_dict["stage"][0]


def test_it_refuses_fields_that_cannot_be_changed_here(sam):
    deal = DealFactory(owner=sam)

    with pytest.raises(ValidationError) as error:
        deal_update(deal=deal, actor=sam, data={"stage": stage_named("Won")})

    assert "stage" in error.value.message_dict


def test_it_keeps_other_contacts_apart_from_the_main_one(sam):
    main, other = ContactFactory(), ContactFactory()

    deal = create(sam, contact=main, other_contacts=[main, other, other])

    assert list(deal.other_contacts.all()) == [other]


def test_it_deletes_a_deal_and_keeps_its_order(sam):
    deal = DealFactory(owner=sam)
    from leadline.sales.deal_services import deal_move

    deal_move(deal=deal, stage=stage_named("Won"), actor=sam)
    order = Order.objects.get(deal=deal)

    deal_delete(deal=deal, actor=sam)

    assert not Deal.objects.filter(pk=deal.pk).exists()
    order.refresh_from_db()
    assert order.deal is None
    assert AuditEntry.objects.filter(action="deal.deleted", object_id=str(deal.public_id)).exists()


def test_a_note_on_a_deal_lands_on_the_contact_timeline_and_stops_rotting(sam):
    deal = DealFactory(owner=sam)
    before = deal.last_activity_at

    note = deal_note_add(deal=deal, author=sam, body="  Sent the proposal  ")

    assert note.kind == Kind.NOTE
    assert note.contact == deal.contact
    assert note.data == {"body": "Sent the proposal", "deal": str(deal.public_id), "deal_name": deal.name}
    deal.refresh_from_db()
    assert deal.last_activity_at >= before


def test_a_note_needs_text_and_a_contact(sam):
    with pytest.raises(ValidationError):
        deal_note_add(deal=DealFactory(owner=sam), author=sam, body="   ")
    with pytest.raises(ValidationError):
        deal_note_add(deal=DealFactory(owner=sam, contact=None), author=sam, body="Hello")


def test_marketing_cannot_create_or_change_deals(maria):
    with pytest.raises(PermissionDeniedForRole):
        create(maria)
    with pytest.raises(PermissionDeniedForRole):
        deal_update(deal=DealFactory(), actor=maria, data={"name": "x"})


def test_an_archived_pipeline_takes_no_new_deals(sam):
    pipeline = PipelineFactory(is_archived=True)

    with pytest.raises(ValidationError) as error:
        create(sam, pipeline=pipeline)

    assert "archived" in error.value.message_dict["pipeline"][0]
