"""The exact binomial test and Clopper-Pearson interval of `kb effect`, without importing scipy.stats.

scipy.stats.binomtest(k, n, p).pvalue (two-sided) and .proportion_ci(method="exact") give the
values here bit for bit: the same special functions (scipy.special's binomial pmf, cdf and sf, as
scipy.stats.binom calls them), the same search for the other tail, and Brent's root finder as
scipy.optimize.brentq runs it (its C loop, transcribed). What this saves: importing scipy.stats
(~0.8 s CPU) and its per-call argument handling (a report tests hundreds of fixes, each with about
forty pmf/cdf/sf calls). tests/test_binomial.py compares both on thousands of inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy.special import _ufuncs as _scu

_XTOL, _RTOL, _MAXITER = 2e-12, 4 * 2.220446049250313e-16, 100  # scipy.optimize.brentq's defaults


def pmf(k: float, n: int, p: float) -> float:
    """scipy.stats.binom.pmf(k, n, p) for 0 <= p <= 1 and n >= 0."""
    if k < 0 or k > n or math.floor(k) != k:
        return 0.0
    return min(max(float(_scu._binom_pmf(k, n, p)), 0.0), 1.0)


def cdf(k: float, n: int, p: float) -> float:
    """scipy.stats.binom.cdf(k, n, p) for 0 <= p <= 1 and n >= 0."""
    if k >= n:
        return 1.0
    if k < 0:
        return 0.0
    return min(max(float(_scu._binom_cdf(math.floor(k), n, p)), 0.0), 1.0)


def sf(k: float, n: int, p: float) -> float:
    """scipy.stats.binom.sf(k, n, p) for 0 <= p <= 1 and n >= 0."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return min(max(float(_scu._binom_sf(math.floor(k), n, p)), 0.0), 1.0)


def two_sided_pvalue(k: int, n: int, p: float) -> float:
    """scipy.stats.binomtest(k, n, p).pvalue: the probability of outcomes no more likely than k."""
    if not (0 <= k <= n and n >= 1 and 0 <= p <= 1):
        raise ValueError(f"binomial test of k={k} in n={n} at p={p}: expected 0 <= k <= n, n >= 1, 0 <= p <= 1")
    d = pmf(k, n, p)
    rerr = 1 + 1e-7
    if k == p * n:
        return 1.0
    if k < p * n:
        ix = _search(lambda x: -pmf(x, n, p), -d * rerr, math.ceil(p * n), n)
        y = n - ix + int(d * rerr == pmf(ix, n, p))
        pval = cdf(k, n, p) + sf(n - y, n, p)
    else:
        ix = _search(lambda x: pmf(x, n, p), d * rerr, 0, math.floor(p * n))
        y = ix + 1
        pval = cdf(y - 1, n, p) + sf(k - 1, n, p)
    return min(1.0, pval)


def _search(a: Callable[[int], float], d: float, lo: int, hi: int) -> int:
    """scipy's binary search for the other tail: the i in lo..hi with a(i) <= d < a(i + 1)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        midval = a(mid)
        if midval < d:
            lo = mid + 1
        elif midval > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


def exact_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The two-sided Clopper-Pearson interval of k successes in n trials (proportion_ci, "exact")."""
    alpha = (1 - confidence) / 2
    low = 0.0 if k == 0 else brentq(lambda p: sf(k - 1, n, p) - alpha, 0.0, 1.0)
    high = 1.0 if k == n else brentq(lambda p: cdf(k, n, p) - alpha, 0.0, 1.0)
    return low, high


def brentq(f: Callable[[float], float], xa: float, xb: float) -> float:
    """A root of f in [xa, xb] (the signs of f(xa) and f(xb) differ), as scipy.optimize.brentq finds
    it with its default tolerances: scipy's C loop (scipy/optimize/Zeros/brentq.c), step for step."""
    xpre, xcur = xa, xb
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = f(xpre), f(xcur)
    if math.isnan(fpre) or math.isnan(fcur):
        raise ValueError("the function is NaN at an end of the bracket")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(_MAXITER):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (_XTOL + _RTOL * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)  # interpolate
            else:
                dpre = (fpre - fcur) / (xpre - xcur)  # extrapolate
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry  # a good short step
            else:
                spre = scur = sbis  # bisect
        else:
            spre = scur = sbis  # bisect
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = f(xcur)
        if math.isnan(fcur):
            raise ValueError("the function is NaN inside the bracket")
    raise RuntimeError("the root search did not converge in 100 steps")


__all__ = ["brentq", "cdf", "exact_interval", "pmf", "sf", "two_sided_pvalue"]
