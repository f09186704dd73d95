"""Translators from the tuple DSL to each peer library's way of writing a search space.

* Optuna: define-by-run (conditional parameters are simply not suggested when inactive).
* Hyperopt: ``hp.*`` expressions; a categorical parent with children becomes ``hp.choice``
  over one dict per value, holding the children active for that value (labels of children
  that live in several branches get the branch as suffix, as Hyperopt needs unique labels).
* scikit-optimize: a flat encoding: every parameter is a dimension, always sampled; before
  calling the objective, the parameters whose condition does not hold are dropped.

Hyperopt and scikit-optimize are imported lazily, so a missing one breaks only its contender.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from benchmarks.space import Param, SpaceSpec, active_subset, clip_value, parse_space

if TYPE_CHECKING:
    import optuna


def suggest_optuna(trial: optuna.Trial, params: Sequence[Param]) -> dict[str, Any]:
    """Sample the active parameters of ``params`` (parents first) from an Optuna trial."""
    out: dict[str, Any] = {}
    for p in params:
        if p.condition is not None and not p.condition.holds(out):
            continue
        if p.kind == "float":
            out[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
        elif p.kind == "int":
            out[p.name] = trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
        else:
            out[p.name] = trial.suggest_categorical(p.name, list(p.choices))
    return out


# --------------------------------------------------------------------------- hyperopt


def _check_parents_categorical(params: Sequence[Param]) -> None:
    kinds = {p.name: p.kind for p in params}
    for p in params:
        if p.condition is not None and kinds[p.condition.parent] != "categorical":
            raise ValueError(
                f"parameter {p.name!r}: the hyperopt encoding needs a categorical parent, "
                f"{p.condition.parent!r} is {kinds[p.condition.parent]}"
            )


def hyperopt_space(space: SpaceSpec) -> dict[str, Any]:
    """Build a Hyperopt space (a dict of ``hp.*`` nodes, nested ``hp.choice`` for branches)."""
    from hyperopt import hp

    params = parse_space(space)
    _check_parents_categorical(params)
    children: dict[str, list[Param]] = {p.name: [] for p in params}
    for p in params:
        if p.condition is not None:
            children[p.condition.parent].append(p)

    def node(p: Param, label: str) -> Any:
        if p.kind == "float":
            if p.log:
                return hp.loguniform(label, math.log(p.low), math.log(p.high))
            return hp.uniform(label, p.low, p.high)
        if p.kind == "int":
            if p.log:
                return hp.qloguniform(label, math.log(p.low), math.log(p.high), 1)
            return hp.uniformint(label, int(p.low), int(p.high))
        if not children[p.name]:
            return hp.choice(label, list(p.choices))
        return hp.choice(label, [branch(p, value, label) for value in p.choices])

    def branch(parent: Param, value: Any, parent_label: str) -> dict[str, Any]:
        out: dict[str, Any] = {parent.name: value}
        for child in children[parent.name]:
            assert child.condition is not None
            if value not in child.condition.values:
                continue
            if len(child.condition.values) == 1 and parent_label == parent.name:
                label = child.name
            else:
                label = f"{child.name}[{parent_label}={value}]"
            out[child.name] = node(child, label)
        return out

    return {p.name: node(p, p.name) for p in params if p.condition is None}


def hyperopt_decode(space: SpaceSpec, sample: dict[str, Any]) -> dict[str, Any]:
    """Flatten a Hyperopt sample (nested branch dicts) into a params dict of the DSL."""
    params = parse_space(space)
    flat: dict[str, Any] = {}

    def walk(d: dict[str, Any]) -> None:
        for key, value in d.items():
            if isinstance(value, dict):
                walk(value)
            else:
                flat[key] = value

    walk(sample)
    by_name = {p.name: p for p in params}
    cast = {k: clip_value(by_name[k], v) for k, v in flat.items()}
    return active_subset(params, cast)


# --------------------------------------------------------------------------- skopt


def _category_labels(p: Param) -> list[str]:
    labels = [str(c) for c in p.choices]
    if len(set(labels)) != len(labels):
        labels = [f"{i}:{c}" for i, c in enumerate(p.choices)]
    return labels


def skopt_dimensions(space: SpaceSpec) -> list[Any]:
    """Flat scikit-optimize dimensions, one per parameter, in ``parse_space`` order.

    Categories are passed to skopt as their string labels and mapped back by
    :func:`skopt_decode`, because skopt's categorical transform wants uniform types.
    """
    from skopt.space import Categorical, Integer, Real

    dims: list[Any] = []
    for p in parse_space(space):
        if p.kind == "float":
            prior = "log-uniform" if p.log else "uniform"
            dims.append(Real(p.low, p.high, prior=prior, name=p.name))
        elif p.kind == "int":
            prior = "log-uniform" if p.log else "uniform"
            dims.append(Integer(int(p.low), int(p.high), prior=prior, name=p.name))
        else:
            dims.append(Categorical(_category_labels(p), name=p.name))
    return dims


def skopt_decode(space: SpaceSpec, x: Sequence[Any]) -> dict[str, Any]:
    """Map a flat skopt point back to a params dict, dropping inactive parameters."""
    params = parse_space(space)
    values: dict[str, Any] = {}
    for p, v in zip(params, x, strict=True):
        if p.kind == "categorical":
            values[p.name] = p.choices[_category_labels(p).index(str(v))]
        else:
            values[p.name] = clip_value(p, v)
    return active_subset(params, values)
