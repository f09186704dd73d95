"""Renders results files into the Markdown of ``docs/benchmarks.md``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.contenders import ABLATION, HEADLINE, Contender
from benchmarks.problems.base import Problem
from benchmarks.results import Record
from benchmarks.stats import (
    Comparison,
    average_ranks,
    compare,
    compare_paired,
    margin_for,
    summarize,
)

DEFAULT_BUDGETS = (50, 100, 200)


def metric_at(record: Record, problem: Problem, budget: int) -> float | None:
    """The problem's metric after ``budget`` evaluations of an ok run (None if not reached)."""
    if record.get("status") != "ok":
        return None
    trace = record.get("trace") or []
    if len(trace) < budget or trace[budget - 1] is None:
        return None
    return problem.metric(float(trace[budget - 1]))


def choose_budgets(records: Sequence[Record], budgets: Sequence[int] | None) -> list[int]:
    """The budgets to report: the given ones, else 50/100/200 as far as records reach them,
    else half and all of the largest budget present."""
    if budgets:
        return sorted(set(budgets))
    longest = max((int(r["n_trials"]) for r in records), default=0)
    chosen = [b for b in DEFAULT_BUDGETS if b <= longest]
    if not chosen and longest > 0:
        chosen = sorted({max(1, longest // 2), longest})
    return chosen


def collect(
    records: Sequence[Record], problem: Problem, contender: str, budget: int
) -> dict[int, float]:
    """Metric by seed for one cell at one budget."""
    out: dict[int, float] = {}
    for r in records:
        if r["problem"] == problem.name and r["contender"] == contender:
            value = metric_at(r, problem, budget)
            if value is not None:
                out[int(r["seed"])] = value
    return out


def _fmt(x: float, ml: bool) -> str:
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.4f}" if ml else f"{x:.2f}"


def _session_lines(sessions: Sequence[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for s in sessions:
        machine = s.get("machine", {})
        pkgs = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items() if v)
        finished = s.get("finished") or "(not finished: interrupted or still running)"
        load_end = s.get("loadavg_end") or "—"
        where = Path(str(s["file"])).name if s.get("file") else "?"
        lines.append(
            f"- `{s.get('command', '?')}` (into `{where}`): started {s.get('started', '?')}, "
            f"finished {finished}; load average (1/5/15 min) {s.get('loadavg_start')} at "
            f"start, {load_end} at end."
        )
        lines.append(
            f"  Machine: {machine.get('cpu_count')} CPUs, {machine.get('platform')}, "
            f"Python {machine.get('python')}; {pkgs}."
        )
    return lines


def render_report(
    records: Sequence[Record],
    sessions: Sequence[Mapping[str, Any]],
    problems: Mapping[str, Problem],
    contenders: Mapping[str, Contender],
    *,
    budgets: Sequence[int] | None = None,
    title: str = "Benchmarks: sample efficiency against peers",
    status_note: str = "",
    render_command: str = "",
) -> str:
    """The Markdown report: setup, per-problem tables, ranks and OURS-vs-peer verdicts."""
    chosen = choose_budgets(records, budgets)
    present_problems = [
        p for p in problems.values() if any(r["problem"] == p.name for r in records)
    ]
    present_contenders = [
        c for c in contenders.values() if any(r["contender"] == c.name for r in records)
    ]
    out: list[str] = [f"# {title}", ""]
    if status_note:
        out += [f"> {status_note}", ""]
    out += ["## How these figures were produced", ""]
    out += _session_lines(sessions) or ["- (no session recorded)"]
    if render_command:
        out += [f"- Rendered with `{render_command}`."]
    out += [
        "",
        "Every run is one process-local optimization with a fixed seed; BLAS/OpenMP threads are "
        "limited to 1 during every run. One run per (problem, contender, seed) at the "
        "contender's full budget; the figures at smaller budgets are read off the same run's "
        "best-so-far trace.",
        "",
        "## Contenders",
        "",
        "| name | contender | budget | notes |",
        "|---|---|---|---|",
    ]
    for c in present_contenders:
        out.append(f"| `{c.name}` | {c.label} | {c.budget} | {c.note} |")
    out += [
        "",
        "## Metric",
        "",
        "- Synthetic problems: log10 simple regret, `log10(max(f_best - f*, 1e-12))`, lower is "
        "better (-12 means the optimum was hit to 1e-12).",
        "- ML problems: best cross-validated score, higher is better.",
        "- Cells: median [25th, 75th percentile] over seeds; `rank`: average rank over seeds "
        "(1 = best), ranking the contenders that reached that budget within each seed; `n/a`: "
        "not applicable; `—`: budget not reached (the GP peers stop at 100).",
        "",
    ]
    rank_rows: dict[str, dict[str, float]] = {}
    rank_budget = 100 if 100 in chosen else (chosen[-1] if chosen else 0)
    for problem in present_problems:
        ml = problem.kind == "ml"
        head = f"## `{problem.name}`: {problem.description}"
        facts = [f"{problem.dims} parameters", problem.direction]
        if problem.f_star is not None:
            facts.append(f"f* = {problem.f_star:.10g}")
        facts.append(
            "metric: CV score (higher is better)"
            if ml
            else "metric: log10 regret (lower is better)"
        )
        out += [head, "", "; ".join(facts) + ".", ""]
        cols = ["contender", "runs ok/failed"]
        for b in chosen:
            cols += [f"@{b}", f"rank@{b}"]
        cols.append("median s/run")
        out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        ranks_by_budget = {
            b: average_ranks(
                {c.name: collect(records, problem, c.name, b) for c in present_contenders},
                problem.higher_is_better,
            )
            for b in chosen
        }
        if rank_budget:
            rank_rows[problem.name] = ranks_by_budget.get(rank_budget, {})
        failures: list[str] = []
        for c in present_contenders:
            recs = [r for r in records if r["problem"] == problem.name and r["contender"] == c.name]
            if not c.applicable(problem):
                out.append(f"| {c.name} | n/a |" + " n/a | |" * len(chosen) + " |")
                continue
            ok = [r for r in recs if r["status"] == "ok"]
            bad = [r for r in recs if r["status"] != "ok"]
            row = [c.name, f"{len(ok)}/{len(bad)}"]
            for b in chosen:
                values = list(collect(records, problem, c.name, b).values())
                s = summarize(values)
                cell = (
                    "—"
                    if s.n == 0
                    else (f"{_fmt(s.median, ml)} [{_fmt(s.q1, ml)}, {_fmt(s.q3, ml)}]")
                )
                rank = ranks_by_budget[b].get(c.name)
                row += [cell, "—" if rank is None else f"{rank:.2f}"]
            times = summarize([float(r["wall_time_s"]) for r in ok])
            row.append("—" if times.n == 0 else f"{times.median:.1f}")
            out.append("| " + " | ".join(row) + " |")
            if bad:
                failures.append(
                    f"- `{c.name}` failed on seeds "
                    f"{sorted(int(r['seed']) for r in bad)}: {bad[0].get('error')}"
                )
        out.append("")
        if failures:
            out += ["Failed runs:", "", *failures, ""]
    if rank_rows and present_contenders:
        out += [
            f"## Average rank at {rank_budget} trials",
            "",
            "| problem | " + " | ".join(c.name for c in present_contenders) + " |",
            "|" + "---|" * (len(present_contenders) + 1),
        ]
        for name, ranks in rank_rows.items():
            cells = [f"{ranks[c.name]:.2f}" if c.name in ranks else "—" for c in present_contenders]
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
    out += _verdict_section(records, present_problems, present_contenders, chosen)
    out += _adaptation_section(records, present_problems, present_contenders, chosen)
    out += _bridge_section(records, present_problems, present_contenders, chosen)
    return "\n".join(out).rstrip() + "\n"


def _shift(cmp: Comparison, ml: bool) -> str:
    """HL shift [95% CI], p."""
    return (
        f"{_fmt(cmp.hl_shift, ml)} [{_fmt(cmp.ci_low, ml)}, {_fmt(cmp.ci_high, ml)}], "
        f"p={cmp.p_value:.3f}"
    )


def _same_traces(
    records: Sequence[Record], problem: Problem, a: str, b: str, budget: int
) -> tuple[int, int]:
    """On how many of the seeds both ran are the first `budget` best-so-far values equal."""
    traces: dict[str, dict[int, list[Any]]] = {a: {}, b: {}}
    for r in records:
        if r["problem"] == problem.name and r["contender"] in traces and r["status"] == "ok":
            trace = r.get("trace") or []
            if len(trace) >= budget:
                traces[r["contender"]][int(r["seed"])] = trace[:budget]
    seeds = traces[a].keys() & traces[b].keys()
    return sum(traces[a][s] == traces[b][s] for s in seeds), len(seeds)


def _bridge_section(
    records: Sequence[Record],
    problems: Sequence[Problem],
    contenders: Sequence[Contender],
    budgets: Sequence[int],
) -> list[str]:
    """Each bridge of ours against the library it bridges, used natively (paired by seed)."""
    present = {c.name for c in contenders}
    bridges = [c for c in contenders if c.native is not None and c.native in present]
    if not bridges:
        return []
    out = [
        "## Bridges against the library used natively",
        "",
        "Each bridge against its library's own loop, bridge - native. Both run the same "
        "problem with the same seeds, so the verdicts are **paired**: they are computed on the "
        "per-seed differences over the seeds both have, and the spread over seeds, which would "
        "widen an unpaired interval, cancels out. Same rules and margins as above, "
        "with the Hodges-Lehmann paired shift (median of the Walsh averages of the differences), "
        "its 95% interval from the Wilcoxon signed-rank distribution (none below 6 pairs) and "
        "the two-sided Wilcoxon signed-rank p; identical runs on every seed give 0 [0, 0], "
        "p = 1, **not worse**. Cells: verdict, median bridge / native over the paired seeds "
        "(paired HL shift [95% CI], p; paired over N seeds; on how many seeds both runs found "
        "the same best-so-far value after every trial); `—`: no seed run by both at that "
        "budget.",
        "",
    ]
    cols = ["problem", "bridge", "native", *[f"@{b}" for b in budgets]]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for problem in problems:
        ml = problem.kind == "ml"
        for bridge in bridges:
            assert bridge.native is not None
            cells = []
            for b in budgets:
                a = collect(records, problem, bridge.name, b)
                p = collect(records, problem, bridge.native, b)
                cmp = compare_paired(a, p, problem.higher_is_better, margin_for(problem.kind))
                if cmp.n_a == 0:
                    cells.append("—")
                    continue
                same, both = _same_traces(records, problem, bridge.name, bridge.native, b)
                cells.append(
                    f"{cmp.verdict}, {_fmt(cmp.median_a, ml)} / {_fmt(cmp.median_b, ml)} "
                    f"({_shift(cmp, ml)}; paired over {cmp.n_a} seeds; same trace on "
                    f"{same}/{both})"
                )
            if any(c != "—" for c in cells):
                row = [problem.name, bridge.name, bridge.native, *cells]
                out.append("| " + " | ".join(row) + " |")
    return [*out, ""]


#: The adaptive search space's deceptive problem, and the regret that counts as found there.
DECEPTIVE, FOUND = "deceptive3", -2.0


def _adaptation_section(
    records: Sequence[Record],
    problems: Sequence[Problem],
    contenders: Sequence[Contender],
    budgets: Sequence[int],
) -> list[str]:
    """OURS with adaptation against OURS without, and OURS's rank among the peers alone."""
    names = {c.name for c in contenders}
    if not {HEADLINE, ABLATION} <= names:
        return []
    shown = [b for b in budgets if b >= 100]  # the budgets the adaptive space is judged at
    if not shown:
        return []
    synthetic = [p for p in problems if p.kind != "ml"]
    out = [
        "## Adaptation on against off, and OURS among the peers",
        "",
        f"`{HEADLINE}` (the default: adaptation on) against `{ABLATION}` (the same sampler, "
        "`adaptation_interval=0`), with the verdicts defined above. Then the mean over the "
        "synthetic problems of each one's average rank among the peers and OURS alone (the "
        "other OURS variants left out), over the seeds OURS ran; the GP peers stop at 100 "
        f"trials. Last, on `{DECEPTIVE}`, the seeds whose best reached log10 regret below "
        f"{FOUND:g} (regret < 1e-2).",
        "",
    ]
    cols = ["problem", *[f"@{b}" for b in shown]]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    tally: dict[int, dict[str, int]] = {b: {} for b in shown}
    for problem in problems:
        ml = problem.kind == "ml"
        cells = []
        for b in shown:
            a = list(collect(records, problem, HEADLINE, b).values())
            off = list(collect(records, problem, ABLATION, b).values())
            if not a or not off:
                cells.append("—")
                continue
            cmp = compare(a, off, problem.higher_is_better, margin_for(problem.kind))
            tally[b][cmp.verdict] = tally[b].get(cmp.verdict, 0) + 1
            cells.append(
                f"{cmp.verdict}, {_fmt(cmp.median_a, ml)} / {_fmt(cmp.median_b, ml)} "
                f"({_shift(cmp, ml)})"
            )
        out.append(f"| {problem.name} | " + " | ".join(cells) + " |")
    out.append("")
    for b in shown:
        counts = ", ".join(f"{v} {n}" for v, n in sorted(tally[b].items())) or "nothing"
        out.append(f"- At {b} trials, over {sum(tally[b].values())} problems: {counts}.")
    ranked = [c for c in contenders if c.group != "ours" or c.name == HEADLINE]
    out += ["", "| mean rank over the synthetic problems | " + " | ".join(
        c.name for c in ranked) + " |", "|" + "---|" * (len(ranked) + 1)]  # fmt: skip
    for b in shown:
        per: dict[str, list[float]] = {}
        for problem in synthetic:
            seeds = collect(records, problem, HEADLINE, b).keys()
            values = {
                c.name: {
                    s: v for s, v in collect(records, problem, c.name, b).items() if s in seeds
                }
                for c in ranked
            }
            for name, rank in average_ranks(values, problem.higher_is_better).items():
                per.setdefault(name, []).append(rank)
        cells = [
            f"{sum(per[c.name]) / len(per[c.name]):.2f} ({len(per[c.name])})"
            if c.name in per
            else "—"
            for c in ranked
        ]
        out.append(f"| at {b} trials (problems) | " + " | ".join(cells) + " |")
    deceptive = next((p for p in problems if p.name == DECEPTIVE), None)
    if deceptive is not None:
        b = shown[-1]
        found = []
        for name in (HEADLINE, ABLATION):
            reached = list(collect(records, deceptive, name, b).values())
            found.append(f"`{name}` {sum(v < FOUND for v in reached)}/{len(reached)}")
        out += ["", f"- `{DECEPTIVE}` at {b} trials, seeds that found the narrow basin: "
                + ", ".join(found) + "."]  # fmt: skip
    return [*out, ""]


def _verdict_section(
    records: Sequence[Record],
    problems: Sequence[Problem],
    contenders: Sequence[Contender],
    budgets: Sequence[int],
) -> list[str]:
    ours = [c for c in contenders if c.name == HEADLINE]  # the bridges have their own section
    peers = [c for c in contenders if c.group != "ours"]
    out = ["## OURS against each peer", ""]
    if not ours or not any(r["contender"] == ours[0].name for r in records):
        return [*out, "No OURS results in these files yet (`--only ours`).", ""]
    o = ours[0]
    out += [
        "Verdicts (defined in `benchmarks/stats.py`): **beats** = better median and two-sided "
        "Mann-Whitney p < 0.05; **not worse** = the 95% Hodges-Lehmann interval of OURS - peer "
        "stays within 0.1 log10 regret (synthetic) / 0.002 score (ML) of zero on the bad side; "
        "**worse** = the peer beats OURS; else **inconclusive**. Cells: verdict (HL shift "
        "[95% CI], p).",
        "",
    ]
    cols = ["problem", "peer", *[f"@{b}" for b in budgets]]
    out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for problem in problems:
        ml = problem.kind == "ml"
        for peer in peers:
            if not peer.applicable(problem):
                continue
            cells = []
            for b in budgets:
                a = list(collect(records, problem, o.name, b).values())
                p = list(collect(records, problem, peer.name, b).values())
                if not a or not p:
                    cells.append("—")
                    continue
                cmp = compare(a, p, problem.higher_is_better, margin_for(problem.kind))
                cells.append(f"{cmp.verdict} ({_shift(cmp, ml)})")
            out.append(f"| {problem.name} | {peer.name} | " + " | ".join(cells) + " |")
    return [*out, ""]
