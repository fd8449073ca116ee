"""The full taxi example DAG end to end with ``dag.test()``.

Three runs: cold (every component executes, a model is pushed that serves raw examples),
the same interval again (every component is a cache hit, nothing new is written or
pushed), and the next interval (a new span, drift checked against the first, the new
model evaluated against the first run's blessed model).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.harness.dag_runs import load_dag, run_dag, utc

pytestmark = pytest.mark.integration

RESOLVERS = ["previous_statistics", "latest_blessed_model"]
EXECUTORS = [
    "example_gen", "statistics_gen", "schema_gen", "example_validator", "transform", "trainer",
    "evaluator", "infra_validator", "pusher", "bulk_inferrer",
]  # fmt: skip
COMPONENTS = RESOLVERS + EXECUTORS


def _folders(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.glob("*/*/*")
        if p.is_dir() and not p.name.startswith(".") and not p.parts[-3].startswith(".")
    }


def _executions_of_run(mlmd, run_id: str) -> dict[str, int]:
    run = mlmd.get_context_by_type_and_name("pipeline_run", f"taxi_pipeline.{run_id}")
    return {
        e.custom_properties["component_id"].string_value: e.last_known_state
        for e in mlmd.get_executions_by_context(run.id)
    }


@pytest.fixture(scope="module")
def taxi(airflow_db, dags_folder):
    # small training for the test; read by the DAG file when it is parsed
    os.environ.update({"TAXI_TRAIN_STEPS": "200", "TAXI_EVAL_STEPS": "10"})
    link = dags_folder / "taxi_pipeline.py"  # the example DAG file itself, as a user links it in
    if not link.exists():
        link.symlink_to(REPO / "dags" / "taxi_pipeline.py")
    dag = load_dag(link, "taxi_pipeline")
    root = Path(os.environ["AIRFLOW_TFX_PIPELINE_ROOT_BASE"]) / "taxi_pipeline"
    return dag, root


def _serve(model_dir: Path) -> list[float]:
    """Predictions of the pushed model's serving signature on raw CSV rows (label dropped)."""
    import csv

    import tensorflow as tf

    with open(REPO / "dags" / "data" / "taxi" / "data.csv") as handle:
        rows = [row for _, row in zip(range(20), csv.DictReader(handle), strict=False)]
    serialized = []
    for row in rows:
        features = {}
        for key, value in row.items():
            if key == "tips" or value == "":
                continue
            if key in ("fare", "trip_miles", "pickup_latitude", "pickup_longitude", "dropoff_latitude",
                       "dropoff_longitude"):  # fmt: skip
                features[key] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
            elif key in ("payment_type", "company"):
                features[key] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode()]))
            else:
                features[key] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(float(value))]))
        serialized.append(tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString())
    serve = tf.saved_model.load(str(model_dir)).signatures["serving_default"]
    [output] = serve(tf.constant(serialized)).values()
    return [float(v) for v in tf.reshape(output, [-1]).numpy()]


def _live(mlmd, type_name: str) -> list:
    """LIVE artifacts of a type (declared optional outputs that were not produced are ABANDONED)."""
    return [a for a in mlmd.get_artifacts_by_type(type_name) if a.state == pb.Artifact.LIVE]


def _latest_run_id(mlmd) -> str:
    return max(mlmd.get_contexts_by_type("pipeline_run"), key=lambda c: c.id).name.split(".", 1)[1]


def test_taxi_runs_then_caches_then_adds_a_span(taxi):
    dag, root = taxi
    serving = root / "serving_model"

    # 1. cold run: everything executes, the model is pushed and serves raw examples
    states = run_dag(dag, utc(2024, 1, 1))
    assert states == dict.fromkeys(COMPONENTS, "success")
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    recorded = _executions_of_run(mlmd, _latest_run_id(mlmd))
    assert {k: recorded[k] for k in EXECUTORS} == dict.fromkeys(EXECUTORS, pb.Execution.COMPLETE)
    [examples] = _live(mlmd, "Examples")[:1]
    assert examples.properties["span"].int_value == 19723  # days from 1970-01-01 to 2024-01-01
    assert (Path(examples.uri) / "Split-train").is_dir() and (Path(examples.uri) / "Split-eval").is_dir()
    [stats] = _live(mlmd, "ExampleStatistics")
    assert (Path(stats.uri) / "Split-train" / "FeatureStats.pb").stat().st_size > 0
    [anomalies] = _live(mlmd, "ExampleAnomalies")
    assert (Path(anomalies.uri) / "Split-eval" / "SchemaDiff.pb").exists()
    [model] = _live(mlmd, "Model")
    [blessing] = _live(mlmd, "ModelBlessing")
    assert blessing.custom_properties["blessed"].int_value == 1  # no baseline yet; accuracy >= 0.6
    [version] = [p for p in os.listdir(serving) if p.isdigit()]
    predictions = _serve(serving / version)
    assert len(predictions) == 20 and all(0.0 <= p <= 1.0 for p in predictions)
    [pushed] = _live(mlmd, "PushedModel")
    assert pushed.custom_properties["pushed_version"].string_value == version
    folders_after_first = _folders(root)

    # 2. the same interval again: every component is a cache hit, nothing new written or pushed
    # (the Pusher ends skipped: "nothing new to push", and no asset event)
    states = run_dag(dag, utc(2024, 1, 1))
    assert states == {**dict.fromkeys(COMPONENTS, "success"), "pusher": "skipped"}
    recorded = _executions_of_run(mlmd, _latest_run_id(mlmd))
    assert {k: recorded[k] for k in EXECUTORS} == dict.fromkeys(EXECUTORS, pb.Execution.CACHED)
    assert _folders(root) == folders_after_first
    assert [p for p in os.listdir(serving) if p.isdigit()] == [version]

    # 3. the next interval: a second span, drift checked, the new model evaluated against the first
    states = run_dag(dag, utc(2024, 1, 2))
    spans = sorted(a.properties["span"].int_value for a in _live(mlmd, "Examples")
                   if a.properties["span"].int_value)  # fmt: skip
    assert 19724 in spans
    drift_outputs = [
        e.artifact_id
        for e in mlmd.get_events_by_execution_ids([e.id for e in mlmd.get_executions_by_type("Resolver")])
        if e.type == pb.Event.OUTPUT
    ]
    assert stats.id in drift_outputs  # the previous span's statistics reached the validator
    newest_blessing = max(_live(mlmd, "ModelBlessing"), key=lambda a: a.id)
    assert newest_blessing.custom_properties["baseline_model_id"].int_value == model.id
    blessed = newest_blessing.custom_properties["blessed"].int_value == 1
    versions = [p for p in os.listdir(serving) if p.isdigit()]
    if blessed:
        assert states["pusher"] == "success" and len(versions) == 2
    else:
        assert states["pusher"] == "skipped" and versions == [version]
    assert {k: v for k, v in states.items() if k != "pusher"} == {
        k: ("skipped" if k == "bulk_inferrer" and not blessed else "success")
        for k in COMPONENTS
        if k != "pusher"
    }
