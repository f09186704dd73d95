"""LocalGPSampler: Bayesian optimization inside the trust region, in numpy and scipy.

TuRBO (Eriksson et al. 2019) fits a Gaussian process to the trials near the current region and
proposes inside it; that is what this sampler does for the `switch` strategy's refinement
phase, without PyTorch (a plain install stays light: Optuna's GPSampler needs torch).

- **Coordinates**: the distributions the sampler is given are the region's (the SpaceSampler's
  RegionView), so each numeric parameter is a unit coordinate of the region (log scale for log
  parameters); a categorical is one column compared by equality (a Hamming distance, as
  Optuna's GP does). Trials within `margin` region-widths of the region are modelled, the
  `max_points` nearest to the best one at most: the model is local.
- **Model** (`_gp_models.GP`): a Matern-5/2 kernel with one length scale per parameter,
  fitted by maximizing the marginal likelihood (L-BFGS-B, analytic gradients, weak log-normal
  priors) and warm-started from the last fit. Values are taken as losses, their worse half
  compressed by a logarithm (so a few very bad trials do not flatten the good region), then
  standardized.
- **Proposal**: the candidate of highest log expected improvement among quasi-random points of
  the region, TuRBO's perturbations of the best trial (each coordinate moved with probability
  min(1, 20 / d), as TuRBO does), Gaussian steps around it and its one-exchange neighbours
  (one coordinate moved anywhere in the region, as SMAC's local search moves); the best few
  are refined by smaller steps. The improvement is measured from the lowest posterior mean at
  the modelled trials (the plug-in incumbent), not from the lowest observed loss: a model's
  cross-validation score is rugged, and a lucky trial would set a bar no candidate can expect
  to clear.
- **Escapes** (`escape`, set by the backend for every other trial of the whole-space share
  once the region is small): the region's best trial with one parameter moved out of the
  region (a numeric one out of its range, a categorical one to another choice), the move of
  highest expected improvement under an additive Gaussian process of every trial
  (`_gp_models.AdditiveGP`). A trust region converges on a local optimum; on a nearly
  separable objective the better one differs in a few parameters, each in another well of its
  own, and a proposal moving every parameter at once rarely finds it. Measured on the
  benchmark suite: docs/adaptive.md.
- **Start**: until `n_startup_trials` trials are modelled (counted from trial `since`, which a
  trust-region restart sets so that the old basin is forgotten), proposals are uniform draws.

- **Conditional spaces** (`conditions`, which the backend passes from the declared space): one
  model over every branch, as scikit-optimize's imputation does (Levesque et al. 2017). A
  parameter a trial does not have is imputed with a constant (the middle of the region, or a
  choice of its own for a categorical), in the trials and in every candidate whose branch makes
  it inactive, so a column a branch does not use carries nothing within that branch. Without
  it, the joint space is the parameters every trial has, and a conditional parameter, outside
  it, would be left to univariate TPE while the model chose its parent blind to it. A
  parameter whose parent is fixed (frozen, so outside the model) stays outside too. A fifth of
  the proposals (`_BRANCH_SHARE`) improve the best trial of a branch drawn uniformly (each
  categorical parent that is not itself conditional gets a uniform choice), so a branch that
  looked poor early is still refined (measured on the `conditional` benchmark,
  docs/adaptive.md).

Parameters outside the joint space are sampled by univariate TPE, as Optuna's GPSampler samples
them at random.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.samplers import BaseSampler
from optuna.search_space import intersection_search_space
from optuna.trial import FrozenTrial, TrialState

from ..space._dimensions import exact_value
from ._gp_models import GP, AdditiveGP

# scipy.optimize and scipy.stats take about 0.6 s to import: they are imported where the model
# first runs, so `import adaptive_hyperopt` does not pay for a sampler most studies reach later.

# TuRBO's perturbations move each coordinate with probability min(1, _PERTURBED / dim).
_PERTURBED = 20.0
# In a conditional space, the share of proposals made inside a branch drawn uniformly, improving
# that branch's own best: expected improvement over the overall best stays in the best trial's
# branch (after a few poor trials, the posterior elsewhere is confident), and a better branch
# whose good region is narrow would never be refined.
_BRANCH_SHARE = 0.2


class LocalGPSampler(BaseSampler):
    """Expected improvement under a Gaussian process fitted to the trials near the region."""

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        n_candidates: int = 1536,
        max_points: int = 300,
        margin: float = 1.0,
        since: int = 0,
        conditions: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
    ) -> None:
        for name, value, least in (
            ("n_startup_trials", n_startup_trials, 2),
            ("n_candidates", n_candidates, 3),
            ("max_points", max_points, 2),
            ("since", since, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
        if not margin >= 0:
            raise ValueError(f"margin must be a number of at least 0, got {margin!r}")
        self._rng = np.random.RandomState(seed)
        self._n_startup = n_startup_trials
        self._n_candidates = n_candidates
        self._max_points = max_points
        self._margin = margin
        self._since = since  # trials numbered below it are not modelled (a trust-region restart)
        # parameter -> (its parent, the parent's stored values that make it active)
        self._conditions = dict(conditions or {})
        self._independent = optuna.samplers.TPESampler(seed=seed)
        self._theta: np.ndarray | None = None  # the last fit, to warm-start the next
        self._escape_theta: np.ndarray | None = None  # the same, for the additive model
        #: Set by the backend for an escape trial of the whole-space share: the current
        #: region's numeric bounds (parameter -> (low, high)); the next proposal escapes it.
        self.escape: Mapping[str, tuple[float, float]] | None = None

    def reseed_rng(self) -> None:
        """Fresh random streams (Optuna calls this in forked workers)."""
        self._rng = np.random.RandomState()
        self._independent.reseed_rng()

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """The parameters every completed trial has; all of them when the conditions are known."""
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(study.directions) > 1 or not trials:
            return {}
        if self._conditions:
            union: dict[str, BaseDistribution] = {}
            for t in trials:  # under a RegionView all trials have the same distributions
                union.update(t.distributions)
            union = {n: d for n, d in union.items() if not d.single()}
            return {n: d for n, d in union.items() if self._modelled(n, union)}
        common = intersection_search_space(trials)
        # in the order the trials suggest them (the model's columns), not Optuna's sorted one
        return {
            n: common[n] for n in trials[0].distributions if n in common and not common[n].single()
        }

    def _modelled(self, name: str, space: dict[str, BaseDistribution]) -> bool:
        """Whether every parent up `name`'s chain is modelled: a fixed (frozen) parent's value
        is unknown here, so its children would be proposed whether they are used or not."""
        while name in self._conditions:
            name = self._conditions[name][0]
            if name not in space:
                return False
        return True

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """The candidate of highest expected improvement (nothing during the startup)."""
        if not search_space:
            return {}
        coder = _Coder(search_space, self._conditions)
        trials = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.number >= self._since
            and (self._conditions or all(n in t.params for n in search_space))
        ]
        if len(trials) < self._n_startup:  # blind to what came before
            return coder.uniform(self._rng)
        x = coder.encode([t.params for t in trials])
        sign = 1.0 if study.direction == optuna.study.StudyDirection.MINIMIZE else -1.0
        y = sign * np.array([float(t.value) for t in trials])  # type: ignore[arg-type]
        x, y = self._local(x, y, coder)
        if len(y) < self._n_startup // 2:  # too few trials near the region
            return coder.uniform(self._rng)
        if self.escape is not None:
            row = self._escape(x, y, coder, self.escape)
            if row is not None:
                return coder.decode(row)
        gp = GP.fit(x, _warp(y), coder.categorical, self._theta)
        self._theta = gp.theta
        best = _incumbent(x, y, coder)
        return coder.decode(self._propose(gp, x[best], coder))

    def _escape(
        self, x: np.ndarray, y: np.ndarray, coder: _Coder, region: Mapping[str, tuple[float, float]]
    ) -> np.ndarray | None:
        """The region's best trial with one parameter moved out of the region (a numeric one
        out of its range, a categorical one to another choice), the move of highest expected
        improvement under an additive model of every trial (None when no move leaves it).
        Why: the module docstring's "Escapes".
        """
        low, high = coder.box(region)
        num = ~coder.categorical
        start = x[_incumbent(x, y, coder, (low, high))]
        rng = self._rng
        n, dim = self._n_candidates, len(num)
        moved = np.zeros((n, dim), dtype=bool)
        moved[np.arange(n), rng.randint(dim, size=n)] = True
        candidates = np.where(moved, rng.random_sample((n, dim)), start)
        # a branch change: the parameters it makes active are drawn anew, not the imputed ones
        fresh = coder.active(candidates) & ~coder.active(start[None, :])
        candidates = coder.snap(np.where(fresh, rng.random_sample((n, dim)), candidates))
        candidates = coder.impute(candidates)
        # out of the box, or another choice of a categorical (the box does not hold those,
        # but the model inside it rarely leaves the best trial's choices)
        out = np.any(
            np.where(num, (candidates < low) | (candidates > high), candidates != start), axis=1
        )
        if not out.any():
            return None
        gp = AdditiveGP.fit(x, _warp(y), coder.categorical, self._escape_theta)
        self._escape_theta = gp.theta
        score = np.where(out, gp.log_ei(candidates), -np.inf)
        return candidates[int(np.argmax(score))]

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Univariate TPE, for parameters outside the joint space."""
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Delegated to the independent sampler, which sampled this trial's other parameters."""
        self._independent.after_trial(study, trial, state, values)

    def _local(self, x: np.ndarray, y: np.ndarray, coder: _Coder) -> tuple[np.ndarray, np.ndarray]:
        """The trials within `margin` of the region, at most `max_points` nearest the
        incumbent."""
        num = ~coder.categorical
        near = np.all((x[:, num] >= -self._margin) & (x[:, num] <= 1 + self._margin), axis=1)
        x, y = x[near], y[near]
        if len(y) > self._max_points:
            dist = np.sum((x[:, num] - x[_incumbent(x, y, coder), num]) ** 2, axis=1)
            keep = np.argsort(dist, kind="stable")[: self._max_points]
            x, y = x[keep], y[keep]
        return x, y

    def _propose(self, gp: GP, best: np.ndarray, coder: _Coder) -> np.ndarray:
        from scipy.stats import qmc

        rng = self._rng
        branch = self._branch(coder) if coder.roots else {}
        if branch:  # improve that branch's own best, around it
            # (in the margin too, unlike `_incumbent`: the region was sized around another
            # branch's best, and the parameters they share are what put this one outside)
            own = np.all([gp.x[:, k] == c for k, c in branch.items()], axis=0)
            if own.any():
                best = gp.x[int(np.argmin(np.where(own, gp.y, np.inf)))]
                gp.best = gp.plug_in(gp.x[own])
        cat = coder.categorical
        dim = len(cat)
        third = self._n_candidates // 3
        sobol = qmc.Sobol(dim, scramble=True, seed=rng.randint(2**31)).random(2 * third)
        uniform = coder.snap(sobol[:third])
        # TuRBO's candidates: the best trial with a few coordinates moved anywhere in the region
        mask = rng.random_sample((third, dim)) < min(1.0, _PERTURBED / dim)
        mask[np.arange(third), rng.randint(dim, size=third)] = True
        perturbed = coder.snap(np.where(mask, sobol[third:], best))
        steps = rng.normal(size=(third, dim)) * np.where(np.arange(third) % 2, 0.02, 0.1)[:, None]
        local = coder.snap(np.where(cat, best, best + steps))
        # the one-exchange neighbourhood (SMAC's local search): the best trial with a single
        # coordinate moved anywhere in the region, which finds a better well of one parameter
        # (Styblinski-Tang's, Levy's) that moving every coordinate at once rarely does
        sixth = self._n_candidates // 6
        one = np.zeros((sixth, dim), dtype=bool)
        one[np.arange(sixth), rng.randint(dim, size=sixth)] = True
        exchanged = coder.snap(np.where(one, rng.random_sample((sixth, dim)), best))
        candidates = np.vstack([uniform, perturbed, local, exchanged])
        if branch:
            for k, choice in branch.items():
                candidates[:, k] = choice
        candidates = coder.impute(coder.choose_unset(candidates, rng))
        score = gp.log_ei(candidates)
        # refine the best few with smaller steps around each (a cheap local search)
        top = candidates[np.argsort(-score)[:4]]
        for scale in (0.02, 0.004):
            moved = np.repeat(top, 32, axis=0)
            moved = coder.snap(np.where(cat, moved, moved + rng.normal(size=moved.shape) * scale))
            moved = coder.impute(moved)
            candidates = np.vstack([candidates, moved])
            score = np.concatenate([score, gp.log_ei(moved)])
            top = candidates[np.argsort(-score)[:4]]
        return candidates[int(np.argmax(score))]

    def _branch(self, coder: _Coder) -> dict[int, int]:
        """A branch drawn uniformly (each root choice column: a choice), `_BRANCH_SHARE` of the
        time; else none (the model chooses the branch)."""
        if self._rng.random_sample() >= _BRANCH_SHARE:
            return {}
        return {k: self._rng.randint(coder.n_choices(k)) for k in coder.roots}


