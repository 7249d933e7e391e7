"""The upper tail of the hypergeometric distribution, with the math module only.

`kb clusters` asks, for each lifted pair of items, how likely it is to see at least that many
incidents with both by chance. scipy.stats.hypergeom answered before, but importing scipy.stats
cost about 0.8 s of CPU (2.3 s on a loaded machine) of every run, more than the computation.
This is the algorithm of R's phyper/dhyper: the density from Loader's saddle-point expansion of
the binomial density (stirlerr, bd0: no difference of large log-factorials, so no cancellation),
the tail as that density times the sum of density ratios towards the far end, from the side where
the tail is the smaller one. Agrees with scipy.stats.hypergeom.sf to 1e-12 relative (a test
checks thousands of inputs); pure Python, about 10 microseconds per pair.

Loader, C. (2000). Fast and accurate computation of binomial probabilities.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from decimal import Decimal, localcontext

_LN_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_EPS = sys.float_info.epsilon

# stirlerr(n) = ln(n!) - ln(sqrt(2 pi n) (n/e)^n), exact up to n = 15 (the series is not yet accurate there).
_STIRLERR_SMALL = [0.0] + [math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LN_SQRT_2PI for n in range(1, 16)]
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188


def _stirlerr(n: int) -> float:
    if n <= 15:
        return _STIRLERR_SMALL[n]
    nn = float(n) * n
    if n > 500:
        return (_S0 - _S1 / nn) / n
    if n > 80:
        return (_S0 - (_S1 - _S2 / nn) / nn) / n
    if n > 35:
        return (_S0 - (_S1 - (_S2 - _S3 / nn) / nn) / nn) / n
    return (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / n


def _xlog(a: int, num: int, den: int) -> float:
    """a * ln(num / den) from exact integers, to 40 digits: in floats, the rounding of the ratio
    alone is an absolute error of about a * 1e-16 (1e-11 at 100,000 incidents)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return float(Decimal(a) * (Decimal(num) / Decimal(den)).ln())


def _bd0(x: int, num: int, den: int) -> float:
    """x ln(x / m) + m - x for m = num / den (exact integers), without cancellation when x is close to m."""
    diff, both = x * den - num, x * den + num  # (x - m) * den and (x + m) * den, exactly
    if 10 * abs(diff) < both:
        v = diff / both
        s = diff / den * v
        if abs(s) < sys.float_info.min:
            return s
        ej = 2 * x * v
        v *= v
        for j in range(1, 1000):
            ej *= v
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
    with localcontext() as ctx:
        ctx.prec = 40
        dx, m = Decimal(x), Decimal(num) / Decimal(den)
        return float((dx * (dx / m).ln() if x else Decimal(0)) + m - dx)


def _log_dbinom(x: int, n: int, draws: int, total: int) -> float:
    """ln of the binomial density P(X = x), X ~ Binomial(n, p) with p = draws / total."""
    rest = total - draws
    if draws == 0:
        return 0.0 if x == 0 else -math.inf
    if rest == 0:
        return 0.0 if x == n else -math.inf
    if x == 0:
        if n == 0:
            return 0.0
        return -_bd0(n, n * rest, total) - n * draws / total if 10 * draws < total else _xlog(n, rest, total)
    if x == n:
        return -_bd0(n, n * draws, total) - n * rest / total if 10 * rest < total else _xlog(n, draws, total)
    if x < 0 or x > n:
        return -math.inf
    lc = _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, n * draws, total) - _bd0(n - x, n * rest, total)
    lf = 2 * _LN_SQRT_2PI + math.log(x) + math.log1p(-x / n)
    return lc - 0.5 * lf


def _log_dhyper(x: int, red: int, black: int, n: int) -> float:
    """ln P(X = x): x red among n balls drawn from `red` red and `black` black ones."""
    if n < x or red < x or n - x > black:
        return -math.inf
    if n == 0:
        return 0.0 if x == 0 else -math.inf
    total = red + black
    return _log_dbinom(x, red, n, total) + _log_dbinom(n - x, black, n, total) - _log_dbinom(n, total, n, total)


def _lower_ratio_sum(x: int, red: int, black: int, n: int) -> float:
    """P(X <= x) / P(X = x), summing density ratios downwards until they no longer count."""
    total, term = 0.0, 1.0
    xf = float(x)
    while xf > 0 and term >= _EPS * total:
        term *= xf * (black - n + xf) / (n + 1 - xf) / (red + 1 - xf)
        total += term
        xf -= 1
    return 1 + total


def _tail(x: int, red: int, black: int, n: int) -> float:
    """P(X > x) (the upper tail beyond x), as R's phyper(x, red, black, n, lower.tail = FALSE)."""
    lower = False
    if x * (red + black) > n * red:  # x is above the mean: the lower tail of the other colour is the small one
        red, black = black, red
        x = n - x - 1
        lower = True
    if x < 0 or x < n - black:
        return 0.0 if lower else 1.0
    if x >= red or x >= n:
        return 1.0 if lower else 0.0
    d = math.exp(_log_dhyper(x, red, black, n))
    if d == 0.0:
        return 0.0 if lower else 1.0
    cdf = d * _lower_ratio_sum(x, red, black, n)
    return cdf if lower else 0.5 - cdf + 0.5


def hypergeom_sf(k: int, total: int, successes: int, draws: int) -> float:
    """P(X >= k) for X the successes among `draws` items drawn without replacement from `total`
    items of which `successes` are successes: scipy.stats.hypergeom.sf(k - 1, total, successes, draws)."""
    return _tail(int(k) - 1, int(successes), int(total) - int(successes), int(draws))


def hypergeom_sf_many(k: Sequence[int], total: int, successes: Sequence[int], draws: Sequence[int]) -> list[float]:
    """hypergeom_sf of each (k, successes, draws)."""
    return [hypergeom_sf(a, total, b, c) for a, b, c in zip(k, successes, draws, strict=True)]


__all__ = ["hypergeom_sf", "hypergeom_sf_many"]
