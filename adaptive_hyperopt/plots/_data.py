"""Plot data: plain, JSON-ready records computed from an Optuna study.

Every function here returns a dict of lists, strings, numbers and None (never numpy types, never
NaN or infinities: a non-finite value becomes None), with a `kind` naming its renderer. The
matplotlib renderers draw these records and the live dashboard will send the same records to the
browser, so nothing here imports matplotlib.
"""

from __future__ import annotations

import datetime
import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)
from optuna.trial import FrozenTrial, TrialState

from ..runner._driver import (
    ATTR_BACKEND,
    ATTR_FAIL_REASON,
    ATTR_SPACE_VERSION,
    STUDY_ATTR_SPACE,
    STUDY_ATTR_SPACE_LOG,
)

Record = dict[str, Any]

#: PED-ANOVA looks at the top `target_quantile` of trials; Optuna advises at least 5 of them,
#: so small studies use a larger quantile (see `importance_data`).
_MIN_TOP_TRIALS = 5
_MAX_FAILURES_LISTED = 20
_INACTIVE = object()  # a conditional parameter absent from a trial


def _num(x: Any) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    try:
        f = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _directions(study: optuna.Study) -> list[str]:
    return [d.name.lower() for d in study.directions]


def _objective_names(study: optuna.Study) -> list[str]:
    names = study.metric_names
    if names is not None:
        return list(names)
    n = len(study.directions)
    return ["objective"] if n == 1 else [f"objective {i}" for i in range(n)]


def _objective_index(study: optuna.Study, objective: int | None) -> int:
    n = len(study.directions)
    if objective is None:
        return 0
    if isinstance(objective, bool) or not isinstance(objective, int) or not 0 <= objective < n:
        raise ValueError(f"objective must be an index in 0..{n - 1}, got {objective!r}")
    return objective


def _complete(study: optuna.Study, index: int) -> list[tuple[FrozenTrial, float]]:
    """COMPLETE trials by number, with a finite value of objective `index`."""
    out = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        value = _num(t.values[index]) if t.values else None
        if value is not None:
            out.append((t, value))
    out.sort(key=lambda tv: tv[0].number)
    return out


def _header(study: optuna.Study, kind: str, index: int | None) -> Record:
    names = _objective_names(study)
    directions = _directions(study)
    head: Record = {"kind": kind, "study": study.study_name}
    if index is None:
        head.update(objectives=names, directions=directions)
    else:
        head.update(objective=names[index], direction=directions[index])
    return head


def _space_changes(study: optuna.Study, trials: Sequence[FrozenTrial]) -> list[Record]:
    """Every recorded space change after the first space, placed at the first trial using it.

    `trial` is the first trial (by number) sampled under that version or a later one; None when
    no trial has run under it yet.
    """
    log = study.user_attrs.get(STUDY_ATTR_SPACE_LOG) or []
    versions = sorted(
        (int(v), t.number)
        for t in trials
        if isinstance(v := t.user_attrs.get(ATTR_SPACE_VERSION), int)
    )
    changes = []
    for entry in log[1:]:
        version = entry.get("version")
        first = (
            min((n for v, n in versions if v >= version), default=None)
            if isinstance(version, int)
            else None
        )
        changes.append(
            {
                "version": version,
                "source": entry.get("source", ""),
                "reason": entry.get("reason", ""),
                "time": _num(entry.get("time")),
                "trial": first,
            }
        )
    return changes


