"""Bridge overhead: our Hyperopt and scikit-optimize backends against each library's own loop.

A no-op objective over three floats (one log), the same seed on both sides:
- hyperopt: `hyperopt.fmin(tpe.suggest)` against `backend="hyperopt"` (TPE at its defaults);
- skopt: `skopt.gp_minimize(acq_optimizer="sampling", n_initial_points=10)` against
  `backend="skopt"` with those settings.
The native side gets the space through the harness's translators, as the `hyperopt_tpe` and
`skopt_gp` contenders do. Variants run interleaved (native, ours, native, ours, ...) so drifts
in machine load hit both alike; each figure is the median over repeats of (ours / native) in
the same repeat, and of the extra wall time per trial. Everything runs with one BLAS thread.

    python -m benchmarks.bridge_overhead --bridge hyperopt skopt --repeats 5
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from threadpoolctl import threadpool_limits

from .measurements import load_document, measure_cell, save_cell
from .results import render_saved
from .translate import hyperopt_decode, hyperopt_space, skopt_decode, skopt_dimensions

#: Floats only: the native translator and our bridge encode ints differently, floats alike.
SPACE = {"x": ("float", 0.0, 1.0), "y": ("float", 1e-3, 1.0, "log"), "z": ("float", -5.0, 5.0)}
RESULTS = Path(__file__).parent / "results" / "bridge_overhead.json"
#: Trials per run: Hyperopt is cheap; a GP costs ~0.4 s per trial, so fewer.
TRIALS = {"hyperopt": 200, "skopt": 50}
NATIVE = {
    "hyperopt": "hyperopt.fmin(tpe.suggest)",
    "skopt": 'skopt.gp_minimize(acq_optimizer="sampling")',
}


def objective(params: dict[str, Any]) -> float:
    """No-op objective: all measured time is the optimizer's."""
    return float(params["x"])


def native_hyperopt(n: int, seed: int) -> float:
    """Seconds for `fmin` with TPE."""
    import hyperopt

    space = hyperopt_space(SPACE)
    start = time.perf_counter()
    hyperopt.fmin(
        lambda sample: objective(hyperopt_decode(SPACE, sample)),
        space,
        algo=hyperopt.tpe.suggest,
        max_evals=n,
        trials=hyperopt.Trials(),
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
        verbose=False,
    )
    return time.perf_counter() - start


def native_skopt(n: int, seed: int) -> float:
    """Seconds for `gp_minimize` with the sampling acquisition optimizer."""
    from skopt import gp_minimize

    dims = skopt_dimensions(SPACE)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        gp_minimize(
            lambda x: objective(skopt_decode(SPACE, x)),
            dims,
            n_calls=n,
            n_initial_points=min(10, n),
            acq_optimizer="sampling",
            random_state=seed,
        )
    return time.perf_counter() - start


def ours(bridge: str, n: int, seed: int) -> float:
    """Seconds for our optimizer with the bridge (settings as the native side, no adaptation)."""
    from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

    config = (
        {"base_estimator": "GP", "acq_optimizer": "sampling", "n_initial_points": min(10, n)}
        if bridge == "skopt"
        else None
    )
    opt = AdaptiveHyperparameterOptimizer(
        backend=bridge, sampler_config=config, n_trials=n, random_state=seed, adaptation_interval=0
    )
    start = time.perf_counter()
    opt.optimize(objective, SPACE, direction="minimize")
    return time.perf_counter() - start


NATIVE_RUN: dict[str, Callable[[int, int], float]] = {
    "hyperopt": native_hyperopt,
    "skopt": native_skopt,
}


