"""Sales numbers recomputed from the raw deal, stage-change, order, hand-off and task rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from leadline.analytics import selectors
from leadline.analytics.metrics import ReportFilters
from leadline.sales.models import Order
from tests.analytics.dashboards import sql
from tests.analytics.dashboards.dataset import NOW, World

FILTERS = ReportFilters(start=date(2026, 1, 1), end=date(2026, 3, 15))
CENT = Decimal("0.01")


def inside(value: Any) -> bool:
    return value is not None and FILTERS.start_at <= sql.as_utc(value) < FILTERS.end_at


def test_it_counts_wins_losses_sizes_and_the_sales_cycle(world: World) -> None:
    deals = sql.rows("SELECT status, closed_at, created_at, amount, currency FROM sales_deal")
    closed = [row for row in deals if inside(row[1])]
    won = [row for row in closed if row[0] == "won"]
    lost = [row for row in closed if row[0] == "lost"]
    figures = selectors.win_figures(FILTERS)
    assert (figures["won"], figures["lost"]) == (len(won), len(lost))
    assert figures["win_rate"] == round(100.0 * len(won) / (len(won) + len(lost)), 1)
    sizes: dict[str, list[Decimal]] = defaultdict(list)
    for row in won:
        if row[3] is not None:
            sizes[row[4]].append(Decimal(str(row[3])))
    assert {row["currency"]: row["average"] for row in figures["average_size"]} == {
        currency: (sum(values, Decimal(0)) / len(values)).quantize(CENT) for currency, values in sizes.items()
    }
    cycle = sql.median([sql.as_utc(row[1]) - sql.as_utc(row[2]) for row in won])
    assert figures["median_cycle_days"] == round(cycle.total_seconds() / 86400, 1)


def test_it_sums_revenue_per_month_and_currency_less_refunds(world: World) -> None:
    Order.objects.filter(pk=Order.objects.order_by("id").values("pk")[:1]).update(
        refunded_total=Decimal("40.00")
    )
    expected: dict[tuple[date, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for ordered_at, currency, total, refunded in sql.rows(
        "SELECT ordered_at, currency, total, refunded_total FROM sales_order"
    ):
        if inside(ordered_at):
            entry = expected[(sql.as_utc(ordered_at).date().replace(day=1), currency)]
            entry[0] += Decimal(str(total))
            entry[1] += Decimal(str(refunded))
    rows = selectors.revenue_by_month(FILTERS)
    assert {(row["month"], row["currency"]): [row["gross"], row["refunded"]] for row in rows} == {
        key: [value[0].quantize(CENT), value[1].quantize(CENT)] for key, value in expected.items()
    }
    assert all(row["net"] == row["gross"] - row["refunded"] for row in rows)
    assert {row["currency"] for row in rows} == {"USD", "EUR"}
    totals = {row["currency"]: row["net"] for row in selectors.revenue_totals(FILTERS)}
    for currency in ("USD", "EUR"):
        assert totals[currency] == sum(
            ((value[0] - value[1]) for key, value in expected.items() if key[1] == currency), Decimal(0)
        ).quantize(CENT)


def test_it_shares_refunds_over_product_lines(world: World) -> None:
    lines = sql.rows(
        "SELECT p.name, o.currency, l.total, o.total, o.refunded_total, o.ordered_at FROM sales_orderline l "
        "JOIN sales_order o ON o.id = l.order_id LEFT JOIN sales_product p ON p.id = l.product_id"
    )
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for name, currency, line_total, order_total, refunded, ordered_at in lines:
        if inside(ordered_at):
            line_total, order_total, refunded = (
                Decimal(str(value)) for value in (line_total, order_total, refunded)
            )
            expected[(name, currency)] += line_total - line_total * refunded / order_total
    rows = selectors.revenue_by_product(FILTERS)
    assert {(row["product"], row["currency"]): row["net"] for row in rows} == {
        key: value.quantize(CENT) for key, value in expected.items()
    }


def test_it_forecasts_the_open_pipeline_by_close_month(world: World) -> None:
    expected: dict[tuple[Any, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for close, currency, amount, probability in sql.rows(
        "SELECT d.expected_close_date, d.currency, d.amount, s.probability FROM sales_deal d "
        "JOIN sales_stage s ON s.id = d.stage_id WHERE d.status = 'open'"
    ):
        month = date.fromisoformat(str(close)).replace(day=1) if close else None
        entry = expected[(month, currency)]
        entry[0] += 1
        if amount is not None:
            entry[1] += Decimal(str(amount))
            entry[2] += Decimal(str(amount)) * probability / 100
    rows = selectors.pipeline_by_close_month(FILTERS)
    assert {
        (row["month"], row["currency"]): [row["deals"], row["value"], row["weighted"]] for row in rows
    } == {
        key: [value[0], value[1].quantize(CENT), value[2].quantize(CENT)] for key, value in expected.items()
    }


def test_it_measures_stage_conversion_and_time_in_stage(world: World) -> None:
    stages = {row[0]: row for row in sql.rows("SELECT id, name, position, kind FROM sales_stage")}
    changes = sql.rows(
        "SELECT deal_id, to_stage_id, changed_at FROM sales_dealstagechange ORDER BY deal_id, changed_at, id"
    )
    entered: dict[int, int] = defaultdict(int)
    advanced: dict[int, int] = defaultdict(int)
    durations: dict[int, list[timedelta]] = defaultdict(list)
    for index, (deal_id, stage_id, changed_at) in enumerate(changes):
        if not inside(changed_at):
            continue
        entered[stage_id] += 1
        following = changes[index + 1] if index + 1 < len(changes) else None
        if following and following[0] == deal_id:
            durations[stage_id].append(sql.as_utc(following[2]) - sql.as_utc(changed_at))
            nxt, here = stages[following[1]], stages[stage_id]
            if nxt[3] == "won" or (nxt[3] == "open" and nxt[2] > here[2]):
                advanced[stage_id] += 1
    rows = [row for row in selectors.stage_conversion(FILTERS) if row["pipeline"] == "Direct sales"]
    assert [row["stage"].name for row in rows] == ["New", "Demo", "Proposal"]
    for row in rows:
        stage_id = row["stage"].pk
        assert (row["entered"], row["advanced"]) == (entered[stage_id], advanced[stage_id])
        median = sql.median(durations[stage_id])
        assert row["median_hours"] == (None if median is None else round(median.total_seconds() / 3600, 1))
    assert rows[0]["entered"] > 0


def test_it_measures_speed_to_lead_and_sla_compliance(world: World) -> None:
    handoffs = [
        row
        for row in sql.rows("SELECT assigned_at, first_touch_at, decided_at, sla_due_at FROM sales_handoff")
        if inside(row[0])
    ]
    gaps = [sql.as_utc(row[1]) - sql.as_utc(row[0]) for row in handoffs if row[1] is not None]
    due = [row for row in handoffs if row[2] is not None or sql.as_utc(row[3]) <= timezone.now()]
    on_time = [row for row in due if row[2] is not None and sql.as_utc(row[2]) <= sql.as_utc(row[3])]
    speed = selectors.speed_to_lead(FILTERS)
    assert speed["handoffs"] == len(handoffs)
    assert speed["median_hours_to_first_touch"] == round(sql.median(gaps).total_seconds() / 3600, 1)
    assert (speed["sla_due"], speed["sla_on_time"]) == (len(due), len(on_time))


def test_it_counts_tasks_overdue_now(world: World) -> None:
    expected: dict[int, int] = defaultdict(int)
    for assignee, due_at in sql.rows(
        "SELECT assigned_to_id, due_at FROM sales_task WHERE completed_at IS NULL"
    ):
        if due_at is not None and sql.as_utc(due_at) < NOW:
            expected[assignee] += 1
    rows = selectors.overdue_tasks(FILTERS)
    assert {row["user"].pk: row["overdue"] for row in rows} == dict(expected)


def test_it_attributes_revenue_to_the_deal_owner_else_the_contact_owner(world: World) -> None:
    expected: dict[tuple[Any, str], Decimal] = defaultdict(Decimal)
    for deal_owner, contact_owner, currency, total, refunded, ordered_at in sql.rows(
        "SELECT d.owner_id, c.owner_id, o.currency, o.total, o.refunded_total, o.ordered_at FROM sales_order o "
        "JOIN contacts_contact c ON c.id = o.contact_id LEFT JOIN sales_deal d ON d.id = o.deal_id"
    ):
        if inside(ordered_at):
            owner = deal_owner if deal_owner is not None else contact_owner
            expected[(owner, currency)] += Decimal(str(total)) - Decimal(str(refunded))
    rows = selectors.revenue_by_owner(FILTERS)
    assert {(row["owner_id"], row["currency"]): row["net"] for row in rows} == {
        key: value.quantize(CENT) for key, value in expected.items()
    }
