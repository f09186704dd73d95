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
  `success_tolerance` successes in a row, halves it after `failure_tolerance` failures in a row.
- Restart: when the length falls below `length_min` the box opens to the user's whole range,
  and the next box is centred on the best trial found after the restart, so another basin can
  take over (TuRBO restarts from scratch for the same reason).

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

from ..space._dimensions import Dimension, Float, Int
from ._base import Context, Step, Strategy, ranged, to_unit


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

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Open, resize, move or restart the box; see the module docstring."""
        names = ctx.numeric(dims)
        if not names:
            return None
        trials = [t for t in ctx.trials if t.number >= self.since]
        needed = max(self.min_trials, 2 * (len(names) + 1))
        if len(trials) < needed:
            return Step(f"waiting for {needed} completed trials (have {len(trials)})")
        if self.length is None:
            return self._open(ctx, dims, names, trials, "opened")
        how = self._count(ctx)
        if self.length < self.length_min:
            return self._restart(ctx, dims, names)
        return self._open(ctx, dims, names, trials, how)

    def _count(self, ctx: Context) -> str:
        assert self.length is not None
        if ctx.improvement is None:
            return "kept"
        if ctx.improvement > ctx.threshold:
            self.successes, self.failures = self.successes + 1, 0
            if self.successes >= self.success_tolerance:
                self.length, self.successes = min(2 * self.length, self.length_max), 0
                return f"grown after {self.success_tolerance} improvements"
            return "moved (an improvement)"
        self.failures, self.successes = self.failures + 1, 0
        if self.failures >= self.failure_tolerance:
            self.length, self.failures = self.length / 2, 0
            return f"shrunk after {self.failure_tolerance} checkpoints without improvement"
        return "kept (no improvement)"

    def _restart(self, ctx: Context, dims: dict[str, Dimension], names: list[str]) -> Step:
        self.length, self.successes, self.failures = None, 0, 0
        self.since = len(ctx.study.get_trials(deepcopy=False))
        self.restarts += 1
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
        if self.length is None:  # sized by how consistent the top trials are
            self.length = min(max(4 * geo, 4 * self.length_min), self.length_init)
        new = {}
        for name, u in centre.items():
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            weight = min(max(max(spread[name], floor) / geo, 0.5), 2.0)
            half = min(max(self.length * weight / 2, floor), 0.5)
            new[name] = ranged(dim, ctx.frame(name), u - half, u + half)
        reason = (
            f"trust region {how} around trial #{best.number} (side {self.length:.3g} of the range)"
        )
        return Step(reason, new)

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
