"""Shared helpers for precise error messages."""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger("adaptive_hyperopt")

_warned: set[str] = set()


def unknown_keyword(where: str, name: str, known: Iterable[str]) -> TypeError:
    """A TypeError for an unexpected keyword, with Python's did-you-mean convention."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f". Did you mean {close[0]!r}?" if close else ""
    return TypeError(f"{where} got an unexpected keyword argument {name!r}{hint}")


def warn_once(key: str, message: str) -> None:
    """Log `message` as a warning the first time `key` is seen in this process."""
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_memory(field: str, value: Any) -> int | None:
    """Parse "4GB", "512MiB", "1.5g" or a number of bytes into bytes; None passes through."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(
            f"{field}: expected a size such as '4GB' or a number of bytes, got {value!r}"
        )
    if isinstance(value, int | float):
        size = float(value)
    elif isinstance(value, str) and (m := _SIZE.match(value)):
        unit = (m.group(2) or "").lower()
        binary = "i" in unit
        letter = unit[:1] if unit[:1] in "kmgt" else ""
        base = 1024 ** ("kmgt".index(letter) + 1) if binary and letter else _UNITS[letter]
        size = float(m.group(1)) * base
    else:
        raise ValueError(
            f"{field}: expected a size such as '4GB' or a number of bytes, got {value!r}"
        )
    if not 0 < size < math.inf:  # also rejects NaN
        raise ValueError(f"{field}: must be a positive, finite size, got {value!r}")
    return int(size)
