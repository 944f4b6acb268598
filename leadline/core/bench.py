"""`leadline bench WORKLOAD`: time a Leadline path and a baseline in the same run."""

from __future__ import annotations

import click


@click.command()
@click.argument("workload")
@click.option("--scale", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--json", "as_json", is_flag=True)
def bench(workload: str, scale: int, as_json: bool) -> None:
    """Run a benchmark workload."""
    raise click.ClickException(f"Unknown workload {workload!r}.")
