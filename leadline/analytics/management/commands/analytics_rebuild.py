"""`leadline manage analytics_rebuild`: recompute the dashboards' rollups from the raw rows."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from leadline.analytics.rollups import rollups_rebuild

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' rollup tables (funnel milestones, visits, attribution touchpoints, "
        "page views) from raw data."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            share = done / total if total else 1.0
            filled = int(share * BAR_WIDTH)
            line = f"Page views [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:,}/{total:,}"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        result = rollups_rebuild(progress=progress)
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt: {result['page_views']:,} page views in {result['sessions']:,} visits; "
                f"funnel milestones of {result['contacts']:,} contacts; "
                f"{result['touches']:,} visits of known contacts for attribution."
            )
        )
