"""The Optuna backend: Optuna's samplers, built from `sampler_config`, sampling define-by-run."""

from __future__ import annotations

import importlib.util
import inspect
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import optuna

from .._validation import unknown_keyword
from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension, Float, Int
from ._base import Backend
from ._local_gp import LocalGPSampler
from ._space_sampler import RegionView, SpaceSampler, is_declared

SAMPLERS: dict[str, Callable[..., optuna.samplers.BaseSampler]] = {
    "tpe": optuna.samplers.TPESampler,
    "gp": optuna.samplers.GPSampler,
    "cmaes": optuna.samplers.CmaEsSampler,
    "random": optuna.samplers.RandomSampler,
    "qmc": optuna.samplers.QMCSampler,
    "nsga2": optuna.samplers.NSGAIISampler,
    "local_gp": LocalGPSampler,
}


_NEEDS = {"gp": "torch", "cmaes": "cmaes"}


#: The share escapes the region (one parameter of its best moved out) only once the region is
#: smaller than this fraction of the whole space (geometric mean of the widths): while it is
#: large, the share's global proposals find other basins and branches (docs/adaptive.md).
_ESCAPE_BELOW = 0.2

#: Trial user attribute set on trials sampled from the whole (user-limited) space while
#: adaptation had narrowed it: the share that keeps looking outside the current region.
ATTR_FULL_SPACE = "ah.full_space"


