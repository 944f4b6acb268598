"""Periodic lifetime-value work (registered with @periodic when imported by analytics.tasks): the
models are refitted weekly on the whole order history; between fits, each customer's revenue to
date is refreshed within the hour after orders change."""

from __future__ import annotations

import logging
from datetime import timedelta

from leadline.analytics.clv_data import counted_orders
from leadline.analytics.clv_services import clv_fit_run, customer_values_refresh, customer_values_stale
from leadline.core.scheduler import periodic

logger = logging.getLogger(__name__)


@periodic(every=timedelta(days=7))
def refit_lifetime_value() -> str:
    if not counted_orders().exists():
        return "no orders"
    fit = clv_fit_run()
    if fit.log_likelihood is None:
        logger.info("Lifetime-value refit skipped: %s", fit.error)
        return fit.error
    return f"fitted on {fit.customers} customers"


@periodic(every=timedelta(hours=1))
def refresh_customer_values() -> int:
    if not customer_values_stale():
        return 0
    return customer_values_refresh()
