"""The data-validation half of the taxi pipeline, run by a real scheduler in the tests.

Settings: ``dag_id``, ``input_base``, ``pipeline_root``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    CsvExampleGenOperator,
    ExampleValidatorOperator,
    PipelineTaskOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
)

# Parsed by a real dag-processor, whose sys.path does not hold the repository: no tests.* import.
CONFIG = json.loads(Path(__file__).with_suffix(".json").read_text())


def build() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(task_id="example_gen", input_base=CONFIG["input_base"])
    statistics_gen = StatisticsGenOperator(examples=example_gen.outputs["examples"])
    schema_gen = SchemaGenOperator(statistics=statistics_gen.outputs["statistics"])
    example_validator = ExampleValidatorOperator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    )
    return [example_gen, statistics_gen, schema_gen, example_validator]


dag = create_pipeline_dag(
    dag_id=CONFIG["dag_id"],
    components=build,
    pipeline_root=CONFIG["pipeline_root"],
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
)
