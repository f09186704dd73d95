"""The browser harness itself, proven on a tiny inline anywidget: it renders in JupyterLab and
Notebook 7, a click reaches the kernel and comes back, and a background thread's batched
stream arrives complete and in order while the kernel is idle."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from ._lab import Ui, cell_text, kernel_status, keval, kexec, output_locator, run_cell, wait_js

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

# The kernel answers each click with a message; the view shows the traitlet and the reply.
COUNTER = '''
import anywidget, traitlets

class Counter(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
      const button = document.createElement("button");
      button.className = "counter";
      const show = () => { button.textContent = `clicks ${model.get("clicks")}`; };
      show();
      button.onclick = () => model.send({kind: "click"});
      model.on("change:clicks", show);
      model.on("msg:custom", (msg) => { el.dataset.reply = msg.n; });
      el.appendChild(button);
    } };
    """
    clicks = traitlets.Int(0).tag(sync=True)

    def __init__(self):
        super().__init__()
        self.on_msg(self._on_click)

    def _on_click(self, widget, content, buffers):
        self.clicks += 1
        self.send({"n": self.clicks})

counter = Counter()
counter
'''

# One producer thread appends items; one pump thread sends whatever is queued every 50 ms, as
# the dashboard does (the server drops comm messages above ~1000/s). The view records each
# batch and the kernel's status the page saw when the batch arrived.
STREAM = '''
import anywidget, collections, threading, time

class Stream(anywidget.AnyWidget):
    _esm = """
    export default {
      initialize({ model }) {
        const seen = (window.__stream = {items: [], statuses: []});
        model.on("msg:custom", (msg) => {
          seen.items.push(...msg.items);
          seen.statuses.push(window.__ahPanel.sessionContext.session.kernel.status);
        });
      },
      render({ el }) { el.textContent = "streaming"; },
    };
    """

def produce(widget, n=300, rate=600.0):
    queue, done = collections.deque(), threading.Event()

    def pump():
        while not done.is_set() or queue:
            time.sleep(0.05)
            batch = [queue.popleft() for _ in range(len(queue))]
            if batch:
                widget.send({"items": batch})

    threading.Thread(target=pump, daemon=True).start()
    for i in range(n):
        queue.append(i)
        time.sleep(1 / rate)
    done.set()

stream = Stream()
stream
'''


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_widget_renders_and_a_click_round_trips(notebook: Callable[..., Page], ui: Ui) -> None:
    page = notebook([COUNTER, "print('kernel saw', counter.clicks)"], ui=ui)
    run_cell(page, 0)
    widget = output_locator(page, 0).locator(".counter")
    widget.wait_for()
    assert widget.text_content() == "clicks 0"

    widget.click()
    output_locator(page, 0).locator(".counter", has_text="clicks 1").wait_for()
    wait_js(page, "() => document.querySelector('[data-reply]')?.dataset.reply === '1'")
    run_cell(page, 1)
    assert cell_text(page, 1) == "kernel saw 1\n"
    # The kernel runs this interpreter, so it finds the package (found, not imported).
    assert keval(page, "__import__('sys').prefix") == sys.prefix
    origin = "__import__('importlib.util').util.find_spec('adaptive_hyperopt').origin"
    assert keval(page, origin) == importlib.util.find_spec("adaptive_hyperopt").origin  # type: ignore[union-attr]


def test_background_thread_streams_in_order_while_kernel_idle(
    notebook: Callable[..., Page],
) -> None:
    page = notebook([STREAM])
    run_cell(page, 0)
    output_locator(page, 0).get_by_text("streaming").wait_for()

    # Returns at once: the items arrive after this request has finished.
    start = "threading.Thread(target=produce, args=(stream,)).start(); print('started')"
    assert kexec(page, start).stdout == "started\n"
    wait_js(page, "() => window.__stream.items.length >= 300", timeout=20)
    assert kernel_status(page) == "idle"
    seen = page.evaluate("() => window.__stream")
    assert seen["items"] == list(range(300))
    assert len(seen["statuses"]) < 100  # batched: far fewer messages than items
    assert set(seen["statuses"]) == {"idle"}
