"""Narrow: a trust region around the best trial, sized and resized the way TuRBO does.

TuRBO (Eriksson et al., 2019) keeps a box around the best point; its side grows after a run of
successes, shrinks after a run of failures, and when it collapses the search restarts. Here a
checkpoint is one TuRBO "batch": it is a success when the best improved by more than
`min_improvement_threshold` since the previous checkpoint, a failure otherwise. With batches of
`adaptation_interval` trials, TuRBO's tolerances become 3 successes and 1 failure (its failure
tolerance is ceil(max(4, d) / batch size)); measured on the benchmark problems, 2 and 2 let the
box grow back to the whole range before it could pay off.

- Opening: the box is centred on the best trial (the lowest value when minimizing, the highest
  when maximizing) and sized by how consistent the top trials are: the further the best few
  trials lie from the best one, in unit coordinates of the user's range, the larger the box.
- Shape: each parameter's side is the common length times a weight, the parameter's spread
  among the top trials over their geometric mean, clipped to [0.5, 2] (TuRBO weighs by the
  GP's length scales; the top trials' spread is what we have without a GP).
- Every checkpoint re-centres the box on the best trial, doubles the length after
  `success_tolerance` successes in a row, halves it after `failure_tolerance` failures in a row
  (or shrinks it at once to the size the top trials' spread gives, as at opening, when that is
  smaller: a converged basin collapses sooner, leaving budget for the next one).
- Restart: when the length falls below `length_min` the basin is done. If the trials show
  another basin (nearest-better clustering, `_other_basin`), the box moves to that basin's best
  trial, sized to keep every better trial out; else it opens to the user's whole range and the
  next box is centred on the best trial found after the restart (TuRBO restarts from scratch).
  Either way, from then on the box follows the new basin's own trials, and success counts the
  new basin's own best: a whole-space trial pulls it back only by beating every earlier trial.
  TuRBO's restart from scratch forgets what the trials already show; on a wide decoy basin next
  to a narrow deep one it lands in the decoy again (docs/adaptive.md).

Only numeric parameters are narrowed (categoricals keep their choices: the model handles them).

Several objectives: the box spans the front instead of surrounding one trial. Its core is the
hull of the Pareto-optimal trials (since the last restart) in each parameter; each side gets a
margin of the common length times the parameter's weight over two, and at least a quarter of
the hull's width, so the front's extreme trials stay clear of `expand`'s edge band and the two
strategies do not answer one front in opposite ways. The length is sized as above, from how far
the best trials off the front (by Pareto level) lie from the hull. Success and failure count
the front's hypervolume gain (`Context.improvement`) against the threshold; restarts as above.
"""

from __future__ import annotations

import math

import numpy as np
from optuna.trial import FrozenTrial

from ..backends._optuna import ATTR_FULL_SPACE
from ..space._dimensions import Dimension, Float, Int
from ._base import Context, Step, Strategy, ranged, to_unit

#: The best trials that nearest-better clustering looks at (its cost grows with the square).
_CLUSTERED = 2000


