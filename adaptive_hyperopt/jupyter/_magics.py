"""The `%hyperopt` line magic and `%%hyperopt` cell magic (`%load_ext adaptive_hyperopt`).

Line magic: ``%hyperopt OBJECTIVE SPACE [options]`` tunes a function and a search-space dict
already defined in the notebook.

Cell magic: the cell is a search space followed by an objective body, in plain Python::

    %%hyperopt -n 50
    n_estimators = ("int", 10, 200)
    max_depth = ("int", 3, 20)
    model = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth)
    cross_val_score(model, X, y, cv=3).mean()

The assignments at the top of the cell whose value is a search-space tuple (starting with
"float", "int" or "categorical") declare the parameters; the rest of the cell is the body of
the objective, run once per trial with each parameter bound to its value; the value of its last
line (or of a `return`) is the score. Both magics start the study in the background, bind its
StudyHandle to a variable (`study` unless `-o NAME`) and show the live dashboard, or a one-line
status where widgets cannot show. docs/magics.md has the details.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import keyword
import symtable
import sys
from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import Pretty, display

from ..runner import StudyHandle
from ..space import SearchSpace
from ..space._parse import _TYPE_WORDS
from ..storage import DEFAULT_DIR

__all__ = ["DEFAULT_TRIALS", "DEFAULT_VARIABLE", "HyperoptMagics", "cell_objective"]

#: The variable the StudyHandle is bound to without `-o NAME`.
DEFAULT_VARIABLE = "study"
#: Trials without `-n`.
DEFAULT_TRIALS = 50
#: The names the cell's objective body sees besides the parameters and the notebook's globals.
RESERVED = ("params", "trial")
_CELL_FILE_LABEL = "%%hyperopt cell"


class CellError(ValueError):
    """A cell that `%%hyperopt` cannot turn into a search space and an objective."""


def cell_objective(
    cell: str,
    namespace: Mapping[str, Any],
    filename: str = "<%%hyperopt>",
) -> tuple[dict[str, Any], Callable[..., Any]]:
    """The search space and the objective that a `%%hyperopt` cell declares.

    `cell` is plain Python (IPython syntax already transformed). Its leading assignments
    `name = ("float" | "int" | "categorical", ...)` are the search space, their values
    evaluated in `namespace`; the other statements become the body of
    `objective(params)` (or `objective(params, trial)` when the body uses `trial`), whose
    globals are `namespace`, with each parameter bound to a local variable of its name (None
    when a condition leaves it inactive). The last statement, if an expression, is returned.
    Raises CellError (one line, naming the line) for a cell that does not fit this shape or
    uses a name that `namespace` does not define.
    """
    try:
        tree = ast.parse(cell, filename)
    except SyntaxError as exc:
        raise CellError(f"line {exc.lineno}: {exc.msg}") from None
    statements = list(tree.body)
    declared: list[ast.Assign] = []
    while statements and _declares_parameter(statements[0]):
        declared.append(statements.pop(0))  # type: ignore[arg-type]
    if not declared:
        raise CellError(
            "the cell declares no parameter: start it with lines such as "
            'lr = ("float", 1e-4, 1e-1, "log"), then the code that scores them'
        )
    space: dict[str, Any] = {}
    for node in declared:
        name = node.targets[0].id  # type: ignore[attr-defined]
        if name in RESERVED:
            raise CellError(f"line {node.lineno}: {name!r} names the objective's argument")
        if name in space:
            raise CellError(f"line {node.lineno}: parameter {name!r} is declared twice")
        expr = ast.Expression(node.value)
        try:
            space[name] = eval(compile(expr, filename, "eval"), _globals(namespace))
        except Exception as exc:
            raise CellError(f"line {node.lineno}: {type(exc).__name__}: {exc}") from None
    if not statements:
        raise CellError(
            "the cell has no objective: after the parameters, write the code that scores them, "
            "ending with the value to optimize"
        )
    last = statements[-1]
    if isinstance(last, ast.Expr):
        statements[-1] = ast.copy_location(ast.Return(value=last.value), last)
    elif not _returns(statements):
        raise CellError(
            f"line {last.lineno}: the cell must end with the value to optimize "
            "(an expression such as scores.mean()) or return it"
        )
    first = statements[0]
    binds: list[ast.stmt] = [
        ast.Assign(
            targets=[ast.Name(id=name, ctx=ast.Store())],
            value=ast.Call(
                func=ast.Attribute(
                    value=ast.Name(id="params", ctx=ast.Load()), attr="get", ctx=ast.Load()
                ),
                args=[ast.Constant(value=name)],
                keywords=[],
            ),
            lineno=first.lineno,
            col_offset=0,
        )
        for name in space
    ]
    signature = "params, trial" if _loads_name(statements, "trial") else "params"
    # a parsed template: FunctionDef's fields differ across Python versions
    function = ast.parse(f"def hyperopt_cell({signature}): pass").body[0]
    assert isinstance(function, ast.FunctionDef)
    function.body = binds + statements
    ast.copy_location(function, first)
    module = ast.Module(body=[function], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        code = compile(module, filename, "exec")
    except SyntaxError as exc:
        raise CellError(f"line {exc.lineno}: {exc.msg}") from None
    _check_names(ast.unparse(module), namespace)
    scope: dict[str, Any] = {}
    exec(code, _globals(namespace), scope)
    return space, scope["hyperopt_cell"]


def _globals(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook's namespace itself, so the objective sees later changes to it."""
    return namespace if isinstance(namespace, dict) else dict(namespace)


