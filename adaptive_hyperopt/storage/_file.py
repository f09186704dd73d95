"""A study as one JSON file: `save_study` writes it, `load_study` reads it back.

Plain data whatever the file is called (the spec's example names it `.pkl`): loading never
executes anything from the file. Every trial keeps its number, state, values, parameters with
their distributions, intermediate values, times and attributes, so the loaded study is the
study (the search space, its change log and the objective's `module:qualname` travel in the
study's attributes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import distribution_to_json, json_to_distribution
from optuna.trial import FrozenTrial, TrialState

FORMAT = "adaptive-hyperopt-study"
LOST = "lost: the trial was still running when the study was saved"
VERSION = 1


def dump_study(study: optuna.Study, path: str | os.PathLike[str]) -> Path:
    """Write `study` to `path` atomically (a crash never leaves half a file); return the path."""
    target = Path(path)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "study_name": study.study_name,
        "directions": [d.name.lower() for d in study.directions],
        "user_attrs": study.user_attrs,
        "trials": [_trial_doc(t) for t in study.get_trials(deepcopy=False)],
    }
    text = json.dumps(doc, default=repr)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_study_file(
    path: str | os.PathLike[str], storage: optuna.storages.BaseStorage | None = None
) -> optuna.Study:
    """The study saved in `path`, recreated in `storage` (default: in memory)."""
    source = Path(path)
    try:
        doc = json.loads(source.read_text())
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{source} is not a study saved by save_study() (binary data: adaptive-hyperopt "
            "never unpickles files)"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is not a study saved by save_study() ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{source} is not a study saved by save_study() (no {FORMAT!r} header)")
    if doc.get("version") != VERSION:
        raise ValueError(
            f"{source} has format version {doc.get('version')!r}; this release reads {VERSION}"
        )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            storage=storage, study_name=doc["study_name"], directions=doc["directions"]
        )
    finally:
        optuna.logging.set_verbosity(verbosity)
    for key, value in doc["user_attrs"].items():
        study.set_user_attr(key, value)
    study.add_trials([_trial(t) for t in doc["trials"]])
    return study


def _trial_doc(trial: FrozenTrial) -> dict[str, Any]:
    return {
        "number": trial.number,
        "state": trial.state.name,
        "values": trial.values,
        "params": trial.params,
        "distributions": {k: distribution_to_json(d) for k, d in trial.distributions.items()},
        "intermediate_values": {str(k): v for k, v in trial.intermediate_values.items()},
        "user_attrs": trial.user_attrs,
        "system_attrs": trial.system_attrs,
        "datetime_start": _time(trial.datetime_start),
        "datetime_complete": _time(trial.datetime_complete),
    }


def _trial(doc: dict[str, Any]) -> FrozenTrial:
    state = TrialState[doc["state"]]
    complete = _parse(doc["datetime_complete"])
    if state == TrialState.RUNNING:  # the saving process is gone: it will never finish
        state, complete = TrialState.FAIL, _parse(doc["datetime_start"])
        doc = {**doc, "user_attrs": {**doc["user_attrs"], "ah.fail_reason": LOST}}
    return FrozenTrial(
        number=doc["number"],
        state=state,
        value=None,
        values=doc["values"],
        datetime_start=_parse(doc["datetime_start"]),
        datetime_complete=complete,
        params=doc["params"],
        distributions={k: json_to_distribution(v) for k, v in doc["distributions"].items()},
        user_attrs=doc["user_attrs"],
        system_attrs=doc["system_attrs"],
        intermediate_values={int(k): v for k, v in doc["intermediate_values"].items()},
        trial_id=0,
    )


def _time(when: dt.datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _parse(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)
