"""The pages: a DAG's runs, one run (or task), an artifact (by type), its lineage, the model history.

Each function takes the DAG's :class:`~airflow_tfx_provider.plugins.store.PipelineStore` and
returns HTML. ``LookupError`` means "not here" (the app answers 404). MLMD, TFDV's and TFMA's
protos load on the first page, never with the plugin.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from airflow_tfx_provider.plugins.render import (
    badge,
    heading,
    link,
    number,
    page,
    paragraph,
    svg,
    table,
    url,
)
from airflow_tfx_provider.plugins.store import PipelineStore

#: How many of the newest models a per-slice trend reads evaluations of (the Overall slice comes
#: from MLMD for every model).
SLICE_TREND_MODELS = 60


#: The api-server keeps each pipeline's records and reads only what changed on the next page
#: (a thousand runs take about a second to read whole, a few milliseconds to refresh).
_CACHE: dict[tuple[str, str | None, str | None], Any] = {}
_LOCK = threading.Lock()


def _records(store: PipelineStore) -> Any:
    from airflow_tfx_provider.metadata.records import PipelineRecords

    key = (store.dag_id, store.conn_id, store.sqlite_path)
    with _LOCK:
        cached = _CACHE.get(key)
        gateway = store.gateway()
        records = PipelineRecords.load(gateway, store.dag_id) if cached is None else cached.refresh(gateway)
        _CACHE[key] = records
        return records


def forget_records() -> None:
    """Drop the cached records (the next page reads each store whole again)."""
    with _LOCK:
        _CACHE.clear()


def _artifact_link(store: PipelineStore, stored: Any) -> Markup:
    ref = stored.ref
    span = f" span {ref.properties['span']}" if "span" in ref.properties else ""
    text = f"{ref.type} #{ref.mlmd_id}{span}" + ("" if stored.state == "LIVE" else f" [{stored.state}]")
    return link(url("dags", store.dag_id, "artifacts", ref.mlmd_id), text)


def _artifact_list(store: PipelineStore, stored: Sequence[Any]) -> Markup:
    return Markup("<br>").join(_artifact_link(store, s) for s in stored)


# ------------------------------------------------------------------------------------ index, runs
def index_page(dag_ids: Sequence[str]) -> str:
    rows = [
        [
            link(url("dags", d, "models"), d),
            link(url("dags", d, "runs"), "runs"),
            link(url("dags", d, "models"), "models"),
        ]
        for d in dag_ids
    ]
    body = (
        table(["pipeline (DAG)", "", ""], rows)
        if rows
        else paragraph("No TFX pipeline has run yet.", "muted")
    )
    return page("TFX pipelines", body)


#: Rows per page of the runs and models tables (newest first; ``?page=N`` for older ones).
PAGE_ROWS = 100


def _paged(rows: Sequence[Any], page_number: int, *parts: object) -> tuple[Sequence[Any], Markup]:
    """The rows of one page (newest first) and links to the neighbouring pages."""
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    number = min(max(page_number, 1), pages)
    shown = rows[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
    links = [Markup("page {} of {} ({} in all)").format(number, pages, len(rows))]
    if number > 1:
        links.append(link(url(*parts, page=number - 1), "newer"))
    if number < pages:
        links.append(link(url(*parts, page=number + 1), "older"))
    return shown, paragraph(Markup(" · ").join(links), "muted")


def runs_page(store: PipelineStore, page_number: int = 1) -> str:
    from airflow_tfx_provider.metadata.history import summarize_runs

    records = _records(store)
    newest_first = [records.run_id(c) for c in reversed(records.run_contexts)]
    shown, pager = _paged(newest_first, page_number, "dags", store.dag_id, "runs")
    runs = list(reversed(summarize_runs(records, only=shown)))  # only this page's runs
    rows = [
        [
            link(url("dags", store.dag_id, "runs", r.run_id), r.run_id),
            r.started,
            badge(r.outcome),
            len(r.components),
            link(url("dags", store.dag_id, "artifacts", r.model_id), f"Model #{r.model_id}")
            if r.model_id
            else "",
            badge(r.verdict) if r.verdict else "",
        ]
        for r in runs
    ]
    body = pager + table(["run", "started", "outcome", "components", "model", "verdict"], rows, css_id="runs")
    return page(f"{store.dag_id}: runs", body, dag_id=store.dag_id)


def run_page(store: PipelineStore, run_id: str, task_id: str | None = None) -> str:
    """One run: each component's outcome and why, with its input and output artifacts."""
    from airflow_tfx_provider.metadata.history import summarize_runs

    records = _records(store)
    summaries = summarize_runs(records, only=run_id)
    if not summaries:
        raise LookupError(f"pipeline {store.dag_id!r} has no run {run_id!r} in its MLMD store")
    [summary] = summaries
    components = [c for c in summary.components if task_id is None or c.component_id == task_id]
    if task_id is not None and not components:
        raise LookupError(f"task {task_id!r} recorded nothing in run {run_id!r} of {store.dag_id!r}")
    rows = []
    for c in components:
        outputs = records.output_artifacts(c.execution_id)
        is_resolver = c.component_type == "Resolver"
        rows.append(
            [
                Markup('<span id="task-{0}">{0}</span>').format(c.component_id),
                c.component_type,
                badge(f"{c.outcome} ({c.skip_code.replace('_', ' ')})" if c.skip_code else c.outcome),
                c.seconds,
                c.detail,
                _artifact_list(store, records.input_artifacts(c.execution_id)),
                Markup("<br>").join(
                    Markup("{}{}: {}").format(
                        "chose " if is_resolver else "", key, _artifact_list(store, items)
                    )
                    for key, items in outputs.items()
                ),
            ]
        )
    headline = f"outcome {summary.outcome}, started {summary.started}"
    if summary.model_id:
        headline += f"; Model #{summary.model_id} {summary.verdict or 'not evaluated'}"
    body = paragraph(headline) + table(
        ["component", "type", "outcome", "seconds", "why / detail", "inputs", "outputs"],
        rows,
        css_id="components",
    )
    title = f"{store.dag_id}: run {run_id}" + (f", task {task_id}" if task_id else "")
    return page(title, body, dag_id=store.dag_id, run_id=run_id)


