"""The built wheel ships the dashboard's frontend (widgets/ -> adaptive_hyperopt/_static/)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_contains_the_frontend_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("adaptive_hyperopt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for asset in ("dashboard.js", "dashboard.css"):
        packed = zipfile.ZipFile(wheel).read(f"adaptive_hyperopt/_static/{asset}")
        assert packed == (ROOT / "widgets" / asset).read_bytes()
    assert "adaptive_hyperopt/jupyter/_widgets.py" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "notebooks/"))]
