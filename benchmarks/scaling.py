"""Time per trial as the study grows: our engine against a raw Optuna ask/tell loop, with TPE.

TPE's cost per ask grows with the number of finished trials; this measures whether the engine
adds to that growth. The variants of `engine_overhead` (same no-op objective and space,
in-memory storage, `TPESampler(seed=)` on every side, the same seed) run one study of N trials
each, interleaved per repeat (A B C, A B C, ...). Each records `time.perf_counter()` after every
trial (the raw loop after its `tell`, ours from an `add_callback` callback), so a trial's time
is the gap between two consecutive stamps, whatever the engine does between them. For windows
of trial numbers (0-100, 400-500, ...: the trials asked while that many had finished), the
figure is the median over repeats of each variant's median time per trial in the window, and
of the ratio to the raw loop's in the same repeat.

    python -m benchmarks.scaling --trials 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import optuna

from .engine_overhead import ours, raw_ask_tell
from .measurements import measure_cell, save_cell
from .results import render_saved

RESULTS = Path(__file__).parent / "results" / "scaling.json"
SAMPLER = "tpe"
RAW = "raw ask/tell"

#: Each variant runs `n` trials with `seed`, appending the start time and one
#: `time.perf_counter()` per finished trial to the list it is given.
VARIANTS: dict[str, Callable[[int, int, list[float]], float]] = {
    RAW: lambda n, seed, stamps: raw_ask_tell(n, SAMPLER, seed, stamps=stamps),
    "ours": lambda n, seed, stamps: ours(n, SAMPLER, seed, subscriber=False, stamps=stamps),
    "ours, default adaptation": lambda n, seed, stamps: ours(
        n, SAMPLER, seed, subscriber=False, adaptation=True, stamps=stamps
    ),
}


def default_windows(n: int, width: int = 100) -> list[tuple[int, int]]:
    """Windows of `width` trials ending at 1, 5, 10, 20, 50, ... widths below `n`, and at `n`."""
    width = max(1, min(width, n))
    multiples, scale = [1, 5], 10
    while multiples[-1] * width < n:
        multiples += [scale, 2 * scale, 5 * scale]
        scale *= 10
    ends = [m * width for m in multiples if m * width < n] + [n]
    return [(end - width, end) for end in ends]


def parse_window(text: str) -> tuple[int, int]:
    """`"400-500"` as `(400, 500)`."""
    start, _, end = text.partition("-")
    try:
        window = int(start), int(end)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a window is START-END, got {text!r}") from None
    if not 0 <= window[0] < window[1]:
        raise argparse.ArgumentTypeError(f"a window needs 0 <= START < END, got {text!r}")
    return window


def per_trial_ms(stamps: Sequence[float]) -> list[float]:
    """Milliseconds of each trial: gaps between consecutive stamps (the first is the start)."""
    return [(b - a) * 1000.0 for a, b in itertools.pairwise(stamps)]


def _range(values: Sequence[float]) -> list[float]:
    return [min(values), max(values)]


def _divide(values: Sequence[float], by: Sequence[float]) -> list[float]:
    return [v / b for v, b in zip(values, by, strict=True)]


def measure(n: int, repeats: int, windows: Sequence[tuple[int, int]], block: int) -> dict[str, Any]:
    """Interleaved repeats of every variant; per-window figures and ratios within each repeat.

    Also kept: each repeat's median per consecutive `block` of trials (the whole curve) and
    total seconds.
    """
    window_ms: dict[str, list[list[float]]] = {name: [] for name in VARIANTS}
    window_mean: dict[str, list[list[float]]] = {name: [] for name in VARIANTS}
    block_ms: dict[str, list[list[float]]] = {name: [] for name in VARIANTS}
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for rep in range(repeats):
        for name, fn in VARIANTS.items():
            gc.collect()
            stamps: list[float] = []
            seconds[name].append(fn(n, rep, stamps))
            ms = per_trial_ms(stamps)
            if len(ms) != n:
                raise AssertionError(f"{name}: {len(ms)} trial times for {n} trials")
            window_ms[name].append([statistics.median(ms[a:b]) for a, b in windows])
            window_mean[name].append([statistics.fmean(ms[a:b]) for a, b in windows])
            block_ms[name].append(
                [statistics.median(ms[a : a + block]) for a in range(0, n, block)]
            )
            print(
                f"repeat {rep} {name:26} {seconds[name][-1]:7.2f} s, ms per trial by window: "
                + ", ".join(f"{v:.2f}" for v in window_ms[name][-1]),
                flush=True,
            )
    base = window_ms[RAW]
    ratios = {
        name: [_divide(row, raw) for row, raw in zip(rows, base, strict=True)]
        for name, rows in window_ms.items()
    }

    def by_window(rows: list[list[float]], how: Callable[[list[float]], Any]) -> list[Any]:
        return [how([row[i] for row in rows]) for i in range(len(windows))]

    return {
        "trials": n,
        "sampler": SAMPLER,
        "repeats": repeats,
        "windows": [list(w) for w in windows],
        "ms_median": {k: by_window(v, statistics.median) for k, v in window_ms.items()},
        "ratio_median": {k: by_window(v, statistics.median) for k, v in ratios.items()},
        "ratio_range": {k: by_window(v, _range) for k, v in ratios.items()},
        "ms_mean": {k: by_window(v, statistics.median) for k, v in window_mean.items()},
        "window_ms": window_ms,
        "block": block,
        "block_ms": block_ms,
        "seconds": seconds,
    }


def _ratio_cell(record: dict[str, Any], name: str, i: int) -> str:
    """`median [low, high]` of a variant's ratio to the raw loop in window `i`."""
    low, high = record["ratio_range"][name][i]
    return f"{record['ratio_median'][name][i]:.3f} [{low:.2f}, {high:.2f}]"


