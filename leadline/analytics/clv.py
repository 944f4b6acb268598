"""The lifetime-value models, as plain numeric functions over arrays: BG/NBD for how many purchases a
customer makes and whether they are still "alive", Gamma-Gamma for how much they spend per purchase
(Fader, Hardie & Lee 2005, "Counting your customers the easy way", and Fader & Hardie 2013, "The
Gamma-Gamma model of monetary value"). Fitted by maximum likelihood; no database here.

Inputs per customer: `frequency` (x, repeat purchases), `recency` (t_x, the time of the last
purchase since the first) and `age` (T, the time since the first purchase), all in one unit, and
`monetary` (the mean spend of the repeat purchases).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

FloatArray = NDArray[np.float64]

MIN_CUSTOMERS = 2
MIN_REPEAT_CUSTOMERS = 2
# Parameters are searched as logarithms within ±LOG_BOUND (e^±15: 3e-7 to 3e6).
LOG_BOUND = 15.0


class ClvModelError(ValueError):
    """The data cannot identify the model (too few customers, nobody bought twice, ...)."""


@dataclass(frozen=True)
class BgNbdParameters:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class BgNbdFit:
    parameters: BgNbdParameters
    log_likelihood: float
    customers: int
    repeat_customers: int


@dataclass(frozen=True)
class GammaGammaParameters:
    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class GammaGammaFit:
    parameters: GammaGammaParameters
    log_likelihood: float
    repeat_customers: int
    mean_repeat_spend: float


def _arrays(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(value, dtype=np.float64) for value in values]


# --- BG/NBD ------------------------------------------------------------------------------------------


def bgnbd_log_likelihood_terms(
    parameters: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """Each customer's log-likelihood (equation 6 of the paper, computed in logs for stability)."""
    x, t_x, big_t = _arrays(frequency, recency, age)
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    common = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    still_alive = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    # Only customers with repeat purchases may have dropped out after their last one.
    dropped = np.full_like(x, -np.inf)
    dropped[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return np.asarray(common + np.logaddexp(still_alive, dropped), dtype=np.float64)


def bgnbd_log_likelihood(
    parameters: BgNbdParameters,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
    weights: ArrayLike | None = None,
) -> float:
    terms = bgnbd_log_likelihood_terms(parameters, frequency, recency, age)
    if weights is None:
        return float(np.sum(terms))
    return float(np.dot(np.asarray(weights, dtype=np.float64), terms))


def _compress(*columns: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Identical customers (same x, t_x, T) counted once with a weight: CDNOW's 2,357 become ~1,400."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, index] for index in range(unique.shape[1])], counts.astype(np.float64)


def _minimise(objective: Callable[[FloatArray], float], starts: list[FloatArray]) -> optimize.OptimizeResult:
    """The best of L-BFGS-B runs from several starts, then polished by a bounded Nelder-Mead run."""
    best: optimize.OptimizeResult | None = None
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(starts[0])
    for start in starts:
        try:
            result = optimize.minimize(objective, start, method="L-BFGS-B", bounds=bounds)
        except (FloatingPointError, ValueError):
            continue
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise ClvModelError("The model could not be fitted to these purchases.")
    if np.any(np.abs(best.x) >= LOG_BOUND - 0.01):
        return best  # ran off to the edge: refused by the caller, no point polishing
    try:
        polished = optimize.minimize(
            objective,
            best.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": 600, "xatol": 1e-7, "fatol": 1e-9},
        )
    except (FloatingPointError, ValueError):
        return best
    return polished if np.isfinite(polished.fun) and polished.fun <= best.fun else best


def _refuse_diverged(log_parameters: FloatArray, names: tuple[str, ...], model: str) -> None:
    """A parameter that runs off to the edge of the search means the data cannot pin the model
    down (too few customers, or all alike): say so rather than price customers with it."""
    diverged = [
        name for name, value in zip(names, log_parameters, strict=True) if abs(value) >= LOG_BOUND - 0.01
    ]
    if diverged:
        raise ClvModelError(
            f"The {model} cannot be pinned down from this history ({', '.join(diverged)} runs off to its "
            "limit): it needs more customers, and more variety in how often they buy."
        )


def bgnbd_fit(frequency: ArrayLike, recency: ArrayLike, age: ArrayLike) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters (searched on the log scale, so all stay positive)."""
    x, t_x, big_t = _arrays(frequency, recency, age)
    if x.size < MIN_CUSTOMERS:
        raise ClvModelError(
            f"At least {MIN_CUSTOMERS} customers are needed to fit the purchase model; there "
            f"{'is' if x.size == 1 else 'are'} {x.size}."
        )
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9):
        raise ClvModelError("Recency must lie between 0 and the customer's age, and frequency be ≥ 0.")
    repeat_customers = int(np.count_nonzero(x > 0))
    if repeat_customers == 0:
        raise ClvModelError(
            "Nobody has bought more than once yet: from first purchases alone neither the purchase "
            "model (BG/NBD) nor the spend model (Gamma-Gamma, which needs repeat purchases) can be fitted."
        )
    if repeat_customers < MIN_REPEAT_CUSTOMERS:
        raise ClvModelError(
            f"Only {repeat_customers} customer{'' if repeat_customers == 1 else 's'} bought more than "
            f"once; the purchase model needs at least {MIN_REPEAT_CUSTOMERS} repeat customers."
        )
    if not np.any(big_t > 0):
        raise ClvModelError("Every customer bought for the first time at the very end of the period.")
    (ux, ut_x, ut), weights = _compress(x, t_x, big_t)

    def objective(log_parameters: FloatArray) -> float:
        r, alpha, a, b = np.exp(log_parameters)
        with np.errstate(all="ignore"):
            value = -bgnbd_log_likelihood(BgNbdParameters(r, alpha, a, b), ux, ut_x, ut, weights)
        return value if np.isfinite(value) else 1e300

    scale = max(float(np.mean(big_t)), 1e-3)
    starts = [
        np.log([1.0, scale, 1.0, 1.0]),
        np.log([0.5, scale / 4, 0.5, 2.0]),
        np.log([1.0, 1.0, 1.0, 1.0]),
    ]
    result = _minimise(objective, starts)
    _refuse_diverged(result.x, ("r", "alpha", "a", "b"), "purchase model (BG/NBD)")
    r, alpha, a, b = (float(value) for value in np.exp(result.x))
    parameters = BgNbdParameters(r=r, alpha=alpha, a=a, b=b)
    return BgNbdFit(
        parameters=parameters,
        log_likelihood=float(-result.fun),
        customers=int(x.size),
        repeat_customers=repeat_customers,
    )


def _dropout_odds(
    parameters: BgNbdParameters, x: FloatArray, t_x: FloatArray, big_t: FloatArray
) -> FloatArray:
    """a/(b+x-1) · ((α+T)/(α+t_x))^(r+x) for repeat customers, 0 for the others, in a stable form."""
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    odds = np.zeros_like(x)
    repeat = x > 0
    log_odds = (
        np.log(a)
        - np.log(b + x[repeat] - 1)
        + (r + x[repeat]) * (np.log(alpha + big_t[repeat]) - np.log(alpha + t_x[repeat]))
    )
    odds[repeat] = np.exp(np.minimum(log_odds, 700.0))
    return odds


def probability_alive(
    parameters: BgNbdParameters, frequency: ArrayLike, recency: ArrayLike, age: ArrayLike
) -> FloatArray:
    """P(still a customer | x, t_x, T): equation 11 of the paper."""
    x, t_x, big_t = _arrays(frequency, recency, age)
    return np.asarray(1.0 / (1.0 + _dropout_odds(parameters, x, t_x, big_t)), dtype=np.float64)


def expected_purchases(parameters: BgNbdParameters, time: ArrayLike) -> FloatArray:
    """E[X(t)]: purchases a new customer is expected to repeat within `t` of their first (equation 7)."""
    (t,) = _arrays(time)
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    hypergeometric = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hypergeometric)
    return np.asarray(value, dtype=np.float64)


def conditional_expected_purchases(
    parameters: BgNbdParameters,
    time: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    age: ArrayLike,
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: purchases expected in the next `t` (equation 10 of the paper)."""
    t, x, t_x, big_t = _arrays(time, frequency, recency, age)
    r, alpha, a, b = parameters.r, parameters.alpha, parameters.a, parameters.b
    z = t / (alpha + big_t + t)
    hypergeometric = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hypergeometric
    value = first * second / (1 + _dropout_odds(parameters, x, t_x, big_t))
    return np.asarray(np.where(t > 0, value, 0.0), dtype=np.float64)


# --- Gamma-Gamma ------------------------------------------------------------------------------------


def gamma_gamma_log_likelihood_terms(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    x, m = _arrays(frequency, monetary)
    p, q, gamma = parameters.p, parameters.q, parameters.gamma
    value = (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m * x)
    )
    return np.asarray(value, dtype=np.float64)


def gamma_gamma_log_likelihood(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary: ArrayLike
) -> float:
    return float(np.sum(gamma_gamma_log_likelihood_terms(parameters, frequency, monetary)))


def gamma_gamma_fit(frequency: ArrayLike, monetary: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood spend parameters over the repeat customers (x > 0) with a positive spend."""
    x, m = _arrays(frequency, monetary)
    usable = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[usable], m[usable]
    if x.size < MIN_REPEAT_CUSTOMERS:
        raise ClvModelError(
            "The spend model needs customers who bought more than once: "
            + (
                "every customer so far bought only once."
                if x.size == 0
                else f"only {x.size} did, and at least {MIN_REPEAT_CUSTOMERS} are needed."
            )
        )
    if np.allclose(m, m[0]):
        raise ClvModelError("Every repeat customer spent exactly the same: the spend model cannot be fitted.")

    def objective(log_parameters: FloatArray) -> float:
        p, q, gamma = np.exp(log_parameters)
        with np.errstate(all="ignore"):
            value = -gamma_gamma_log_likelihood(GammaGammaParameters(p, q, gamma), x, m)
        return value if np.isfinite(value) else 1e300

    mean = float(np.mean(m))
    starts = [np.log([1.0, 1.0, 1.0]), np.log([2.0, 3.0, mean]), np.log([5.0, 5.0, 5.0 * mean])]
    result = _minimise(objective, starts)
    _refuse_diverged(result.x, ("p", "q", "gamma"), "spend model (Gamma-Gamma)")
    p, q, gamma = (float(value) for value in np.exp(result.x))
    return GammaGammaFit(
        parameters=GammaGammaParameters(p=p, q=q, gamma=gamma),
        log_likelihood=float(-result.fun),
        repeat_customers=int(x.size),
        mean_repeat_spend=mean,
    )


def population_mean_spend(parameters: GammaGammaParameters) -> float:
    """E[M] = pγ/(q−1); infinite when q ≤ 1 (the model then predicts no finite mean)."""
    if parameters.q <= 1:
        return float("inf")
    return parameters.p * parameters.gamma / (parameters.q - 1)


def conditional_expected_spend(
    parameters: GammaGammaParameters, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """E[M | p, q, γ, m_x, x]: a weighted mean of the population mean and the customer's own mean
    (customers without repeat purchases get the population mean)."""
    x, m = _arrays(frequency, monetary)
    p, q, gamma = parameters.p, parameters.q, parameters.gamma
    m = np.where(x > 0, m, 0.0)
    value = (gamma + m * x) * p / (p * x + q - 1)
    return np.asarray(value, dtype=np.float64)
