"""Make the repository's ``benchmarks`` package importable under plain ``pytest``.

(``benchmarks/`` is not part of the installed wheel; ``python -m pytest`` from the repository
root finds it anyway, plain ``pytest`` needs the root on ``sys.path``.)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
