"""Data simulated from known parameters (a seeded generator) give those parameters back."""

from __future__ import annotations

import numpy as np
import pytest

from leadline.analytics import clv

TRUE_BGNBD = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
TRUE_SPEND = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def simulate_bgnbd(customers: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each customer buys at rate λ ~ Gamma(r, α) and, after each repeat purchase, drops out with
    probability p ~ Beta(a, b); they are watched for T weeks after their first purchase."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(TRUE_BGNBD["r"], 1 / TRUE_BGNBD["alpha"], customers)
    dropouts = rng.beta(TRUE_BGNBD["a"], TRUE_BGNBD["b"], customers)
    ages = rng.uniform(26, 52, customers)
    frequency, recency = np.zeros(customers), np.zeros(customers)
    for index in range(customers):
        now, purchases, last = 0.0, 0, 0.0
        while True:
            now += rng.exponential(1 / rates[index])
            if now > ages[index]:
                break
            purchases, last = purchases + 1, now
            if rng.random() < dropouts[index]:
                break
        frequency[index], recency[index] = purchases, last
    return frequency, recency, ages


def simulate_spend(frequency: np.ndarray, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = rng.gamma(TRUE_SPEND["q"], 1 / TRUE_SPEND["gamma"], frequency.size)
    spend = np.zeros(frequency.size)
    for index, count in enumerate(frequency.astype(int)):
        if count:
            spend[index] = rng.gamma(TRUE_SPEND["p"], 1 / scale[index], count).mean()
    return spend


def test_it_recovers_the_bgnbd_parameters_it_was_simulated_with():
    frequency, recency, age = simulate_bgnbd(10_000)

    fit = clv.bgnbd_fit(frequency, recency, age)

    # The purchase rate is pinned down well; the dropout's two shape parameters less so (their
    # mean a/(a+b) is, again, well identified).
    found = fit.parameters
    assert found.r == pytest.approx(TRUE_BGNBD["r"], rel=0.1)
    assert found.alpha == pytest.approx(TRUE_BGNBD["alpha"], rel=0.1)
    assert found.a == pytest.approx(TRUE_BGNBD["a"], rel=0.2)
    assert found.b == pytest.approx(TRUE_BGNBD["b"], rel=0.2)
    assert found.a / (found.a + found.b) == pytest.approx(0.8 / 3.3, rel=0.05)


def test_it_recovers_the_gamma_gamma_parameters_it_was_simulated_with():
    frequency = np.random.default_rng(3).integers(1, 8, 6000).astype(float)

    fit = clv.gamma_gamma_fit(frequency, simulate_spend(frequency))

    assert clv.population_mean_spend(fit.parameters) == pytest.approx(
        TRUE_SPEND["p"] * TRUE_SPEND["gamma"] / (TRUE_SPEND["q"] - 1), rel=0.05
    )
    for name, value in TRUE_SPEND.items():
        assert getattr(fit.parameters, name) == pytest.approx(value, rel=0.25), name


def test_it_predicts_about_as_many_purchases_as_the_simulation_makes_next():
    parameters = clv.BgNbdParameters(**TRUE_BGNBD)
    # A customer never seen again after a first purchase long ago is probably gone.
    assert float(clv.probability_alive(parameters, 0, 0, 52)) == 1.0
    assert float(clv.probability_alive(parameters, 3, 2, 52)) < float(
        clv.probability_alive(parameters, 3, 50, 52)
    )
    assert float(clv.conditional_expected_purchases(parameters, 52, 3, 50, 52)) > float(
        clv.conditional_expected_purchases(parameters, 52, 3, 2, 52)
    )
    assert float(clv.conditional_expected_purchases(parameters, 0, 3, 50, 52)) == 0.0


def test_it_refuses_to_fit_too_little_data():
    with pytest.raises(clv.ClvModelError, match="At least 2 customers"):
        clv.bgnbd_fit([1], [2.0], [5.0])
    with pytest.raises(clv.ClvModelError, match="Nobody has bought more than once"):
        clv.bgnbd_fit([0, 0, 0], [0, 0, 0], [3.0, 4.0, 5.0])
    with pytest.raises(clv.ClvModelError, match="every customer so far bought only once"):
        clv.gamma_gamma_fit([0, 0], [0.0, 0.0])
