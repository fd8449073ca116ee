"""Whole runs of the toy DAG with ``dag.test()``: templates, no logical date, a failed task.

Parse-time wiring is tested in ``tests/unit/operators/test_wiring.py`` and
``tests/unit/dag_factory/test_render.py``.
"""

from __future__ import annotations

import os

import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.harness.dag_runs import install_dag, load_dag, run_dag, utc


@pytest.fixture
def toy_dag(airflow_db, dags_folder, tmp_path, request):
    dag_id = f"toy_{request.node.name[-20:].strip('_[]')}".replace("-", "_")
    root = tmp_path / "root"
    path = install_dag(dags_folder, "toy_pipeline", dag_id, pipeline_root=str(root))
    return load_dag(path, dag_id), root


def test_toy_dag_runs_and_renders_templates(toy_dag):
    dag, root = toy_dag
    assert run_dag(dag, utc(2024, 3, 5)) == {"toy_gen": "success", "toy_schema": "success"}
    [folder] = (root / "toy_gen" / "examples").iterdir()
    assert (folder / "Split-train" / "data.gz").read_text() == "20240305"


def test_run_without_logical_date_works(toy_dag):
    dag, root = toy_dag
    assert run_dag(dag, None) == {"toy_gen": "success", "toy_schema": "success"}
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    assert {e.last_known_state for e in mlmd.get_executions()} == {pb.Execution.COMPLETE}


def test_failed_task_fails_the_run_and_keeps_earlier_artifacts(toy_dag, dags_folder):
    dag, root = toy_dag
    assert run_dag(dag, utc(2024, 3, 5))["toy_schema"] == "success"
    before = sorted(os.listdir(root / "toy_gen" / "examples"))
    dag.get_task("toy_gen").parameters["fail_after_writing"] = True
    states = run_dag(dag, utc(2024, 3, 6))
    assert states["toy_gen"] == "failed" and states["toy_schema"] == "upstream_failed"
    assert sorted(os.listdir(root / "toy_gen" / "examples")) == before
    mlmd = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root))).raw
    failed = [e for e in mlmd.get_executions() if e.last_known_state == pb.Execution.FAILED]
    assert len(failed) == 1 and "toy failure" in failed[0].custom_properties["failure"].string_value
