"""The result cache: finished trials memoized by a fingerprint of the objective and the params.

Turned on per study with `optimize(..., cache_key=True)` (or a string, see below) and a
`cache_dir`. The results of the objective live in `<cache_dir>/results/<fingerprint>.jsonl`, one
JSON line per COMPLETE trial (its stored parameters and distributions, values, intermediate
values and where it came from), appended by every study and process that evaluates the same
objective. Before a trial is evaluated the driver looks its parameters up; a hit is told to the
study as a COMPLETE trial marked `ah.cached` without calling the objective.

The fingerprint
---------------
A SHA-256 over what decides the objective's result besides its parameters:

- the objective's code object: bytecode, constants, names, argument layout and flags, the same
  recursively for nested functions, lambdas and comprehensions (line numbers and file names are
  left out, so moving code or editing comments keeps results valid);
- its default arguments and the values of its closure variables;
- the module-level globals its code reads (found with `dis`, not guessed from names): a function
  or class defined in the objective's own module is fingerprinted like the objective (so editing
  a helper invalidates too); a module, or a function or class imported from another package, by
  its name and that package's `__version__` (upgrading the library invalidates);
- for a `functools.partial`, its function, arguments and keywords.

Values are fingerprinted when they are immutable: None, bools, numbers, strings, bytes, ranges,
enum members, numpy scalars, and tuples and frozensets of these. Anything else cannot be trusted
(a list or dict the objective may change between calls, an array or data frame that can be
modified in place, an open model or connection, an instance of a class), and neither can an
objective that assigns a global (`global n; n += 1`: its results depend on its own history). Then
the cache is refused for the study with a warning naming the variable, unless `cache_key` is a
string: the key vouches for what cannot be fingerprinted (name the data's version in it,
`cache_key="digits-v2"`), while the code is still fingerprinted, so editing the objective still
invalidates its results. Change the key when the data changes.

Results are never invalidated by time, only by a new fingerprint: stale results stay in their
file, unused; delete `<cache_dir>/results/` to reclaim the space. The objective must be a
function of its parameters: a noisy objective's cached value is one draw, returned again.

Warm start
----------
`warm_start_trials` turns earlier results (the cache's, or a study's COMPLETE trials) into
trials for a new study, each marked `ah.warm_start`, keeping those that fit its search space.
"""

from __future__ import annotations

import datetime as dt
import dis
import enum
import functools
import hashlib
import json
import logging
import math
import os
import sys
import time
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    distribution_to_json,
    json_to_distribution,
)
from optuna.trial import FrozenTrial, TrialState

from ..space import SearchSpace
from ..space._dimensions import Categorical, Float, Int

logger = logging.getLogger("adaptive_hyperopt")

ATTR_CACHED = "ah.cached"
ATTR_WARM_START = "ah.warm_start"
FORMAT = "adaptive-hyperopt-results"
VERSION = 1
RESULTS_DIR = "results"

_GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_STORE_GLOBAL_OPS = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})
_SCALARS = (type(None), bool, int, str, bytes, range, type(Ellipsis))
_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
_CODE_MEMBERS = (types.FunctionType, staticmethod, classmethod, property)
# Class attributes every class has, which say nothing about its behaviour.
_CLASS_NOISE = frozenset(
    {"__dict__", "__weakref__", "__module__", "__doc__", "__qualname__", "__annotations__"}
)


class UntrustedObjective(ValueError):
    """The objective's result may depend on something its fingerprint cannot see."""


