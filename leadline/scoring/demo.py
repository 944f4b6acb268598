"""Demo data for scoring: the default rules, and scores for the demo's contacts."""

from __future__ import annotations

from collections.abc import Callable

from leadline.scoring.engine import scores_process_new_activity, scores_recompute_all
from leadline.scoring.services import scoring_defaults_install


def seed_scoring_demo(*, echo: Callable[[str], object] = print) -> None:
    """Idempotent: rules are installed once; scores are brought up to date on every start."""
    added = scoring_defaults_install()
    if added:
        echo(f"Installed {added} scoring rules.")
        scores_recompute_all()
    # Catch up with what happened since, so the worker starts from a short backlog.
    while scores_process_new_activity(limit=20_000) > 0:
        pass
