"""Parallel trials and persistent storages, each measured against its peer in the same run.

* speedup: the same CPU-bound study with `executor="processes"` and 2 workers against 1
  (target 1.8x on an idle 2-core machine; the load before and after is recorded);
* storage overhead: our engine against a raw Optuna ask/tell loop on the same kind of storage
  (a journal file, SQLite), no-op objective, adaptation off.

    python -m benchmarks.parallel --repeats 3
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import optuna

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.storage import open_storage

from .machine import describe_machine, load_average, now_iso
from .results import render_saved

RESULTS = Path(__file__).parent / "results" / "parallel.json"
SPACE = {"x": ("float", 0.0, 1.0), "n": ("int", 1, 100)}


def cpu_bound(params: dict[str, Any]) -> float:
    """About 60 ms of pure-Python arithmetic (holds the GIL: threads would not help)."""
    total = 0.0
    for i in range(400_000):
        total += (i % 7) * params["x"]
    return total / params["n"]


def noop(params: dict[str, Any]) -> float:
    """No work: all measured time is engine and storage time."""
    return float(params["x"])


def study_time(workers: int, trials: int, seed: int) -> float:
    """Seconds for a CPU-bound study in `workers` trial processes."""
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=trials, n_jobs=workers, executor="processes", random_state=seed,
        adaptation_interval=0,
    )  # fmt: skip
    start = time.perf_counter()
    opt.optimize(cpu_bound, SPACE)
    return time.perf_counter() - start


def storage_times(kind: str, trials: int, seed: int) -> tuple[float, float]:
    """(raw ask/tell, ours) seconds on a fresh storage of `kind` each."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"{tmp}/raw.journal" if kind == "journal" else f"sqlite:///{tmp}/raw.db"
        storage, _ = open_storage(url, None, "raw")
        study = optuna.create_study(storage=storage, study_name="raw",
                                    sampler=optuna.samplers.RandomSampler(seed=seed))  # fmt: skip
        start = time.perf_counter()
        for _ in range(trials):
            trial = study.ask()
            params = {"x": trial.suggest_float("x", 0.0, 1.0), "n": trial.suggest_int("n", 1, 100)}
            trial.set_user_attr("ah.backend", "optuna")
            trial.set_user_attr("ah.space_version", 0)
            study.tell(trial, noop(params))
        raw = time.perf_counter() - start
        url = f"{tmp}/ours.journal" if kind == "journal" else f"sqlite:///{tmp}/ours.db"
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=trials, storage=url, study_name="ours", random_state=seed,
            sampler_config={"sampler_type": "random"}, adaptation_interval=0,
        )  # fmt: skip
        start = time.perf_counter()
        opt.optimize(noop, SPACE)
        return raw, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Run both measurements and write results/parallel.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--storage-trials", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
    study_time(2, 4, 0)  # warm up: the forkserver starts once, not inside the first measurement
    load_before = load_average()
    one, two = [], []
    for seed in range(args.repeats):
        one.append(study_time(1, args.trials, seed))
        two.append(study_time(2, args.trials, seed))
    speedups = [a / b for a, b in zip(one, two, strict=True)]
    storages: dict[str, Any] = {}
    for kind in ("journal", "sqlite"):
        pairs = [storage_times(kind, args.storage_trials, s) for s in range(args.repeats)]
        storages[kind] = {
            "raw_seconds": [p[0] for p in pairs],
            "ours_seconds": [p[1] for p in pairs],
            "ratio_median": statistics.median(p[1] / p[0] for p in pairs),
        }
    doc = {
        "speedup_median": statistics.median(speedups),
        "speedups": speedups,
        "seconds_1_worker": one,
        "seconds_2_workers": two,
        "trials": args.trials,
        "storage_trials": args.storage_trials,
        "storages": storages,
        "load_before": load_before,
        "load_after": load_average(),
        "date": now_iso(),
        "machine": describe_machine(),
        "command": "python -m benchmarks.parallel " + " ".join(argv or sys.argv[1:]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1))
    sys.stdout.write(render(doc))


def render(doc: dict[str, Any]) -> str:
    """The Markdown section of docs/benchmarks.md."""
    s = doc["storages"]
    return "\n".join(
        [
            "## Parallel trials and storages",
            "",
            f"2 trial processes against 1 on a CPU-bound objective ({doc['trials']} trials, "
            f"{len(doc['speedups'])} repeats): speedup **{doc['speedup_median']:.2f}x** "
            f"(each: {', '.join(f'{x:.2f}' for x in doc['speedups'])}); load before/after "
            f"{doc['load_before']} / {doc['load_after']}, {doc['date']}.",
            "",
            f"Our engine against a raw Optuna ask/tell loop on the same storage "
            f"({doc['storage_trials']} no-op trials, median of {len(doc['speedups'])}): "
            f"journal file {s['journal']['ratio_median']:.2f}x, SQLite "
            f"{s['sqlite']['ratio_median']:.2f}x.",
            "",
            f"Command: `{doc['command']}`",
            "",
        ]
    )


def render_file(path: Path = RESULTS) -> str:
    """The Markdown section for the results kept in `path` ("" when there are none)."""
    return render_saved(path, render)


if __name__ == "__main__":
    main()