# The fingerprint ----------------------------------------------------------------------------
def fingerprint(objective: Callable[..., Any], cache_key: str | None = None) -> str:
    """The objective's fingerprint (hex). `cache_key` vouches for values that cannot be
    fingerprinted; without it they raise UntrustedObjective naming the first one."""
    root = getattr(_innermost(objective), "__module__", None) or "__main__"
    walker = _Walker(root, vouched=cache_key is not None)
    doc = {
        "format": VERSION,
        "python": sys.implementation.cache_tag,
        "objective": walker.callable(objective, "the objective"),
        "cache_key": cache_key,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _innermost(fn: Any) -> Any:
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        else:
            return fn


class _Walker:
    """Turns an objective into a JSON-able document of everything its result depends on."""

    def __init__(self, root_module: str, vouched: bool) -> None:
        self.root = root_module
        self.vouched = vouched
        self.visiting: set[int] = set()

    def callable(self, fn: Any, where: str) -> Any:
        if isinstance(fn, functools.partial):
            return [
                "partial",
                self.callable(fn.func, where),
                [self.value(a, f"{where}'s partial argument {i}") for i, a in enumerate(fn.args)],
                {
                    k: self.value(v, f"{where}'s partial keyword {k!r}")
                    for k, v in fn.keywords.items()
                },
            ]
        if isinstance(fn, types.FunctionType):
            return self.function(fn)
        if isinstance(fn, types.MethodType):
            owner = fn.__self__
            if isinstance(owner, type):  # a classmethod: the class is fingerprinted as a global
                return ["method", self.function_or_ref(fn.__func__), self.global_value(owner, "")]
            return [
                "method",
                self.function_or_ref(fn.__func__),
                self.untrusted(owner, f"{where} is a method of a {_type_name(owner)} instance"),
            ]
        if isinstance(fn, types.BuiltinFunctionType | type):
            return self.global_value(fn, where)
        # An instance with __call__: its class's code, and its state, which we cannot see.
        return [
            "instance",
            self.global_value(type(fn), where),
            self.untrusted(fn, f"{where} is a {_type_name(fn)} instance"),
        ]

    def function_or_ref(self, fn: Any) -> Any:
        if isinstance(fn, types.FunctionType):
            return self.function(fn)
        return _ref(fn)

    def function(self, fn: types.FunctionType) -> Any:
        key = id(fn)
        if key in self.visiting:  # recursion (direct or mutual): named, not walked again
            return ["recursive", fn.__qualname__]
        self.visiting.add(key)
        try:
            name = fn.__qualname__
            code = fn.__code__
            stores = sorted(_global_names(code, _STORE_GLOBAL_OPS))
            if stores:
                self.untrusted(
                    None,
                    f"{name} assigns the global {stores[0]!r}: its results may depend on "
                    "its history",
                )
            closure = {}
            for var, cell in zip(code.co_freevars, fn.__closure__ or (), strict=True):
                try:
                    content = cell.cell_contents
                except ValueError:  # not assigned yet
                    closure[var] = ["empty"]
                    continue
                closure[var] = self.global_value(content, f"{name}'s closure variable {var!r}")
            globals_ = {}
            namespace = fn.__globals__
            builtins = namespace.get("__builtins__", {})
            for var in sorted(_global_names(code, _GLOBAL_OPS)):
                if var in namespace:
                    globals_[var] = self.global_value(namespace[var], f"{name}'s global {var!r}")
                elif var in (builtins if isinstance(builtins, dict) else vars(builtins)):
                    globals_[var] = ["builtin", var]
                else:  # undefined now: a NameError at call time, or defined later
                    globals_[var] = ["undefined", var]
            defaults = [
                self.value(v, f"{name}'s default argument {i}")
                for i, v in enumerate(fn.__defaults__ or ())
            ]
            kwdefaults = {
                k: self.value(v, f"{name}'s default argument {k!r}")
                for k, v in (fn.__kwdefaults__ or {}).items()
            }
            return {
                "function": name,
                "code": _code(code),
                "defaults": defaults,
                "kwdefaults": kwdefaults,
                "closure": closure,
                "globals": globals_,
            }
        finally:
            self.visiting.discard(key)

    def global_value(self, value: Any, where: str) -> Any:
        """A closure or global variable: code is walked, modules and imports named, values
        fingerprinted."""
        if isinstance(value, types.ModuleType):
            return ["module", value.__name__, _package_version(value.__name__)]
        if isinstance(value, types.FunctionType):
            if _defined_here(value, self.root):
                return self.function(value)
            return _ref(value)
        if isinstance(value, functools.partial | types.MethodType):
            return self.callable(value, where)
        if isinstance(value, types.BuiltinFunctionType | types.BuiltinMethodType):
            if isinstance(value.__self__, types.ModuleType | type(None)):
                return _ref(value)
            return self.untrusted(value, f"{where} is a method of a {_type_name(value.__self__)}")
        if isinstance(value, type):
            if isinstance(value, enum.EnumMeta) or not _defined_here(value, self.root):
                return _ref(value)
            return self.cls(value, where)
        return self.value(value, where)

    def cls(self, cls: type, where: str) -> Any:
        key = id(cls)
        if key in self.visiting:
            return ["recursive", cls.__qualname__]
        self.visiting.add(key)
        try:
            members = {}
            for name, member in sorted(vars(cls).items()):
                if name in _CLASS_NOISE or isinstance(member, _DESCRIPTORS):
                    continue
                dunder = name.startswith("__") and name.endswith("__")
                if dunder and not isinstance(member, _CODE_MEMBERS):
                    continue  # machinery such as __dataclass_fields__ or __slots__
                inner = f"{where}'s attribute {name!r}"
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if isinstance(member, property):
                    members[name] = [
                        "property",
                        *(self.global_value(f, inner) for f in (member.fget, member.fset) if f),
                    ]
                else:
                    members[name] = self.global_value(member, inner)
            bases = [self.global_value(b, f"{where}'s base") for b in cls.__bases__]
            return {"class": cls.__qualname__, "bases": bases, "members": members}
        finally:
            self.visiting.discard(key)

    def value(self, value: Any, where: str) -> Any:
        token = _immutable(value)
        if token is not None:
            return token
        if isinstance(value, types.FunctionType | types.ModuleType | type | functools.partial):
            return self.global_value(value, where)
        return self.untrusted(value, f"{where} is {_describe(value)}")

    def untrusted(self, value: Any, what: str) -> Any:
        if self.vouched:  # the user's cache_key stands for it; its type is still recorded
            return ["vouched", _type_name(value)]
        raise UntrustedObjective(what)


def _immutable(value: Any) -> Any:
    """A token for an immutable value, or None when the value is not one."""
    if isinstance(value, _SCALARS) and type(value) in _SCALARS:
        return [type(value).__name__, repr(value)]
    if type(value) is float or type(value) is complex:
        return [type(value).__name__, repr(value)]
    if isinstance(value, enum.Enum):
        return ["enum", *_ref(type(value))[1:], value.name]
    if type(value) is tuple or type(value) is frozenset:
        items = [_immutable(v) for v in value]
        if any(item is None for item in items):
            return None
        if type(value) is frozenset:
            items.sort(key=repr)
        return [type(value).__name__, items]
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        return ["numpy", value.dtype.str, value.tobytes().hex()]
    return None


def _describe(value: Any) -> str:
    kind = _type_name(value)
    if isinstance(value, list | dict | set | bytearray):
        return f"a {kind}, which can change between calls"
    if hasattr(value, "__array__") or hasattr(value, "shape"):
        return f"a {kind}, data that can be modified in place"
    if isinstance(value, tuple | frozenset):
        return f"a {kind} holding a mutable or unknown value"
    return f"a {kind} instance, whose state cannot be fingerprinted"


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _ref(obj: Any) -> list[Any]:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return ["ref", module, name, _package_version(module)]


def _package_version(module: str) -> str | None:
    top = sys.modules.get(module.partition(".")[0])
    version = getattr(top, "__version__", None)
    return version if isinstance(version, str) else None


def _defined_here(obj: Any, root: str) -> bool:
    """Whether `obj` belongs to the objective's own code (its module, or the notebook)."""
    module = getattr(obj, "__module__", None)
    return module == root or module == "__main__"


def _global_names(code: types.CodeType, ops: frozenset[str]) -> set[str]:
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname in ops}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const, ops)
    return names


