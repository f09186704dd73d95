"""The model-cost benchmark runs end to end on a tiny budget (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import model_cost


@pytest.mark.benchmark
def test_model_cost_harness_writes_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "model_cost.json"
    args = ["--trials", "24", "--repeats", "1", "--windows", "0-12", "12-24", "--out", str(out)]
    assert model_cost.main(args) == 0
    (record,) = json.loads(out.read_text())["records"]
    assert record["trials"] == 24 and record["problem"] == "hartmann6"
    assert record["windows"] == [[0, 12], [12, 24]]
    assert set(record["ms_median"]) == set(model_cost.VARIANTS)
    for name in model_cost.VARIANTS:
        assert len(record["ms_median"][name]) == 2 and all(
            ms > 0 for ms in record["ms_median"][name]
        )
        assert len(record["seconds"][name]) == 1
    assert {"date", "load_before", "load_after", "command"} <= set(record)
    text = model_cost.render_file(out)
    assert text.startswith("## The default's model: cost per trial against Optuna's GPSampler")
    assert "| 12-24 |" in text and "ours (default) (ms)" in text
    assert model_cost.render_file(tmp_path / "missing.json") == ""
