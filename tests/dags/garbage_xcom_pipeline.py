"""A consumer whose upstream pushed garbage instead of artifact references under its output key.

Settings: ``dag_id``, ``pipeline_root``.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

from airflow_tfx_provider.operators import OutputRef
from tests.dags._config import dag_config
from tests.toy_operators import ToySchemaOperator

CONFIG = dag_config(__file__)


def push_garbage(ti: Any) -> None:
    ti.xcom_push(key="examples", value="garbage, not artifact references")


with DAG(
    dag_id=CONFIG["dag_id"], schedule=None, default_args={"pipeline_root": CONFIG["pipeline_root"]}
) as dag:
    upstream = PythonOperator(task_id="toy_gen", python_callable=push_garbage)
    ToySchemaOperator(examples=OutputRef(upstream, "examples", "Examples"))
