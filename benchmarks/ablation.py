"""Adaptation ablation: OURS (Optuna backend, its default TPE or `--sampler`) with adaptation
off, on (the default strategies, `switch` included) and on without `switch` (the trust region
with TPE inside), on the suite's problems, judged with the suite's statistics ("beats", "not
worse"). With `--sampler` the user's choice holds, so `switch` changes nothing: `--sampler
local_gp --variants off` measures the switch's Gaussian process alone, without the region.

    python -m benchmarks.ablation --problems branin,hartmann6 --seeds 10 --trials 200
    python -m benchmarks.ablation --sampler gp --variants off,on --trials 100 --output gp.json
    python -m benchmarks.ablation --backend hyperopt --variants off,on --output hyperopt.json

Each run is one `optimize()` of `--trials` trials; the figures at 100 trials are read off the
same best-so-far trace. Results go to benchmarks/results/ablation.json (rewritten after every
cell, so an interrupted run keeps what it finished); the Markdown table goes to stdout. Run it
with `nice -n 10`, one process, on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from benchmarks.problems import Problem, get_problem
from benchmarks.stats import compare, margin_for

RESULTS = Path(__file__).parent / "results" / "ablation.json"

#: variant -> (adaptation_interval, strategies for configure_adaptation, None: the default)
VARIANTS: dict[str, tuple[int, list[str] | None]] = {
    "off": (0, None),
    "on": (20, None),
    "on-switch": (20, ["freeze", "narrow", "expand"]),
}


def run(
    problem: Problem,
    seed: int,
    n_trials: int,
    variant: str,
    sampler: str | None = None,
    backend: str = "optuna",
) -> tuple[list[float], float]:
    """One run: the metric's best-so-far trace and the wall time.

    `sampler`: a `sampler_type` for every variant; None keeps the default, which the `switch`
    strategy may change (a user's choice it respects; a bridge's backend has no `switch`).
    """
    from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

    interval, strategies = VARIANTS[variant]
    opt = AdaptiveHyperparameterOptimizer(
        backend=backend,
        n_trials=n_trials,
        random_state=seed,
        adaptation_interval=interval,
        sampler_config=None if sampler is None else {"sampler_type": sampler},
    )
    if strategies is not None:
        opt.configure_adaptation(strategies=strategies)
    minimize = problem.direction == "minimize"
    best = math.inf if minimize else -math.inf
    trace: list[float] = []

    def objective(params: dict[str, Any]) -> float:
        nonlocal best
        value = float(problem.objective(params))
        best = min(best, value) if minimize else max(best, value)
        trace.append(problem.metric(best))
        return value

    start = time.perf_counter()
    opt.optimize(objective, dict(problem.space), direction=problem.direction)
    return trace, time.perf_counter() - start


def checkpoints(trials: int) -> list[int]:
    """The budgets a table can show: 50, 100 and the full run."""
    return sorted({b for b in (50, 100, trials) if b <= trials})


def cell(runs: list[tuple[list[float], float]], budgets: list[int]) -> dict[str, Any]:
    """One (problem, variant) cell as stored: the metric per seed at each budget, and times."""
    return {
        "at": {str(b): [round(trace[b - 1], 6) for trace, _ in runs] for b in budgets},
        "seconds": [round(seconds, 3) for _, seconds in runs],
    }


def table(results: dict[str, Any], problems: list[str], variants: list[str], at: int) -> str:
    """Markdown: median per variant, and each variant's verdict against "off"."""
    head = "| problem | " + " | ".join(variants) + " |"
    lines = [head, "|" + "---|" * (len(variants) + 1)]
    for name in problems:
        problem = get_problem(name)
        base = results[f"{name}|off"]["at"][str(at)]
        cells = []
        for variant in variants:
            values = results[f"{name}|{variant}"]["at"][str(at)]
            cell = f"{np.median(values):.3f}"
            if variant != "off":
                verdict = compare(
                    values, base, problem.higher_is_better, margin_for(problem.kind)
                ).verdict
                cell += f" ({verdict})"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the ablation and print its tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ablation")
    parser.add_argument("--problems", default="branin,hartmann6,rosenbrock5,levy8,deceptive3")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--sampler", help="a sampler_type for every variant (default: TPE)")
    parser.add_argument("--backend", default="optuna", help="optuna (default), hyperopt or skopt")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    problems = args.problems.split(",")
    variants = args.variants.split(",")
    if "off" not in variants:
        variants.insert(0, "off")
    warnings.filterwarnings("ignore")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
    from threadpoolctl import threadpool_limits

    if args.sampler == "gp":  # torch keeps its own thread pool
        import torch

        torch.set_num_threads(1)
    results: dict[str, Any] = {}
    with threadpool_limits(1):
        for name in problems:
            problem = get_problem(name)
            for variant in variants:
                runs = [
                    run(problem, seed, args.trials, variant, args.sampler, args.backend)
                    for seed in range(args.seeds)
                ]
                results[f"{name}|{variant}"] = cell(runs, checkpoints(args.trials))
                args.output.write_text(json.dumps(results, indent=1))
    for at in sorted({min(100, args.trials), args.trials}):
        print(f"\nAt {at} trials: median metric (verdict against adaptation off)\n")
        print(table(results, problems, variants, at))


if __name__ == "__main__":
    main()
