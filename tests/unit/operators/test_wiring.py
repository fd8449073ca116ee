"""Operators wired by hand at parse time: dependencies from outputs, and parse-time errors."""

from __future__ import annotations

import pytest
from airflow.sdk import DAG

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.operators import StatisticsGenOperator
from tests.toy_operators import ToyGenOperator, ToySchemaOperator


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
