"""Pruning: the reporter a two-argument objective receives, and pruners from the configuration."""

from ._build import PRUNERS, build_pruner
from ._reporter import Channel, Reporter, TrialPruned

__all__ = ["PRUNERS", "Channel", "Reporter", "TrialPruned", "build_pruner"]
