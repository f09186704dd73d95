"""Plot-data records computed from real studies: the right numbers, JSON-ready."""

from __future__ import annotations

import json
import math

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, plots
from adaptive_hyperopt.plots import _data

from .conftest import BAD_REASON, FAILING_CALL, N_TRIALS


def complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return sorted(study.get_trials(states=(TrialState.COMPLETE,)), key=lambda t: t.number)


def test_history_values_best_so_far_and_markers(study: optuna.Study) -> None:
    rec = plots.history_data(study)
    done = complete(study)
    assert rec["kind"] == "history" and rec["direction"] == "maximize"
    assert rec["numbers"] == [t.number for t in done]
    assert rec["values"] == [t.value for t in done]
    assert len(rec["numbers"]) == N_TRIALS - 1
    assert all(b2 >= b1 for b1, b2 in zip(rec["best_so_far"], rec["best_so_far"][1:], strict=False))
    assert all(b >= v for b, v in zip(rec["best_so_far"], rec["values"], strict=True))
    assert rec["best_so_far"][-1] == study.best_value
    assert rec["best"] == {"number": study.best_trial.number, "value": study.best_value}
    assert rec["failed"] == [FAILING_CALL] and rec["pruned"] == []
    assert rec["space_versions"] == [0] + [1] * (len(done) - 1)
    [change] = rec["space_changes"]
    assert change["version"] == 1 and change["source"] == "user" and change["trial"] == 1
    assert "[0.2, 0.6]" in change["reason"]


def test_every_record_is_strict_json(study: optuna.Study, multi_study: optuna.Study) -> None:
    records = [
        plots.history_data(study),
        plots.importance_data(study),
        plots.parallel_coordinate_data(study),
        plots.param_relationships_data(study, grid_size=8),
        plots.summary_data(study),
        plots.pareto_front_data(multi_study),
        plots.summary_data(multi_study),
    ]
    for rec in records:
        assert json.loads(json.dumps(rec, allow_nan=False)) == rec


def test_history_leaves_out_non_finite_values() -> None:
    values = iter([0.5, -math.inf, 0.7])
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0, adaptation_interval=0)
    opt.optimize(lambda p: next(values), {"x": ("float", 0, 1)}, direction="maximize")
    assert opt.study is not None
    rec = plots.history_data(opt.study)
    assert rec["numbers"] == [0, 2] and rec["best_so_far"] == [0.5, 0.7]


def test_importance_ranks_the_only_parameter_that_matters(study: optuna.Study) -> None:
    rec = plots.importance_data(study)
    assert rec["evaluator"] == "PED-ANOVA" and rec["n_trials"] == N_TRIALS - 1
    assert set(rec["params"]) == {"x", "lr", "n", "kind", "depth"}
    assert rec["params"][0] == "x"
    assert rec["importances"] == sorted(rec["importances"], reverse=True)
    assert sum(rec["importances"]) == pytest.approx(1.0)


def test_importance_with_fanova_and_bad_evaluator(study: optuna.Study) -> None:
    rec = plots.importance_data(study, evaluator="fanova")
    assert rec["evaluator"] == "fANOVA" and sum(rec["importances"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="'ped_anova', 'fanova'"):
        plots.importance_data(study, evaluator="shap")


def test_importance_needs_two_completed_trials() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=1, random_state=0)
    opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert opt.study is not None
    rec = plots.importance_data(opt.study)
    assert rec["params"] == [] and "at least 2" in rec["note"]


def test_pedanova_quantile_keeps_five_top_trials() -> None:
    assert _data._evaluator("ped_anova", 20)._target_quantile == 0.25
    assert _data._evaluator("ped_anova", 500)._target_quantile == 0.1
    assert _data._evaluator("ped_anova", 4)._target_quantile == 0.5


def test_parallel_coordinate_axes(study: optuna.Study) -> None:
    rec = plots.parallel_coordinate_data(study)
    done = complete(study)
    axes = {a["name"]: a for a in rec["params"]}
    assert [a["name"] for a in rec["params"]] == ["x", "lr", "n", "kind", "depth"]
    assert rec["values"] == [t.value for t in done]
    assert rec["best_number"] == study.best_trial.number
    # x was sampled from [0, 1] then [0.2, 0.6]: the axis spans both
    assert (axes["x"]["low"], axes["x"]["high"], axes["x"]["log"]) == (0.0, 1.0, False)
    assert axes["lr"]["log"] and axes["n"]["type"] == "int"
    assert axes["x"]["values"] == [t.params["x"] for t in done]
    kind = axes["kind"]
    assert kind["type"] == "categorical" and kind["choices"] == ["a", "b", None]
    assert [kind["choices"][i] for i in kind["values"]] == [t.params["kind"] for t in done]
    # depth exists only when kind == "a"
    assert [v is None for v in axes["depth"]["values"]] == [t.params["kind"] != "a" for t in done]


