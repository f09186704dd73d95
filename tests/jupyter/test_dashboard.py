"""The dashboard's kernel side on real studies, without a browser (tests/browser has those)."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, StudyHandle
from adaptive_hyperopt.jupyter import Dashboard
from adaptive_hyperopt.jupyter._pump import Pump
from adaptive_hyperopt.jupyter._state import DashboardState, Decimated

from .test_protocol import JUNK, VALID

SPACE = {
    "x": ("float", -5.0, 5.0),
    "depth": ("int", 1, 10),
    "act": ("categorical", ["relu", None, (1, 2)]),
}


def objective(p: dict[str, Any]) -> float:
    if p["x"] > 4.0:
        raise ValueError("x too large")
    return (p["x"] - 1) ** 2 + p["depth"] * 0.01


def start(n_trials: int = 200, delay: float = 0.0, **settings: Any) -> StudyHandle:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=n_trials, random_state=0, study_direction="minimize", **settings
    )

    def slow(p: dict[str, Any]) -> float:
        time.sleep(delay)
        return objective(p)

    return opt.start(slow if delay else objective, SPACE)


class View:
    """What dashboard.js does with snapshots and deltas, to check they add up."""

    def __init__(self) -> None:
        self.upto = -1
        self.trials: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.status: dict[str, Any] = {}
        self.resnapshots = 0

    def apply(self, msg: dict[str, Any]) -> None:
        if msg["kind"] == "snapshot":
            self.trials, self.log, self.upto = list(msg["trials"]), list(msg["log"]), msg["upto"]
        else:
            if msg["upto"] <= self.upto:
                return
            if msg["since"] > self.upto:
                self.resnapshots += 1
                return
            self.trials += [t for t in msg["trials"] if t["seq"] > self.upto]
            self.log += [e for e in msg["log"] if e["seq"] > self.upto]
            self.upto = msg["upto"]
        self.status = msg["status"]


def test_deltas_add_up_to_the_study_and_a_late_snapshot_joins_them() -> None:
    # fast trials (TPE throughout: the default's Gaussian process takes tens of milliseconds a
    # trial), so that many events fall between two deltas
    handle = start(n_trials=300, sampler_config={"sampler_type": "tpe"})
    state = DashboardState(handle.study_name)
    sent: list[dict[str, Any]] = []
    pump = Pump(handle, state, sent.append)
    pump.start()
    time.sleep(0.05)
    with state.lock:  # a view that renders mid-study: snapshot first, then the deltas after it
        late = state.snapshot("late")
        cut = len(sent)
    handle.wait(30)
    pump.join(10)
    assert not pump.alive
    assert all(m["kind"] == "delta" for m in sent)
    s = handle.status

    early = View()
    for msg in sent:
        early.apply(msg)
    numbers = [t["number"] for t in early.trials]  # a delta carries the latest 20 rows only
    assert numbers == sorted(set(numbers)) and numbers[-20:] == list(range(280, 300))
    assert early.status["n_complete"] == s.n_complete and early.status["n_failed"] == s.n_failed
    assert early.status["n_complete"] + early.status["n_failed"] == 300
    assert early.status["best_value"] == s.best_value
    assert early.status["state"] == "finished" and early.resnapshots == 0

    joined = View()
    joined.apply(late)
    for msg in sent[cut:]:
        joined.apply(msg)
    assert joined.status == early.status
    # as for `early`: a delta carries the latest 20 rows, so only those are contiguous (a
    # delta spanning more than 20 trials, on a loaded machine, leaves a gap before them)
    assert [t["number"] for t in joined.trials][-20:] == list(range(280, 300))
    assert [e["seq"] for e in joined.log] == sorted({e["seq"] for e in joined.log})
    # deltas are batched: far fewer messages than events
    assert len(sent) < 300 / 5


def test_a_view_that_missed_a_delta_asks_for_a_new_snapshot() -> None:
    handle = start(n_trials=50)
    handle.wait(30)
    state = DashboardState(handle.study_name)
    events = list(handle.events.poll())
    for e in events[:20]:
        state.apply(e)
    first = state.take_delta()
    for e in events[20:]:
        state.apply(e)
    second = state.take_delta()
    assert first is not None and second is not None and second["since"] == first["upto"]
    view = View()
    view.apply(second)  # the first never arrived
    assert view.resnapshots == 1 and view.trials == []


def test_decimated_series_stay_bounded_and_spread() -> None:
    series = Decimated(100)
    for i in range(10_000):
        series.add(i, float(i), "COMPLETE")
    assert 50 <= len(series.x) <= 100
    assert series.x[0] < 300 and series.x[-1] > 9_500
    assert len(series.x) == len(series.y) == len(series.tags)


def test_counters_and_best_stay_exact_while_plots_are_decimated() -> None:
    handle = start(n_trials=3000, sampler_config={"sampler_type": "random"})
    handle.wait(60)
    state = DashboardState(handle.study_name)
    for e in handle.events.poll():
        state.apply(e)
    status = state.status()
    assert status["n_complete"] + status["n_failed"] == 3000
    assert status["best_value"] == handle.status.best_value
    record = state.plot_record()
    assert len(record["history"][0]) <= 2000
    assert all(len(x) <= 500 for x, _ in record["slices"].values())
    assert record["best"][-1][1] == handle.status.best_value  # the best line is exact


def test_the_controls_refuse_a_thousand_malformed_messages_without_touching_the_study() -> None:
    handle = start(n_trials=10_000, delay=0.001)
    dash = Dashboard(handle, widgets=True, plots=False)
    assert dash.controls.answer({"kind": "pause", "id": "p"})["ok"]
    time.sleep(0.1)
    before = (handle.space.version, handle.status.n_complete, handle.status.paused)
    seq = handle.subscribe().bus.next_seq
    rng = random.Random(1)
    replies = []
    for _ in range(1200):
        if rng.random() < 0.1:
            msg: Any = rng.choice([*JUNK, "pause", ["pause"]])
        else:
            msg = dict(rng.choice(VALID))
            field = rng.choice(list(msg))
            how = rng.choice(["junk", "drop", "extra", "semantic"])
            if how == "extra":
                msg["extra"] = rng.choice(JUNK)
            elif how == "drop":
                del msg[field]
            elif how == "semantic" and msg["kind"] in ("set_range", "freeze"):
                # well-typed but out of the declared domain: the driver refuses these
                msg.update(low=-1, high=0.5) if msg["kind"] == "set_range" else msg.update(value=99)
            else:
                msg[field] = rng.choice(JUNK)
        replies.append(dash.controls.answer(msg))
        dash.stream.answer(msg)
    assert all(r["kind"] == "reply" and r["ok"] is False and r["message"] for r in replies)
    assert (handle.space.version, handle.status.n_complete, handle.status.paused) == before
    after = [e.kind for e in handle.subscribe(seq).poll()]
    assert "space_changed" not in after and "resumed" not in after and "stopped" not in after
    handle.stop()
    handle.wait(10)
    dash.close()


def test_the_handler_answers_through_the_widget_and_never_raises() -> None:
    handle = start(n_trials=20)
    dash = Dashboard(handle, widgets=True, plots=False)
    out: list[dict[str, Any]] = []
    dash.controls.send = out.append  # type: ignore[method-assign]
    dash.controls._on_msg(dash.controls, {"kind": "get_state", "id": "g"}, [])
    dash.controls._on_msg(dash.controls, object(), [])
    assert out[0]["id"] == "g" and out[0]["ok"] and out[0]["state"]["params"][0]["name"] == "x"
    assert out[1]["ok"] is False and "must be an object" in out[1]["message"]
    handle.wait(10)
    dash.close()


def test_commands_from_the_controls_reach_the_study() -> None:
    handle = start(n_trials=10_000, delay=0.002)
    dash = Dashboard(handle, widgets=True, plots=False)
    c = dash.controls
    assert c.answer({"kind": "pause", "id": 1})["state"]["status"]["paused"] is True
    r = c.answer({"kind": "set_range", "id": 2, "name": "x", "low": 0.5, "high": 1.5})
    assert r["ok"] and r["message"] == "range of 'x' set to [0.5, 1.5]"
    row = r["state"]["params"][0]
    assert (row["low"], row["high"], row["declared_low"], row["declared_high"]) == (
        0.5,
        1.5,
        -5.0,
        5.0,
    )
    r = c.answer({"kind": "set_choices", "id": 3, "name": "act", "choices": [1, 2]})
    assert [ch["on"] for ch in r["state"]["params"][2]["choices"]] == [False, True, True]
    r = c.answer({"kind": "freeze", "id": 4, "name": "depth", "value": 3})
    assert r["state"]["params"][1]["frozen"] and r["state"]["params"][1]["frozen_value"] == "3"
    r = c.answer({"kind": "adapt_now", "id": 5})
    assert r["ok"] and r["message"]
    n = handle.status.n_complete
    assert c.answer({"kind": "resume", "id": 6})["ok"]
    time.sleep(0.3)
    assert c.answer({"kind": "stop", "id": 7})["ok"]
    handle.wait(10)
    later = [t for t in handle.history if t.number >= n + 1]
    assert later and all(0.5 <= t.params["x"] <= 1.5 and t.params["depth"] == 3 for t in later)
    assert all(t.params["act"] in (None, (1, 2)) for t in later)
    events = handle.events.poll()
    assert [e.source for e in events if e.kind == "space_changed"].count("user") == 3
    assert any(e.kind == "adaptation" and e.trigger == "user" for e in events)
    dash.wait(10)
    assert [m["source"] for m in dash.state.markers].count("user") == 3
    dash.close()


def test_a_slow_command_is_answered_pending_and_reported_later() -> None:
    handle = start(n_trials=3, delay=1.0)  # commands wait for the running trial to end
    dash = Dashboard(handle, widgets=True, plots=False)
    time.sleep(0.1)
    r = dash.controls.answer({"kind": "pause", "id": "slow"})
    assert r["ok"] and r["pending"] is True and r["message"] == "pause: queued"
    time.sleep(1.2)
    answers = dash.controls.answer({"kind": "get_state", "id": "g"})["state"]["answers"]
    assert answers == [
        {"id": "slow", "ok": True, "message": "paused: running trials finish, no new trial starts"}
    ]
    handle.stop()
    handle.wait(10)
    dash.close()


def test_plots_follow_the_study() -> None:
    handle = start(n_trials=120, adaptation_interval=40)
    dash = Dashboard(handle, widgets=True)
    dash.wait(30)
    plots = dash.plots
    assert plots is not None
    assert len(plots.complete.x) + len(plots.failed.x) == 120
    assert plots.best.y[-1] == pytest.approx(handle.status.best_value)
    assert len(plots.markers.x) == sum(1 for e in handle.events.poll() if e.kind == "space_changed")
    assert list(plots.bars.x) and set(plots.bars.x) <= set(SPACE)  # importance at the checkpoints
    dots, shade, _ = plots.slices["x"]
    assert len(dots.x) > 0 and list(shade.x) == [handle.space["x"].low, handle.space["x"].high]
    dash.close()


def test_outside_a_kernel_the_dashboard_is_a_text_status() -> None:
    handle = start(n_trials=30)
    dash = handle.dashboard()
    handle.wait(10)
    assert dash.widget is None
    text = repr(dash)
    assert text.startswith(f"<Dashboard {handle.study_name!r} finished: ") and "0x" not in text
    assert dash._repr_mimebundle_() == {"text/plain": text}


def test_optimize_with_dashboard_outside_a_kernel_warns_and_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=10, random_state=0, study_direction="minimize")
    with caplog.at_level(logging.WARNING, logger="adaptive_hyperopt"):
        _, best, history = opt.optimize(objective, SPACE, dashboard=True)
    assert len(history) == 10 and best == opt.best_score
    assert "no Jupyter kernel here, so no dashboard" in caplog.text
    assert repr(opt.dashboard()).startswith("<Dashboard ")


def test_a_multi_objective_study_draws_its_exact_pareto_front() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=80, random_state=0)
    front = opt.multi_objective_optimize(
        lambda p: (p["x"] ** 2, (p["x"] - 2) ** 2 - p["y"]),
        {"x": ("float", -1.0, 3.0), "y": ("float", 0.0, 1.0)},
        directions=["minimize", "maximize"],
        dashboard=True,  # outside a kernel: a warning, and the study runs
    )
    dash = Dashboard(opt._control, widgets=True)  # the finished study, replayed
    dash.wait(10)
    with dash.state.lock:
        status, record = dash.state.status(), dash.state.plot_record()
    assert status["front_size"] == len(front) and status["best_value"] is None
    assert sorted(n for n, _ in record["front"]) == sorted(p.number for p in front)
    assert dash.plots is not None and dash.plots.pareto is not None
    assert len(dash.plots.front.x) == len(front) and len(dash.plots.cloud.x) == 80
    dash.close()
