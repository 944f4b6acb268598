"""Demo data of lifetime value: fit the models on the demo workspace's orders once, so that the
lifetime-value report and each customer's value are filled in from the first start."""

from __future__ import annotations

from collections.abc import Callable

from leadline.analytics.clv_data import counted_orders
from leadline.analytics.clv_services import clv_fit_run
from leadline.analytics.models import ClvFit


def seed_lifetime_value(echo: Callable[[str], object] = print) -> ClvFit | None:
    """Idempotent: does nothing once a fit exists. Without enough history for the model, every
    customer still gets their revenue to date and the report says why there is no prediction."""
    if ClvFit.objects.exists() or not counted_orders().exists():
        return None
    fit = clv_fit_run()
    if fit.log_likelihood is None:
        echo(f"Lifetime value: revenue to date only ({fit.error})")
    else:
        echo(f"Lifetime value: fitted on {fit.customers} customers")
    return fit
