"""Pruning: the reporter a two-argument objective receives, and pruners from the configuration."""

from ._build import PRUNERS, build_pruner
from ._incremental import fit_incrementally, report_each_epoch
from ._reporter import Channel, Reporter, TrialPruned

__all__ = [
    "PRUNERS",
    "Channel",
    "Reporter",
    "TrialPruned",
    "build_pruner",
    "fit_incrementally",
    "report_each_epoch",
]
