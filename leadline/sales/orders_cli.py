"""`leadline import orders FILE`: order history from a CSV file (registered on the `import` group)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from leadline.contacts.cli import write_issue_report

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from leadline.sales.order_import import OrderImportResult

SHOWN_ISSUES = 20


@click.command("orders")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be imported without writing anything.")
@click.option(
    "--currency",
    default="USD",
    show_default=True,
    metavar="CODE",
    help="ISO 4217 code for rows without a currency (or a file without a currency column).",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the problem report (default: FILE.errors.csv next to FILE).",
)
def import_orders_command(file: Path, dry_run: bool, currency: str, errors_path: Path | None) -> None:
    """Import orders from a CSV FILE: contact email, date, amount and currency per row, optionally
    an order id, a product (SKU or name) and a quantity.

    Contacts are matched by email and created when missing; orders already imported (same order
    id, or the same row) are skipped, so a file can be imported again safely. Rows with problems
    are reported with their line number and skipped.
    """
    from leadline.cli import _setup_django

    _setup_django()
    from django.core.exceptions import ValidationError
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from leadline.sales.currencies import clean_currency
    from leadline.sales.order_import import OrderImportError, import_orders, read_order_path
    from leadline.sales.suggestions import associations_refresh

    try:
        currency = clean_currency(currency)
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint="--currency") from None
    try:
        order_file = read_order_path(file)
    except OrderImportError as error:
        raise click.ClickException(f"{file}: {error}") from None

    console = Console()
    status = Console(stderr=True)
    layout = order_file.layout
    columns = ", ".join(f"{target}={index + 1}" for target, index in layout.columns.items())
    status.print(
        f"[bold]{file.name}[/]: {'header row' if layout.has_header else 'no header row'}, "
        f"{order_file.encoding}, columns {columns}",
        highlight=False,
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=status,
    )
    tasks: dict[str, TaskID] = {}

    def report(phase: str, done: int, total: int) -> None:
        label = "Reading rows" if phase == "reading" else ("Checking orders" if dry_run else "Writing orders")
        if phase not in tasks:
            tasks[phase] = progress.add_task(label, total=total or None)
        progress.update(tasks[phase], completed=done, total=total or None)

    with progress:
        result = import_orders(order_file, dry_run=dry_run, default_currency=currency, progress=report)
    if result.orders_created and not dry_run:
        rules = associations_refresh()
        status.print(f"Cross-sell rules mined from the order history: {rules:,}")

    _print_summary(console, result)
    if result.issues:
        write_issue_report(
            console,
            result.issues,
            errors_path or file.with_name(f"{file.stem}.errors.csv"),
            row_label="Line",
            shown=SHOWN_ISSUES,
        )
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/]")


def _print_summary(console: Console, result: OrderImportResult) -> None:
    from rich.table import Table

    would = " (would be)" if result.dry_run else ""
    table = Table(
        title=f"{'Dry run of ' if result.dry_run else 'Imported '}{result.file_name}", title_justify="left"
    )
    table.add_column("Orders")
    table.add_column("Count", justify="right")
    table.add_row(f"Orders created{would}", f"{result.orders_created:,}")
    table.add_row("Already imported, skipped", f"{result.orders_skipped:,}")
    table.add_row(f"Contacts created{would}", f"{result.contacts_created:,}")
    if not result.dry_run:
        table.add_row("Contacts who became customers", f"{result.customers_made:,}")
    table.add_row(
        "Rows with errors, skipped", f"[red]{result.failed_rows:,}[/]" if result.failed_rows else "0"
    )
    console.print(table)
    rate = result.total_rows / result.seconds if result.seconds else 0
    console.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s ({rate:,.0f} rows/s)")
    if result.ignored_columns:
        console.print(f"Columns not imported: {', '.join(result.ignored_columns)}", markup=False)
