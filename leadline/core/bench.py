"""`leadline bench WORKLOAD`: time a Leadline path and a baseline in the same run (DESIGN.md §6).

A benchmark never touches the operator's data: it runs in a child process whose database is a fresh
SQLite file in a temporary directory (deleted afterwards), or — with `--database-url` — a database
the operator set aside for benchmarks, which must hold no contacts when the run starts and is
emptied again at the end. The parent process only starts the child and prints its report.

Workloads are functions registered in `WORKLOADS`; each returns a `BenchReport`.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

Echo = Callable[[str], object]


@dataclass
class Measurement:
    value: float
    unit: str
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"value": round(self.value, 1), "unit": self.unit}


@dataclass
class BenchReport:
    workload: str
    scale: int
    results: dict[str, Measurement]
    ratios: dict[str, float]
    details: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Exactly the shape DESIGN.md §6 promises to scripts."""
        return {
            "workload": self.workload,
            "scale": self.scale,
            "results": {name: result.as_json() for name, result in self.results.items()},
            "ratios": {name: round(ratio, 3) for name, ratio in self.ratios.items()},
        }


# --- The import workload --------------------------------------------------------------------------

IMPORT_HEADERS = [
    "Email", "First name", "Last name", "Phone", "Job title", "City", "Country", "Lifecycle stage",
    "Original source",
]  # fmt: skip
_FIRST = ["Ava", "Ben", "Chloe", "Dan", "Elif", "Finn", "Grace", "Hugo", "Isla", "Jonas", "Kira", "Leo",
          "Mia", "Nico", "Olga", "Pablo", "Rosa", "Sven", "Tara", "Umar", "Vera", "Will", "Yara", "Zoe"]  # fmt: skip
_LAST = ["Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jones",
         "Khan", "Lopez", "Meyer", "Novak", "Olsen", "Park", "Rossi", "Silva", "Tanaka", "Weber"]  # fmt: skip
_TITLES = ["Marketing manager", "CTO", "Founder", "Sales lead", "Engineer", "Office manager", ""]
_PLACES = [("London", "GB"), ("Berlin", "DE"), ("Paris", "FR"), ("Austin", "US"), ("Toronto", "CA")]
_STAGES = ["subscriber", "lead", "lead", "mql", "sql", "customer"]
_SOURCES = ["organic_search", "paid_search", "social", "email", "referral", "direct"]
_FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"]


