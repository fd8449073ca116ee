"""Pusher behind imported artifacts: a model, and a ModelBlessing that says yes or no.

Settings: ``dag_id``, ``model``, ``blessing``, ``blessed`` (0/1), ``serving``, ``pipeline_root``.
"""

from __future__ import annotations

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import ImporterOperator, PipelineTaskOperator, PusherOperator
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    model = ImporterOperator(task_id="model", source_uri=CONFIG["model"], artifact_type="Model")
    blessing = ImporterOperator(
        task_id="blessing",
        source_uri=CONFIG["blessing"],
        artifact_type="ModelBlessing",
        properties={"blessed": CONFIG["blessed"]},
    )
    pusher = PusherOperator(
        model=model.outputs["result"],
        model_blessing=blessing.outputs["result"],
        push_destination={"filesystem": {"base_directory": CONFIG["serving"]}},
    )
    return [model, blessing, pusher]


dag = create_pipeline_dag(dag_id=CONFIG["dag_id"], components=build, pipeline_root=CONFIG["pipeline_root"])
