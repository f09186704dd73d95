"""The tuple DSL of the specification -> typed dimensions, validated before any trial runs.

('float', low, high[, 'log'])            ('int', low, high[, 'log'])
('categorical', [choice, ...])
any of them followed by 'when', parent, value-or-list-of-values
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ._dimensions import (
    Categorical,
    Condition,
    Dimension,
    Float,
    Int,
    exact_value,
    is_integer,
    is_number,
)

_TYPE_WORDS = ("float", "int", "categorical")


def parse_dimension(name: str, spec: Any) -> Dimension:
    """Parse one entry of the search-space dict; raise ValueError naming `name` when invalid."""
    if isinstance(spec, Dimension):
        return spec if spec.name == name else _renamed(spec, name)
    if not isinstance(name, str) or not name:
        raise ValueError(f"search_space: parameter names must be non-empty strings, got {name!r}")
    if not isinstance(spec, tuple | list) or not spec:
        raise ValueError(
            f"search_space[{name!r}]: expected a tuple such as ('float', 0.0, 1.0), got {spec!r}"
        )
    spec = tuple(spec)
    type_word = spec[0]
    if type_word not in _TYPE_WORDS:
        raise ValueError(
            f"search_space[{name!r}]: unknown type {type_word!r}; expected one of "
            f"{', '.join(repr(t) for t in _TYPE_WORDS)}"
        )
    body, condition = _split_condition(name, spec)
    if type_word == "categorical":
        return _categorical(name, body, condition)
    return _numeric(name, type_word, body, condition)


def _renamed(dim: Dimension, name: str) -> Dimension:
    return replace(dim, name=name)


def _split_condition(name: str, spec: tuple[Any, ...]) -> tuple[tuple[Any, ...], Condition | None]:
    if not any(isinstance(x, str) and x == "when" for x in spec[1:]):
        return spec, None
    at = spec.index("when", 1)
    tail = spec[at + 1 :]
    if len(tail) != 2:
        raise ValueError(
            f"search_space[{name!r}]: a condition is written 'when', PARENT, VALUE "
            f"(VALUE may be a list), got {spec[at:]!r}"
        )
    parent, values = tail
    if not isinstance(parent, str):
        raise ValueError(f"search_space[{name!r}]: condition parent must be a name, got {parent!r}")
    if parent == name:
        raise ValueError(f"search_space[{name!r}]: a parameter cannot be conditioned on itself")
    vals = tuple(values) if isinstance(values, list | tuple | set | frozenset) else (values,)
    if not vals:
        raise ValueError(f"search_space[{name!r}]: condition on {parent!r} lists no values")
    return spec[:at], Condition(parent, vals)


def _numeric(
    name: str, type_word: str, body: tuple[Any, ...], condition: Condition | None
) -> Dimension:
    if len(body) not in (3, 4):
        raise ValueError(
            f"search_space[{name!r}]: expected ({type_word!r}, low, high) or "
            f"({type_word!r}, low, high, 'log'), got {body!r}"
        )
    low, high = body[1], body[2]
    log = False
    if len(body) == 4:
        if body[3] != "log":
            raise ValueError(
                f"search_space[{name!r}]: the fourth element may only be 'log', got {body[3]!r}"
            )
        log = True
    check = is_integer if type_word == "int" else is_number
    what = "an integer" if type_word == "int" else "a finite number"
    for label, bound in (("low", low), ("high", high)):
        if not check(bound):
            raise ValueError(f"search_space[{name!r}]: {label} must be {what}, got {bound!r}")
    validate_range(name, type_word, float(low), float(high), log)
    if type_word == "int":
        return Int(name, int(low), int(high), log, condition=condition)
    return Float(name, float(low), float(high), log, condition=condition)


def validate_range(name: str, type_word: str, low: float, high: float, log: bool) -> None:
    """Raise ValueError naming `name` unless [low, high] is a valid range for the dimension."""
    try:
        finite = math.isfinite(low) and math.isfinite(high) and math.isfinite(high - low)
    except OverflowError:  # an int beyond the float range
        finite = False
    if not finite:
        raise ValueError(
            f"search_space[{name!r}]: bounds must be finite, with a finite width, "
            f"got [{low}, {high}]"
        )
    if low >= high:
        raise ValueError(
            f"search_space[{name!r}]: low must be below high, got low={_fmt(low, type_word)} "
            f">= high={_fmt(high, type_word)}"
        )
    if log and low <= 0:
        raise ValueError(
            f"search_space[{name!r}]: a log-scaled range needs low > 0, "
            f"got low={_fmt(low, type_word)}"
        )


def _fmt(v: float, type_word: str) -> str:
    return str(int(v)) if type_word == "int" else repr(v)


def _categorical(name: str, body: tuple[Any, ...], condition: Condition | None) -> Categorical:
    if len(body) != 2 or not isinstance(body[1], Sequence) or isinstance(body[1], str):
        raise ValueError(
            f"search_space[{name!r}]: expected ('categorical', [choice, ...]), got {body!r}"
        )
    choices = tuple(body[1])
    validate_choices(name, choices)
    return Categorical(name, choices, condition=condition)


def validate_choices(name: str, choices: tuple[Any, ...]) -> None:
    """Raise ValueError naming `name` for an empty or duplicated list of choices.

    Choices are compared as stored (see `Categorical`): 1, 1.0 and True are three choices,
    but a string that spells another choice's label ("bool:True" beside True and 1) is refused,
    since Optuna could not tell the two apart.
    """
    if not choices:
        raise ValueError(f"search_space[{name!r}]: categorical choices must not be empty")
    labels = Categorical(name, choices).encoded_choices
    for i, (choice, label) in enumerate(zip(choices, labels, strict=True)):
        for j in range(i):
            if exact_value(label, labels[j]):
                if exact_value(choice, choices[j]):
                    raise ValueError(
                        f"search_space[{name!r}]: choice {choice!r} appears more than once"
                    )
                raise ValueError(
                    f"search_space[{name!r}]: choices {choices[j]!r} and {choice!r} would be "
                    f"stored as the same value {label!r}; rename one of them"
                )


def parse_space(search_space: Mapping[str, Any]) -> dict[str, Dimension]:
    """Parse and cross-validate a whole search-space dict (conditions, cycles)."""
    if not isinstance(search_space, Mapping):
        raise ValueError(
            "search_space must be a dict of parameter name -> tuple, "
            f"got {type(search_space).__name__}"
        )
    if not search_space:
        raise ValueError("search_space must define at least one parameter")
    dims = {name: parse_dimension(name, spec) for name, spec in search_space.items()}
    for dim in list(dims.values()):
        cond = dim.condition
        if cond is None:
            continue
        parent = dims.get(cond.parent)
        if parent is None:
            raise ValueError(
                f"search_space[{dim.name!r}]: condition names {cond.parent!r}, which is not a "
                f"parameter of the search space"
            )
        if isinstance(parent, Float):
            raise ValueError(
                f"search_space[{dim.name!r}]: conditions need a categorical or int parent; "
                f"{cond.parent!r} is a float"
            )
        for value in cond.values:
            if not parent.contains(value):
                raise ValueError(
                    f"search_space[{dim.name!r}]: condition value {value!r} is not a value "
                    f"{cond.parent!r} can take"
                )
        # Conditions compare exactly (1 is not 1.0 nor True): hold the parent's own values.
        dims[dim.name] = replace(dim, condition=Condition(cond.parent, _exact(parent, cond.values)))
    _check_acyclic(dims)
    return dims


def _exact(parent: Dimension, values: tuple[Any, ...]) -> tuple[Any, ...]:
    if isinstance(parent, Categorical):
        return tuple(parent.choice(v) for v in values)
    return tuple(int(v) for v in values)  # an Int parent


def _check_acyclic(dims: Mapping[str, Dimension]) -> None:
    for start in dims.values():
        seen = [start.name]
        dim = start
        while dim.condition is not None:
            parent = dim.condition.parent
            if parent in seen:
                cycle = " -> ".join([*seen, parent])
                raise ValueError(f"search_space[{start.name!r}]: conditions form a cycle: {cycle}")
            seen.append(parent)
            dim = dims[parent]
