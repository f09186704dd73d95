"""SearchSpace: an immutable, versioned set of dimensions and the edits adaptation needs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from ._dimensions import Categorical, Condition, Dimension, Float, Int, same_value
from ._parse import parse_space, validate_choices, validate_range


class SearchSpace(Mapping[str, Dimension]):
    """A search space. Every edit returns a new space whose `version` is one higher.

    Three layers: `original` keeps the dimensions as declared, so an edit can always be undone;
    `user` holds what the user set by hand (ranges, choices, freezes), the limits automatic
    adaptation works inside; and the space itself, which adaptation may narrow, expand or freeze
    further (`adapted`). The user's edits (`with_range`, `with_choices`, `frozen_at`,
    `unfrozen`, `restored`) change both the space and its user limits.
    """

    __slots__ = ("_dims", "_order", "original", "user", "version")

    def __init__(
        self,
        dims: Mapping[str, Dimension],
        *,
        original: Mapping[str, Dimension] | None = None,
        version: int = 0,
        user: Mapping[str, Dimension] | None = None,
    ) -> None:
        self._dims = dict(dims)
        self.original: dict[str, Dimension] = dict(original if original is not None else dims)
        self.user: dict[str, Dimension] = dict(user or {})
        self.version = version
        self._order = _topological(self._dims)

    @classmethod
    def from_dict(cls, search_space: Mapping[str, Any] | SearchSpace) -> SearchSpace:
        """Parse the spec's tuple DSL (or pass a SearchSpace through)."""
        if isinstance(search_space, SearchSpace):
            return search_space
        return cls(parse_space(search_space))

    # Mapping protocol -------------------------------------------------------------------
    def __getitem__(self, name: str) -> Dimension:
        return self._dims[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._dims)

    def __repr__(self) -> str:
        return f"SearchSpace(version={self.version}, params={list(self._order)})"

    @property
    def order(self) -> tuple[str, ...]:
        """Parameter names with every parent before its children."""
        return self._order

    def is_active(self, name: str, params: Mapping[str, Any]) -> bool:
        """Whether `name` is active given the values already chosen for its ancestors."""
        cond = self._dims[name].condition
        if cond is None:
            return True
        return cond.parent in params and cond.holds(params[cond.parent])

    # The user's limits ----------------------------------------------------------------------
    def limit(self, name: str) -> Dimension:
        """The domain the user allows for `name`: their last edit, else the declared one."""
        return self.user.get(name) or self.original[name]

    @property
    def base(self) -> SearchSpace:
        """This space without automatic adaptation: every parameter at its user limit.

        Same version: it is a view of this space, not an edit.
        """
        dims = {name: self.limit(name) for name in self._order}
        if dims == self._dims:
            return self
        return SearchSpace(dims, original=self.original, version=self.version, user=self.user)

    # Edits by the user ----------------------------------------------------------------------
    def _edited(self, dim: Dimension, user: Dimension | None) -> SearchSpace:
        dims = dict(self._dims)
        dims[dim.name] = dim
        limits = dict(self.user)
        if user is None or user == self.original[dim.name]:
            limits.pop(dim.name, None)
        else:
            limits[dim.name] = user
        return SearchSpace(dims, original=self.original, version=self.version + 1, user=limits)

    def _numeric(self, name: str) -> Float | Int:
        dim = self._require(name)
        if not isinstance(dim, Float | Int):
            raise ValueError(f"{name!r} is categorical: use set_choices, not a numeric range")
        return dim

    def _require(self, name: str) -> Dimension:
        if name not in self._dims:
            known = ", ".join(repr(n) for n in self._order)
            raise ValueError(f"unknown parameter {name!r}; the search space has {known}")
        return self._dims[name]

    def _user_frozen(self, name: str) -> bool:
        return name in self.user and self.user[name].frozen

    def with_range(self, name: str, low: float, high: float) -> SearchSpace:
        """Narrow or widen a numeric parameter to [low, high] (the user's limit from now on).

        A frozen parameter stays frozen when its value lies inside the new range (the range
        applies once it is unfrozen); a range that excludes the frozen value is refused.
        """
        dim = self._numeric(name)
        if isinstance(dim, Int):
            for label, bound in (("low", low), ("high", high)):
                if isinstance(bound, bool) or float(bound) != int(bound):
                    raise ValueError(f"{name!r} is an integer parameter: {label}={bound!r}")
        validate_range(name, dim.kind, float(low), float(high), dim.log)
        new = dim.with_range(low, high)
        if new.frozen and not new.contains(new.frozen_value):
            raise ValueError(
                f"{name!r} is frozen at {new.frozen_value!r}, outside [{low}, {high}]: "
                "unfreeze it first, or choose a range that holds that value"
            )
        limit = new if self._user_frozen(name) else new.unfreeze()
        return self._edited(new, limit)

    def with_choices(self, name: str, choices: Any) -> SearchSpace:
        """Restrict (or restore) a categorical parameter to a subset of its declared choices.

        As with `with_range`, a frozen parameter stays frozen if its value is still a choice;
        choices that exclude the frozen value are refused.
        """
        dim = self._require(name)
        if not isinstance(dim, Categorical):
            raise ValueError(f"{name!r} is numeric: use set_range, not choices")
        chosen = tuple(choices) if isinstance(choices, list | tuple) else None
        if chosen is None:
            raise ValueError(f"choices for {name!r} must be a list, got {choices!r}")
        validate_choices(name, chosen)
        declared = self.original[name]
        assert isinstance(declared, Categorical)
        for c in chosen:
            if not declared.contains(c):
                raise ValueError(f"{c!r} is not one of the declared choices of {name!r}")
        picked = [declared.index(c) for c in chosen]
        # Keep the declared order so the sampler sees a stable list.
        ordered = tuple(c for i, c in enumerate(declared.choices) if i in picked)
        new = dim.with_choices(ordered)
        if new.frozen and not new.contains(new.frozen_value):
            raise ValueError(
                f"{name!r} is frozen at {new.frozen_value!r}, which the choices {list(ordered)!r} "
                "exclude: unfreeze it first, or keep that choice"
            )
        limit = new if self._user_frozen(name) else new.unfreeze()
        return self._edited(new, limit)

    def frozen_at(self, name: str, value: Any) -> SearchSpace:
        """Pin `name` at `value` (which must lie in the declared domain)."""
        dim = self._require(name)
        declared = self.original[name]
        if not declared.contains(value) and not dim.contains(value):
            raise ValueError(f"cannot freeze {name!r} at {value!r}: outside its domain")
        if isinstance(dim, Int):
            value = int(value)
        elif isinstance(dim, Float):
            value = float(value)
        elif isinstance(declared, Categorical):
            value = declared.choice(value)
        return self._edited(dim.freeze(value), self.limit(name).freeze(value))

    def unfrozen(self, name: str) -> SearchSpace:
        """Sample `name` again over its current domain."""
        dim = self._require(name)
        if not dim.frozen:
            raise ValueError(f"{name!r} is not frozen")
        return self._edited(dim.unfreeze(), self.limit(name).unfreeze())

    def restored(self, name: str) -> SearchSpace:
        """Return `name` to the domain it was declared with (and drop the user's limit)."""
        self._require(name)
        return self._edited(self.original[name], None)

    # Edits by adaptation --------------------------------------------------------------------
    def adapted(self, dims: Mapping[str, Dimension], *, beyond: bool = False) -> SearchSpace:
        """A space one version higher with `dims` replaced, inside the user's limits.

        Automatic adaptation edits through here: the user's limits stay as they are. A numeric
        range must lie inside the user's range; a parameter the user never edited may go past its
        declared bounds only with `beyond=True`. Choices must be among the user's choices; a
        parameter the user froze stays frozen at that value. Returns this space when nothing
        differs.
        """
        changed = {}
        for name, dim in dims.items():
            current = self._require(name)
            if dim == current:
                continue
            self._check_adapted(current, dim, beyond)
            changed[name] = dim
        if not changed:
            return self
        new = dict(self._dims)
        new.update(changed)
        return SearchSpace(new, original=self.original, version=self.version + 1, user=self.user)

    def _check_adapted(self, current: Dimension, dim: Dimension, beyond: bool) -> None:
        name = current.name
        if type(dim) is not type(current) or dim.name != name or dim.condition != current.condition:
            raise ValueError(f"{name!r}: adaptation may change a domain, not the parameter itself")
        limit = self.limit(name)
        if limit.frozen and not (dim.frozen and same_value(dim.frozen_value, limit.frozen_value)):
            raise ValueError(f"{name!r} is frozen by the user at {limit.frozen_value!r}")
        if isinstance(dim, Float | Int):
            assert isinstance(limit, Float | Int)
            if dim.log != limit.log:
                raise ValueError(f"{name!r}: adaptation cannot change the scale")
            validate_range(name, dim.kind, float(dim.low), float(dim.high), dim.log)
            free = beyond and name not in self.user
            if not free and (dim.low < limit.low or dim.high > limit.high):
                raise ValueError(
                    f"{name!r}: [{dim.low}, {dim.high}] leaves the allowed range "
                    f"[{limit.low}, {limit.high}]"
                )
        elif isinstance(dim, Categorical):
            assert isinstance(limit, Categorical)
            validate_choices(name, dim.choices)
            if any(not limit.contains(c) for c in dim.choices):
                raise ValueError(f"{name!r}: choices {list(dim.choices)!r} leave the allowed ones")
        if dim.frozen and not (dim.contains(dim.frozen_value) or limit.contains(dim.frozen_value)):
            raise ValueError(f"{name!r}: frozen value {dim.frozen_value!r} is outside its domain")

    def changes_from(self, old: SearchSpace) -> dict[str, dict[str, Any]]:
        """Per parameter, what differs from `old` (for events): range, choices, frozen."""
        out: dict[str, dict[str, Any]] = {}
        for name in self._order:
            new, was = self._dims[name], old._dims.get(name)
            if new == was or was is None:
                continue
            change: dict[str, Any] = {}
            if isinstance(new, Float | Int) and isinstance(was, Float | Int):
                if (new.low, new.high) != (was.low, was.high):
                    change.update(low=new.low, high=new.high)
            elif (
                isinstance(new, Categorical)
                and isinstance(was, Categorical)
                and new.choices != was.choices
            ):
                change["choices"] = list(new.choices)
            if new.frozen != was.frozen or (new.frozen and new.frozen_value != was.frozen_value):
                change["frozen"] = new.frozen_value if new.frozen else None
            out[name] = change
        return out

    # Serialization ------------------------------------------------------------------------
    def to_json(self) -> str:
        """A JSON document that `from_json` turns back into an equal space."""
        return json.dumps(
            {
                "version": self.version,
                "params": [_dim_to_obj(self._dims[n]) for n in self._order],
                "original": [_dim_to_obj(self.original[n]) for n in self._order],
                "user": [_dim_to_obj(self.user[n]) for n in self._order if n in self.user],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SearchSpace:
        """Inverse of `to_json`."""
        doc = json.loads(text)
        dims = {o["name"]: _dim_from_obj(o) for o in doc["params"]}
        original = {o["name"]: _dim_from_obj(o) for o in doc["original"]}
        user = {o["name"]: _dim_from_obj(o) for o in doc.get("user", [])}
        return cls(dims, original=original, version=int(doc["version"]), user=user)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return (
            self._dims == other._dims
            and self.original == other.original
            and self.user == other.user
            and self.version == other.version
        )

    __hash__ = None  # type: ignore[assignment]


def _topological(dims: Mapping[str, Dimension]) -> tuple[str, ...]:
    order: list[str] = []
    placed: set[str] = set()

    def place(name: str) -> None:
        if name in placed:
            return
        cond = dims[name].condition
        if cond is not None:
            place(cond.parent)
        placed.add(name)
        order.append(name)

    for name in dims:
        place(name)
    return tuple(order)


def _value_to_json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"tuple": [_value_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_value_to_json(v) for v in value]
    raise ValueError(f"{value!r} ({type(value).__name__}) cannot be written to JSON")


def _value_from_json(obj: Any) -> Any:
    if isinstance(obj, dict) and set(obj) == {"tuple"}:
        return tuple(_value_from_json(v) for v in obj["tuple"])
    if isinstance(obj, list):
        return [_value_from_json(v) for v in obj]
    return obj


def _dim_to_obj(dim: Dimension) -> dict[str, Any]:
    obj: dict[str, Any] = {"name": dim.name, "type": dim.kind}
    if isinstance(dim, Float | Int):
        obj.update(low=dim.low, high=dim.high, log=dim.log)
    elif isinstance(dim, Categorical):
        try:
            obj["choices"] = [_value_to_json(c) for c in dim.choices]
        except ValueError as exc:
            raise ValueError(f"search_space[{dim.name!r}]: {exc}") from None
    if dim.condition is not None:
        obj["when"] = {
            "parent": dim.condition.parent,
            "values": [_value_to_json(v) for v in dim.condition.values],
        }
    if dim.frozen:
        obj["frozen"] = _value_to_json(dim.frozen_value)
    return obj


def _dim_from_obj(obj: Mapping[str, Any]) -> Dimension:
    cond = None
    if "when" in obj:
        when = obj["when"]
        cond = Condition(when["parent"], tuple(_value_from_json(v) for v in when["values"]))
    dim: Dimension
    if obj["type"] == "float":
        dim = Float(obj["name"], float(obj["low"]), float(obj["high"]), bool(obj["log"]))
    elif obj["type"] == "int":
        dim = Int(obj["name"], int(obj["low"]), int(obj["high"]), bool(obj["log"]))
    else:
        dim = Categorical(obj["name"], tuple(_value_from_json(c) for c in obj["choices"]))
    dim = replace(dim, condition=cond)
    if "frozen" in obj:
        dim = dim.freeze(_value_from_json(obj["frozen"]))
    return dim
