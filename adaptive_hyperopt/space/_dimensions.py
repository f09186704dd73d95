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
        return any(exact_value(parent_value, v) for v in self.values)


def same_value(a: Any, b: Any) -> bool:
    """Equality for user input: 2.0 matches 2, but a bool matches only a bool."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return _equal(a, b)


def exact_value(a: Any, b: Any) -> bool:
    """Equality that also tells 1, 1.0 and True apart (numpy scalars count as int or float)."""
    if _kind(a) != _kind(b):
        return False
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(exact_value(x, y) for x, y in zip(a, b, strict=True))
    return _equal(a, b)


def _kind(value: Any) -> Any:
    if isinstance(value, bool):
        return bool
    if isinstance(value, numbers.Integral):
        return int
    if isinstance(value, numbers.Real):
        return float
    return type(value)


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # objects whose == is not a truth value (arrays)
        return a is b


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
    """A parameter taking one of `choices` (any Python objects).

    Optuna stores a choice by its position in a list that it searches with `==`, where
    1 == 1.0 == True. So choices Optuna cannot hold (tuples, objects), and choices equal to
    another choice of a different type ([1, True], [1.0, 1], [0, False]), are stored under a
    label such as "bool:True"; `encode` and `decode` map exactly, type included.
    """

    choices: tuple[Any, ...] = ()
    kind: str = field(default="categorical", init=False)
    _labels: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_labels", _labels(self.choices))

    def contains(self, value: Any) -> bool:
        """Whether `value` is one of the choices."""
        return self.index(value) is not None

    def index(self, value: Any) -> int | None:
        """The position of `value` among the choices: an exact match first (1 is not 1.0),
        else the one choice equal to it (2.0 finds 2); None when there is none."""
        for i, choice in enumerate(self.choices):
            if exact_value(choice, value):
                return i
        loose = [i for i, c in enumerate(self.choices) if same_value(c, value)]
        return loose[0] if len(loose) == 1 else None

    def choice(self, value: Any) -> Any:
        """The choice object `value` stands for (KeyError when it is not a choice)."""
        i = self.index(value)
        if i is None:
            raise KeyError(value)
        return self.choices[i]

    def with_choices(self, choices: tuple[Any, ...]) -> Categorical:
        """A copy restricted (or restored) to `choices`."""
        return replace(self, choices=tuple(choices))

    @property
    def encoded_choices(self) -> tuple[Any, ...]:
        """Choices as Optuna stores them: primitives as they are, the others by a label."""
        return self._labels

    def encode(self, value: Any) -> Any:
        """The stored form of the choice `value` (KeyError when it is not a choice)."""
        i = self.index(value)
        if i is None:
            raise KeyError(value)
        return self._labels[i]

    def decode(self, encoded: Any) -> Any:
        """The original choice for a stored value; the match is exact (True is not 1)."""
        for choice, label in zip(self.choices, self._labels, strict=True):
            if exact_value(label, encoded):
                return choice
        raise KeyError(encoded)


def _labels(choices: tuple[Any, ...]) -> tuple[Any, ...]:
    labels = []
    for i, choice in enumerate(choices):
        clash = any(
            j != i and _equal(choice, other) and not exact_value(choice, other)
            for j, other in enumerate(choices)
        )
        labels.append(encode_choice(choice) if not clash else _label(choice))
    return tuple(labels)


def _label(choice: Any) -> str:
    return f"{type(choice).__name__}:{choice!r}"


def encode_choice(choice: Any) -> Any:
    """Optuna's categorical distributions hold only None/bool/int/float/str: label the rest.

    Use `Categorical.encode` for a choice of a known parameter: it also labels choices that
    equal another choice of a different type.
    """
    if isinstance(choice, _PRIMITIVES):
        return choice
    return _label(choice)


def is_number(value: Any) -> bool:
    """A finite real number (numpy scalars included, bools and strings not)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int beyond the float range
        return False


def is_integer(value: Any) -> bool:
    """A finite number with no fractional part."""
    return is_number(value) and float(value) == int(value)
