"""The result cache (cache_key with a cache_dir) and warm starts.

Hits, misses and invalidation by the objective's fingerprint; each case where the fingerprint
cannot be trusted and caching is refused with a warning; the key that vouches for data; warm
starts from the cache, a study and a saved file; a torn or unwritable results file.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.events import TrialFinished, TrialStarted
from adaptive_hyperopt.storage._cache import (
    ResultCache,
    UntrustedObjective,
    fingerprint,
    params_key,
)

SPACE = {
    "x": ("float", 0.0, 1.0),
    "n": ("int", 1, 5),
    "k": ("categorical", ["a", (1, 2), None]),
}
OFFSET = 0.25


def shift(x: float) -> float:
    return x - OFFSET


def objective(params: dict[str, Any]) -> float:
    """Counts its calls in the file named by $AH_CALLS (a side effect the cache skips)."""
    with open(os.environ["AH_CALLS"], "a") as out:
        out.write("call\n")
    return shift(params["x"]) ** 2 + params["n"] / 10


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calls.txt"
    path.touch()
    monkeypatch.setenv("AH_CALLS", str(path))
    return path


def n_calls(path: Path) -> int:
    return len(path.read_text().splitlines())


def run(
    cache: Path, name: str, seed: int = 0, n: int = 6, fn: Any = objective, **kwargs: Any
) -> AdaptiveHyperparameterOptimizer:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=n, random_state=seed, cache_dir=cache, study_name=name
    )
    opt.optimize(fn, SPACE, direction="minimize", **kwargs)
    return opt


def test_a_rerun_is_answered_from_the_cache_and_its_events_stay_complete(
    tmp_path: Path, calls: Path
) -> None:
    first = run(tmp_path, "first", cache_key=True)
    assert n_calls(calls) == 6
    seen: list[Any] = []
    second = AdaptiveHyperparameterOptimizer(
        n_trials=6, random_state=0, cache_dir=tmp_path, study_name="second"
    )
    second.add_listener(seen.append)
    _, best, history = second.optimize(objective, SPACE, direction="minimize", cache_key=True)
    assert n_calls(calls) == 6  # not called again
    assert [r.state for r in history] == ["COMPLETE"] * 6
    assert [r.value for r in history] == [t.value for t in first.study.trials]  # type: ignore[union-attr]
    assert best == first.best_score
    trials = second.study.trials  # type: ignore[union-attr]
    assert [t.user_attrs["ah.cached"] for t in trials] == [
        {"study": "first", "trial": i} for i in range(6)
    ]
    assert sum(isinstance(e, TrialStarted) for e in seen) == 6
    assert sum(isinstance(e, TrialFinished) for e in seen) == 6
    # a third run with another seed proposes new parameters: evaluated, and cached in turn
    run(tmp_path, "third", seed=1, cache_key=True)
    assert n_calls(calls) == 12
    assert len(ResultCache(tmp_path, fingerprint(objective), "")) == 12


def test_without_cache_key_nothing_is_cached(tmp_path: Path, calls: Path) -> None:
    run(tmp_path, "a")
    run(tmp_path, "b")
    assert n_calls(calls) == 12 and not (tmp_path / "results").exists()


def test_a_parameter_repeated_within_a_study_is_a_hit(tmp_path: Path, calls: Path) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=12,
        random_state=0,
        cache_dir=tmp_path,
        study_name="small",
        sampler_config={"sampler_type": "random"},
    )
    opt.optimize(
        objective, {"x": ("categorical", [0.1, 0.9]), "n": ("categorical", [1])}, cache_key=True
    )
    trials = opt.study.trials  # type: ignore[union-attr]
    assert n_calls(calls) == 2
    assert sum("ah.cached" in t.user_attrs for t in trials) == 10
    assert all(t.state.name == "COMPLETE" for t in trials)


# The fingerprint --------------------------------------------------------------------------
def compile_objective(source: str, **namespace: Any) -> Any:
    scope: dict[str, Any] = {"__name__": "user_notebook", **namespace}
    exec(compile(textwrap.dedent(source), "<cell>", "exec"), scope)
    return scope["objective"]


BASE = """
def objective(params):
    return params["x"] * 2