def history_data(study: optuna.Study, objective: int | None = None) -> Record:
    """Values and best-so-far per COMPLETE trial, failed and pruned trials, space changes.

    `objective` picks one objective of a multi-objective study (default: the first). Keys:
    numbers, values, best_so_far, space_versions (one per COMPLETE trial, by trial number),
    failed and pruned (trial numbers), best ({number, value} or None) and space_changes
    ([{version, source, reason, time, trial}]).
    """
    index = _objective_index(study, objective)
    maximize = _directions(study)[index] == "maximize"
    trials = study.get_trials(deepcopy=False)
    numbers: list[int] = []
    values: list[float] = []
    best_so_far: list[float] = []
    space_versions: list[int | None] = []
    best: Record | None = None
    for t, value in _complete(study, index):
        if best is None or (value > best["value"] if maximize else value < best["value"]):
            best = {"number": t.number, "value": value}
        numbers.append(t.number)
        values.append(value)
        best_so_far.append(best["value"])
        space_versions.append(t.user_attrs.get(ATTR_SPACE_VERSION))
    return {
        **_header(study, "history", index),
        "numbers": numbers,
        "values": values,
        "best_so_far": best_so_far,
        "space_versions": space_versions,
        "failed": sorted(t.number for t in trials if t.state == TrialState.FAIL),
        "pruned": sorted(t.number for t in trials if t.state == TrialState.PRUNED),
        "best": best,
        "space_changes": _space_changes(study, trials),
    }


def _evaluator(name: str | BaseImportanceEvaluator, n_complete: int) -> BaseImportanceEvaluator:
    if isinstance(name, BaseImportanceEvaluator):
        return name
    if name == "ped_anova":
        # at least _MIN_TOP_TRIALS trials in the top quantile, as Optuna advises, up to half
        quantile = min(0.5, max(0.1, _MIN_TOP_TRIALS / max(n_complete, 1)))
        return PedAnovaImportanceEvaluator(target_quantile=quantile)
    if name == "fanova":
        return FanovaImportanceEvaluator(seed=0)  # seeded: the same study gives the same plot
    raise ValueError(
        f"evaluator must be 'ped_anova', 'fanova' or an optuna.importance evaluator, got {name!r}"
    )


def _evaluator_name(evaluator: BaseImportanceEvaluator) -> str:
    names: dict[type, str] = {
        PedAnovaImportanceEvaluator: "PED-ANOVA",
        FanovaImportanceEvaluator: "fANOVA",
    }
    return names.get(type(evaluator), type(evaluator).__name__)


def importance_data(
    study: optuna.Study,
    evaluator: str | BaseImportanceEvaluator = "ped_anova",
    objective: int | None = None,
    params: Sequence[str] | None = None,
) -> Record:
    """Parameter importances (normalized to sum to 1), most important first.

    `evaluator`: "ped_anova" (default: milliseconds even for thousands of trials, handles
    conditional parameters and ranges that changed mid-study), "fanova" (a random forest: about
    20 s at 1000 trials on 2 cores; it only rates parameters sampled with the same range in every
    trial) or any Optuna importance evaluator. PED-ANOVA rates what it takes to reach the top
    trials: the top 10%, or the top 5 trials of a small study (up to half of it). On a
    multi-objective study, `objective=None` rates reaching the Pareto front (PED-ANOVA only);
    an index rates that objective. Keys: params, importances, evaluator, n_trials, note (why the
    lists are empty, or the evaluator's caveats, or None).
    """
    multi = len(study.directions) > 1
    index = None if multi and objective is None else _objective_index(study, objective)
    n = len(_complete(study, index or 0))
    chosen = _evaluator(evaluator, n)
    head = _header(study, "importance", index)
    if index is None:
        head.update(objective="Pareto front", direction=None)
    empty = {"params": [], "importances": [], "evaluator": _evaluator_name(chosen), "n_trials": n}
    if n < 2:
        return {**head, **empty, "note": "importance needs at least 2 completed trials"}
    target: Callable[[FrozenTrial], float] | None = None
    if multi and index is not None:
        sign = -1.0 if _directions(study)[index] == "maximize" else 1.0  # PED-ANOVA: lower wins
        target = lambda t: sign * t.values[index]  # noqa: E731
    elif multi and isinstance(chosen, FanovaImportanceEvaluator):
        raise ValueError("fANOVA rates one objective: pass objective=<index>")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = get_param_importances(
            study, evaluator=chosen, params=list(params) if params else None, target=target
        )
    # the evaluator's caveats (e.g. few trials in a range that changed) go with the plot;
    # PED-ANOVA's reminder that it minimizes `target` is handled by the sign above
    notes = [str(w.message) for w in caught if "low `target` values" not in str(w.message)]
    ranked = sorted(scores.items(), key=lambda kv: -float(kv[1]))
    if not ranked:
        return {**head, **empty, "note": "no parameter could be rated"}
    return {
        **head,
        **empty,
        "params": [name for name, _ in ranked],
        "importances": [_num(v) or 0.0 for _, v in ranked],
        "note": " ".join(dict.fromkeys(notes)) or None,
    }


