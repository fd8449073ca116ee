"""Operators and the DAG factory: wiring at parse time, and whole runs with ``dag.test()``."""

from __future__ import annotations

import os

import pytest
from airflow.sdk import DAG
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.operators import StatisticsGenOperator
from tests.dag_runs import load_dag, run_dag, utc, write_dag_file
from tests.toy_operators import ToyGenOperator, ToySchemaOperator


def test_factory_wires_dependencies_and_applies_pipeline_settings(tmp_path):
    gen = ToyGenOperator(text="{{ ds }}")
    schema = ToySchemaOperator(examples=gen.outputs["examples"], enable_cache=False)
    dag = create_pipeline_dag(
        dag_id="wired",
        components=[schema, gen],  # any order: the plan sorts them
        pipeline_root=str(tmp_path),
        beam_pipeline_args=["--direct_num_workers=2"],
        default_args={"retries": 3},
    )
    assert dag.get_task("toy_schema").upstream_task_ids == {"toy_gen"}
    assert gen.pipeline_root == str(tmp_path) and gen.enable_cache is True
    assert schema.enable_cache is False  # a component's own setting wins
    assert gen.beam_pipeline_args == ["--direct_num_workers=2"]
    assert gen.retries == 3 and schema.retries == 3


def test_components_work_by_hand_inside_a_dag_block():
    with DAG(dag_id="by_hand", schedule=None) as dag:
        gen = ToyGenOperator()
        ToySchemaOperator(examples=gen.outputs["examples"])
    assert dag.get_task("toy_schema").upstream_task_ids == {"toy_gen"}


def test_parse_time_errors_name_the_problem():
    gen = ToyGenOperator()
    with pytest.raises(
        PipelineDefinitionError, match=r"expects Examples but got toy_schema.outputs\['schema'\]"
    ):
        StatisticsGenOperator(examples=ToySchemaOperator(examples=gen.outputs["examples"]).outputs["schema"])
    with pytest.raises(PipelineDefinitionError, match=r"missing required input\(s\) \['examples'\]"):
        ToySchemaOperator()
    with pytest.raises(PipelineDefinitionError, match=r"unknown parameter\(s\) \['txet'\]"):
        ToyGenOperator(txet="typo")
    with pytest.raises(PipelineDefinitionError, match="has no output 'exmaples'"):
        _ = gen.outputs["exmaples"]


def test_factory_rejects_missing_upstream_and_duplicates():
    gen = ToyGenOperator()
    schema = ToySchemaOperator(examples=gen.outputs["examples"])
    with pytest.raises(PipelineDefinitionError, match="consumes outputs of 'toy_gen'"):
        create_pipeline_dag(dag_id="broken", components=[schema])
    with pytest.raises(PipelineDefinitionError, match="duplicate component id"):
        create_pipeline_dag(dag_id="dupes", components=[ToyGenOperator(), ToyGenOperator()])


TOY_DAG = """
# airflow DAG file for tests
import datetime as dt
from airflow_tfx_provider.dag_factory import create_pipeline_dag
from tests.toy_operators import ToyGenOperator, ToySchemaOperator

gen = ToyGenOperator(text="{{{{ ds_nodash if ds_nodash is defined else 'no-date' }}}}")
schema = ToySchemaOperator(examples=gen.outputs["examples"])
dag = create_pipeline_dag(
    dag_id={dag_id!r}, components=[gen, schema], schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), pipeline_root={root!r},
)
"""


@pytest.fixture
def toy_dag(airflow_db, dags_folder, tmp_path, request):
    dag_id = f"toy_{request.node.name[-20:].strip('_[]')}".replace("-", "_")
    root = tmp_path / "root"
    path = write_dag_file(dags_folder, dag_id, TOY_DAG.format(dag_id=dag_id, root=str(root)))
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
