"""Demo data for scoring: the default rules, scores for the demo's contacts, and a first predictive
model trained on the demo's history."""

from __future__ import annotations

from collections.abc import Callable

from leadline.scoring.engine import scores_process_new_activity, scores_recompute_all
from leadline.scoring.models import PredictiveModel
from leadline.scoring.predictive import predictive_train
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
    if not PredictiveModel.objects.exists():
        model = predictive_train()
        echo(f"Predictive score: {model.message}")