class TrustRegion(Strategy):
    """The `narrow` strategy."""

    name = "narrow"

    def __init__(
        self,
        length_init: float = 0.8,
        length_min: float = 2**-6,
        length_max: float = 1.6,
        success_tolerance: int = 3,
        failure_tolerance: int = 1,
        top_fraction: float = 0.15,
        min_trials: int = 10,
    ) -> None:
        if not 0 < length_min < length_init <= length_max:
            raise ValueError("trust region lengths need 0 < length_min < length_init <= length_max")
        self.length_init = length_init
        self.length_min = length_min
        self.length_max = length_max
        self.success_tolerance = success_tolerance
        self.failure_tolerance = failure_tolerance
        self.top_fraction = top_fraction
        self.min_trials = min_trials
        self.length: float | None = None  # None while no box is open
        self.successes = 0
        self.failures = 0
        self.since = 0  # trials numbered below this one predate the last restart
        self.restarts = 0
        self.anchor: int | None = None  # the trial a restart moved the box to, if any
        self.basins: list[dict[str, tuple[float, float]]] = []  # boxes that collapsed (unit)
        self._opened: dict[str, tuple[float, float]] = {}  # this basin's first box (unit)
        self._record: float | None = None  # the best loss before the last restart
        self._segment_best: float | None = None  # the segment's best at the last checkpoint
        self._spread: float | None = None  # the top trials' spread when the box last opened

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Open, resize, move or restart the box; see the module docstring."""
        names = ctx.numeric(dims)
        if not names:
            return None
        trials = self._segment(ctx)
        needed = max(self.min_trials, 2 * (len(names) + 1))
        if self.length is None and len(trials) < needed:
            return Step(f"waiting for {needed} completed trials (have {len(trials)})")
        if self.length is None:
            return self._open(ctx, dims, names, trials, "opened")
        how = self._count(ctx, trials)
        if self.length < self.length_min:
            return self._restart(ctx, dims, names)
        return self._open(ctx, dims, names, trials, how)

    def _segment(self, ctx: Context) -> list[FrozenTrial]:
        """The trials of the current basin: since the last restart (and the trial it moved to).

        After a restart, a trial of the whole-space share counts only when it beats every
        earlier trial: otherwise the old basin would pull the box straight back.
        """
        if self.since == 0:
            return list(ctx.trials)
        out = []
        for t in ctx.trials:
            if t.number == self.anchor or (
                t.number >= self.since
                and (
                    not t.user_attrs.get(ATTR_FULL_SPACE)
                    or ctx.multi
                    or (self._record is not None and ctx.loss(t) < self._record)
                )
            ):
                out.append(t)
        return out

    def _gain(self, ctx: Context, trials: list[FrozenTrial]) -> float | None:
        """The gain of this basin's best since the last checkpoint (TuRBO counts per region)."""
        if self.since == 0 or ctx.multi:
            return ctx.improvement
        best = min((ctx.loss(t) for t in trials), default=None)
        last, self._segment_best = self._segment_best, best
        if best is None or last is None:
            return None
        return last - best

    def _count(self, ctx: Context, trials: list[FrozenTrial]) -> str:
        assert self.length is not None
        gain = self._gain(ctx, trials)
        if gain is None:
            return "kept"
        if gain > ctx.threshold:
            self.successes, self.failures = self.successes + 1, 0
            if self.successes >= self.success_tolerance:
                self.length, self.successes = min(2 * self.length, self.length_max), 0
                return f"grown after {self.success_tolerance} improvements"
            return "moved (an improvement)"
        self.failures, self.successes = self.failures + 1, 0
        if self.failures >= self.failure_tolerance:
            # to half, or at once to the size the top trials' spread gives (as at opening) if
            # that is smaller: a basin the model has converged on collapses without waiting
            # out one halving per checkpoint
            self.length, self.failures = self.length / 2, 0
            if self._spread is not None:
                self.length = min(self.length, 4 * self._spread)
            return f"shrunk after {self.failure_tolerance} checkpoints without improvement"
        return "kept (no improvement)"

    def _restart(self, ctx: Context, dims: dict[str, Dimension], names: list[str]) -> Step:
        self.length, self.successes, self.failures = None, 0, 0
        self.since = len(ctx.study.get_trials(deepcopy=False))
        self.restarts += 1
        if self._opened:
            self.basins.append(self._opened)
        self._opened = {}
        self._record = min(ctx.loss(t) for t in ctx.trials)
        self._segment_best = None
        other = None if ctx.multi else self._other_basin(ctx, dims, names)
        if other is not None:
            trial, reach = other
            self.anchor = trial.number
            self.length = min(reach, self.length_init)
            ctx.notes["restarted"] = 0  # the model keeps the history: the new box is elsewhere
            step = self._open(ctx, dims, names, [trial], "moved")
            assert step is not None
            return Step(
                f"trust region collapsed below {self.length_min:.3g} of the range: restart "
                f"#{self.restarts} around trial #{trial.number}, the best of another basin "
                f"(no better trial within {reach:.3g} of the range)",
                step.dims,
            )
        self.anchor = None
        ctx.notes["restarted"] = self.since  # the first trial after the restart
        whole = {}
        for name in names:
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            low, high = ctx.frame(name)
            whole[name] = dim.with_range(low, high)
        return Step(
            f"trust region collapsed below {self.length_min:.3g} of the range: restart "
            f"#{self.restarts} on the whole space",
            whole,
        )

    def _open(
        self,
        ctx: Context,
        dims: dict[str, Dimension],
        names: list[str],
        trials: list,
        how: str,
    ) -> Step | None:
        if ctx.multi:
            return self._open_front(ctx, dims, names, trials, how)
        ranked = ctx.ranked(trials)
        best = ranked[0]
        ctx.notes["centre"] = best  # the trial the box surrounds (`expand` presses from it)
        top = ranked[: max(3, math.ceil(self.top_fraction * len(ranked)))]
        centre: dict[str, float] = {}
        spread: dict[str, float] = {}
        for name in names:
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            value = ctx.value(best, name)
            if value is None:  # inactive in the best trial: leave it alone
                continue
            frame = ctx.frame(name)
            centre[name] = to_unit(dim, frame, value)
            others = [ctx.value(t, name) for t in top[1:]]
            dists = [abs(to_unit(dim, frame, v) - centre[name]) for v in others if v is not None]
            spread[name] = max(dists, default=0.5)
        if not centre:
            return None
        floor = self.length_min / 2
        geo = math.exp(sum(math.log(max(s, floor)) for s in spread.values()) / len(spread))
        self._spread = geo
        if self.length is None:  # sized by how consistent the top trials are
            self.length = min(max(4 * geo, 4 * self.length_min), self.length_init)
        new = {}
        for name, u in centre.items():
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            weight = min(max(max(spread[name], floor) / geo, 0.5), 2.0)
            half = min(max(self.length * weight / 2, floor), 0.5)
            new[name] = ranged(dim, ctx.frame(name), u - half, u + half)
        if not self._opened:  # the basin's first box: a later restart stays out of it
            self._opened = {
                n: (c - 0.5 * self.length, c + 0.5 * self.length) for n, c in centre.items()
            }
        reason = (
            f"trust region {how} around trial #{best.number} (side {self.length:.3g} of the range)"
        )
        return Step(reason, new)

    def _other_basin(
        self, ctx: Context, dims: dict[str, Dimension], names: list[str]
    ) -> tuple[FrozenTrial, float] | None:
        """The best trial of the most separate other basin seen so far, and its reach.

        Nearest-better clustering (Preuss 2010): every trial points to its nearest better
        trial; pointers longer than twice their mean separate basins, and a trial whose pointer
        is cut is its basin's best. Of those outside every collapsed basin's first box, the one
        furthest from any better trial is taken; its reach (the largest distance along one
        parameter that keeps every better trial out of a box around it) sizes the new box.
        """
        trials = ctx.ranked()[:_CLUSTERED]
        if len(trials) < 3:
            return None
        units = np.full((len(trials), len(names)), np.nan)
        for j, name in enumerate(names):
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            frame = ctx.frame(name)
            for i, t in enumerate(trials):
                v = ctx.value(t, name)
                if v is not None:
                    units[i, j] = to_unit(dim, frame, v)
        known = ~np.isnan(units)
        x = np.nan_to_num(units)
        near = np.full(len(trials), np.inf)  # Euclidean distance to the nearest better trial
        cheb = np.full(len(trials), np.inf)
        for i in range(1, len(trials)):
            diff = np.abs(x[:i] - x[i]) * (known[:i] & known[i])
            near[i] = float(np.min(np.sqrt(np.sum(diff**2, axis=1))))
            cheb[i] = float(np.min(np.max(diff, axis=1)))
        visited = np.zeros(len(trials), dtype=bool)  # inside a collapsed basin's first box
        for box in self.basins:
            sides = np.array([box.get(n, (-np.inf, np.inf)) for n in names])
            low, high = sides[:, 0], sides[:, 1]
            visited |= np.all(((x >= low) & (x <= high)) | ~known, axis=1)
        # the scale of the pointers comes from the trials outside the collapsed basins: their
        # dense trials would make every trial of a coarse design look like a basin of its own
        pointers = near[1:][~visited[1:]]
        if len(pointers) < 3:
            return None
        cut = 2.0 * float(np.mean(pointers))
        cuts = [
            i for i in range(1, len(trials)) if not visited[i] and near[i] > cut and cheb[i] > 0
        ]
        if not cuts:
            return None
        i = max(cuts, key=lambda k: near[k])
        return trials[i], float(cheb[i])

    def _open_front(
        self,
        ctx: Context,
        dims: dict[str, Dimension],
        names: list[str],
        trials: list,
        how: str,
    ) -> Step | None:
        """The box spanning the front of `trials` (several objectives; see the module doc)."""
        front = ctx.front(trials)
        on_front = {t.number for t in front}
        off = [t for t in ctx.ranked(trials) if t.number not in on_front]
        near = off[: max(3, math.ceil(self.top_fraction * len(trials)))]
        hull: dict[str, tuple[float, float]] = {}
        spread: dict[str, float] = {}
        for name in names:
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            frame = ctx.frame(name)
            units = [to_unit(dim, frame, v) for t in front if (v := ctx.value(t, name)) is not None]
            if not units:  # inactive all along the front: leave it alone
                continue
            lo, hi = min(units), max(units)
            hull[name] = (lo, hi)
            others = [ctx.value(t, name) for t in near]
            dists = [
                max(lo - u, u - hi, 0.0)
                for u in (to_unit(dim, frame, v) for v in others if v is not None)
            ]
            spread[name] = max(dists, default=0.5)
        if not hull:
            return None
        floor = self.length_min / 2
        geo = math.exp(sum(math.log(max(s, floor)) for s in spread.values()) / len(spread))
        if self.length is None:  # sized by how sharply the front's neighbourhood is defined
            self.length = min(max(4 * geo, 4 * self.length_min), self.length_init)
        new = {}
        for name, (lo, hi) in hull.items():
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            weight = min(max(max(spread[name], floor) / geo, 0.5), 2.0)
            margin = min(max(self.length * weight / 2, (hi - lo) / 4, floor), 0.5)
            new[name] = ranged(dim, ctx.frame(name), lo - margin, hi + margin)
        reason = (
            f"trust region {how} around the {len(front)} Pareto-optimal trials "
            f"(margin {self.length:.3g} of the range)"
        )
        return Step(reason, new)
