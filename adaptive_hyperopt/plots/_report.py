"""`save_plots`: every plot as PNG and SVG, and one self-contained HTML report of the study."""

from __future__ import annotations

import datetime
import html
import io
import json
import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import optuna

from . import _data
from ._data import Record

logger = logging.getLogger(__name__)

REPORT_NAME = "report.html"


def plot_records(study: optuna.Study) -> list[tuple[str, str, Record]]:
    """(file stem, title, record) of every plot `save_plots` draws for `study`.

    One objective: optimization history, importance, parallel coordinates, relationships.
    Several: the Pareto front and the importance of reaching it come first, then the other
    three for the first objective.
    """
    builders: list[tuple[str, str, Callable[[optuna.Study], Record]]] = [
        ("optimization_history", "Optimization history", _data.history_data),
        ("param_importance", "Parameter importance", _data.importance_data),
        ("parallel_coordinate", "Parallel coordinates", _data.parallel_coordinate_data),
        ("param_relationships", "Parameter relationships", _data.param_relationships_data),
    ]
    if len(study.directions) > 1:
        builders.insert(0, ("pareto_front", "Pareto front", _data.pareto_front_data))
    return [(stem, title, build(study)) for stem, title, build in builders]


def save_plots(study: optuna.Study, directory: str | os.PathLike[str]) -> Path:
    """Write `<plot>.png` and `<plot>.svg` for every plot and `report.html`; return its path.

    The report holds the summary, the best trial (the Pareto front for several objectives),
    every plot as inline SVG, the adaptation log and the last failures: one file, no server,
    no network.
    """
    from ._matplotlib import render  # matplotlib only when drawing

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    for stem, title, record in plot_records(study):
        fig = render(record)
        fig.savefig(out / f"{stem}.png", dpi=110)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg")
        svg = buffer.getvalue()
        (out / f"{stem}.svg").write_text(svg, encoding="utf-8")
        sections.append((stem, title, svg[svg.index("<svg") :]))  # inline: no XML prolog
    report = out / REPORT_NAME
    report.write_text(report_html(_data.summary_data(study), sections), encoding="utf-8")
    logger.info("plots and report of study %r in %s", study.study_name, out)
    return report


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222;
       padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .muted { color: #777; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; font-size: 0.9rem; }
th { background: #f4f4f4; }
figure { margin: 1rem 0 2rem; } figure svg { max-width: 100%; height: auto; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
"""


def _e(value: Any) -> str:
    """Escaped text of a cell: strings as they are, floats to 6 digits, the rest as repr."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(value if isinstance(value, str) else repr(value))


def _table(header: Iterable[str] | None, rows: Iterable[Iterable[Any]]) -> str:
    head = "" if header is None else "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return datetime.datetime.fromtimestamp(timestamp).isoformat(sep=" ", timespec="seconds")


def report_html(summary: Record, sections: list[tuple[str, str, str]]) -> str:
    """The report page: `summary` from summary_data, `sections` as (id, title, inline svg)."""
    from .. import __version__

    directions = ", ".join(
        f"{n} ({d})" for n, d in zip(summary["objectives"], summary["directions"], strict=True)
    )
    states = ", ".join(f"{n} {s.lower()}" for s, n in sorted(summary["states"].items()))
    duration = summary["duration"]
    overview = [
        ("objectives", directions),
        ("trials", f"{summary['n_trials']} ({states or 'none'})"),
        ("proposed by", ", ".join(f"{b} {n}" for b, n in summary["backends"].items())),
        ("started", summary["started"] or ""),
        ("finished", summary["finished"] or ""),
        ("duration", "" if duration is None else f"{duration:.1f} s"),
    ]
    parts = [
        f"<h1>Study {_e(summary['study'])}</h1>",
        f'<p class="muted">adaptive-hyperopt {_e(__version__)} report, generated '
        f"{_e(datetime.datetime.now().isoformat(sep=' ', timespec='seconds'))}</p>",
        "<h2>Summary</h2>",
        _table(None, overview),
    ]
    best, pareto = summary["best"], summary["pareto"]
    if best is not None:
        parts.append(
            f"<h2>Best trial: #{best['number']}, {_e(summary['objectives'][0])} = "
            f"{_e(best['values'][0])}</h2>"
        )
        parts.append(_table(("parameter", "value"), best["params"].items()))
    elif pareto is not None:
        parts.append(f"<h2>Pareto front: {len(pareto['numbers'])} trials</h2>")
        rows = zip(pareto["numbers"], pareto["values"], pareto["params"], strict=True)
        parts.append(
            _table(
                ("trial", *summary["objectives"], "parameters"),
                ((n, *vals, params) for n, vals, params in rows),
            )
        )
    else:
        parts.append("<h2>Best trial</h2><p>No completed trial yet.</p>")
    parts.append("<h2>Plots</h2>")
    parts.append("<ul>" + "".join(f'<li><a href="#{s}">{_e(t)}</a></li>' for s, t, _ in sections))
    parts.append("</ul>")
    for stem, title, svg in sections:
        parts.append(
            f'<figure id="{stem}"><figcaption><h3>{_e(title)}</h3></figcaption>{svg}'
            f'<p class="muted"><a href="{stem}.png">{stem}.png</a> · '
            f'<a href="{stem}.svg">{stem}.svg</a></p></figure>'
        )
    parts.append("<h2>Adaptation log</h2>")
    log = summary["space_log"]
    if log:
        parts.append(
            _table(
                ("version", "from trial", "source", "reason", "time"),
                (
                    (
                        e["version"],
                        "" if e.get("trial") is None else e["trial"],
                        e["source"],
                        e["reason"],
                        _when(e["time"]),
                    )
                    for e in log
                ),
            )
        )
    else:
        parts.append("<p>No search space recorded.</p>")
    if summary["failures"]:
        parts.append(f"<h2>Failures (last {len(summary['failures'])})</h2>")
        parts.append(
            _table(("trial", "reason"), ((f["number"], f["reason"]) for f in summary["failures"]))
        )
    if summary["space"] is not None:
        parts.append("<h2>Search space (current)</h2>")
        parts.append(f"<pre>{_e(json.dumps(summary['space'], indent=2, default=str))}</pre>")
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Study {_e(summary['study'])}: adaptive-hyperopt report</title>"
        f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )
