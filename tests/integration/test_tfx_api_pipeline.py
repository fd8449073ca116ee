"""A pipeline file written against TFX's API (imports pointing at ``compat``) runs end to end.

The taxi pipeline in TFX's shape: CsvExampleGen, StatisticsGen, SchemaGen, ExampleValidator,
Transform, Trainer (one module file for both, as TFX's examples do), Resolver with
LatestBlessedModelResolver and ``Channel(type=Model)``, Evaluator with a ``tfma.EvalConfig``,
Pusher with a ``PushDestination`` proto, a ``Pipeline`` with a SQLite metadata path, and
``AirflowDagRunner(AirflowPipelineConfig(...)).run(...)``. Then a second run reuses the cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.harness.dag_runs import install_dag, load_dag, run_dag, taxi_sample, utc

pytestmark = pytest.mark.integration

MODULE_FILE = """
# TFX's examples keep preprocessing_fn and run_fn in one module file.
from model import run_fn  # noqa: F401
from preprocessing import preprocessing_fn  # noqa: F401
"""


def test_a_tfx_api_pipeline_runs_blesses_pushes_and_caches(airflow_db, dags_folder, tmp_path):
    data = taxi_sample(tmp_path / "data", 2001)
    module_dir = tmp_path / "module"
    shutil.copytree(REPO / "dags" / "taxi_module", module_dir)
    (module_dir / "taxi_utils.py").write_text(MODULE_FILE)
    root, store = tmp_path / "root", tmp_path / "mlmd" / "metadata.db"
    path = install_dag(
        dags_folder, "tfx_api_pipeline", "tfx_api_taxi", data_root=str(data), pipeline_root=str(root),
        metadata_path=str(store), serving_dir=str(tmp_path / "serving"),
        module_file=str(module_dir / "taxi_utils.py"),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dag = load_dag(path, "tfx_api_taxi")
    first = run_dag(dag, utc(2024, 1, 1))
    assert set(first.values()) == {"success"}, first
    assert [p.name for p in (tmp_path / "serving").iterdir() if p.name.isdigit()]  # pushed
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store))).raw
    assert not (root / "metadata.sqlite").exists()  # the pipeline's metadata path is used
    [blessing] = mlmd.get_artifacts_by_type("ModelBlessing")
    assert blessing.custom_properties["blessed"].int_value == 1

    second = run_dag(dag, utc(2024, 1, 1))
    # the Pusher's cache hit pushes nothing new: it ends skipped ("nothing_new"), emitting no event
    assert second == {**dict.fromkeys(second, "success"), "pusher": "skipped"}, second
    cached = {
        e.custom_properties["component_id"].string_value
        for e in mlmd.get_executions()
        if e.last_known_state == pb.Execution.CACHED
    }
    # Every component reuses its outputs. The Resolver's Channel(type=Model) baseline knows the
    # Evaluator's candidate (the trainer's model), so it never resolves the candidate itself (TFX
    # would, and re-evaluate the model against itself): the Evaluator and Pusher are cache hits too.
    assert cached == {
        "example_gen",
        "statistics_gen",
        "schema_gen",
        "example_validator",
        "transform",
        "trainer",
        "evaluator",
        "pusher",
    }
    assert len([p for p in (tmp_path / "serving").iterdir() if p.name.isdigit()]) == 1  # not pushed twice

    # the model history, as `airflow tfx models` shows it
    result = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "tfx", "models", "tfx_api_taxi", "--metadata-path",
         str(store), "-o", "json"], capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    [model] = json.loads(result.stdout)
    [version] = [p.name for p in (tmp_path / "serving").iterdir() if p.name.isdigit()]
    [examples] = mlmd.get_artifacts_by_type("Examples")[:1]
    assert model["verdict"] == "blessed" and model["serving"] is True
    assert model["pushed_version"] == version and model["destination"] == str(tmp_path / "serving" / version)
    assert model["reason"].startswith(("every threshold holds", "no thresholds"))
    assert model["span"] == examples.properties["span"].int_value
    assert 0 < model["metrics"]["binary_accuracy"] <= 1


def test_a_span_range_resolver_feeds_transform_a_rolling_window_of_spans(airflow_db, dags_folder, tmp_path):
    """TFX's SpanRangeStrategy: each day adds a span; Transform reads the newest two together."""

    data = taxi_sample(tmp_path / "data", 301)
    store = tmp_path / "metadata.db"
    path = install_dag(
        dags_folder, "span_range_pipeline", "span_range", data_root=str(data),
        pipeline_root=str(tmp_path / "root"), metadata_path=str(store),
        module_file=str(REPO / "dags" / "taxi_module" / "preprocessing.py"), num_spans=2,
    )  # fmt: skip
    dag = load_dag(path, "span_range")
    for day in (1, 2, 3):
        states = run_dag(dag, utc(2024, 1, day))
        assert set(states.values()) == {"success"}, (day, states)
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(store))).raw
    examples = mlmd.get_artifacts_by_type("Examples")
    raw_spans = sorted(a.properties["span"].int_value for a in examples if "/example_gen/" in a.uri)
    assert len(raw_spans) == 3 and raw_spans == list(range(raw_spans[0], raw_spans[0] + 3))
    transformed = [a for a in examples if "/transform/" in a.uri]
    windows = [
        json.loads(a.custom_properties["spans"].string_value)
        for a in transformed
        if "spans" in a.custom_properties
    ]
    assert windows == [raw_spans[:2], raw_spans[1:]]  # day 1 saw one span; days 2 and 3 two each
    import tensorflow as tf

    newest = max(transformed, key=lambda a: a.id)
    assert json.loads(newest.custom_properties["spans"].string_value) == raw_spans[1:]
    files = [str(f) for f in (Path(newest.uri) / "Split-train").iterdir()]
    rows = sum(1 for _ in tf.data.TFRecordDataset(files, compression_type="GZIP"))
    assert 2 * 150 < rows < 2 * 250  # two spans' train rows (300 rows each, split about 2:1)