# -------------------------------------------------------------------------------- model history
def models_page(
    store: PipelineStore, metric: str | None = None, slice_name: str | None = None, page_number: int = 1
) -> str:
    from airflow_tfx_provider.metadata.history import model_rows
    from airflow_tfx_provider.ui.data import svg as charts

    rows = model_rows(_records(store))
    if not rows:
        raise LookupError(f"pipeline {store.dag_id!r} has trained no model yet")
    names = sorted({m for r in rows for m in r.metrics})
    metric = (
        metric
        if metric in names
        else next((m for m in ("binary_accuracy", "accuracy", "auc") if m in names), None)
    )
    metric = metric or (names[0] if names else None)
    chart = Markup("")
    if metric:
        series: dict[str, list[tuple[float, float]]] = {}
        for index, row in enumerate(rows):
            if metric in row.metrics:
                name = "Overall (backfill)" if row.run_type == "backfill" else "Overall"
                series.setdefault(name, []).append(
                    (float(row.span if row.span is not None else index), row.metrics[metric])
                )
        if slice_name:
            series.update(_slice_trend(store, rows, metric, slice_name))
        chart = svg(charts.line_chart(series, title=f"{metric} by span", x_label="span", width=720))
    choices = Markup(" ").join(
        link(url("dags", store.dag_id, "models", metric=m, slice=slice_name), m)
        if m != metric
        else Markup("<b>{}</b>").format(m)
        for m in names
    )
    shown, pager = _paged(list(reversed(rows)), page_number, "dags", store.dag_id, "models")
    table_rows = [
        [
            link(url("dags", store.dag_id, "artifacts", r.model_id), f"#{r.model_id}"),
            link(url("dags", store.dag_id, "runs", r.run_id), r.run_id),
            r.run_type,
            r.span,
            badge(r.verdict) if r.verdict else "",
            r.reason,
            r.pushed_version,
            Markup('<span class="serving">SERVING</span>') if r.serving else "",
            Markup("<br>").join(f"{k}={number(v)}" for k, v in sorted(r.metrics.items())),
            link(url("dags", store.dag_id, "artifacts", r.model_id, "lineage"), "lineage"),
        ]
        for r in shown
    ]
    serving = next((r for r in rows if r.serving), None)
    summary = (
        Markup("Serving now: Model #{} (version {}, {})").format(
            serving.model_id, serving.pushed_version, serving.destination
        )
        if serving
        else Markup("No model pushed yet.")
    )
    body = (
        paragraph(summary)
        + heading("Trend")
        + paragraph(Markup("metric: {}").format(choices))
        + chart
        + heading("Models")
        + pager
        + table(
            [
                "model",
                "run",
                "run type",
                "span",
                "verdict",
                "why",
                "pushed version",
                "",
                "Overall metrics",
                "",
            ],
            table_rows,
            css_id="models",
        )
    )
    return page(f"{store.dag_id}: models", body, dag_id=store.dag_id)


