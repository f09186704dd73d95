"""Expand: give a numeric range more room when the best trial presses against it, or when
progress stalls.

- Near a bound: when the best trial lies within `edge` (a fraction of the current width) of a
  bound of the current range, or outside it (a trial from the whole-space share found
  something better), that side moves out by `grow` times the width, up to the user's range.
  At a bound the user never edited, with `expand_beyond_bounds` allowed, it moves past the
  declared bound by `beyond_step` times the declared width (a log scale stays above zero).
- Stall: when the best improved by less than `min_improvement_threshold` over the last
  interval, every narrowed range widens by `stall_factor` around its centre. While the `narrow`
  strategy is installed it owns stalls instead (TuRBO shrinks, then restarts), so this rule
  waits for it: two strategies must not answer one signal in opposite ways.
- "The best trial" is the one the trust region surrounds when `narrow` notes it: after a move
  to another basin, the old basin's best lies outside the box and must not drag it back.

Several objectives: "the best trial" is the front. A side moves out when any Pareto-optimal
trial lies within `edge` of it (or outside it): the front is pressing there. A stall is a
hypervolume gain below the threshold (`Context.improvement`).
"""

from __future__ import annotations

import math

from ..space._dimensions import Dimension, Float, Int
from ._base import Context, Step, Strategy, from_unit, ranged, span, to_unit


class Expand(Strategy):
    """The `expand` strategy."""

    name = "expand"

    def __init__(
        self,
        edge: float = 0.1,
        grow: float = 0.5,
        beyond_step: float = 0.25,
        stall_factor: float = 1.5,
    ) -> None:
        self.edge = edge
        self.grow = grow
        self.beyond_step = beyond_step
        self.stall_factor = stall_factor

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Push bounds the best trial presses against; widen on a stall (see module doc)."""
        # after `narrow` moved to another basin, its box's best trial, not the old basin's
        best = ctx.notes.get("centre") or ctx.best
        if best is None:
            return None
        front = ctx.front() if ctx.multi else [best]
        new: dict[str, Dimension] = {}
        why: list[str] = []
        for name in ctx.numeric(dims):
            values = [float(v) for t in front if (v := ctx.value(t, name)) is not None]
            if not values:
                continue
            dim = dims[name]
            assert isinstance(dim, Float | Int)
            moved = self._push(ctx, name, dim, min(values), max(values))
            if moved is not None:
                new[name], side = moved
                why.append(f"{name!r} {side}")
        if why:
            who = (
                f"{len(front)} Pareto-optimal trials" if ctx.multi else f"best trial #{best.number}"
            )
            return Step(f"{who} near a bound: " + ", ".join(why), new)
        if ctx.stalled and "narrow" not in ctx.active:
            return self._widen(ctx, dims)
        return None

    def _push(
        self, ctx: Context, name: str, dim: Float | Int, low: float, high: float
    ) -> tuple[Dimension, str] | None:
        """Move the sides that `low` (the lowest value among the best trials) or `high` (the
        highest) press against; one best trial gives both."""
        frame = ctx.frame(name)
        lo, hi = span(dim, frame)
        u_low, u_high = to_unit(dim, frame, low), to_unit(dim, frame, high)
        width = hi - lo
        new_lo, new_hi = lo, hi
        if u_low <= lo + self.edge * width:
            new_lo = max(min(lo - self.grow * width, u_low - self.edge * width), 0.0)
        if u_high >= hi - self.edge * width:
            new_hi = min(max(hi + self.grow * width, u_high + self.edge * width), 1.0)
        moved = ranged(dim, frame, new_lo, new_hi) if (new_lo, new_hi) != (lo, hi) else dim
        sides = []
        if moved != dim:
            sides.append("widened towards it")
        beyond = self._beyond(ctx, name, moved, u_low, u_high, lo, hi, width)
        if beyond is not None:
            moved = beyond
            sides.append("past its declared bound")
        return (moved, " and ".join(sides)) if moved != dim else None

    def _beyond(
        self,
        ctx: Context,
        name: str,
        dim: Float | Int,
        u_low: float,
        u_high: float,
        lo: float,
        hi: float,
        width: float,
    ) -> Float | Int | None:
        """`dim` past its declared bound on the side the best presses, when that is allowed."""
        if not ctx.beyond or name in ctx.space.user:
            return None
        declared = ctx.space.original[name]
        assert isinstance(declared, Float | Int)
        frame = ctx.frame(name)
        step = self.beyond_step * (
            to_unit(dim, frame, declared.high) - to_unit(dim, frame, declared.low)
        )
        low, high = float(dim.low), float(dim.high)
        if u_low <= lo + self.edge * width and low <= declared.low:
            low = from_unit(dim, frame, to_unit(dim, frame, low) - step)
        if u_high >= hi - self.edge * width and high >= declared.high:
            high = from_unit(dim, frame, to_unit(dim, frame, high) + step)
        if (low, high) == (float(dim.low), float(dim.high)):
            return None
        if isinstance(dim, Int):
            low, high = math.floor(low), math.ceil(high)
            if dim.log:
                low = max(low, 1)
        elif dim.log:
            low = max(low, float(dim.low) / 10)  # log scales stay positive
        if not math.isfinite(low) or not math.isfinite(high):
            return None
        return dim.with_range(low, high)

    def _widen(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        new = widened(ctx, dims, self.stall_factor)
        if not new:
            return None
        assert ctx.improvement is not None
        return Step(
            f"improvement {ctx.improvement:.3g} below {ctx.threshold:g} over the last interval: "
            f"widened {', '.join(repr(n) for n in new)} x{self.stall_factor:g}",
            new,
        )


def widened(ctx: Context, dims: dict[str, Dimension], factor: float) -> dict[str, Dimension]:
    """Every narrowed numeric range of `dims` widened `factor` times around its centre,
    inside its frame (the user's range)."""
    new: dict[str, Dimension] = {}
    for name in ctx.numeric(dims):
        dim = dims[name]
        assert isinstance(dim, Float | Int)
        frame = ctx.frame(name)
        lo, hi = span(dim, frame)
        if lo <= 1e-12 and hi >= 1.0 - 1e-12:
            continue  # already the whole range
        centre, half = (lo + hi) / 2, (hi - lo) / 2 * factor
        new[name] = ranged(dim, frame, centre - half, centre + half)
    return new
