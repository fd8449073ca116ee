"""The SVG renderers: well-formed, proportional, escaped, self-contained."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from airflow_tfx_provider.ui.data import svg

NS = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>&'


def _parse(text: str) -> ET.Element:
    root = ET.fromstring(text)  # fails on anything not well-formed
    assert root.tag == f"{NS}svg"
    return root


def _self_contained(text: str) -> None:
    root = _parse(text)
    assert not list(root.iter(f"{NS}script"))
    assert not list(root.iter(f"{NS}image")) and not list(root.iter(f"{NS}foreignObject"))
    assert "@import" not in text and "url(http" not in text and "xlink:href" not in text
    assert text.count("http") == text.count("http://www.w3.org/2000/svg")


def test_histogram_bars_are_proportional() -> None:
    buckets = [("0-1", 2.0), ("1-2", 8.0), ("2-3", 4.0), ("3-4", 0.0)]
    text = svg.histogram(buckets, width=200, height=100, title="fare")
    _self_contained(text)
    bars = [e for e in _parse(text).iter(f"{NS}rect") if e.get("class") == "bar"]
    heights = [float(b.get("height", "")) for b in bars]
    assert len(bars) == 4
    assert heights[1] == pytest.approx(100 - 6 - 16)  # the biggest bucket fills the plot
    assert heights[0] / heights[1] == pytest.approx(0.25, abs=0.01) and heights[3] == 0
    xs = [float(b.get("x", "")) for b in bars]
    assert xs == sorted(xs)
    tips = [b.find(f"{NS}title").text for b in bars]  # type: ignore[union-attr]
    assert tips[1] == "1-2: 8 (57.1%)"


def test_histogram_normalized_compares_shapes() -> None:
    small = svg.histogram([("a", 1.0), ("b", 3.0)], normalize=True)
    big = svg.histogram([("a", 10.0), ("b", 30.0)], normalize=True)
    heights = [
        [float(b.get("height", "")) for b in _parse(t).iter(f"{NS}rect") if b.get("class") == "bar"]
        for t in (small, big)
    ]
    assert heights[0] == heights[1]
    assert "75%" in small  # the tallest bar's share on the axis


def test_histogram_escapes_labels_and_handles_no_data() -> None:
    text = svg.histogram([(EVIL, 1.0)], title=EVIL)
    _self_contained(text)
    assert "<script>" not in text and "&lt;script&gt;" in text
    empty = svg.histogram([])
    assert "no data" in empty and not [e for e in _parse(empty).iter(f"{NS}rect")]


def test_line_chart() -> None:
    series = {"train": [(0, 1.0), (1, 0.5), (2, 0.25)], "validation": [(0, 1.2), (2, float("nan")), (1, 0.8)]}
    text = svg.line_chart(series, title="epoch_loss")
    _self_contained(text)
    groups = [g for g in _parse(text).iter(f"{NS}g") if g.get("class") == "series"]
    assert [g.get("data-series") for g in groups] == ["train", "validation"]
    lines = [g.find(f"{NS}polyline") for g in groups]
    points = [[tuple(map(float, p.split(","))) for p in line.get("points", "").split()] for line in lines]  # type: ignore[union-attr]
    assert [len(p) for p in points] == [3, 2]  # the NaN is left out
    train = points[0]
    assert [x for x, _ in train] == sorted(x for x, _ in train)
    assert train[0][1] < train[1][1] < train[2][1]  # higher values are drawn higher (smaller y)
    assert points[1][0][1] < train[0][1]  # 1.2 is the top of the chart


def test_line_chart_edge_cases() -> None:
    single = svg.line_chart({"only": [(5, 3.0)]})
    circles = list(_parse(single).iter(f"{NS}circle"))
    assert len(circles) == 1 and not list(_parse(single).iter(f"{NS}polyline"))
    assert "no data" in svg.line_chart({"x": [(0, float("inf"))]})
    named = svg.line_chart({EVIL: [(0, 1.0), (1, 2.0)]})
    _self_contained(named)
    assert "<script>" not in named


def _nodes(*ids: str) -> list[svg.GraphNode]:
    return [svg.GraphNode(i, i.upper(), kind="execution" if i.startswith("e") else "artifact") for i in ids]


def test_layout_layers_follow_the_edges() -> None:
    nodes = _nodes("a1", "e1", "a2", "e2", "a3", "a4")
    edges = [("a1", "e1"), ("e1", "a2"), ("a2", "e2"), ("a1", "e2"), ("e2", "a3"), ("e1", "a4")]
    places = svg.layout(nodes, edges)
    for src, dst in edges:
        assert places[dst][0] > places[src][0]
    assert places["e2"][0] == 3  # the longest path a1 -> e1 -> a2 -> e2
    rows = {}
    for layer, row in places.values():
        rows.setdefault(layer, []).append(row)
    assert all(sorted(r) == list(range(len(r))) for r in rows.values())  # no two nodes on one spot


def test_layout_survives_cycles_and_unknown_nodes() -> None:
    places = svg.layout(_nodes("a", "b", "c"), [("a", "b"), ("b", "c"), ("c", "a"), ("a", "zz"), ("b", "b")])
    assert places == {"a": (0, 0), "b": (1, 0), "c": (2, 0)}


def test_lineage_graph_svg() -> None:
    nodes = [
        svg.GraphNode("e1", "StatisticsGen", kind="execution", state="COMPLETE", href="/tfx/runs/x?a=1&b=2"),
        svg.GraphNode("a1", EVIL, href="javascript:alert(1)"),
        svg.GraphNode("a2", "Model", href="//evil.example/steal"),
        svg.GraphNode("a3", "Blessing", href="https://docs.example/blessing", state="FAILED"),
    ]
    edges = [("e1", "a1"), ("a1", "a2"), ("a2", "a3"), ("a3", "a2")]
    text = svg.lineage_graph(nodes, edges)
    root = _parse(text)
    assert "<script>" not in text and "javascript:" not in text and "//evil" not in text
    links = [a.get("href") for a in root.iter(f"{NS}a")]
    assert links == ["/tfx/runs/x?a=1&b=2", "https://docs.example/blessing"]
    assert 'href="/tfx/runs/x?a=1&amp;b=2"' in text
    groups = {g.get("data-id"): g for g in root.iter(f"{NS}g")}
    assert set(groups) == {"e1", "a1", "a2", "a3"}
    paths = [p for p in root.iter(f"{NS}path") if p.get("class") == "edge"]
    assert [(p.get("data-from"), p.get("data-to")) for p in paths] == edges
    assert paths[-1].get("stroke-dasharray")  # the edge closing the cycle runs backwards
    rect = groups["e1"].find(f".//{NS}rect")
    assert rect is not None and rect.get("fill") == svg.STATE_COLORS["COMPLETE"]
    assert "no lineage" in svg.lineage_graph([], [])
