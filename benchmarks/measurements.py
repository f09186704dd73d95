"""The side benchmarks' JSON documents (overheads, scaling, dashboard): one record per cell.

A document is ``{"records": [...], "machine": {...}}``. A cell measured again replaces the
record with the same key, and the document is written after every cell, so a long run can be
stopped and resumed cell by cell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .machine import describe_machine, load_average, now_iso


def load_document(path: Path) -> dict[str, Any]:
    """The document kept at `path`, or an empty one."""
    if path.exists():
        doc: dict[str, Any] = json.loads(path.read_text())
        return doc
    return {"records": []}


def measure_cell(
    command: str, measure: Callable[..., dict[str, Any]], *args: Any
) -> dict[str, Any]:
    """`measure(*args)`'s record, stamped with the date, the load before and after, and
    `command`."""
    before = load_average()
    record = measure(*args)
    record.update(date=now_iso(), load_before=before, load_after=load_average(), command=command)
    return record


def save_cell(path: Path, record: dict[str, Any], key: Sequence[str]) -> dict[str, Any]:
    """Write `record` into the document at `path` in place of the one with the same `key`
    fields; returns the document."""
    doc = load_document(path)
    same = tuple(record[k] for k in key)
    doc["records"] = [r for r in doc["records"] if tuple(r[k] for k in key) != same] + [record]
    doc["machine"] = describe_machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
    return doc
