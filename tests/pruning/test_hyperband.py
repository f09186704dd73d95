"""Hyperband's brackets: a seeded study is reproduced, and every driver of a study agrees."""

from __future__ import annotations

from typing import Any

import optuna

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.pruning._hyperband import ATTR_BRACKETS, StableHyperband

from .test_pruning import SPACE, STEPS, auto_objective

OBJECTIVE: Any = auto_objective  # objective(params, trial), which optimize() accepts

HYPERBAND = {"pruner_type": "hyperband", "min_resource": 1, "max_resource": STEPS,
             "reduction_factor": 2}  # fmt: skip


def seeded(**kwargs: Any) -> AdaptiveHyperparameterOptimizer:
    return AdaptiveHyperparameterOptimizer(
        n_trials=30, random_state=3, pruner_config=HYPERBAND, pruning_patience=None, **kwargs
    )


def study_of(opt: AdaptiveHyperparameterOptimizer) -> optuna.Study:
    assert opt.study is not None
    return opt.study


def outcome(opt: AdaptiveHyperparameterOptimizer) -> list[tuple[str, float]]:
    return [(t.state.name, t.params["q"]) for t in study_of(opt).get_trials(deepcopy=False)]


def test_a_seeded_study_without_a_name_is_pruned_the_same_way_twice() -> None:
    # Optuna hashes the study name into each trial's bracket, and generated names are random:
    # the same seed used to prune different trials on every run.
    first, second = seeded(), seeded()
    first.optimize(OBJECTIVE, SPACE, direction="maximize")
    second.optimize(OBJECTIVE, SPACE, direction="maximize")
    assert study_of(first).study_name != study_of(second).study_name
    assert outcome(first) == outcome(second)
    assert any(state == "PRUNED" for state, _ in outcome(first))
    assert study_of(first).user_attrs[ATTR_BRACKETS] == "seed-3"


def test_a_continuation_keeps_the_brackets_the_study_recorded() -> None:
    opt = seeded()
    opt.optimize(OBJECTIVE, SPACE, direction="maximize")
    key = study_of(opt).user_attrs[ATTR_BRACKETS]
    opt.continue_optimization(10)  # by the study's name, which is now given explicitly
    pruner = study_of(opt).pruner
    assert isinstance(pruner, StableHyperband) and pruner.key == key == "seed-3"


def test_a_named_study_keeps_optunas_brackets() -> None:
    opt = seeded(study_name="mine")
    opt.optimize(OBJECTIVE, SPACE, direction="maximize")
    study = study_of(opt)
    assert study.user_attrs[ATTR_BRACKETS] == "mine"
    stable = study.pruner
    plain = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=STEPS, reduction_factor=2)
    plain.prune(study, study.trials[0])  # initializes its brackets
    assert isinstance(stable, StableHyperband)
    ours = [stable._get_bracket_id(study, t) for t in study.trials]
    assert ours == [plain._get_bracket_id(study, t) for t in study.trials]
    assert len(set(ours)) > 1


def test_other_pruners_leave_no_bracket_key() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0, enable_pruning=True)
    opt.optimize(OBJECTIVE, SPACE, direction="maximize")
    assert ATTR_BRACKETS not in study_of(opt).user_attrs
