"""SearchSpace: versions, the edits adaptation and users make, JSON round-trip."""

from __future__ import annotations

import pytest

from adaptive_hyperopt.space import Categorical, SearchSpace

SPACE = {
    "algorithm": ("categorical", ["svm", "random_forest"]),
    "C": ("float", 0.1, 10.0, "log", "when", "algorithm", "svm"),
    "n_estimators": ("int", 10, 200, "when", "algorithm", "random_forest"),
    "act": ("categorical", [None, True, (1, 2), "relu"]),
}


def test_order_puts_parents_first() -> None:
    space = SearchSpace.from_dict(
        {"child": ("float", 0, 1, "when", "parent", "a"), "parent": ("categorical", ["a", "b"])}
    )
    assert space.order == ("parent", "child")


def test_edits_bump_the_version_and_keep_the_original() -> None:
    space = SearchSpace.from_dict(SPACE)
    assert space.version == 0
    narrowed = space.with_range("C", 0.5, 2.0)
    assert narrowed.version == 1 and narrowed["C"].low == 0.5  # type: ignore[attr-defined]
    assert narrowed.original["C"].low == 0.1  # type: ignore[attr-defined]
    assert space["C"].low == 0.1  # immutability  # type: ignore[attr-defined]
    widened = narrowed.with_range("n_estimators", 5, 500)
    assert widened.version == 2 and widened["n_estimators"].high == 500  # type: ignore[attr-defined]
    restored = widened.restored("C")
    assert restored["C"] == space["C"] and restored.version == 3


def test_choices_restrict_and_restore_in_declared_order() -> None:
    space = SearchSpace.from_dict(SPACE)
    fewer = space.with_choices("act", ["relu", None])
    assert fewer["act"].choices == (None, "relu")  # type: ignore[attr-defined]
    back = fewer.with_choices("act", [None, True, (1, 2), "relu"])
    assert back["act"].choices == space["act"].choices  # type: ignore[attr-defined]


def test_freeze_and_unfreeze() -> None:
    space = SearchSpace.from_dict(SPACE).frozen_at("n_estimators", 50)
    assert space["n_estimators"].frozen and space["n_estimators"].frozen_value == 50
    assert not space.unfrozen("n_estimators")["n_estimators"].frozen
    inside = space.with_range("n_estimators", 40, 60)  # holds the frozen value: stays frozen
    assert inside["n_estimators"].frozen and inside["n_estimators"].frozen_value == 50
    assert inside.unfrozen("n_estimators")["n_estimators"].low == 40  # type: ignore[attr-defined]


