"""What an artifact page shows, by type: statistics, schema, anomalies, evaluation, training curves.

The data comes from ``airflow_tfx_provider.ui.data`` (pure functions over the artifact's files);
here it becomes tables and SVG. Types without a view show their properties only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from airflow_tfx_provider.plugins.render import badge, heading, link, number, paragraph, svg, table, url
from airflow_tfx_provider.plugins.store import PipelineStore


def _split_names(stored: Any) -> list[str] | None:
    raw = stored.ref.properties.get("split_names")
    return list(json.loads(str(raw))) if raw else None


# --------------------------------------------------------------------------------- statistics
def _feature_type(pair: Any) -> str:
    row = pair.left or pair.right
    return str(row.type) if row is not None else ""


def _feature_cells(row: Any) -> list[object]:
    from airflow_tfx_provider.ui.data import svg as charts

    if row is None:
        return ["", "", "", ""]
    if row.kind == "numeric":
        summary = Markup("mean {} · std {}<br>min {} · median {} · max {}<br>zeros {}").format(
            number(row.mean),
            number(row.std),
            number(row.min),
            number(row.median),
            number(row.max),
            number(row.zeros),
        )
    else:
        top = ", ".join(f"{value} ({number(count)})" for value, count in row.top_values[:5])
        summary = Markup("unique {}<br>top: {}").format(number(row.unique), top)
    chart = charts.histogram(
        [(b.label, b.count) for b in row.histogram], width=220, height=70, normalize=True
    )
    return [row.count, f"{row.missing_pct:.1f}%", summary, svg(chart)]


def statistics_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    from airflow_tfx_provider.ui.data import statistics as st

    splits = st.all_splits(st.load_split_statistics(stored.ref.uri, _split_names(stored)))
    names = list(splits)
    pair = st.default_pair(names)
    out = paragraph(", ".join(f"{s}: {number(splits[s].num_examples)} examples" for s in names))
    if pair is not None:
        left, right = splits[pair[0]], splits[pair[1]]
        rows = [
            [
                p.name,
                _feature_type(p),
                *_feature_cells(p.left),
                *_feature_cells(p.right),
            ]
            for p in st.side_by_side(left, right)
        ]
        headers = ["feature", "type"] + [
            f"{split}: {h}" for split in pair for h in ("count", "missing", "summary", "histogram")
        ]
        out += heading(f"{pair[0]} and {pair[1]} side by side") + table(headers, rows, css_id="statistics")
    others = [s for s in names if pair is None or s not in pair]
    for split in others:
        rows = [[f.name, f.type, *_feature_cells(f)] for f in splits[split].features]
        out += heading(f"split {split}") + table(
            ["feature", "type", "count", "missing", "summary", "histogram"], rows
        )
    out += _drift_for(store, records, stored)
    return out


def _drift_table(measured: Any) -> Markup:
    """Drift/skew measurements against their thresholds (ui.data.schema.DriftSkewRow)."""
    rows = [
        [
            r.split,
            r.feature,
            r.kind,
            r.measure,
            r.value,
            r.threshold,
            badge("failed" if r.exceeded else "passed"),
        ]
        for r in measured
    ]
    return table(["split", "feature", "against", "measure", "value", "threshold", ""], rows, css_id="drift")


def _drift_for(store: PipelineStore, records: Any, stored: Any) -> Markup:
    """Drift and skew the ExampleValidator measured on these statistics, if it ran on them."""
    from airflow_tfx_provider.ui.data import schema as sc

    statistics_id = stored.ref.mlmd_id
    for execution_id, read in records.inputs.items():
        execution = records.executions.get(execution_id)
        if execution is None or records.type_of(execution) != "ExampleValidator" or statistics_id not in read:
            continue
        for anomalies in records.output_artifacts(execution_id).get("anomalies", []):
            if anomalies.state != "LIVE" or not store.holds(anomalies.ref.uri):
                continue
            measured = sc.drift_skew_rows(sc.load_split_anomalies(anomalies.ref.uri, _split_names(anomalies)))
            if measured:
                return heading("Drift and skew (ExampleValidator)") + _drift_table(measured)
    return Markup("")


# ------------------------------------------------------------------------------ schema, anomalies
def schema_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    from airflow_tfx_provider.ui.data import schema as sc

    rows = [
        [r.name, r.type, r.presence, r.valency, r.domain]
        for r in sc.schema_rows(sc.load_schema(stored.ref.uri))
    ]
    return table(["feature", "type", "presence", "valency", "domain"], rows, css_id="schema")


def anomalies_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    from airflow_tfx_provider.ui.data import schema as sc

    by_split = sc.load_split_anomalies(stored.ref.uri, _split_names(stored))
    rows = [[r.split, r.feature, r.short, r.description, r.severity] for r in sc.anomaly_rows(by_split)]
    out = (
        table(["split", "feature", "anomaly", "description", "severity"], rows, css_id="anomalies")
        if rows
        else paragraph("No anomalies.", "passed")
    )
    measured = sc.drift_skew_rows(by_split)
    if measured:
        out += heading("Drift and skew") + _drift_table(measured)
    return out


# ------------------------------------------------------------------------------------ evaluation
def evaluation_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    from airflow_tfx_provider.ui.data import evaluation as ev

    output = ev.load_evaluation(stored.ref.uri)
    rows = ev.slice_rows(output.metrics, output.candidate, output.baseline)
    columns = ev.metric_columns(rows)
    if sort in columns:
        rows = sorted(
            rows,
            key=lambda r: (
                r.metrics.get(sort) is None,
                -(r.metrics[sort].value or 0.0) if sort in r.metrics else 0.0,
            ),
        )
    blessing = _blessing_of(records, stored)
    verdict = ev.verdict(
        output,
        None if blessing is None else int(blessing.ref.properties.get("blessed", 0)) == 1,
        None if blessing is None else str(blessing.ref.properties.get("reason", "")) or None,
    )
    headline = Markup("Verdict: {} — {}").format(
        badge("blessed" if verdict.blessed else "not blessed")
        if verdict.blessed is not None
        else "no verdict",
        verdict.reason,
    )
    headers: list[object] = ["slice"]
    headers += [link(url("dags", store.dag_id, "artifacts", stored.ref.mlmd_id, sort=c), c) for c in columns]

    def cell(r: Any, c: str) -> object:
        m = r.metrics.get(c)
        if m is None:
            return ""
        if m.baseline is None:
            return number(m.value)
        diff = "" if m.diff is None else f" ({m.diff:+.4g})"
        return Markup('{}<br><span class="muted">baseline {}{}</span>').format(
            number(m.value), number(m.baseline), diff
        )

    thresholds = [
        [
            t.metric,
            t.slices,
            t.kind,
            t.bound,
            number(t.observed),
            badge(t.status),
            Markup("<br>").join(t.failures),
        ]
        for t in ev.threshold_rows(output, rows)
    ]
    model_note = f"candidate {output.candidate or 'model'}" + (
        f" vs baseline {output.baseline}" if output.baseline else ""
    )
    return (
        paragraph(headline)
        + paragraph(model_note, "muted")
        + heading("Thresholds")
        + (
            table(
                ["metric", "slices", "kind", "bound", "observed (Overall)", "status", "failures"],
                thresholds,
                css_id="thresholds",
            )
            if thresholds
            else paragraph("No thresholds configured.", "muted")
        )
        + heading("Metrics per slice (click a metric to sort)")
        + table(headers, [[r.slice, *[cell(r, c) for c in columns]] for r in rows], css_id="slices")
    )


def _blessing_of(records: Any, evaluation: Any) -> Any | None:
    producer = records.producer(evaluation.ref.mlmd_id)
    if producer is None:
        return None
    blessings = records.output_artifacts(producer.id).get("blessing", [])
    return blessings[0] if blessings else None


def blessing_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    props = stored.ref.properties
    verdict = "blessed" if int(props.get("blessed", 0)) == 1 else "not blessed"
    out = paragraph(Markup("{} — {}").format(badge(verdict), props.get("reason", "")))
    producer = records.producer(stored.ref.mlmd_id)
    if producer is not None:
        for evaluation in records.output_artifacts(producer.id).get("evaluation", []):
            out += paragraph(
                Markup("Evaluation: {}").format(
                    link(
                        url("dags", store.dag_id, "artifacts", evaluation.ref.mlmd_id),
                        f"ModelEvaluation #{evaluation.ref.mlmd_id}",
                    )
                )
            )
    return out


# -------------------------------------------------------------------------------- model training
def model_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    """Training curves from the TensorBoard logs of the Trainer's ``model_run`` output."""
    from airflow_tfx_provider.ui.data import svg as charts
    from airflow_tfx_provider.ui.data import training

    producer = records.producer(stored.ref.mlmd_id)
    runs = records.output_artifacts(producer.id).get("model_run", []) if producer is not None else []
    if stored.ref.type == "ModelRun":
        runs = [stored]
    out = Markup("")
    hyper = [
        s
        for s in (records.input_artifacts(producer.id) if producer is not None else [])
        if s.ref.type == "HyperParameters"
    ]
    for h in hyper:
        out += paragraph(
            Markup("Hyperparameters: {}").format(
                link(
                    url("dags", store.dag_id, "artifacts", h.ref.mlmd_id), f"HyperParameters #{h.ref.mlmd_id}"
                )
            )
        )
    for run in runs:
        if run.state != "LIVE" or not store.holds(run.ref.uri):
            continue
        scalars = training.read_scalars(run.ref.uri)
        if not scalars:
            out += paragraph("No TensorBoard scalars in the model run.", "muted")
        for tag, by_run in scalars.items():
            out += svg(charts.line_chart(training.chart_series(by_run), title=tag, x_label="step"))
        out += paragraph(
            Markup("TensorBoard: <code>tensorboard --logdir {}</code>").format(run.ref.uri), "muted"
        )
    return out


