"""Telling Optuna a trial's result the way `Study.optimize` does, without `Study.tell`'s copy.

`Study.tell` returns a `copy.deepcopy` of the finished trial so that callers may modify it; that
copy is about a third of a trial's cost with a fast sampler. `Study.optimize` skips it by
calling the same internal function `Study.tell` wraps, and so does the driver: it only reads the
trial, and hands user callbacks a copy of their own (`Callbacks.trial_finished`). Should a later
Optuna move that function, the driver falls back to the public `Study.tell`, one copy slower;
`tests/runner/test_tell.py` fails on the pinned version if it has.
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna
from optuna.trial import FrozenTrial, TrialState

try:
    from optuna.study._tell import _get_frozen_trial, _tell_with_warning

    FAST = True
except ImportError:  # pragma: no cover - only on an Optuna that moved them
    FAST = False


def tell(
    study: optuna.Study,
    trial: optuna.Trial,
    values: float | Sequence[float] | None = None,
    state: TrialState | None = None,
) -> FrozenTrial:
    """Finish `trial` as `study.tell(trial, values, state)` does; return the stored trial.

    The returned trial is the storage's own record (in memory) and must not be modified.
    """
    if not FAST:
        return study.tell(trial, values, state)
    _tell_with_warning(study, trial, values, state)
    return _get_frozen_trial(study, trial)
