"""The adaptation scheduler: decides when the search space is revisited, and by whom.

Built-in strategies (narrow, expand, freeze, switch) plug in here; until they exist a checkpoint
reports, as an event, that nothing changed because there is no strategy.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..space import SearchSpace


@dataclass(frozen=True)
class AdaptationOutcome:
    """The result of one checkpoint: a new space, or the reason nothing changed."""

    changed: bool
    reason: str
    space: SearchSpace | None = None


class Scheduler:
    """Runs adaptation checkpoints every `interval` finished trials and on demand."""

    def __init__(self, interval: int) -> None:
        self.interval = interval

    @property
    def has_strategies(self) -> bool:
        """Whether any strategy is installed (none before the adaptive issue lands)."""
        return False

    def due(self, n_finished: int) -> bool:
        """Whether an interval checkpoint falls after `n_finished` trials."""
        return self.has_strategies and n_finished > 0 and n_finished % self.interval == 0

    def checkpoint(self, space: SearchSpace) -> AdaptationOutcome:
        """Run the strategies over the current space."""
        del space
        return AdaptationOutcome(False, "no strategy: the adaptive search space is not built yet")
