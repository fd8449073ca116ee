"""A pipeline that cleans up after itself: ExampleGen -> StatisticsGen -> RetentionOperator.

Settings: ``dag_id``, ``data_root``, ``pipeline_root``, ``keep_spans``.
"""

from __future__ import annotations

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    CsvExampleGenOperator,
    PipelineTaskOperator,
    RetentionOperator,
    StatisticsGenOperator,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(input_base=CONFIG["data_root"])
    statistics_gen = StatisticsGenOperator(examples=example_gen.outputs["examples"])
    retention = RetentionOperator(keep_spans=CONFIG["keep_spans"], keep_models=1)
    statistics_gen >> retention
    return [example_gen, statistics_gen, retention]


dag = create_pipeline_dag(
    dag_id=CONFIG["dag_id"], components=build, pipeline_root=CONFIG["pipeline_root"],
    beam_pipeline_args=["--direct_running_mode=in_memory"],
)  # fmt: skip
