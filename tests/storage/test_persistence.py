"""save_study / load_study / continue_optimization: files, storages, cache_dir, bad files."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

SPACE = {
    "x": ("float", -2.0, 2.0),
    "n": ("int", 1, 8),
    "shape": ("categorical", [(1, 2), None, "c"]),
}


def objective(params: dict[str, Any]) -> float:
    return (params["x"] - 0.5) ** 2 + params["n"] / 100


def trials_of(study: optuna.Study) -> list[tuple[Any, ...]]:
    return [
        (t.number, t.state, t.values, t.params, t.user_attrs, t.intermediate_values)
        for t in study.trials
    ]


def test_the_spec_warm_start_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    optimizer = AdaptiveHyperparameterOptimizer(
        n_trials=6, random_state=0, sampler_config={"sampler_type": "random"}
    )
    optimizer.optimize(objective, SPACE, direction="minimize")
    # Save optimization state
    optimizer.save_study("optimization_study.pkl")
    # Load and continue optimization
    new_optimizer = AdaptiveHyperparameterOptimizer.load_study("optimization_study.pkl")
    assert trials_of(new_optimizer.study) == trials_of(optimizer.study)  # type: ignore[arg-type]
    assert new_optimizer.best_params == optimizer.best_params  # tuples, not Optuna's labels
    assert new_optimizer.config.sampler_config == {"sampler_type": "random"}
    # Continue optimization
    best_params, best_score, history = new_optimizer.continue_optimization(additional_trials=4)
    assert len(history) == 4 and len(new_optimizer.study.trials) == 10  # type: ignore[union-attr]
    assert best_score <= optimizer.best_score  # type: ignore[operator]
    assert set(best_params) == set(SPACE)


def test_the_file_is_plain_data_and_other_files_are_refused(tmp_path: Path) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2, random_state=0)
    with pytest.raises(ValueError, match="save_study\\(\\) has no study to save"):
        opt.save_study(tmp_path / "none.json")
    opt.optimize(objective, SPACE)
    path = opt.save_study(tmp_path / "s.pkl")
    assert path.read_text().startswith('{"format": "adaptive-hyperopt-study"')
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match="never unpickles"):
        AdaptiveHyperparameterOptimizer.load_study(tmp_path / "evil.pkl")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="no 'adaptive-hyperopt-study' header"):
        AdaptiveHyperparameterOptimizer.load_study(tmp_path / "other.json")


def test_an_interrupted_study_resumes_from_its_cache_dir(tmp_path: Path) -> None:
    calls = 0

    def interrupted(params: dict[str, Any]) -> float:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        return objective(params)

    opt = AdaptiveHyperparameterOptimizer(
        n_trials=10, random_state=0, cache_dir=tmp_path, study_name="resume-me"
    )
    with pytest.raises(KeyboardInterrupt):
        opt.optimize(interrupted, SPACE)
    again = AdaptiveHyperparameterOptimizer.load_study(tmp_path)
    states = [t.state.name for t in again.study.trials]  # type: ignore[union-attr]
    assert states == ["COMPLETE"] * 3 + ["FAIL"]
    _, _, history = again.continue_optimization(additional_trials=6, objective=objective)
    assert len(history) == 6 and len(again.study.trials) == 10  # type: ignore[union-attr]


def test_load_from_a_storage_url_picks_the_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/studies.db"
    for name in ("a", "b"):
        AdaptiveHyperparameterOptimizer(
            n_trials=2, random_state=0, storage=url, study_name=name
        ).optimize(objective, SPACE)
    with pytest.raises(ValueError, match=r"holds studies \['a', 'b'\]: pass study_name="):
        AdaptiveHyperparameterOptimizer.load_study(url)
    with pytest.raises(ValueError, match="no study named 'c'"):
        AdaptiveHyperparameterOptimizer.load_study(url, study_name="c")
    loaded = AdaptiveHyperparameterOptimizer.load_study(url, study_name="b")
    assert loaded.study is not None and loaded.study.study_name == "b"
    assert len(loaded.study.trials) == 2


def test_a_running_trial_in_a_saved_file_loads_as_failed(tmp_path: Path) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2, random_state=0)
    opt.optimize(objective, SPACE)
    assert opt.study is not None
    opt.study.ask()  # a trial the saving process never finished
    path = opt.save_study(tmp_path / "s.json")
    loaded = AdaptiveHyperparameterOptimizer.load_study(path)
    trials = loaded.study.trials  # type: ignore[union-attr]
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "FAIL"]
    assert trials[2].user_attrs["ah.fail_reason"].startswith("lost: the trial was still running")