def hyperparameters_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    import os

    path = os.path.join(stored.ref.uri, "best_hyperparameters.txt")
    if not os.path.isfile(path):
        return Markup("")
    with open(path) as handle:
        values = json.load(handle)
    shown = values.get("values", values) if isinstance(values, dict) else {}
    rows = [[k, str(v)] for k, v in sorted(shown.items())]
    return table(["hyperparameter", "value"], rows, css_id="hyperparameters") + _tuner_link(
        store, records, stored
    )


def tuner_results_view(store: PipelineStore, records: Any, stored: Any, sort: str | None) -> Markup:
    """The Tuner's trials, best first: score and each hyperparameter's value."""
    import os

    path = os.path.join(stored.ref.uri, "tuner_results.json")
    if not os.path.isfile(path):
        return paragraph("No tuner_results.json in this artifact.", "muted")
    with open(path) as handle:
        trials = json.load(handle)
    if not isinstance(trials, list) or not trials:
        return paragraph("The search completed no trial.", "muted")
    names = sorted({k for t in trials if isinstance(t, dict) for k in t} - {"trial_id", "score"})
    rows = [[t.get("trial_id", ""), t.get("score"), *[str(t.get(n, "")) for n in names]] for t in trials]
    return heading("Trials (best first)") + table(["trial", "score", *names], rows, css_id="trials")


