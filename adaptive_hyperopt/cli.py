"""The `adaptive-hyperopt` command line.

    adaptive-hyperopt demo [--trials N] [--dir DIR] [--study NAME] [--seed S]
    adaptive-hyperopt run MODULE:OBJECTIVE --space SPACE.json [options]
    adaptive-hyperopt worker STORAGE --study NAME --objective MODULE:OBJECTIVE [--trials N]
    adaptive-hyperopt report STORAGE [--study NAME] [--out DIR]

`run` and `worker` show their progress on stderr (a bar on a terminal, else a line per finished
trial) and print the result on stdout. Studies started here live in a journal file under
`./.adaptive_hyperopt/` (or `--dir`, or `--storage`), so they survive the process: run the same
command again and it continues.

The JSON form of a search space is the tuple form with lists for tuples:
`{"lr": ["float", 1e-5, 0.1, "log"], "kind": ["categorical", ["a", "b"]]}`.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .storage import DEFAULT_DIR, journal_path


def _demo(args: argparse.Namespace) -> int:
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    from .optimizer import AdaptiveHyperparameterOptimizer

    X, y = load_digits(return_X_y=True)
    search_space = {
        "n_estimators": ("int", 10, 200),
        "max_depth": ("int", 3, 30),
        "min_samples_split": ("int", 2, 20),
        "min_samples_leaf": ("int", 1, 10),
        "max_features": ("categorical", ["sqrt", "log2", None]),
    }

    def objective(params: dict[str, Any]) -> float:
        model = RandomForestClassifier(**params, random_state=0, n_jobs=1)
        return float(cross_val_score(model, X, y, cv=3, scoring="accuracy").mean())

    started = time.time()

    def progress(trial_number: int, best_score: float | None, current_score: float | None) -> None:
        print(
            f"trial {trial_number:>4}  accuracy={current_score:.4f}  best={best_score:.4f}  "
            f"[{time.time() - started:6.1f} s]",
            flush=True,
        )

    optimizer = AdaptiveHyperparameterOptimizer(
        n_trials=args.trials,
        random_state=args.seed,
        cache_dir=args.dir,
        study_name=args.study,
    )
    print(
        f"Tuning a RandomForest on scikit-learn's digits ({len(X)} images), "
        f"{args.trials} trials, 3-fold CV accuracy",
        flush=True,
    )
    best_params, best_score, history = optimizer.optimize(
        objective, search_space, direction="maximize", callbacks=[progress]
    )
    assert optimizer.study is not None
    total = len(optimizer.study.get_trials(deepcopy=False))
    print(f"\nBest accuracy: {best_score:.4f}")
    print(f"Best parameters: {best_params}")
    print(
        f"Study {args.study!r}: {total} trials in {journal_path(args.dir, args.study)} "
        f"(run again to continue it)"
    )
    failed = [r for r in history if r.state == "FAIL"]
    if failed:
        print(f"{len(failed)} trials failed; first reason: {failed[0].reason}")
    return 0


def _import(path: str) -> Any:
    """The object named `module:qualname`, importing from the current directory too."""
    if ":" not in path:
        raise ValueError(f"{path!r} is not MODULE:NAME (e.g. train:objective)")
    module_name, qualname = path.split(":", 1)
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r}: {exc}") from exc
    finally:
        sys.path.pop(0)
    try:
        return functools.reduce(getattr, qualname.split("."), module)
    except AttributeError as exc:
        raise ValueError(f"{module_name!r} has no {qualname!r}") from exc


def _load_space(path: str) -> Any:
    """A search space from JSON: the tuple form with lists, or SearchSpace.to_json()'s form."""
    from .space import SearchSpace

    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"--space {path!r}: {exc}") from exc
    if isinstance(doc, dict) and "params" in doc:
        return SearchSpace.from_json(json.dumps(doc))
    if not isinstance(doc, dict):
        raise ValueError(f"--space {path!r} must hold a JSON object of name -> definition")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in doc.items()}


class _Progress:
    """Progress on stderr (stdout keeps the results): a bar redrawn in place on a terminal, else
    one line per finished trial. An Optuna-form callback, so failed and pruned trials count."""

    def __init__(self, total: int | None, stream: Any = None) -> None:
        self.total, self.done = total, 0
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.time()

    def __call__(self, study: Any, trial: Any) -> None:
        self.done += 1
        elapsed = time.time() - self.started
        state = trial.state.name
        if len(study.directions) > 1:  # a worker on a multi-objective study
            values = ", ".join(_num(v) for v in trial.values or ())
            current = f"({values})" if state == "COMPLETE" else state.lower()
            best_text = f"front {len(study.best_trials)}"
        else:
            current = _num(trial.value) if state == "COMPLETE" else state.lower()
            try:
                best_text = f"best {_num(study.best_value)}"
            except ValueError:  # no complete trial yet
                best_text = "best -"
        text = f"trial {trial.number}: {current}  {best_text}  [{elapsed:.1f} s]"
        if self.total and self.tty:
            width = 30
            filled = int(width * min(self.done / self.total, 1.0))
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} {text}\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty and self.total and self.done:
            self.stream.write("\n")
            self.stream.flush()


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _run(args: argparse.Namespace) -> int:
    from .optimizer import AdaptiveHyperparameterOptimizer

    objective = _import(args.objective)
    space = _load_space(args.space)
    optimizer = AdaptiveHyperparameterOptimizer(
        backend=args.backend,
        n_trials=args.trials,
        timeout=args.timeout,
        n_jobs=args.jobs,
        random_state=args.seed,
        cache_dir=None if args.storage else args.dir,
        storage=args.storage,
        study_name=args.study or args.objective.split(":")[-1],
    )
    progress = _Progress(args.trials)
    try:
        best_params, best_score, _ = optimizer.optimize(
            objective, space, direction=args.direction, callbacks=[progress]
        )
    finally:
        progress.close()
    print(f"best value: {best_score:.6g}")
    print(f"best parameters: {json.dumps(best_params, default=repr)}")
    print(f"study {optimizer.study.study_name!r} in {optimizer.storage_location}")  # type: ignore[union-attr]
    return 0


