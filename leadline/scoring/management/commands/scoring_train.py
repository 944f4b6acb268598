"""`leadline manage scoring_train`: train the predictive score now from the workspace's history and
score every open contact with it (the scheduler does this weekly)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from leadline.scoring.models import PredictiveState
from leadline.scoring.predictive import predictive_train


class Command(BaseCommand):
    help = "Train the predictive score on who became a customer, then score every open contact."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        model = predictive_train()
        elapsed = time.monotonic() - started
        if model.state == PredictiveState.TRAINED:
            self.stdout.write(
                f"Model v{model.version}: {model.customers:,} customers and {model.non_customers:,} "
                f"non-customers in the history; AUC {model.auc:.2f} on a holdout of {model.holdout_size:,}. "
                f"Took {elapsed:.1f} s."
            )
        else:
            self.stdout.write(model.message)