def render(doc: dict[str, Any]) -> str:
    """The Markdown section of docs/benchmarks.md for a results document."""
    machine = doc["machine"]
    lines = [
        "## Time per trial as the study grows",
        "",
        "TPE's cost per ask grows with the finished trials; does the engine add to that growth? "
        "One study of N trials per variant and repeat, variants interleaved, the same seed on "
        "every side, `TPESampler(seed=)`, in-memory storage, and the engine-overhead "
        "benchmark's no-op objective over two floats and an int. `raw`: a bare Optuna ask/tell "
        "loop writing the same per-trial attributes as the engine; `ours`: the engine alone "
        "(`adaptation_interval=0`); `default`: the default configuration (adaptation "
        "checkpoints every 20 trials and the whole-space share). A trial's time is the gap "
        "between consecutive `time.perf_counter()` stamps taken after each trial (the raw loop "
        "after its `tell`, ours from an `add_callback(fn(study, trial))` callback, the same "
        "small cost on every trial), so it includes all the engine does between trials. Each "
        "cell is the median over repeats of the variant's median milliseconds per trial over "
        "the window's trial numbers (the trials asked while that many had finished); ratios are "
        "taken within each repeat (range over repeats in brackets). The last column, the mean "
        "per trial (median over repeats), shows what the medians hide: work done every few "
        "trials, such as the default's checkpoints.",
        "",
        f"Machine: {machine['cpu_count']} cores, {machine['platform']}, Python "
        f"{machine['python']}, optuna {machine['packages']['optuna']}.",
    ]
    for r in sorted(doc["records"], key=lambda r: r["trials"]):
        med, mean = r["ms_median"], r["ms_mean"]
        lines += [
            "",
            f"{r['trials']} trials, {r['repeats']} repeat(s); {r['date']}, load "
            f"{r['load_before']} before / {r['load_after']} after; `{r['command']}`",
            "",
            "| trials finished | raw (ms) | ours (ms) | default (ms) | ours / raw "
            "| default / raw | mean ms: raw / ours / default |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        names = list(VARIANTS)
        for i, (a, b) in enumerate(r["windows"]):
            lines.append(
                f"| {a}-{b} | "
                + " | ".join(f"{med[name][i]:.2f}" for name in names)
                + f" | {_ratio_cell(r, 'ours', i)} | "
                + f"{_ratio_cell(r, 'ours, default adaptation', i)} | "
                + " / ".join(f"{mean[name][i]:.2f}" for name in names)
                + " |"
            )
    return "\n".join(lines) + "\n"


def render_file(path: Path = RESULTS) -> str:
    """The Markdown section for the results kept in `path` ("" when there are none)."""
    return render_saved(path, render)


def main(argv: list[str] | None = None) -> int:
    """Run the scaling benchmark; merge its record into results/scaling.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling")
    parser.add_argument("--trials", type=int, default=2000, help="trials per study (N)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--width", type=int, default=100, help="trials per window and per block (default 100)"
    )
    parser.add_argument(
        "--windows",
        type=parse_window,
        nargs="+",
        help="START-END windows of trial numbers (default: WIDTH wide, ending at 1, 5, 10, 20, "
        "50, ... widths and at N)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n = args.trials
    if n < 1 or args.repeats < 1 or args.width < 1:
        parser.error("--trials, --repeats and --width must be at least 1")
    windows = args.windows or default_windows(n, args.width)
    if any(b > n for _, b in windows):
        parser.error(f"windows must end at or before --trials ({n})")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
    command = "python -m benchmarks.scaling " + " ".join(argv if argv is not None else sys.argv[1:])
    record = measure_cell(command, measure, n, args.repeats, windows, min(args.width, n))
    print(render(save_cell(args.out, record, ("trials",))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
