"""Optuna pruners from `enable_pruning`, `pruning_patience` and `pruner_config`."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import optuna

from .._validation import unknown_keyword
from ._hyperband import StableHyperband

PRUNERS: dict[str, type[optuna.pruners.BasePruner]] = {
    "median": optuna.pruners.MedianPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "patient": optuna.pruners.PatientPruner,
    "wilcoxon": optuna.pruners.WilcoxonPruner,
    "threshold": optuna.pruners.ThresholdPruner,
    "nop": optuna.pruners.NopPruner,
}
# The percentile pruner has no default percentile; ours is the median's.
_DEFAULTS: dict[str, dict[str, Any]] = {"percentile": {"percentile": 50.0}}


def build_pruner(
    enable_pruning: bool,
    pruner_config: Mapping[str, Any] | None,
    pruning_patience: int | None,
    bracket_key: Callable[[], str] | None = None,
) -> optuna.pruners.BasePruner:
    """The study's pruner.

    `pruner_config['pruner_type']` picks the pruner (default "median") and its other keys are
    that pruner's options, checked against its signature. `pruning_patience` is how many trials
    must complete before any trial is pruned: the `n_startup_trials` of the median and
    percentile pruners (unless pruner_config sets it), and the `patience` of "patient", which
    takes `wrapped`, a nested pruner_config. The other pruners have their own warm-up options
    (`min_resource`, `n_startup_steps`, `n_warmup_steps`). Raises ValueError naming the key at
    fault, before any trial runs. `bracket_key`, called only for Hyperband, gives the key its
    brackets are chosen by (`StableHyperband`); without it, Optuna's own (the study's name).
    """
    if not enable_pruning:
        return optuna.pruners.NopPruner()
    config = dict(pruner_config or {})
    kind = config.pop("pruner_type", "median")
    if pruning_patience is not None and kind in ("median", "percentile"):
        config.setdefault("n_startup_trials", pruning_patience)
    with warnings.catch_warnings():  # PatientPruner and WilcoxonPruner are "experimental"
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _build(kind, config, pruning_patience, "pruner_config", bracket_key)


def _build(
    kind: Any,
    options: dict[str, Any],
    patience: int | None,
    where: str,
    bracket_key: Callable[[], str] | None = None,
) -> optuna.pruners.BasePruner:
    if kind not in PRUNERS:
        raise ValueError(
            f"{where}['pruner_type'] must be one of {', '.join(map(repr, PRUNERS))}, got {kind!r}"
        )
    cls = PRUNERS[kind]
    accepted = [p for p in inspect.signature(cls).parameters if p != "wrapped_pruner"]
    if kind == "patient":
        accepted.append("wrapped")
    for key in options:
        if key not in accepted:
            raise unknown_keyword(
                f"{where} for pruner_type={kind!r}", key, ["pruner_type", *accepted]
            )
    options = {**_DEFAULTS.get(kind, {}), **options}
    if kind == "patient":
        wrapped = options.pop("wrapped", None)
        if wrapped is not None:
            if not isinstance(wrapped, Mapping):
                raise ValueError(
                    f"{where}['wrapped'] must be a pruner_config dict, got {wrapped!r}"
                )
            inner = dict(wrapped)
            options["wrapped_pruner"] = _build(
                inner.pop("pruner_type", "median"), inner, None, f"{where}['wrapped']", bracket_key
            )
        else:
            options["wrapped_pruner"] = None
        options.setdefault("patience", 5 if patience is None else patience)
    try:
        if kind == "hyperband" and bracket_key is not None:
            return StableHyperband(bracket_key(), **options)
        return cls(**options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where} for pruner_type={kind!r}: {exc}") from exc
