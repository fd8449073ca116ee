"""The data-validation half of the taxi pipeline, for ``bench/backfill_validation.py``.

ExampleGen -> StatisticsGen -> SchemaGen, a ``previous_span`` Resolver, and ExampleValidator
comparing each span's statistics with the previous span's (drift on ``payment_type`` and
``company``), as in ``dags/taxi_pipeline.py``. The input has no span placeholder, so each
run's span is the day of its data interval (days since 1970-01-01): a 30-day backfill makes
30 spans over the same file.

The benchmark copies this file into a deployment's DAGs folder with its settings beside it,
in ``<this file's name>.json``: ``dag_id``, ``input_base``, ``pipeline_root``,
``max_active_runs``, and optionally ``metadata_conn_id`` (the MLMD store's connection, e.g.
``mlmd_default`` on the Celery deployment; without it the provider's default store). It is
parsed by a real dag-processor, whose sys.path does not hold the repository: no ``bench.*`` or
``tests.*`` import.
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
    ResolverOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
)

CONFIG = json.loads(Path(__file__).with_suffix(".json").read_text())


def validation_components() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(task_id="example_gen", input_base=CONFIG["input_base"])
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
    dag_id=CONFIG["dag_id"],
    components=validation_components,
    pipeline_root=CONFIG["pipeline_root"],
    metadata_conn_id=CONFIG.get("metadata_conn_id"),
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=int(CONFIG.get("max_active_runs", 8)),
    tags=["tfx", "bench"],
)
