"""The scaling benchmark runs end to end on a tiny budget (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import scaling

VARIANTS = {"raw ask/tell", "ours", "ours, default adaptation"}


def test_default_windows() -> None:
    assert scaling.default_windows(2000) == [(0, 100), (400, 500), (900, 1000), (1900, 2000)]
    assert scaling.default_windows(30, 10) == [(0, 10), (20, 30)]
    assert scaling.default_windows(50) == [(0, 50)]
    assert scaling.per_trial_ms([1.0, 1.5, 1.75]) == [500.0, 250.0]


@pytest.mark.benchmark
def test_scaling_harness_writes_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "scaling.json"
    args = ["--trials", "30", "--repeats", "1", "--width", "10", "--out", str(out)]
    assert scaling.main(args) == 0
    doc = json.loads(out.read_text())
    assert set(doc["machine"]) >= {"cpu_count", "platform", "python", "packages"}
    (record,) = doc["records"]
    assert record["trials"] == 30 and record["repeats"] == 1 and record["sampler"] == "tpe"
    assert record["windows"] == [[0, 10], [20, 30]]
    assert set(record["ms_median"]) == set(record["ratio_median"]) == VARIANTS
    for name in VARIANTS:
        assert len(record["ms_median"][name]) == len(record["ms_mean"][name]) == 2
        assert len(record["window_ms"][name]) == len(record["seconds"][name]) == 1
        assert [len(row) for row in record["block_ms"][name]] == [3]
        assert all(ms > 0 for ms in record["ms_median"][name])
    assert record["ratio_median"]["raw ask/tell"] == [1.0, 1.0]
    assert {"date", "load_before", "load_after", "command"} <= set(record)
    assert "--trials 30" in record["command"]

    # a second size is merged beside the first; the same size again would replace it
    assert (
        scaling.main(["--trials", "12", "--repeats", "1", "--width", "4", "--out", str(out)]) == 0
    )
    assert [r["trials"] for r in json.loads(out.read_text())["records"]] == [30, 12]
    text = scaling.render_file(out)
    assert text.startswith("## Time per trial as the study grows")
    assert "| 0-10 |" in text and "| 20-30 |" in text and "| 8-12 |" in text
    assert text.index("12 trials, 1 repeat(s)") < text.index("30 trials, 1 repeat(s)")
    assert scaling.render_file(tmp_path / "missing.json") == ""