def _declares_parameter(node: ast.stmt) -> bool:
    """`name = ("float" | "int" | "categorical", ...)`."""
    if not (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Tuple)
        and node.value.elts
    ):
        return False
    head = node.value.elts[0]
    return isinstance(head, ast.Constant) and head.value in _TYPE_WORDS


def _returns(statements: list[ast.stmt]) -> bool:
    """Whether a `return` belongs to the objective itself (not to a nested function)."""
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        pending.extend(ast.iter_child_nodes(node))
    return False


def _loads_name(statements: list[ast.stmt], name: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        for statement in statements
        for node in ast.walk(statement)
    )


def _check_names(source: str, namespace: Mapping[str, Any]) -> None:
    """Refuse a global name the objective reads that neither the notebook nor Python defines."""
    missing: set[str] = set()
    pending = list(symtable.symtable(source, "<%%hyperopt>", "exec").get_children())
    while pending:
        table = pending.pop()
        pending.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if (
                symbol.is_global()
                and symbol.is_referenced()
                and not symbol.is_assigned()
                and name not in namespace
                and not hasattr(builtins, name)
            ):
                missing.add(name)
    if missing:
        names = ", ".join(sorted(missing))
        raise CellError(
            f"name{'s' if len(missing) > 1 else ''} not defined in the notebook: {names}"
        )


def _lookup(namespace: Mapping[str, Any], dotted: str, what: str) -> Any:
    """`namespace[a].b.c` for `a.b.c`; a UsageError naming what is missing."""
    head, *rest = dotted.split(".")
    if head not in namespace:
        raise UsageError(f"%hyperopt: {what} {head!r} is not defined in the notebook")
    value = namespace[head]
    for i, attr in enumerate(rest):
        if not hasattr(value, attr):
            raise UsageError(
                f"%hyperopt: {what} {'.'.join([head, *rest[:i]])!r} has no attribute {attr!r}"
            )
        value = getattr(value, attr)
    return value


def _widgets_available(shell: Any) -> bool:
    """Whether the dashboard can show: a Jupyter kernel (not terminal IPython) with ipywidgets."""
    zmqshell = sys.modules.get("ipykernel.zmqshell")
    in_kernel = zmqshell is not None and isinstance(shell, zmqshell.ZMQInteractiveShell)
    return in_kernel and importlib.util.find_spec("ipywidgets") is not None


