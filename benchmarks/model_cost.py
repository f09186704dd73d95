"""The default configuration's own cost per trial, against Optuna's GPSampler and TPE.

The default hands the trust region to a Gaussian process of ours (`switch`, LocalGPSampler);
the issue's bar is that its cost per trial stays below Optuna's GPSampler's at 500 trials. Each
variant runs one study of N trials on Hartmann 6D (a cheap objective: what is timed is the
optimizer) with the same seed, one thread for BLAS and torch, interleaved per repeat. A trial's
time is the gap between consecutive `time.perf_counter()` stamps taken after each trial (as in
`scaling.py`); each cell is the median over repeats of the variant's median over a window of
trial numbers.

    python -m benchmarks.model_cost --trials 500 --repeats 2
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from .measurements import measure_cell, save_cell
from .problems import get_problem
from .results import render_saved
from .scaling import parse_window, per_trial_ms
from .space import parse_space
from .translate import suggest_optuna

RESULTS = Path(__file__).parent / "results" / "model_cost.json"
PROBLEM = "hartmann6"


def _optuna(sampler: Callable[[int], optuna.samplers.BaseSampler]) -> Callable[..., None]:
    def run(n: int, seed: int, stamps: list[float]) -> None:
        problem = get_problem(PROBLEM)
        params = parse_space(problem.space)
        study = optuna.create_study(direction=problem.direction, sampler=sampler(seed))
        stamps.append(time.perf_counter())
        study.optimize(
            lambda t: problem.objective(suggest_optuna(t, params)),
            n_trials=n,
            callbacks=[lambda s, t: stamps.append(time.perf_counter())],
        )

    return run


def _ours(n: int, seed: int, stamps: list[float]) -> None:
    from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

    problem = get_problem(PROBLEM)
    opt = AdaptiveHyperparameterOptimizer(n_trials=n, random_state=seed)
    opt.add_callback(lambda s, t: stamps.append(time.perf_counter()))
    stamps.append(time.perf_counter())
    opt.optimize(problem.objective, dict(problem.space), direction=problem.direction)


VARIANTS: dict[str, Callable[[int, int, list[float]], None]] = {
    "ours (default)": _ours,
    "Optuna GPSampler": _optuna(
        lambda seed: optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    ),
    "Optuna TPE": _optuna(lambda seed: optuna.samplers.TPESampler(seed=seed)),
}


def measure(n: int, repeats: int, windows: list[tuple[int, int]]) -> dict[str, Any]:
    """Interleaved repeats of every variant: median ms per trial by window, and seconds."""
    window_ms: dict[str, list[list[float]]] = {name: [] for name in VARIANTS}
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for rep in range(repeats):
        for name, fn in VARIANTS.items():
            gc.collect()
            stamps: list[float] = []
            fn(n, rep, stamps)
            ms = per_trial_ms(stamps)
            if len(ms) != n:
                raise AssertionError(f"{name}: {len(ms)} trial times for {n} trials")
            seconds[name].append(stamps[-1] - stamps[0])
            window_ms[name].append([statistics.median(ms[a:b]) for a, b in windows])
            print(f"repeat {rep} {name:18} {seconds[name][-1]:7.1f} s: " + ", ".join(
                f"{v:.1f}" for v in window_ms[name][-1]), flush=True)  # fmt: skip
    return {
        "trials": n,
        "problem": PROBLEM,
        "repeats": repeats,
        "windows": [list(w) for w in windows],
        "ms_median": {
            k: [statistics.median(row[i] for row in v) for i in range(len(windows))]
            for k, v in window_ms.items()
        },
        "window_ms": window_ms,
        "seconds": seconds,
    }


def render(doc: dict[str, Any]) -> str:
    """The Markdown section of docs/benchmarks.md for a results document."""
    machine = doc["machine"]
    lines = [
        "## The default's model: cost per trial against Optuna's GPSampler",
        "",
        "The default configuration hands the trust region to our Gaussian process "
        "(`switch`, `LocalGPSampler`: at most 300 modelled trials). One study of N trials per "
        f"variant and repeat on `{PROBLEM}` (the objective costs microseconds), the same seed "
        "on every side, one thread for BLAS and torch, variants interleaved. Each cell: the "
        "median over repeats of the variant's median milliseconds per trial over the window's "
        "trial numbers (gaps between `time.perf_counter()` stamps taken after each trial).",
        "",
        f"Machine: {machine['cpu_count']} cores, {machine['platform']}, Python "
        f"{machine['python']}, optuna {machine['packages']['optuna']}.",
    ]
    for r in sorted(doc["records"], key=lambda r: r["trials"]):
        names = list(r["ms_median"])
        lines += [
            "",
            f"{r['trials']} trials, {r['repeats']} repeat(s); {r['date']}, load "
            f"{r['load_before']} before / {r['load_after']} after; `{r['command']}`",
            "",
            "| trials finished | " + " | ".join(f"{n} (ms)" for n in names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        for i, (a, b) in enumerate(r["windows"]):
            cells = " | ".join(f"{r['ms_median'][n][i]:.1f}" for n in names)
            lines.append(f"| {a}-{b} | {cells} |")
        totals = ", ".join(f"{n} {statistics.median(r['seconds'][n]):.0f} s" for n in names)
        lines += ["", f"Whole study (median over repeats): {totals}."]
    return "\n".join(lines) + "\n"


def render_file(path: Path = RESULTS) -> str:
    """The Markdown section for the results kept in `path` ("" when there are none)."""
    return render_saved(path, render)


def main(argv: list[str] | None = None) -> int:
    """Measure; merge the record into results/model_cost.json and print the section."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model_cost")
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--windows", type=parse_window, nargs="+")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.trials < 1 or args.repeats < 1:
        parser.error("--trials and --repeats must be at least 1")
    windows = (
        args.windows
        or [w for w in [(0, 100), (200, 300), (400, 500)] if w[1] <= args.trials]
        or [(0, args.trials)]
    )
    if any(b > args.trials for _, b in windows):
        parser.error(f"windows must end at or before --trials ({args.trials})")
    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    command = "python -m benchmarks.model_cost " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    with threadpool_limits(1):
        record = measure_cell(command, measure, args.trials, args.repeats, windows)
    print(render(save_cell(args.out, record, ("trials",))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
