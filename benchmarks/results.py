"""The JSON results file: one record per (problem, contender, seed, budget), saved after each run.

Layout (``schema`` 1)::

    {"schema": 1,
     "sessions": [{"id", "command", "machine", "started", "finished",
                   "loadavg_start", "loadavg_end"}, ...],
     "records": [
       {"problem", "contender", "seed", "n_trials", "status": "ok" | "failed",
        "error", "traceback", "trace": [best-so-far objective after each evaluation,
        null before the first success], "n_evaluations", "n_failed_evaluations",
        "best_value", "best_params", "wall_time_s", "finished_at", "version", "session"},
       ...]}

Records are written one per line so diffs of the kept peers' file stay readable. Every save
rewrites the file atomically (temporary file + rename), so an interrupted run never leaves a
torn file, and a rerun skips the records already present.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SCHEMA = 1
Record = dict[str, Any]
RecordKey = tuple[str, str, int, int]


def record_key(record: Record) -> RecordKey:
    """The identity of a record: problem, contender, seed and budget."""
    return (
        str(record["problem"]),
        str(record["contender"]),
        int(record["seed"]),
        int(record["n_trials"]),
    )


class ResultStore:
    """A results file loaded in memory; :meth:`put` saves at once."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.sessions: list[dict[str, Any]] = []
        self._records: dict[RecordKey, Record] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                raise ValueError(f"{self.path}: unsupported schema {data.get('schema')!r}")
            self.sessions = list(data.get("sessions", []))
            for rec in data.get("records", []):
                self._records[record_key(rec)] = rec

    @property
    def records(self) -> list[Record]:
        """All records, in insertion order."""
        return list(self._records.values())

    def get(self, key: RecordKey) -> Record | None:
        """The record with this key, or None."""
        return self._records.get(key)

    def put(self, record: Record) -> None:
        """Add or replace a record and save the file."""
        self._records[record_key(record)] = record
        self.save()

    def start_session(self, info: dict[str, Any]) -> int:
        """Append a session description (the command and machine of a run); returns its id."""
        session_id = 1 + max((int(s.get("id", 0)) for s in self.sessions), default=0)
        self.sessions.append({"id": session_id, **info})
        self.save()
        return session_id

    def update_session(self, session_id: int, info: dict[str, Any]) -> None:
        """Merge ``info`` into a session description and save."""
        for s in self.sessions:
            if s.get("id") == session_id:
                s.update(info)
        self.save()

    def merge(self, other: ResultStore) -> int:
        """Add `other`'s sessions (renumbered) and its records not present here; save once.

        Returns the number of records added; a record already here is kept, as a run skips it.
        """
        renumber: dict[Any, int] = {}
        first = 1 + max((int(s.get("id", 0)) for s in self.sessions), default=0)
        for offset, session in enumerate(other.sessions):
            renumber[session.get("id")] = first + offset
            self.sessions.append({**session, "id": first + offset, "merged_from": str(other.path)})
        added = 0
        for rec in other.records:
            key = record_key(rec)
            if key not in self._records:
                self._records[key] = {**rec, "session": renumber.get(rec.get("session"))}
                added += 1
        self.save()
        return added

    def _mode(self) -> int:
        """Keep an existing file's permissions; new files get 0o644 less the umask."""
        if self.path.exists():
            return self.path.stat().st_mode & 0o777
        umask = os.umask(0)
        os.umask(umask)
        return 0o644 & ~umask

    def save(self) -> None:
        """Write the whole file atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f'{{"schema": {SCHEMA},']
        lines.append(' "sessions": ' + json.dumps(self.sessions, sort_keys=True) + ",")
        lines.append(' "records": [')
        recs = [json.dumps(r, sort_keys=True, allow_nan=False) for r in self._records.values()]
        lines.append(",\n".join(recs))
        lines.append("]}")
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, self._mode())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load_records(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[list[Record], list[dict[str, Any]]]:
    """Records and sessions of several results files (missing files are skipped).

    A record key present in several files is taken from the last file.
    """
    merged: dict[RecordKey, Record] = {}
    sessions: list[dict[str, Any]] = []
    for path in paths:
        if not Path(path).exists():
            continue
        store = ResultStore(path)
        for rec in store.records:
            merged[record_key(rec)] = rec
        sessions.extend({**s, "file": str(path)} for s in store.sessions)
    return list(merged.values()), sessions


def render_saved(path: Path, render: Callable[[dict[str, Any]], str]) -> str:
    """`render` applied to the JSON document kept in `path` ("" when there is none)."""
    if not path.exists():
        return ""
    return render(json.loads(path.read_text()))
