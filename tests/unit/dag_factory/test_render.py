"""``create_pipeline_dag``: building (not running) a DAG from a components function."""

from __future__ import annotations

import pytest

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from tests.toy_operators import ToyGenOperator, ToySchemaOperator


def test_factory_wires_dependencies_and_applies_pipeline_settings(tmp_path):
    def build():
        gen = ToyGenOperator(text="{{ ds }}")
        schema = ToySchemaOperator(examples=gen.outputs["examples"], enable_cache=False)
        return [schema, gen]  # any order: the plan sorts them

    dag = create_pipeline_dag(
        dag_id="wired",
        components=build,
        pipeline_root=str(tmp_path),
        beam_pipeline_args=["--direct_num_workers=2"],
        default_args={"retries": 3},
    )
    gen, schema = dag.get_task("toy_gen"), dag.get_task("toy_schema")
    assert schema.upstream_task_ids == {"toy_gen"}
    assert gen.pipeline_root == str(tmp_path) and gen.enable_cache is True
    assert schema.enable_cache is False  # a component's own setting wins
    assert gen.beam_pipeline_args == ["--direct_num_workers=2"]
    assert gen.retries == 3 and schema.retries == 3


def test_factory_rejects_missing_upstream_and_duplicates():
    def forgets_the_producer():
        gen = ToyGenOperator()
        return [ToySchemaOperator(examples=gen.outputs["examples"])]

    with pytest.raises(PipelineDefinitionError, match="consumes outputs of 'toy_gen'"):
        create_pipeline_dag(dag_id="broken", components=forgets_the_producer)

    def returns_one_twice():
        gen = ToyGenOperator()
        return [gen, gen]

    with pytest.raises(PipelineDefinitionError, match="duplicate component id"):
        create_pipeline_dag(dag_id="dupes", components=returns_one_twice)


def test_factory_rejects_components_built_outside_it():
    built_outside = ToyGenOperator()
    with pytest.raises(PipelineDefinitionError, match="must be a function that builds"):
        create_pipeline_dag(dag_id="listed", components=[built_outside])  # type: ignore[arg-type]
    with pytest.raises(PipelineDefinitionError, match="was not built by the components function"):
        create_pipeline_dag(dag_id="outside", components=lambda: [built_outside])
    with pytest.raises(PipelineDefinitionError, match="belongs to no DAG"):
        create_pipeline_dag(
            dag_id="half", components=lambda: [ToySchemaOperator(examples=built_outside.outputs["examples"])]
        )
    with pytest.raises(PipelineDefinitionError, match=r"built \['toy_gen'\] but did not return them"):
        create_pipeline_dag(dag_id="unreturned", components=lambda: [ToyGenOperator()][:0])
