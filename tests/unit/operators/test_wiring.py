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


class _TaskInstanceXCom:
    """The one method of Airflow's task instance that ``pull_inputs`` uses (the XCom seam)."""

    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def xcom_pull(self, *, task_ids, key):
        if self.error is not None:
            raise self.error
        return self.value


@pytest.mark.parametrize(
    ("ti", "message"),
    [
        (
            _TaskInstanceXCom(value="garbage"),
            r"input 'examples' \(XCom 'examples' of task 'toy_gen'\) is not a list",
        ),
        (
            _TaskInstanceXCom(value=None),
            r"input 'examples' \(XCom 'examples' of task 'toy_gen'\) has no value",
        ),
        (
            _TaskInstanceXCom(error=ValueError("Expecting value: line 1 column 1")),
            r"of task 'toy_gen'\): the XCom cannot be read: Expecting value",
        ),
    ],
)
def test_unusable_xcom_values_name_the_input_and_the_producer(ti, message):
    from airflow_tfx_provider.exceptions import InputResolutionError
    from airflow_tfx_provider.runtime.settings import TaskOutput

    gen = ToyGenOperator()
    schema = ToySchemaOperator(examples=gen.outputs["examples"])
    with pytest.raises(InputResolutionError, match=message):
        schema.pull_inputs({"ti": ti})
    good = _TaskInstanceXCom(value=[{"mlmd_id": 1, "type": "Examples", "uri": "/r", "properties": {}}])
    assert schema.pull_inputs({"ti": good}) == {"examples": [TaskOutput(good.value[0], "toy_gen")]}
