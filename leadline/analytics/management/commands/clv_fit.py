"""`leadline manage clv_fit [--until DATE] [--unit day|week] [--currency CODE] [--json]`: fit the
lifetime-value models on the workspace's orders now, print the parameters and price every customer
(the scheduler does this weekly)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadline.analytics.clv_services import clv_fit_run
from leadline.analytics.models import ClvFit

PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "gamma")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--until: “{text}” is not a date; give it as YYYY-MM-DD.") from None


def fit_report(fit: ClvFit) -> dict[str, Any]:
    """The figures the command prints, as one flat JSON object."""
    parameters = fit.parameters or {}
    return {
        **{name: parameters.get(name) for name in PARAMETERS},
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "repeat_customers": fit.repeat_customers,
        "mean_repeat_spend": parameters.get("mean_repeat_spend"),
        "gamma_gamma_log_likelihood": parameters.get("gamma_gamma_log_likelihood"),
        "until": fit.until.isoformat(),
        "unit": fit.unit,
        "currency": fit.currency,
        "holdout": {
            key: fit.holdout.get(key)
            for key in ("calibration_until", "end", "total_predicted", "total_actual")
        }
        if fit.holdout
        else None,
        "warning": fit.error or None,
        "fit": str(fit.public_id),
    }


class Command(BaseCommand):
    help = (
        "Fit the lifetime-value models (BG/NBD for purchases, Gamma-Gamma for spend) on the orders up to "
        "--until, print the parameters and price every customer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", type=_date, help="End of the calibration period (default: today).")
        parser.add_argument(
            "--unit", choices=["day", "week"], default="week", help="Time unit (default: week)."
        )
        parser.add_argument(
            "--currency",
            help="Fit on the orders in this currency (default: the currency of most orders). "
            "Amounts in different currencies are never added up.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--no-refresh", action="store_true", help="Only fit; do not recompute every customer's value."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fit = clv_fit_run(
                until=options["until"],
                unit=options["unit"],
                currency=options["currency"],
                refresh_values=not options["no_refresh"],
            )
        except ValidationError as error:
            raise CommandError(f"--currency: {' '.join(error.messages)}") from None
        if fit.log_likelihood is None:
            raise CommandError(f"The model was not fitted: {fit.error}")
        report = fit_report(fit)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(
            f"Fitted on {fit.customers:,} customers ({fit.repeat_customers:,} bought again) in {fit.currency}, "
            f"orders up to {fit.until:%Y-%m-%d}, time in {fit.unit}s."
        )
        self.stdout.write(
            "BG/NBD: r = {r:.4g}, alpha = {alpha:.4g}, a = {a:.4g}, b = {b:.4g}; log-likelihood {ll:.1f}".format(
                ll=fit.log_likelihood, **{key: report[key] for key in ("r", "alpha", "a", "b")}
            )
        )
        if report["p"] is not None:
            self.stdout.write(
                f"Gamma-Gamma: p = {report['p']:.4g}, q = {report['q']:.4g}, gamma = {report['gamma']:.4g} "
                f"(mean repeat spend {report['mean_repeat_spend']:.2f})"
            )
        if fit.error:
            self.stdout.write(fit.error)
        if fit.holdout:
            self.stdout.write(
                f"Holdout {fit.holdout['calibration_until']} to {fit.holdout['end']}: "
                f"{fit.holdout['total_predicted']:.0f} repeat purchases predicted, "
                f"{fit.holdout['total_actual']} made."
            )
