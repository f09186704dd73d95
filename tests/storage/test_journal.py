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