class _SkoptClock:
    """Seconds spent inside `skopt.Optimizer.ask` and `.tell` (the GP's own work)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        import skopt

        originals = {name: getattr(skopt.Optimizer, name) for name in ("ask", "tell")}

        def timed(method: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return method(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start

            return call

        for name, method in originals.items():
            setattr(skopt.Optimizer, name, timed(method))
        try:
            yield
        finally:
            for name, method in originals.items():
                setattr(skopt.Optimizer, name, method)


def measure(bridge: str, n: int, repeats: int) -> dict[str, Any]:
    """Interleaved repeats of native and ours; ratios are taken within each repeat.

    Hyperopt proposes the same points on both sides (same seed stream), so the wall times
    compare like with like. A GP's cost depends on the points it is fitted to, which differ
    between the two sides, so for skopt the time inside `skopt.Optimizer` is subtracted: what
    remains is each loop's own cost per trial.
    """
    runs: dict[str, Callable[[int, int], float]] = {
        "native": NATIVE_RUN[bridge],
        "ours": lambda k, seed: ours(bridge, k, seed),
    }
    times: dict[str, list[float]] = {side: [] for side in runs}
    library: dict[str, list[float]] = {side: [] for side in runs}
    with threadpool_limits(limits=1):
        for run in runs.values():  # imports and first-call caches out of the measurement
            run(min(n, 12), 0)
        for rep in range(repeats):
            for side, run in runs.items():
                gc.collect()
                clock = _SkoptClock()
                with clock.installed() if bridge == "skopt" else contextlib.nullcontext():
                    times[side].append(run(n, rep))
                library[side].append(clock.seconds)
    pairs = list(zip(times["ours"], times["native"], strict=True))
    own_ms = {
        side: [1000 * (t - lib) / n for t, lib in zip(times[side], library[side], strict=True)]
        for side in runs
    }
    return {
        "bridge": bridge,
        "native": NATIVE[bridge],
        "trials": n,
        "repeats": repeats,
        "seconds_median": {k: statistics.median(v) for k, v in times.items()},
        "ratio_median": statistics.median(o / t for o, t in pairs),
        "ratio_quartiles": _quartiles([o / t for o, t in pairs]),
        "extra_ms_per_trial_median": statistics.median(1000 * (o - t) / n for o, t in pairs),
        "own_ms_per_trial_median": {k: statistics.median(v) for k, v in own_ms.items()},
        "seconds": times,
        "library_seconds": library,
    }


def _quartiles(values: list[float]) -> list[float]:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return [q[0], q[2]]


def render(doc: dict[str, Any]) -> str:
    """The Markdown section of docs/benchmarks.md for a results document."""
    machine = doc["machine"]
    lines = [
        "## Bridge overhead against the native library",
        "",
        "Our Hyperopt and scikit-optimize backends against the library's own loop, with a "
        "no-op objective over three floats (one log), the same settings and seed on "
        "both sides, one BLAS thread. `ours / native`: median over interleaved repeats of the "
        "ratio of wall times in the same repeat, with the interquartile range; `extra per "
        "trial`: the median difference per trial. Hyperopt proposes the same points on both "
        "sides, so its wall times compare like with like. A GP's fitting time depends on the "
        "points (the two sides draw different random starts), so for skopt `own per trial` "
        "also gives each loop's time outside `skopt.Optimizer.ask`/`tell`, native / ours. "
        "Ours records every trial in an in-memory Optuna study (enqueue, ask, suggest, tell, "
        "user attributes) and publishes its events.",
        "",
        f"Machine: {machine['cpu_count']} cores, {machine['platform']}, Python "
        f"{machine['python']}.",
        "",
        "| bridge | native call | trials | repeats | native (s) | ours (s) | ours / native "
        "| extra per trial | own per trial, native / ours | date, load before/after | command |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in sorted(doc["records"], key=lambda r: (r["bridge"], r["trials"])):
        low, high = r["ratio_quartiles"]
        sec = r["seconds_median"]
        own = r.get("own_ms_per_trial_median") if r["bridge"] == "skopt" else None
        own_cell = f"{own['native']:.2f} / {own['ours']:.2f} ms" if own else "—"
        lines.append(
            f"| {r['bridge']} | `{r['native']}` | {r['trials']} | {r['repeats']} | "
            f"{sec['native']:.2f} | {sec['ours']:.2f} | {r['ratio_median']:.3f}x "
            f"[{low:.2f}, {high:.2f}] | {r['extra_ms_per_trial_median']:.2f} ms | {own_cell} | "
            f"{r['date']}, {r['load_before']} / {r['load_after']} | `{r['command']}` |"
        )
    return "\n".join(lines) + "\n"


def render_file(path: Path = RESULTS) -> str:
    """The Markdown section for the results kept in `path` ("" when there are none)."""
    return render_saved(path, render)


def main(argv: list[str] | None = None) -> int:
    """Run the bridge overhead benchmark; merge its records into results/bridge_overhead.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bridge_overhead")
    parser.add_argument("--bridge", nargs="+", default=list(TRIALS), choices=list(TRIALS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trials", type=int, help="trials per run (default: per bridge)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
    logging.getLogger("hyperopt").setLevel(logging.WARNING)
    command = "python -m benchmarks.bridge_overhead " + " ".join(argv or sys.argv[1:])
    doc = load_document(args.out)
    for bridge in args.bridge:
        n = args.trials or TRIALS[bridge]
        record = measure_cell(command, measure, bridge, n, args.repeats)
        doc = save_cell(args.out, record, ("bridge", "trials"))
        print(
            f"{bridge:8} {n:4} trials: ours/native {record['ratio_median']:.3f}x, "
            f"+{record['extra_ms_per_trial_median']:.2f} ms/trial "
            f"(native {record['seconds_median']['native']:.2f} s)",
            flush=True,
        )
    print(render(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
