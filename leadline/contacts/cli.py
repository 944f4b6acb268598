"""`leadline import contacts` and `leadline export contacts`."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import data from files."""


@click.group("export")
def export_group() -> None:
    """Export data to files."""
