// adaptive-hyperopt dashboard frontend: one ES module for anywidget, two views.
//   view "stream":   status line, objective errors, latest trials, event log. It asks for a
//                    snapshot when it renders, then applies the kernel's append-only deltas.
//   view "controls": pause/resume/stop, force adaptation and the range editor. It never gets
//                    unrequested messages: it polls `get_state` and reads the replies.
// Every message to the kernel is an envelope {kind, id, ...}; replies echo the id.
// Keep these lists equal to adaptive_hyperopt/jupyter/_protocol.py (a test checks).
export const STREAM_KINDS = ["snapshot"];
export const CONTROL_KINDS = [
  "get_state", "pause", "resume", "stop", "adapt_now",
  "set_range", "set_choices", "freeze", "unfreeze", "restore",
];

const TABLE_ROWS = 20;
const LOG_ROWS = 200;
const POLL_MS = 1000;

let nextId = 0;
const newId = () => `m${Date.now().toString(36)}-${nextId++}`;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c);
  return el;
}

const fmt = (v) => {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (Array.isArray(v)) return `[${v.map(fmt).join(", ")}]`;
  return String(v);
};
const fmtSeconds = (s) => {
  if (s === null || s === undefined) return "-";
  s = Math.round(s);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`
    : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
};
const fmtParams = (p) => Object.entries(p || {}).map(([k, v]) => `${k}=${fmt(v)}`).join(", ");

// Test and benchmark hook: what each stream view has drawn, and how late (browser clock vs
// the kernel's time of the newest event drawn; both clocks are the same machine's in tests).
function probe(study) {
  const root = (globalThis.__adaptiveHyperopt ??= {});
  return (root[study] ??= { upto: -1, status: null, renders: 0, maxLag: 0, lags: [] });
}

// ---------------------------------------------------------------------------------------------
function renderStream(model, el) {
  const study = model.get("study");
  const p = probe(study);
  const status = {};
  for (const key of ["state", "n-complete", "n-running", "n-pruned", "n-failed", "rate",
    "elapsed", "remaining", "best-value", "best-params"]) {
    status[key] = h("span", { "data-ah": key });
  }
  const statusLine = h("div", { class: "ah-status" },
    h("b", {}, study), " ", status["state"], " · ",
    status["n-complete"], " complete, ", status["n-running"], " running, ",
    status["n-pruned"], " pruned, ", status["n-failed"], " failed · ",
    status["rate"], " trials/s · elapsed ", status["elapsed"], ", left ", status["remaining"],
    " · best ", status["best-value"], " ", status["best-params"]);
  const errors = h("ul", { class: "ah-errors", "data-ah": "errors" });
  const tbody = h("tbody");
  const table = h("table", { class: "ah-trials", "data-ah": "trials" },
    h("thead", {}, h("tr", {}, ...["#", "state", "value", "seconds", "params"].map((t) => h("th", {}, t)))),
    tbody);
  const log = h("ul", { class: "ah-log", "data-ah": "log" });
  const root = h("div", { class: "ah-stream", "data-study": study },
    statusLine, errors,
    h("div", { class: "ah-columns" },
      h("div", {}, h("div", { class: "ah-heading" }, "latest trials"), table),
      h("div", {}, h("div", { class: "ah-heading" }, "events"), log)));
  el.append(root);

  let upto = -1;              // seq of the newest event this view holds
  let pendingSnapshot = null;  // id of the snapshot we asked for
  let buffered = [];           // deltas that arrived before it
  let rows = [];               // latest trials, newest last
  let logRows = [];
  let errorRows = [];
  let latest = null;           // newest status
  let frame = 0;

  const ask = () => {
    pendingSnapshot = newId();
    model.send({ kind: "snapshot", id: pendingSnapshot });
  };
  const take = (list, items, cap) => {
    for (const it of items) if (it.seq > upto) list.push(it);
    return list.length > cap ? list.slice(list.length - cap) : list;
  };
  const apply = (msg) => {
    if (msg.kind === "snapshot") {
      rows = msg.trials; logRows = msg.log; errorRows = msg.errors;
      upto = msg.upto;
    } else {
      if (msg.upto <= upto) return;
      if (msg.since > upto) { ask(); return; }  // we missed a delta: start again
      rows = take(rows, msg.trials, TABLE_ROWS);
      logRows = take(logRows, msg.log, LOG_ROWS);
      errorRows = take(errorRows, msg.errors, 20);
      upto = msg.upto;
    }
    latest = msg.status;
    if (!frame) frame = requestAnimationFrame(draw);
  };

  const draw = () => {
    frame = 0;
    if (!latest) return;
    const s = latest;
    status["state"].textContent = s.state;
    status["state"].className = `ah-state ah-state-${s.state}`;
    status["n-complete"].textContent = s.n_complete + (s.n_trials ? ` / ${s.n_trials}` : "");
    status["n-running"].textContent = s.n_running;
    status["n-pruned"].textContent = s.n_pruned;
    status["n-failed"].textContent = s.n_failed;
    status["rate"].textContent = s.rate.toFixed(1);
    status["elapsed"].textContent = fmtSeconds(s.elapsed);
    status["remaining"].textContent = fmtSeconds(s.remaining);
    status["best-value"].textContent = s.front_size != null ? `${s.front_size} trials on the Pareto front` : fmt(s.best_value);
    status["best-params"].textContent = s.best_params ? `(${fmtParams(s.best_params)})` : "";
    tbody.replaceChildren(...rows.slice(-TABLE_ROWS).reverse().map((r) =>
      h("tr", { "data-number": r.number, class: `ah-row-${r.state}` },
        h("td", {}, r.number), h("td", {}, r.state), h("td", {}, fmt(r.value)),
        h("td", {}, fmt(r.duration)), h("td", { title: r.reason || "" }, fmtParams(r.params)))));
    log.replaceChildren(...logRows.slice().reverse().map((e) =>
      h("li", { "data-kind": e.kind, "data-seq": e.seq },
        h("span", { class: "ah-time" }, new Date(e.time * 1000).toLocaleTimeString()), " ", e.text)));
    errors.replaceChildren(...errorRows.slice(-5).reverse().map((e) =>
      h("li", {}, e.number === null ? e.reason : `trial ${e.number} failed: ${e.reason}`)));
    p.upto = upto; p.status = s; p.renders += 1;
    // Only while the kernel is producing events: paused or finished, the newest event is
    // the pause or the end, and the page is up to date however old it is.
    if ((s.state === "running" || s.state === "stopping") && s.time) {
      const lag = Date.now() / 1000 - s.time;
      p.lags.push(lag);
      if (p.lags.length > 1000) p.lags.shift();
      p.maxLag = Math.max(p.maxLag, lag);
    }
  };

  const onMsg = (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "reply" && !msg.ok) {  // our request was refused: show why
      errorRows = [...errorRows, { seq: upto, number: null, reason: msg.message }];
      if (!frame) frame = requestAnimationFrame(draw);
      return;
    }
    if (pendingSnapshot !== null) {
      if (msg.kind === "snapshot") {
        pendingSnapshot = null;
        apply(msg);
        for (const d of buffered) apply(d);
        buffered = [];
      } else if (msg.kind === "delta") {
        buffered.push(msg);
      }
      return;
    }
    if (msg.kind === "delta" || msg.kind === "snapshot") apply(msg);
  };
  model.on("msg:custom", onMsg);
  ask();
  return () => {
    model.off("msg:custom", onMsg);
    if (frame) cancelAnimationFrame(frame);
  };
}

// ---------------------------------------------------------------------------------------------
function renderControls(model, el) {
  const message = h("div", { class: "ah-message", "data-ah": "message" });
  const state = h("span", { class: "ah-state", "data-ah": "control-state" }, "…");
  const waiting = new Map();  // request id -> what it was, to word its answer
  let timer = null;
  let version = -1;
  let done = false;

  const show = (ok, text, pending = false) => {
    message.textContent = text;
    message.className = `ah-message ${pending ? "ah-pending" : ok ? "ah-ok" : "ah-error"}`;
    message.dataset.ok = ok ? "true" : "false";
  };
  const send = (msg, label) => {
    const id = newId();
    waiting.set(id, label ?? msg.kind);
    model.send({ ...msg, id });
    return id;
  };

  const button = (key, text, kind) => h("button", {
    "data-ah": key, class: "ah-button", onclick: () => send({ kind }, text),  // "Pause: paused..."
  }, text);
  const bar = h("div", { class: "ah-bar" },
    button("pause", "Pause", "pause"), button("resume", "Resume", "resume"),
    button("stop", "Stop", "stop"), button("adapt", "Force adaptation", "adapt_now"),
    state, message);
  const editor = h("tbody");
  const root = h("div", { class: "ah-controls", "data-study": model.get("study") },
    bar,
    h("details", { class: "ah-editor", open: "" },
      h("summary", {}, "search space"),
      h("table", { "data-ah": "editor" }, editor)));
  el.append(root);

  // An empty or unreadable field goes as null (refused with the reason), never as 0.
  const number = (input) => (input.value.trim() === "" ? null : Number(input.value));
  const numericRow = (p) => {
    const low = h("input", { type: "number", step: "any", value: p.low, "data-ah": "low" });
    const high = h("input", { type: "number", step: "any", value: p.high, "data-ah": "high" });
    const apply = h("button", {
      "data-ah": "apply", class: "ah-button",
      onclick: () => send({ kind: "set_range", name: p.name, low: number(low), high: number(high) },
        `range of ${p.name}`),
    }, "Apply");
    const cells = [low, " – ", high, apply];
    if (p.log) cells.splice(3, 0, h("span", { class: "ah-badge" }, "log"));
    return cells;
  };
  const choiceRow = (p) => {
    const boxes = p.choices.map((c) => {
      const box = h("input", { type: "checkbox", "data-ah-choice": c.index });
      box.checked = c.on;
      return h("label", { class: "ah-choice" }, box, c.label);
    });
    const apply = h("button", {
      "data-ah": "apply", class: "ah-button",
      onclick: () => send({
        kind: "set_choices", name: p.name,
        choices: boxes.map((b) => b.firstChild).filter((b) => b.checked).map((b) => Number(b.dataset.ahChoice)),
      }, `choices of ${p.name}`),
    }, "Apply");
    return [...boxes, apply];
  };
  const rebuild = (params) => {
    editor.replaceChildren(...params.map((p) => {
      const extra = [
        h("button", { "data-ah": "restore", class: "ah-button ah-small",
          onclick: () => send({ kind: "restore", name: p.name }, `restore ${p.name}`) }, "Restore"),
      ];
      if (p.frozen) {
        extra.unshift(h("button", { "data-ah": "unfreeze", class: "ah-button ah-small",
          onclick: () => send({ kind: "unfreeze", name: p.name }, `unfreeze ${p.name}`) }, "Unfreeze"));
      }
      const label = h("td", { class: "ah-param" }, p.name, " ", h("span", { class: "ah-badge" }, p.type));
      if (p.frozen) label.append(" ", h("span", { class: "ah-badge ah-frozen", "data-ah": "frozen" }, `frozen at ${p.frozen_value}`));
      if (p.when) label.append(" ", h("span", { class: "ah-badge" }, `when ${p.when}`));
      const domain = p.choices ? "" : `declared [${fmt(p.declared_low)}, ${fmt(p.declared_high)}]`;
      return h("tr", { "data-ah-param": p.name },
        label,
        h("td", {}, ...(p.choices ? choiceRow(p) : numericRow(p))),
        h("td", { class: "ah-domain" }, domain),
        h("td", {}, ...extra));
    }));
  };

  const onState = (st) => {
    if (!st) return;
    const s = st.status;
    done = s.done;
    state.textContent = done ? "finished" : s.state;
    state.className = `ah-state ah-state-${done ? "finished" : s.state}`;
    root.dataset.state = state.textContent;
    for (const a of st.answers || []) {
      show(a.ok, `${waiting.get(a.id) ?? "command"}: ${a.message}`);
      waiting.delete(a.id);
    }
    if (s.space_version !== version) {
      version = s.space_version;
      rebuild(st.params);
    }
    for (const b of root.querySelectorAll("button")) b.disabled = done;
    if (done && timer) { clearInterval(timer); timer = null; }
  };

  const onMsg = (msg) => {
    if (!msg || msg.kind !== "reply") return;
    const label = waiting.get(msg.id);
    if (label !== undefined && label !== "get_state") {
      show(msg.ok, msg.message ? `${label}: ${msg.message}` : label, msg.pending === true);
      if (!msg.pending) waiting.delete(msg.id);
    } else {
      waiting.delete(msg.id);
    }
    onState(msg.state);
  };
  model.on("msg:custom", onMsg);
  send({ kind: "get_state" });
  timer = setInterval(() => { if (!done) send({ kind: "get_state" }); }, POLL_MS);
  return () => {
    model.off("msg:custom", onMsg);
    if (timer) clearInterval(timer);
  };
}

export default {
  render({ model, el }) {
    return model.get("view") === "controls" ? renderControls(model, el) : renderStream(model, el);
  },
};
