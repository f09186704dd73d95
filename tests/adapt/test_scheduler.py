"""The scheduler through the driver: when checkpoints run, what they publish and persist, the
user's limits, the whole-space share, switching samplers, and never breaking a study."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.adapt import AdaptationSettings, Scheduler, Step, Strategy
from adaptive_hyperopt.backends import create_backend
from adaptive_hyperopt.config import OptimizationConfig
from adaptive_hyperopt.events import Event

SPACE = {"x": ("float", -5.0, 5.0), "y": ("float", -5.0, 5.0), "k": ("categorical", ["a", "b"])}


def bowl(p: dict[str, Any]) -> float:
    return (p["x"] - 1.0) ** 2 + (p["y"] + 2.0) ** 2 + (p["k"] == "a")


def run(
    n: int = 60, events: list[Event] | None = None, **kwargs: Any
) -> AdaptiveHyperparameterOptimizer:
    opt = AdaptiveHyperparameterOptimizer(n_trials=n, random_state=0, **kwargs)
    if events is not None:
        opt.add_listener(events.append)
    opt.optimize(bowl, SPACE, direction="minimize")
    return opt


def test_due_every_interval_and_never_when_the_interval_is_zero() -> None:
    backend = create_backend("optuna", None, 0)
    every = Scheduler(OptimizationConfig(adaptation_interval=20), backend)
    assert [n for n in range(1, 61) if every.due(n)] == [20, 40, 60]
    off = Scheduler(OptimizationConfig(adaptation_interval=0), backend)
    assert off.strategies and not off.has_strategies and not any(off.due(n) for n in range(100))
    none = Scheduler(OptimizationConfig(), backend, AdaptationSettings(strategies=()))
    assert not none.has_strategies


def test_checkpoints_publish_versioned_space_changes_with_reasons_and_persist_them() -> None:
    events: list[Event] = []
    opt = run(events=events)
    adaptations = [e for e in events if e.kind == "adaptation"]
    assert [e.trigger for e in adaptations] == ["interval"] * 3  # type: ignore[attr-defined]
    changes = [e for e in events if e.kind == "space_changed"]
    assert changes and all(e.source == "adaptation" for e in changes)  # type: ignore[attr-defined]
    assert [e.version for e in changes] == list(range(1, len(changes) + 1))  # type: ignore[attr-defined]
    first = changes[0]
    assert "narrow: trust region opened around trial #" in first.reason  # type: ignore[attr-defined]
    assert set(first.changes) <= {"x", "y"} and "low" in first.changes["x"]  # type: ignore[attr-defined]
    log = opt.study.user_attrs["ah.space_log"]  # type: ignore[union-attr]
    assert [entry["source"] for entry in log] == ["declared"] + ["adaptation"] * len(changes)
    assert opt.study.user_attrs["ah.space"]["version"] == len(changes)  # type: ignore[union-attr]
    assert opt.search_space is not None and opt.search_space.version == len(changes)
    # every trial records the version it was sampled under, and stayed inside it or in the
    # user's whole space (the whole-space share)
    for t in opt.study.trials:  # type: ignore[union-attr]
        assert "ah.space_version" in t.user_attrs


def test_a_share_of_trials_keeps_sampling_the_whole_space() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=120, random_state=0)
    opt.configure_adaptation(full_space_share=0.3)
    opt.optimize(bowl, SPACE, direction="minimize")
    later = [t for t in opt.study.trials if t.number >= 40]  # type: ignore[union-attr]
    whole = [t for t in later if t.user_attrs.get("ah.full_space")]
    assert 0.15 * len(later) <= len(whole) <= 0.45 * len(later)
    narrowed = opt.search_space
    assert narrowed is not None and narrowed["x"].high - narrowed["x"].low < 10  # type: ignore[attr-defined]
    outside = [
        t
        for t in whole
        if not narrowed["x"].contains(t.params["x"])  # type: ignore[attr-defined]
    ]
    assert outside  # the share really looks outside the current region


def test_with_the_gaussian_process_every_other_share_trial_escapes_by_one_parameter() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=100, random_state=0)
    opt.configure_adaptation(full_space_share=0.3)
    opt.optimize(bowl, SPACE, direction="minimize")
    trials = opt.study.trials  # type: ignore[union-attr]
    # after the switch (trial 20), an escape is an earlier trial (the region's best) with one
    # parameter moved out of the region, proposed by the additive model; the others move freely
    share = [t for t in trials[40:] if t.user_attrs.get("ah.full_space")]
    escapes = [
        t
        for t in share
        if min(sum(not _same(t.params[n], e.params[n]) for n in SPACE) for e in trials[: t.number])
        == 1
    ]
    assert len(share) >= 10
    assert len(share) // 2 - 1 <= len(escapes) <= len(share) // 2 + 2


def _same(a: Any, b: Any) -> bool:
    return a == b if isinstance(a, str) else abs(a - b) <= 1e-9 * max(1.0, abs(b))


def test_adaptation_works_inside_the_users_range() -> None:
    gate = threading.Event()

    def gated(p: dict[str, Any]) -> float:
        gate.wait(10)  # the first trial holds the study until the range is set
        return bowl(p)

    opt = AdaptiveHyperparameterOptimizer(n_trials=70, random_state=1, adaptation_interval=10)
    handle = opt.start(gated, SPACE, direction="minimize")
    paused = handle.pause()  # applied when the first trial ends
    gate.set()
    assert paused.wait(5).accepted
    assert handle.set_range("x", 2.0, 4.0).wait(5).accepted  # excludes the optimum x=1
    handle.resume()
    handle.result(60)
    space = opt.search_space
    assert space is not None and space.version > 1
    assert 2.0 <= space["x"].low < space["x"].high <= 4.0  # type: ignore[attr-defined]
    assert space.user["x"].low == 2.0  # type: ignore[attr-defined]
    after = [t for t in opt.study.trials if t.user_attrs["ah.space_version"] >= 1]  # type: ignore[union-attr]
    assert after and all(2.0 <= t.params["x"] <= 4.0 for t in after)


class Broken(Strategy):
    name = "broken"

    def propose(self, ctx: Any, dims: Any) -> Step | None:
        raise RuntimeError("strategy bug")


class OutOfBounds(Strategy):
    name = "greedy"

    def propose(self, ctx: Any, dims: Any) -> Step | None:
        return Step("wants more", {"x": dims["x"].with_range(-50.0, 50.0)})


def test_a_failing_or_invalid_strategy_never_breaks_the_study() -> None:
    events: list[Event] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=45, random_state=0)
    opt.configure_adaptation(strategies=[Broken()])
    opt.optimize(bowl, SPACE, direction="minimize")
    assert len(opt.history) == 45
    opt.configure_adaptation(strategies=["narrow", OutOfBounds()])
    opt.add_listener(events.append)
    opt.optimize(bowl, SPACE, direction="minimize")
    reasons = [e.reason for e in events if e.kind == "adaptation"]  # type: ignore[attr-defined]
    assert any("greedy: refused ('x': [-50.0, 50.0] leaves the allowed range" in r for r in reasons)
    assert any("narrow: trust region" in r for r in reasons)  # the other strategy still ran


def test_unknown_settings_are_refused() -> None:
    opt = AdaptiveHyperparameterOptimizer()
    with pytest.raises(ValueError, match=r"unknown adaptation strategy 'narow'"):
        opt.configure_adaptation(strategies=["narow"])
    with pytest.raises(ValueError, match=r"full_space_share must be a fraction in \[0, 1\)"):
        opt.configure_adaptation(full_space_share=1.5)


def test_switch_moves_the_study_to_the_local_gaussian_process_and_says_so() -> None:
    events: list[Event] = []
    opt = run(80, events)  # the default strategies include switch
    switched = [e for e in events if e.kind == "strategy_changed"]
    assert len(switched) == 1
    assert switched[0].old == "optuna/TPESampler"  # type: ignore[attr-defined]
    assert switched[0].new == "optuna/LocalGPSampler"  # type: ignore[attr-defined]
    assert "Gaussian process refines" in switched[0].reason  # type: ignore[attr-defined]
    assert opt.study is not None
    # the first checkpoint (20 trials) switched, and the model found the bowl's bottom
    assert opt.study.best_value < 1e-3 < min(t.value for t in opt.study.trials[:20])  # type: ignore[type-var]


def test_switch_respects_a_sampler_the_user_chose() -> None:
    events: list[Event] = []
    run(60, events, sampler_config={"sampler_type": "tpe"})
    assert [e.kind for e in events].count("adaptation") == 3
    assert not [e for e in events if e.kind == "strategy_changed"]


def test_on_a_conditional_space_the_model_takes_every_branchs_parameters() -> None:
    events: list[Event] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=60, random_state=0)
    opt.add_listener(events.append)
    conditional = {**SPACE, "z": ("float", 0.0, 1.0, "when", "k", "b")}
    opt.optimize(lambda p: bowl(p) + p.get("z", 0.0), conditional, direction="minimize")
    switched = [e for e in events if e.kind == "strategy_changed"]
    assert len(switched) == 1 and switched[0].new == "optuna/LocalGPSampler"  # type: ignore[attr-defined]
    assert opt.study is not None
    # the model's joint space holds the conditional `z` (without the conditions it would not)
    modelled = opt.study.sampler.infer_relative_search_space(opt.study, opt.study.trials[-1])
    assert set(modelled) == {"x", "y", "k", "z"}
    after = [t for t in opt.study.trials[20:] if t.params["k"] == "b"]
    assert after and all(("z" in t.params) == (t.params["k"] == "b") for t in opt.study.trials)
