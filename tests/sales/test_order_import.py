"""`leadline import orders FILE`: columns by header or position, contacts created by email, repeats
skipped, bad rows reported by line, customers made in bulk, dry runs that write nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from leadline.activity.models import Activity, Kind
from leadline.cli import main
from leadline.contacts.models import Contact, LifecycleStage
from leadline.sales.models import Order, OrderLine, OrderSource
from leadline.sales.order_import import OrderImportError, import_orders, read_order_bytes
from tests.factories import ContactFactory
from tests.sales.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _import(text: str, **options):
    return import_orders(read_order_bytes(text.encode(), name="orders.csv"), **options)


def test_it_imports_orders_and_creates_the_missing_contacts():
    existing = ContactFactory(email="ann@example.org", lifecycle_stage=LifecycleStage.LEAD)

    result = _import(
        "Email,Date,Amount,Currency\n"
        "ann@example.org,2024-01-05,29.33,USD\n"
        "BOB@Example.org,2024-02-01,10,EUR\n"
        "ann@example.org,2024-03-05,5.00,USD\n"
    )

    assert (result.orders_created, result.contacts_created, result.failed_rows) == (3, 1, 0)
    bob = Contact.objects.get(email="bob@example.org")
    assert [(o.contact, o.total, o.currency) for o in Order.objects.order_by("ordered_at")] == [
        (existing, Decimal("29.33"), "USD"),
        (bob, Decimal("10.00"), "EUR"),
        (existing, Decimal("5.00"), "USD"),
    ]
    assert set(Order.objects.values_list("source", flat=True)) == {OrderSource.IMPORT}
    assert Order.objects.order_by("ordered_at").first().ordered_at == datetime(2024, 1, 5, tzinfo=UTC)
    assert Activity.objects.filter(kind=Kind.ORDER_PLACED).count() == 3


def test_it_makes_buyers_customers_in_bulk_as_of_their_first_imported_order():
    lead = ContactFactory(email="lead@example.org", lifecycle_stage=LifecycleStage.LEAD)
    evangelist = ContactFactory(email="fan@example.org", lifecycle_stage=LifecycleStage.EVANGELIST)

    result = _import(
        "email,date,amount\n"
        "lead@example.org,2024-05-01,10\n"
        "lead@example.org,2024-01-01,10\n"
        "fan@example.org,2024-01-01,10\n"
    )

    lead.refresh_from_db()
    evangelist.refresh_from_db()
    assert lead.lifecycle_stage == LifecycleStage.CUSTOMER
    assert evangelist.lifecycle_stage == LifecycleStage.EVANGELIST
    assert result.customers_made == 1
    change = Activity.objects.get(contact=lead, kind=Kind.STAGE_CHANGED)
    assert change.data == {"from": "lead", "to": "customer", "via": "order"}
    assert change.occurred_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert lead.last_activity_at == datetime(2024, 5, 1, tzinfo=UTC)


def test_it_skips_what_was_already_imported_when_the_file_comes_again():
    text = (
        "email,date,amount\n"
        "ann@example.org,1997-01-01,29.33\n"
        "ann@example.org,1997-01-01,29.33\n"  # two equal orders on one day: both are real
        "bob@example.org,1997-01-02,11.77\n"
    )
    first = _import(text)

    again = _import(text)

    assert (first.orders_created, again.orders_created, again.orders_skipped) == (3, 0, 3)
    assert Order.objects.count() == 3
    assert again.contacts_created == 0


def test_it_groups_rows_sharing_an_order_id_into_one_order_with_lines():
    ProductFactory(sku="GROWTH-YR", name="Growth plan (annual)")

    result = _import(
        "Order ID,Customer email,Order date,Line total,SKU,Qty\n"
        "1001,ann@example.org,2024-01-05,1490.00,growth-yr,1\n"
        "1001,ann@example.org,2024-01-05,300.00,Setup,3\n"
        "1002,ann@example.org,2024-02-05,99,,\n"
    )

    assert result.orders_created == 2
    order = Order.objects.get(external_id="1001")
    assert order.total == Decimal("1790.00")
    lines = list(order.lines.order_by("id").values_list("name", "product__sku", "quantity", "unit_price"))
    assert lines == [
        ("Growth plan (annual)", "GROWTH-YR", Decimal("1.00"), Decimal("1490.00")),
        ("Setup", None, Decimal("3.00"), Decimal("100.00")),
    ]
    assert [issue.message for issue in result.issues if issue.level == "warning"] == [
        "No product has the SKU or name “Setup”; its rows become lines without a product."
    ]
    assert _import("order id,email,date,amount\n1001,ann@example.org,2024-01-05,1\n").orders_skipped == 1


def test_it_reads_a_file_without_a_header_in_the_documented_order():
    result = _import("ann@example.org;19970101;29.33;USD\nbob@example.org;19970102;11.77;USD\n")

    assert result.orders_created == 2
    assert result.total_rows == 2
    assert Order.objects.order_by("ordered_at").first().ordered_at == datetime(1997, 1, 1, tzinfo=UTC)


def test_it_uses_the_default_currency_when_the_file_has_none():
    _import("email,date,amount\nann@example.org,2024-01-05,10\n", default_currency="gbp")

    assert Order.objects.get().currency == "GBP"


def test_it_reports_bad_rows_with_their_line_numbers_and_imports_the_rest():
    result = _import(
        "email,date,amount,currency\n"
        "ann@example.org,2024-01-05,10,USD\n"
        "not-an-email,2024-01-05,10,USD\n"
        ",2024-01-05,10,USD\n"
        "ann@example.org,someday,10,USD\n"
        "ann@example.org,2024-01-05,-3,USD\n"
        "ann@example.org,2024-01-05,10,XYZ\n"
        '"=HYPERLINK(""http://evil.example"")",2024-01-05,10,USD\n'
        "\n"
        "bob@example.org,2099-01-01,10,USD\n"
        "bob@example.org,2024-01-06,10,USD\n"
    )

    assert result.orders_created == 2
    assert {(issue.row, issue.column) for issue in result.errors} == {
        (3, "Email"),
        (4, "Email"),
        (5, "Date"),
        (6, "Amount"),
        (7, "Currency"),
        (8, "Email"),
        (10, "Date"),
    }
    assert result.failed_rows == 7
    assert not Contact.objects.filter(email__contains="HYPERLINK").exists()


def test_a_dry_run_counts_what_would_happen_and_writes_nothing():
    ContactFactory(email="ann@example.org")

    result = _import(
        "email,date,amount\nann@example.org,2024-01-05,10\nnew@example.org,2024-01-05,10\n"
        "new@example.org,2024-01-06,10\n",
        dry_run=True,
    )

    assert (result.orders_created, result.contacts_created) == (3, 1)
    assert not Order.objects.exists()
    assert not Contact.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest", "Excel"),
        (b"name,city\nAnn,Leeds\n", "could not be recognised"),
        (b"email,amount\nann@example.org,10\n", "no Date column"),
    ],
)
def test_it_refuses_files_it_cannot_import(data, fragment):
    with pytest.raises(OrderImportError) as error:
        read_order_bytes(data)

    assert fragment in str(error.value)


def test_the_command_prints_a_summary_and_writes_a_problem_report(tmp_path: Path):
    source = tmp_path / "orders.csv"
    source.write_text(
        "email,date,amount,currency\nann@example.org,2024-01-05,10,USD\nann@example.org,2024-13-01,10,USD\n"
    )

    result = CliRunner().invoke(main, ["import", "orders", str(source)])

    assert result.exit_code == 0, result.output
    assert "Orders created" in result.output
    assert "Contacts created" in result.output
    assert "Rows with errors" in result.output
    report = (tmp_path / "orders.errors.csv").read_text()
    assert "3,Date," in report
    assert Order.objects.count() == 1


def test_the_command_writes_nothing_on_a_dry_run_and_checks_the_currency_option(tmp_path: Path):
    source = tmp_path / "orders.csv"
    source.write_text("email,date,amount\nann@example.org,2024-01-05,10\n")

    dry = CliRunner().invoke(main, ["import", "orders", str(source), "--dry-run"])
    bad = CliRunner().invoke(main, ["import", "orders", str(source), "--currency", "EURO"])
    missing = CliRunner().invoke(main, ["import", "orders", str(tmp_path / "nope.csv")])

    assert dry.exit_code == 0 and "Dry run" in dry.output
    assert bad.exit_code != 0 and "ISO 4217" in bad.output
    assert missing.exit_code != 0 and "No such file" in missing.output
    assert not Order.objects.exists()


def test_it_imports_in_batches_with_a_bounded_number_of_queries(django_assert_max_num_queries):
    rows = "".join(
        f"c{index % 40}@example.org,2024-01-{1 + index % 28:02d},{index}.50\n" for index in range(400)
    )
    order_file = read_order_bytes(f"email,date,amount\n{rows}".encode(), name="orders.csv")

    # 400 orders of 40 new people in 4 batches: a few dozen statements, not thousands.
    with django_assert_max_num_queries(120):
        result = import_orders(order_file, batch_size=100)

    assert result.orders_created == 400
    assert OrderLine.objects.count() == 400
