"""Two toy components (no TensorFlow): a generator whose text is an Airflow template, and a consumer.

Settings: ``dag_id``, ``pipeline_root``, optional ``metadata_conn_id``.
"""

from __future__ import annotations

import datetime as dt

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import PipelineTaskOperator
from tests.dags._config import dag_config
from tests.toy_operators import ToyGenOperator, ToySchemaOperator

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    gen = ToyGenOperator(text="{{ ds_nodash if ds_nodash is defined else 'no-date' }}")
    schema = ToySchemaOperator(examples=gen.outputs["examples"])
    return [gen, schema]


dag = create_pipeline_dag(
    dag_id=CONFIG["dag_id"],
    components=build,
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    pipeline_root=CONFIG["pipeline_root"],
    metadata_conn_id=CONFIG.get("metadata_conn_id"),
)