@magics_class
class HyperoptMagics(Magics):
    """`%hyperopt` and `%%hyperopt`."""

    @property
    def _shell(self) -> Any:
        """The shell the magics are registered in (always set once registered)."""
        assert self.shell is not None
        return self.shell

    @magic_arguments()
    @argument(
        "objective",
        nargs="?",
        metavar="OBJECTIVE",
        help="line magic: the objective, a function objective(params) in the notebook",
    )
    @argument(
        "space",
        nargs="?",
        metavar="SPACE",
        help="line magic: the search space, a dict in the notebook",
    )
    @argument(
        "-n",
        "--trials",
        type=int,
        default=DEFAULT_TRIALS,
        help=f"number of trials (default {DEFAULT_TRIALS})",
    )
    @argument(
        "-t",
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="start no trial after SECONDS",
    )
    @argument(
        "-b",
        "--backend",
        default="optuna",
        choices=("optuna", "hyperopt", "skopt"),
        help="who proposes the trials (default optuna)",
    )
    @argument(
        "-d",
        "--direction",
        default="maximize",
        choices=("maximize", "minimize"),
        help="maximize (default) or minimize the objective",
    )
    @argument("-j", "--jobs", type=int, default=1, help="trials at a time (default 1)")
    @argument(
        "--storage",
        default=None,
        help=f"a storage URL or .journal path; 'memory' keeps the study in memory "
        f"(default: a journal file under ./{DEFAULT_DIR}/)",
    )
    @argument(
        "-s",
        "--study",
        default=None,
        help="study name; an existing study of that name continues "
        "(default: the objective's name, a timestamp and a random suffix)",
    )
    @argument("--seed", type=int, default=None, help="random seed")
    @argument(
        "--no-dashboard",
        action="store_true",
        help="show a one-line status instead of the live dashboard",
    )
    @argument(
        "-o",
        "--out",
        default=DEFAULT_VARIABLE,
        metavar="NAME",
        help=f"the variable the StudyHandle is bound to (default {DEFAULT_VARIABLE!r})",
    )
    @line_cell_magic
    def hyperopt(self, line: str, cell: str | None = None) -> None:
        """Tune an objective in the background, bind its StudyHandle, show the dashboard.

        Line magic, an objective and a search space already defined::

            %hyperopt objective search_space -n 100

        Cell magic, the search space then the objective's body::

            %%hyperopt -n 50 -o rf
            n_estimators = ("int", 10, 200)
            max_features = ("categorical", ["sqrt", "log2", None])
            model = RandomForestClassifier(n_estimators=n_estimators, max_features=max_features)
            cross_val_score(model, X, y, cv=3).mean()

        In the cell, each assignment at the top whose value is a search-space tuple ("float",
        "int" or "categorical", as in a search_space dict) declares a parameter. The rest is the
        objective's body, run once per trial with every parameter bound to a variable of its
        name (None when a condition leaves it inactive) and `params` holding them all as a
        dict; the value of its last line (or a `return`) is the score. Using `trial` in the
        body (`trial.report(score, epoch)`) makes trials prunable. Variables it assigns stay
        inside the trial; the notebook's variables, imports and functions are visible.

        The study runs in the background; its StudyHandle is bound to `study` (or `-o NAME`):
        `study.result()` waits for `(best_params, best_score, history)`, `study.stop()` ends
        it. Re-running the magic stops the study still running under that name. The study is
        kept in a journal file under ./.adaptive_hyperopt/ unless `--storage` says otherwise.
        """
        magic = "%hyperopt" if cell is None else "%%hyperopt"
        try:
            args = parse_argstring(self.hyperopt, line)
        except UsageError as exc:  # argparse's message, without the magic's name
            raise UsageError(f"{magic}: {exc}") from None
        namespace = self._shell.user_ns
        if not args.out.isidentifier() or keyword.iskeyword(args.out):
            raise UsageError(f"%hyperopt: -o {args.out!r} is not a Python variable name")
        if cell is None:
            if args.objective is None or args.space is None:
                raise UsageError(
                    "%hyperopt needs OBJECTIVE and SPACE, the names of a function and a search "
                    "space dict: %hyperopt objective space [options] (see %hyperopt?)"
                )
            objective = _lookup(namespace, args.objective, "objective")
            space = _lookup(namespace, args.space, "search space")
            if not callable(objective):
                raise UsageError(
                    f"%hyperopt: objective {args.objective!r} is not a function but a "
                    f"{type(objective).__name__}"
                )
            if not isinstance(space, Mapping | SearchSpace):
                raise UsageError(
                    f"%hyperopt: search space {args.space!r} must be a dict of name -> tuple, "
                    f"got a {type(space).__name__}"
                )
        else:
            if args.objective is not None:
                given = " ".join(p for p in (args.objective, args.space) if p)
                raise UsageError(
                    f"%%hyperopt takes options only, not {given!r}: the cell holds the search "
                    "space and the objective"
                )
            # a blank first line stands for the magic's: line numbers are the cell's own
            source = "\n" + self._shell.transform_cell(cell)
            try:
                space, objective = cell_objective(
                    source, namespace, self._shell.compile.cache(source)
                )
            except CellError as exc:
                raise UsageError(f"%%hyperopt: {exc}") from None
        self._start(args, objective, space)

    def _start(self, args: Any, objective: Callable[..., Any], space: Any) -> StudyHandle:
        from ..optimizer import AdaptiveHyperparameterOptimizer

        namespace = self._shell.user_ns
        memory = args.storage == "memory"
        try:
            optimizer = AdaptiveHyperparameterOptimizer(
                backend=args.backend,
                n_trials=args.trials,
                timeout=args.timeout,
                n_jobs=args.jobs,
                random_state=args.seed,
                storage=None if memory else args.storage,
                cache_dir=None if memory or args.storage else DEFAULT_DIR,
                study_name=args.study,
            )
            previous = namespace.get(args.out)
            handle = optimizer.start(objective, space, direction=args.direction)
        except (ValueError, TypeError, ImportError) as exc:  # bad settings or space
            raise UsageError(f"%hyperopt: {exc}") from None
        if isinstance(previous, StudyHandle) and not previous.done():
            previous.stop(f"replaced by a new %hyperopt run bound to {args.out!r}")
        namespace[args.out] = handle
        if args.no_dashboard or not _widgets_available(self._shell):
            display(Pretty(f"{args.out} = {handle!r}"))
        else:
            display(handle.dashboard())
        return handle
