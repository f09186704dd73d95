"""The engine-overhead benchmark runs end to end on a tiny budget (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import engine_overhead


@pytest.mark.benchmark
def test_overhead_harness_writes_merges_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    args = ["--trials", "20", "--repeats", "2", "--sampler", "random", "--out", str(out)]
    assert engine_overhead.main(args) == 0
    assert engine_overhead.main([*args[:4], "--sampler", "tpe", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert {(r["sampler"], r["trials"]) for r in doc["records"]} == {("random", 20), ("tpe", 20)}
    record = doc["records"][0]
    assert set(record["ratio_median"]) == {
        "raw ask/tell",
        "ours",
        "ours + 1 subscriber",
        "ours, default adaptation",
        "study.optimize",
        "raw, copy-free tell",
        engine_overhead.NET,
    }
    assert record["ratio_median"]["raw ask/tell"] == 1.0 and len(record["seconds"]["ours"]) == 2
    seconds = record["seconds"]
    net = [o / c for o, c in zip(seconds["ours"], seconds["raw, copy-free tell"], strict=True)]
    assert record["ratio_median"][engine_overhead.NET] == pytest.approx(sum(net) / 2)
    text = engine_overhead.render_file(out)
    assert text.startswith("## Engine overhead against raw Optuna")
    assert "| random | 20 | 2 |" in text and "| tpe | 20 | 2 |" in text
    assert engine_overhead.render_file(tmp_path / "missing.json") == ""
