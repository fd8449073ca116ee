"""The taxi example DAG end to end with ``dag.test()``: records, caching, spans, drift."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.dag_runs import load_dag, run_dag, utc, write_dag_file

pytestmark = pytest.mark.integration

COMPONENTS = ["example_gen", "statistics_gen", "schema_gen", "previous_statistics", "example_validator"]


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
    shim = write_dag_file(
        dags_folder,
        "taxi_pipeline_shim",
        f"""
        # airflow DAG shim: loads the repository's example DAG file into the test DAGs folder
        import runpy
        dag = runpy.run_path({str(REPO / "dags" / "taxi_pipeline.py")!r})["dag"]
        """,
    )
    dag = load_dag(shim, "taxi_pipeline")
    root = Path(os.environ["AIRFLOW_TFX_PIPELINE_ROOT_BASE"]) / "taxi_pipeline"
    return dag, root


def test_taxi_runs_then_caches_then_adds_a_span(taxi):
    dag, root = taxi

    # 1. cold run
    states = run_dag(dag, utc(2024, 1, 1))
    assert states == dict.fromkeys(COMPONENTS, "success")
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    first_run = max(mlmd.get_contexts_by_type("pipeline_run"), key=lambda c: c.id).name.split(".", 1)[1]
    recorded = _executions_of_run(mlmd, first_run)
    assert {k: v for k, v in recorded.items() if k != "previous_statistics"} == dict.fromkeys(
        ["example_gen", "statistics_gen", "schema_gen", "example_validator"], pb.Execution.COMPLETE
    )
    [examples] = [a for a in mlmd.get_artifacts_by_type("Examples")]
    assert examples.state == pb.Artifact.LIVE
    assert examples.properties["span"].int_value == 19723  # days from 1970-01-01 to 2024-01-01
    assert (Path(examples.uri) / "Split-train").is_dir() and (Path(examples.uri) / "Split-eval").is_dir()
    [stats] = mlmd.get_artifacts_by_type("ExampleStatistics")
    assert (Path(stats.uri) / "Split-train" / "FeatureStats.pb").stat().st_size > 0
    [schema] = mlmd.get_artifacts_by_type("Schema")
    assert "feature" in (Path(schema.uri) / "schema.pbtxt").read_text()
    [anomalies] = mlmd.get_artifacts_by_type("ExampleAnomalies")
    assert (Path(anomalies.uri) / "Split-eval" / "SchemaDiff.pb").exists()
    folders_after_first = _folders(root)

    # 2. the same interval again: every component is a cache hit, no new folder appears
    states = run_dag(dag, utc(2024, 1, 1))
    assert states == dict.fromkeys(COMPONENTS, "success")
    second_run = max(mlmd.get_contexts_by_type("pipeline_run"), key=lambda c: c.id).name.split(".", 1)[1]
    recorded = _executions_of_run(mlmd, second_run)
    assert {k: v for k, v in recorded.items() if k != "previous_statistics"} == dict.fromkeys(
        ["example_gen", "statistics_gen", "schema_gen", "example_validator"], pb.Execution.CACHED
    )
    assert _folders(root) == folders_after_first

    # 3. the next interval: a second span, validated for drift against the first
    states = run_dag(dag, utc(2024, 1, 2))
    assert states == dict.fromkeys(COMPONENTS, "success")
    spans = sorted(a.properties["span"].int_value for a in mlmd.get_artifacts_by_type("Examples"))
    assert spans == [19723, 19724]
    resolver_outputs = [
        e
        for e in mlmd.get_events_by_execution_ids([e.id for e in mlmd.get_executions_by_type("Resolver")])
        if e.type == pb.Event.OUTPUT
    ]
    assert [e.artifact_id for e in resolver_outputs] == [stats.id]  # only run 3 had a previous span