def _incumbent(
    x: np.ndarray, y: np.ndarray, coder: _Coder, box: tuple[np.ndarray, np.ndarray] | None = None
) -> int:
    """The best trial inside the region (or `box`: the columns' unit bounds), when one is
    (else the best of all).

    A better trial modelled from the margin (the old basin, after the trust region moved) would
    pull every proposal to the region's edge nearest it, and the model's nearest trials with it.
    """
    num = ~coder.categorical
    low, high = (0.0, 1.0) if box is None else (box[0][num], box[1][num])
    inside = np.all((x[:, num] >= low) & (x[:, num] <= high), axis=1)
    return int(np.argmin(np.where(inside, y, np.inf))) if inside.any() else int(np.argmin(y))


def _warp(y: np.ndarray) -> np.ndarray:
    """Losses, the worse half compressed by a logarithm, standardized."""
    med = float(np.median(y))
    scale = float(np.median(np.abs(y - med))) or float(np.std(y)) or 1.0
    z = (y - med) / scale
    z = np.where(z > 0, np.log1p(np.maximum(z, 0.0)), z)
    sd = float(np.std(z))
    return (z - z.mean()) / (sd if sd > 0 else 1.0)


class _Coder:
    """Between parameter values and the model's columns (unit coordinates, choice indices)."""

    def __init__(
        self,
        space: dict[str, BaseDistribution],
        conditions: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
    ) -> None:
        self.names = list(space)
        self.dists = [space[n] for n in self.names]
        self.categorical = np.array([isinstance(d, CategoricalDistribution) for d in self.dists])
        # the imputed column of a parameter a trial does not use: the middle of the region, or
        # a choice no trial can make (its categorical column then differs from every real one)
        self._missing = np.where(self.categorical, -1.0, 0.5)
        # (column, parent column, the parent's activating column values), parents first
        self._gates: list[tuple[int, int, np.ndarray]] = []
        conditions = conditions or {}
        column = {n: j for j, n in enumerate(self.names)}
        for j, name in enumerate(self.names):
            if name not in conditions:
                continue
            parent, values = conditions[name]
            if parent not in column:  # not modelled (`_modelled` keeps such children out)
                continue
            k = column[parent]
            d = self.dists[k]
            cols: list[float]
            if isinstance(d, CategoricalDistribution):
                cols = [
                    i for i, c in enumerate(d.choices) if any(exact_value(c, v) for v in values)
                ]
            else:
                assert isinstance(d, FloatDistribution | IntDistribution)
                cols = [float(self._unit(d, np.array([float(v)]))[0]) for v in values]
            self._gates.append((j, k, np.array(cols, dtype=float)))
        parent_of = {j: k for j, k, _ in self._gates}

        def depth(j: int) -> int:
            return 0 if j not in parent_of else 1 + depth(parent_of[j])

        self._gates.sort(key=lambda g: depth(g[0]))
        #: the categorical columns that choose a branch and are always active themselves
        self.roots = sorted(
            {k for _, k, _ in self._gates if k not in parent_of and self.categorical[k]}
        )

    @staticmethod
    def _scale(d: FloatDistribution | IntDistribution) -> tuple[float, float]:
        if d.log:
            return math.log(d.low), math.log(d.high)
        return float(d.low), float(d.high)

    def encode(self, rows: Sequence[dict[str, Any]]) -> np.ndarray:
        """The model's columns of trials' parameters; one a trial does not have is imputed."""
        x = np.tile(self._missing, (len(rows), 1))
        for j, (name, d) in enumerate(zip(self.names, self.dists, strict=True)):
            has = [i for i, r in enumerate(rows) if name in r]
            if isinstance(d, CategoricalDistribution):
                x[has, j] = [d.to_internal_repr(rows[i][name]) for i in has]
                continue
            assert isinstance(d, FloatDistribution | IntDistribution)
            x[has, j] = self._unit(d, np.array([float(rows[i][name]) for i in has]))
        return x

    def box(self, bounds: Mapping[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """The columns' unit lower and upper bounds of a box given in parameter values (a
        column the box does not bound, or a categorical one: unbounded)."""
        low, high = np.full(len(self.names), -np.inf), np.full(len(self.names), np.inf)
        for j, (name, d) in enumerate(zip(self.names, self.dists, strict=True)):
            if name in bounds and isinstance(d, FloatDistribution | IntDistribution):
                low[j], high[j] = self._unit(d, np.array(bounds[name], dtype=float))
        return low, high

    def n_choices(self, j: int) -> int:
        """The number of choices of the categorical column `j`."""
        d = self.dists[j]
        assert isinstance(d, CategoricalDistribution)
        return len(d.choices)

    def active(self, x: np.ndarray) -> np.ndarray:
        """Which columns each row's branch uses (all of them in a space without conditions)."""
        act = np.ones(x.shape, dtype=bool)
        for j, k, values in self._gates:  # parents first: a child of an inactive parent is off
            act[:, j] = act[:, k] & np.any(np.isclose(x[:, k, None], values[None, :]), axis=1)
        return act

    def choose_unset(self, x: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """Candidates with a uniformly drawn choice for each categorical their branch uses but
        their source (the best trial) did not, which holds the imputed -1: else a branch change
        would always bring its nested categoricals' first choice."""
        for j, _, _ in self._gates:
            if self.categorical[j]:
                unset = (x[:, j] < 0) & self.active(x)[:, j]
                x[unset, j] = rng.randint(self.n_choices(j), size=int(unset.sum()))
        return x

    def impute(self, x: np.ndarray) -> np.ndarray:
        """Candidates with the columns their branch does not use set to the imputed constant."""
        if not self._gates:
            return x
        return np.where(self.active(x), x, self._missing)

    def uniform(self, rng: np.random.RandomState) -> dict[str, Any]:
        """A uniform draw over the region (categoricals: a uniform choice)."""
        return self.decode(self.impute(self.snap(rng.random_sample((1, len(self.names)))))[0])

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Candidates moved onto values a trial can take (inside the region, on its grid)."""
        out = x.copy()
        for j, d in enumerate(self.dists):
            if isinstance(d, CategoricalDistribution):
                k = len(d.choices)
                col = out[:, j]
                fresh = (col >= k) | (col != np.round(col))
                # a coordinate from the unit square: a uniformly drawn choice (the imputed -1
                # stays, for `impute` or `choose_unset`)
                out[:, j] = np.where(fresh, np.floor(np.clip(col, 0, 1 - 1e-12) * k), col)
                continue
            out[:, j] = np.clip(out[:, j], 0.0, 1.0)
            if isinstance(d, IntDistribution) or (
                isinstance(d, FloatDistribution) and d.step is not None
            ):
                out[:, j] = self._unit(d, self._values(d, out[:, j]))
        return out

    def _unit(self, d: FloatDistribution | IntDistribution, values: np.ndarray) -> np.ndarray:
        lo, hi = self._scale(d)
        return ((np.log(values) if d.log else values) - lo) / (hi - lo)

    def _values(self, d: FloatDistribution | IntDistribution, u: np.ndarray) -> np.ndarray:
        lo, hi = self._scale(d)
        v = lo + u * (hi - lo)
        v = np.exp(v) if d.log else v
        if d.step is not None:
            v = d.low + np.round((v - d.low) / d.step) * d.step
        return np.clip(v, d.low, d.high)

    def decode(self, row: np.ndarray) -> dict[str, Any]:
        """The parameters of a candidate, those its branch does not use left out."""
        out: dict[str, Any] = {}
        act = self.active(row[None, :])[0]
        for j, (name, d) in enumerate(zip(self.names, self.dists, strict=True)):
            if not act[j]:
                continue
            if isinstance(d, CategoricalDistribution):
                out[name] = d.to_external_repr(int(row[j]))
            else:
                assert isinstance(d, FloatDistribution | IntDistribution)
                value = float(self._values(d, np.array([row[j]]))[0])
                out[name] = round(value) if isinstance(d, IntDistribution) else value
        return out