def _code(code: types.CodeType) -> dict[str, Any]:
    consts = [
        _code(c) if isinstance(c, types.CodeType) else (_immutable(c) or ["other", repr(c)])
        for c in code.co_consts
    ]
    return {
        "bytecode": code.co_code.hex(),
        "consts": consts,
        "names": list(code.co_names),
        "varnames": list(code.co_varnames),
        "freevars": list(code.co_freevars),
        "cellvars": list(code.co_cellvars),
        "args": [code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount],
        "flags": code.co_flags,
        "exceptions": getattr(code, "co_exceptiontable", b"").hex(),
    }


# The parameters' key ------------------------------------------------------------------------
def params_key(params: Mapping[str, Any]) -> str | None:
    """A digest of a trial's parameters (exact: 1 is not 1.0, floats to the last bit), or None
    when a value cannot be keyed (an object given as a categorical choice): such a trial is
    neither looked up nor stored."""
    tokens = {}
    for name, value in params.items():
        if type(value) is float:
            tokens[name] = ["float", repr(value)]
            continue
        token = _immutable(value)
        if token is None:
            return None
        tokens[name] = token
    text = json.dumps(tokens, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# The store ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CachedResult:
    """One finished trial's result, as the cache keeps it."""

    values: tuple[float, ...]
    params: dict[str, Any]
    distributions: dict[str, str]
    intermediate: dict[int, float]
    source: dict[str, Any]


class ResultCache:
    """The results of one objective fingerprint: read from its file, appended as trials finish.

    The file is shared by every study and process evaluating the same objective: a miss reads
    whatever others appended since, so drivers on one machine reuse each other's results. Each
    record is one `write` of one line; a line cut short by a crash is skipped when read (the
    trial is evaluated again). A write that fails (a full disk) turns storing off for the rest of
    the study with a warning; the study itself goes on.
    """

    def __init__(self, directory: str | os.PathLike[str], digest: str, objective: str) -> None:
        self.fingerprint = digest
        self.path = Path(directory) / RESULTS_DIR / f"{digest[:32]}.jsonl"
        self._entries: dict[str, CachedResult] = {}
        self._offset = 0
        self._partial = b""
        self._writable = True
        self.hits = self.stores = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                header = {"format": FORMAT, "version": VERSION, "objective": objective}
                self._append(header, exclusive=True)
        except FileExistsError:
            pass  # another process created it first
        except OSError as exc:
            raise ValueError(
                f"cache_dir {str(directory)!r}: the result cache {str(self.path)!r} cannot be "
                f"written: {exc.strerror or exc}"
            ) from exc
        self._refresh()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: str, n_values: int) -> CachedResult | None:
        """The stored result for `key` with `n_values` values, reading new records on a miss."""
        hit = self._entries.get(key)
        if hit is None and self._refresh():
            hit = self._entries.get(key)
        if hit is None or len(hit.values) != n_values:
            return None
        self.hits += 1
        return hit

    def store(self, key: str, trial: FrozenTrial, study_name: str) -> None:
        """Keep a COMPLETE trial's result under `key` (first result for a key wins)."""
        if key in self._entries or not self._writable or trial.values is None:
            return
        record = {
            "key": key,
            "values": list(trial.values),
            "params": trial.params,
            "distributions": {k: distribution_to_json(d) for k, d in trial.distributions.items()},
            "intermediate": {str(k): v for k, v in trial.intermediate_values.items()},
            "study": study_name,
            "trial": trial.number,
            "time": time.time(),
        }
        try:
            self._append(record)
        except (OSError, TypeError, ValueError) as exc:
            self._writable = False
            logger.warning(
                "result cache %s: storing failed (%s); this study stores no more results in it",
                self.path,
                exc,
            )
            return
        self._add(record)
        self.stores += 1

    def results(self) -> list[CachedResult]:
        """Every stored result, oldest first (after reading what others appended)."""
        self._refresh()
        return list(self._entries.values())

    def _append(self, record: dict[str, Any], exclusive: bool = False) -> None:
        line = (json.dumps(record, allow_nan=True, separators=(",", ":")) + "\n").encode()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (os.O_EXCL if exclusive else 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(f"short write ({written} of {len(line)} bytes)")
        finally:
            os.close(fd)

    def _refresh(self) -> bool:
        """Read records appended since the last read; whether there were any."""
        try:
            size = os.stat(self.path).st_size
        except OSError:
            return False
        if size <= self._offset:
            return False
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = self._partial + fh.read(size - self._offset)
        self._offset = size
        lines = data.split(b"\n")
        self._partial = lines.pop()  # an incomplete last line waits for the rest of it
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # torn by a crash: that result is simply evaluated again
            if isinstance(record, dict) and "key" in record:
                self._add(record)
        return True

    def _add(self, record: dict[str, Any]) -> None:
        key = record["key"]
        if key in self._entries:
            return
        try:
            result = CachedResult(
                values=tuple(float(v) for v in record["values"]),
                params=dict(record["params"]),
                distributions=dict(record["distributions"]),
                intermediate={int(k): float(v) for k, v in record.get("intermediate", {}).items()},
                source={"study": record.get("study"), "trial": record.get("trial")},
            )
        except (KeyError, TypeError, ValueError):
            return  # a record this release cannot read
        self._entries[key] = result


def open_result_cache(
    cache_dir: str | os.PathLike[str],
    objective: Callable[..., Any],
    cache_key: str | bool,
    objective_path: str,
    study_name: str,
) -> ResultCache | None:
    """The result cache of `objective` under `cache_dir`, or None (with a warning) when the
    objective's fingerprint cannot be trusted."""
    vouch = cache_key if isinstance(cache_key, str) else None
    try:
        digest = fingerprint(objective, vouch)
    except UntrustedObjective as exc:
        logger.warning(
            "result cache off for study %r: %s. Pass cache_key='...' naming what it depends on "
            "(e.g. the data's version) to cache it anyway; the code is still fingerprinted",
            study_name,
            exc,
        )
        return None
    cache = ResultCache(cache_dir, digest, objective_path)
    logger.info(
        "result cache %s: %d results of this objective (fingerprint %s)",
        cache.path,
        len(cache),
        digest[:12],
    )
    return cache


# Warm start ---------------------------------------------------------------------------------
def cached_trials(cache: ResultCache) -> list[FrozenTrial]:
    """The cache's results as COMPLETE trials (for `warm_start_trials`)."""
    out = []
    for result in cache.results():
        try:
            distributions = {k: json_to_distribution(v) for k, v in result.distributions.items()}
        except (ValueError, KeyError, TypeError):
            continue
        out.append(
            _frozen(
                result.values,
                result.params,
                distributions,
                result.intermediate,
                {ATTR_WARM_START: {"cache": cache.fingerprint[:12], **result.source}},
            )
        )
    return out


def study_trials(study: optuna.Study) -> list[FrozenTrial]:
    """A study's COMPLETE trials, each marked with where it came from (for
    `warm_start_trials`)."""
    out = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        assert trial.values is not None
        source = {"study": study.study_name, "trial": trial.number}
        out.append(
            _frozen(
                tuple(trial.values),
                trial.params,
                trial.distributions,
                trial.intermediate_values,
                {
                    **{k: v for k, v in trial.user_attrs.items() if not k.startswith("ah.")},
                    ATTR_WARM_START: source,
                },
            )
        )
    return out


def warm_start_trials(
    trials: Iterable[FrozenTrial], space: SearchSpace, n_values: int
) -> list[FrozenTrial]:
    """Those of `trials` that fit `space` (every active parameter inside its current domain,
    no other parameter), re-expressed with the space's distributions; duplicates dropped."""
    out = []
    seen: set[str] = set()
    for trial in trials:
        if trial.values is None or len(trial.values) != n_values:
            continue
        if not all(math.isfinite(v) or math.isinf(v) for v in trial.values):
            continue
        distributions = _fit(trial.params, space)
        if distributions is None:
            continue
        key = json.dumps(trial.params, sort_keys=True, default=repr)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            _frozen(
                tuple(trial.values),
                trial.params,
                distributions,
                trial.intermediate_values,
                trial.user_attrs,
            )
        )
    return out


