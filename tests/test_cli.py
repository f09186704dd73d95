"""The command line: the README's main job, for real, in a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.cli import _Progress


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adaptive_hyperopt.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_runs_a_real_study_into_a_journal_and_continues_it(tmp_path: Path) -> None:
    first = run_cli("demo", "--trials", "2", "--seed", "0", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    journal = tmp_path / ".adaptive_hyperopt" / "demo.journal"
    assert journal.exists()
    assert "Best accuracy: 0." in first.stdout and "Best parameters: {" in first.stdout
    assert first.stdout.count("accuracy=") == 2
    assert f"2 trials in {Path('.adaptive_hyperopt') / 'demo.journal'}" in first.stdout
    second = run_cli("demo", "--trials", "1", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "3 trials in" in second.stdout
    study = optuna.load_study(
        study_name="demo", storage=JournalStorage(JournalFileBackend(str(journal)))
    )
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 3
    assert study.user_attrs["ah.objective"].endswith("_demo.<locals>.objective")


def test_bad_arguments_give_a_one_line_error(tmp_path: Path) -> None:
    bad = run_cli("demo", "--trials", "0", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --trials must be at least 1"
    unknown = run_cli("frobnicate", cwd=tmp_path)
    assert unknown.returncode == 2 and "invalid choice: 'frobnicate'" in unknown.stderr


OBJECTIVE = """
def objective(params):
    return -((params["x"] - 0.25) ** 2) + (0.1 if params["kind"] == "b" else 0.0)
"""


def test_run_tunes_a_module_objective_over_a_json_space_and_a_worker_joins(
    tmp_path: Path,
) -> None:
    (tmp_path / "train.py").write_text(OBJECTIVE)
    (tmp_path / "space.json").write_text(
        '{"x": ["float", 0.0, 1.0], "kind": ["categorical", ["a", "b"]]}'
    )
    run = run_cli("run", "train:objective", "--space", "space.json", "--trials", "5",
                  "--seed", "0", cwd=tmp_path)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # progress on stderr, a line per trial (not a terminal); the result alone on stdout
    assert run.stderr.count("trial ") == 5 and "trial 4: " in run.stderr
    assert run.stdout.splitlines()[0].startswith("best value: ") and "trial " not in run.stdout
    assert "study 'objective' in " in run.stdout
    journal = tmp_path / ".adaptive_hyperopt" / "objective.journal"
    worker = run_cli("worker", str(journal), "--study", "objective",
                     "--objective", "train:objective", "--trials", "3", cwd=tmp_path)  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    assert "worker ran 3 trials of 'objective'" in worker.stdout
    assert worker.stderr.count("trial ") == 3 and "trial 7: " in worker.stderr
    study = optuna.load_study(
        study_name="objective", storage=JournalStorage(JournalFileBackend(str(journal)))
    )
    assert len(study.trials) == 8 and all(t.state.name == "COMPLETE" for t in study.trials)
    report = run_cli("report", str(journal), "--out", "rep", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "report of 'objective'" in report.stdout and "<svg" in html and "objective" in html


MULTI_OBJECTIVE = """
def objective(params):
    return params["x"] ** 2, (params["x"] - 1.0) ** 2
"""


def test_a_worker_joins_a_multi_objective_study_and_reports_its_front(tmp_path: Path) -> None:
    (tmp_path / "two.py").write_text(MULTI_OBJECTIVE)
    journal = tmp_path / "two.journal"
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=4, random_state=0, storage=str(journal), study_name="two"
    )
    opt.multi_objective_optimize(
        lambda p: (p["x"] ** 2, (p["x"] - 1.0) ** 2),
        {"x": ("float", 0.0, 1.0)},
        ["minimize", "minimize"],
    )
    worker = run_cli("worker", str(journal), "--study", "two",
                     "--objective", "two:objective", "--trials", "3", cwd=tmp_path)  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    # every x in [0, 1] is Pareto-optimal here, so the front holds every trial
    assert "worker ran 3 trials of 'two'; Pareto front of 7, hypervolume " in worker.stdout
    assert worker.stderr.count("trial ") == 3 and "trial 6: (" in worker.stderr
    assert "front 7" in worker.stderr


def test_run_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "space.json").write_text('{"x": ["float", 0.0, 1.0]}')
    missing = run_cli("run", "nowhere:objective", "--space", "space.json", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: cannot import 'nowhere'") and "Traceback" not in (
        missing.stderr
    )
    (tmp_path / "bad.json").write_text("[1, 2]")
    (tmp_path / "train.py").write_text(OBJECTIVE)
    bad = run_cli("run", "train:objective", "--space", "bad.json", cwd=tmp_path)
    assert bad.returncode == 2 and "must hold a JSON object" in bad.stderr
    (tmp_path / "taken").write_text("")  # a storage directory that cannot be made
    unwritable = run_cli(
        "run", "train:objective", "--space", "space.json", "--dir", "taken", cwd=tmp_path
    )
    assert unwritable.returncode == 1 and "Traceback" not in unwritable.stderr
    assert unwritable.stderr.startswith("error: ") and "'taken'" in unwritable.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_counts_every_finished_trial() -> None:
    def objective(params: dict[str, float]) -> float:
        if params["x"] > 0.7:
            raise ValueError("too far")
        return params["x"]

    terminal = Terminal()
    progress = _Progress(6, terminal)
    opt = AdaptiveHyperparameterOptimizer(n_trials=6, random_state=0)
    _, best, history = opt.optimize(objective, {"x": ("float", 0.0, 1.0)}, callbacks=[progress])
    progress.close()
    text = terminal.getvalue()
    frames = text.split("\r")[1:]
    assert len(frames) == 6 and text.endswith("\n")
    assert frames[-1].startswith("[" + "#" * 30 + "] 6/6 trial 5: ")
    assert frames[0].startswith("[" + "#" * 5 + "." * 25 + "] 1/6 trial 0: ")
    assert f"best {best:.6g}" in frames[-1]
    failed = [r.number for r in history if r.state == "FAIL"]
    assert failed and all(f"trial {n}: fail" in text for n in failed)
