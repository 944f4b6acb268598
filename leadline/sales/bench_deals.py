# ruff: noqa: S608  (the SQL below is built from model metadata and constants of this module only)
"""`leadline bench deals`: the kanban board and the deal list over N open deals (default 50,000).

Seeds N open deals across the open stages of the default pipeline (plus a fifth as many closed ones
over the last two years), then times the server side of `GET /deals/` and `GET /deals/list/` —
request through Django's test client: middleware, access rules, queries and template — against a
baseline of hand-written SQL fetching the same columns and aggregates (no HTML). Each figure is the
median of several runs after a warm-up. Ratios are baseline time ÷ Leadline time (1.0 = as fast).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadline.core.bench import BenchReport, Echo, Measurement

RUNS = 7
BATCH = 2000
CARDS = 50  # the board's cards per column (deal_selectors.BOARD_COLUMN_LIMIT)
_WORDS = ["Website", "Audit", "Renewal", "Upsell", "Onboarding", "Retainer", "Training", "Licences", "Pilot"]
_COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent"]
_CURRENCIES = ["USD"] * 8 + ["EUR", "GBP"]


def _seed(scale: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    from leadline.accounts.models import Role, Team, User
    from leadline.contacts.models import Company, Contact
    from leadline.sales.models import Deal, DealStatus, Pipeline, StageKind

    admin = User.objects.create(email="bench-admin@leadline.test", role=Role.ADMIN, first_name="Bench")
    sellers = [
        User.objects.create(
            email=f"seller{number}@leadline.test",
            role=Role.SALES,
            first_name=f"Seller{number}",
            last_name="Bench",
        )
        for number in range(12)
    ]
    for index, name in enumerate(["North", "South", "East"]):
        team = Team.objects.create(name=f"Bench {name}")
        team.members.add(*sellers[index * 4 : index * 4 + 4])
    companies = Company.objects.bulk_create(
        [
            Company(name=f"{rng.choice(_COMPANIES)} {number}", domain=f"bench{number}.example")
            for number in range(max(scale // 20, 1))
        ],
        batch_size=BATCH,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                email=f"buyer{number}@bench.example",
                first_name="Buyer",
                last_name=str(number),
                company=rng.choice(companies),
                owner=rng.choice(sellers),
                lifecycle_stage="opportunity",
            )
            for number in range(max(scale // 2, 1))
        ],
        batch_size=BATCH,
    )
    pipeline = Pipeline.objects.get(is_default=True)
    pipeline.rotting_days = 14
    pipeline.save(update_fields=["rotting_days"])
    stages = list(pipeline.stages.order_by("position"))
    open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
    won = next(stage for stage in stages if stage.kind == StageKind.WON)
    lost = next(stage for stage in stages if stage.kind == StageKind.LOST)

    def deal(number: int, stage: Any, status: str, closed_at: datetime | None) -> Deal:
        contact = rng.choice(contacts)
        touched = now - timedelta(hours=rng.randrange(0, 24 * 40))
        return Deal(
            pipeline=pipeline,
            stage=stage,
            name=f"{rng.choice(_WORDS)} {number}",
            contact=contact,
            company_id=contact.company_id,
            owner=rng.choice([*sellers, None]),
            amount=Decimal(rng.randrange(500, 90_000)),
            currency=rng.choice(_CURRENCIES),
            expected_close_date=(now + timedelta(days=rng.randrange(-20, 180))).date(),
            status=status,
            position=float(number),
            stage_entered_at=touched,
            last_activity_at=touched,
            closed_at=closed_at,
        )

    rows = [deal(number, rng.choice(open_stages), DealStatus.OPEN, None) for number in range(scale)]
    for number in range(scale // 5):
        closed = now - timedelta(hours=rng.randrange(1, 24 * 730))
        stage, status = (won, DealStatus.WON) if rng.random() < 0.4 else (lost, DealStatus.LOST)
        rows.append(deal(scale + number, stage, status, closed))
    with transaction.atomic():
        Deal.objects.bulk_create(rows, batch_size=BATCH)
    return {"admin": admin, "seller": sellers[0], "pipeline": pipeline, "stages": stages}


def _time(call: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `runs` calls after two warm-up calls.

    SQLite runs inside this process, so its CPU time counts the database's work too; it tells a
    slow path from a machine busy with other programs, which only the wall-clock time feels.
    """
    call()
    call()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    return statistics.median(walls), statistics.median(cpus)


def _page(client: Client, path: str) -> Callable[[], object]:
    def fetch() -> object:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return response.content

    return fetch


