"""The project's tuple DSL for search spaces, parsed into plain records.

``{'x': ('float', lo, hi)}``, ``('float', lo, hi, 'log')``, ``('int', lo, hi)``,
``('int', lo, hi, 'log')``, ``('categorical', [choices])`` and, on any of them, a trailing
``'when', parent, value`` (``value`` may be a list of values): the parameter is active only
when the parent's value is one of those. Inactive parameters are absent from a params dict.

This module is the harness's own reading of the DSL (it must not import the private modules
of ``adaptive_hyperopt``); the translators to each peer library build on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ParamKind = Literal["float", "int", "categorical"]
SpaceSpec = Mapping[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Condition:
    """A parameter is active only when ``params[parent]`` is one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def holds(self, params: Mapping[str, Any]) -> bool:
        """True when the parent is present in ``params`` with one of the values."""
        return self.parent in params and params[self.parent] in self.values


@dataclass(frozen=True)
class Param:
    """One parameter of a search space."""

    name: str
    kind: ParamKind
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()
    condition: Condition | None = None


def _parse_one(name: str, spec: tuple[Any, ...]) -> Param:
    if not isinstance(spec, tuple) or not spec:
        raise ValueError(f"parameter {name!r}: expected a non-empty tuple, got {spec!r}")
    kind = spec[0]
    rest: tuple[Any, ...]
    if kind == "categorical":
        if len(spec) < 2 or not isinstance(spec[1], (list, tuple)) or not spec[1]:
            raise ValueError(f"parameter {name!r}: categorical needs a non-empty list of choices")
        choices, rest, low, high, log = tuple(spec[1]), spec[2:], 0.0, 0.0, False
    elif kind in ("float", "int"):
        if len(spec) < 3:
            raise ValueError(f"parameter {name!r}: {kind} needs low and high")
        low, high = float(spec[1]), float(spec[2])
        if not low < high:
            raise ValueError(f"parameter {name!r}: low {low} must be below high {high}")
        rest, choices, log = spec[3:], (), False
        if rest and rest[0] == "log":
            log, rest = True, rest[1:]
            if low <= 0:
                raise ValueError(f"parameter {name!r}: a log range needs low > 0")
    else:
        raise ValueError(f"parameter {name!r}: unknown kind {kind!r}")
    condition = None
    if rest:
        if len(rest) != 3 or rest[0] != "when":
            raise ValueError(f"parameter {name!r}: expected 'when', parent, value; got {rest!r}")
        value = rest[2]
        values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        condition = Condition(parent=str(rest[1]), values=values)
    return Param(name, kind, low, high, log, choices, condition)


def parse_space(space: SpaceSpec) -> list[Param]:
    """Parse a DSL space into parameters ordered so that every parent precedes its children."""
    params = {name: _parse_one(name, spec) for name, spec in space.items()}
    ordered: list[Param] = []
    placed: set[str] = set()
    pending = list(params.values())
    while pending:
        progress = False
        for p in list(pending):
            if p.condition is None or p.condition.parent in placed:
                ordered.append(p)
                placed.add(p.name)
                pending.remove(p)
                progress = True
        if not progress:
            for p in pending:
                assert p.condition is not None
                if p.condition.parent not in params:
                    raise ValueError(
                        f"parameter {p.name!r}: condition names unknown parameter "
                        f"{p.condition.parent!r}"
                    )
            raise ValueError(f"cyclic conditions among {[p.name for p in pending]}")
    return ordered


def is_continuous(space: SpaceSpec) -> bool:
    """True when every parameter is an unconditional float (CMA-ES applies)."""
    return all(p.kind == "float" and p.condition is None for p in parse_space(space))


def is_conditional(space: SpaceSpec) -> bool:
    """True when some parameter has a condition."""
    return any(p.condition is not None for p in parse_space(space))


def active_subset(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    """Keep, in order, only the values of parameters whose conditions hold."""
    out: dict[str, Any] = {}
    for p in params:
        if p.name in values and (p.condition is None or p.condition.holds(out)):
            out[p.name] = values[p.name]
    return out


def clip_value(param: Param, value: Any) -> Any:
    """Cast a sampled number to the parameter's type and clip it into its range."""
    if param.kind == "int":
        return int(min(max(round(float(value)), param.low), param.high))
    if param.kind == "float":
        return float(min(max(float(value), param.low), param.high))
    return value
