"""The core works from plain Python with no Jupyter package importable."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_core_imports_and_runs_without_jupyter_packages() -> None:
    script = textwrap.dedent(
        """
        import sys
        BLOCKED = ("IPython", "ipywidgets", "anywidget", "bqplot", "ipykernel", "traitlets",
                   "jupyter_client", "comm", "matplotlib")

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"blocked {name}")
                return None

        sys.meta_path.insert(0, Block())
        import adaptive_hyperopt
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
        opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
        handle = opt.start(lambda p: p["x"], {"x": ("float", 0, 1)})
        best_params, best, history = handle.result(30)
        assert len(history) == 3
        loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        assert not loaded, loaded
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_importing_the_package_loads_neither_scikit_learn_nor_the_optional_backends() -> None:
    # scikit-learn (through optuna.importance's fANOVA) costs about 1.2 s: it loads at the
    # first adaptation checkpoint, or with the sklearn estimator, not with the package
    script = (
        "import sys, adaptive_hyperopt\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'hyperopt', 'skopt'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