def _tuner_link(store: PipelineStore, records: Any, hyperparameters: Any) -> Markup:
    producer = records.producer(hyperparameters.ref.mlmd_id)
    results = records.output_artifacts(producer.id).get("tuner_results", []) if producer is not None else []
    return Markup(" ").join(
        paragraph(
            Markup("Tuner trials: {}").format(
                link(url("dags", store.dag_id, "artifacts", r.ref.mlmd_id), f"TunerResults #{r.ref.mlmd_id}")
            )
        )
        for r in results
    )


VIEWS: dict[str, Callable[[PipelineStore, Any, Any, str | None], Markup]] = {
    "TunerResults": tuner_results_view,
    "ExampleStatistics": statistics_view,
    "Schema": schema_view,
    "ExampleAnomalies": anomalies_view,
    "ModelEvaluation": evaluation_view,
    "ModelBlessing": blessing_view,
    "InfraBlessing": blessing_view,
    "Model": model_view,
    "ModelRun": model_view,
    "HyperParameters": hyperparameters_view,
}


def view(store: PipelineStore, records: Any, stored: Any, sort: str | None = None) -> Markup:
    render = VIEWS.get(stored.ref.type)
    if render is None:
        return Markup("")
    from airflow_tfx_provider.ui.data._files import ArtifactDataInvalid, ArtifactDataMissing

    try:
        return render(store, records, stored, sort)
    except (ArtifactDataMissing, ArtifactDataInvalid) as err:
        return paragraph(f"Cannot show this artifact: {err}", "failed")
