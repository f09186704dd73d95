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

**Paired verdicts** (:func:`compare_paired`, for matched samples such as a bridge and its
library run natively on the same seeds) use the same rules and margins on the per-seed
differences ``d_i = a_i - b_i`` (seeds present on both sides only): "better median" becomes
"Hodges-Lehmann paired shift on the good side of zero", the Mann-Whitney test becomes the
two-sided Wilcoxon signed-rank test, and the interval is that of the paired shift. The paired
estimate is the median of the Walsh averages ``(d_i + d_j) / 2``, ``i <= j``; its interval is
``[W_(k), W_(N+1-k)]`` of the ``N = n(n+1)/2`` sorted Walsh averages, with ``k`` the largest
integer such that ``P(T <= k - 1) <= alpha / 2`` under the null distribution of the
signed-rank statistic ``T`` (exact, from ``prod_{i=1..n} (1 + q^i)``, up to 100 pairs; normal
approximation beyond). Zero differences stay in (they are part of the test inversion): all-zero
differences give the estimate 0 and the interval ``[0, 0]`` (unbounded below 6 pairs, like any
95% signed-rank interval). The p-value is scipy's ``wilcoxon`` with ``zero_method="zsplit"``
(zeros ranked, their rank split between the signs, matching the Walsh-average interval; exact
permutation distribution under ties or zeros up to 13 pairs); 1.0 when every difference is 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
from scipy import stats as sps

#: Two-sided significance level for "beats".
ALPHA = 0.05
#: "not worse" margins, in the metric's units, by problem kind.
NOT_WORSE_MARGIN: dict[str, float] = {"synthetic": 0.1, "ml": 0.002}

Verdict = Literal["beats", "not worse", "worse", "inconclusive"]
#: A key matching paired values (a seed).
K = TypeVar("K", bound=Hashable)


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


def _exact_rank(counts: Sequence[int], half_alpha: float) -> int:
    """Largest ``k`` with ``P(S <= k - 1) <= half_alpha`` for a null distribution given as
    counts of ``S = 0, 1, ...`` (0 when even ``P(S = 0)`` exceeds it)."""
    total = sum(counts)
    cumulative, k = 0, 0
    for s, c in enumerate(counts):
        cumulative += c
        if cumulative / total <= half_alpha:
            k = s + 1
        else:
            break
    return k


def _normal_rank(mean: float, variance: float, half_alpha: float) -> int:
    """Normal approximation of :func:`_exact_rank` for large samples."""
    z = float(sps.norm.ppf(1.0 - half_alpha))
    return max(math.floor(mean - z * math.sqrt(variance)), 0)


def _interval_rank(m: int, n: int, confidence: float) -> int:
    """The ``k`` of the HL interval ``[D_(k), D_(mn+1-k)]`` (0 means unbounded)."""
    half_alpha = (1.0 - confidence) / 2.0
    if m <= 100 and n <= 100:
        return _exact_rank(mann_whitney_null_counts(m, n), half_alpha)
    return _normal_rank(m * n / 2.0, m * n * (m + n + 1) / 12.0, half_alpha)


def _order_interval(sorted_values: np.ndarray, k: int) -> tuple[float, float]:
    """``[V_(k), V_(N+1-k)]`` of ``N`` sorted values; ``(-inf, inf)`` when ``k < 1``."""
    if k < 1 or len(sorted_values) == 0:
        return (-math.inf, math.inf)
    return (float(sorted_values[k - 1]), float(sorted_values[len(sorted_values) - k]))


def hodges_lehmann_ci(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95
) -> tuple[float, float]:
    """Distribution-free confidence interval for the shift ``a - b``.

    ``(-inf, inf)`` when the samples are too small for the requested confidence.
    """
    m, n = len(a), len(b)
    if m == 0 or n == 0:
        return (-math.inf, math.inf)
    return _order_interval(pairwise_differences(a, b), _interval_rank(m, n, confidence))


def paired_differences(a: Mapping[K, float], b: Mapping[K, float]) -> dict[K, float]:
    """``a[s] - b[s]`` for every key ``s`` (seed) present in both, in ``a``'s order."""
    return {s: float(a[s]) - float(b[s]) for s in a if s in b}


def walsh_averages(d: Sequence[float]) -> np.ndarray:
    """All ``(d_i + d_j) / 2`` with ``i <= j``, sorted ascending."""
    arr = np.asarray(d, dtype=float)
    i, j = np.triu_indices(len(arr))
    return np.sort((arr[i] + arr[j]) / 2.0)


def hodges_lehmann_paired(d: Sequence[float]) -> float:
    """Hodges-Lehmann estimate of the paired shift: the median Walsh average of ``d``."""
    if len(d) == 0:
        return math.nan
    return float(np.median(walsh_averages(d)))


def signed_rank_null_counts(n: int) -> list[int]:
    """Exact null distribution of the Wilcoxon signed-rank statistic ``T`` for ``n`` pairs, as
    counts of ``t = 0 .. n(n+1)/2``: the coefficients of ``prod_{i=1..n} (1 + q^i)``, which
    sum to ``2^n``."""
    size = n * (n + 1) // 2 + 1
    poly = np.zeros(size, dtype=object)
    poly[0] = 1
    top = 0  # degree reached so far
    for i in range(1, n + 1):
        poly[i : top + i + 1] = poly[i : top + i + 1] + poly[: top + 1]
        top += i
    return [int(c) for c in poly]


