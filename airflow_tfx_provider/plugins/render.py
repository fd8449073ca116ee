"""HTML for the pages: one layout, tables, links. Server-rendered, no script, no remote asset.

Every value goes through ``markupsafe.escape``; only ``Markup`` built here (or SVG from
``ui.data.svg``, which escapes its own text) is inserted as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote

from markupsafe import Markup, escape

from airflow_tfx_provider.operators.links import PLUGIN_PREFIX

Cell = object  # str, number, None or Markup

_STYLE = " ".join(
    [
        'body{font-family:system-ui,"Segoe UI",Roboto,sans-serif;font-size:14px;margin:16px;color:#1f2328}',
        "h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 6px} h3{font-size:14px}",
        "nav{margin-bottom:12px;color:#57606a} nav a{margin-right:10px}",
        "table{border-collapse:collapse;margin:4px 0 12px}",
        "th,td{border:1px solid #d0d7de;padding:3px 7px;text-align:left;vertical-align:top}",
        "th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}",
        "a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}",
        ".executed,.blessed,.passed,.success{color:#1a7f37} .cached{color:#0969da}",
        ".failed,.not-blessed{color:#cf222e} .skipped,.unknown,.muted{color:#6e7781}",
        ".serving{font-weight:bold;color:#8250df} code{background:#f6f8fa;padding:1px 4px;border-radius:4px}",
    ]
)


def url(*parts: object, **query: object) -> str:
    """A path inside the plugin app, each part quoted."""
    path = PLUGIN_PREFIX + "/" + "/".join(quote(str(p), safe="") for p in parts)
    shown = [(k, v) for k, v in query.items() if v is not None]
    if shown:
        path += "?" + "&".join(f"{quote(k)}={quote(str(v), safe='')}" for k, v in shown)
    return path


def link(href: str, text: object) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def badge(state: str) -> Markup:
    css = "not-blessed" if state.startswith("not blessed") else state.split(" ")[0]
    return Markup('<span class="{}">{}</span>').format(css, state)


def number(value: float | int | None, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def _cell(value: Cell) -> Markup:
    if isinstance(value, Markup):
        return Markup("<td>{}</td>").format(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Markup('<td class="num">{}</td>').format(number(value))
    return Markup("<td>{}</td>").format("" if value is None else value)


def table(headers: Sequence[Cell], rows: Iterable[Sequence[Cell]], *, css_id: str | None = None) -> Markup:
    head = Markup("").join(Markup("<th>{}</th>").format(h) for h in headers)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(Markup("").join(_cell(c) for c in row)) for row in rows
    )
    ident = Markup(' id="{}"').format(css_id) if css_id else Markup("")
    return Markup("<table{}><thead><tr>{}</tr></thead><tbody>{}</tbody></table>").format(ident, head, body)


def svg(text: str) -> Markup:
    """SVG made by ``ui.data.svg`` (which escapes everything it draws)."""
    return Markup(text)


def page(title: str, body: Markup, *, dag_id: str | None = None, run_id: str | None = None) -> str:
    crumbs = [link(url(), "TFX pipelines")]
    if dag_id:
        crumbs.append(link(url("dags", dag_id, "models"), Markup("{}: models").format(dag_id)))
        crumbs.append(link(url("dags", dag_id, "runs"), "runs"))
    if dag_id and run_id:
        crumbs.append(link(url("dags", dag_id, "runs", run_id), Markup("run {}").format(run_id)))
    return str(
        Markup(
            '<!doctype html><html><head><meta charset="utf-8"><title>{}</title><style>{}</style></head>'
            "<body><nav>{}</nav><h1>{}</h1>{}</body></html>"
        ).format(title, Markup(_STYLE), Markup(" / ").join(crumbs), title, body)
    )


def paragraph(text: object, css: str = "") -> Markup:
    return Markup('<p class="{}">{}</p>').format(css, text)


def heading(text: object, level: int = 2) -> Markup:
    return Markup("<h{0}>{1}</h{0}>").format(level, escape(text))