def _worker(args: argparse.Namespace) -> int:
    from .events import Finished
    from .optimizer import AdaptiveHyperparameterOptimizer
    from .pareto import ParetoFront

    objective = _import(args.objective)
    loaded = AdaptiveHyperparameterOptimizer.load_study(args.storage, study_name=args.study)
    assert loaded.study is not None
    # A follower: the study's current space and its pause, resume and stop, read from the
    # storage at every trial boundary; adaptation is left to the study's own driver.
    loaded.__dict__["_follower"] = True
    ended: list[str] = []

    def on_event(event: Any) -> None:
        if isinstance(event, Finished):
            ended.append(event.reason)

    loaded.add_listener(on_event, interval=1.0)
    progress = _Progress(args.trials)
    try:
        result = loaded.continue_optimization(
            additional_trials=args.trials, objective=objective, callbacks=[progress]
        )
    finally:
        progress.close()
    if isinstance(result, ParetoFront):
        best = f"Pareto front of {len(result)}, hypervolume {result.hypervolume:.6g}"
    else:
        best = f"best {result[1]:.6g}"
    why = ended[-1] if ended and ended[-1] != "budget" else ""
    print(
        f"worker ran {len(loaded.history)} trials of {loaded.study.study_name!r}; {best}"
        + (f"; {why}" if why else "")
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from .optimizer import AdaptiveHyperparameterOptimizer
    from .plots import save_plots

    loaded = AdaptiveHyperparameterOptimizer.load_study(args.storage, study_name=args.study)
    assert loaded.study is not None
    out = Path(args.out or f"{loaded.study.study_name}-report")
    report = save_plots(loaded.study, out)
    print(f"report of {loaded.study.study_name!r}: {report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="adaptive-hyperopt", description="Adaptive hyperparameter optimization."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="tune a RandomForest on the digits dataset")
    demo.add_argument("--trials", type=int, default=20, help="number of trials (default 20)")
    demo.add_argument("--dir", default=DEFAULT_DIR, help=f"study directory (default {DEFAULT_DIR})")
    demo.add_argument("--study", default="demo", help="study name (default 'demo')")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    demo.set_defaults(func=_demo)

    run = sub.add_parser("run", help="tune MODULE:OBJECTIVE over a JSON search space")
    run.add_argument("objective", help="the objective, as MODULE:NAME (importable from here)")
    run.add_argument("--space", required=True, help="the search space, a JSON file")
    run.add_argument("--trials", type=int, default=50, help="number of trials (default 50)")
    run.add_argument("--timeout", type=float, default=None, help="stop after this many seconds")
    run.add_argument("--direction", choices=("minimize", "maximize"), default="maximize")
    run.add_argument("--backend", choices=("optuna", "hyperopt", "skopt"), default="optuna")
    run.add_argument("--jobs", type=int, default=1, help="trials at a time (default 1)")
    run.add_argument("--storage", default=None, help="a storage URL (default: a journal in --dir)")
    run.add_argument("--dir", default=DEFAULT_DIR, help=f"study directory (default {DEFAULT_DIR})")
    run.add_argument("--study", default=None, help="study name (default: the objective's name)")
    run.add_argument("--seed", type=int, default=None, help="random seed")
    run.set_defaults(func=_run)

    worker = sub.add_parser("worker", help="run trials of an existing study, beside other workers")
    worker.add_argument("storage", help="the study's storage: a URL, a .journal file or a dir")
    worker.add_argument("--study", required=True, help="the study's name")
    worker.add_argument("--objective", required=True, help="the objective, as MODULE:NAME")
    worker.add_argument("--trials", type=int, default=10, help="trials to run (default 10)")
    worker.set_defaults(func=_worker)

    report = sub.add_parser("report", help="write a study's plots and HTML report")
    report.add_argument("storage", help="a storage URL, a .journal file, a dir or a saved study")
    report.add_argument("--study", default=None, help="the study's name (if there are several)")
    report.add_argument("--out", default=None, help="output directory (default NAME-report)")
    report.set_defaults(func=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `adaptive-hyperopt`."""
    args = build_parser().parse_args(argv)
    if getattr(args, "trials", 1) < 1:
        print("error: --trials must be at least 1", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except (ValueError, ImportError) as exc:  # bad input: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a storage that cannot be written (full disk, read-only directory)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: finished trials are kept in the study", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
