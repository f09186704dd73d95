"""Sample-efficiency benchmarks of adaptive_hyperopt against its peers.

Run ``python -m benchmarks --help``; see ``benchmarks/README.md``.
"""

from __future__ import annotations

__all__: list[str] = []
