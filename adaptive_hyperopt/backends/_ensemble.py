"""The ensemble backend: a portfolio of backends taking turns on one Optuna study.

Every member learns from every trial, whoever proposed it (DESIGN.md, "the one idea"): Optuna
members read the study; Hyperopt and scikit-optimize members are told each finished trial,
batched until they next propose, so a surrogate is fitted once per proposal, not once per trial.
Before a member asks, the study's sampler is set back to the one that member left there (an
Optuna member may have wrapped its sampler to honour a restricted space).

Each trial records its proposer: the driver writes `ah.backend` from `name`, which holds the
label of the member that proposed the latest trial (the member's backend name, with `#2`, `#3`
for a second or third member of the same backend).

Strategies (`combination_strategy`) decide which member proposes the next trial:
- `weighted_average`: shares proportional to the weights, interleaved deterministically (the
  member furthest below its share goes next): 0.4/0.3/0.3 of 150 trials is exactly 60/45/45,
  and at any point every member is less than one trial away from its share;
- `round_robin`: the members in turn;
- `adaptive`: a bandit (discounted Thompson sampling). A member's trial earns a reward of 1 when
  it improves the best value of the study, else 0; rewards fade by `DISCOUNT` per finished
  trial, so the bandit follows the members improving *now*. The weights are its prior. Its
  credit (each member's estimated chance of improving the best) is recorded on every trial it
  allocates, as the user attribute `ah.ensemble.credit`.

Several objectives: Optuna members use their samplers' multi-objective modes, Hyperopt and
scikit-optimize members ParEGO (`_parego.py`); for the adaptive bandit a trial "improves" when
it joins the Pareto front (no earlier completed trial dominates or equals it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from .._validation import unknown_keyword
from ..space import SearchSpace
from ._base import Backend
from ._parego import minimization_form

STRATEGIES = ("weighted_average", "round_robin", "adaptive")
MEMBER_BACKENDS = ("optuna", "hyperopt", "skopt")
CONFIG_KEYS = ("optimizers", "combination_strategy")
MEMBER_KEYS = ("backend", "weight", "sampler_config")
ATTR_CREDIT = "ah.ensemble.credit"
#: How much of a past reward the adaptive bandit keeps after each finished trial.
DISCOUNT = 0.95


@dataclass(frozen=True)
class Member:
    """One member of an ensemble, as configured."""

    label: str
    backend: str
    weight: float
    sampler_config: dict[str, Any] | None


def parse_ensemble(
    config: Mapping[str, Any], where: str, extra_keys: Sequence[str] = ()
) -> tuple[tuple[Member, ...], str]:
    """The members and the strategy of an ensemble configuration.

    Errors name the field, under `where` (e.g. "ensemble_config['optimizers'][1]['weight']").
    Keys in `extra_keys` are allowed and left to the caller.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"{where} must be a dict, got {config!r}")
    for key in config:
        if key not in CONFIG_KEYS and key not in extra_keys:
            raise unknown_keyword(where, str(key), [*CONFIG_KEYS, *extra_keys])
    strategy = config.get("combination_strategy", "weighted_average")
    if strategy not in STRATEGIES:
        raise ValueError(
            f"{where}['combination_strategy'] must be one of "
            f"{', '.join(repr(s) for s in STRATEGIES)}, got {strategy!r}"
        )
    entries = config.get("optimizers")
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes) or not entries:
        raise ValueError(
            f"{where}['optimizers'] must be a non-empty list of dicts such as "
            f"{{'backend': 'optuna', 'weight': 0.5}}, got {entries!r}"
        )
    members: list[Member] = []
    weighted = [isinstance(e, Mapping) and "weight" in e for e in entries]
    for i, entry in enumerate(entries):
        field = f"{where}['optimizers'][{i}]"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{field} must be a dict with a 'backend', got {entry!r}")
        for key in entry:
            if key not in MEMBER_KEYS:
                raise unknown_keyword(field, str(key), MEMBER_KEYS)
        name = entry.get("backend")
        if name not in MEMBER_BACKENDS:
            raise ValueError(
                f"{field}['backend'] must be one of "
                f"{', '.join(repr(b) for b in MEMBER_BACKENDS)}, got {name!r}"
            )
        if any(weighted) and not weighted[i]:
            raise ValueError(f"{field}['weight'] is missing: give every member a weight, or none")
        weight = entry.get("weight", 1.0)
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight <= 0
        ):
            raise ValueError(f"{field}['weight'] must be a positive number, got {weight!r}")
        sampler_config = entry.get("sampler_config")
        if sampler_config is not None and not isinstance(sampler_config, Mapping):
            raise ValueError(f"{field}['sampler_config'] must be a dict, got {sampler_config!r}")
        same = sum(m.backend == name for m in members)
        label = name if same == 0 else f"{name}#{same + 1}"
        members.append(
            Member(label, name, float(weight), dict(sampler_config) if sampler_config else None)
        )
    return tuple(members), strategy


