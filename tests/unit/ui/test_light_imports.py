"""The data layer reads every artifact with no Airflow and no heavy library loaded (as the pages
must, inside the api-server), and TFMA still imports normally afterwards in that process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from airflow_tfx_provider.ui.data import evaluation as ev
from airflow_tfx_provider.ui.data import statistics as st
from airflow_tfx_provider.ui.data import training as tr
from tests.conftest import REPO
from tests.unit.ui.conftest import DataValidation, Evaluation, KerasRun

HEAVY = ("airflow", "tensorflow", "tensorflow_data_validation", "tensorflow_transform", "apache_beam",
         "ml_metadata", "tfx_bsl", "pyarrow", "keras", "tf_keras")  # fmt: skip

PROBE = textwrap.dedent(
    """
    import json, sys
    from airflow_tfx_provider.ui.data import evaluation as ev, schema as sc, statistics as st
    from airflow_tfx_provider.ui.data import svg, training as tr
    stats_uri, schema_uri, anomalies_uri, eval_uri, run_dir, heavy = sys.argv[1:]
    splits = st.all_splits(st.load_split_statistics(stats_uri))
    schema_rows = sc.schema_rows(sc.load_schema(schema_uri))
    anomalies = sc.anomaly_rows(sc.load_split_anomalies(anomalies_uri))
    output = ev.load_evaluation(eval_uri)
    rows = ev.slice_rows(output.metrics, output.candidate, output.baseline)
    thresholds = ev.threshold_rows(output, rows)
    scalars = tr.read_scalars(run_dir)
    svg.line_chart(tr.chart_series(scalars["epoch_loss"]))
    svg.histogram([(b.label, b.count) for b in splits["train"].feature("fare").histogram])
    result = {
        "loaded": sorted({m.split(".")[0] for m in sys.modules} & set(heavy.split(","))),
        "tfma_loaded": "tensorflow_model_analysis" in sys.modules,
        "fare_mean": splits["train"].feature("fare").mean,
        "schema": [r.name for r in schema_rows],
        "anomalies": len(anomalies),
        "slices": [r.slice for r in rows],
        "auc": rows[0].metrics["auc"].value,
        "thresholds": [t.status for t in thresholds],
        "loss": scalars["epoch_loss"]["train"].values,
    }
    # later, the real TFMA in the same process: same message classes, and its loaders work
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.proto import metrics_for_slice_pb2
    result["same_class"] = type(output.metrics[0]) is metrics_for_slice_pb2.MetricsForSlice
    result["tfma_metrics"] = len(list(tfma.load_metrics(eval_uri)))
    print(json.dumps(result))
    """
)


def test_data_layer_reads_all_artifacts_without_heavy_imports(
    dv: DataValidation, evaluation: Evaluation, keras_run: KerasRun
) -> None:
    args = [
        dv.statistics_ref.uri,
        dv.schema_ref.uri,
        dv.anomalies_ref.uri,
        evaluation.evaluation.uri,
        str(keras_run.run_dir),
        ",".join(HEAVY),
    ]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded"] == [] and result["tfma_loaded"] is False
    # the same answers as in this (heavy) process
    train = st.split_statistics("train", dv.stats["train"])
    assert result["fare_mean"] == train.feature("fare").mean  # type: ignore[union-attr]
    assert result["schema"] == [f.name for f in dv.schema.feature]
    assert result["anomalies"] > 0
    output = ev.load_evaluation(evaluation.evaluation.uri)
    rows = ev.slice_rows(output.metrics, output.candidate, output.baseline)
    assert result["slices"] == [r.slice for r in rows]
    assert result["auc"] == rows[0].metrics["auc"].value
    assert result["thresholds"] == ["passed", "failed", "failed"]
    assert result["loss"] == tr.read_scalars(str(keras_run.run_dir))["epoch_loss"]["train"].values
    assert result["same_class"] is True
    assert result["tfma_metrics"] == len(output.metrics)