def _synthetic_people(scale: int, seed: int = 42) -> tuple[list[list[str]], list[str]]:
    """Rows of an import file with ~10% duplicates, and the emails that already exist as contacts.

    About 5% of the rows repeat an earlier email of the file with a changed value, and 5% are
    people already in the database.
    """
    rng = random.Random(seed)
    company_domains = [f"firm{number}.example" for number in range(max(10, scale // 40))]
    repeats = scale // 20
    existing_count = scale // 20
    unique = scale - repeats
    emails = []
    for number in range(unique):
        domain = rng.choice(company_domains) if rng.random() < 0.6 else rng.choice(_FREE_MAIL)
        emails.append(f"person{number}@{domain}")
    existing = rng.sample(emails, existing_count) if unique else []

    def row(email: str) -> list[str]:
        city, country = rng.choice(_PLACES)
        phone = f"+44207946{rng.randint(0, 9999):04d}" if rng.random() < 0.5 else ""
        return [
            email,
            rng.choice(_FIRST),
            rng.choice(_LAST),
            phone,
            rng.choice(_TITLES),
            city,
            country,
            rng.choice(_STAGES),
            rng.choice(_SOURCES),
        ]

    rows = [row(email) for email in emails]
    for _ in range(repeats):
        earlier = rng.randrange(len(rows)) if rows else 0
        repeated = list(rows[earlier]) if rows else row("someone@example.org")
        repeated[4] = rng.choice(_TITLES) or "Consultant"
        rows.insert(rng.randint(earlier + 1, len(rows)), repeated)
    return rows, existing


def _empty_contact_tables() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from leadline.activity.models import Activity
    from leadline.contacts.models import Company, ConsentRecord, Contact

    tables = [model._meta.db_table for model in (Activity, ConsentRecord, Contact, Company)]
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    connection.ops.execute_sql_flush(statements)


def _seed_existing(emails: list[str]) -> None:
    from leadline.contacts.models import Contact

    Contact.objects.bulk_create(
        [
            Contact(email=email, first_name="Existing", last_name="Person", job_title="Kept")
            for email in emails
        ],
        batch_size=2000,
    )


def _baseline_upsert(path: Path) -> int:
    """Bulk-load the file into a staging table and upsert it into contacts with one statement."""
    from django.db import connection, transaction
    from django.utils import timezone

    from leadline.contacts.models import Contact

    quote = connection.ops.quote_name
    public_id = Contact._meta.get_field("public_id")
    columns = ["email", "first_name", "last_name", "phone", "job_title", "city", "country", "lifecycle_stage",
               "original_source"]  # fmt: skip
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [
            [number, public_id.get_db_prep_value(uuid.uuid4(), connection), *cells]
            for number, cells in enumerate(reader)
        ]
    now = Contact._meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    properties = Contact._meta.get_field("properties").get_db_prep_value({}, connection)
    staging_columns = ", ".join(f"{column} text" for column in columns)
    table = quote(Contact._meta.db_table)
    target_columns = [
        "public_id", "created_at", "updated_at", *columns, "time_zone", "original_source_detail", "score",
        "properties",
    ]  # fmt: skip
    updated_columns = [*columns[1:-1], "updated_at"]  # all but the email and the original source
    update = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in updated_columns)
    selected = ", ".join("s." + column for column in columns[1:])
    targets = ", ".join(quote(column) for column in target_columns)
    # Identifiers come from the model's metadata; values travel as parameters. The last row of each
    # email wins, as in a spreadsheet read top to bottom.
    upsert = (
        f"INSERT INTO {table} ({targets}) SELECT s.public_id, %s, %s, lower(s.email), {selected}, '', '', 0, %s"  # noqa: S608
        " FROM import_staging s"
        " WHERE s.row_number IN (SELECT max(row_number) FROM import_staging GROUP BY lower(email))"
        f" ON CONFLICT (email) DO UPDATE SET {update}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE import_staging (row_number integer, public_id {public_id.db_type(connection)},"
            f" {staging_columns})"
        )
        placeholders = ", ".join(["%s"] * (len(columns) + 2))
        cursor.executemany(f"INSERT INTO import_staging VALUES ({placeholders})", rows)  # noqa: S608
        cursor.execute(upsert, [now, now, properties])
        cursor.execute("DROP TABLE import_staging")
    return len(rows)


def bench_import(scale: int, echo: Echo) -> BenchReport:
    """CSV import with duplicates vs. a staging table and one upsert, each from the same state."""
    from leadline.contacts.importing import import_contacts, read_csv_path
    from leadline.contacts.models import Contact

    rows, existing = _synthetic_people(scale)
    workdir = Path(tempfile.mkdtemp(prefix="leadline-bench-"))
    path = workdir / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IMPORT_HEADERS)
        writer.writerows(rows)
    expected = len({row[0] for row in rows})
    details = [
        f"{len(rows):,} rows, {len(rows) - expected:,} repeating an earlier row, {len(existing):,} already stored"
    ]
    try:
        _empty_contact_tables()
        _seed_existing(existing)
        echo(f"Leadline import of {len(rows):,} rows…")
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_contacts(read_csv_path(path))
        leadline_seconds = time.perf_counter() - started
        leadline_cpu = time.process_time() - cpu_started
        details.append(
            f"Leadline: {result.created:,} created, {result.updated:,} updated, {result.unchanged:,} unchanged,"
            f" {result.failed:,} failed, {result.duplicates:,} merged; {Contact.objects.count():,} contacts"
        )

        _empty_contact_tables()
        _seed_existing(existing)
        echo("Baseline: staging table + one upsert…")
        started, cpu_started = time.perf_counter(), time.process_time()
        _baseline_upsert(path)
        baseline_seconds = time.perf_counter() - started
        baseline_cpu = time.process_time() - cpu_started
        details.append(f"Baseline: {Contact.objects.count():,} contacts")
        # Wall-clock time includes waiting for the CPU when other programs are busy; this process's
        # own CPU time does not, which tells a slow path from a busy machine.
        details.append(
            f"CPU time of this process: Leadline {leadline_cpu:.1f} s, baseline {baseline_cpu:.1f} s"
            f" (on PostgreSQL the server process is not counted)"
        )
    finally:
        _empty_contact_tables()
        path.unlink(missing_ok=True)
        workdir.rmdir()
    leadline = Measurement(len(rows) / leadline_seconds, "rows/s", leadline_seconds)
    baseline = Measurement(len(rows) / baseline_seconds, "rows/s", baseline_seconds)
    return BenchReport(
        workload="import",
        scale=scale,
        results={"leadline": leadline, "baseline_upsert": baseline},
        ratios={"upsert": leadline.value / baseline.value},
        details=details,
    )


WORKLOADS: dict[str, Callable[[int, Echo], BenchReport]] = {"import": bench_import}


def bench_ingest(scale: int, echo: Echo) -> BenchReport:
    """Events through POST /t/collect on the real server vs. its no-op endpoint and raw inserts."""
    from leadline.tracking.bench import bench_ingest as run

    return run(scale, echo)


WORKLOADS["ingest"] = bench_ingest


def bench_segments(scale: int, echo: Echo) -> BenchReport:
    """20 segments: Leadline's full build vs. hand-written SQL, then the incremental update."""
    from leadline.segments.bench import bench_segments as run

    return run(scale, echo)


WORKLOADS["segments"] = bench_segments


def bench_deals(scale: int, echo: Echo) -> BenchReport:
    """The kanban board and deal list over N open deals vs. hand-written SQL for the same data."""
    from leadline.sales.bench_deals import bench_deals as run

    return run(scale, echo)


WORKLOADS["deals"] = bench_deals


def bench_send(scale: int, echo: Echo) -> BenchReport:
    """A personalised, link-tracked campaign into a local SMTP sink vs. a raw smtplib loop."""
    from leadline.mail.bench_send import bench_send as run

    return run(scale, echo)


WORKLOADS["send"] = bench_send


def bench_dashboards(scale: int, echo: Echo) -> BenchReport:
    """Funnel, conversion by source, attribution and CLV queries vs. DuckDB over an export."""
    from leadline.analytics.bench_dashboards import bench_dashboards as run

    return run(scale, echo)


WORKLOADS["dashboards"] = bench_dashboards


def bench_workflows(scale: int, echo: Echo) -> BenchReport:
    """Due steps of a three-step drip processed by the engine vs. a bare claim-and-mark loop."""
    from leadline.automation.bench import bench_workflows as run

    return run(scale, echo)


WORKLOADS["workflows"] = bench_workflows


# --- Running ----------------------------------------------------------------------------------------


def run_child(arguments: list[str]) -> int:
    """Entry point of the child process: prepare its database, run one workload, print JSON."""
    workload, scale = arguments[0], int(arguments[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from leadline.contacts.models import Contact

    def echo(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    echo("Preparing the benchmark database…")
    call_command("migrate", "--no-input", verbosity=0)
    if Contact.objects.exists():
        echo("The benchmark database already holds contacts; use an empty database set aside for benchmarks.")
        return 3
    report = WORKLOADS[workload](scale, echo)
    payload = {
        **report.as_json(),
        "details": report.details,
        "seconds": {name: round(result.seconds, 3) for name, result in report.results.items()},
    }
    print(json.dumps(payload), flush=True)
    return 0


def _child_environment(data_dir: str, database_url: str | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "LEADLINE_DATA_DIR", "LEADLINE_TASKS", "DJANGO_SETTINGS_MODULE"}
    }
    environment["LEADLINE_DATA_DIR"] = data_dir
    environment["LEADLINE_TASKS"] = "immediate"
    environment["DJANGO_SETTINGS_MODULE"] = "leadline.settings"
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(
        title=f"leadline bench {report['workload']} --scale {report['scale']:,}", title_justify="left"
    )
    table.add_column("Path")
    table.add_column("Seconds", justify="right")
    table.add_column("Throughput", justify="right")
    for name, result in report["results"].items():
        seconds = report.get("seconds", {}).get(name)
        table.add_row(
            name, f"{seconds:.2f}" if seconds is not None else "", f"{result['value']:,.0f} {result['unit']}"
        )
    console.print(table)
    for name, ratio in report["ratios"].items():
        console.print(
            f"Ratio [bold]{name}[/]: {ratio:.3f}  (Leadline ÷ baseline; higher is better, 1.0 = as fast)"
        )
    for line in report.get("details", []):
        console.print(f"  {line}", markup=False)


# The scale each workload's issue asks for when --scale is not given.
DEFAULT_SCALES = {
    "segments": 100_000,
    "deals": 50_000,
    "send": 20_000,
    "dashboards": 100_000,
    "workflows": 100_000,
}


@click.command()
@click.argument("workload")
@click.option(
    "--scale",
    type=click.IntRange(1, 10_000_000),
    help="Size of the synthetic data set [default: 100,000 for segments, dashboards and workflows, "
    "50,000 for deals, 20,000 for send, else 10,000].",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option(
    "--database-url",
    metavar="URL",
    help="Run against this empty database (e.g. a scratch PostgreSQL) instead of a temporary SQLite file.",
)
def bench(workload: str, scale: int | None, as_json: bool, database_url: str | None) -> None:
    """Run a benchmark WORKLOAD on a throwaway database and compare it with a baseline in the same
    run. Workloads: import, ingest, segments, deals, send, workflows, dashboards."""
    if workload not in WORKLOADS:
        raise click.ClickException(
            f"Unknown workload {workload!r}. Choose one of: {', '.join(sorted(WORKLOADS))}."
        )
    scale = scale or DEFAULT_SCALES.get(workload, 10_000)
    with tempfile.TemporaryDirectory(prefix="leadline-bench-") as data_dir:
        command = [
            sys.executable, "-c",
            "import sys; from leadline.core.bench import run_child; sys.exit(run_child(sys.argv[1:]))",
            workload, str(scale),
        ]  # fmt: skip
        child = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
            command,
            env=_child_environment(data_dir, database_url),
            stdout=subprocess.PIPE,
            stderr=None if not as_json else subprocess.PIPE,
            text=True,
            check=False,
        )
    if child.returncode != 0:
        detail = (child.stderr or "").strip().splitlines()[-1:] if as_json else []
        raise click.ClickException(
            f"The benchmark failed (exit {child.returncode}). {' '.join(detail)}".strip()
        )
    report = json.loads(child.stdout.strip().splitlines()[-1])
    if as_json:
        click.echo(json.dumps({key: report[key] for key in ("workload", "scale", "results", "ratios")}))
    else:
        _print_report(report)
