"""Typed dimensions of a search space: floats, ints and categoricals, with optional conditions."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Any

# Choices Optuna can store as they are; anything else is stored by label (see `encoded_choices`).
_PRIMITIVES = (type(None), bool, int, float, str)


@dataclass(frozen=True)
class Condition:
    """A parameter is active only while `parent` takes one of `values`."""

    parent: str
    values: tuple[Any, ...]

    def holds(self, parent_value: Any) -> bool:
        """Whether `parent_value` activates the conditioned parameter."""
        return any(same_value(parent_value, v) for v in self.values)


def same_value(a: Any, b: Any) -> bool:
    # True == 1 in Python, but a choice of True must not activate a condition on 1.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


@dataclass(frozen=True)
class Dimension:
    """Base of all dimensions. `frozen_value` pins the parameter; `condition` gates it."""

    name: str
    condition: Condition | None = field(default=None, kw_only=True)
    frozen: bool = field(default=False, kw_only=True)
    frozen_value: Any = field(default=None, kw_only=True)

    kind: str = field(default="", init=False)

    def contains(self, value: Any) -> bool:  # pragma: no cover - overridden
        """Whether `value` lies in the dimension's current domain."""
        raise NotImplementedError

    def freeze(self, value: Any) -> Dimension:
        """A copy pinned at `value`."""
        return replace(self, frozen=True, frozen_value=value)

    def unfreeze(self) -> Dimension:
        """A copy sampled again over its current domain."""
        return replace(self, frozen=False, frozen_value=None)


@dataclass(frozen=True)
class Float(Dimension):
    """A real parameter in [low, high], optionally sampled on a log scale."""

    low: float = 0.0
    high: float = 1.0
    log: bool = False
    kind: str = field(default="float", init=False)

    def contains(self, value: Any) -> bool:
        """Whether `value` is a finite number inside [low, high]."""
        return is_number(value) and self.low <= float(value) <= self.high

    def with_range(self, low: float, high: float) -> Float:
        """A copy over [low, high]."""
        return replace(self, low=float(low), high=float(high))


@dataclass(frozen=True)
class Int(Dimension):
    """An integer parameter in [low, high] (both inclusive), optionally log-scaled."""

    low: int = 0
    high: int = 1
    log: bool = False
    kind: str = field(default="int", init=False)

    def contains(self, value: Any) -> bool:
        """Whether `value` is an integer inside [low, high]."""
        return is_integer(value) and self.low <= int(value) <= self.high

    def with_range(self, low: float, high: float) -> Int:
        """A copy over [low, high] (already integers)."""
        return replace(self, low=int(low), high=int(high))


@dataclass(frozen=True)
class Categorical(Dimension):
    """A parameter taking one of `choices` (any Python objects, compared by equality)."""

    choices: tuple[Any, ...] = ()
    kind: str = field(default="categorical", init=False)

    def contains(self, value: Any) -> bool:
        """Whether `value` is one of the choices."""
        return any(same_value(value, c) for c in self.choices)

    def with_choices(self, choices: tuple[Any, ...]) -> Categorical:
        """A copy restricted (or restored) to `choices`."""
        return replace(self, choices=tuple(choices))

    @property
    def encoded_choices(self) -> tuple[Any, ...]:
        """Choices as Optuna stores them: primitives as they are, other objects by a label."""
        return tuple(encode_choice(c) for c in self.choices)

    def decode(self, encoded: Any) -> Any:
        """The original choice for an encoded value."""
        for choice in self.choices:
            if same_value(encode_choice(choice), encoded):
                return choice
        raise KeyError(encoded)


def encode_choice(choice: Any) -> Any:
    """Optuna's categorical distributions hold only None/bool/int/float/str: label the rest."""
    if isinstance(choice, _PRIMITIVES):
        return choice
    return f"{type(choice).__name__}:{choice!r}"


def is_number(value: Any) -> bool:
    """A finite real number (numpy scalars included, bools and strings not)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def is_integer(value: Any) -> bool:
    """A finite number with no fractional part."""
    return is_number(value) and float(value) == int(value)