def _baseline_board(pipeline_id: int, stages: list[Any], now: datetime) -> Callable[[], object]:
    """The board's data by hand: the stages, the column totals of open and of recently closed deals,
    and 50 cards per column."""
    from leadline.accounts.models import User
    from leadline.contacts.models import Company, Contact
    from leadline.sales.models import Deal, Stage

    deal, contact, company, user, stage = (
        model._meta.db_table for model in (Deal, Contact, Company, User, Stage)
    )
    adapt = connection.ops.adapt_datetimefield_value
    closed_since = adapt(now - timedelta(days=30))
    rotting_before = adapt(now - timedelta(days=14))
    cards = (
        "SELECT d.public_id, d.name, d.amount, d.currency, d.expected_close_date, d.last_activity_at, d.status,"
        " c.public_id, c.first_name, c.last_name, c.email, co.name, u.first_name, u.last_name, u.email"
        f" FROM {deal} d LEFT JOIN {contact} c ON c.id = d.contact_id"
        f" LEFT JOIN {company} co ON co.id = d.company_id LEFT JOIN {user} u ON u.id = d.owner_id"
    )
    open_cards = cards + " WHERE d.pipeline_id = %s AND d.stage_id = %s AND d.status = 'open'"
    open_cards += f" ORDER BY d.position, d.id LIMIT {CARDS}"
    closed_cards = cards + " WHERE d.pipeline_id = %s AND d.stage_id = %s AND d.closed_at >= %s"
    closed_cards += f" ORDER BY d.closed_at DESC, d.id DESC LIMIT {CARDS}"
    open_totals = (
        "SELECT d.stage_id, d.currency, COUNT(*), SUM(d.amount),"
        " SUM(CASE WHEN d.last_activity_at < %s THEN 1 ELSE 0 END)"
        f" FROM {deal} d WHERE d.pipeline_id = %s AND d.status = 'open' GROUP BY d.stage_id, d.currency"
    )
    closed_ids = ", ".join(str(column.pk) for column in stages if column.kind != "open") or "0"
    closed_totals = (
        f"SELECT d.stage_id, d.currency, COUNT(*), SUM(d.amount) FROM {deal} d"
        f" WHERE d.pipeline_id = %s AND d.stage_id IN ({closed_ids}) AND d.closed_at >= %s"
        " GROUP BY d.stage_id, d.currency"
    )

    def fetch() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, name, kind, probability FROM {stage} WHERE pipeline_id = %s", [pipeline_id]
            )
            rows = cursor.fetchall()
            cursor.execute(open_totals, [rotting_before, pipeline_id])
            rows += cursor.fetchall()
            cursor.execute(closed_totals, [pipeline_id, closed_since])
            rows += cursor.fetchall()
            for column in stages:
                if column.kind == "open":
                    cursor.execute(open_cards, [pipeline_id, column.pk])
                else:
                    cursor.execute(closed_cards, [pipeline_id, column.pk, closed_since])
                rows += cursor.fetchall()
        return rows

    return fetch


def _baseline_list() -> Callable[[], object]:
    """The list's first page by hand: the count and 50 rows with their stage, contact and owner."""
    from leadline.accounts.models import User
    from leadline.contacts.models import Company, Contact
    from leadline.sales.models import Deal, Pipeline, Stage

    deal, contact, company, user, stage, pipeline = (
        model._meta.db_table for model in (Deal, Contact, Company, User, Stage, Pipeline)
    )
    page = (
        "SELECT d.public_id, d.name, d.amount, d.currency, d.expected_close_date, d.created_at, s.name, p.name,"
        " c.public_id, c.first_name, c.last_name, c.email, co.name, u.first_name, u.last_name"
        f" FROM {deal} d JOIN {stage} s ON s.id = d.stage_id JOIN {pipeline} p ON p.id = d.pipeline_id"
        f" LEFT JOIN {contact} c ON c.id = d.contact_id LEFT JOIN {company} co ON co.id = d.company_id"
        f" LEFT JOIN {user} u ON u.id = d.owner_id"
        " WHERE d.status = 'open' ORDER BY d.created_at DESC, d.id DESC LIMIT 50"
    )

    def fetch() -> object:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {deal} WHERE status = 'open'")
            rows = cursor.fetchall()
            cursor.execute(page)
            return rows + cursor.fetchall()

    return fetch


def _queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context.captured_queries)


def bench_deals(scale: int, echo: Echo) -> BenchReport:
    from leadline.sales.models import Deal, DealStatus

    rng = random.Random(42)
    now = timezone.now()
    echo(f"Seeding {scale:,} open deals (and {scale // 5:,} closed ones)…")
    started = time.perf_counter()
    world = _seed(scale, now, rng)
    seed_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    open_count = Deal.objects.filter(status=DealStatus.OPEN).count()
    details = [
        f"{open_count:,} open deals, {Deal.objects.exclude(status=DealStatus.OPEN).count():,} closed,"
        f" in {len(world['stages'])} stages; seeded in {seed_seconds:.1f} s",
    ]

    admin = Client(HTTP_HOST="localhost")
    admin.force_login(world["admin"])
    seller = Client(HTTP_HOST="localhost")
    seller.force_login(world["seller"])
    paths = {
        "board": (admin, "/deals/"),
        "board_sales": (seller, "/deals/"),
        "list": (admin, "/deals/list/"),
        "list_sales": (seller, "/deals/list/"),
    }
    results: dict[str, Measurement] = {}
    for name, (client, path) in paths.items():
        echo(f"Leadline: {name} ({path})…")
        call = _page(client, path)
        seconds, cpu = _time(call)
        results[f"leadline_{name}"] = Measurement(seconds * 1000, "ms", seconds)
        details.append(f"{name}: {_queries(call)} queries per request, {cpu * 1000:.0f} ms of CPU")

    echo("Baseline: hand-written SQL for the same data…")
    board_seconds, board_cpu = _time(_baseline_board(world["pipeline"].pk, world["stages"], now))
    list_seconds, list_cpu = _time(_baseline_list())
    results["baseline_board_sql"] = Measurement(board_seconds * 1000, "ms", board_seconds)
    results["baseline_list_sql"] = Measurement(list_seconds * 1000, "ms", list_seconds)
    details.append(f"baseline CPU: board {board_cpu * 1000:.0f} ms, list {list_cpu * 1000:.0f} ms")
    details.append(
        "Leadline's figures are full requests (middleware, access rules, queries, HTML); the baseline"
        " only fetches the rows and aggregates. Target: under 300 ms."
    )
    return BenchReport(
        workload="deals",
        scale=scale,
        results=results,
        ratios={
            "board": board_seconds / results["leadline_board"].seconds,
            "list": list_seconds / results["leadline_list"].seconds,
        },
        details=details,
    )
