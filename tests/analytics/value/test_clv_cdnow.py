"""The published CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013), reproduced to
within 1%: on the pure functions, and end to end from an order import to `manage clv_fit`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from click.testing import CliRunner
from django.core.management import call_command

from leadline.analytics import clv
from leadline.cli import main
from tests.analytics.value.cdnow import cdnow_summary, write_cdnow_csv

PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def assert_within_one_percent(found: dict[str, float], published: dict[str, float]) -> None:
    for name, value in published.items():
        assert found[name] == pytest.approx(value, rel=0.01), name


def test_it_reproduces_the_published_bgnbd_estimates():
    frequency, recency, age, _spend = cdnow_summary()

    fit = clv.bgnbd_fit(frequency, recency, age)

    assert fit.customers == 2357
    assert fit.repeat_customers == 946
    assert_within_one_percent(vars(fit.parameters), PUBLISHED_BGNBD)
    assert fit.log_likelihood == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, rel=0.01)
    assert fit.log_likelihood == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.1)


def test_it_reproduces_the_published_gamma_gamma_estimates():
    frequency, _recency, _age, spend = cdnow_summary()

    fit = clv.gamma_gamma_fit(frequency, spend)

    assert fit.repeat_customers == 946
    assert_within_one_percent(vars(fit.parameters), PUBLISHED_GAMMA_GAMMA)


def test_it_reproduces_the_paper_s_predictions_for_a_customer():
    # Fader, Hardie & Lee's worked example: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in 39 weeks.
    parameters = clv.BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426)

    expected = clv.conditional_expected_purchases(parameters, 39, 2, 30.43, 38.86)

    assert float(expected) == pytest.approx(1.226, abs=0.002)


@pytest.mark.django_db(transaction=True)
def test_it_fits_the_published_estimates_from_imported_orders(tmp_path):
    source = write_cdnow_csv(tmp_path / "cdnow.csv")
    imported = CliRunner().invoke(main, ["import", "orders", str(source)])
    assert imported.exit_code == 0, imported.output
    out = StringIO()

    call_command("clv_fit", "--until", "1997-09-30", "--unit", "week", "--json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["customers"] == 2357
    assert report["repeat_customers"] == 946
    assert report["currency"] == "USD"
    assert_within_one_percent(report, {**PUBLISHED_BGNBD, **PUBLISHED_GAMMA_GAMMA})
    assert report["log_likelihood"] == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.1)
    assert report["holdout"]["end"] == "1998-06-30"
