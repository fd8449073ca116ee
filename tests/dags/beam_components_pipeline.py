"""The taxi pipeline's four Beam components (StatisticsGen, Transform, Evaluator, BulkInferrer) and
what they need (ExampleGen, SchemaGen, a briefly trained Trainer), on the Beam runner the settings
name.

Settings: ``dag_id``, ``pipeline_root``, ``input_base`` (a folder with one taxi CSV),
``preprocessing_module``, ``model_module``, ``train_steps``, ``eval_config``, ``beam_pipeline_args``.
"""

from __future__ import annotations

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    BulkInferrerOperator,
    CsvExampleGenOperator,
    EvaluatorOperator,
    PipelineTaskOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
    TrainerOperator,
    TransformOperator,
)
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def build() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(input_base=CONFIG["input_base"])
    examples = example_gen.outputs["examples"]
    statistics_gen = StatisticsGenOperator(examples=examples)
    schema_gen = SchemaGenOperator(statistics=statistics_gen.outputs["statistics"], infer_feature_shape=False)
    transform = TransformOperator(
        examples=examples, schema=schema_gen.outputs["schema"], module_file=CONFIG["preprocessing_module"]
    )
    trainer = TrainerOperator(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        module_file=CONFIG["model_module"],
        train_args={"splits": ["train"], "num_steps": CONFIG["train_steps"]},
        eval_args={"splits": ["eval"], "num_steps": 2},
    )
    evaluator = EvaluatorOperator(
        examples=examples, model=trainer.outputs["model"], eval_config=CONFIG["eval_config"]
    )
    bulk_inferrer = BulkInferrerOperator(
        examples=examples,
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        data_spec={"example_splits": ["eval"]},
    )
    return [example_gen, statistics_gen, schema_gen, transform, trainer, evaluator, bulk_inferrer]


dag = create_pipeline_dag(
    dag_id=CONFIG["dag_id"],
    components=build,
    pipeline_root=CONFIG["pipeline_root"],
    beam_pipeline_args=CONFIG["beam_pipeline_args"],
)
