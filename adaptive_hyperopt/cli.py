"""The `adaptive-hyperopt` command line.

    adaptive-hyperopt demo [--trials N] [--dir DIR] [--study NAME] [--seed S]

Studies started here live in a journal file under `./.adaptive_hyperopt/` (or `--dir`), so they
survive the process: run the demo again and it continues the same study.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `adaptive-hyperopt`."""
    args = build_parser().parse_args(argv)
    if getattr(args, "trials", 1) < 1:
        print("error: --trials must be at least 1", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("\ninterrupted: finished trials are kept in the study", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