def test_parallel_coordinate_unknown_param(study: optuna.Study) -> None:
    with pytest.raises(ValueError, match="'nope'"):
        plots.parallel_coordinate_data(study, params=["x", "nope"])


def test_param_relationships_pairs_and_grid(study: optuna.Study) -> None:
    rec = plots.param_relationships_data(study, n_params=3, grid_size=10)
    names = [a["name"] for a in rec["params"]]
    assert names == plots.importance_data(study)["params"][:3]
    assert len(rec["pairs"]) == 3
    done = {t.number: t for t in complete(study)}
    for pair in rec["pairs"]:
        grid = pair["grid"]
        assert len(grid["x"]) == len(grid["y"]) == 10 and len(grid["z"]) == 10
        assert all(len(row) == 10 for row in grid["z"])
        # inverse-distance weighting never leaves the range of the observed values
        z = np.array(grid["z"])
        assert z.min() >= min(pair["values"]) - 1e-12 and z.max() <= max(pair["values"]) + 1e-12
        assert pair["values"] == [done[n].value for n in pair["numbers"]]


def test_param_relationships_positions_round_trip(study: optuna.Study) -> None:
    rec = plots.param_relationships_data(study, params=["lr", "kind"], grid_size=4)
    [pair] = rec["pairs"]
    done = {t.number: t for t in complete(study)}
    assert pair["x_values"] == pytest.approx([done[n].params["lr"] for n in pair["numbers"]])
    choices = rec["params"][1]["choices"]
    assert [choices[int(i)] for i in pair["y_values"]] == [
        done[n].params["kind"] for n in pair["numbers"]
    ]
    assert pair["grid"]["x"][0] == pytest.approx(1e-4) and pair["grid"]["x"][-1] == pytest.approx(
        0.1
    )


def test_param_relationships_with_one_parameter() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=4, random_state=0)
    opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert opt.study is not None
    rec = plots.param_relationships_data(opt.study)
    assert rec["pairs"] == [] and "two parameters" in rec["note"]


def test_pareto_front_matches_optuna(multi_study: optuna.Study) -> None:
    rec = plots.pareto_front_data(multi_study)
    assert rec["directions"] == ["maximize", "minimize"]
    front = {t.number for t in multi_study.best_trials}
    assert {n for n, f in zip(rec["numbers"], rec["on_front"], strict=True) if f} == front
    by_number = {t.number: t.values for t in multi_study.trials}
    assert all(by_number[n] == v for n, v in zip(rec["numbers"], rec["values"], strict=True))


def test_pareto_front_needs_several_objectives(study: optuna.Study) -> None:
    with pytest.raises(ValueError, match="one objective"):
        plots.pareto_front_data(study)


def test_objective_index_on_multi_objective_study(multi_study: optuna.Study) -> None:
    rec = plots.history_data(multi_study, objective=1)
    assert rec["direction"] == "minimize" and rec["objective"] == "objective 1"
    assert rec["best_so_far"][-1] == min(t.values[1] for t in multi_study.trials)
    assert rec["best_so_far"] == sorted(rec["best_so_far"], reverse=True)
    pareto = plots.importance_data(multi_study)
    assert pareto["objective"] == "Pareto front" and sum(pareto["importances"]) == pytest.approx(1)
    with pytest.raises(ValueError, match=r"index in 0\.\.1"):
        plots.history_data(multi_study, objective=2)
    with pytest.raises(ValueError, match="objective=<index>"):
        plots.importance_data(multi_study, evaluator="fanova")


def test_summary(study: optuna.Study) -> None:
    rec = plots.summary_data(study)
    assert rec["n_trials"] == N_TRIALS
    assert rec["states"] == {"COMPLETE": N_TRIALS - 1, "FAIL": 1}
    assert rec["best"]["number"] == study.best_trial.number
    assert rec["best"]["params"] == study.best_params
    assert rec["backends"] == {"optuna": N_TRIALS}
    assert [(e["version"], e["source"], e["trial"]) for e in rec["space_log"]] == [
        (0, "declared", 0),
        (1, "user", 1),
    ]
    [failure] = rec["failures"]
    assert failure["number"] == FAILING_CALL and BAD_REASON in failure["reason"]
    assert rec["space"]["params"][0]["name"] == "x"
    assert rec["duration"] is not None and rec["duration"] >= 0


def test_param_relationships_before_importance_can_rank() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=1, random_state=0)
    opt.optimize(lambda p: p["x"] + p["y"], {"x": ("float", 0, 1), "y": ("float", 0, 1)})
    assert opt.study is not None
    [pair] = plots.param_relationships_data(opt.study)["pairs"]
    assert (pair["x"], pair["y"]) == ("x", "y") and pair["grid"] is None
    assert pair["values"] == [opt.study.trials[0].value]
    assert plots.plot_param_relationships(opt.study).axes  # drawn without a surface