def test_an_edit_that_excludes_a_frozen_value_is_refused() -> None:
    space = SearchSpace.from_dict(SPACE).frozen_at("n_estimators", 50).frozen_at("act", "relu")
    with pytest.raises(ValueError, match=r"'n_estimators' is frozen at 50, outside \[100, 150\]"):
        space.with_range("n_estimators", 100, 150)
    with pytest.raises(ValueError, match=r"'act' is frozen at 'relu', which the choices"):
        space.with_choices("act", [None, True])
    kept = space.with_choices("act", ["relu", None])
    assert kept["act"].frozen and kept["act"].frozen_value == "relu"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.with_range("nope", 0, 1), r"unknown parameter 'nope'"),
        (lambda s: s.with_range("C", 2.0, 1.0), r"'C'.*low must be below high"),
        (lambda s: s.with_range("C", 0.0, 1.0), r"'C'.*low > 0"),
        (lambda s: s.with_range("n_estimators", 1.5, 10), r"integer parameter: low=1.5"),
        (lambda s: s.with_range("algorithm", 0, 1), r"'algorithm' is categorical"),
        (lambda s: s.with_choices("C", ["a"]), r"'C' is numeric"),
        (lambda s: s.with_choices("act", []), r"must not be empty"),
        (lambda s: s.with_choices("act", ["gelu"]), r"'gelu' is not one of the declared"),
        (lambda s: s.with_choices("act", "relu"), r"must be a list"),
        (lambda s: s.frozen_at("C", 100.0), r"cannot freeze 'C' at 100.0"),
        (lambda s: s.frozen_at("act", "gelu"), r"cannot freeze 'act'"),
        (lambda s: s.unfrozen("C"), r"'C' is not frozen"),
    ],
)
def test_invalid_edits_are_refused(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        edit(SearchSpace.from_dict(SPACE))


def test_is_active_follows_conditions() -> None:
    space = SearchSpace.from_dict(SPACE)
    assert space.is_active("C", {"algorithm": "svm"})
    assert not space.is_active("C", {"algorithm": "random_forest"})
    assert not space.is_active("C", {})
    assert space.is_active("act", {})


def test_json_round_trip_keeps_everything() -> None:
    space = SearchSpace.from_dict(SPACE).with_range("C", 0.2, 3.0).frozen_at("act", (1, 2))
    again = SearchSpace.from_json(space.to_json())
    assert again == space
    assert again["act"].frozen_value == (1, 2)
    assert isinstance(again["act"], Categorical) and again["act"].choices[2] == (1, 2)


def test_json_refuses_objects_it_cannot_hold() -> None:
    space = SearchSpace.from_dict({"f": ("categorical", [object, len])})
    with pytest.raises(ValueError, match=r"search_space\['f'\].*cannot be written to JSON"):
        space.to_json()


def test_user_edits_are_limits_and_adaptation_stays_inside_them() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 10.0), "n": ("int", 1, 100)})
    assert space.base is space and space.user == {}
    user = space.with_range("x", 2.0, 8.0)
    assert user.limit("x") == user["x"] and "n" not in user.user
    adapted = user.adapted({"x": user["x"].with_range(3.0, 4.0)})  # type: ignore[attr-defined]
    assert adapted.version == user.version + 1 and adapted["x"].high == 4.0  # type: ignore[attr-defined]
    assert adapted.user == user.user  # adaptation does not move the user's limits
    assert adapted.base["x"] == user["x"] and adapted.base.version == adapted.version
    with pytest.raises(
        ValueError, match=r"'x': \[1.0, 4.0\] leaves the allowed range \[2.0, 8.0\]"
    ):
        user.adapted({"x": user["x"].with_range(1.0, 4.0)}, beyond=True)  # type: ignore[attr-defined]
    # past the declared bound only when allowed, and never past a user's range
    wide = space["n"].with_range(1, 150)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"leaves the allowed range \[1, 100\]"):
        space.adapted({"n": wide})
    assert space.adapted({"n": wide}, beyond=True)["n"].high == 150  # type: ignore[attr-defined]
    # the user widening a parameter replaces adaptation's range and becomes the new limit
    widened = adapted.with_range("x", 0.0, 10.0)
    assert widened["x"].low == 0.0 and widened.limit("x").high == 10.0  # type: ignore[attr-defined]
    assert "x" not in widened.user  # back to the declared domain: no limit left
    assert adapted.restored("x").user == {}
    assert adapted.adapted({"x": adapted["x"]}) is adapted  # nothing changed: same space


def test_adaptation_cannot_undo_a_users_freeze() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "k": ("categorical", ["a", "b"])})
    frozen = space.frozen_at("k", "b")
    with pytest.raises(ValueError, match=r"'k' is frozen by the user at 'b'"):
        frozen.adapted({"k": frozen["k"].unfreeze()})
    by_adaptation = space.adapted({"x": space["x"].freeze(0.5)})
    assert by_adaptation["x"].frozen and by_adaptation.user == {}
    assert not by_adaptation.adapted({"x": by_adaptation["x"].unfreeze()})["x"].frozen
    with pytest.raises(ValueError, match="adaptation may change a domain"):
        space.adapted({"x": space["k"]})


def test_changes_from_names_what_moved() -> None:
    space = SearchSpace.from_dict(SPACE)
    new = space.adapted(
        {"C": space["C"].with_range(0.5, 2.0), "act": space["act"].freeze("relu")}  # type: ignore[attr-defined]
    )
    assert new.changes_from(space) == {"C": {"low": 0.5, "high": 2.0}, "act": {"frozen": "relu"}}


def test_json_round_trip_keeps_the_user_limits() -> None:
    space = SearchSpace.from_dict(SPACE).with_range("C", 0.2, 3.0).frozen_at("act", None)
    adapted = space.adapted({"C": space["C"].with_range(0.5, 1.0)})  # type: ignore[attr-defined]
    again = SearchSpace.from_json(adapted.to_json())
    assert again == adapted and again.user == adapted.user and again.limit("C").high == 3.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("bounds", [(0, 10**400), (-1e308, 1e308)])
def test_bounds_beyond_the_float_range_are_a_clear_error(bounds: tuple[float, float]) -> None:
    with pytest.raises(
        ValueError, match=r"search_space\['x'\]: (bounds|high) must be (finite|a finite number)"
    ):
        SearchSpace.from_dict({"x": ("float", *bounds)})