def _fit(stored: Mapping[str, Any], space: SearchSpace) -> dict[str, BaseDistribution] | None:
    from ..backends._space_sampler import distribution

    decoded: dict[str, Any] = {}
    distributions: dict[str, BaseDistribution] = {}
    for name in space.order:
        dim, declared = space[name], space.original[name]
        if not space.is_active(name, decoded):
            if name in stored:
                return None
            continue
        if name not in stored:
            return None
        value = stored[name]
        if isinstance(declared, Categorical):
            try:
                decoded[name] = declared.decode(value)
            except KeyError:
                return None
            assert isinstance(dim, Categorical)
            if not dim.contains(decoded[name]):
                return None
        elif isinstance(dim, Float | Int):
            if not dim.contains(value) or (isinstance(dim, Int) and isinstance(value, float)):
                return None
            decoded[name] = value
        else:
            return None
        dist = distribution(dim, declared)
        if isinstance(dist, CategoricalDistribution) and value not in dist.choices:
            return None
        distributions[name] = dist
    if set(stored) - set(distributions):
        return None
    return distributions


def _frozen(
    values: tuple[float, ...],
    params: Mapping[str, Any],
    distributions: Mapping[str, BaseDistribution],
    intermediate: Mapping[int, float],
    user_attrs: Mapping[str, Any],
) -> FrozenTrial:
    now = dt.datetime.now()
    return FrozenTrial(
        number=0,
        state=TrialState.COMPLETE,
        value=None,
        values=list(values),
        datetime_start=now,
        datetime_complete=now,
        params=dict(params),
        distributions=dict(distributions),
        user_attrs=dict(user_attrs),
        system_attrs={},
        intermediate_values=dict(intermediate),
        trial_id=0,
    )


