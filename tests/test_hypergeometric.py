"""kb.analysis.hypergeometric gives scipy.stats.hypergeom.sf's values without importing scipy.stats."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import hypergeom

from kb.analysis.hypergeometric import hypergeom_sf, hypergeom_sf_many

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1, 2, 3, 5, 10, 20, 50, 100, 320, 1000, 3200, 10_000, 100_000)


def _cases(seed: int, per_size: int) -> list[tuple[int, int, int, int]]:
    """(k, total, successes, draws): anywhere in the support and beyond it, half of them in the upper
    tail (where a co-occurrence test asks), on corpus sizes up to 100,000 incidents."""
    rng = np.random.default_rng(seed)
    out = []
    for total in SIZES:
        for _ in range(per_size):
            successes, draws = int(rng.integers(0, total + 1)), int(rng.integers(0, total + 1))
            lo, hi = max(0, draws + successes - total), min(draws, successes)
            if rng.random() < 0.5:
                k = int(rng.integers(lo - 1, hi + 3))
            else:
                k = int(rng.integers(max(lo, draws * successes // total), hi + 2))
            out.append((k, total, successes, draws))
    return out


def _exact(k: int, total: int, successes: int, draws: int) -> float:
    """The tail as a ratio of integers, rounded once (terms by the exact ratio of neighbours)."""
    hi = min(successes, draws)
    x = max(k, 0, draws + successes - total)
    if x > hi:
        return 0.0
    term = math.comb(successes, x) * math.comb(total - successes, draws - x)
    s = 0
    while term:
        s += term
        term = term * (successes - x) * (draws - x) // ((x + 1) * (total - successes - draws + x + 1))
        x += 1
    return float(Fraction(s, math.comb(total, draws)))


def test_equals_scipy_to_1e_12_on_many_inputs() -> None:
    cases = _cases(seed=11, per_size=800)
    expected = hypergeom.sf(
        [c[0] - 1 for c in cases], [c[1] for c in cases], [c[2] for c in cases], [c[3] for c in cases]
    )
    compared = 0
    for case, want in zip(cases, expected, strict=True):
        got = hypergeom_sf(*case)
        if want < sys.float_info.min and got < sys.float_info.min:
            continue  # both below the normal range (1e-308): neither has 12 digits there
        compared += 1
        assert math.isclose(got, float(want), rel_tol=1e-12), (case, got, want)
    assert compared > len(cases) // 2  # the rest: k beyond the support, 0 exactly


@pytest.mark.parametrize(
    "case",
    [
        (1, 1, 1, 1),
        (0, 10, 3, 4),
        (5, 10, 3, 4),
        (3, 320, 40, 25),
        (12, 320, 40, 25),
        (445, 3200, 1142, 900),
        (160, 10_000, 700, 900),
        (50, 10_000, 60, 9_000),
        (48_520, 100_000, 71_092, 64_991),
        (7_582, 100_000, 23_717, 23_571),
    ],
)
def test_equals_the_exact_ratio(case: tuple[int, int, int, int]) -> None:
    assert math.isclose(hypergeom_sf(*case), _exact(*case), rel_tol=1e-12)


def test_many_is_elementwise() -> None:
    cases = _cases(seed=5, per_size=5)
    got = hypergeom_sf_many([c[0] for c in cases], 3200, [c[2] % 3201 for c in cases], [c[3] % 3201 for c in cases])
    assert got == [hypergeom_sf(c[0], 3200, c[2] % 3201, c[3] % 3201) for c in cases]


def test_cooccurrence_p_values_without_scipy_stats() -> None:
    """The co-occurrence test gives scipy's p-values, and a run of it loads no scipy.stats (about 0.8 s of CPU)."""
    code = (
        "import json, sys\n"
        "import numpy as np, scipy.sparse as sp\n"
        "from kb.analysis.cooccurrence import cooccurrence\n"
        "from kb.analysis.incident_features import Membership\n"
        "rng = np.random.default_rng(3)\n"
        "base = rng.random((400, 6)) < 0.2\n"
        "m = np.hstack([base, base[:, :3] & (rng.random((400, 3)) < 0.9)])\n"
        "mem = Membership(sp.csr_matrix(m.astype(float)), [f'i{i}' for i in range(400)],\n"
        "                 [f'theme:t{j}' for j in range(9)])\n"
        "co = cooccurrence(mem, min_together=3, alpha=1.0)\n"
        "rows = co.pairs[['a', 'b', 'together', 'p_value']].values.tolist()\n"
        "print(json.dumps({'stats': 'scipy.stats' in sys.modules, 'n': co.n_incidents,\n"
        "                  'support': dict(zip(co.items['label'], co.items['incidents'].tolist())), 'rows': rows}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = json.loads(
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    )
    assert out["stats"] is False
    assert len(out["rows"]) >= 3  # the planted pairs at least
    for a, b, together, p_value in out["rows"]:
        want = hypergeom.sf(together - 1, out["n"], out["support"][a], out["support"][b])
        assert math.isclose(p_value, float(want), rel_tol=1e-12), (a, b, p_value, want)
