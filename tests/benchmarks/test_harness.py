"""The benchmark harness end to end, on a tiny budget in a temporary directory.

No timing assertions: this checks that records are written, that a rerun skips them, that a
contender that raises is recorded as failed, and that the report renders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import QUICK_PROBLEMS, main
from benchmarks.contenders import all_contenders
from benchmarks.problems import Problem, all_problems
from benchmarks.report import metric_at, render_report
from benchmarks.results import ResultStore, load_records
from benchmarks.runner import RecordingObjective, run_matrix, run_one

pytestmark = pytest.mark.benchmark

TRIALS = 12


def _records(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == 1
    return list(data["records"])


def test_quick_run_resume_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "quick.json"
    args = ["run", "--quick", "--trials", str(TRIALS), "--seeds", "1", "--results", str(results)]
    assert main(args) == 0
    records = _records(results)
    runnable = [c for c in all_contenders().values() if c.unavailable_reason() is None]
    problems = all_problems()
    expected = {(p, c.name) for p in QUICK_PROBLEMS for c in runnable if c.applicable(problems[p])}
    assert {(r["problem"], r["contender"]) for r in records} == expected
    for r in records:
        assert r["status"] == "ok", r["error"]
        assert r["n_trials"] == TRIALS and len(r["trace"]) == TRIALS
        assert r["n_evaluations"] >= TRIALS
        assert r["trace"][-1] == r["best_value"] or r["n_evaluations"] > TRIALS
    store = ResultStore(results)
    assert len(store.sessions) == 1 and store.sessions[0]["finished"]
    assert store.sessions[0]["machine"]["cpu_count"]

    capsys.readouterr()
    assert main(args) == 0  # resumable: everything is skipped
    out = capsys.readouterr().out
    assert f"ran 0 (0 failed), skipped {len(expected)}" in out
    assert [r["finished_at"] for r in _records(results)] == [r["finished_at"] for r in records]

    report = tmp_path / "benchmarks.md"
    assert (
        main(
            [
                "report",
                "--results",
                str(results),
                "--output",
                str(report),
                "--note",
                "tiny test run",
            ]
        )
        == 0
    )
    text = report.read_text(encoding="utf-8")
    assert "tiny test run" in text and "load average" in text
    for name in QUICK_PROBLEMS:
        assert f"`{name}`" in text
    assert "| optuna_cmaes | n/a |" in text  # not applicable to the conditional problem
    assert "@6" in text and f"@{TRIALS}" in text  # budgets chosen from the records


def _always_raises(params: Mapping[str, Any]) -> float:
    raise ValueError("boom: objective broke")


BROKEN = Problem(
    "broken", "synthetic", {"x": ("float", 0.0, 1.0)}, "minimize", _always_raises, f_star=0.0
)


def test_contender_that_raises_is_recorded_as_failed(tmp_path: Path) -> None:
    contenders = all_contenders()
    # scikit-optimize cannot cope with an objective that raises: the whole run fails;
    # Optuna catches it per trial: the run is ok with every evaluation failed.
    chosen = [contenders["skopt_gp"], contenders["random"]]
    store = ResultStore(tmp_path / "r.json")
    summary = run_matrix([BROKEN], chosen, [0], lambda c: store, trials_cap=3)
    by_name = {r["contender"]: r for r in summary.ran}
    skopt_rec = by_name["skopt_gp"]
    assert skopt_rec["status"] == "failed"
    assert "boom: objective broke" in skopt_rec["error"]
    assert "ValueError" in skopt_rec["traceback"]
    assert by_name["random"]["status"] == "ok"
    assert by_name["random"]["n_failed_evaluations"] == 3
    assert by_name["random"]["trace"] == [None, None, None]

    records, _ = load_records([store.path])
    assert len(records) == 2  # the failure was kept, not dropped

    # a rerun skips the failed record, unless asked to retry it
    again = run_matrix([BROKEN], chosen, [0], lambda c: store, trials_cap=3)
    assert again.skipped == 2 and not again.ran
    retry = run_matrix([BROKEN], chosen, [0], lambda c: store, trials_cap=3, retry_failed=True)
    assert [r["contender"] for r in retry.ran] == ["skopt_gp"]

    text = render_report(records, [], {"broken": BROKEN}, contenders, budgets=[3])
    assert "skopt_gp` failed on seeds [0]: ValueError: boom" in text
    assert metric_at(by_name["random"], BROKEN, 3) is None


def test_the_adaptation_section_tallies_verdicts_ranks_and_deceptive_hits() -> None:
    problems = {name: all_problems()[name] for name in ("branin", "deceptive3")}
    contenders = {name: all_contenders()[name] for name in ("random", "ours", "ours_off")}
    regret = {"ours": 1e-4, "ours_off": 0.1, "random": 1.0}  # times (1 + seed)
    records = [
        {
            "problem": name, "contender": who, "seed": seed, "status": "ok", "n_trials": 200,
            "trace": [problem.f_star + scale * (1 + seed)] * 200, "wall_time_s": 1.0,
        }
        for name, problem in problems.items() if problem.f_star is not None
        for who, scale in regret.items()
        for seed in range(10)
    ]  # fmt: skip
    text = render_report(records, [], problems, contenders)
    section = text.split("## Adaptation on against off")[1].split("\n## ")[0]
    assert "| branin | beats, -3.26 / -0.26 (" in section
    assert "- At 200 trials, over 2 problems: beats 2." in section
    # ranked among the peers and OURS alone: ours_off is left out
    assert "| random | ours |" in section and "ours_off |" not in section.split("mean rank")[1]
    assert "| at 100 trials (problems) | 2.00 (2) | 1.00 (2) |" in section
    assert "seeds that found the narrow basin: `ours` 10/10, `ours_off` 0/10." in section


def test_recording_objective_trace_is_best_so_far() -> None:
    values = iter([3.0, 5.0, 1.0, 2.0])
    problem = Problem(
        "seq",
        "synthetic",
        {"x": ("float", 0.0, 1.0)},
        "minimize",
        lambda p: next(values),
        f_star=0.5,
    )
    rec = RecordingObjective(problem)
    for x in (0.1, 0.2, 0.3, 0.4):
        rec({"x": x})
    assert rec.trace(4) == [3.0, 3.0, 1.0, 1.0]
    assert rec.best_params == {"x": 0.3}
    assert problem.metric(1.0) == pytest.approx(-0.30103, abs=1e-5)


def test_list_names_every_problem_and_contender(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in [*all_problems(), *all_contenders()]:
        assert name in out


@pytest.mark.parametrize("name", [c.name for c in all_contenders().values() if c.group == "peer"])
def test_peer_runs_are_reproducible_from_the_seed(name: str) -> None:
    contender = all_contenders()[name]
    if contender.unavailable_reason() is not None:
        pytest.skip(str(contender.unavailable_reason()))
    problem = all_problems()["branin"]
    first = run_one(problem, contender, 3, 12)
    second = run_one(problem, contender, 3, 12)
    assert first["status"] == "ok", first["error"]
    assert first["trace"] == second["trace"]
    assert first["best_params"] == second["best_params"]


def _store(path: Path, command: str, seeds: list[int]) -> ResultStore:
    store = ResultStore(path)
    session = store.start_session({"command": command})
    for seed in seeds:
        store.put(
            {
                "problem": "branin",
                "contender": "random",
                "seed": seed,
                "n_trials": 5,
                "best_value": float(seed),
                "session": session,
            }
        )
    return store


def test_merge_adds_sessions_renumbered_and_keeps_records_already_there(tmp_path: Path) -> None:
    into, side = tmp_path / "into.json", tmp_path / "side.json"
    _store(into, "first", [0, 1])
    _store(side, "side by side", [1, 2])
    before = side.read_bytes()
    assert main(["merge", str(into), str(side)]) == 0
    merged = ResultStore(into)
    assert [(s["id"], s["command"]) for s in merged.sessions] == [(1, "first"), (2, "side by side")]
    assert merged.sessions[1]["merged_from"] == str(side)
    by_seed = {r["seed"]: r["session"] for r in merged.records}
    assert by_seed == {0: 1, 1: 1, 2: 2}  # seed 1 was already there: kept from `first`
    assert side.read_bytes() == before
    records, _ = load_records([into])
    assert len(records) == 3