def _slice_trend(
    store: PipelineStore, rows: Sequence[Any], metric: str, slice_name: str
) -> dict[str, list[tuple[float, float]]]:
    """``metric`` on ``slice_name`` for the newest models, read from their evaluations' files."""
    from airflow_tfx_provider.ui.data import evaluation as ev

    records = _records(store)
    points: list[tuple[float, float]] = []
    for index, row in list(enumerate(rows))[-SLICE_TREND_MODELS:]:
        for evaluation in _evaluations_of(records, row.model_id):
            if not store.holds(evaluation.ref.uri):
                continue
            output = ev.load_evaluation(evaluation.ref.uri)
            for slice_row in ev.slice_rows(output.metrics, output.candidate, output.baseline):
                cell = slice_row.metrics.get(metric)
                if slice_row.slice == slice_name and cell is not None and cell.value is not None:
                    points.append((float(row.span if row.span is not None else index), cell.value))
    return {slice_name: points}


def _evaluations_of(records: Any, model_id: int) -> list[Any]:
    """The evaluations made of a model as the candidate (the Evaluator's ``model`` input)."""
    found = []
    for execution_id, produced in records.outputs.items():
        execution = records.executions.get(execution_id)
        if execution is None or records.type_of(execution) != "Evaluator" or "evaluation" not in produced:
            continue
        if model_id in records.inputs.get(execution_id, []):
            found.extend(records.output_artifacts(execution_id)["evaluation"][:1])
    return found[-1:]


# ------------------------------------------------------------------------------------ artifacts
def artifact_page(store: PipelineStore, artifact_id: int, sort: str | None = None) -> str:
    from airflow_tfx_provider.plugins import artifact_views

    records = _records(store)
    stored = records.artifacts.get(artifact_id)
    if stored is None or (
        artifact_id not in records.producers
        and artifact_id not in {a for ids in records.inputs.values() for a in ids}
    ):
        raise LookupError(f"artifact {artifact_id} is not recorded for pipeline {store.dag_id!r}")
    ref = stored.ref
    producer = records.producer(artifact_id)
    made_by = Markup("")
    if producer is not None:
        run = producer.custom_properties["run_id"].string_value
        component = producer.custom_properties["component_id"].string_value
        made_by = Markup("made by {} in run {}").format(
            component, link(url("dags", store.dag_id, "runs", run, "tasks", component), run)
        )
    props = [[k, str(v)] for k, v in sorted(ref.properties.items()) if not k.startswith("metric/")]
    header = paragraph(
        Markup("{} · state {} · {} · {}").format(
            ref.type,
            stored.state,
            made_by,
            link(url("dags", store.dag_id, "artifacts", artifact_id, "lineage"), "lineage"),
        )
    ) + paragraph(Markup("<code>{}</code>").format(ref.uri), "muted")
    if stored.state != "LIVE":
        view = paragraph(
            f"This artifact is {stored.state}: its files are gone; its record stays in MLMD.", "muted"
        )
    elif not store.holds(ref.uri):
        raise LookupError(f"artifact {artifact_id} lies outside the pipeline root {store.pipeline_root}")
    else:
        view = artifact_views.view(store, records, stored, sort=sort)
    body = header + view + heading("Properties") + table(["property", "value"], props)
    return page(f"{ref.type} #{artifact_id}", body, dag_id=store.dag_id)


