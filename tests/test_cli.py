"""The command line: the README's main job, for real, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend


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
