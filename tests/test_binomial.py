"""kb.analysis.binomial and the report's Poisson interval give scipy.stats' values bit for bit."""

from __future__ import annotations

import random

import pytest
from scipy.stats import binomtest, chi2

from kb.analysis import binomial
from kb.analysis.effect import rate_ratio_test
from kb.charts.evidence import _chi2_ppf, poisson_rate_ci


def _cases() -> list[tuple[int, int]]:
    rng = random.Random(15)
    small = [(k, n) for n in range(1, 20) for k in range(n + 1)]
    large = [(rng.randint(0, n), n) for n in (rng.randint(30, 3000) for _ in range(60))]
    return small + large + [(0, 1), (1, 1), (0, 3000), (3000, 3000)]


def test_two_sided_pvalue_is_scipys() -> None:
    rng = random.Random(7)
    checked = 0
    for k, n in _cases():
        for p in (rng.random(), 0.5, k / n, min(1.0, (k + 0.5) / n), 1e-6, 0.999999, 0.0, 1.0):
            assert binomial.two_sided_pvalue(k, n, p) == float(binomtest(k, n, p).pvalue), (k, n, p)
            checked += 1
    assert checked > 2000


def test_exact_interval_is_scipys() -> None:
    for confidence in (0.95, 0.9):
        for k, n in _cases():
            ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
            assert binomial.exact_interval(k, n, confidence) == (float(ci.low), float(ci.high)), (k, n)


def test_brentq_is_scipys() -> None:
    from scipy.optimize import brentq

    rng = random.Random(3)
    for _ in range(300):
        a, b, c = rng.uniform(-5, 5), rng.uniform(0.1, 3), rng.choice((1, 3, 5, 7))

        def f(x: float, a: float = a, b: float = b, c: int = c) -> float:
            return (x - a) ** c * b + 0.25 * (x - a)

        assert binomial.brentq(f, a - 10, a + 7) == brentq(f, a - 10, a + 7)
    with pytest.raises(ValueError, match="different signs"):
        binomial.brentq(lambda x: x * x + 1, -1.0, 1.0)


def test_rate_ratio_test_keeps_its_answers() -> None:
    """One fix's test by hand: n_after of N is Binomial(N, E_after / (E_after + E_before))."""
    test = rate_ratio_test(12, 400.0, 2, 200.0)
    p0 = 200.0 / 600.0
    ci = binomtest(2, 14).proportion_ci(confidence_level=0.95, method="exact")
    assert test.p_value == float(binomtest(2, 14, p0).pvalue)
    assert test.ci_low == float(ci.low) / (1 - float(ci.low)) * 2.0
    assert test.ci_high == float(ci.high) / (1 - float(ci.high)) * 2.0
    assert test.rate_ratio == (2 / 200.0) / (12 / 400.0)


def test_chi2_ppf_is_scipys() -> None:
    for q in (0.025, 0.975, 0.05, 0.5):
        for df in range(1, 4000, 7):
            assert _chi2_ppf(q, df) == float(chi2.ppf(q, df)), (q, df)
    low, high = poisson_rate_ci(5, 90.0)
    per_days = 90.0  # kb.analysis.effect.PER_DAYS: rates per 90 days, over 90 days of exposure here
    assert (low, high) == (
        float(chi2.ppf((1 - 0.95) / 2, 10) / 2) / 90.0 * per_days,
        float(chi2.ppf(1 - (1 - 0.95) / 2, 12) / 2) / 90.0 * per_days,
    )
    assert poisson_rate_ci(0, 90.0)[0] == 0.0