# The optimizer's side -----------------------------------------------------------------------
def check_cache_arguments(
    cache_dir: str | os.PathLike[str] | None, cache_key: Any, warm_start: Any
) -> None:
    """Refuse a bad `cache_key` or `warm_start` before the study is opened."""
    if not isinstance(cache_key, bool) and not (isinstance(cache_key, str) and cache_key.strip()):
        raise ValueError(f"cache_key must be True, False or a non-empty string, got {cache_key!r}")
    if cache_key is not False and cache_dir is None:
        raise ValueError(
            f"cache_key={cache_key!r} needs a cache_dir: the results are kept in "
            "<cache_dir>/results/"
        )
    if warm_start is None or warm_start is False:
        return
    if warm_start is True:
        if cache_dir is None:
            raise ValueError("warm_start=True starts from the result cache: it needs a cache_dir")
        return
    if not isinstance(warm_start, optuna.Study | str | os.PathLike):
        raise ValueError(
            "warm_start must be True (the result cache), an Optuna study, or a save_study() file "
            f"or storage holding one study, got {warm_start!r}"
        )


def warm_start_study(
    study: optuna.Study,
    space: SearchSpace,
    source: Any,
    cache: ResultCache | None,
    load: Callable[[Any], optuna.Study],
) -> int:
    """Add earlier results that fit `space` to a new `study`; how many were added.

    `source` is True (the result cache), an Optuna study, or what `load` opens (a saved file,
    a storage). A study that already has trials is left alone: it has a history of its own.
    """
    existing = len(study.get_trials(deepcopy=False))
    if existing:
        logger.info(
            "warm start skipped: study %r already has %d trials", study.study_name, existing
        )
        return 0
    if source is True:
        if cache is None:
            logger.warning("warm start skipped: the result cache is off (see the warning above)")
            return 0
        trials = cached_trials(cache)
        where = str(cache.path)
    else:
        origin = source if isinstance(source, optuna.Study) else load(source)
        trials = study_trials(origin)
        where = f"study {origin.study_name!r}"
    fitting = warm_start_trials(trials, space, len(study.directions))
    study.add_trials(fitting)
    logger.info(
        "warm start of study %r: %d of %d earlier results fit its search space (from %s)",
        study.study_name,
        len(fitting),
        len(trials),
        where,
    )
    return len(fitting)
