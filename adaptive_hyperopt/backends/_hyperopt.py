"""The Hyperopt backend: Hyperopt's own algorithms (tpe, rand, anneal), driven ask/tell.

Hyperopt only proposes; the Optuna study records every trial (DESIGN.md, "the one idea"). We
never call `fmin`: the backend keeps a `hyperopt.Trials` of past observations and a `Domain`
built from the current space, calls `algo.suggest` for one proposal and records it in the study
by enqueueing it and suggesting each active parameter (the enqueued values come back).

Encoding. A categorical parameter with conditional children is an `hp.choice` over one dict per
choice holding the children active under it, so Hyperopt never samples an inactive parameter; a
child active under several choices is the same node in each of their branches. An int parent
cannot branch in Hyperopt, so its children are sampled beside it and dropped when inactive.
Either way, an observation carries a parameter only while it was active, so Hyperopt's
per-parameter models never see values that did not reach the objective. Ints are
`hp.quniform`/`hp.qloguniform` over [low - 0.5, high + 0.5] (every integer equally likely),
categoricals are `hp.choice` over the indices of the allowed choices.

The observations are rebuilt from the study whenever the space changes (and on the first ask,
which is the warm start): trials whose active parameters lie inside the current space are kept,
the others dropped. Frozen parameters are pinned, left out of the model, and not used to filter
observations (a parameter is frozen because it matters little). A failed trial is an
observation with status "fail" (Hyperopt's algorithms then ignore it); a pruned one, judged worse
than its peers, is an observation with the worst loss seen so far.
TPE's random start (`n_startup_jobs`) belongs to the study, not to a region: the dropped trials
count towards it, so after a narrowing past the start Hyperopt models the in-region trials at
once instead of sampling at random again.

Several objectives: each proposal learns from ParEGO losses (`_parego.py`), fresh weights each
time, so the observations are rebuilt from the study before every proposal.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from hyperopt import STATUS_FAIL, STATUS_OK, Domain, Trials, anneal, hp, rand, tpe
from hyperopt.base import JOB_STATE_DONE
from optuna.trial import FrozenTrial, TrialState

from .._validation import unknown_keyword
from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension, Float, Int
from ._base import Backend
from ._bridge import choice_index, fitting_params, pinned, record
from ._parego import Losses

Suggest = Callable[..., list[dict[str, Any]]]

ALGORITHMS: dict[str, Suggest] = {
    "tpe": tpe.suggest,
    "rand": rand.suggest,
    "anneal": anneal.suggest,
}

_TPE_STARTUP = inspect.signature(tpe.suggest).parameters["n_startup_jobs"].default

# The options each algorithm takes after (new_ids, domain, trials, seed).
_OPTIONS: dict[str, tuple[str, ...]] = {
    "tpe": tuple(inspect.signature(tpe.suggest).parameters)[4:],
    "rand": (),
    "anneal": tuple(inspect.signature(anneal.AnnealingAlgo.__init__).parameters)[4:],
}


_KNOWN = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


class HyperoptBackend(Backend):
    """Proposes with one of Hyperopt's algorithms; learns from every finished trial."""

    name = "hyperopt"
    learns = True

    def __init__(
        self,
        sampler_config: Mapping[str, Any] | None = None,
        seed: int | None = None,
        space: SearchSpace | None = None,
    ) -> None:
        self._kind, self._suggest = build_algorithm(sampler_config or {})
        self._startup = int((sampler_config or {}).get("n_startup_jobs", _TPE_STARTUP))
        self._dropped = 0  # finished trials outside the current space
        self._rng = np.random.default_rng(seed)  # hyperopt 0.3 needs a Generator (installation.md)
        # Every value is fixed by enqueue_trial, so the study's sampler never chooses one.
        self._sampler = optuna.samplers.RandomSampler(seed)
        self._space: SearchSpace | None = None
        self._domain: Domain | None = None
        self._trials = Trials()
        self._seen: set[int] = set()
        self._losses = Losses(seed)  # what Hyperopt learns from (ParEGO for several objectives)

    @property
    def sampler(self) -> optuna.samplers.BaseSampler:
        """A RandomSampler: the study only records the values Hyperopt proposed."""
        return self._sampler

    def describe(self) -> str:
        """E.g. "hyperopt/tpe"."""
        return f"{self.name}/{self._kind}"

    def ask(self, study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
        """Propose with Hyperopt and record the proposal as a new trial of `study`."""
        if space is not self._space or self._losses.multi:  # several: new weights each time
            self._losses.update(study)
            self._rebuild(study, space)
        trial, params = record(study, space, self._propose(space))
        self._losses.annotate(trial)
        return trial, params

    def tell(self, trial: FrozenTrial) -> None:
        """Add a finished trial to Hyperopt's observations (before the first ask: nothing)."""
        self.tell_many([trial])

    def tell_many(self, trials: Sequence[FrozenTrial]) -> None:
        """Add finished trials to Hyperopt's observations in one refresh (several objectives:
        nothing, the next proposal rebuilds them with its own scalarization)."""
        if self._space is not None and not self._losses.multi:
            self._observe(trials)

    # Internals ----------------------------------------------------------------------------
    def _rebuild(self, study: optuna.Study, space: SearchSpace) -> None:
        if space is not self._space:
            self._space = space
            expr = expression(space)
            self._domain = Domain(_never_called, expr) if expr else None
        self._trials = Trials()
        self._seen = set()
        states = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
        finished = study.get_trials(deepcopy=False, states=states)
        self._observe(finished)
        self._dropped = len(finished) - len(self._seen)

    def _observe(self, trials: Sequence[FrozenTrial]) -> None:
        assert self._space is not None
        docs: list[dict[str, Any]] = []
        # Completed trials first, so a pruned trial in the same batch has a worst loss to take.
        for frozen in sorted(trials, key=lambda t: t.state != TrialState.COMPLETE):
            if frozen.number in self._seen or frozen.state not in _KNOWN:
                continue
            params = fitting_params(frozen, self._space)
            if params is None:
                continue
            self._seen.add(frozen.number)
            docs.append(self._doc(params, frozen, docs))
        if docs:
            self._trials.insert_trial_docs(docs)
            self._trials.refresh()

    def _doc(
        self, params: dict[str, Any], frozen: FrozenTrial, batch: Sequence[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        assert self._space is not None
        (tid,) = self._trials.new_trial_ids(1)
        idxs: dict[str, list[int]] = {}
        vals: dict[str, list[Any]] = {}
        for name in self._space.order:
            dim = self._space[name]
            if pinned(dim) is not None:
                continue
            active = name in params
            idxs[name] = [tid] if active else []
            vals[name] = [_to_hyperopt(dim, params[name])] if active else []
        worst = None
        loss = self._losses.loss(frozen)
        if frozen.state == TrialState.PRUNED:
            worst = self._worst(batch)
            if worst is None:  # its last reported value
                worst = loss
        if frozen.state == TrialState.COMPLETE and loss is not None:
            result: dict[str, Any] = {"status": STATUS_OK, "loss": float(loss)}
        elif worst is not None:  # pruned: judged worse than its peers, so among the worst
            result = {"status": STATUS_OK, "loss": worst}
        else:  # failed (Hyperopt's algorithms leave these out), or pruned before any result
            result = {"status": STATUS_FAIL}
        misc = {"tid": tid, "cmd": None, "workdir": None, "idxs": idxs, "vals": vals}
        (doc,) = self._trials.new_trial_docs([tid], [None], [result], [misc])
        doc["state"] = JOB_STATE_DONE
        return doc

    def _worst(self, batch: Sequence[dict[str, Any]]) -> float | None:
        """The worst loss among the observations, including those about to be inserted."""
        results = [*self._trials.results, *(doc["result"] for doc in batch)]
        losses = [r["loss"] for r in results if r.get("status") == STATUS_OK and "loss" in r]
        return max(losses) if losses else None

    def _propose(self, space: SearchSpace) -> dict[str, Any]:
        vals: dict[str, list[Any]] = {}
        if self._domain is not None:
            new_ids = self._trials.new_trial_ids(1)
            seed = int(self._rng.integers(2**31 - 1))
            extra = {}
            if self._kind == "tpe":
                extra["n_startup_jobs"] = max(self._startup - self._dropped, 0)
            (doc,) = self._suggest(new_ids, self._domain, self._trials, seed, **extra)
            vals = doc["misc"]["vals"]
        params: dict[str, Any] = {}
        for name in space.order:
            if not space.is_active(name, params):
                continue
            dim = space[name]
            pin = pinned(dim)
            params[name] = pin[0] if pin is not None else _from_hyperopt(dim, vals[name][0])
        return params


def build_algorithm(sampler_config: Mapping[str, Any]) -> tuple[str, Suggest]:
    """Hyperopt's `suggest` for `sampler_config['algo']`, with the other keys as its options."""
    config = dict(sampler_config)
    kind = config.pop("algo", "tpe")
    if kind not in ALGORITHMS:
        raise ValueError(
            f"sampler_config['algo'] must be one of {', '.join(repr(k) for k in ALGORITHMS)}, "
            f"got {kind!r}"
        )
    accepted = _OPTIONS[kind]
    for key in config:
        if key not in accepted:
            raise unknown_keyword(f"sampler_config for algo={kind!r}", key, ["algo", *accepted])
    if kind == "tpe":
        config.setdefault("verbose", False)  # TPE otherwise logs a line per proposal
    return kind, functools.partial(ALGORITHMS[kind], **config)


def expression(space: SearchSpace) -> dict[str, Any]:
    """The Hyperopt search space for `space`: a dict of name -> node, branching on choices."""
    children: dict[str | None, list[str]] = {}
    for name in space.order:
        cond = space[name].condition
        children.setdefault(cond.parent if cond else None, []).append(name)
    nodes: dict[str, Any] = {}  # one node per parameter, shared by every branch holding it

    def block(names: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in names:
            dim = space[name]
            kids = children.get(name, [])
            pin = pinned(dim)
            if pin is not None:  # no node; only the children its value activates
                out.update(block(_under(space, kids, pin[0])))
            elif isinstance(dim, Categorical) and kids:
                if name not in nodes:
                    branches = [block(_under(space, kids, c)) for c in dim.choices]
                    nodes[name] = hp.choice(name, branches)
                out[name] = nodes[name]
            else:  # an int parent cannot branch: its children are sampled beside it
                out[name] = nodes.setdefault(name, _node(dim))
                out.update(block(kids))
        return out

    return block(children.get(None, []))


def _under(space: SearchSpace, children: list[str], value: Any) -> list[str]:
    """The children active while their parent takes `value`."""
    return [k for k in children if (c := space[k].condition) is not None and c.holds(value)]


def _node(dim: Dimension) -> Any:
    if isinstance(dim, Categorical):
        return hp.choice(dim.name, list(range(len(dim.choices))))
    assert isinstance(dim, Float | Int)
    if isinstance(dim, Int):
        low, high = dim.low - 0.5, dim.high + 0.5
        if dim.log:
            return hp.qloguniform(dim.name, math.log(low), math.log(high), 1)
        return hp.quniform(dim.name, low, high, 1)
    if dim.log:
        return hp.loguniform(dim.name, math.log(dim.low), math.log(dim.high))
    return hp.uniform(dim.name, dim.low, dim.high)


def _to_hyperopt(dim: Dimension, value: Any) -> Any:
    return choice_index(dim, value) if isinstance(dim, Categorical) else value


def _from_hyperopt(dim: Dimension, value: Any) -> Any:
    if isinstance(dim, Categorical):
        return dim.choices[int(value)]
    assert isinstance(dim, Float | Int)
    if isinstance(dim, Int):  # rounding at the widened ends may step one past a bound
        return min(max(round(float(value)), dim.low), dim.high)
    return min(max(float(value), dim.low), dim.high)  # exp(log(x)) may round past a bound


def _never_called(params: Any) -> float:
    raise AssertionError("the driver evaluates objectives, never Hyperopt")
