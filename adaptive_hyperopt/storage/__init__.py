"""Where a study lives: an Optuna storage chosen from `storage` or `cache_dir`.

- nothing given: Optuna's in-memory storage;
- `cache_dir`: a journal file per study, `<cache_dir>/<study_name>.journal`;
- `storage`: an Optuna storage object, `sqlite:///...`, `postgresql://...`, `mysql://...`
  (Optuna's RDBStorage), `redis://...` (Optuna's journal on Redis), or a path to a
  `.journal` file.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalRedisBackend

from ._journal import (
    CheckedJournalFileBackend,
    JournalDamagedError,
    JournalWriteError,
    check_journal,
)

DEFAULT_DIR = ".adaptive_hyperopt"
_RDB_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "mysql:", "mysql+")


def journal_path(cache_dir: str | os.PathLike[str], study_name: str) -> Path:
    """The journal file of `study_name` under `cache_dir`."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in study_name)
    return Path(cache_dir) / f"{safe}.journal"


def open_storage(
    storage: Any, cache_dir: str | os.PathLike[str] | None, study_name: str
) -> tuple[BaseStorage | None, str]:
    """The Optuna storage to use (None: in-memory) and a human description of where it is."""
    if storage is None and cache_dir is None:
        return None, "memory"
    if isinstance(storage, BaseStorage):
        return storage, type(storage).__name__
    if storage is None:
        path = journal_path(cache_dir, study_name)  # type: ignore[arg-type]
        return _journal_file(path), str(path)
    if not isinstance(storage, str | os.PathLike):
        raise ValueError(f"storage must be a URL, a path or an Optuna storage, got {storage!r}")
    url = os.fspath(storage)
    if url.startswith(_RDB_SCHEMES):
        engine_kwargs = {"connect_args": {"timeout": 30}} if url.startswith("sqlite:") else None
        return _rdb(url, engine_kwargs), url
    if url.startswith(("redis://", "rediss://", "unix://")):
        with warnings.catch_warnings():  # "experimental" in Optuna, and what we chose
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return JournalStorage(JournalRedisBackend(url)), url
    if url.endswith((".journal", ".log")):
        return _journal_file(Path(url)), url
    raise ValueError(
        f"storage {url!r} is not understood: use sqlite:///FILE, postgresql://..., "
        f"redis://HOST:PORT/DB, a path ending in .journal, or an Optuna storage object"
    )


def _rdb(url: str, engine_kwargs: dict[str, Any] | None) -> RDBStorage:
    """Optuna's RDBStorage, retried while other processes create the same fresh schema."""
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(5):
        try:
            return RDBStorage(url, engine_kwargs=engine_kwargs)
        except SQLAlchemyError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _journal_file(path: Path) -> JournalStorage:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        check_journal(path)
        storage = JournalStorage(CheckedJournalFileBackend(path))
    except PermissionError as exc:
        raise ValueError(f"journal {str(path)!r} cannot be written: {exc.strerror}") from exc
    return storage


__all__ = [
    "DEFAULT_DIR",
    "JournalDamagedError",
    "JournalWriteError",
    "journal_path",
    "open_storage",
]