class OptunaBackend(Backend):
    """Samples with one of Optuna's samplers, wrapped to honour the current space.

    While the space is the declared one and has never changed, the configured sampler samples
    the study directly (no cost added). Once it changes, every space gets a `SpaceSampler` of
    its own: a fresh inner sampler (same configuration, a derived seed) that sees only the
    trials inside that space (`RegionView`), so it keeps learning from the in-region history.
    The two most recent are kept, so alternating between the adapted region and the whole
    space (`full_space_share`) rebuilds nothing.
    """

    name = "optuna"

    def __init__(
        self,
        sampler_config: Mapping[str, Any] | None = None,
        seed: int | None = None,
        space: SearchSpace | None = None,
    ) -> None:
        self._config = dict(sampler_config or {})
        self._seed = seed
        self._build_space = space
        self._inner = build_sampler(self._config, seed, space)
        self._regions: list[tuple[dict[str, Any], SpaceSampler]] = []
        self._changed = False  # whether any space other than the declared one was seen
        # Spaces are immutable: what is known of the last one asked about is kept (per trial,
        # recomputing it cost a few percent of a no-op trial).
        self._known: SearchSpace | None = None  # the last space seen to be the declared one
        self._base_of: tuple[SearchSpace, SearchSpace] | None = None  # (space, its base)
        self._built = 0  # samplers built so far, for derived seeds
        self._coin = np.random.RandomState(seed)
        self._escapes = 0  # share trials since the region converged: every other one escapes
        self._current: optuna.samplers.BaseSampler | None = None  # what the study samples with
        #: Share of asks sampled from `space.base` while adaptation has narrowed the space.
        self.full_space_share = 0.0

    @property
    def sampler(self) -> optuna.samplers.BaseSampler:
        """The configured Optuna sampler, which the study is created with."""
        return self._inner

    @property
    def sampler_type(self) -> str:
        """The configured `sampler_type` ("tpe" when none was given)."""
        return str(self._config.get("sampler_type", "tpe"))

    def switch_sampler(self, sampler_config: Mapping[str, Any]) -> tuple[str, str]:
        """Sample with another configuration from the next trial on; returns (old, new) names.

        The new sampler sees the study's trials like any other (through a RegionView once the
        space has changed), so it starts from the history, not from scratch.
        """
        old = self.describe()
        inner = build_sampler(sampler_config, self._derived_seed(), self._build_space)
        self._config = dict(sampler_config)
        self._inner = inner
        self._regions = []
        return old, self.describe()

    def ask(self, study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
        """Ask for a trial and sample every active parameter of `space`, parents first.

        With `full_space_share` > 0 and a space narrowed by adaptation, that share of the
        trials is sampled from the user's whole space instead (`space.base`). With the local
        GP, once the region is small, every other one is an escape from it
        (`LocalGPSampler.escape`): one parameter of the region's best moved out
        (docs/adaptive.md).
        """
        target = space
        if self.full_space_share > 0:
            if self._base_of is None or self._base_of[0] is not space:
                self._base_of = (space, space.base)
            base = self._base_of[1]
            if base is not space and self._coin.random_sample() < self.full_space_share:
                target = base
        sampler = self._sampler_for(study, target)
        inner = getattr(sampler, "inner", None)
        if isinstance(inner, LocalGPSampler):
            # once the region has converged, every other share trial escapes it
            share = target is not space and _relative_size(space, target) < _ESCAPE_BELOW
            self._escapes += share
            inner.escape = _bounds(space) if share and self._escapes % 2 else None
        if sampler is not self._current:  # swapped only when it changes: costs nothing per trial
            self._current = study.sampler = sampler
        trial = study.ask()
        params: dict[str, Any] = {}
        try:
            if target is not space:
                trial.set_user_attr(ATTR_FULL_SPACE, True)
            for name in target.order:
                if target.is_active(name, params):
                    params[name] = suggest_dimension(trial, target[name], target.original[name])
        except BaseException as exc:  # never leave a RUNNING trial behind, even on Ctrl-C
            trial.set_user_attr("ah.fail_reason", f"sampler error: {type(exc).__name__}: {exc}")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        return trial, params

    def _sampler_for(self, study: optuna.Study, space: SearchSpace) -> optuna.samplers.BaseSampler:
        if not self._changed:
            if space is self._known:
                return self._inner  # the fast path: nothing to restrict, one history
            if is_declared(space):
                self._known = space
                return self._inner
            self._changed = True
        dims = dict(space)
        for i, (seen, sampler) in enumerate(self._regions):
            if seen == dims:
                if i:  # most recent first
                    self._regions.insert(0, self._regions.pop(i))
                sampler.attach(space)
                return sampler
        inner = self._region_sampler(study, space)
        # CMA-ES works in the region's coordinates: it must see only the trials inside it.
        inside = isinstance(inner, optuna.samplers.CmaEsSampler)
        sampler = SpaceSampler(inner, self._derived_seed(), inside=inside)
        sampler.attach(space)
        self._regions.insert(0, (dims, sampler))
        del self._regions[2:]
        return sampler

    def _region_sampler(
        self, study: optuna.Study, space: SearchSpace
    ) -> optuna.samplers.BaseSampler:
        config = dict(self._config)
        if config.get("sampler_type") == "cmaes" and not _cma_fixed_start(config):
            # Warm-start CMA-ES from the trials already inside the region (WS-CMA-ES) rather
            # than from the region's centre.
            source = RegionView(study, space).get_trials(
                deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
            )
            if len(source) >= _CMA_WARM_START_MIN and all(
                len(t.params) == len(source[0].params) for t in source
            ):
                config["source_trials"] = source
        return build_sampler(config, self._derived_seed(), self._build_space)

    def _derived_seed(self) -> int | None:
        self._built += 1
        if self._seed is None:
            return None
        return (self._seed + 7919 * self._built) % 2**32


def _relative_size(space: SearchSpace, base: SearchSpace) -> float:
    """The geometric mean, over the numeric parameters `space` samples, of its range's width
    over `base`'s (log widths for log parameters)."""
    logs = []
    for name, dim in space.items():
        whole = base.get(name)
        if isinstance(dim, Float | Int) and isinstance(whole, Float | Int) and not dim.frozen:
            pad = 1 if isinstance(dim, Int) and not dim.log else 0  # an int range holds its ends
            if dim.log:
                part, full = math.log(dim.high / dim.low), math.log(whole.high / whole.low)
            else:
                part, full = dim.high - dim.low + pad, whole.high - whole.low + pad
            if full > 0:
                logs.append(math.log(max(part, 1e-12 * full) / full))
    return math.exp(sum(logs) / len(logs)) if logs else 1.0


def _bounds(space: SearchSpace) -> dict[str, tuple[float, float]]:
    """Each numeric parameter's range in `space` (a frozen one's: its value)."""
    out = {}
    for name, dim in space.items():
        if isinstance(dim, Float | Int):
            value = dim.frozen_value
            out[name] = (value, value) if dim.frozen else (dim.low, dim.high)
    return out


# WS-CMA-ES estimates a mean and covariance from the best 10% of the source trials.
_CMA_WARM_START_MIN = 10


def _cma_fixed_start(config: Mapping[str, Any]) -> bool:
    # Optuna refuses source_trials together with these.
    return bool(
        config.get("x0") is not None
        or config.get("sigma0") is not None
        or config.get("use_separable_cma")
        or config.get("source_trials") is not None
    )


def suggest_dimension(trial: optuna.Trial, dim: Dimension, declared: Dimension) -> Any:
    """Ask `trial` for one value of `dim`.

    Numeric ranges may change within an Optuna study, so they are suggested over the current
    range (widened to hold a frozen value). Categoricals are always suggested over their declared
    choices, which Optuna requires; the SpaceSampler applies restrictions and frozen values.
    """
    if isinstance(dim, Float | Int):
        low, high = dim.low, dim.high
        if dim.frozen:
            low, high = min(low, dim.frozen_value), max(high, dim.frozen_value)
        if isinstance(dim, Int):
            return trial.suggest_int(dim.name, int(low), int(high), log=dim.log)
        return trial.suggest_float(dim.name, low, high, log=dim.log)
    assert isinstance(declared, Categorical)
    return declared.decode(trial.suggest_categorical(dim.name, list(declared.encoded_choices)))


def build_sampler(
    sampler_config: Mapping[str, Any], seed: int | None, space: SearchSpace | None = None
) -> optuna.samplers.BaseSampler:
    """Build an Optuna sampler from `sampler_config`; errors name the offending key."""
    config = dict(sampler_config)
    kind = config.pop("sampler_type", "tpe")
    if kind not in SAMPLERS:
        raise ValueError(
            f"sampler_config['sampler_type'] must be one of "
            f"{', '.join(repr(k) for k in SAMPLERS)}, got {kind!r}"
        )
    factory = SAMPLERS[kind]
    needs = _NEEDS.get(kind)
    if needs and importlib.util.find_spec(needs) is None:  # Optuna imports it only when sampling
        raise ImportError(
            f"sampler_config['sampler_type']={kind!r} needs the {needs!r} package: "
            f"pip install {needs}"
        )
    accepted = [
        p.name
        for p in inspect.signature(factory).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
        or p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    for key in config:
        if key not in accepted:
            raise unknown_keyword(f"sampler_config for sampler_type={kind!r}", key, accepted)
    if "seed" in config and seed is not None and config["seed"] != seed:
        raise ValueError(
            f"sampler_config['seed']={config['seed']!r} disagrees with random_state={seed!r}"
        )
    config.setdefault("seed", seed)
    if kind == "tpe":
        _tpe_options(config, space)
    if kind == "local_gp" and space is not None and "conditions" not in config:
        config["conditions"] = _conditions(space)
    _check_counts(config)
    try:
        with warnings.catch_warnings():
            # `group` is experimental in Optuna; we choose it ourselves for conditional spaces.
            # So is CMA-ES's `source_trials`, which we pass to warm-start it in a new region.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            # Optuna 4.9 deprecated TPE's gamma/weights; the spec promises them, so we keep
            # supporting them (docs/configuration.md) and spare users Optuna's FutureWarning.
            warnings.filterwarnings(
                "ignore", r"`(gamma|weights)` has been deprecated", FutureWarning
            )
            return factory(**config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sampler_config for sampler_type={kind!r}: {exc}") from exc


def _check_counts(config: dict[str, Any]) -> None:
    for key, minimum in (("n_startup_trials", 0), ("n_ei_candidates", 1), ("population_size", 2)):
        if key in config:
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(
                    f"sampler_config[{key!r}] must be an integer >= {minimum}, got {value!r}"
                )


def _tpe_options(config: dict[str, Any], space: SearchSpace | None) -> None:
    if "gamma" in config:
        config["gamma"] = gamma_function(config["gamma"])
    if "weights" in config:
        config["weights"] = weights_function(config["weights"])
    conditional = space is not None and any(space[n].condition is not None for n in space)
    if conditional and config.get("multivariate", True):
        # Optuna's advice for conditional spaces: model each group of co-occurring params jointly.
        config.setdefault("multivariate", True)
        config.setdefault("group", True)


def _conditions(space: SearchSpace) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """Each conditional parameter's parent and the parent's values (as stored) that enable it."""
    out = {}
    for name in space:
        cond = space[name].condition
        if cond is None:
            continue
        parent = space[cond.parent]
        stored = (
            tuple(parent.encode(v) for v in cond.values)
            if isinstance(parent, Categorical)
            else cond.values
        )
        out[name] = (cond.parent, stored)
    return out


def gamma_function(gamma: Any) -> Callable[[int], int]:
    """`gamma` as Optuna expects it: a fraction g in (0, 1] means min(ceil(g * n), 25) trials.

    A callable is used as it is (Optuna's own form: n finished trials -> size of the good set).
    """
    if callable(gamma):
        return gamma
    if isinstance(gamma, bool) or not isinstance(gamma, int | float) or not 0 < gamma <= 1:
        raise ValueError(
            f"sampler_config['gamma'] must be a fraction in (0, 1] or a callable, got {gamma!r}"
        )
    fraction = float(gamma)
    return lambda n: min(math.ceil(fraction * n), 25)


def weights_function(weights: Any) -> Callable[[int], np.ndarray]:
    """`weights` as Optuna expects it: n -> an array of n weights, oldest first.

    The spec's `lambda x: min(x, 25)` returns a number, not an array. A callable that returns a
    number k is read as "the k most recent observations get full weight, older ones ramp down
    linearly", which is how Optuna's default weights work with k = 25.
    """
    if not callable(weights):
        raise ValueError(f"sampler_config['weights'] must be a callable, got {weights!r}")

    def wrapped(n: int) -> np.ndarray:
        out = weights(n)
        if np.ndim(out) == 0:
            k = min(max(int(out), 0), n)
            ramp = np.linspace(1.0 / n, 1.0, num=n - k + 1)[:-1] if n > k else np.asarray([])
            return np.concatenate([ramp, np.ones(k)])
        arr = np.asarray(out, dtype=float)
        if arr.shape != (n,):
            raise ValueError(
                f"sampler_config['weights'] returned {arr.shape[0] if arr.ndim else 'a'} "
                f"weights for {n} observations"
            )
        return arr

    return wrapped
