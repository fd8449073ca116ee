"""TFX custom components (``@component`` functions and class-based ones) in a pipeline.

They run through the launcher like the provider's own: outputs recorded in MLMD with lineage,
value artifacts and custom artifact types included, cached on a rerun, and a bad parameter
fails the task naming it.
"""

from __future__ import annotations

import json

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.harness.dag_runs import install_dag, load_dag, run_dag, taxi_sample, utc

pytestmark = pytest.mark.integration


@pytest.fixture
def data_root(tmp_path):
    return taxi_sample(tmp_path / "data", 301)


def _install(dags_folder, tmp_path, data_root, dag_id, min_rows=1):
    return install_dag(
        dags_folder, "custom_components_pipeline", dag_id, data_root=str(data_root),
        pipeline_root=str(tmp_path / "root"), metadata_path=str(tmp_path / "metadata.db"), min_rows=min_rows,
    )  # fmt: skip


def _component_of(mlmd, execution):
    return execution.custom_properties["component_id"].string_value


def test_custom_components_run_with_lineage_and_are_cached(airflow_db, dags_folder, tmp_path, data_root):
    dag = load_dag(_install(dags_folder, tmp_path, data_root, "custom_components"), "custom_components")
    assert set(dag.task_ids) == {"example_gen", "count_rows", "split_summary", "check_summary"}

    first = run_dag(dag, utc(2024, 1, 1))
    assert set(first.values()) == {"success"}, first
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(tmp_path / "metadata.db"))).raw

    [report] = [a for a in mlmd.get_artifacts_by_type("String") if "train_rows" in a.custom_properties]
    assert report.state == pb.Artifact.LIVE
    train_rows = report.custom_properties["train_rows"].int_value
    assert 200 < train_rows < 300  # 300 rows, hash-split about 2:1
    with open(f"{report.uri}/value") as handle:
        assert handle.read() == f"{train_rows} train rows, {300 - train_rows} eval rows"
    [rows] = mlmd.get_artifacts_by_type("Integer")
    assert rows.custom_properties["value"].int_value == train_rows
    [share] = mlmd.get_artifacts_by_type("Float")
    assert share.custom_properties["value"].double_value == pytest.approx(train_rows / 300)

    [summary] = mlmd.get_artifacts_by_type("SplitSummaryReport")
    assert summary.properties["split_count"].int_value == 2  # a declared property of the custom type
    with open(f"{summary.uri}/summary.json") as handle:
        document = json.load(handle)
    assert document["title"] == "taxi" and set(document["splits"]) == {"train", "eval"}
    # lineage: check_summary consumed count_rows' Integer and SplitSummary's report
    executions = {_component_of(mlmd, e): e for e in mlmd.get_executions()}
    check = executions["check_summary"]
    consumed = {
        ev.artifact_id for ev in mlmd.get_events_by_execution_ids([check.id]) if ev.type == pb.Event.INPUT
    }
    assert consumed == {rows.id, summary.id}
    produced = [
        ev.artifact_id for ev in mlmd.get_events_by_execution_ids([check.id]) if ev.type == pb.Event.OUTPUT
    ]
    [verdict_artifact] = mlmd.get_artifacts_by_id(produced)
    assert verdict_artifact.type == "String"
    assert verdict_artifact.custom_properties["value"].string_value == f"{train_rows} rows in 2 splits (taxi)"

    second = run_dag(dag, utc(2024, 1, 1))
    assert set(second.values()) == {"success"}, second
    cached = {
        _component_of(mlmd, e) for e in mlmd.get_executions() if e.last_known_state == pb.Execution.CACHED
    }
    assert cached == {"example_gen", "count_rows", "split_summary", "check_summary"}


def test_a_failing_custom_component_names_the_cause_and_publishes_nothing(
    airflow_db, dags_folder, tmp_path, data_root
):
    dag = load_dag(
        _install(dags_folder, tmp_path, data_root, "custom_components_fail", min_rows=10_000),
        "custom_components_fail",
    )
    states = run_dag(dag, utc(2024, 1, 1))
    assert states["count_rows"] == "failed" and states["check_summary"] == "upstream_failed", states
    mlmd = MetadataGateway.connect(MetadataConfig(path=str(tmp_path / "metadata.db"))).raw
    [failed] = [e for e in mlmd.get_executions() if _component_of(mlmd, e) == "count_rows"]
    assert failed.last_known_state == pb.Execution.FAILED
    assert "fewer than min_rows=10000" in failed.custom_properties["failure"].string_value
    assert {a.state for a in mlmd.get_artifacts_by_type("Integer")} == {pb.Artifact.ABANDONED}
    assert not list((tmp_path / "root" / "count_rows").rglob("value"))