def _axis(name: str, dists: Sequence[BaseDistribution], values: list[Any]) -> Record:
    """One parameter axis: its type, scale and extent over every range it was sampled from."""
    first = dists[0]
    if isinstance(first, CategoricalDistribution):
        choices: list[Any] = []
        for d in dists:
            assert isinstance(d, CategoricalDistribution)
            choices.extend(c for c in d.choices if c not in choices)
        return {
            "name": name,
            "type": "categorical",
            "log": False,
            "low": None,
            "high": None,
            "choices": choices,
            # indices into choices: a choice may itself be None, which marks an inactive value
            "values": [None if v is _INACTIVE else choices.index(v) for v in values],
        }
    numeric = [d for d in dists if isinstance(d, FloatDistribution | IntDistribution)]
    return {
        "name": name,
        "type": "int" if isinstance(first, IntDistribution) else "float",
        "log": any(d.log for d in numeric),
        "low": min(_num(d.low) or 0.0 for d in numeric),
        "high": max(_num(d.high) or 0.0 for d in numeric),
        "choices": None,
        "values": [None if v is _INACTIVE else _num(v) for v in values],
    }


def _axes(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[Record]:
    dists: dict[str, list[BaseDistribution]] = {}
    for t in trials:  # parameters in the order the trials suggested them
        for name, dist in t.distributions.items():
            seen = dists.setdefault(name, [])
            if dist not in seen:
                seen.append(dist)
    if params is not None:
        unknown = [p for p in params if p not in dists]
        if unknown:
            raise ValueError(
                f"no completed trial has parameter(s) {unknown}; known: {sorted(dists)}"
            )
    names = list(params) if params is not None else list(dists)
    return [_axis(n, dists[n], [t.params.get(n, _INACTIVE) for t in trials]) for n in names]


def parallel_coordinate_data(
    study: optuna.Study,
    params: Sequence[str] | None = None,
    objective: int | None = None,
) -> Record:
    """Each COMPLETE trial as a line through its objective value and parameters.

    Keys: numbers, values (the objective, one per trial), best_number (best along that
    objective), and params: one axis per parameter ({name, type, log, low, high, choices,
    values}), `values` aligned with `numbers`: the value, or for a categorical the index of the
    choice, None where a conditional parameter was inactive. A numeric axis spans every range the
    parameter was sampled from, so a narrowed space shows inside its original range.
    """
    index = _objective_index(study, objective)
    complete = _complete(study, index)
    trials = [t for t, _ in complete]
    values = [v for _, v in complete]
    pick = max if _directions(study)[index] == "maximize" else min
    best = pick(complete, key=lambda tv: tv[1])[0].number if complete else None
    return {
        **_header(study, "parallel_coordinate", index),
        "numbers": [t.number for t in trials],
        "values": values,
        "best_number": best,
        "params": _axes(trials, params),
    }


def _unit(axis: Record, values: Sequence[Any]) -> np.ndarray:
    """Positions in [0, 1] along an axis (log scale in log space, choices evenly spaced)."""
    if axis["type"] == "categorical":
        return np.asarray(values, dtype=float) / max(len(axis["choices"]) - 1, 1)
    low, high = axis["low"], axis["high"]
    x = np.asarray(values, dtype=float)
    if axis["log"] and low > 0:
        x, low, high = np.log10(x), math.log10(low), math.log10(high)
    return (x - low) / (high - low) if high > low else np.full(len(x), 0.5)


def _from_unit(axis: Record, u: np.ndarray) -> list[float]:
    """Axis coordinates of unit positions: parameter units, or choice indices."""
    if axis["type"] == "categorical":
        return [float(v) for v in u * max(len(axis["choices"]) - 1, 1)]
    low, high = axis["low"], axis["high"]
    if axis["log"] and low > 0:
        return [float(v) for v in 10 ** (math.log10(low) + u * math.log10(high / low))]
    return [float(v) for v in low + u * (high - low)]


def _idw(px: np.ndarray, py: np.ndarray, z: np.ndarray, grid: np.ndarray) -> list[list[float]]:
    """Inverse-distance-weighted (power 2) surface on grid x grid in unit coordinates.

    Plain numpy, no triangulation: it works with categorical axes and collinear points, where a
    Delaunay-based contour fails, and it never extrapolates beyond the observed values.
    """
    gx, gy = np.meshgrid(grid, grid)  # rows: y
    d2 = (gx[..., None] - px) ** 2 + (gy[..., None] - py) ** 2
    with np.errstate(divide="ignore"):
        w = 1.0 / d2
    exact = np.isinf(w)
    w = np.where(exact.any(axis=-1, keepdims=True), exact.astype(float), w)
    surface = (w * z).sum(axis=-1) / w.sum(axis=-1)
    return [[float(v) for v in row] for row in surface]


def param_relationships_data(
    study: optuna.Study,
    params: Sequence[str] | None = None,
    n_params: int = 3,
    grid_size: int = 32,
    objective: int | None = None,
) -> Record:
    """Pairwise objective surfaces over the most important parameters.

    `params` defaults to the `n_params` most important (PED-ANOVA). Each pair holds the trials
    where both parameters were active (x, y, values, numbers; categorical positions as choice
    indices) and, from 3 such trials on, `grid`: {x, y, z} with `z[i][j]` the surface at
    (x[j], y[i]), interpolated by inverse-distance weighting in the axes' unit space (log axes
    in log space). Keys: params (axes as in parallel_coordinate_data, without values), pairs,
    note.
    """
    index = _objective_index(study, objective)
    complete = _complete(study, index)
    trials = [t for t, _ in complete]
    if params is None:
        # by importance; in the trials' order while there are too few trials to rate them
        ranked = importance_data(study, objective=index)["params"]
        params = (ranked or [a["name"] for a in _axes(trials, None)])[: max(n_params, 2)]
    axes = _axes(trials, params)
    pairs = []
    for i, ax_x in enumerate(axes):
        for ax_y in axes[i + 1 :]:
            keep = [
                k
                for k, (xv, yv) in enumerate(zip(ax_x["values"], ax_y["values"], strict=True))
                if xv is not None and yv is not None
            ]
            ux = _unit(ax_x, [ax_x["values"][k] for k in keep])
            uy = _unit(ax_y, [ax_y["values"][k] for k in keep])
            z = np.array([complete[k][1] for k in keep], dtype=float)
            grid = None
            if len(keep) >= 3:
                g = np.linspace(0.0, 1.0, grid_size)
                grid = {
                    "x": _from_unit(ax_x, g),
                    "y": _from_unit(ax_y, g),
                    "z": _idw(ux, uy, z, g),
                }
            pairs.append(
                {
                    "x": ax_x["name"],
                    "y": ax_y["name"],
                    "x_values": _from_unit(ax_x, ux),
                    "y_values": _from_unit(ax_y, uy),
                    "values": [float(v) for v in z],
                    "numbers": [trials[k].number for k in keep],
                    "grid": grid,
                }
            )
    note = None if pairs else "relationships need at least two parameters"
    return {
        **_header(study, "param_relationships", index),
        "params": [{k: v for k, v in a.items() if k != "values"} for a in axes],
        "pairs": pairs,
        "note": note,
    }


def pareto_front_data(study: optuna.Study) -> Record:
    """Every COMPLETE trial's objective values, with the non-dominated ones marked.

    Keys: objectives, directions, numbers, values (one list of objective values per trial) and
    on_front (one bool per trial; Optuna's `study.best_trials`).
    """
    if len(study.directions) < 2:
        raise ValueError(
            f"study {study.study_name!r} has one objective: a Pareto front needs several"
        )
    front = {t.number for t in study.best_trials}
    rows = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        vals = [_num(v) for v in t.values]
        if all(v is not None for v in vals):
            rows.append((t.number, vals))
    rows.sort()
    return {
        **_header(study, "pareto_front", None),
        "numbers": [n for n, _ in rows],
        "values": [v for _, v in rows],
        "on_front": [n in front for n, _ in rows],
    }


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def summary_data(study: optuna.Study) -> Record:
    """What the report's header shows: counts, best trial(s), backends, space, failures.

    Keys: n_trials, states ({state: count}), best (number, values, params, duration; None for
    a multi-objective study or before any COMPLETE trial), pareto (the front's numbers and
    values, multi-objective only), backends ({backend: trials proposed}), space (the current
    space as recorded, or None), space_log (as in history_data's space_changes, first space
    included), failures (the last 20: number, reason), started, finished (ISO times) and
    duration (seconds between them).
    """
    trials = study.get_trials(deepcopy=False)
    multi = len(study.directions) > 1
    best = None
    if not multi:
        history = history_data(study)
        if history["best"] is not None:
            t = next(t for t in trials if t.number == history["best"]["number"])
            best = {
                "number": t.number,
                "values": [history["best"]["value"]],
                "params": t.params,
                "duration": t.duration.total_seconds() if t.duration else None,
            }
    pareto = None
    if multi:
        front = sorted(study.best_trials, key=lambda t: t.number)
        pareto = {
            "numbers": [t.number for t in front],
            "values": [[_num(v) for v in t.values] for t in front],
            "params": [t.params for t in front],
        }
    starts = [t.datetime_start for t in trials if t.datetime_start]
    ends = [t.datetime_complete for t in trials if t.datetime_complete]
    first, last = (min(starts) if starts else None), (max(ends) if ends else None)
    log = study.user_attrs.get(STUDY_ATTR_SPACE_LOG) or []
    space_log = [
        {
            "version": e.get("version"),
            "source": e.get("source", ""),
            "reason": e.get("reason", ""),
            "time": _num(e.get("time")),
        }
        for e in log
    ]
    for entry, change in zip(space_log[1:], _space_changes(study, trials), strict=True):
        entry["trial"] = change["trial"]
    if space_log:
        space_log[0]["trial"] = trials[0].number if trials else None
    failures = [
        {"number": t.number, "reason": str(t.user_attrs.get(ATTR_FAIL_REASON, ""))}
        for t in trials
        if t.state == TrialState.FAIL
    ][-_MAX_FAILURES_LISTED:]
    return {
        **_header(study, "summary", None),
        "n_trials": len(trials),
        "states": dict(Counter(t.state.name for t in trials)),
        "best": best,
        "pareto": pareto,
        "backends": dict(Counter(str(t.user_attrs.get(ATTR_BACKEND, "optuna")) for t in trials)),
        "space": study.user_attrs.get(STUDY_ATTR_SPACE),
        "space_log": space_log,
        "failures": failures,
        "started": _iso(first),
        "finished": _iso(last),
        "duration": (last - first).total_seconds() if first and last else None,
    }
