"""The scikit-optimize backend: `skopt.Optimizer` (GP, RF, ET or GBRT surrogate), ask/tell.

scikit-optimize only proposes; the Optuna study records every trial (DESIGN.md).

Encoding. skopt has no conditional spaces, so the encoding is flat: every parameter that is not
pinned is a dimension (`Real`, `Integer`, or `Categorical` over the indices of the allowed
choices as labels; log scales via `prior="log-uniform"`). A proposal's inactive parameters are
dropped before the objective sees them, and wherever skopt turns points into the surrogate's
inputs (`Space.transform`: the told trials it fits and the candidates its acquisition function
scores) each inactive parameter is imputed with a constant (its lower bound, or its first
allowed choice), never the value skopt happened to draw. So the surrogate sees no noise from
parameters that did not reach the objective, and a candidate is scored where its trial will be
recorded: in an inactive branch they are constant, and the parent's value tells the branches
apart. (Imputing the told trials alone scored candidates at points no trial of their branch
could occupy: on the `conditional` benchmark that made the GP bridge worse than `gp_minimize`'s
plain flat encoding, 0.15 log10 regret at 100 trials over 20 seeds.) The limit: the surrogate
models one function over the union of branches, so a GP's kernel still relates trials of
different branches through the parameters they share; tree surrogates (RF, ET, GBRT) split on
the parent and are unaffected. A space without conditions keeps skopt's own `Space`.

Defaults. `acq_optimizer="sampling"` (skopt's "auto" picks L-BFGS for a GP): measured on 2
cores, a GP costs about 1.1 s per trial with L-BFGS and 0.4 s with sampling, and the driver
waits for it between trials, so sampling keeps interactive use responsive.

Seeds. The study's first optimizer takes `random_state` itself, as skopt's own loops do, so a
seeded study over a flat space proposes exactly what `gp_minimize` (or `forest_minimize`...) with
the same settings and seed would (tested against `gp_minimize`); a conditional space differs
once the surrogate takes over, by the imputation above. Optimizers rebuilt later (a new region)
take seeds derived from it.

Failed trials are told with the worst value observed so far (a penalty on the observed scale,
so the surrogate's normalisation of y is not wrecked), or skipped while nothing completed.
Without them skopt would propose the same failing point again. Pruned trials are told the same
way: the pruner judged them worse than their peers.

The optimizer is rebuilt from the study whenever the space changes (and on the first ask, which
is the warm start), keeping the trials whose active parameters lie inside the current space.
The random start (`n_initial_points`) belongs to the study, not to a region: the dropped trials
count towards it, so after a narrowing past the start the surrogate is fitted to the in-region
trials at once instead of sampling at random again.
Frozen parameters are pinned, left out of the surrogate and not used to filter observations.

Several objectives: each proposal learns from ParEGO losses (`_parego.py`), fresh weights each
time, so the optimizer is rebuilt from the study before every proposal (one surrogate fit per
proposal, as when trials are told one at a time).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
import skopt
from optuna.trial import FrozenTrial, TrialState
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.utils import RegressorTags
from skopt.learning import GradientBoostingQuantileRegressor

from .._validation import unknown_keyword
from ..space import SearchSpace
from ..space._dimensions import Categorical, Condition, Dimension, Float, Int
from ._base import Backend
from ._bridge import choice_index, fitting_params, pinned, record
from ._parego import Losses

# `skopt.Optimizer` arguments a user may set; the dimensions and random_state are ours.
OPTIONS = tuple(
    name
    for name in inspect.signature(skopt.Optimizer).parameters
    if name not in ("dimensions", "random_state")
)
DEFAULTS: dict[str, Any] = {"base_estimator": "GP", "acq_optimizer": "sampling"}
_INITIAL_POINTS = inspect.signature(skopt.Optimizer).parameters["n_initial_points"].default


# Told with the worst loss observed so far: a failed point would otherwise be proposed again,
# and a pruned one was judged worse than its peers by the pruner.
_PENALIZED = (TrialState.FAIL, TrialState.PRUNED)


class SkoptBackend(Backend):
    """Proposes with a `skopt.Optimizer`; learns from every finished trial."""

    name = "skopt"
    learns = True

    def __init__(
        self,
        sampler_config: Mapping[str, Any] | None = None,
        seed: int | None = None,
        space: SearchSpace | None = None,
    ) -> None:
        self._options = optimizer_options(sampler_config or {})
        self._seed = seed
        self._rng = np.random.default_rng(seed)  # seeds of the optimizers after the first
        self._built = 0
        # Every value is fixed by enqueue_trial, so the study's sampler never chooses one.
        self._sampler = optuna.samplers.RandomSampler(seed)
        self._space: SearchSpace | None = None
        self._names: list[str] = []  # the dimensions, in order
        self._optimizer: skopt.Optimizer | None = None
        self._seen: set[int] = set()
        self._pending: dict[int, list[Any]] = {}  # trial number -> point asked, not yet told
        self._losses = Losses(seed)  # what skopt learns from (ParEGO for several objectives)
        self._make(SearchSpace.from_dict({"x": ("float", 0.0, 1.0)}), check=True)  # fail now

    @property
    def sampler(self) -> optuna.samplers.BaseSampler:
        """A RandomSampler: the study only records the values skopt proposed."""
        return self._sampler

    def describe(self) -> str:
        """E.g. "skopt/GP"."""
        estimator = self._options["base_estimator"]
        label = estimator if isinstance(estimator, str) else type(estimator).__name__
        return f"{self.name}/{label}"

    def ask(self, study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
        """Propose with skopt and record the proposal as a new trial of `study`."""
        if space is not self._space or self._losses.multi:  # several: new weights each time
            self._losses.update(study)
            self._rebuild(study, space)
        point = self._propose()
        trial, params = record(study, space, self._decode(space, point))
        self._losses.annotate(trial)
        if point:
            self._pending[trial.number] = point
        return trial, params

    def tell(self, trial: FrozenTrial) -> None:
        """Tell skopt a finished trial (before the first ask: nothing, the warm start loads it)."""
        self.tell_many([trial])

    def tell_many(self, trials: Sequence[FrozenTrial]) -> None:
        """Tell skopt finished trials in one call: one surrogate fit for all of them (several
        objectives: no fit, the next proposal rebuilds with its own scalarization)."""
        for trial in trials:
            self._pending.pop(trial.number, None)
        if self._space is not None and not self._losses.multi:
            self._observe(trials)

    # Internals ----------------------------------------------------------------------------
    def _make(
        self, space: SearchSpace, done: int = 0, kept: int = 0, check: bool = False
    ) -> skopt.Optimizer | None:
        """An optimizer for `space`; `done` finished trials of which `kept` fit it (`check`:
        only to validate the options)."""
        names = [n for n in space.order if pinned(space[n]) is None]
        if not names:
            return None
        # The study's first optimizer takes the seed itself, as `gp_minimize` and the other
        # `*_minimize` loops do, so a seeded study proposes what skopt's own loop would.
        seed = self._seed if self._built == 0 else int(self._rng.integers(2**31 - 1))
        self._built += 0 if check else 1
        options = dict(self._options)
        if done > kept:
            start = options.get("n_initial_points", _INITIAL_POINTS)
            # one random point at least while nothing fits: skopt needs data to fit
            options["n_initial_points"] = max(start - (done - kept), 0 if kept else 1)
        random_state: int | np.random.RandomState | None = seed
        if options["base_estimator"] == "GBRT":
            # Built here, as skopt's `cook_estimator` would build it, and seeded the same way:
            # its first draw from the optimizer's stream (unseeded, it would draw from numpy's
            # global RNG, differently in every process). The optimizer goes on from that stream.
            random_state = np.random.RandomState(seed)
            options["base_estimator"] = _QuantileGBRT(
                base_estimator=GradientBoostingRegressor(n_estimators=30, loss="quantile"),
                random_state=random_state.randint(0, np.iinfo(np.int32).max),
                n_jobs=options.get("n_jobs", 1),
            )
        try:
            optimizer = skopt.Optimizer(
                [_dimension(space[n]) for n in names],
                random_state=random_state,
                **options,
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sampler_config for backend='skopt': {exc}") from exc
        if any(space[n].condition is not None for n in names):
            # same dimension objects, so the transformers skopt chose for them are kept
            optimizer.space = _ImputingSpace(optimizer.space.dimensions, _imputer(space, names))
        return optimizer

    def _rebuild(self, study: optuna.Study, space: SearchSpace) -> None:
        if space is not self._space:  # pending points belong to the space they were asked in
            self._pending = {}
        self._space = space
        self._names = [n for n in space.order if pinned(space[n]) is None]
        states = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
        finished = study.get_trials(deepcopy=False, states=states)
        kept = sum(fitting_params(t, space) is not None for t in finished)
        self._optimizer = self._make(space, len(finished), kept)
        self._seen = set()
        self._observe(finished)

    def _observe(self, trials: Sequence[FrozenTrial]) -> None:
        if self._optimizer is None:
            return
        # Completed trials first, so a failure in the same batch has a worst value to take.
        ordered = sorted(trials, key=lambda t: t.state != TrialState.COMPLETE)
        points: list[list[Any]] = []
        losses: list[float] = []
        for frozen in ordered:
            if frozen.number in self._seen:
                continue
            params = fitting_params(frozen, self._space) if self._space is not None else None
            if params is None:
                continue
            own = self._losses.loss(frozen)
            if frozen.state == TrialState.COMPLETE and own is not None:
                loss = own
            elif frozen.state in _PENALIZED and (self._optimizer.yi or losses):
                loss = max([*self._optimizer.yi, *losses])
            elif frozen.state == TrialState.PRUNED and own is not None:
                # nothing completed yet: its last reported value (what Optuna keeps)
                loss = own
            else:
                continue
            self._seen.add(frozen.number)
            points.append(self._encode(params))
            losses.append(float(loss))
        if points:  # one tell, one surrogate fit
            self._optimizer.tell(points, losses)

    def _propose(self) -> list[Any]:
        if self._optimizer is None:
            return []
        point = list(self._optimizer.ask())
        # Until a trial is told, skopt proposes the same point again: when asked for several
        # trials at once (parallel workers), the later ones get random points instead.
        if any(point == other for other in self._pending.values()):
            point = list(self._optimizer.space.rvs(random_state=self._optimizer.rng)[0])
        return point

    def _encode(self, params: Mapping[str, Any]) -> list[Any]:
        assert self._space is not None
        point = []
        for name in self._names:
            dim = self._space[name]
            if name not in params:  # inactive: a constant, see the module docstring
                point.append(_constant(dim))
            elif isinstance(dim, Categorical):
                point.append(str(choice_index(dim, params[name])))
            else:
                point.append(params[name])
        return point

    def _decode(self, space: SearchSpace, point: list[Any]) -> dict[str, Any]:
        raw = dict(zip(self._names, point, strict=True))
        params: dict[str, Any] = {}
        for name in space.order:
            if not space.is_active(name, params):
                continue
            dim = space[name]
            pin = pinned(dim)
            if pin is not None:
                params[name] = pin[0]
            elif isinstance(dim, Categorical):
                params[name] = dim.choices[int(raw[name])]
            elif isinstance(dim, Int):
                params[name] = int(raw[name])
            else:
                params[name] = float(raw[name])
        return params


def optimizer_options(sampler_config: Mapping[str, Any]) -> dict[str, Any]:
    """The `skopt.Optimizer` keyword arguments for `sampler_config`, with our defaults."""
    for key in sampler_config:
        if key not in OPTIONS:
            raise unknown_keyword("sampler_config for backend='skopt'", key, OPTIONS)
    options = {**DEFAULTS, **sampler_config}
    if isinstance(options["base_estimator"], str):
        options["base_estimator"] = options["base_estimator"].upper()
    return options


def _dimension(dim: Dimension) -> Any:
    if isinstance(dim, Categorical):
        return skopt.space.Categorical([str(i) for i in range(len(dim.choices))], name=dim.name)
    assert isinstance(dim, Float | Int)
    prior = "log-uniform" if dim.log else "uniform"
    if isinstance(dim, Int):
        return skopt.space.Integer(dim.low, dim.high, prior=prior, name=dim.name)
    return skopt.space.Real(dim.low, dim.high, prior=prior, name=dim.name)


Imputer = Callable[[Sequence[Sequence[Any]]], list[list[Any]]]


def _imputer(space: SearchSpace, names: list[str]) -> Imputer:
    """Replaces the inactive parameters of skopt points over `names` by their constants."""
    at = {name: i for i, name in enumerate(names)}
    fill = [_constant(space[name]) for name in names]
    # space.order puts a parent before its children, so an inactive parent is known in time
    conditional = [
        (name, cond, at.get(name), at.get(cond.parent), pinned(space[cond.parent]))
        for name in space.order
        if (cond := space[name].condition) is not None
    ]
    holds: dict[tuple[str, Any], bool] = {}  # (name, parent's raw value): few distinct ones

    def active(name: str, cond: Condition, raw: Any) -> bool:
        key = (name, raw)
        if key not in holds:
            dim = space[cond.parent]
            value = dim.choices[int(raw)] if isinstance(dim, Categorical) else int(raw)
            holds[key] = cond.holds(value)
        return holds[key]

    def impute(points: Sequence[Sequence[Any]]) -> list[list[Any]]:
        out = []
        for point in points:
            row = list(point)
            off: set[str] = set()
            for name, cond, i, parent_at, parent_pin in conditional:
                if cond.parent in off:
                    on = False
                elif parent_pin is not None:
                    on = cond.holds(parent_pin[0])
                else:
                    assert parent_at is not None
                    on = active(name, cond, row[parent_at])
                if not on:
                    off.add(name)
                    if i is not None:
                        row[i] = fill[i]
            out.append(row)
        return out

    return impute


def _constant(dim: Dimension) -> Any:
    """What an inactive parameter is imputed with: its lower bound or its first choice."""
    if isinstance(dim, Categorical):
        return "0"
    assert isinstance(dim, Float | Int)
    return dim.low


class _ImputingSpace(skopt.space.Space):
    """skopt's Space whose `transform` first imputes each point's inactive parameters."""

    def __init__(self, dimensions: list[Any], impute: Imputer) -> None:
        super().__init__(dimensions)
        self._impute = impute

    def transform(self, X: Any) -> Any:
        """The imputed points, transformed as skopt would."""
        return super().transform(self._impute(X))


class _QuantileGBRT(GradientBoostingQuantileRegressor):
    """skopt's GBRT surrogate, repaired for scikit-learn >= 1.6 and numpy >= 2.4
    (docs/installation.md).

    Upstream lists BaseEstimator before RegressorMixin, so scikit-learn's tags do not say
    "regressor" and skopt refuses it; and its `predict(return_std=True)` calls `np.in1d`,
    which numpy 2.4 removed.
    """

    def __sklearn_tags__(self) -> Any:
        """BaseEstimator's tags plus what RegressorMixin would add."""
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        return tags

    def predict(self, X: Any, return_std: bool = False, return_quantiles: bool = False) -> Any:
        """As upstream, with `np.isin` for the removed `np.in1d`."""
        if not return_std or return_quantiles:
            return super().predict(X, return_std=False, return_quantiles=return_quantiles)
        if not np.all(np.isin([0.16, 0.5, 0.84], self.quantiles)):
            raise ValueError("return_std works only if the quantiles include 0.16, 0.5 and 0.84")
        low, mean, high = (
            self.regressors_[self.quantiles.index(q)].predict(X) for q in (0.16, 0.5, 0.84)
        )
        return mean, (high - low) / 2.0
