"""Drive a real JupyterLab 4 / Notebook 7 in headless Chromium (Python Playwright).

One isolated Jupyter server serves both front ends: JupyterLab at ``/lab/tree/NAME.ipynb`` and
Notebook 7 at ``/notebooks/NAME.ipynb``. Both are started with ``expose_app_in_browser``, so
``window.jupyterapp`` is the running application in either one and every page helper below
drives the notebook through its model (no typing into CodeMirror) the same way in both.

Timeouts in this module are in seconds (Playwright's own are in milliseconds).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Playwright, ViewportSize

# Debian's chromium: `playwright install` downloads a browser, which this network refuses.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}

Ui = Literal["lab", "notebook"]


def browser_missing() -> str | None:
    """Why a real-browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is not installed at {CHROMIUM}"
    return None


def require_browser() -> None:
    """Skip the calling test when no browser can run here; in CI (`CI` set) fail instead, so a
    missing install step cannot pass as a green run."""
    import pytest

    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set but {reason}; the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


def launch_browser(playwright: Playwright) -> Browser:
    """Headless Debian chromium (never a Playwright-downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterServer:
    """A Jupyter server on 127.0.0.1 with JupyterLab and Notebook 7, no token, and its own
    config/data/runtime/settings/IPython dirs so nothing from the user's setup leaks in."""

    def __init__(self, root_dir: Path, *, port: int | None = None) -> None:
        self.root = Path(root_dir).resolve()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="ah-jupyter-"))
        self.log_path = self.home / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (self.home / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.home / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        # The news/update toast would fetch from the network and cover the notebook.
        settings = self.home / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        # No build check: it costs the server about 1 s of CPU on every JupyterLab page load.
        labconfig = self.home / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"buildCheck": False, "buildAvailable": False})
        )
        return env

    def start(self, timeout: float = 60.0) -> JupyterServer:
        # The server runs on this interpreter, so the kernelspec `python3` (argv[0] "python")
        # starts this interpreter too: jupyter_client maps "python" to its own sys.executable,
        # and this venv has the package installed.
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
        ]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                cwd=self.root,
                start_new_session=True,  # so the kill fallback hits our process group only
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter server exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            try:
                self.api("GET", "/api/status")
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"jupyter server not up after {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        if self._proc is not None and self._proc.poll() is None:
            # SIGTERM: jupyter_server shuts its kernels down, then exits.
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=5)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API; return the decoded JSON reply (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=30) as reply:
            raw = reply.read()
        return json.loads(raw) if raw else None

    def shutdown_kernels(self) -> None:
        """Delete every session (which shuts its kernel down), then any kernel left over."""
        for session in self.api("GET", "/api/sessions"):
            self._delete(f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self._delete(f"/api/kernels/{kernel['id']}")

    def _delete(self, path: str) -> None:
        try:
            self.api("DELETE", path)
        except urllib.error.HTTPError as e:
            if e.code != 404:  # gone meanwhile (a session's kernel, or a racing shutdown)
                raise

    def notebook_url(self, name: str, ui: Ui = "lab") -> str:
        # ?reset: ignore the workspace a previous test left behind.
        return (
            f"{self.url}/lab/tree/{name}?reset" if ui == "lab" else f"{self.url}/notebooks/{name}"
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write code cells to an .ipynb whose kernelspec is `python3` (opens without a dialog)."""
    import nbformat  # with the Jupyter stack, which the browser tests skip without

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, str(path))
    return path


# The notebook under test: open_notebook stores its panel in window.__ahPanel, so the helpers
# keep working when another widget (a dialog, an output view) takes the focus.
_JS_PANEL = "window.__ahPanel"
_JS_KERNEL = f"{_JS_PANEL}.sessionContext.session.kernel"


def open_notebook(
    page: Page, server: JupyterServer, name: str, *, ui: Ui = "lab", timeout: float = 60.0
) -> None:
    """Open NAME (relative to the server's root) in JupyterLab or Notebook 7 and wait until
    its kernel is idle."""
    page.goto(server.notebook_url(name, ui), wait_until="domcontentloaded")
    wait_js(
        page,
        """(name) => {
          const app = window.jupyterapp;
          const w = app && app.shell.currentWidget;
          if (!w || !w.context || w.context.path !== name || !w.content) return false;
          window.__ahPanel = w;
          return true;
        }""",
        name,
        timeout=timeout,
    )
    wait_kernel_idle(page, timeout=timeout)


def kernel_status(page: Page) -> str | None:
    """The kernel's status as the page sees it ('idle', 'busy', ...), None before it exists."""
    return page.evaluate(
        f"() => {{ const s = {_JS_PANEL}.sessionContext.session;"
        " return s && s.kernel ? s.kernel.status : null; }"
    )


def wait_kernel_idle(page: Page, timeout: float = 60.0) -> None:
    """Wait until the open notebook's kernel exists and is idle."""
    wait_js(
        page,
        f"() => {{ const s = {_JS_PANEL}.sessionContext.session;"
        " return !!(s && s.kernel && s.kernel.status === 'idle'); }",
        timeout=timeout,
    )


def wait_js(page: Page, predicate: str, arg: Any = None, *, timeout: float = 30.0) -> Any:
    """Wait until the JS function `predicate(arg)` returns something truthy; return it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(predicate, arg=arg, timeout=timeout * 1000)
    except PlaywrightTimeout:
        raise TimeoutError(f"JS predicate still falsy after {timeout} s: {predicate}") from None
    return handle.json_value()


class CellError(AssertionError):
    """A cell or kernel execution raised; the message carries the traceback."""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _error_text(ename: str, evalue: str, traceback: Sequence[str]) -> str:
    return _ANSI.sub("", "\n".join(traceback)) or f"{ename}: {evalue}"


def run_cell(
    page: Page, index: int, *, wait: bool = True, timeout: float = 60.0, allow_error: bool = False
) -> list[dict[str, Any]]:
    """Execute cell `index` (0-based) through the app's own run command.

    With wait=True (the default) wait for its execute reply and return its outputs
    (nbformat dicts); raise CellError when it raised, unless allow_error. With wait=False
    return [] at once (to act on the page while the cell still runs).
    """
    page.evaluate(
        f"""(i) => {{
          const panel = {_JS_PANEL}, nb = panel.content;
          window.jupyterapp.shell.activateById(panel.id);
          nb.widgets[i].model.executionCount = null;  // set again by the execute reply
          nb.activeCellIndex = i;
          nb.deselectAll();
          nb.mode = 'command';
          // Not awaited: the command's promise settles only when the cell has run.
          void window.jupyterapp.commands.execute('notebook:run-cell');
        }}""",
        index,
    )
    if not wait:
        return []
    wait_js(
        page,
        f"(i) => {_JS_PANEL}.content.widgets[i].model.executionCount !== null",
        index,
        timeout=timeout,
    )
    outputs = cell_outputs(page, index)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if errors and not allow_error:
        e = errors[0]
        raise CellError(
            f"cell {index} raised:\n{_error_text(e['ename'], e['evalue'], e['traceback'])}"
        )
    return outputs


def cell_outputs(page: Page, index: int) -> list[dict[str, Any]]:
    """Cell `index`'s outputs as nbformat dicts, read from the notebook model."""
    return page.evaluate(f"(i) => {_JS_PANEL}.content.widgets[i].model.outputs.toJSON()", index)


def cell_text(page: Page, index: int) -> str:
    """The stream text (stdout and stderr) cell `index` printed."""
    parts = []
    for out in cell_outputs(page, index):
        if out.get("output_type") == "stream":
            text = out["text"]
            parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)


def output_locator(page: Page, index: int) -> Locator:
    """A Playwright Locator for cell `index`'s output area, where its widgets render (the
    input area is left out: a widget's own source would match text searches)."""
    # Tag every cell node with its index now: cells may have moved since the last call.
    page.evaluate(
        f"() => {_JS_PANEL}.content.widgets"
        ".forEach((c, k) => c.node.setAttribute('data-ah-cell', String(k)))"
    )
    return page.locator(f"[data-ah-cell='{index}'] .jp-OutputArea")


@dataclass(frozen=True)
class KernelReply:
    stdout: str
    stderr: str
    result: str | None  # text/plain of the last expression's value, as a cell would show it


_JS_KEXEC = f"""async ([code, timeoutMs]) => {{
  const fut = {_JS_KERNEL}.requestExecute({{code, silent: false, store_history: false}});
  const r = {{stdout: '', stderr: '', result: null, error: null}};
  fut.onIOPub = (msg) => {{
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') r[c.name] += c.text;
    else if (t === 'execute_result') r.result = c.data['text/plain'];
    else if (t === 'error') r.error = [c.ename, c.evalue, c.traceback];
  }};
  let timer;
  const timeout = new Promise((_, reject) => {{
    timer = setTimeout(() => reject(new Error('kexec timed out after ' + timeoutMs + ' ms')),
                       timeoutMs);
  }});
  const reply = await Promise.race([fut.done, timeout]).finally(() => clearTimeout(timer));
  if (reply.content.status === 'error' && !r.error)
    r.error = [reply.content.ename, reply.content.evalue, reply.content.traceback];
  return r;
}}"""


def kexec(page: Page, code: str, *, timeout: float = 60.0) -> KernelReply:
    """Run `code` in the open notebook's kernel without a cell (same namespace as the cells)
    and return what it printed and its last expression's value; raise CellError when it
    raises. It queues behind a running cell (main shell, not a subshell), and output a
    background thread prints meanwhile may land here too."""
    r = page.evaluate(_JS_KEXEC, [code, int(timeout * 1000)])
    if r["error"]:
        raise CellError(f"kernel code raised:\n{_error_text(*r['error'])}")
    return KernelReply(stdout=r["stdout"], stderr=r["stderr"], result=r["result"])


_JS_KEVAL = f"""async (expr) => {{
  const fut = {_JS_KERNEL}.requestExecute({{
    code: '', silent: true, store_history: false, user_expressions: {{v: expr}}}});
  return (await fut.done).content.user_expressions.v;
}}"""


def keval(page: Page, expr: str) -> Any:
    """Evaluate a Python expression in the open notebook's kernel and return its value,
    which must be JSON-serializable (sent as json.dumps, so tuples come back as lists)."""
    v = page.evaluate(_JS_KEVAL, f"__import__('json').dumps({expr})")
    if v["status"] != "ok":
        raise CellError(f"{expr!r} raised:\n{_error_text(v['ename'], v['evalue'], v['traceback'])}")
    return json.loads(ast.literal_eval(v["data"]["text/plain"]))
