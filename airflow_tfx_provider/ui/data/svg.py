"""Server-side SVG: histogram bars, a line chart with several series, a layered lineage graph.

Each function returns one self-contained ``<svg>`` element as a string: inline styles, no script,
no external reference (fonts, images, stylesheets), every text and attribute escaped. Links in
the lineage graph are kept only when relative (``/...``, ``?...``, ``#...``) or http(s).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d")
STATE_COLORS = {
    "COMPLETE": "#d9f2d9",
    "CACHED": "#dbe9f6",
    "RUNNING": "#fff2cc",
    "FAILED": "#f8d7da",
    "CANCELED": "#eeeeee",
}
FONT = "font-family:sans-serif;font-size:11px"
_NS = 'xmlns="http://www.w3.org/2000/svg"'


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most one decimal."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _label(value: float) -> str:
    return f"{value:.4g}"


def _open(width: float, height: float, title: str, css_class: str) -> list[str]:
    head = [
        f'<svg {_NS} class="{esc(css_class)}" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" style="{FONT}">'
    ]
    if title:
        head.append(f"<title>{esc(title)}</title>")
    return head


def _message(out: list[str], width: float, height: float, text: str) -> str:
    out.append(
        f'<text x="{_n(width / 2)}" y="{_n(height / 2)}" text-anchor="middle">{esc(text)}</text></svg>'
    )
    return "".join(out)


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)] + "…"


# --- histogram ----------------------------------------------------------------------------------
def histogram(
    buckets: Sequence[tuple[str, float]],
    *,
    width: float = 300,
    height: float = 120,
    color: str = PALETTE[0],
    title: str = "",
    normalize: bool = False,
) -> str:
    """Bars for ``(label, count)`` buckets. ``normalize`` draws shares of the total (to compare
    splits of different sizes); tooltips always give the count and the share."""
    out = _open(width, height, title, "tfx-histogram")
    total = sum(max(c, 0.0) for _, c in buckets)
    if not buckets or total <= 0:
        return _message(out, width, height, "no data")
    left, right, top, bottom = 34.0, 4.0, 6.0, 16.0
    plot_w, plot_h = width - left - right, height - top - bottom
    heights = [max(c, 0.0) / total if normalize else max(c, 0.0) for _, c in buckets]
    peak = max(heights) or 1.0
    bar_w = plot_w / len(buckets)
    for i, ((label, count), value) in enumerate(zip(buckets, heights, strict=True)):
        h = plot_h * value / peak
        x, y = left + i * bar_w, top + plot_h - h
        tip = f"{label}: {_label(count)} ({100 * max(count, 0.0) / total:.1f}%)"
        out.append(
            f'<rect class="bar" x="{_n(x + 0.5)}" y="{_n(y)}" width="{_n(max(bar_w - 1, 0.5))}" '
            f'height="{_n(h)}" fill="{esc(color)}"><title>{esc(tip)}</title></rect>'
        )
    axis_y = top + plot_h
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(axis_y)}" x2="{_n(width - right)}" y2="{_n(axis_y)}" stroke="#888"/>'
    )
    peak_text = f"{100 * peak:.0f}%" if normalize else _label(peak)
    out.append(f'<text x="{_n(left - 3)}" y="{_n(top + 9)}" text-anchor="end">{esc(peak_text)}</text>')
    first, last = _short(buckets[0][0], 16), _short(buckets[-1][0], 16)
    out.append(f'<text x="{_n(left)}" y="{_n(height - 3)}">{esc(first)}</text>')
    if len(buckets) > 1:
        out.append(f'<text x="{_n(width - right)}" y="{_n(height - 3)}" text-anchor="end">{esc(last)}</text>')
    out.append("</svg>")
    return "".join(out)


# --- line chart ---------------------------------------------------------------------------------
def _span(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    return low, high


def line_chart(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    width: float = 480,
    height: float = 220,
    title: str = "",
    x_label: str = "step",
) -> str:
    """One polyline per series of ``(x, y)`` points (non-finite values left out), with a legend."""
    out = _open(width, height, title, "tfx-line-chart")
    clean = {
        name: sorted((x, y) for x, y in points if math.isfinite(x) and math.isfinite(y))
        for name, points in series.items()
    }
    xs = [x for pts in clean.values() for x, _ in pts]
    ys = [y for pts in clean.values() for _, y in pts]
    if not xs:
        return _message(out, width, height, "no data")
    legend_h = 14.0 * len(clean)
    left, right, top, bottom = 46.0, 8.0, 8.0 + legend_h, 28.0
    plot_w, plot_h = width - left - right, height - top - bottom
    (x0, x1), (y0, y1) = _span(xs), _span(ys)

    def px(x: float) -> float:
        return left + plot_w * (x - x0) / (x1 - x0)

    def py(y: float) -> float:
        return top + plot_h - plot_h * (y - y0) / (y1 - y0)

    out.append(
        f'<path d="M{_n(left)},{_n(top)}V{_n(top + plot_h)}H{_n(left + plot_w)}" fill="none" stroke="#888"/>'
    )
    for value, y in ((y1, top + 4), (y0, top + plot_h)):
        out.append(f'<text x="{_n(left - 3)}" y="{_n(y)}" text-anchor="end">{esc(_label(value))}</text>')
    bottom_y = top + plot_h + 12
    out.append(f'<text x="{_n(left)}" y="{_n(bottom_y)}">{esc(_label(x0))}</text>')
    out.append(f'<text x="{_n(left + plot_w)}" y="{_n(bottom_y)}" text-anchor="end">{esc(_label(x1))}</text>')
    out.append(
        f'<text x="{_n(left + plot_w / 2)}" y="{_n(height - 3)}" text-anchor="middle">{esc(x_label)}</text>'
    )
    for i, (name, points) in enumerate(clean.items()):
        color = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{_n(px(x))},{_n(py(y))}" for x, y in points)
        out.append(f'<g class="series" data-series="{esc(name)}">')
        if len(points) > 1:
            out.append(f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        if len(points) <= 60:
            for x, y in points:
                out.append(
                    f'<circle cx="{_n(px(x))}" cy="{_n(py(y))}" r="2" fill="{color}">'
                    f"<title>{esc(f'{name}: {_label(x)} → {_label(y)}')}</title></circle>"
                )
        out.append("</g>")
        ly = 10.0 + 14.0 * i
        out.append(f'<rect x="{_n(left)}" y="{_n(ly - 8)}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{_n(left + 14)}" y="{_n(ly + 1)}">{esc(name)}</text>')
    out.append("</svg>")
    return "".join(out)


# --- lineage graph ------------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphNode:
    """A node of the lineage graph: an execution (square corners) or an artifact (rounded)."""

    id: str
    label: str
    kind: str = "artifact"
    href: str | None = None
    state: str | None = None
    detail: str = ""


def _safe_href(href: str | None) -> str | None:
    if not href:
        return None
    text = href.strip()
    if text.startswith(("/", "?", "#")) and not text.startswith("//"):
        return text
    return text if text.lower().startswith(("http://", "https://")) else None


def layout(nodes: Sequence[GraphNode], edges: Sequence[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """node id -> (layer, position in the layer).

    Layers follow the longest path from a source; edges closing a cycle are ignored for layering
    (drawn all the same). Within a layer, nodes are ordered by the mean position of their
    predecessors (one barycenter sweep), ties by input order.
    """
    ids = [n.id for n in nodes]
    known = set(ids)
    succ: dict[str, list[str]] = {i: [] for i in ids}
    for src, dst in edges:
        if src in known and dst in known and src != dst and dst not in succ[src]:
            succ[src].append(dst)
    # drop back edges (iterative DFS)
    forward: dict[str, list[str]] = {i: [] for i in ids}
    state: dict[str, int] = {}
    for start in ids:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(succ[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) != 1:
                forward[node].append(child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
    indegree = {i: 0 for i in ids}
    for src in ids:
        for dst in forward[src]:
            indegree[dst] += 1
    layer = {i: 0 for i in ids}
    ready = [i for i in ids if indegree[i] == 0]
    while ready:
        node = ready.pop(0)
        for dst in forward[node]:
            layer[dst] = max(layer[dst], layer[node] + 1)
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
    layers: dict[int, list[str]] = {}
    for i in ids:
        layers.setdefault(layer[i], []).append(i)
    preds: dict[str, list[str]] = {i: [] for i in ids}
    for src in ids:
        for dst in forward[src]:
            preds[dst].append(src)
    position: dict[str, int] = {}
    for depth in sorted(layers):
        members = layers[depth]

        def weight(node: str, members: list[str] = members) -> tuple[float, int]:
            placed = [position[p] for p in preds[node] if p in position]
            return (sum(placed) / len(placed) if placed else float(members.index(node)), members.index(node))

        for index, node in enumerate(sorted(members, key=weight)):
            position[node] = index
    return {i: (layer[i], position[i]) for i in ids}


def lineage_graph(
    nodes: Sequence[GraphNode],
    edges: Sequence[tuple[str, str]],
    *,
    node_width: float = 150,
    node_height: float = 34,
    h_gap: float = 48,
    v_gap: float = 14,
    title: str = "",
) -> str:
    """Nodes in layers from left to right, edges as curves with arrowheads."""
    places = layout(nodes, edges)
    pad = 8.0
    n_layers = max((p[0] for p in places.values()), default=-1) + 1
    n_rows = max((p[1] for p in places.values()), default=-1) + 1
    width = 2 * pad + max(n_layers, 1) * (node_width + h_gap) - h_gap
    height = 2 * pad + max(n_rows, 1) * (node_height + v_gap) - v_gap
    out = _open(width, height, title, "tfx-lineage")
    if not nodes:
        return _message(out, width, height, "no lineage")
    out.append(
        '<defs><marker id="tfx-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0L8,4L0,8z" fill="#666"/></marker></defs>'
    )

    def corner(node_id: str) -> tuple[float, float]:
        depth, row = places[node_id]
        return pad + depth * (node_width + h_gap), pad + row * (node_height + v_gap)

    for src, dst in edges:
        if src not in places or dst not in places or src == dst:
            continue
        (sx, sy), (dx, dy) = corner(src), corner(dst)
        x1, y1 = sx + node_width, sy + node_height / 2
        x2, y2 = dx, dy + node_height / 2
        bend = max(h_gap / 2, abs(x2 - x1) / 2)
        dash = ' stroke-dasharray="4 3"' if x2 <= x1 else ""
        out.append(
            f'<path class="edge" data-from="{esc(src)}" data-to="{esc(dst)}" '
            f'd="M{_n(x1)},{_n(y1)}C{_n(x1 + bend)},{_n(y1)} {_n(x2 - bend)},{_n(y2)} {_n(x2)},{_n(y2)}" '
            f'fill="none" stroke="#666"{dash} marker-end="url(#tfx-arrow)"/>'
        )
    chars = max(4, int((node_width - 12) / 6.2))
    for node in nodes:
        x, y = corner(node.id)
        fill = STATE_COLORS.get((node.state or "").upper(), "#ffffff")
        radius = 4 if node.kind == "execution" else node_height / 2
        tip = " | ".join(t for t in (node.label, node.state or "", node.detail) if t)
        body = (
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(node_width)}" height="{_n(node_height)}" '
            f'rx="{_n(radius)}" fill="{fill}" stroke="#555"/>'
            f'<text x="{_n(x + node_width / 2)}" y="{_n(y + node_height / 2 + 4)}" text-anchor="middle">'
            f"{esc(_short(node.label, chars))}</text><title>{esc(tip)}</title>"
        )
        href = _safe_href(node.href)
        if href is not None:
            body = f'<a href="{esc(href)}">{body}</a>'
        out.append(f'<g class="node {esc(node.kind)}" data-id="{esc(node.id)}">{body}</g>')
    out.append("</svg>")
    return "".join(out)
