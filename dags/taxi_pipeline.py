"""The Chicago taxi pipeline (TFX's canonical example) as a scheduled Airflow DAG.

Each daily run reads the taxi trips, computes statistics, infers a schema and validates
the data against it, including drift against the previous span's statistics. The DAG
file imports no TensorFlow: every heavy library loads inside the tasks.

Run it once: ``airflow dags test taxi_pipeline 2024-01-01`` (or ``make demo``).
"""

from __future__ import annotations

import datetime as dt
import os

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    CsvExampleGenOperator,
    ExampleValidatorOperator,
    ResolverOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
)

DATA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "taxi")


def taxi_components() -> list:
    """The pipeline's components, wired by passing outputs to inputs."""
    example_gen = CsvExampleGenOperator(task_id="example_gen", input_base=DATA_ROOT)
    statistics_gen = StatisticsGenOperator(examples=example_gen.outputs["examples"])
    schema_gen = SchemaGenOperator(statistics=statistics_gen.outputs["statistics"], infer_feature_shape=False)
    previous_statistics = ResolverOperator(
        task_id="previous_statistics",
        strategy="previous_span",
        statistics=statistics_gen.outputs["statistics"],
    )
    example_validator = ExampleValidatorOperator(
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
        previous_statistics=previous_statistics.outputs["statistics"],
        drift_thresholds={"payment_type": 0.1, "company": 0.1},
    )
    return [example_gen, statistics_gen, schema_gen, previous_statistics, example_validator]


dag = create_pipeline_dag(
    dag_id="taxi_pipeline",
    components=taxi_components(),
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=2,
    tags=["tfx", "example"],
    default_args={"retries": 1, "retry_delay": dt.timedelta(seconds=30)},
    doc_md=__doc__,
)