"""


@pytest.mark.parametrize(
    ("source", "namespace", "same"),
    [
        # moving code and editing comments keep results valid
        ("\n\n\n" + BASE, {}, True),
        (BASE.replace("return", "# a comment\n    return"), {}, True),
        # code and constants invalidate
        (BASE.replace("* 2", "* 3"), {}, False),
        (BASE.replace("* 2", "+ 2"), {}, False),
        (BASE.replace('"x"', '"y"'), {}, False),
    ],
)
def test_the_fingerprint_follows_the_code(
    source: str, namespace: dict[str, Any], same: bool
) -> None:
    base = fingerprint(compile_objective(BASE))
    assert (fingerprint(compile_objective(source, **namespace)) == base) is same


def test_helpers_globals_closures_and_defaults_are_part_of_the_fingerprint() -> None:
    with_helper = """
    def helper(x):
        return x * SCALE
    def objective(params, power=2):
        return helper(params["x"]) ** power
    """
    base = fingerprint(compile_objective(with_helper, SCALE=2.0))
    assert fingerprint(compile_objective(with_helper, SCALE=2.0)) == base
    assert fingerprint(compile_objective(with_helper, SCALE=3.0)) != base  # a global's value
    edited = with_helper.replace("x * SCALE", "x * SCALE + 1")
    assert fingerprint(compile_objective(edited, SCALE=2.0)) != base  # a helper's code
    assert fingerprint(compile_objective(with_helper.replace("=2", "=3"), SCALE=2.0)) != base

    def make(scale: float) -> Any:
        def closure(params: dict[str, Any]) -> float:
            return params["x"] * scale

        return closure

    assert fingerprint(make(2.0)) == fingerprint(make(2.0))
    assert fingerprint(make(2.0)) != fingerprint(make(3.0))
    partial = functools.partial(lambda params, k: params["x"] * k, k=2)
    assert fingerprint(partial) != fingerprint(functools.partial(partial.func, k=3))
    # a module and an imported library function are named, with the library's version
    uses_numpy = compile_objective(
        "def objective(params):\n    return float(np.sqrt(params['x']))", np=np
    )
    assert fingerprint(uses_numpy)
    # mutual recursion terminates
    recursive = """
    def even(n):
        return n == 0 or odd(n - 1)
    def odd(n):
        return n != 0 and even(n - 1)
    def objective(params):
        return float(even(params["n"]))
    """
    assert fingerprint(compile_objective(recursive))


class Model:
    def score(self, params: dict[str, Any]) -> float:
        return float(params["x"])

    def __call__(self, params: dict[str, Any]) -> float:
        return float(params["x"])


COUNTER = 0


def counting(params: dict[str, Any]) -> float:
    global COUNTER
    COUNTER += 1
    return float(params["x"])


def closure_over_list() -> Any:
    seen: list[float] = []

    def remember(params: dict[str, Any]) -> float:
        seen.append(params["x"])
        return float(params["x"])

    return remember


DATA = np.arange(10.0)
SETTINGS = {"scale": 2}


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (closure_over_list(), r"closure variable 'seen' is a list, which can change"),
        (lambda p: float(DATA[0] + p["x"]), r"global 'DATA' is a numpy.ndarray, data that can be"),
        (lambda p: SETTINGS["scale"] * p["x"], r"global 'SETTINGS' is a dict, which can change"),
        (counting, r"counting assigns the global 'COUNTER'"),
        (Model().score, r"is a method of a tests.storage.test_cache.Model instance"),
        (Model(), r"is a tests.storage.test_cache.Model instance"),
        (functools.partial(lambda p, d: 0.0, d=[1]), r"partial keyword 'd' is a list"),
    ],
    ids=["closure-list", "global-array", "global-dict", "assigns-global", "method", "instance",
         "partial-list"],
)  # fmt: skip
def test_untrusted_fingerprints_refuse_the_cache_with_a_warning(
    fn: Any, message: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(UntrustedObjective, match=message):
        fingerprint(fn)
    assert fingerprint(fn, cache_key="data-v1")  # a key vouches for what cannot be seen
    with caplog.at_level(logging.WARNING, logger="adaptive_hyperopt"):
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=3, random_state=0, cache_dir=tmp_path, study_name="refused"
        )
        opt.optimize(fn, {"x": ("float", 0.0, 1.0)}, cache_key=True)
    warning = [r.getMessage() for r in caplog.records if "result cache off" in r.getMessage()]
    assert len(warning) == 1 and "cache_key='...'" in warning[0]
    assert [t.state.name for t in opt.study.trials] == ["COMPLETE"] * 3  # type: ignore[union-attr]
    assert not list((tmp_path / "results").glob("*.jsonl"))


def test_a_cache_key_vouches_for_data_and_the_code_is_still_fingerprinted(
    tmp_path: Path, calls: Path
) -> None:
    data = np.array([0.5, 1.5])

    def on_data(params: dict[str, Any]) -> float:
        return objective(params) + float(data.sum())

    run(tmp_path, "a", fn=on_data, cache_key="data-v1")
    run(tmp_path, "b", fn=on_data, cache_key="data-v1")
    assert n_calls(calls) == 6
    run(tmp_path, "c", fn=on_data, cache_key="data-v2")  # new data, new key: evaluated again
    assert n_calls(calls) == 12

    def edited(params: dict[str, Any]) -> float:
        return objective(params) + float(data.sum()) + 1.0

    assert fingerprint(edited, "data-v1") != fingerprint(on_data, "data-v1")


def test_parameters_are_keyed_exactly() -> None:
    assert params_key({"a": 1}) != params_key({"a": 1.0}) != params_key({"a": True})
    assert params_key({"a": 0.1, "b": "x"}) == params_key({"b": "x", "a": 0.1})
    assert params_key({"a": 0.1}) != params_key({"a": 0.1 + 1e-17 * 3})
    assert params_key({"a": (1, None)}) != params_key({"a": (1, "None")})
    assert params_key({"model": Model()}) is None  # an object as a choice: not cached


def test_failed_and_pruned_trials_are_not_cached(tmp_path: Path) -> None:
    def fails(params: dict[str, Any]) -> float:
        if params["x"] > 0.5:
            raise ValueError("too big")
        return float(params["x"])

    for name in ("a", "b"):
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=8, random_state=0, cache_dir=tmp_path, study_name=name
        )
        opt.optimize(fails, {"x": ("float", 0.0, 1.0)}, cache_key=True)
    trials = opt.study.trials  # type: ignore[union-attr]
    assert all(("ah.cached" in t.user_attrs) == (t.state.name == "COMPLETE") for t in trials)
    assert any(t.state.name == "FAIL" for t in trials)


def test_a_reporting_objective_hit_replays_its_learning_curve(tmp_path: Path) -> None:
    def curve(params: dict[str, Any], trial: Any) -> float:
        for step in range(3):
            trial.report(params["x"] * step, step)
        return float(params["x"])

    opts = []
    for name in ("a", "b"):
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=3, random_state=0, cache_dir=tmp_path, study_name=name, executor="threads",
            enable_pruning=False,
        )  # fmt: skip
        opt.optimize(curve, {"x": ("float", 0.0, 1.0)}, cache_key=True)
        opts.append(opt)
    first, second = (o.study.trials for o in opts)  # type: ignore[union-attr]
    assert all("ah.cached" in t.user_attrs for t in second)
    assert [t.intermediate_values for t in second] == [t.intermediate_values for t in first]


def test_a_multi_objective_study_is_cached_too(tmp_path: Path) -> None:
    def two(params: dict[str, Any]) -> tuple[float, float]:
        return params["x"], 1 - params["x"]

    fronts = []
    for name in ("a", "b"):
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=4, random_state=0, cache_dir=tmp_path, study_name=name
        )
        fronts.append(
            opt.multi_objective_optimize(
                two, {"x": ("float", 0.0, 1.0)}, ["minimize", "minimize"], cache_key=True
            )
        )
    assert all("ah.cached" in t.user_attrs for t in opt.study.trials)  # type: ignore[union-attr]
    assert [p.values for p in fronts[0]] == [p.values for p in fronts[1]]


@pytest.mark.parametrize(
    ("kwargs", "cache_dir", "message"),
    [
        ({"cache_key": 3}, True, r"cache_key must be True, False or a non-empty string, got 3"),
        ({"cache_key": " "}, True, r"cache_key must be .* got ' '"),
        ({"cache_key": True}, False, r"cache_key=True needs a cache_dir"),
        ({"warm_start": True}, False, r"warm_start=True starts from the result cache: it needs"),
        ({"warm_start": 42}, True, r"warm_start must be True .* got 42"),
    ],
)
def test_bad_cache_arguments_are_clear_errors_before_any_trial(
    kwargs: dict[str, Any], cache_dir: bool, message: str, tmp_path: Path
) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=2, cache_dir=tmp_path if cache_dir else None, study_name="bad"
    )
    called: list[Any] = []
    with pytest.raises(ValueError, match=message):
        opt.optimize(lambda p: called.append(p) or 0.0, SPACE, **kwargs)
    assert called == [] and opt.study is None and not list(tmp_path.glob("*.journal"))


# The results file --------------------------------------------------------------------------
def test_a_torn_record_is_skipped_and_other_writers_are_read(tmp_path: Path) -> None:
    digest = fingerprint(objective)
    writer = ResultCache(tmp_path, digest, "tests:objective")
    reader = ResultCache(tmp_path, digest, "tests:objective")
    study = optuna.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    for trial in study.trials:
        writer.store(params_key(trial.params) or "", trial, "s")
    # the reader opened before the writes: a miss reads what was appended since
    assert reader.lookup(params_key(study.trials[1].params) or "", 1) is not None
    with open(writer.path, "ab") as out:
        out.write(b'{"key": "torn", "values": [1.')  # a crash in the middle of a write
    assert len(ResultCache(tmp_path, digest, "")) == 2


def test_a_full_disk_stops_storing_but_not_the_study(
    tmp_path: Path, calls: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if data.startswith(b'{"key"'):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    with caplog.at_level(logging.WARNING, logger="adaptive_hyperopt"):
        opt = run(tmp_path, "full", cache_key=True)
    assert [t.state.name for t in opt.study.trials] == ["COMPLETE"] * 6  # type: ignore[union-attr]
    assert sum("storing failed" in r.getMessage() for r in caplog.records) == 1


# Warm starts -------------------------------------------------------------------------------
def test_warm_start_from_the_cache_seeds_a_new_study(tmp_path: Path, calls: Path) -> None:
    first = run(tmp_path, "first", n=10, cache_key=True)
    assert n_calls(calls) == 10
    opt = run(tmp_path, "warm", seed=3, n=4, cache_key=True, warm_start=True)
    trials = opt.study.trials  # type: ignore[union-attr]
    assert len(trials) == 14 and n_calls(calls) <= 14
    warm = [t for t in trials if "ah.warm_start" in t.user_attrs]
    assert len(warm) == 10 and [t.number for t in warm] == list(range(10))
    assert {t.user_attrs["ah.warm_start"]["study"] for t in warm} == {"first"}
    assert opt.best_score is not None and opt.best_score <= first.best_score  # type: ignore[operator]
    # a study with trials of its own is not warm-started again
    again = run(tmp_path, "warm", seed=4, n=1, cache_key=True, warm_start=True)
    assert len(again.study.trials) == 15  # type: ignore[union-attr]


def test_warm_start_from_a_study_or_a_saved_file_keeps_what_fits_the_space(
    tmp_path: Path, calls: Path
) -> None:
    source = run(tmp_path, "source", n=12)
    saved = source.save_study(tmp_path / "source.json")
    inside = [t for t in source.study.trials if t.params["x"] <= 0.5]  # type: ignore[union-attr]
    narrower = {**SPACE, "x": ("float", 0.0, 0.5)}
    for origin in (source.study, str(saved)):
        opt = AdaptiveHyperparameterOptimizer(n_trials=2, random_state=1)
        opt.optimize(objective, narrower, direction="minimize", warm_start=origin)
        warm = [t for t in opt.study.trials if "ah.warm_start" in t.user_attrs]  # type: ignore[union-attr]
        assert [t.params for t in warm] == [t.params for t in inside]
        assert [t.values for t in warm] == [t.values for t in inside]
        assert all("ah.backend" not in t.user_attrs for t in warm)
