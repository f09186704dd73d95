"""Command line: ``python -m benchmarks {list,run,report}``."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bridge_overhead import render_file as render_bridge_overhead
from benchmarks.contenders import Contender, all_contenders
from benchmarks.dashboard import render_file as render_dashboard
from benchmarks.engine_overhead import render_file
from benchmarks.machine import describe_machine, load_average, now_iso
from benchmarks.model_cost import render_file as render_model_cost
from benchmarks.parallel import render_file as render_parallel
from benchmarks.problems import Problem, all_problems
from benchmarks.pruning import render_file as render_pruning
from benchmarks.report import render_report
from benchmarks.results import Record, ResultStore, load_records
from benchmarks.runner import budget_for, run_matrix
from benchmarks.scaling import render_file as render_scaling

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PEERS_FILE = RESULTS_DIR / "peers.json"
OURS_FILE = RESULTS_DIR / "ours.json"
QUICK_FILE = RESULTS_DIR / "quick.json"
QUICK_PROBLEMS = ("branin", "conditional", "hgb_diabetes")
QUICK_SEEDS = 2
QUICK_TRIALS = 20


def _names(value: str | None, known: dict[str, object], what: str) -> list[str] | None:
    if not value or value == "all":
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)}; known: {', '.join(known)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m benchmarks``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Sample-efficiency benchmarks of adaptive_hyperopt against its peers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list problems and contenders")

    run = sub.add_parser("run", help="run (problem, contender, seed) cells not yet recorded")
    run.add_argument("--problems", help="comma-separated problem names (default: all)")
    run.add_argument("--contenders", help="comma-separated contender names (default: all)")
    run.add_argument(
        "--only",
        choices=["ours", "peers", "all"],
        default="all",
        help="restrict to OURS or to the peers",
    )
    run.add_argument(
        "--seeds", type=int, help=f"number of seeds (default 10, {QUICK_SEEDS} with --quick)"
    )
    run.add_argument("--seed-start", type=int, default=0, help="first seed (default 0)")
    run.add_argument("--trials", type=int, help="cap every contender's budget at this many trials")
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"{len(QUICK_PROBLEMS)} problems, {QUICK_SEEDS} seeds, "
        f"{QUICK_TRIALS} trials, into {QUICK_FILE.name}",
    )
    run.add_argument(
        "--results",
        type=Path,
        help="write every record to this file (default: peers into "
        f"{PEERS_FILE.name}, OURS into {OURS_FILE.name}, in {RESULTS_DIR})",
    )
    run.add_argument("--retry-failed", action="store_true", help="re-run failed records")

    merge = sub.add_parser(
        "merge", help="merge results files written side by side into one (records kept once)"
    )
    merge.add_argument("into", type=Path, help="the file to merge into (created if missing)")
    merge.add_argument("sources", type=Path, nargs="+", help="files to merge; left unchanged")

    rep = sub.add_parser("report", help="render results files as Markdown")
    rep.add_argument(
        "--results",
        type=Path,
        nargs="+",
        help=f"results files (default: {PEERS_FILE.name} and {OURS_FILE.name})",
    )
    rep.add_argument("--output", type=Path, help="write here instead of standard output")
    rep.add_argument("--budgets", help="comma-separated budgets (default: 50,100,200 as reached)")
    rep.add_argument("--note", default="", help="status note shown at the top")
    return parser


def _cmd_list() -> int:
    print("problems:")
    for p in all_problems().values():
        extra = f"f*={p.f_star:.10g}" if p.f_star is not None else "CV score"
        flags = "continuous" if p.continuous else ("conditional" if p.conditional else "mixed")
        print(f"  {p.name:24s} {p.kind:9s} {p.dims:2d}D {p.direction:8s} {flags:11s} {extra}")
    print("contenders:")
    for c in all_contenders().values():
        reason = c.unavailable_reason()
        state = "available" if reason is None else f"UNAVAILABLE ({reason})"
        print(f"  {c.name:14s} {c.group:5s} budget {c.budget:3d}  {c.label}  [{state}]")
    return 0


def _select(args: argparse.Namespace) -> tuple[list[Problem], list[Contender]]:
    problems, contenders = all_problems(), all_contenders()
    p_names = _names(args.problems, dict(problems), "problems")
    c_names = _names(args.contenders, dict(contenders), "contenders")
    if args.quick and p_names is None:
        p_names = list(QUICK_PROBLEMS)
    chosen_p = [problems[n] for n in (p_names or problems)]
    chosen_c = [contenders[n] for n in (c_names or contenders)]
    if args.only == "ours":
        chosen_c = [c for c in chosen_c if c.group == "ours"]
    elif args.only == "peers":
        chosen_c = [c for c in chosen_c if c.group != "ours"]
    return chosen_p, chosen_c


def _cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    problems, contenders = _select(args)
    seeds = args.seeds if args.seeds is not None else (QUICK_SEEDS if args.quick else 10)
    trials_cap = args.trials if args.trials is not None else (QUICK_TRIALS if args.quick else None)
    single = args.results or (QUICK_FILE if args.quick else None)
    stores: dict[Path, ResultStore] = {}
    sessions: dict[Path, int] = {}
    command = "python -m benchmarks " + shlex.join(argv)
    machine = describe_machine()

    def store_for(contender: Contender) -> ResultStore:
        path = single or (OURS_FILE if contender.group == "ours" else PEERS_FILE)
        if path not in stores:
            stores[path] = ResultStore(path)
        return stores[path]

    def session_for(store: ResultStore) -> int:
        if store.path not in sessions:
            sessions[store.path] = store.start_session(
                {
                    "command": command,
                    "machine": machine,
                    "started": now_iso(),
                    "loadavg_start": load_average(),
                }
            )
        return sessions[store.path]

    def on_record(record: Record, skipped: bool) -> None:
        what = "skip (recorded)" if skipped else record["status"]
        best = record.get("best_value")
        best_s = "—" if best is None else f"{best:.6g}"
        extra = "" if record["status"] == "ok" else f"  {record.get('error')}"
        print(
            f"{record['problem']:22s} {record['contender']:13s} seed {record['seed']:2d} "
            f"{record['n_trials']:3d} trials  {what:15s} best {best_s:>12s} "
            f"{record['wall_time_s']:7.1f} s{extra}",
            flush=True,
        )

    print(
        f"{len(problems)} problems x {len(contenders)} contenders x {seeds} seeds; budgets: "
        + ", ".join(f"{c.name}={budget_for(c, trials_cap)}" for c in contenders),
        flush=True,
    )
    summary = run_matrix(
        problems,
        contenders,
        range(args.seed_start, args.seed_start + seeds),
        store_for,
        trials_cap=trials_cap,
        retry_failed=args.retry_failed,
        session_for=session_for,
        on_record=on_record,
    )
    for path, session_id in sessions.items():
        stores[path].update_session(
            session_id, {"finished": now_iso(), "loadavg_end": load_average()}
        )
    for name, reason in summary.unavailable.items():
        print(f"not run: {name}: {reason}", file=sys.stderr)
    failed = sum(r["status"] != "ok" for r in summary.ran)
    print(
        f"ran {len(summary.ran)} ({failed} failed), skipped {summary.skipped} already "
        f"recorded, {summary.not_applicable} not applicable; results in "
        + ", ".join(str(p) for p in stores)
        if stores
        else "nothing written"
    )
    return 0


def _elide_note(argv: Sequence[str]) -> list[str]:
    """The arguments with the (long) ``--note`` text replaced by ``NOTE``."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            out.append("NOTE")
            skip = False
        elif arg == "--note":
            out.append(arg)
            skip = True
        elif arg.startswith("--note="):
            out.append("--note=NOTE")
        else:
            out.append(arg)
    return out


def _cmd_merge(args: argparse.Namespace) -> int:
    into = ResultStore(args.into)
    for source in args.sources:
        added = into.merge(ResultStore(source))
        print(f"{source}: {added} records added to {args.into}")
    return 0


def _cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    paths = args.results or [PEERS_FILE, OURS_FILE]
    records, sessions = load_records(paths)
    budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else None
    text = render_report(
        records,
        sessions,
        all_problems(),
        all_contenders(),
        budgets=budgets,
        status_note=args.note,
        render_command="python -m benchmarks " + shlex.join(_elide_note(argv)),
    )
    sections = (
        render_file(),
        render_bridge_overhead(),
        render_pruning(),
        render_parallel(),
        render_dashboard(),
        render_scaling(),
        render_model_cost(),
    )
    for section in sections:
        if section:
            text += "\n" + section
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(records)} records)")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "list":
        return _cmd_list()
    if args.command == "run":
        return _cmd_run(args, argv)
    if args.command == "merge":
        return _cmd_merge(args)
    return _cmd_report(args, argv)


if __name__ == "__main__":
    raise SystemExit(main())