class EnsembleBackend(Backend):
    """Delegates each proposal to one member backend; every member learns from every trial."""

    learns = True

    def __init__(
        self,
        sampler_config: Mapping[str, Any] | None = None,
        seed: int | None = None,
        space: SearchSpace | None = None,
        *,
        where: str = "sampler_config",
    ) -> None:
        """`where` names the configuration in error messages."""
        if sampler_config is None:
            raise ValueError(
                "backend='ensemble' needs sampler_config={'optimizers': [{'backend': ...}, ...], "
                "'combination_strategy': ...}"
            )
        self.members, self.strategy = parse_ensemble(sampler_config, where)
        self.backends = [
            _member_backend(m, f"{where}['optimizers'][{i}]", seed, i, space)
            for i, m in enumerate(self.members)
        ]
        #: The label of the member that proposed the latest trial (the driver records it).
        self.name = "ensemble"
        self.counts = [0] * len(self.members)  # proposals per member
        self._pending: list[list[FrozenTrial]] = [[] for _ in self.members]
        self._study_samplers: list[optuna.samplers.BaseSampler | None] = [None] * len(self.members)
        self._proposer: dict[int, int] = {}  # running trial number -> member index
        weights = [Fraction(m.weight).limit_denominator(10**6) for m in self.members]
        self._shares = [w / sum(weights) for w in weights]  # exact: 0.3 is 3/10, not 0.2999..
        mean = sum(m.weight for m in self.members) / len(self.members)
        self.bandit = (
            Bandit([m.weight / mean for m in self.members], np.random.default_rng(seed))
            if self.strategy == "adaptive"
            else None
        )
        self._best: float | None = None
        self._maximize: bool | None = None  # known at the first ask
        self._maximizes: tuple[bool, ...] = ()  # several objectives: each one's direction
        self._front: np.ndarray | None = None  # several objectives: the front, minimization form

    @property
    def sampler(self) -> optuna.samplers.BaseSampler:
        """The first member's sampler (the study's sampler is set per proposal)."""
        return self.backends[0].sampler

    def describe(self) -> str:
        """E.g. "ensemble/weighted_average(optuna/TPESampler 0.4, hyperopt/tpe 0.3)"."""
        parts = ", ".join(
            f"{b.describe()} {m.weight:g}" for m, b in zip(self.members, self.backends, strict=True)
        )
        return f"ensemble/{self.strategy}({parts})"

    def ask(self, study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
        """Choose a member by the strategy; it proposes, having learnt every finished trial."""
        if self._maximize is None:
            directions = study.directions
            self._maximizes = tuple(d == optuna.study.StudyDirection.MAXIMIZE for d in directions)
            self._maximize = self._maximizes[0]
            if len(directions) > 1:
                front = [t.values for t in study.best_trials]
                self._front = minimization_form(np.array(front), self._maximizes) if front else None
            else:
                self._best = _best_value(study)
        i = self._choose()
        backend = self.backends[i]
        pending, self._pending[i] = self._pending[i], []
        if pending:
            backend.tell_many(pending)
        study.sampler = self._study_samplers[i] or backend.sampler
        trial, params = backend.ask(study, space)
        self._study_samplers[i] = study.sampler
        self.name = self.members[i].label
        self.counts[i] += 1
        self._proposer[trial.number] = i
        if self.bandit is not None:
            credit = self.bandit.credit()
            trial.set_user_attr(
                ATTR_CREDIT,
                {m.label: round(c, 4) for m, c in zip(self.members, credit, strict=True)},
            )
        return trial, params

    def tell(self, trial: FrozenTrial) -> None:
        """Queue the trial for the learning members; credit its proposer if it improved."""
        for i, backend in enumerate(self.backends):
            if backend.learns:
                self._pending[i].append(trial)
        improved = self._improves(trial)
        proposer = self._proposer.pop(trial.number, None)
        if self.bandit is not None and proposer is not None:
            self.bandit.update(proposer, improved)

    # Internals ----------------------------------------------------------------------------
    def _choose(self) -> int:
        if self.bandit is not None:
            return self.bandit.choose()
        if self.strategy == "round_robin":
            return sum(self.counts) % len(self.members)
        # weighted_average: the member furthest below its share of the next trial goes next.
        upcoming = sum(self.counts) + 1
        deficits = [s * upcoming - c for s, c in zip(self._shares, self.counts, strict=True)]
        return deficits.index(max(deficits))

    def _improves(self, trial: FrozenTrial) -> bool:
        if trial.values is not None and len(trial.values) > 1:  # several objectives
            return len(self._maximizes) > 1 and self._joins_front(trial)
        if trial.state != TrialState.COMPLETE or trial.value is None:
            return False
        value, best = trial.value, self._best
        if best is not None and (value <= best if self._maximize else value >= best):
            return False
        self._best = value
        return True

    def _joins_front(self, trial: FrozenTrial) -> bool:
        """Whether `trial` joins the Pareto front (no earlier trial dominates or equals it)."""
        if trial.state != TrialState.COMPLETE or trial.values is None:
            return False
        point = minimization_form(np.array([trial.values]), self._maximizes)
        front = self._front
        if front is not None:
            if np.any(np.all(front <= point, axis=1)):
                return False
            point = np.vstack([front[~np.all(point <= front, axis=1)], point])
        self._front = point
        return True


class Bandit:
    """Discounted Thompson sampling over Bernoulli rewards ("did this trial improve the best?").

    Each arm's chance of a reward has a Beta(prior + discounted wins, 1 + discounted losses)
    posterior; every update first fades all past counts by `discount`, so an arm that stopped
    improving loses credit and an arm left aside drifts back to its prior and is tried again.
    """

    def __init__(
        self, prior: Sequence[float], rng: np.random.Generator, discount: float = DISCOUNT
    ) -> None:
        self.prior = [float(p) for p in prior]
        self.wins = [0.0] * len(self.prior)
        self.losses = [0.0] * len(self.prior)
        self.discount = discount
        self._rng = rng

    def choose(self) -> int:
        """The arm with the highest draw from its posterior."""
        draws = [
            self._rng.beta(a + w, 1.0 + f)
            for a, w, f in zip(self.prior, self.wins, self.losses, strict=True)
        ]
        return int(np.argmax(draws))

    def update(self, arm: int, reward: bool) -> None:
        """Fade every count, then count `reward` for `arm`."""
        self.wins = [w * self.discount for w in self.wins]
        self.losses = [f * self.discount for f in self.losses]
        if reward:
            self.wins[arm] += 1.0
        else:
            self.losses[arm] += 1.0

    def credit(self) -> list[float]:
        """Each arm's posterior mean chance of improving the best."""
        return [
            (a + w) / (a + w + 1.0 + f)
            for a, w, f in zip(self.prior, self.wins, self.losses, strict=True)
        ]


def _member_backend(
    member: Member, field: str, seed: int | None, index: int, space: SearchSpace | None
) -> Backend:
    # Imported here: the package's create_backend also builds ensembles (a cycle at import).
    from . import create_backend

    # Member 0 gets the ensemble's seed, so a one-member ensemble repeats its backend alone.
    member_seed = None if seed is None else (seed + index) % 2**32
    try:
        return create_backend(member.backend, member.sampler_config, member_seed, space)
    except ImportError as exc:
        raise ImportError(f"{field}: {exc}") from exc
    except TypeError as exc:  # an unknown keyword, with its did-you-mean
        raise TypeError(f"{field}: {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from exc


def _best_value(study: optuna.Study) -> float | None:
    try:
        return study.best_value
    except ValueError:  # no completed trial yet
        return None
