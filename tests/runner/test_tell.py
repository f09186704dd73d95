"""The driver's tell: Optuna's own path without the copy, recording exactly what Study.tell does."""

from __future__ import annotations

from typing import Any

import optuna
import pytest
from optuna.trial import TrialState

from adaptive_hyperopt.runner import _tell
from adaptive_hyperopt.runner._tell import tell


def test_the_fast_path_exists_on_the_pinned_optuna() -> None:
    # If a new Optuna moved its internal tell, the driver still works (public Study.tell), but
    # the engine-overhead figures would change: this test makes that visible.
    assert _tell.FAST


class RecordingSampler(optuna.samplers.RandomSampler):
    """Random sampling that records every `after_trial` call."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.after: list[tuple[int, TrialState, Any]] = []

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        self.after.append((trial.number, state, values))
        super().after_trial(study, trial, state, values)


def _finish_three(
    finish: Any, directions: list[Any]
) -> tuple[optuna.Study, RecordingSampler, list[Any]]:
    sampler = RecordingSampler()
    study = optuna.create_study(directions=directions, sampler=sampler)
    returned = []
    for kind in ("complete", "pruned", "fail"):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        if kind == "pruned" and len(directions) == 1:
            trial.report(0.25, step=3)
        value: Any = 0.5 if len(directions) == 1 else [0.5, 2]
        if kind == "complete":
            returned.append(finish(study, trial, value, None))
        else:
            state = TrialState.PRUNED if kind == "pruned" else TrialState.FAIL
            returned.append(finish(study, trial, None, state))
    return study, sampler, returned


@pytest.mark.parametrize("directions", [["minimize"], ["minimize", "maximize"]])
def test_tell_records_what_study_tell_records(directions: list[Any]) -> None:
    ours, ours_sampler, ours_returned = _finish_three(tell, directions)
    public, public_sampler, public_returned = _finish_three(
        lambda s, t, v, st: s.tell(t, v, st), directions
    )

    def summary(trial: Any) -> tuple[Any, ...]:
        return trial.number, trial.state, trial.values, trial.params, trial.intermediate_values

    stored = [summary(t) for t in ours.get_trials(deepcopy=False)]
    assert stored == [summary(t) for t in public.get_trials(deepcopy=False)]
    assert [summary(t) for t in ours_returned] == stored == [summary(t) for t in public_returned]
    assert ours_sampler.after == public_sampler.after
    assert [s[1] for s in stored] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
    if len(directions) == 1:
        assert stored[1][2] == [0.25]  # a pruned trial keeps its last report, as in Optuna


def test_tell_refuses_and_warns_as_study_tell_does() -> None:
    study = optuna.create_study()
    trial = study.ask()
    tell(study, trial, 1.0)
    with pytest.raises(ValueError, match="Cannot tell a COMPLETE trial"):
        tell(study, trial, 2.0)
    with pytest.warns(UserWarning, match="did not match the number of the objectives"):
        failed = tell(study, study.ask(), [1.0, 2.0])  # one objective, two values
    assert failed.state == TrialState.FAIL
