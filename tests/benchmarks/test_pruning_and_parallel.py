"""The pruning and parallel benchmark harnesses run end to end at a tiny size and render."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import parallel, pruning


def test_pruning_harness_writes_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "pruning.json"
    pruning.main(["--tasks", "sgd_digits", "--seeds", "2", "--trials", "6", "--out", str(out)])
    doc = json.loads(out.read_text())
    (record,) = doc["records"]
    assert record["task"] == "sgd_digits" and len(record["runs"]["pruning"]) == 2
    assert record["total_epochs"]["no pruning"] == 2 * 6 * pruning.SGD_EPOCHS
    assert record["total_epochs"]["pruning"] <= record["total_epochs"]["no pruning"]
    assert record["paired"] and record["verdict"] in ("beats", "not worse", "worse", "inconclusive")
    assert pruning.render_file(out).startswith("## Pruning against no pruning")
    assert pruning.render_file(tmp_path / "missing.json") == ""


def test_parallel_harness_writes_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "parallel.json"
    argv = ["--repeats", "1", "--trials", "2", "--storage-trials", "5", "--out", str(out)]
    parallel.main(argv)
    doc = json.loads(out.read_text())
    assert len(doc["speedups"]) == 1 and set(doc["storages"]) == {"journal", "sqlite"}
    text = parallel.render_file(out)
    assert text.startswith("## Parallel trials and storages") and "\\n" not in text