# -------------------------------------------------------------------------------------- lineage
def lineage_page(store: PipelineStore, artifact_id: int) -> str:
    from airflow_tfx_provider.ui.data import svg as charts

    records = _records(store)
    if artifact_id not in records.artifacts:
        raise LookupError(f"artifact {artifact_id} is not recorded for pipeline {store.dag_id!r}")
    nodes, edges = lineage_graph(records, artifact_id)
    graph_nodes = [
        charts.GraphNode(
            id=key,
            label=label,
            kind=kind,
            href=url("dags", store.dag_id, "artifacts", key[1:]) if kind == "artifact" else None,
            state=state,
        )
        for key, (label, kind, state) in nodes.items()
    ]
    body = paragraph(
        "What this artifact was made from, back to the input files, and what was made from it, up to the "
        "pushed model, across runs (executions that really ran; cache hits add no link)."
    ) + svg(charts.lineage_graph(graph_nodes, edges, title=f"lineage of artifact {artifact_id}"))
    return page(
        f"Lineage of {records.artifacts[artifact_id].ref.type} #{artifact_id}", body, dag_id=store.dag_id
    )


def lineage_graph(
    records: Any, artifact_id: int, max_nodes: int = 400
) -> tuple[dict[str, tuple[str, str, str]], list[tuple[str, str]]]:
    """Nodes (``a<id>`` artifacts, ``e<id>`` executions: label, kind, state) and edges of the
    artifact's lineage both ways, through COMPLETE executions (Resolvers choose, they make nothing)."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    consumers: dict[int, list[int]] = {}
    for execution_id, read in records.inputs.items():
        for a in read:
            consumers.setdefault(a, []).append(execution_id)

    def made(execution_id: int) -> bool:
        execution = records.executions.get(execution_id)
        return (
            execution is not None
            and execution.last_known_state == pb.Execution.COMPLETE
            and records.type_of(execution) != "Resolver"
        )

    nodes: dict[str, tuple[str, str, str]] = {}
    edges: set[tuple[str, str]] = set()

    def add_artifact(a: int) -> None:
        stored = records.artifacts.get(a)
        if stored is not None:
            span = f" span {stored.ref.properties['span']}" if "span" in stored.ref.properties else ""
            nodes[f"a{a}"] = (f"{stored.ref.type} #{a}{span}", "artifact", stored.state)

    def add_execution(e: int) -> None:
        execution = records.executions[e]
        component = execution.custom_properties["component_id"].string_value
        nodes[f"e{e}"] = (
            f"{component} #{e}",
            "execution",
            pb.Execution.State.Name(execution.last_known_state),
        )

    add_artifact(artifact_id)
    for direction in ("up", "down"):
        frontier, seen = [artifact_id], {artifact_id}
        while frontier and len(nodes) < max_nodes:
            a = frontier.pop()
            linked = [e for e in records.producers.get(a, [])] if direction == "up" else consumers.get(a, [])
            for e in linked:
                if not made(e):
                    continue
                add_execution(e)
                others = (
                    records.inputs.get(e, [])
                    if direction == "up"
                    else [x for ids in records.outputs.get(e, {}).values() for x in ids]
                )
                if direction == "up":
                    edges.add((f"e{e}", f"a{a}"))
                else:
                    edges.add((f"a{a}", f"e{e}"))
                for other in others:
                    if other not in records.artifacts:
                        continue
                    add_artifact(other)
                    edges.add((f"a{other}", f"e{e}") if direction == "up" else (f"e{e}", f"a{other}"))
                    if other not in seen:
                        seen.add(other)
                        frontier.append(other)
    return nodes, sorted(edges)


def error_page(status: int, message: str) -> str:
    return page(f"{status}", paragraph(message))
