"""The dashboard protocol: envelopes validated like untrusted input, kinds shared with the JS."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from adaptive_hyperopt.jupyter._protocol import (
    CONTROL_KINDS,
    STREAM_KINDS,
    ProtocolError,
    parse,
    reply,
)
from adaptive_hyperopt.space import SearchSpace

JS = Path(__file__).resolve().parents[2] / "widgets" / "dashboard.js"

SPACE = SearchSpace.from_dict(
    {
        "lr": ("float", 1e-4, 1e-1, "log"),
        "depth": ("int", 1, 10),
        "act": ("categorical", ["relu", None, (1, 2)]),
    }
)


def js_list(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[(.*?)\];", JS.read_text(), re.S)
    assert match, f"{name} not found in {JS}"
    return re.findall(r'"([a-z_]+)"', match.group(1))


def test_python_and_javascript_agree_on_the_message_kinds() -> None:
    assert js_list("STREAM_KINDS") == list(STREAM_KINDS)
    assert js_list("CONTROL_KINDS") == list(CONTROL_KINDS)


def test_valid_requests_are_parsed_with_categorical_indices_turned_into_the_declared_objects() -> (
    None
):
    r = parse(
        {"kind": "set_range", "id": "a1", "name": "lr", "low": 0.001, "high": 0.01},
        CONTROL_KINDS,
        SPACE,
    )
    assert (r.kind, r.id, r.args) == ("set_range", "a1", {"name": "lr", "low": 0.001, "high": 0.01})
    r = parse(
        {"kind": "set_choices", "id": 7, "name": "act", "choices": [2, 1]}, CONTROL_KINDS, SPACE
    )
    assert r.args["choices"] == [None, (1, 2)]
    r = parse({"kind": "freeze", "id": 8, "name": "act", "value": 2}, CONTROL_KINDS, SPACE)
    assert r.args["value"] == (1, 2)
    assert (
        parse({"kind": "freeze", "id": 9, "name": "depth", "value": 3}, CONTROL_KINDS, SPACE).args[
            "value"
        ]
        == 3
    )
    assert parse({"kind": "pause", "id": "p"}, CONTROL_KINDS, SPACE).args == {}
    assert parse({"kind": "snapshot", "id": "s"}, STREAM_KINDS).kind == "snapshot"


@pytest.mark.parametrize(
    ("msg", "error"),
    [
        ("pause", "a message must be an object, got str"),
        ({"kind": "pause"}, "id must be a string or an integer, got None"),
        ({"kind": "pause", "id": True}, "id must be a string or an integer, got True"),
        ({"kind": "pause", "id": "x" * 65}, "id must be 1 to 64 characters long"),
        ({"kind": "pause", "id": -1}, r"id must be an integer in \[0, 2\*\*53\)"),
        ({"kind": "explode", "id": 1}, "unknown kind 'explode'"),
        ({"kind": "snapshot", "id": 1}, "unknown kind 'snapshot'"),
        ({"kind": "pause", "id": 1, "extra": 2}, r"pause: unexpected field\(s\) \['extra'\]"),
        ({"kind": "set_range", "id": 1, "name": "lr"}, r"missing field\(s\) \['low', 'high'\]"),
        (
            {"kind": "set_range", "id": 1, "name": "nope", "low": 0, "high": 1},
            "unknown parameter 'nope'",
        ),
        (
            {"kind": "set_range", "id": 1, "name": 3, "low": 0, "high": 1},
            "name must be a parameter's name",
        ),
        (
            {"kind": "set_range", "id": 1, "name": "lr", "low": "0", "high": 1},
            "low must be a number, got '0'",
        ),
        (
            {"kind": "set_range", "id": 1, "name": "lr", "low": True, "high": 1},
            "low must be a number, got True",
        ),
        (
            {"kind": "set_range", "id": 1, "name": "lr", "low": 0.1, "high": float("nan")},
            "high must be finite",
        ),
        (
            {"kind": "set_range", "id": 1, "name": "lr", "low": 0.1, "high": 0.01},
            "low must be below high",
        ),
        ({"kind": "set_range", "id": 1, "name": "depth", "low": 0, "high": 2**60}, "out of range"),
        (
            {"kind": "set_range", "id": 1, "name": "act", "low": 0, "high": 1},
            "'act' is categorical",
        ),
        ({"kind": "set_choices", "id": 1, "name": "lr", "choices": [0]}, "'lr' is numeric"),
        (
            {"kind": "set_choices", "id": 1, "name": "act", "choices": []},
            "must be a non-empty list",
        ),
        (
            {"kind": "set_choices", "id": 1, "name": "act", "choices": [3]},
            r"index in \[0, 3\), got 3",
        ),
        (
            {"kind": "set_choices", "id": 1, "name": "act", "choices": [0, 0]},
            "lists an index twice",
        ),
        ({"kind": "set_choices", "id": 1, "name": "act", "choices": ["relu"]}, "index in"),
        ({"kind": "freeze", "id": 1, "name": "act", "value": "relu"}, "index in"),
        ({"kind": "freeze", "id": 1, "name": "lr", "value": "x"}, "value must be a number"),
    ],
)
def test_invalid_messages_are_refused_with_a_message_naming_the_problem(
    msg: Any, error: str
) -> None:
    with pytest.raises(ProtocolError, match=error) as info:
        parse(msg, CONTROL_KINDS, SPACE)
    if isinstance(msg, dict) and type(msg.get("id")) is int and msg["id"] == 1:
        assert info.value.id == 1  # the id is echoed whenever it was readable


def test_reply_echoes_the_id() -> None:
    assert reply("q", False, "no") == {"kind": "reply", "id": "q", "ok": False, "message": "no"}


VALID = [
    {"kind": "set_range", "id": 1, "name": "lr", "low": 0.001, "high": 0.01},
    {"kind": "set_choices", "id": 1, "name": "act", "choices": [0, 1]},
    {"kind": "freeze", "id": 1, "name": "depth", "value": 3},
    {"kind": "unfreeze", "id": 1, "name": "lr"},
    {"kind": "pause", "id": 1},
    {"kind": "stop", "id": 1},
]
# Values no field accepts (an id accepts short strings and small ints, so none are here).
JUNK = [
    None,
    True,
    2**60,
    -(2**60),
    float("inf"),
    float("nan"),
    "",
    "x" * 300,
    [],
    {},
    [True],
    {"a": 1},
]


def malformed(rng: random.Random) -> Any:
    """A message that must be refused: junk, or a valid one with one field broken or missing."""
    if rng.random() < 0.1:
        return rng.choice([*JUNK, "pause", 1.5, ["pause"]])
    msg = dict(rng.choice(VALID))
    how = rng.choice(["junk", "drop", "extra"])
    field = rng.choice(list(msg))
    if how == "extra":
        msg["extra"] = rng.choice(JUNK)
    elif how == "drop":
        del msg[field]
    else:
        msg[field] = rng.choice(JUNK)
    return msg


def test_a_thousand_malformed_messages_are_all_refused() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        msg = malformed(rng)
        with pytest.raises(ProtocolError):
            parse(msg, CONTROL_KINDS, SPACE)
