"""Writes of lifetime value: fit the models on the orders (one `ClvFit` row per attempt, with the
holdout check), and price every customer (`CustomerValue` rows) with the latest successful fit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from leadline.analytics import clv
from leadline.analytics.clv_data import (
    ClvDataError,
    RfmSummary,
    counted_orders,
    main_currency,
    one_year,
    ordinal_date,
    period_steps,
    purchase_days,
    rfm_summary,
    unit_days,
)
from leadline.analytics.models import ClvFit, CustomerValue
from leadline.analytics.rollups import workspace_zone
from leadline.sales.currencies import clean_currency

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_HOLDOUT_DAYS = 364
WRITE_BATCH = 2000
FREQUENCY_BUCKETS = 7  # 0, 1, …, 6 and "7+", as in the paper's conditional-expectation chart


@dataclass(frozen=True)
class FitOutcome:
    """What a fit found: BG/NBD always, Gamma-Gamma when the data allow it."""

    purchases: clv.BgNbdFit
    spend: clv.GammaGammaFit | None
    spend_error: str


def fit_summary(summary: RfmSummary, *, spend_model: bool = True) -> FitOutcome:
    """Fit both models to a summary; raises clv.ClvModelError when BG/NBD cannot be fitted."""
    if summary.customers == 0:
        raise clv.ClvModelError(
            f"There are no orders in {summary.currency} up to {summary.until:%Y-%m-%d}: "
            "nothing to fit the model to."
        )
    purchases = clv.bgnbd_fit(summary.frequency, summary.recency, summary.age)
    if not spend_model:
        return FitOutcome(purchases=purchases, spend=None, spend_error="")
    try:
        spend: clv.GammaGammaFit | None = clv.gamma_gamma_fit(summary.frequency, summary.monetary)
        spend_error = ""
    except clv.ClvModelError as error:
        spend, spend_error = None, f"Spend model not fitted: {error}"
    return FitOutcome(purchases=purchases, spend=spend, spend_error=spend_error)


def parameters_of(outcome: FitOutcome) -> dict[str, Any]:
    bgnbd = outcome.purchases.parameters
    spend = outcome.spend.parameters if outcome.spend else None
    return {
        "r": bgnbd.r,
        "alpha": bgnbd.alpha,
        "a": bgnbd.a,
        "b": bgnbd.b,
        "p": spend.p if spend else None,
        "q": spend.q if spend else None,
        "gamma": spend.gamma if spend else None,
        "gamma_gamma_log_likelihood": outcome.spend.log_likelihood if outcome.spend else None,
        "mean_repeat_spend": outcome.spend.mean_repeat_spend if outcome.spend else None,
    }


def bgnbd_parameters(parameters: dict[str, Any]) -> clv.BgNbdParameters:
    return clv.BgNbdParameters(
        r=float(parameters["r"]),
        alpha=float(parameters["alpha"]),
        a=float(parameters["a"]),
        b=float(parameters["b"]),
    )


def spend_parameters(parameters: dict[str, Any]) -> clv.GammaGammaParameters | None:
    if parameters.get("p") is None:
        return None
    return clv.GammaGammaParameters(
        p=float(parameters["p"]), q=float(parameters["q"]), gamma=float(parameters["gamma"])
    )


# --- The holdout check ------------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    """JSON has no NaN or infinity: a prediction that is not a finite number is left out."""
    return round(float(value), 4) if np.isfinite(value) else None


def holdout_comparison(summary: RfmSummary, parameters: clv.BgNbdParameters, end: date) -> dict[str, Any]:
    """Predicted against actual repeat purchases of the calibration customers after `until`:
    cumulative at each checkpoint, and per calibration frequency (the paper's figures 3 and 4)."""
    points = period_steps(summary.until, end, summary.unit)
    if not points or summary.customers == 0:
        return {}
    length = unit_days(summary.unit)
    cutoff = summary.until.toordinal()
    predicted, actual = [], []
    for point in points:
        horizon = (point.toordinal() - cutoff) / length
        expected = clv.conditional_expected_purchases(
            parameters, horizon, summary.frequency, summary.recency, summary.age
        )
        predicted.append(_finite(float(np.sum(expected))))
        actual.append(int(np.count_nonzero(summary.later_days <= point.toordinal())))
    horizon = (end.toordinal() - cutoff) / length
    expected = clv.conditional_expected_purchases(
        parameters, horizon, summary.frequency, summary.recency, summary.age
    )
    buckets = np.minimum(summary.frequency.astype(np.int64), FREQUENCY_BUCKETS)
    by_frequency = []
    for bucket in range(FREQUENCY_BUCKETS + 1):
        members = buckets == bucket
        count = int(np.count_nonzero(members))
        if not count:
            continue
        by_frequency.append(
            {
                "frequency": f"{bucket}+" if bucket == FREQUENCY_BUCKETS else str(bucket),
                "customers": count,
                "actual": _finite(float(np.mean(summary.later_purchases[members]))),
                "predicted": _finite(float(np.mean(expected[members]))),
            }
        )
    return {
        "calibration_until": summary.until.isoformat(),
        "end": end.isoformat(),
        "unit": summary.unit,
        "points": [point.isoformat() for point in points],
        "predicted": predicted,
        "actual": actual,
        "total_predicted": predicted[-1],
        "total_actual": actual[-1],
        "by_frequency": by_frequency,
    }


def _validation_holdout(currency: str, until: date, first_day: date, unit: str) -> dict[str, Any]:
    """With no orders after `until`, check the model on its own history: fit again on all but the
    last third (at most a year) and compare with what happened in that last stretch."""
    span = (until - first_day).days
    length = min(MAX_HOLDOUT_DAYS, span // 3)
    if length < 7:
        return {}
    calibration_until = until - timedelta(days=length)
    summary = rfm_summary(purchase_days(currency=currency, until=until), until=calibration_until, unit=unit)
    try:
        outcome = fit_summary(summary, spend_model=False)
    except clv.ClvModelError:
        return {}
    comparison = holdout_comparison(summary, outcome.purchases.parameters, until)
    if comparison:
        comparison["validation_parameters"] = {
            key: value for key, value in parameters_of(outcome).items() if key in {"r", "alpha", "a", "b"}
        }
    return comparison


# --- Fitting ----------------------------------------------------------------------------------------


def clv_fit_run(
    *,
    until: date | None = None,
    unit: str = ClvFit.Unit.WEEK,
    currency: str | None = None,
    refresh_values: bool = True,
    now: datetime | None = None,
) -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on the orders up to `until` (default: today) in `currency`
    (default: the main currency) and record the attempt. A failed attempt is recorded with its
    reason in `error` and no parameters; a successful one prices every customer unless told not to.
    """
    now = now or timezone.now()
    unit_days(unit)
    today = timezone.localdate(now)
    until = until or today
    currency = clean_currency(currency) if currency else main_currency()
    if currency is None:
        return _failed(until, unit, "", "There are no orders yet: the model is fitted on the order history.")
    purchases = purchase_days(currency=currency)
    summary = rfm_summary(purchases, until=until, unit=unit)
    try:
        outcome = fit_summary(summary)
    except clv.ClvModelError as error:
        failed = _failed(until, unit, currency, str(error), summary=summary)
        if refresh_values:
            # Revenue to date is worth showing anyway; predictions stay those of the last good fit.
            customer_values_refresh(now=now)
        return failed
    later_end = ordinal_date(int(summary.later_days.max())) if summary.later_days.size else None
    if later_end is not None:
        holdout = holdout_comparison(summary, outcome.purchases.parameters, later_end)
    else:
        first = ordinal_date(int(summary.first_days.min()))
        holdout = _validation_holdout(currency, until, first, unit)
    with transaction.atomic():
        fit = ClvFit.objects.create(
            until=until,
            unit=unit,
            currency=currency,
            customers=summary.customers,
            repeat_customers=summary.repeat_customers,
            parameters=parameters_of(outcome),
            log_likelihood=outcome.purchases.log_likelihood,
            holdout=holdout,
            error=outcome.spend_error,
        )
    logger.info(
        "CLV fit %s: %s customers in %s, LL %.1f", fit.public_id, fit.customers, currency, fit.log_likelihood
    )
    if refresh_values:
        customer_values_refresh(fit=fit, now=now)
    return fit


def _failed(
    until: date, unit: str, currency: str, message: str, *, summary: RfmSummary | None = None
) -> ClvFit:
    return ClvFit.objects.create(
        until=until,
        unit=unit,
        currency=currency,
        customers=summary.customers if summary else 0,
        repeat_customers=summary.repeat_customers if summary else 0,
        parameters={},
        log_likelihood=None,
        error=message,
    )


def latest_fit() -> ClvFit | None:
    """The latest successful fit (the one that prices customers)."""
    return ClvFit.objects.filter(log_likelihood__isnull=False).order_by("-created_at", "-id").first()


# --- Pricing every customer --------------------------------------------------------------------------


def _money(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value)) if isinstance(value, float) else value
    if not number.is_finite():
        return None
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def cohort_month(moment: datetime | None) -> date | None:
    """The first day of `moment`'s month in the workspace's zone (a customer's cohort)."""
    if moment is None:
        return None
    return timezone.localtime(moment, workspace_zone()).date().replace(day=1)


def customer_values_refresh(*, fit: ClvFit | None = None, now: datetime | None = None) -> int:
    """Recompute `CustomerValue` for every customer (everyone with a counted order): revenue to date
    and, with a fit, the predictions as of today. Customers without orders any more lose their row.

    Each customer's figures are in one currency: the fit's when they bought in it, else the
    currency they bought most in (those get no prediction: the model is fitted in another one).
    Returns the number of customers priced.
    """
    now = now or timezone.now()
    fit = fit if fit is not None else latest_fit()
    rows = (
        counted_orders()
        .values("contact_id", "currency")
        .annotate(
            orders=Count("id"),
            revenue=Sum("total") - Sum("refunded_total"),
            first_at=Min("ordered_at"),
            last_at=Max("ordered_at"),
        )
        .order_by("contact_id", "-orders", "currency")
    )
    preferred = fit.currency if fit is not None and fit.log_likelihood is not None else None
    chosen: dict[int, dict[str, Any]] = {}
    row: dict[str, Any]
    for row in rows.iterator(chunk_size=20_000):  # type: ignore[assignment]
        current = chosen.get(row["contact_id"])
        if current is None or (row["currency"] == preferred and current["currency"] != preferred):
            chosen[row["contact_id"]] = row
    predictions = _predictions(fit, now) if preferred else {}
    values = []
    for contact_id, row in chosen.items():
        prediction = predictions.get(contact_id) if row["currency"] == preferred else None
        values.append(
            CustomerValue(
                contact_id=contact_id,
                fit=fit if prediction else None,
                currency=row["currency"],
                orders=row["orders"],
                revenue=_money(Decimal(row["revenue"] or 0)) or Decimal(0),
                first_order_at=row["first_at"],
                first_order_month=cohort_month(row["first_at"]),
                last_order_at=row["last_at"],
                probability_alive=prediction[0] if prediction else None,
                expected_purchases=prediction[1] if prediction else None,
                expected_spend=_money(prediction[2]) if prediction else None,
                predicted_value=_money(prediction[3]) if prediction else None,
                computed_at=now,
            )
        )
    fields = [
        "fit",
        "currency",
        "orders",
        "revenue",
        "first_order_at",
        "first_order_month",
        "last_order_at",
        "probability_alive",
        "expected_purchases",
        "expected_spend",
        "predicted_value",
        "computed_at",
    ]
    with transaction.atomic():
        CustomerValue.objects.exclude(contact_id__in=counted_orders().values("contact_id")).delete()
        for start in range(0, len(values), WRITE_BATCH):
            CustomerValue.objects.bulk_create(
                values[start : start + WRITE_BATCH],
                update_conflicts=True,
                unique_fields=["contact"],
                update_fields=fields,
            )
    return len(values)


Prediction = tuple[float, float, float | None, float | None]


def _predictions(fit: ClvFit | None, now: datetime) -> dict[int, Prediction]:
    """contact id → (P(alive), purchases expected in 12 months, expected spend, predicted value)."""
    if fit is None or not fit.parameters or fit.log_likelihood is None:
        return {}
    today = timezone.localdate(now)
    summary = rfm_summary(purchase_days(currency=fit.currency), until=today, unit=fit.unit)
    if summary.customers == 0:
        return {}
    purchases_model = bgnbd_parameters(fit.parameters)
    spend_model = spend_parameters(fit.parameters)
    with np.errstate(all="ignore"):
        alive = clv.probability_alive(purchases_model, summary.frequency, summary.recency, summary.age)
        expected = clv.conditional_expected_purchases(
            purchases_model, one_year(fit.unit), summary.frequency, summary.recency, summary.age
        )
        spend = (
            clv.conditional_expected_spend(spend_model, summary.frequency, summary.monetary)
            if spend_model is not None and spend_model.q > 1
            else None
        )
    result: dict[int, Prediction] = {}
    for index, contact_id in enumerate(summary.contact_ids.tolist()):
        purchases = float(expected[index]) if np.isfinite(expected[index]) else 0.0
        average = float(spend[index]) if spend is not None and np.isfinite(spend[index]) else None
        result[contact_id] = (
            float(alive[index]),
            purchases,
            average,
            purchases * average if average is not None else None,
        )
    return result


def customer_values_stale(*, now: datetime | None = None) -> bool:
    """True when orders changed since the values were last computed."""
    computed_at = CustomerValue.objects.aggregate(at=Max("computed_at"))["at"]
    if computed_at is None:
        return counted_orders().exists()
    from leadline.sales.models import Order

    return Order.objects.filter(updated_at__gt=computed_at).exists()


def clv_summary(**kwargs: Any) -> Any:
    """`value_selectors.clv_summary` (the read), importable from here for the benchmark."""
    from leadline.analytics.value_selectors import clv_summary as summary

    return summary(**kwargs)


__all__ = [
    "ClvDataError",
    "clv_fit_run",
    "clv_summary",
    "customer_values_refresh",
    "customer_values_stale",
    "latest_fit",
]
