"""InfraValidator in front of Pusher, for a model whose SavedModel is corrupt.

Settings: ``dag_id``, ``model``, ``serving``, ``pipeline_root``.
"""

from __future__ import annotations

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    ImporterOperator,
    InfraValidatorOperator,
    PipelineTaskOperator,
    PusherOperator,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    model = ImporterOperator(task_id="model", source_uri=CONFIG["model"], artifact_type="Model")
    infra = InfraValidatorOperator(
        model=model.outputs["result"], validation_spec={"max_loading_time_seconds": 60, "num_tries": 1}
    )
    pusher = PusherOperator(
        model=model.outputs["result"],
        infra_blessing=infra.outputs["blessing"],
        push_destination={"filesystem": {"base_directory": CONFIG["serving"]}},
    )
    return [model, infra, pusher]


dag = create_pipeline_dag(dag_id=CONFIG["dag_id"], components=build, pipeline_root=CONFIG["pipeline_root"])
