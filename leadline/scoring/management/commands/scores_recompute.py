"""`leadline manage scores_recompute`: recompute every contact's score now (after a bulk import,
or to check the rules), in large batches."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leadline.scoring.engine import scores_recompute_all


class Command(BaseCommand):
    help = "Recompute every contact's lead score and explain the changes on their timelines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="Contacts per batch (default 1000).")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1.")
            return
        started = time.monotonic()
        changed = scores_recompute_all(batch_size=batch_size)
        self.stdout.write(f"{changed:,} scores changed in {time.monotonic() - started:.1f} s.")
