"""Journal files: repair a torn last line, refuse damage anywhere else, name failed writes.

A crash in the middle of an append leaves a partial last line. Optuna silently drops it on
load (a trial stays RUNNING forever) and then glues its next append onto it, after which the
file no longer loads at all. So before Optuna opens a journal, a torn last line is cut off,
with a backup of the original beside it and a warning; an unreadable line before the last means
real damage, and the file is refused with its line number rather than replaced by a fresh study.

A write that fails (a full disk, a lost mount) raises JournalWriteError naming the file. Optuna's
journal appends a record before applying it, so the study in memory never runs ahead of the
file: what was written before the failure (every finished trial) stays in it.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from optuna.storages.journal import BaseJournalBackend, JournalFileBackend

logger = logging.getLogger("adaptive_hyperopt")


class JournalDamagedError(ValueError):
    """A journal file holds an unreadable record before its last line."""


def check_journal(path: Path) -> None:
    """Repair a torn last record of the journal at `path`; raise if it is damaged elsewhere."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    lines = data.split(b"\n")
    # A complete journal ends with a newline, so its split ends with an empty piece.
    torn = lines[-1] != b""
    body = lines[:-1]
    for index, line in enumerate(body, start=1):
        if not _readable(line):
            if index == len(body) and not torn:  # the last record itself is garbled: torn
                _repair(path, data, len(data) - len(line) - 1)
                return
            raise JournalDamagedError(
                f"journal {str(path)!r} is damaged at line {index} of {len(body) + torn}: "
                "it cannot be read safely; restore it from a backup or use another study_name"
            )
    if torn:
        _repair(path, data, len(data) - len(lines[-1]))


def _readable(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _repair(path: Path, data: bytes, keep: int) -> None:
    backup = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%d-%H%M%S')}.bak")
    shutil.copy2(path, backup)
    with path.open("r+b") as fh:
        fh.truncate(keep)
    logger.warning(
        "journal %s ended with a torn record (%d bytes, a crash during a write); cut it off, "
        "original kept as %s",
        path,
        len(data) - keep,
        backup,
    )


class JournalWriteError(OSError):
    """A journal file could not be written; what was written before is kept in it."""


class CheckedJournalFileBackend(BaseJournalBackend):
    """Optuna's JournalFileBackend whose failed writes say which file and why."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._inner = JournalFileBackend(str(path))

    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """The records from `log_number_from` on."""
        return self._inner.read_logs(log_number_from)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append records, or raise JournalWriteError naming the file."""
        try:
            self._inner.append_logs(logs)
        except OSError as exc:
            raise JournalWriteError(
                exc.errno,
                f"journal {str(self.path)!r} cannot be written: {exc.strerror or exc}; the "
                "trials finished before are kept in it",
            ) from exc