def _signed_rank_interval_rank(n: int, confidence: float) -> int:
    """The ``k`` of the paired HL interval ``[W_(k), W_(N+1-k)]`` (0 means unbounded)."""
    half_alpha = (1.0 - confidence) / 2.0
    if n <= 100:
        return _exact_rank(signed_rank_null_counts(n), half_alpha)
    return _normal_rank(n * (n + 1) / 4.0, n * (n + 1) * (2 * n + 1) / 24.0, half_alpha)


def hodges_lehmann_paired_ci(d: Sequence[float], confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval for the paired shift, from the differences ``d``.

    ``(-inf, inf)`` when there are too few pairs for the requested confidence (fewer than 6
    at 95%).
    """
    if len(d) == 0:
        return (-math.inf, math.inf)
    return _order_interval(walsh_averages(d), _signed_rank_interval_rank(len(d), confidence))


def wilcoxon_p(d: Sequence[float]) -> float:
    """Two-sided Wilcoxon signed-rank p-value of the differences ``d`` (scipy, zeros split);
    1.0 when every difference is 0, NaN when there is none."""
    if len(d) == 0:
        return math.nan
    if all(float(x) == 0.0 for x in d):
        return 1.0
    return float(sps.wilcoxon(d, zero_method="zsplit", alternative="two-sided").pvalue)


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
    return _within_margin(hodges_lehmann_ci(a, b), higher_is_better, margin)


def _within_margin(ci: tuple[float, float], higher_is_better: bool, margin: float) -> bool:
    """The interval's bound on the bad side is within ``margin`` of zero."""
    low, high = ci
    return low >= -margin if higher_is_better else high <= margin


@dataclass(frozen=True)
class Comparison:
    """Everything the report shows for ``a`` against ``b``.

    For a paired comparison ``n_a == n_b`` is the number of pairs, the medians are over the
    paired seeds, ``hl_shift``/``ci_*`` are those of the paired shift and ``p_value`` is the
    Wilcoxon signed-rank one.
    """

    n_a: int
    n_b: int
    median_a: float
    median_b: float
    p_value: float
    hl_shift: float
    ci_low: float
    ci_high: float
    verdict: Verdict
    paired: bool = False


def _verdict(
    a_better: bool,
    b_better: bool,
    p_value: float,
    ci: tuple[float, float],
    higher_is_better: bool,
    margin: float,
) -> Verdict:
    """The verdict rules shared by the unpaired and the paired comparisons.

    "beats" (``a_better`` and p < ALPHA), else "not worse" (:func:`_within_margin`), else
    "worse" (``b_better`` and p < ALPHA), else "inconclusive". ``a_better``/``b_better`` say
    which side the point estimate favours (medians, or the paired shift against zero).
    """
    significant = p_value < ALPHA  # False for NaN
    if a_better and significant:
        return "beats"
    if _within_margin(ci, higher_is_better, margin):
        return "not worse"
    if b_better and significant:
        return "worse"
    return "inconclusive"


def _no_comparison(a: Sequence[float], b: Sequence[float], paired: bool) -> Comparison:
    """An "inconclusive" comparison when a side (or the set of pairs) is empty: NaN figures
    but for the median of a non-empty side."""
    nan = math.nan
    median_a, median_b = (float(np.median(x)) if len(x) else nan for x in (a, b))
    return Comparison(
        len(a), len(b), median_a, median_b, nan, nan, nan, nan, "inconclusive", paired=paired
    )


def compare(
    a: Sequence[float], b: Sequence[float], higher_is_better: bool, margin: float
) -> Comparison:
    """Compare ``a`` with ``b``: "beats", else "not worse", else "worse" (``b`` beats ``a``),
    else "inconclusive"."""
    if len(a) == 0 or len(b) == 0:
        return _no_comparison(a, b, paired=False)
    median_a, median_b = float(np.median(a)), float(np.median(b))
    p_value = mann_whitney_p(a, b)
    ci = hodges_lehmann_ci(a, b)
    verdict = _verdict(
        is_better(median_a, median_b, higher_is_better),
        is_better(median_b, median_a, higher_is_better),
        p_value,
        ci,
        higher_is_better,
        margin,
    )
    return Comparison(
        n_a=len(a),
        n_b=len(b),
        median_a=median_a,
        median_b=median_b,
        p_value=p_value,
        hl_shift=hodges_lehmann(a, b),
        ci_low=ci[0],
        ci_high=ci[1],
        verdict=verdict,
    )


def compare_paired(
    a: Mapping[K, float],
    b: Mapping[K, float],
    higher_is_better: bool,
    margin: float,
) -> Comparison:
    """Paired comparison of ``a`` with ``b`` (values by seed) on the seeds both have: the
    verdict rules of :func:`compare` with the paired HL shift, its signed-rank interval and
    the Wilcoxon p-value. Seeds present on one side only are dropped."""
    pairs = paired_differences(a, b)
    n = len(pairs)
    if n == 0:
        return _no_comparison([], [], paired=True)
    d = list(pairs.values())
    shift = hodges_lehmann_paired(d)
    p_value = wilcoxon_p(d)
    ci = hodges_lehmann_paired_ci(d)
    verdict = _verdict(
        is_better(shift, 0.0, higher_is_better),
        is_better(0.0, shift, higher_is_better),
        p_value,
        ci,
        higher_is_better,
        margin,
    )
    return Comparison(
        n_a=n,
        n_b=n,
        median_a=float(np.median([a[s] for s in pairs])),
        median_b=float(np.median([b[s] for s in pairs])),
        p_value=p_value,
        hl_shift=shift,
        ci_low=ci[0],
        ci_high=ci[1],
        verdict=verdict,
        paired=True,
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
