"""The statistics behind the benchmark verdicts, on small hand-checkable data."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from benchmarks import stats


def test_summarize_median_and_quartiles() -> None:
    s = stats.summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (s.n, s.median, s.q1, s.q3) == (5, 3.0, 2.0, 4.0)
    assert math.isnan(stats.summarize([]).median)


def test_hodges_lehmann_is_median_of_pairwise_differences() -> None:
    # differences a_i - b_j: 1-0, 1-1, 2-0, 2-1, 4-0, 4-1 = 1, 0, 2, 1, 4, 3 -> median 1.5
    assert stats.hodges_lehmann([1.0, 2.0, 4.0], [0.0, 1.0]) == 1.5
    assert list(stats.pairwise_differences([1.0, 2.0], [0.0])) == [1.0, 2.0]


def test_null_distribution_of_u_small_case() -> None:
    # m = n = 2: the 6 orderings give U = 0, 1, 2, 2, 3, 4
    assert stats.mann_whitney_null_counts(2, 2) == [1, 1, 2, 1, 1]
    counts = stats.mann_whitney_null_counts(7, 4)
    assert sum(counts) == math.comb(11, 4)
    assert counts == counts[::-1]  # symmetric


@pytest.mark.parametrize(("m", "n", "critical"), [(5, 5, 2), (10, 10, 23), (8, 12, 22)])
def test_interval_rank_matches_mann_whitney_critical_values(m: int, n: int, critical: int) -> None:
    # Published two-sided alpha = 0.05 critical values of U; the interval uses D_(critical + 1).
    assert stats._interval_rank(m, n, 0.95) == critical + 1


def test_exact_null_distribution_agrees_with_scipy_exact_p_value() -> None:
    a = [1.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5]
    b = [3.2, 4.4, 6.1, 8.0, 9.0, 9.5]
    u = sps.mannwhitneyu(a, b, alternative="two-sided", method="exact")
    counts = stats.mann_whitney_null_counts(len(a), len(b))
    u_small = min(u.statistic, len(a) * len(b) - u.statistic)
    p = 2 * sum(counts[: int(u_small) + 1]) / math.comb(len(a) + len(b), len(a))
    assert p == pytest.approx(u.pvalue)


def test_normal_approximation_is_close_to_exact_for_large_samples() -> None:
    exact = stats._interval_rank(60, 60, 0.95)
    z = sps.norm.ppf(0.975)
    approx = math.floor(3600 / 2 - z * math.sqrt(3600 * 121 / 12))
    assert abs(exact - approx) <= 2
    assert stats._interval_rank(150, 150, 0.95) > 0  # normal branch


def test_hl_interval_of_a_pure_shift() -> None:
    b = [float(i) for i in range(10)]
    a = [x + 3.0 for x in b]
    low, high = stats.hodges_lehmann_ci(a, b)
    # differences are 3 + (i - j); D_(24) and D_(77) of the 100 sorted ones
    d = sorted(3.0 + i - j for i in range(10) for j in range(10))
    assert (low, high) == (d[23], d[76])
    assert low < 3.0 < high
    assert stats.hodges_lehmann(a, b) == 3.0


def test_hl_interval_unbounded_for_tiny_samples() -> None:
    assert stats.hodges_lehmann_ci([1.0, 2.0], [3.0, 4.0]) == (-math.inf, math.inf)


def test_beats_needs_better_median_and_significance() -> None:
    low = [float(i) for i in range(10)]
    high = [float(i) + 20 for i in range(10)]
    assert stats.beats(low, high, higher_is_better=False)
    assert not stats.beats(high, low, higher_is_better=False)
    assert stats.beats(high, low, higher_is_better=True)
    # better median but overlapping samples: not significant
    assert not stats.beats([1.0, 2.0, 9.0], [2.5, 3.0, 8.0], higher_is_better=False)
    assert stats.mann_whitney_p([1.0, 1.0], [1.0, 1.0]) == 1.0


def test_not_worse_margins_on_the_bad_side() -> None:
    b = [i * 0.001 for i in range(10)]
    slightly_worse = [x + 0.05 for x in b]  # regret up by 0.05: within the 0.1 margin
    clearly_worse = [x + 0.2 for x in b]
    assert stats.not_worse(slightly_worse, b, higher_is_better=False, margin=0.1)
    assert not stats.not_worse(clearly_worse, b, higher_is_better=False, margin=0.1)
    # scores (higher is better), margin 0.002
    s = [0.9 + i * 0.0001 for i in range(10)]
    assert stats.not_worse([x - 0.001 for x in s], s, higher_is_better=True, margin=0.002)
    assert not stats.not_worse([x - 0.005 for x in s], s, higher_is_better=True, margin=0.002)
    assert stats.margin_for("synthetic") == 0.1 and stats.margin_for("ml") == 0.002


def test_compare_verdicts() -> None:
    b = [float(i) for i in range(10)]
    assert stats.compare([x - 20 for x in b], b, False, 0.1).verdict == "beats"
    assert stats.compare([x + 20 for x in b], b, False, 0.1).verdict == "worse"
    assert stats.compare(b, b, False, 0.1).verdict == "inconclusive"
    tight = [i * 0.001 for i in range(10)]
    cmp = stats.compare([x + 0.01 for x in tight], tight, False, 0.1)
    assert cmp.verdict == "not worse"
    assert cmp.hl_shift == pytest.approx(0.01)
    assert cmp.ci_low <= 0.01 <= cmp.ci_high


def test_average_ranks_within_seeds() -> None:
    values = {
        "a": {0: 1.0, 1: 1.0, 2: 5.0},
        "b": {0: 2.0, 1: 1.0, 2: 4.0},
        "c": {0: 3.0, 1: 3.0},  # missing seed 2: ranked among a and b only there
    }
    ranks = stats.average_ranks(values, higher_is_better=False)
    # seed 0: a1 b2 c3; seed 1: a1.5 b1.5 c3; seed 2: b1 a2
    assert ranks == pytest.approx({"a": (1 + 1.5 + 2) / 3, "b": (2 + 1.5 + 1) / 3, "c": 3.0})
    assert stats.average_ranks(values, higher_is_better=True)["c"] == pytest.approx(1.0)
