"""Background work of scoring: new activity rows are scored in batches, engagement decays daily,
expired score adjustments leave the score within the hour, a change of rules or settings recomputes everyone, and the predictive score is retrained weekly and
kept current daily."""

from __future__ import annotations

import time
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from leadline.core.scheduler import periodic
from leadline.scoring.engine import (
    scores_decay_pass,
    scores_expiry_pass,
    scores_process_new_activity,
    scores_recompute_all,
)
from leadline.scoring.models import PredictiveModel, PredictiveState
from leadline.scoring.predictive import predictions_update_stale, predictive_train

TIME_BUDGET_SECONDS = 10.0
ACTIVITY_BATCH = 5000


@periodic(timedelta(seconds=20))
def scores_update_from_activity() -> None:
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while time.monotonic() < deadline and scores_process_new_activity(limit=ACTIVITY_BATCH) > 0:
        pass


@periodic(timedelta(days=1))
def scores_decay() -> None:
    scores_decay_pass()


@periodic(timedelta(hours=1))
def score_adjustments_expire() -> None:
    scores_expiry_pass()


@task()
def scores_recompute_all_task() -> int:
    return scores_recompute_all()


@periodic(timedelta(days=7))
def predictive_retrain() -> str:
    """Weekly: learn again from the history, which grows with every new customer. A model trained
    in the last days (by hand, or when the workspace was set up) is fresh enough."""
    latest = PredictiveModel.objects.filter(state=PredictiveState.TRAINED).order_by("-version").first()
    if latest is not None and latest.trained_at > timezone.now() - timedelta(days=6):
        return "fresh"
    return predictive_train().state


@periodic(timedelta(days=1))
def predictions_daily() -> int:
    """Daily: score new contacts and those whose data changed since they were last scored."""
    return predictions_update_stale()


@task()
def predictive_train_task(actor_id: int | None = None) -> str:
    from leadline.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return predictive_train(actor=actor).state
