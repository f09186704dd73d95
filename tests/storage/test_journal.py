"""Journal files: a torn last record is repaired with a backup; damage elsewhere is refused."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.storage import JournalDamagedError

SPACE = {"x": ("float", 0.0, 1.0)}


def run(tmp_path: Path, n: int = 3) -> Any:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=n, random_state=0, cache_dir=tmp_path, study_name="j"
    )
    opt.optimize(lambda p: p["x"], SPACE)
    return opt


def test_a_torn_last_record_is_cut_off_with_a_backup_and_the_study_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run(tmp_path)
    journal = tmp_path / "j.journal"
    intact = journal.read_bytes()
    journal.write_bytes(intact + b'{"op_code": 6, "worker_id": "x", "trial_id": 3, "val')
    with caplog.at_level(logging.WARNING, logger="adaptive_hyperopt"):
        opt = run(tmp_path, n=2)
    assert "ended with a torn record" in caplog.text
    backups = list(tmp_path.glob("j.journal.torn-*.bak"))
    assert len(backups) == 1 and backups[0].read_bytes().startswith(intact)
    assert journal.read_bytes().startswith(intact)
    assert [t.state.name for t in opt.study.trials] == ["COMPLETE"] * 5


def test_damage_before_the_last_record_is_refused_and_the_file_left_alone(
    tmp_path: Path,
) -> None:
    run(tmp_path)
    journal = tmp_path / "j.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[2] = b"#garbage#"
    damaged = b"\n".join(lines)
    journal.write_bytes(damaged)
    with pytest.raises(JournalDamagedError, match=r"j.journal' is damaged at line 3 of"):
        run(tmp_path)
    assert journal.read_bytes() == damaged and not list(tmp_path.glob("*.bak"))


def test_a_read_only_cache_dir_is_a_clear_error_before_any_trial(tmp_path: Path) -> None:
    # Root writes anywhere: as root, the child runs without the capabilities that let it.
    import os
    import subprocess
    import sys

    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o555)
    script = (
        "from adaptive_hyperopt import AdaptiveHyperparameterOptimizer as O\n"
        "calls = []\n"
        f"opt = O(n_trials=2, cache_dir={str(cache)!r}, study_name='ro')\n"
        "try:\n"
        "    opt.optimize(lambda p: calls.append(1) or 1.0, {'x': ('float', 0, 1)})\n"
        "except ValueError as exc:\n"
        "    print('ERROR', exc, 'calls', len(calls))\n"
    )
    drop = "-dac_override,-dac_read_search"
    prefix = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", "--"]
    command = [*(prefix if os.geteuid() == 0 else []), sys.executable, "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "ERROR journal" in result.stdout, result.stderr[-2000:]
    assert "cannot be written: Permission denied calls 0" in result.stdout


def disk_full_after(monkeypatch: pytest.MonkeyPatch, when: Any) -> None:
    """Inject ENOSPC into the journal's appends once `when()` is true."""
    import errno

    from optuna.storages.journal import JournalFileBackend

    real = JournalFileBackend.append_logs

    def append_logs(self: Any, logs: list[dict[str, Any]]) -> None:
        if when():
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, logs)

    monkeypatch.setattr(JournalFileBackend, "append_logs", append_logs)


def test_a_full_disk_is_a_clear_error_before_the_first_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adaptive_hyperopt.storage import JournalWriteError

    disk_full_after(monkeypatch, lambda: True)
    calls: list[Any] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, cache_dir=tmp_path, study_name="full")
    with pytest.raises(JournalWriteError, match=r"full.journal' cannot be written: No space left"):
        opt.optimize(lambda p: calls.append(p) or 1.0, SPACE)
    assert calls == []


def test_a_full_disk_mid_study_keeps_the_finished_trials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adaptive_hyperopt.storage import JournalWriteError

    finished: list[int] = []
    disk_full_after(monkeypatch, lambda: len(finished) >= 3)
    opt = AdaptiveHyperparameterOptimizer(n_trials=8, random_state=0, cache_dir=tmp_path,
                                          study_name="mid")  # fmt: skip
    with pytest.raises(JournalWriteError, match=r"mid.journal' cannot be written"):
        opt.optimize(
            lambda p: p["x"], SPACE, callbacks=[lambda study, trial: finished.append(trial.number)]
        )
    monkeypatch.undo()  # space freed
    again = AdaptiveHyperparameterOptimizer.load_study(tmp_path, study_name="mid")
    trials = again.study.trials  # type: ignore[union-attr]
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert [t.value for t in trials] == [r.value for r in opt.history][:3]
    _, _, history = again.continue_optimization(5, objective=lambda p: p["x"])
    assert len(again.study.trials) == 8 and len(history) == 5  # type: ignore[union-attr]
