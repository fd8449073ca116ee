"""Evaluator comparing a candidate with a baseline model, and the Pusher it gates.

Settings: ``dag_id``, ``examples``, ``candidate``, ``baseline``, ``eval_config``, ``serving``,
``pipeline_root``.
"""

from __future__ import annotations

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    EvaluatorOperator,
    ImporterOperator,
    PipelineTaskOperator,
    PusherOperator,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    examples = ImporterOperator(
        task_id="examples",
        source_uri=CONFIG["examples"],
        artifact_type="Examples",
        properties={"split_names": '["eval"]', "span": 1},
    )
    candidate = ImporterOperator(task_id="candidate", source_uri=CONFIG["candidate"], artifact_type="Model")
    baseline = ImporterOperator(task_id="baseline", source_uri=CONFIG["baseline"], artifact_type="Model")
    evaluator = EvaluatorOperator(
        examples=examples.outputs["result"],
        model=candidate.outputs["result"],
        baseline_model=baseline.outputs["result"],
        eval_config=CONFIG["eval_config"],
    )
    pusher = PusherOperator(
        model=candidate.outputs["result"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination={"filesystem": {"base_directory": CONFIG["serving"]}},
    )
    return [examples, candidate, baseline, evaluator, pusher]


dag = create_pipeline_dag(dag_id=CONFIG["dag_id"], components=build, pipeline_root=CONFIG["pipeline_root"])
