"""Dashboard load on the kernel: a study's throughput with the live dashboard attached.

Both variants run in one real IPython kernel (jupyter_client), interleaved: `start()` on a no-op
objective alone, and `start()` with `handle.dashboard()` displayed, so the widgets' comm
messages really go out on the kernel's IOPub channel and the pump thread really competes with
the driver. The figure is the median over repeats of (throughput with / throughput without).
The browser side (how far the page trails the kernel) is measured by
`tests/browser/test_dashboard_load.py`, which writes `results/dashboard_browser.json`.

    python -m benchmarks.dashboard --trials 2000 --repeats 5 --sampler tpe random
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from .machine import describe_machine, load_average, now_iso
from .results import render_saved

RESULTS = Path(__file__).parent / "results" / "dashboard.json"
BROWSER_RESULTS = Path(__file__).parent / "results" / "dashboard_browser.json"

SETUP = """
import json, logging, time
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
logging.getLogger("adaptive_hyperopt").setLevel(logging.ERROR)
from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from IPython.display import display
SPACE = {"x": ("float", 0.0, 1.0), "y": ("float", 1e-3, 1.0, "log"), "n": ("int", 1, 100)}

def run(n, sampler, seed, dashboard):
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=n, random_state=seed, sampler_config={"sampler_type": sampler},
        adaptation_interval=0, study_direction="minimize")
    t0 = time.perf_counter()
    handle = opt.start(lambda p: p["x"], SPACE)
    view = handle.dashboard() if dashboard else None
    if view is not None:
        display(view)
    handle.wait()
    elapsed = time.perf_counter() - t0
    if view is not None:
        view.wait()
        assert view.state.status()["n_complete"] == n
        view.close()
    return n / elapsed
"""


def measure(trials: int, sampler: str, repeats: int) -> dict[str, Any]:
    """Interleaved repeats in one kernel; returns trials/s per variant and the ratios."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        _execute(kc, SETUP)
        rates: dict[str, list[float]] = {"without": [], "with dashboard": []}
        for rep in range(repeats):
            for name, flag in (("without", False), ("with dashboard", True)):
                out = _execute(kc, f"print(json.dumps(run({trials}, {sampler!r}, {rep}, {flag})))")
                rates[name].append(float(out.strip().splitlines()[-1]))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    ratios = [w / b for w, b in zip(rates["with dashboard"], rates["without"], strict=True)]
    return {
        "trials": trials,
        "sampler": sampler,
        "repeats": repeats,
        "rate_median": {k: statistics.median(v) for k, v in rates.items()},
        "ratio_median": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
        "rates": rates,
    }


def _execute(kc: Any, code: str) -> str:
    chunks: list[str] = []
    errors: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            chunks.append(content["text"])
        elif kind == "error":
            errors.append("\n".join(content["traceback"]))

    reply = kc.execute_interactive(code, timeout=600, output_hook=hook)
    if reply["content"]["status"] != "ok" or errors:
        raise RuntimeError(f"the kernel failed: {''.join(errors)}")
    return "".join(chunks)


def render(doc: dict[str, Any]) -> str:
    """The kernel-side section of docs/benchmarks.md."""
    machine = doc["machine"]
    lines = [
        "## Dashboard load",
        "",
        "Kernel side: one real IPython kernel runs `start()` on a no-op objective (two floats and "
        "an int, `adaptation_interval=0`) with and without `handle.dashboard()` displayed, "
        "interleaved. Cell: median over repeats of (trials/s with the dashboard / trials/s "
        "without), with the range. The issue's bar is at least 0.90.",
        "",
        f"Machine: {machine['cpu_count']} cores, {machine['platform']}, Python "
        f"{machine['python']}.",
        "",
        "| sampler | trials | repeats | trials/s without | trials/s with | ratio | date, load "
        "before/after | command |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in sorted(doc["records"], key=lambda r: (r["sampler"], r["trials"])):
        low, high = r["ratio_range"]
        lines.append(
            f"| {r['sampler']} | {r['trials']} | {r['repeats']} | "
            f"{r['rate_median']['without']:.0f} | {r['rate_median']['with dashboard']:.0f} | "
            f"{r['ratio_median']:.3f} [{low:.2f}, {high:.2f}] | "
            f"{r['date']}, {r['load_before']} / {r['load_after']} | `{r['command']}` |"
        )
    return "\n".join(lines) + "\n" + render_saved(BROWSER_RESULTS, render_browser)


def render_browser(doc: dict[str, Any]) -> str:
    """The browser-side lines: how far the page's counters trail the kernel."""
    lines = [
        "",
        "Browser side: a study of "
        f"{doc['trials']} no-op trials streams into the dashboard in JupyterLab "
        "(headless Chromium); at every redraw the page compares its clock with the kernel's time "
        "of the newest event it drew. The issue's bar: never more than 1 s behind.",
        "",
        "| trials | trials/s | redraws | lag p50 | lag p95 | lag max | final counters exact "
        "| date | command |",
        "|---:|---:|---:|---:|---:|---:|---|---|---|",
        f"| {doc['trials']} | {doc['rate']:.0f} | {doc['renders']} | {doc['lag_p50']:.3f} s | "
        f"{doc['lag_p95']:.3f} s | {doc['lag_max']:.3f} s | {doc['exact']} | {doc['date']} | "
        f"`{doc['command']}` |",
    ]
    return "\n".join(lines) + "\n"


def render_file(path: Path = RESULTS) -> str:
    """The Markdown section for the results kept in `path` ("" when there are none)."""
    return render_saved(path, render)


def main(argv: list[str] | None = None) -> int:
    """Run the kernel-side dashboard benchmark; merge its records into results/dashboard.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard")
    parser.add_argument("--trials", type=int, nargs="+", default=[2000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sampler", nargs="+", default=["tpe", "random"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    command = "python -m benchmarks.dashboard " + " ".join(argv or sys.argv[1:])
    doc: dict[str, Any] = {"records": []}
    if args.out.exists():
        doc = json.loads(args.out.read_text())
    doc["machine"] = describe_machine()
    for sampler in args.sampler:
        for trials in args.trials:
            before = load_average()
            record = measure(trials, sampler, args.repeats)
            record.update(
                date=now_iso(), load_before=before, load_after=load_average(), command=command
            )
            key = (trials, sampler)
            doc["records"] = [r for r in doc["records"] if (r["trials"], r["sampler"]) != key] + [
                record
            ]
            print(
                f"{sampler} {trials}: with/without = {record['ratio_median']:.3f} "
                f"{record['rate_median']}",
                flush=True,
            )
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(doc, indent=1))
    print(render(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
