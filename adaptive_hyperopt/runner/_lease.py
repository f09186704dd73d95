"""Leases on running trials, so a killed worker's trial never stays RUNNING.

Optuna's journal storages have no heartbeat, and RDB heartbeats only act when some worker
starts a trial with Optuna's own loop. So every driver on a persistent storage stamps its running
trials with a heartbeat (a trial system attribute) every `interval` seconds from a small thread
that sleeps in between, and at its trial boundaries fails the RUNNING trials of the study whose
heartbeat is older than `grace` ("worker lost"), re-queueing their parameters when asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import TrialState

logger = logging.getLogger("adaptive_hyperopt")

ATTR_HEARTBEAT = "ah.heartbeat"


def grace_for(interval: float) -> float:
    """How long a trial may go without a heartbeat before it counts as lost."""
    return 3 * interval + 1.0


class Heartbeat(threading.Thread):
    """Stamps the trials `running()` names, every `interval` seconds, until stopped."""

    def __init__(self, storage: Any, interval: float, running: Callable[[], Iterable[int]]) -> None:
        super().__init__(name="adaptive-hyperopt-heartbeat", daemon=True)
        self._storage = storage
        self._interval = interval
        self._running = running
        self._stop = threading.Event()

    def beat(self, trial_id: int) -> None:
        """Stamp one trial now (a trial is stamped as soon as it starts)."""
        try:
            self._storage.set_trial_system_attr(trial_id, ATTR_HEARTBEAT, time.time())
        except UpdateFinishedTrialError:
            pass  # it finished in the meantime
        except Exception:  # a storage hiccup must not kill the study; the next beat retries
            logger.debug("heartbeat of trial %d failed", trial_id, exc_info=True)

    def run(self) -> None:
        while not self._stop.wait(self._interval):
            for trial_id in list(self._running()):
                self.beat(trial_id)

    def stop(self) -> None:
        """End the thread."""
        self._stop.set()


def reap_stale(
    study: optuna.Study,
    grace: float,
    mine: Iterable[int],
    requeue: Callable[[optuna.trial.FrozenTrial], None] | None,
) -> list[int]:
    """Fail the RUNNING trials (not in `mine`) whose last heartbeat is older than `grace`."""
    now = time.time()
    own = set(mine)
    reaped = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if trial._trial_id in own:
            continue
        stamp = trial.system_attrs.get(ATTR_HEARTBEAT)
        if stamp is None and trial.datetime_start is not None:
            stamp = trial.datetime_start.timestamp()
        if stamp is None or now - stamp <= grace:
            continue
        storage = study._storage
        try:
            storage.set_trial_user_attr(
                trial._trial_id,
                "ah.fail_reason",
                f"worker lost: no heartbeat for {now - stamp:.0f} s",
            )
            storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue  # its worker was alive after all and finished it
        reaped.append(trial.number)
        logger.warning(
            "trial %d lost its worker (no heartbeat for %.0f s)", trial.number, now - stamp
        )
        if requeue is not None:
            requeue(trial)
    return reaped
