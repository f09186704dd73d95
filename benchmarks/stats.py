"""Summary statistics and the verdicts every benchmark issue uses.

Verdicts compare a sample ``a`` (e.g. OURS, one metric value per seed) against ``b`` (a peer):

* **beats**: ``a``'s median is better than ``b``'s and a two-sided Mann-Whitney U test
  gives p < 0.05.
* **not worse**: the 95% distribution-free confidence interval of the Hodges-Lehmann shift
  ``a - b`` has its bound on the bad side within ``margin`` of zero (0.1 log10 regret for
  synthetic problems, 0.002 score for ML problems): for lower-is-better metrics the upper
  bound is <= +margin, for higher-is-better ones the lower bound is >= -margin.

The Hodges-Lehmann estimate is the median of all ``m * n`` pairwise differences
``a_i - b_j``; the interval is ``[D_(k), D_(mn+1-k)]`` of the sorted differences, with ``k``
the largest integer such that ``P(U <= k - 1) <= alpha / 2`` under the null distribution of
the Mann-Whitney U statistic (exact, from the Gaussian binomial coefficients, for samples of
up to 100 values each; normal approximation beyond). Ties make the exact interval slightly
conservative-or-liberal as usual for rank methods; the benchmark metrics have few ties except
at the regret floor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

#: Two-sided significance level for "beats".
ALPHA = 0.05
#: "not worse" margins, in the metric's units, by problem kind.
NOT_WORSE_MARGIN: dict[str, float] = {"synthetic": 0.1, "ml": 0.002}

Verdict = Literal["beats", "not worse", "worse", "inconclusive"]


@dataclass(frozen=True)
class Summary:
    """Median and interquartile range of a sample."""

    n: int
    median: float
    q1: float
    q3: float


def summarize(values: Sequence[float]) -> Summary:
    """Median and quartiles (linear interpolation); NaNs when empty."""
    if len(values) == 0:
        return Summary(0, math.nan, math.nan, math.nan)
    arr = np.asarray(values, dtype=float)
    q1, med, q3 = np.percentile(arr, [25, 50, 75])
    return Summary(len(arr), float(med), float(q1), float(q3))


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (scipy); 1.0 when every value is the same."""
    if len(a) == 0 or len(b) == 0:
        return math.nan
    if len(set(map(float, a)) | set(map(float, b))) == 1:
        return 1.0
    return float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def pairwise_differences(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    """All ``a_i - b_j``, sorted ascending."""
    return np.sort(np.subtract.outer(np.asarray(a, float), np.asarray(b, float)).ravel())


def hodges_lehmann(a: Sequence[float], b: Sequence[float]) -> float:
    """Hodges-Lehmann estimate of the shift ``a - b``: the median pairwise difference."""
    return float(np.median(pairwise_differences(a, b)))


def mann_whitney_null_counts(m: int, n: int) -> list[int]:
    """Exact null distribution of U for sample sizes m, n, as counts of ``u = 0 .. m*n``.

    The counts are the coefficients of the Gaussian binomial ``[m+n choose m]_q``
    (``prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)``); they sum to ``C(m+n, m)``.
    """
    size = m * n + 1
    poly = np.zeros(size, dtype=object)
    poly[0] = 1
    for i in range(1, m + 1):
        shift = n + i
        if shift < size:
            prev = poly.copy()
            poly[shift:] = prev[shift:] - prev[: size - shift]
        # divide by (1 - q^i): new[k] = old[k] + new[k - i], one block of i at a time
        for start in range(i, size, i):
            stop = min(start + i, size)
            poly[start:stop] = poly[start:stop] + poly[start - i : stop - i]
    return [int(c) for c in poly]


def _interval_rank(m: int, n: int, confidence: float) -> int:
    """The ``k`` of the HL interval ``[D_(k), D_(mn+1-k)]`` (0 means unbounded)."""
    half_alpha = (1.0 - confidence) / 2.0
    if m <= 100 and n <= 100:
        counts = mann_whitney_null_counts(m, n)
        total = math.comb(m + n, m)
        cumulative, k = 0, 0
        for u, c in enumerate(counts):
            cumulative += c
            if cumulative / total <= half_alpha:
                k = u + 1
            else:
                break
        return k
    z = float(sps.norm.ppf(1.0 - half_alpha))
    k = math.floor(m * n / 2.0 - z * math.sqrt(m * n * (m + n + 1) / 12.0))
    return max(k, 0)


def hodges_lehmann_ci(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> tuple[float, float]:
    """Distribution-free confidence interval for the shift ``a - b``.

    ``(-inf, inf)`` when the samples are too small for the requested confidence.
    """
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        return (-math.inf, math.inf)
    k = _interval_rank(m, n, confidence)
    if k < 1:
        return (-math.inf, math.inf)
    d = pairwise_differences(a, b)
    return (float(d[k - 1]), float(d[m * n - k]))


def is_better(x: float, y: float, higher_is_better: bool) -> bool:
    """Strictly better in the metric's orientation."""
    return x > y if higher_is_better else x < y


def beats(a: Sequence[float], b: Sequence[float], higher_is_better: bool) -> bool:
    """``a`` beats ``b``: better median and two-sided Mann-Whitney p < 0.05."""
    if len(a) == 0 or len(b) == 0:
        return False
    better = is_better(float(np.median(a)), float(np.median(b)), higher_is_better)
    return better and mann_whitney_p(a, b) < ALPHA


def not_worse(
    a: Sequence[float], b: Sequence[float], higher_is_better: bool, margin: float
) -> bool:
    """``a`` is not worse than ``b``: the HL 95% bound on the bad side is within ``margin``."""
    if len(a) == 0 or len(b) == 0:
        return False
    low, high = hodges_lehmann_ci(a, b)
    return low >= -margin if higher_is_better else high <= margin


@dataclass(frozen=True)
class Comparison:
    """Everything the report shows for ``a`` against ``b``."""

    n_a: int
    n_b: int
    median_a: float
    median_b: float
    p_value: float
    hl_shift: float
    ci_low: float
    ci_high: float
    verdict: Verdict


def compare(
    a: Sequence[float], b: Sequence[float], higher_is_better: bool, margin: float
) -> Comparison:
    """Compare ``a`` with ``b``: "beats", else "not worse", else "worse" (``b`` beats ``a``),
    else "inconclusive"."""
    if beats(a, b, higher_is_better):
        verdict: Verdict = "beats"
    elif not_worse(a, b, higher_is_better, margin):
        verdict = "not worse"
    elif beats(b, a, higher_is_better):
        verdict = "worse"
    else:
        verdict = "inconclusive"
    empty = len(a) == 0 or len(b) == 0
    low, high = hodges_lehmann_ci(a, b) if not empty else (math.nan, math.nan)
    return Comparison(
        n_a=len(a),
        n_b=len(b),
        median_a=float(np.median(a)) if len(a) else math.nan,
        median_b=float(np.median(b)) if len(b) else math.nan,
        p_value=mann_whitney_p(a, b),
        hl_shift=hodges_lehmann(a, b) if not empty else math.nan,
        ci_low=low,
        ci_high=high,
        verdict=verdict,
    )


def margin_for(kind: str) -> float:
    """The "not worse" margin for a problem kind ("synthetic" or "ml")."""
    return NOT_WORSE_MARGIN[kind]


def average_ranks(
    by_contender: Mapping[str, Mapping[int, float]], higher_is_better: bool
) -> dict[str, float]:
    """Average rank (1 = best) per contender, ranking contenders within each seed.

    ``by_contender[name][seed]`` is a metric value; a seed is ranked among the contenders
    that have it (ties get the average rank), and each contender's ranks are averaged over
    its seeds. Contenders without any value are left out.
    """
    seeds = sorted({s for values in by_contender.values() for s in values})
    ranks: dict[str, list[float]] = {name: [] for name in by_contender}
    for seed in seeds:
        names = [name for name, values in by_contender.items() if seed in values]
        vals = np.array([by_contender[name][seed] for name in names], dtype=float)
        r = sps.rankdata(-vals if higher_is_better else vals, method="average")
        for name, rank in zip(names, r, strict=True):
            ranks[name].append(float(rank))
    return {name: float(np.mean(r)) for name, r in ranks.items() if r}
