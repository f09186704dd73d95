"""Figures drawn with real matplotlib, the files save_plots writes, the optimizer's facade."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import optuna
import pytest
from matplotlib import _pylab_helpers
from matplotlib.figure import Figure

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, plots

from .conftest import BAD_REASON, FAILING_CALL

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SINGLE = ["optimization_history", "param_importance", "parallel_coordinate", "param_relationships"]


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def assert_png(data: bytes) -> None:
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000


def assert_svg(text: str) -> None:
    assert ET.fromstring(text.encode()).tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize(
    "draw",
    [
        plots.plot_optimization_history,
        plots.plot_param_importance,
        plots.plot_parallel_coordinate,
        plots.plot_param_relationships,
    ],
)
def test_each_plot_renders_a_valid_image(study: optuna.Study, draw) -> None:  # type: ignore[no-untyped-def]
    managed = _pylab_helpers.Gcf.get_num_fig_managers()
    fig = draw(study)
    assert isinstance(fig, Figure) and fig.axes
    assert_png(png_bytes(fig))
    assert _pylab_helpers.Gcf.get_num_fig_managers() == managed  # no pyplot figure left open


def test_pareto_front_renders(multi_study: optuna.Study) -> None:
    fig = plots.plot_pareto_front(multi_study)
    assert_png(png_bytes(fig))
    [ax] = [a for a in fig.axes if a.has_data()]
    front = [line for line in ax.get_lines() if line.get_label() == "Pareto front"]
    assert len(front) == 1 and len(front[0].get_xdata()) == len(multi_study.best_trials)


def test_history_marks_the_space_change_and_the_failure(study: optuna.Study) -> None:
    ax = plots.plot_optimization_history(study).axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [list(line.get_xdata()) for line in dashed] == [[0.5, 0.5]]  # before trial 1
    failed = [line for line in ax.get_lines() if line.get_label() == "failed"]
    assert list(failed[0].get_xdata()) == [FAILING_CALL]
    assert any("v1 user" in t.get_text() for t in ax.texts)


def test_notebook_shows_a_figure_as_png(study: optuna.Study) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    data = formatters.PNGFormatter()(plots.plot_optimization_history(study))
    assert_png(data)


def test_empty_records_render_a_note() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=1, random_state=0)
    opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert opt.study is not None
    fig = plots.plot_param_relationships(opt.study)
    assert any("two parameters" in t.get_text() for t in fig.texts)
    fig = plots.plot_param_importance(opt.study)
    assert any("at least 2" in t.get_text() for t in fig.texts)


def test_render_refuses_an_unknown_record() -> None:
    with pytest.raises(ValueError, match="kind 'pie'"):
        plots.render({"kind": "pie"})


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and "://" in value:
                self.external.append(value)


def test_save_plots_writes_images_and_a_self_contained_report(
    study: optuna.Study, tmp_path: Path
) -> None:
    report = plots.save_plots(study, tmp_path / "out")
    assert report == tmp_path / "out" / "report.html"
    for stem in SINGLE:
        assert_png((tmp_path / "out" / f"{stem}.png").read_bytes())
        assert_svg((tmp_path / "out" / f"{stem}.svg").read_text())
    text = report.read_text()
    parser = _Html()
    parser.feed(text)
    assert parser.tags.count("svg") == len(SINGLE)
    assert "script" not in parser.tags and "link" not in parser.tags and not parser.external
    assert f"Best trial: #{study.best_trial.number}" in text
    assert "range of &#x27;x&#x27; set to [0.2, 0.6]" in text  # the adaptation log
    assert "&lt;boom&gt; &amp; co" in text and BAD_REASON not in text  # escaped
    for stem in SINGLE:
        assert f'id="{stem}"' in text


def test_save_plots_of_a_multi_objective_study(multi_study: optuna.Study, tmp_path: Path) -> None:
    report = plots.save_plots(multi_study, tmp_path)
    assert_png((tmp_path / "pareto_front.png").read_bytes())
    text = report.read_text()
    assert f"Pareto front: {len(multi_study.best_trials)} trials" in text
    assert text.count("<svg") == len(SINGLE) + 1


def test_optimizer_facade(tmp_path: Path) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=6, random_state=0)
    with pytest.raises(RuntimeError, match=r"run optimize\(\) or start\(\) first"):
        opt.plot_optimization_history()
    with pytest.raises(RuntimeError, match="no study"):
        opt.save_plots(tmp_path)
    opt.optimize(lambda p: p["x"] - p["y"], {"x": ("float", 0, 1), "y": ("int", 0, 3)})
    history = opt.plot_optimization_history()
    assert history.axes[0].get_title() == f"Optimization history: {opt.study.study_name}"  # type: ignore[union-attr]
    assert opt.plot_param_importance(evaluator="fanova").axes
    assert opt.plot_parallel_coordinate(params=["y"]).axes
    assert opt.plot_param_relationships().axes
    report = opt.save_plots(tmp_path / "plots")
    assert report.exists() and len(list((tmp_path / "plots").glob("*.svg"))) == len(SINGLE)


def test_data_needs_no_matplotlib_and_drawing_names_the_extra() -> None:
    script = textwrap.dedent(
        """
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "matplotlib":
                    raise ImportError(f"blocked {name}")
                return None

        sys.meta_path.insert(0, Block())
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, plots
        opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
        opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
        assert len(plots.history_data(opt.study)["numbers"]) == 3
        try:
            opt.plot_optimization_history()
        except ImportError as exc:
            print(exc)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'adaptive-hyperopt[plots]'" in result.stdout
