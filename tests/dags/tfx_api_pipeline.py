"""A pipeline written against TFX's API (``tfx.v1`` names, protos, Resolver, Pipeline,
AirflowDagRunner), with only the import lines pointing at this provider.

Settings: ``dag_id``, ``data_root``, ``pipeline_root``, ``metadata_path``, ``serving_dir``,
``module_file`` (optional: adds Transform, Trainer, Evaluator, Pusher when given).
"""

from __future__ import annotations

import datetime

from airflow_tfx_provider import compat as tfx
from airflow_tfx_provider.compat import tfma
from airflow_tfx_provider.compat.dsl.components.common import resolver
from airflow_tfx_provider.compat.dsl.experimental import latest_blessed_model_resolver
from airflow_tfx_provider.compat.orchestration import metadata, pipeline
from airflow_tfx_provider.compat.orchestration.airflow.airflow_dag_runner import (
    AirflowDagRunner,
    AirflowPipelineConfig,
)
from airflow_tfx_provider.compat.proto import pusher_pb2, trainer_pb2
from airflow_tfx_provider.compat.types import Channel
from airflow_tfx_provider.compat.types.standard_artifacts import Model, ModelBlessing
from tests.dags._config import dag_config

CONFIG = dag_config(__file__)


def _create_pipeline() -> pipeline.Pipeline:
    example_gen = tfx.components.CsvExampleGen(input_base=CONFIG["data_root"])
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = tfx.components.SchemaGen(
        statistics=statistics_gen.outputs["statistics"], infer_feature_shape=False
    )
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    )
    components: list = [example_gen, statistics_gen, schema_gen, example_validator]
    if CONFIG.get("module_file"):
        transform = tfx.components.Transform(
            examples=example_gen.outputs["examples"],
            schema=schema_gen.outputs["schema"],
            module_file=CONFIG["module_file"],
        )
        trainer = tfx.components.Trainer(
            module_file=CONFIG["module_file"],
            examples=transform.outputs["transformed_examples"],
            transform_graph=transform.outputs["transform_graph"],
            schema=schema_gen.outputs["schema"],
            train_args=trainer_pb2.TrainArgs(num_steps=50),
            eval_args=trainer_pb2.EvalArgs(num_steps=5),
        )
        model_resolver = resolver.Resolver(
            strategy_class=latest_blessed_model_resolver.LatestBlessedModelResolver,
            model=Channel(type=Model),
            model_blessing=Channel(type=ModelBlessing),
        ).with_id("latest_blessed_model_resolver")
        eval_config = tfma.EvalConfig(
            model_specs=[
                tfma.ModelSpec(
                    signature_name="serving_default",
                    label_key="tips_xf",
                    preprocessing_function_names=["transform_features"],
                )
            ],
            slicing_specs=[tfma.SlicingSpec()],
            metrics_specs=[
                tfma.MetricsSpec(
                    metrics=[
                        tfma.MetricConfig(
                            class_name="BinaryAccuracy",
                            threshold=tfma.MetricThreshold(
                                value_threshold=tfma.GenericValueThreshold(lower_bound={"value": 0.5}),
                                change_threshold=tfma.GenericChangeThreshold(
                                    direction=tfma.MetricDirection.HIGHER_IS_BETTER,
                                    absolute={"value": -1e-10},
                                ),
                            ),
                        )
                    ]
                )
            ],
        )
        evaluator = tfx.components.Evaluator(
            examples=example_gen.outputs["examples"],
            model=trainer.outputs["model"],
            baseline_model=model_resolver.outputs["model"],
            eval_config=eval_config,
        )
        pusher = tfx.components.Pusher(
            model=trainer.outputs["model"],
            model_blessing=evaluator.outputs["blessing"],
            push_destination=pusher_pb2.PushDestination(
                filesystem=pusher_pb2.PushDestination.Filesystem(base_directory=CONFIG["serving_dir"])
            ),
        )
        components += [transform, trainer, model_resolver, evaluator, pusher]
    return pipeline.Pipeline(
        pipeline_name=CONFIG["dag_id"],
        pipeline_root=CONFIG["pipeline_root"],
        components=components,
        enable_cache=True,
        metadata_connection_config=metadata.sqlite_metadata_connection_config(CONFIG["metadata_path"]),
        beam_pipeline_args=["--direct_running_mode=in_memory"],
    )


_airflow_config = {"schedule_interval": None, "start_date": datetime.datetime(2024, 1, 1)}

DAG = AirflowDagRunner(AirflowPipelineConfig(_airflow_config)).run(_create_pipeline())
