"""`leadline import contacts` and `leadline export contacts`."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from leadline.contacts.importing import ImportResult, RowIssue

FORMATS = ("auto", "hubspot", "mautic")
SHOWN_ISSUES = 10


def _setup() -> None:
    from leadline.cli import _setup_django

    _setup_django()


@click.group("import")
def import_group() -> None:
    """Import data from files."""


@click.group("export")
def export_group() -> None:
    """Export data to files."""


@import_group.command("contacts")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Whose export the file is; 'auto' recognises Leadline, HubSpot and Mautic headers.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change without writing anything.")
@click.option(
    "--owner", "owner_email", metavar="EMAIL", help="Owner of new contacts that have none in the file."
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the problem report (default: FILE.errors.csv next to FILE).",
)
@click.option(
    "--list",
    "list_name",
    metavar="NAME",
    help="Add every contact of the file to the static list NAME (created if there is none).",
)
def import_contacts_command(
    file: Path,
    file_format: str,
    dry_run: bool,
    owner_email: str | None,
    errors_path: Path | None,
    list_name: str | None,
) -> None:
    """Import contacts from a CSV FILE, matching existing contacts by email.

    Rows with problems are skipped and listed in a report; the exit status is non-zero only when
    the file cannot be read at all.
    """
    _setup()
    from django.core.exceptions import ValidationError
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from leadline.accounts.models import User
    from leadline.contacts.csvio import CsvFileError
    from leadline.contacts.import_lists import ListChoice, ListTarget, list_destination
    from leadline.contacts.importing import import_contacts, read_csv_path

    owner = None
    if owner_email:
        owner = User.objects.filter(email__iexact=owner_email.strip(), is_active=True).first()
        if owner is None:
            raise click.BadParameter(f"no active user has the email {owner_email!r}", param_hint="--owner")
    choice = ListChoice(new_name=list_name) if list_name is not None else None
    shown_list = ""
    destination = list_destination()
    if choice is not None:
        if destination is None:
            raise click.BadParameter("lists are not available in this installation", param_hint="--list")
        try:
            shown_list = destination.describe(choice)
        except ValidationError as error:
            raise click.BadParameter(" ".join(error.messages), param_hint="--list") from None
    try:
        csv_file = read_csv_path(file)
    except CsvFileError as error:
        raise click.ClickException(f"{file}: {error}") from None

    console = Console()
    status = Console(stderr=True)
    status.print(
        f"[bold]{file.name}[/]: {len(csv_file.headers)} columns, {csv_file.encoding}, "
        f"{csv_file.delimiter_name} separated"
    )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=status,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def report(phase: str, done: int, total: int) -> None:
        label = (
            "Reading rows" if phase == "reading" else ("Checking contacts" if dry_run else "Writing contacts")
        )
        if phase not in tasks:
            tasks[phase] = progress.add_task(label, total=total or None)
        progress.update(tasks[phase], completed=done, total=total or None)

    list_target: ListTarget | None = None
    added_to_list = 0

    def written(contact_ids: list[int]) -> None:
        # The list is found (or created) with the first batch, so a file that cannot be read
        # leaves no empty list behind.
        nonlocal list_target, added_to_list
        if choice is None or destination is None:
            return
        if list_target is None:
            list_target = destination.target(choice, actor=None)
        added_to_list += list_target.add(contact_ids)

    try:
        with progress:
            result = import_contacts(
                csv_file,
                file_format=file_format,
                dry_run=dry_run,
                default_owner=owner,
                progress=report,
                written=written,
            )
    except CsvFileError as error:
        raise click.ClickException(f"{file}: {error}") from None

    _print_summary(console, result)
    if choice is not None:
        if dry_run:
            console.print(
                f"Every contact of the file would be added to the list {shown_list!r}.", markup=False
            )
        else:
            name = list_target.name if list_target is not None else shown_list
            console.print(
                f"Added {added_to_list:,} contact{'s' if added_to_list != 1 else ''} to the list {name!r}.",
                markup=False,
            )
    if result.issues:
        target = errors_path or file.with_name(f"{file.stem}.errors.csv")
        write_issue_report(console, result.issues, target)
    if dry_run:
        console.print("[yellow]Dry run: nothing was written.[/]")


def _print_summary(console: Console, result: ImportResult) -> None:
    from rich.table import Table

    verb = "would be " if result.dry_run else ""
    table = Table(
        title=f"{'Dry run of ' if result.dry_run else 'Imported '}{result.file_name}", title_justify="left"
    )
    table.add_column("Contacts")
    table.add_column("Count", justify="right")
    table.add_row(f"Created{' (would be)' if verb else ''}", f"{result.created:,}")
    table.add_row(f"Updated{' (would be)' if verb else ''}", f"{result.updated:,}")
    table.add_row("Unchanged", f"{result.unchanged:,}")
    table.add_row("Failed rows", f"[red]{result.failed:,}[/]" if result.failed else "0")
    if result.duplicates:
        table.add_row("Repeated rows merged", f"{result.duplicates:,}")
    if result.companies_created:
        table.add_row(f"Companies {verb}created", f"{result.companies_created:,}")
    console.print(table)
    rate = result.total_rows / result.seconds if result.seconds else 0
    console.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s ({rate:,.0f} rows/s)")
    if result.ignored_columns:
        console.print(f"Columns not imported: {', '.join(result.ignored_columns)}", markup=False)


def write_issue_report(
    console: Console,
    issues: Sequence[RowIssue],
    target: Path,
    *,
    row_label: str = "Row",
    shown: int = SHOWN_ISSUES,
) -> None:
    """Show the first problems of an import and write all of them to a CSV report (formula-safe)."""
    from rich.table import Table

    from leadline.contacts.csvio import safe_cell

    table = Table(title=f"First problems ({len(issues):,} in all)", title_justify="left")
    table.add_column(row_label, justify="right")
    table.add_column("Column")
    table.add_column("Problem")
    for issue in issues[:shown]:
        prefix = "warning: " if issue.level == "warning" else ""
        table.add_row(str(issue.row), issue.column or "—", prefix + issue.message)
    console.print(table)
    try:
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([row_label, "Column", "Problem", "Severity"])
            for issue in issues:
                writer.writerow([issue.row, safe_cell(issue.column), safe_cell(issue.message), issue.level])
    except OSError as error:
        console.print(f"[yellow]The problem report could not be written to {target}: {error.strerror}[/]")
    else:
        console.print(f"Problem report: {target}", markup=False)


@export_group.command("contacts")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stage", help="Only contacts in this lifecycle stage (e.g. lead, mql, customer).")
def export_contacts_command(file: Path, stage: str | None) -> None:
    """Export all contacts (or one lifecycle stage) to a CSV FILE that `import contacts` reads back."""
    _setup()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from leadline.contacts.exporting import export_contacts_to_file
    from leadline.contacts.models import Contact, LifecycleStage

    contacts = Contact.objects.order_by("created_at", "id")
    if stage:
        if stage not in LifecycleStage.values:
            raise click.BadParameter(
                f"choose one of {', '.join(LifecycleStage.values)}", param_hint="--stage"
            )
        contacts = contacts.filter(lifecycle_stage=stage)
    total = contacts.count()
    status = Console(stderr=True)
    progress = Progress(
        TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=status
    )
    try:
        with progress:
            task = progress.add_task("export", total=total)
            written = export_contacts_to_file(
                file, contacts, progress=lambda done: progress.update(task, completed=done)
            )
    except OSError as error:
        raise click.ClickException(f"{file}: {error.strerror or error}") from None
    Console().print(f"Exported {written:,} contact{'s' if written != 1 else ''} to {file}", markup=False)
