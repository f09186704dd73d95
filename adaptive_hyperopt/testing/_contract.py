"""The backend contract as a pytest base class, after Optuna's `BasicSamplerTestCase`.

Subclass it in a test module and implement `make_backend`; pytest collects every check::

    class TestMyBackend(BackendContract):
        def make_backend(self, seed, space):
            return MyBackend({"option": 1}, seed, space)

Budgets are small so the suite stays fast; the factory should configure a short random start
(e.g. 5 trials) so the model-based checks see the model at work.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import optuna

from ..backends import Backend
from ..space import SearchSpace
from ..space._dimensions import Categorical, Float, Int

Objective = Callable[[dict[str, Any]], float]
Direction = Literal["minimize", "maximize"]

#: Every form of the DSL: log ranges, odd choices, conditionals (nested, several values,
#: an int parent).
ALL_FORMS: dict[str, Any] = {
    "x": ("float", -2.0, 3.0),
    "lr": ("float", 1e-4, 1.0, "log"),
    "n": ("int", -3, 7),
    "m": ("int", 1, 1000, "log"),
    "k": ("categorical", [None, True, False, (1, 2), "s", 3]),
    "model": ("categorical", ["svm", "tree", "knn"]),
    "C": ("float", 0.1, 10.0, "log", "when", "model", "svm"),
    "depth": ("int", 1, 5, "when", "model", ["tree", "knn"]),
    "kernel": ("categorical", ["rbf", "poly"], "when", "model", "svm"),
    "degree": ("int", 2, 4, "when", "kernel", "poly"),
    "w": ("float", 0.0, 1.0, "when", "n", [0, 1]),
}

#: A trivial problem: optimum at x=0.3, y=0.7, c="a". Uniform draws average about 0.5.
SIMPLE: dict[str, Any] = {
    "x": ("float", 0.0, 1.0),
    "y": ("float", 0.0, 1.0),
    "c": ("categorical", ["a", "b"]),
}
RANDOM_MEAN = (1 / 12 + 0.09) + (1 / 12 + 0.09) + 0.25


def simple(params: dict[str, Any]) -> float:
    """The trivial problem's loss."""
    return (params["x"] - 0.3) ** 2 + (params["y"] - 0.7) ** 2 + (params["c"] == "b") * 0.5


def run(
    backend: Backend,
    study: optuna.Study,
    space: SearchSpace,
    n: int,
    objective: Objective,
) -> list[dict[str, Any]]:
    """Ask, evaluate and tell `n` trials the way the driver does; return the parameters."""
    out = []
    for _ in range(n):
        trial, params = backend.ask(study, space)
        frozen = study.tell(trial, objective(params))
        if backend.learns:
            backend.tell(frozen)
        out.append(params)
    return out


class BackendContract:
    """Checks every backend must pass. Subclasses implement `make_backend`."""

    #: Whether the backend models the objective (False for pure random search): then it must
    #: beat random draws and learn from a warm start.
    models: bool = True
    #: Trials for the checks that need the model to kick in.
    budget: int = 30

    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        """A backend under test, seeded with `seed`."""
        raise NotImplementedError

    def study(self, backend: Backend, direction: Direction = "minimize") -> optuna.Study:
        """A fresh in-memory study for `backend`."""
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return optuna.create_study(sampler=backend.sampler, direction=direction)

    def test_every_space_form(self) -> None:
        space = SearchSpace.from_dict(ALL_FORMS)
        backend = self.make_backend(0, space)
        study = self.study(backend)
        seen = run(backend, study, space, 20, lambda p: float(p["x"]))
        for params, trial in zip(seen, study.trials, strict=True):
            active: dict[str, Any] = {}
            for name in space.order:
                if space.is_active(name, active):
                    active[name] = params[name]
            assert params == active, "inactive parameters absent, active ones present"
            for name, value in params.items():
                dim = space[name]
                if isinstance(dim, Categorical):
                    assert any(value is c for c in dim.choices), f"{name}={value!r} not original"
                else:
                    assert isinstance(dim, Float | Int)
                    assert dim.low <= value <= dim.high, f"{name}={value!r} out of bounds"
                    wanted = int if isinstance(dim, Int) else float
                    assert type(value) is wanted, f"{name}={value!r} is not {wanted.__name__}"
            assert set(trial.params) == set(params), "the study records every active value"
        assert {"C", "depth"} <= {n for p in seen for n in p}, "both branches are explored"

    def test_reproducible_with_a_seed(self) -> None:
        space = SearchSpace.from_dict(ALL_FORMS)
        runs = []
        for _ in range(2):
            backend = self.make_backend(7, space)
            runs.append(run(backend, self.study(backend), space, 12, lambda p: float(p["x"])))
        assert runs[0] == runs[1]

    def test_minimize_beats_random(self) -> None:
        self._beats_random("minimize", simple)

    def test_maximize_beats_random(self) -> None:
        self._beats_random("maximize", lambda p: -simple(p))

    def _beats_random(self, direction: Direction, objective: Objective) -> None:
        if not self.models:
            return
        space = SearchSpace.from_dict(SIMPLE)
        backend = self.make_backend(1, space)
        seen = run(backend, self.study(backend, direction), space, self.budget, objective)
        late = seen[self.budget // 2 :]
        mean = sum(simple(p) for p in late) / len(late)
        assert mean < 0.5 * RANDOM_MEAN, f"late trials average {mean:.3f}"

    def test_warm_start_from_trials_already_in_the_study(self) -> None:
        space = SearchSpace.from_dict(SIMPLE)
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
        study.optimize(lambda t: simple(_suggest_simple(t)), n_trials=self.budget)
        before = len(study.trials)
        backend = self.make_backend(3, space)
        study.sampler = backend.sampler
        seen = run(backend, study, space, 8, simple)
        assert len(study.trials) == before + 8
        if self.models:  # already past its random start: proposals use the loaded history
            mean = sum(simple(p) for p in seen) / len(seen)
            assert mean < 0.5 * RANDOM_MEAN, f"proposals after a warm start average {mean:.3f}"

    def test_range_edits_and_frozen_params_are_honoured(self) -> None:
        space = SearchSpace.from_dict(ALL_FORMS)
        backend = self.make_backend(4, space)
        study = self.study(backend)
        run(backend, study, space, 8, lambda p: float(p["x"]))
        edited = (
            space.with_range("x", 0.5, 0.75)
            .with_range("m", 10, 20)
            .with_choices("model", ["svm", "knn"])
            .frozen_at("k", (1, 2))
            .frozen_at("lr", 0.01)
        )
        for params in run(backend, study, edited, 10, lambda p: float(p["x"])):
            assert 0.5 <= params["x"] <= 0.75 and 10 <= params["m"] <= 20
            assert params["model"] in ("svm", "knn")
            assert params["k"] == (1, 2) and params["lr"] == 0.01
            assert ("C" in params) == (params["model"] == "svm")

    def test_failed_trials_do_not_stop_the_backend(self) -> None:
        space = SearchSpace.from_dict(SIMPLE)
        backend = self.make_backend(5, space)
        study = self.study(backend)
        for i in range(12):
            trial, params = backend.ask(study, space)
            if i % 3 == 0:
                frozen = study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                frozen = study.tell(trial, simple(params))
            if backend.learns:
                backend.tell(frozen)
            assert math.isfinite(simple(params))
        assert len(study.trials) == 12


def _suggest_simple(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "x": trial.suggest_float("x", 0.0, 1.0),
        "y": trial.suggest_float("y", 0.0, 1.0),
        "c": trial.suggest_categorical("c", ["a", "b"]),
    }
