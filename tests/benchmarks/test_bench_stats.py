"""The statistics behind the benchmark verdicts, on small hand-checkable data."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest
from scipy import stats as sps

from benchmarks import stats
from benchmarks.contenders import all_contenders
from benchmarks.problems import Problem
from benchmarks.report import render_report


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


# --- paired comparisons (the bridges against their native library, same seeds) ---------------

SPREAD = [0.0, 3.0, -2.5, 7.0, 1.5, -4.0, 10.0, 0.5, -1.0, 5.5]  # large between-seed spread


def _by_seed(values: list[float]) -> dict[int, float]:
    return dict(enumerate(values))


def test_signed_rank_null_distribution_small_case() -> None:
    # n = 3: the 8 sign patterns of ranks 1, 2, 3 give T+ = 0, 1, 2, 3, 3, 4, 5, 6
    assert stats.signed_rank_null_counts(3) == [1, 1, 1, 2, 1, 1, 1]
    counts = stats.signed_rank_null_counts(12)
    assert sum(counts) == 2**12 and counts == counts[::-1]


@pytest.mark.parametrize(
    ("n", "critical"), [(6, 0), (7, 2), (8, 3), (9, 5), (10, 8), (15, 25), (20, 52)]
)
def test_signed_rank_interval_rank_matches_critical_values(n: int, critical: int) -> None:
    # Published two-sided alpha = 0.05 critical values of the signed-rank T; W_(critical + 1).
    assert stats._signed_rank_interval_rank(n, 0.95) == critical + 1


def test_signed_rank_normal_approximation_is_close_to_exact() -> None:
    exact = stats._signed_rank_interval_rank(100, 0.95)  # exact branch
    approx = stats._normal_rank(100 * 101 / 4, 100 * 101 * 201 / 24, 0.025)
    assert abs(exact - approx) <= 2
    assert stats._signed_rank_interval_rank(150, 0.95) > 0  # normal branch


def test_walsh_averages_and_paired_hodges_lehmann() -> None:
    # d = 1, 2, 6: Walsh averages 1, 1.5, 2, 3.5, 4, 6 -> median 2.75
    assert list(stats.walsh_averages([1.0, 2.0, 6.0])) == [1.0, 1.5, 2.0, 3.5, 4.0, 6.0]
    assert stats.hodges_lehmann_paired([1.0, 2.0, 6.0]) == 2.75
    assert math.isnan(stats.hodges_lehmann_paired([]))


def test_paired_interval_with_six_pairs_spans_the_extremes() -> None:
    # n = 6: k = 1, so the interval is [min, max] of the Walsh averages = [min d, max d]
    d = [0.3, -0.1, 0.8, 0.2, 0.5, 0.4]
    assert stats.hodges_lehmann_paired_ci(d) == (-0.1, 0.8)
    assert stats.hodges_lehmann_paired_ci(d[:5]) == (-math.inf, math.inf)  # too few pairs


def test_wilcoxon_p_matches_scipy_exact_without_ties() -> None:
    d = [0.3, -0.1, 0.8, 0.2, 0.5, 0.45, -0.35, 0.9]
    assert stats.wilcoxon_p(d) == pytest.approx(sps.wilcoxon(d, method="exact").pvalue)
    assert stats.wilcoxon_p([0.0, 0.0, 0.0]) == 1.0
    assert math.isnan(stats.wilcoxon_p([]))


def test_paired_identical_samples_are_not_worse_with_a_zero_interval() -> None:
    a = _by_seed(SPREAD)
    cmp = stats.compare_paired(a, dict(a), higher_is_better=False, margin=0.1)
    assert cmp.paired and cmp.n_a == cmp.n_b == 10
    assert (cmp.hl_shift, cmp.ci_low, cmp.ci_high, cmp.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert cmp.verdict == "not worse"
    # the unpaired comparison of the same two samples cannot say so
    assert stats.compare(SPREAD, SPREAD, False, 0.1).verdict == "inconclusive"


@pytest.mark.parametrize("higher_is_better", [False, True])
def test_paired_consistent_small_improvement_beats(higher_is_better: bool) -> None:
    step = 0.01 if higher_is_better else -0.01
    b = _by_seed(SPREAD)
    a = {s: v + step for s, v in b.items()}
    cmp = stats.compare_paired(a, b, higher_is_better, margin=0.1)
    assert cmp.verdict == "beats"
    assert cmp.hl_shift == pytest.approx(step)
    assert cmp.p_value == pytest.approx(2 / 2**10)  # every difference on the same side
    assert stats.compare(list(a.values()), list(b.values()), higher_is_better, 0.1).verdict == (
        "inconclusive"
    )


def test_paired_consistent_large_deterioration_is_worse() -> None:
    b = _by_seed(SPREAD)
    cmp = stats.compare_paired({s: v + 1.0 for s, v in b.items()}, b, False, margin=0.1)
    assert cmp.verdict == "worse"
    assert cmp.ci_low == pytest.approx(1.0) and cmp.ci_high == pytest.approx(1.0)
    scores = _by_seed([0.9 + 0.01 * x for x in SPREAD])
    worse_scores = {s: v - 0.01 for s, v in scores.items()}
    assert stats.compare_paired(worse_scores, scores, True, margin=0.002).verdict == "worse"


def test_paired_interval_is_narrower_than_unpaired_on_spread_out_seeds() -> None:
    b = _by_seed(SPREAD)
    noise = [0.01, -0.02, 0.0, 0.03, -0.01, 0.02, -0.03, 0.015, -0.005, 0.025]
    a = {s: v + 0.05 + e for (s, v), e in zip(b.items(), noise, strict=True)}
    paired = stats.compare_paired(a, b, False, margin=0.1)
    unpaired = stats.compare(list(a.values()), list(b.values()), False, margin=0.1)
    assert paired.ci_high - paired.ci_low < 0.1
    assert unpaired.ci_high - unpaired.ci_low > 5.0
    assert paired.ci_low <= paired.hl_shift <= paired.ci_high
    assert paired.verdict == "not worse"  # +0.05 regret, well inside the 0.1 margin
    assert unpaired.verdict == "inconclusive"


def test_paired_comparison_drops_unmatched_seeds() -> None:
    b = _by_seed(SPREAD)
    a = {s: v for s, v in b.items() if s != 3}
    a[42] = 1000.0  # only on a's side
    b[99] = -1000.0  # only on b's side
    assert set(stats.paired_differences(a, b)) == set(range(10)) - {3}
    cmp = stats.compare_paired(a, b, False, margin=0.1)
    assert (cmp.n_a, cmp.n_b) == (9, 9)
    assert (cmp.hl_shift, cmp.ci_low, cmp.ci_high, cmp.verdict) == (0.0, 0.0, 0.0, "not worse")
    matched = [v for s, v in b.items() if s in a]
    assert cmp.median_a == cmp.median_b == statistics.median(matched)
    empty = stats.compare_paired({0: 1.0}, {1: 1.0}, False, margin=0.1)
    assert empty.n_a == 0 and empty.verdict == "inconclusive" and math.isnan(empty.hl_shift)


def test_paired_with_some_zero_differences() -> None:
    # most seeds identical, a few slightly better: zeros stay in, no error, sensible interval
    d = [0.0] * 7 + [-0.02, -0.01, -0.03]
    b = _by_seed(SPREAD)
    a = {s: v + x for (s, v), x in zip(b.items(), d, strict=True)}
    cmp = stats.compare_paired(a, b, False, margin=0.1)
    assert -0.03 <= cmp.ci_low <= cmp.hl_shift <= cmp.ci_high <= 0.0
    assert 0.05 < cmp.p_value <= 1.0  # 3 improvements out of 10 are not significant
    assert cmp.verdict == "not worse"


def _record(contender: str, seed: int, trace: list[float]) -> dict[str, Any]:
    return {
        "problem": "toy",
        "contender": contender,
        "seed": seed,
        "status": "ok",
        "trace": trace,
        "n_trials": len(trace),
        "wall_time_s": 1.0,
        "error": None,
    }


def test_report_bridge_section_is_paired() -> None:
    problem = Problem(
        "toy", "synthetic", {"x": ("float", 0.0, 1.0)}, "minimize", lambda p: 0.0, f_star=0.0
    )
    contenders = {name: all_contenders()[name] for name in ("hyperopt_tpe", "ours_hyperopt")}
    # the same runs on both sides, with a large spread over seeds; one extra native seed
    records = [
        _record(name, seed, [10.0 ** (seed - 5), 10.0 ** (seed - 6)])
        for seed in range(10)
        for name in contenders
    ]
    records.append(_record("hyperopt_tpe", 10, [5.0, 5.0]))
    text = render_report(records, [], {"toy": problem}, contenders, budgets=[2])
    section = text[text.index("## Bridges against the library used natively") :]
    assert "the verdicts are **paired**" in section and "same seeds" in section
    row = next(line for line in section.splitlines() if line.startswith("| toy | ours_hyperopt"))
    assert row.startswith("| toy | ours_hyperopt | hyperopt_tpe | not worse, ")
    assert "0.00 [0.00, 0.00], p=1.000; paired over 10 seeds; same trace on 10/10" in row
