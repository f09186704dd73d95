"""Hyperband whose brackets do not depend on a generated study name.

Optuna puts a trial in one of Hyperband's brackets by hashing the study's name with the trial's
number. Our generated study names end in random hex (so that studies sharing a storage never
collide), so a seeded study would be pruned differently on every run and `random_state` would
not reproduce it. `StableHyperband` hashes a key instead. The first driver of a study chooses
the key and records it in the study; every later driver, a continuation or a worker, reads it
back, so each trial stays in one bracket whoever prunes it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import optuna

ATTR_BRACKETS = "ah.hyperband_brackets"


class StableHyperband(optuna.pruners.HyperbandPruner):
    """`optuna.pruners.HyperbandPruner` with brackets chosen by `key` instead of the study name."""

    def __init__(self, key: str, **options: Any) -> None:
        super().__init__(**options)
        self.key = key

    def _get_bracket_id(self, study: Any, trial: optuna.trial.FrozenTrial) -> int:
        named = SimpleNamespace(study_name=self.key)  # Optuna reads only the name here
        return super()._get_bracket_id(cast(optuna.Study, named), trial)


def bracket_key(study: optuna.Study, random_state: int | None, named: bool) -> str:
    """The study's Hyperband key: the one recorded in it, else chosen now and recorded.

    A study the user `named` keeps Optuna's own key, its name; a generated name is replaced by
    the seed, when there is one.
    """
    key = study.user_attrs.get(ATTR_BRACKETS)
    if not isinstance(key, str):
        key = study.study_name if named or random_state is None else f"seed-{random_state}"
        study.set_user_attr(ATTR_BRACKETS, key)
    return key
