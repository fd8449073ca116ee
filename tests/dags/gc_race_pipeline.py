"""A pipeline whose run pauses after its Resolver chose the previous span's statistics.

ExampleGen -> StatisticsGen -> SchemaGen, previous_statistics (Resolver, previous span) ->
``hold`` (waits until the file ``release`` exists) -> ExampleValidator. While it waits, the
statistics the Resolver handed on sit in XCom and nothing RUNNING uses them: the moment a gc
that only looked at MLMD would delete them.

Settings: ``dag_id``, ``data_root``, ``pipeline_root``, ``metadata_path``, ``release``.
"""

from __future__ import annotations

import os
import time

from airflow.sdk import task

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    CsvExampleGenOperator,
    ExampleValidatorOperator,
    PipelineTaskOperator,
    ResolverOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


@task
def hold() -> None:
    deadline = time.monotonic() + 300
    while not os.path.exists(CONFIG["release"]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{CONFIG['release']} never appeared")
        time.sleep(0.2)


def build() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(input_base=CONFIG["data_root"])
    statistics_gen = StatisticsGenOperator(examples=example_gen.outputs["examples"])
    statistics = statistics_gen.outputs["statistics"]
    schema_gen = SchemaGenOperator(statistics=statistics)
    previous = ResolverOperator(
        task_id="previous_statistics", strategy="previous_span", statistics=statistics
    )
    validator = ExampleValidatorOperator(
        statistics=statistics,
        schema=schema_gen.outputs["schema"],
        previous_statistics=previous.outputs["statistics"],
        drift_thresholds={"payment_type": 0.5},
    )
    return [example_gen, statistics_gen, schema_gen, previous, validator]


dag = create_pipeline_dag(
    dag_id=CONFIG["dag_id"], components=build, pipeline_root=CONFIG["pipeline_root"],
    metadata_path=CONFIG["metadata_path"], beam_pipeline_args=["--direct_running_mode=in_memory"],
)  # fmt: skip
with dag:  # a plain Airflow task between the Resolver and the task it feeds
    dag.get_task("previous_statistics") >> hold() >> dag.get_task("example_validator")
