"""`%hyperopt` and `%%hyperopt` in a real IPython shell: studies, bound handles, errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import CapturedIO, capture_output
from traitlets.config import Config

from adaptive_hyperopt import StudyHandle
from adaptive_hyperopt.jupyter import _magics
from adaptive_hyperopt.storage import DEFAULT_DIR

NOTEBOOK = """
calls = []
offset = 0.25

def objective(params):
    calls.append(params)
    return -((params["x"] - offset) ** 2)

space = {"x": ("float", 0.0, 1.0)}
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InteractiveShell]:
    """An IPython shell (not a kernel: no widgets) with the extension loaded."""
    mp = pytest.MonkeyPatch()
    mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    ipython.run_line_magic("load_ext", "adaptive_hyperopt")
    yield ipython
    mp.undo()


@pytest.fixture
def notebook(shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh notebook namespace with an objective and a space; the cwd a temporary dir."""
    monkeypatch.chdir(tmp_path)
    for name in ("calls", "offset", "objective", "space", "study"):
        shell.user_ns.pop(name, None)
    result = shell.run_cell(NOTEBOOK)
    assert result.success
    return shell.user_ns


def run(shell: InteractiveShell, source: str) -> tuple[Any, CapturedIO]:
    with capture_output() as captured:
        result = shell.run_cell(source)
    return result, captured


def status_lines(captured: CapturedIO) -> list[str]:
    return [out.data["text/plain"] for out in captured.outputs]


def test_load_ext_registers_the_line_and_cell_magic(shell: InteractiveShell) -> None:
    magics = shell.magics_manager.magics
    assert "hyperopt" in magics["line"] and "hyperopt" in magics["cell"]


def test_line_magic_runs_in_the_background_and_binds_study(
    shell: InteractiveShell, notebook: dict[str, Any]
) -> None:
    result, captured = run(shell, "%hyperopt objective space -n 6 --seed 0 --storage memory")
    assert result.success, captured.stderr
    handle = notebook["study"]
    assert isinstance(handle, StudyHandle)
    # not a kernel: a one-line text status (the handle's repr) instead of the dashboard
    [line] = status_lines(captured)
    assert line.startswith("study = <StudyHandle 'objective-") and "\n" not in line
    best_params, best_score, history = handle.result(60)
    assert len(history) == 6 and len(notebook["calls"]) == 6
    assert best_score == max(r.value for r in history)
    assert best_score == pytest.approx(-((best_params["x"] - 0.25) ** 2))
    assert handle.study.direction.name == "MAXIMIZE" and handle.done()


def test_line_magic_options(shell: InteractiveShell, notebook: dict[str, Any]) -> None:
    shell.run_cell("loss = lambda p: (p['x'] - 0.5) ** 2")
    shell.run_line_magic(
        "hyperopt",
        "loss space --trials 4 --direction minimize --backend optuna --jobs 2 --seed 1 "
        "--study tuned --storage memory --no-dashboard -o tuned_handle",
    )
    handle = notebook["tuned_handle"]
    assert "study" not in notebook  # -o names the variable
    _, best, history = handle.result(60)
    assert handle.study_name == "tuned" and handle.study.direction.name == "MINIMIZE"
    assert len(history) == 4 and best == min(r.value for r in history)


def test_default_storage_is_a_journal_under_the_documented_dir(
    shell: InteractiveShell, notebook: dict[str, Any], tmp_path: Path
) -> None:
    shell.run_line_magic("hyperopt", "objective space -n 2 -s kept --seed 0")
    notebook["study"].result(60)
    journal = tmp_path / DEFAULT_DIR / "kept.journal"
    assert journal.exists()
    # the same study name continues the stored study
    shell.run_line_magic("hyperopt", "objective space -n 3 -s kept")
    handle = notebook["study"]
    handle.result(60)
    assert len(handle.study.trials) == 5


def test_line_magic_reads_dotted_names(shell: InteractiveShell, notebook: dict[str, Any]) -> None:
    shell.run_cell("import types\ncfg = types.SimpleNamespace(fn=objective, space=space)")
    shell.run_line_magic("hyperopt", "cfg.fn cfg.space -n 2 --storage memory -o dotted")
    assert len(notebook["dotted"].result(60)[2]) == 2


CELL = """%%hyperopt -n 8 --seed 0 --storage memory -o cell_study
x = ("float", 0.0, 1.0)
kind = ("categorical", ["a", "b"])
depth = ("int", 1, 3, "when", "kind", "a")
seen.append(dict(params))
penalty = 0.0 if depth is None else 0.01 * depth
score = -((x - offset) ** 2) - penalty
score
"""


def test_cell_magic_declares_the_space_and_the_objective_body(
    shell: InteractiveShell, notebook: dict[str, Any]
) -> None:
    shell.run_cell("seen = []")
    result, captured = run(shell, CELL)
    assert result.success, captured.stderr
    [line] = status_lines(captured)
    assert line.startswith("cell_study = <StudyHandle 'hyperopt_cell-")
    handle = notebook["cell_study"]
    _, best_score, history = handle.result(60)
    assert len(history) == 8 and all(r.state == "COMPLETE" for r in history)
    assert set(handle.space) == {"x", "kind", "depth"}
    seen = notebook["seen"]
    assert len(seen) == 8
    assert all(("depth" in p) == (p["kind"] == "a") for p in seen)  # inactive: absent, None
    for record in history:  # the last line's value is the score
        p = record.params
        expected = -((p["x"] - 0.25) ** 2) - (0.01 * p["depth"] if p["kind"] == "a" else 0.0)
        assert record.value == pytest.approx(expected)
    assert best_score == max(r.value for r in history)
    # the body's variables stay inside the trial
    assert "score" not in notebook and "penalty" not in notebook and "x" not in notebook


def test_cell_magic_with_return_trial_reports_and_minimize(
    shell: InteractiveShell, notebook: dict[str, Any]
) -> None:
    cell = """
lr = ("float", 1e-3, 1.0, "log")
loss = 1.0
for epoch in range(4):
    loss = loss * (1 - lr)
    trial.report(loss, epoch)
    if loss != loss:
        return float("inf")
return loss
"""
    shell.run_cell_magic("hyperopt", "-n 5 -d minimize --storage memory --seed 0 -o reported", cell)
    handle = notebook["reported"]
    _, best, history = handle.result(60)
    assert len(history) == 5 and handle.study.direction.name == "MINIMIZE"
    trials = handle.study.trials
    assert all(sorted(t.intermediate_values) == [0, 1, 2, 3] for t in trials)
    assert best == min(t.value for t in trials)


def test_failing_trials_are_recorded_and_the_study_goes_on(
    shell: InteractiveShell, notebook: dict[str, Any]
) -> None:
    cell = """
x = ("float", 0.0, 1.0)
if x > 0.5:
    raise RuntimeError("too big")
x
"""
    shell.run_cell_magic("hyperopt", "-n 8 --seed 0 --storage memory -o failing", cell)
    _, best, history = notebook["failing"].result(60)
    states = {r.state for r in history}
    assert states == {"COMPLETE", "FAIL"} and best <= 0.5
    assert all("too big" in (r.reason or "") for r in history if r.state == "FAIL")


def test_rerunning_stops_the_study_still_bound_to_the_name(
    shell: InteractiveShell, notebook: dict[str, Any]
) -> None:
    shell.run_cell("import time\ndef slow(p):\n    time.sleep(0.02)\n    return p['x']")
    shell.run_line_magic("hyperopt", "slow space -n 10000 --storage memory -o long")
    first = notebook["long"]
    shell.run_line_magic("hyperopt", "objective space -n 2 --storage memory -o long")
    assert first.wait(30) and first.status.n_complete < 100
    assert notebook["long"] is not first
    notebook["long"].result(60)


def test_dashboard_is_displayed_where_widgets_can_show(
    shell: InteractiveShell, notebook: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = object()
    monkeypatch.setattr(_magics, "_widgets_available", lambda shell: True)
    monkeypatch.setattr(StudyHandle, "dashboard", lambda self: shown)
    displayed: list[Any] = []
    monkeypatch.setattr(_magics, "display", lambda obj: displayed.append(obj))
    shell.run_line_magic("hyperopt", "objective space -n 2 --storage memory")
    notebook["study"].result(60)
    assert displayed == [shown]
    displayed.clear()
    shell.run_line_magic("hyperopt", "objective space -n 2 --storage memory --no-dashboard")
    notebook["study"].result(60)
    [status] = displayed
    assert status.data.startswith("study = <StudyHandle")


def test_a_shell_outside_a_kernel_has_no_widgets(shell: InteractiveShell) -> None:
    assert not _magics._widgets_available(shell)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("%hyperopt objective nowhere", "search space 'nowhere' is not defined in the notebook"),
        ("%hyperopt nowhere space", "objective 'nowhere' is not defined in the notebook"),
        ("%hyperopt objective space.x", "search space 'space' has no attribute 'x'"),
        ("%hyperopt objective space -n many", "argument -n/--trials: invalid int value: 'many'"),
        ("%hyperopt objective space --frobnicate", "unrecognized arguments: --frobnicate"),
        ("%hyperopt objective space -b grid", "argument -b/--backend: invalid choice: 'grid'"),
        ("%hyperopt objective space -n 0", "n_trials must be at least 1"),
        ("%hyperopt objective space -o 2x", "-o '2x' is not a Python variable name"),
        ("%hyperopt offset space", "objective 'offset' is not a function but a float"),
        ("%hyperopt objective offset", "search space 'offset' must be a dict"),
        ("%hyperopt objective", "%hyperopt needs OBJECTIVE and SPACE"),
        ("%hyperopt objective bad_space", "search_space['x']: low must be below high"),
        ("%%hyperopt\nx = ('float', 1.0, 0.0)\nx", "search_space['x']: low must be below high"),
        (
            "%%hyperopt\nx = ('float', 0.0, 1.0)\nx + undefined_name",
            "not defined in the notebook: undefined_name",
        ),
        ("%%hyperopt\nx = ('float', 0.0, 1.0)\ny = x +", "line 3: invalid syntax"),
        (
            "%%hyperopt\nx = ('float', 0.0, 1.0)\ny = x",
            "line 3: the cell must end with the value to optimize",
        ),
        ("%%hyperopt\ncalls.append(1)\n1.0", "the cell declares no parameter"),
        ("%%hyperopt\nx = ('float', 0.0, 1.0)", "the cell has no objective"),
        (
            "%%hyperopt\nx = ('float', 0.0, high)\nx",
            "line 2: NameError: name 'high' is not defined",
        ),
        (
            "%%hyperopt\nparams = ('int', 1, 3)\nparams",
            "line 2: 'params' names the objective's argument",
        ),
        ("%%hyperopt objective space\nx = ('float', 0.0, 1.0)\nx", "%%hyperopt takes options only"),
        ("%%hyperopt --trials=-1\nx = ('float', 0.0, 1.0)\nx", "n_trials must be at least 1"),
    ],
)
def test_bad_input_is_a_one_line_usage_error_before_any_trial(
    shell: InteractiveShell, notebook: dict[str, Any], source: str, message: str
) -> None:
    shell.run_cell("bad_space = {'x': ('float', 1.0, 0.0)}")
    result, captured = run(shell, source)
    assert isinstance(result.error_in_exec, UsageError)
    assert captured.stderr.count("\n") == 1, captured.stderr  # one line, no traceback
    assert captured.stderr.startswith("UsageError: %") and message in captured.stderr
    assert "Traceback" not in captured.stderr and not captured.outputs
    time.sleep(0.05)
    assert notebook["calls"] == [] and "study" not in notebook  # nothing started


def test_usage_is_shown_by_the_question_mark(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        shell.run_cell("%hyperopt?")
    text = " ".join(captured.stdout.split())  # argparse wraps the help
    assert "%hyperopt [-n TRIALS]" in text and "[OBJECTIVE] [SPACE]" in text
    for option in ("--timeout", "--backend", "--direction", "--jobs", "--storage", "--study"):
        assert option in text
    assert "--seed" in text and "--no-dashboard" in text and "-o NAME" in text
    assert "default 'study'" in text and "%%hyperopt -n 50" in text


def test_line_magic_in_a_real_kernel_displays_the_dashboard(tmp_path: Path) -> None:
    """In an ipykernel (the kernel JupyterLab runs) the magic displays the dashboard widget."""
    import json
    import os
    import sys

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "ah"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    manager = KernelManager(
        kernel_name="ah", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")}
    manager.start_kernel(cwd=str(tmp_path), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)

        def execute(code: str) -> list[tuple[str, dict[str, Any]]]:
            msg_id = client.execute(code)
            messages = []
            while True:
                msg = client.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return messages
                messages.append((msg["msg_type"], msg["content"]))

        setup = "%load_ext adaptive_hyperopt\nf = lambda p: p['x']\nspace = {'x': ('float', 0, 1)}"
        assert not [m for m in execute(setup) if m[0] == "error"]
        shown = execute("%hyperopt f space -n 3 --seed 0 -o tuned")
        assert not [m for m in shown if m[0] in ("error", "stream")], shown
        displays = [c["data"] for kind, c in shown if kind == "display_data"]
        assert len(displays) == 1 and "application/vnd.jupyter.widget-view+json" in displays[0]
        done = execute("print(len(tuned.result(60)[2]), tuned.study_name)")
        [(_, out)] = [m for m in done if m[0] == "stream"]
        count, name = out["text"].split()
        assert count == "3" and (tmp_path / DEFAULT_DIR / f"{name}.journal").exists()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
