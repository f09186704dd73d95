"""The adaptation scheduler: decides when the search space is revisited, and by whom.

Built-in strategies (narrow, expand, freeze, switch) plug in here; until they exist a checkpoint
reports, as an event, that nothing changed because there is no strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import optuna

from ..space import SearchSpace

if TYPE_CHECKING:
    from ..backends import Backend
    from ..config import OptimizationConfig


@dataclass(frozen=True)
class AdaptationOutcome:
    """The result of one checkpoint: a new space, or the reason nothing changed."""

    changed: bool
    reason: str
    space: SearchSpace | None = None  # the new space, when the space changed
    changes: dict[str, Any] | None = None  # per parameter: what changed (for the event)
    strategy: tuple[str, str] | None = None  # (old, new) sampling strategy, when it switched


class Scheduler:
    """Runs adaptation checkpoints every `interval` finished trials and on demand."""

    def __init__(self, config: OptimizationConfig, backend: Backend) -> None:
        self.interval = config.adaptation_interval
        self.backend = backend

    @property
    def has_strategies(self) -> bool:
        """Whether any strategy is installed (none before the adaptive issue lands)."""
        return False

    def due(self, n_finished: int) -> bool:
        """Whether an interval checkpoint falls after `n_finished` trials."""
        return self.has_strategies and n_finished > 0 and n_finished % self.interval == 0

    def checkpoint(
        self, space: SearchSpace, study: optuna.Study, trigger: str
    ) -> AdaptationOutcome:
        """Run the strategies over the current space and the study's finished trials.

        `trigger` is "interval" or "user" (adapt_now / force_adaptation). A strategy switch is
        applied to the backend here and reported in `strategy`; the driver applies the space.
        """
        del space, study, trigger
        return AdaptationOutcome(False, "no strategy: the adaptive search space is not built yet")
