"""The Chicago taxi pipeline (TFX's canonical example) as a scheduled Airflow DAG.

All eleven TFX components: ExampleGen reads the trips, StatisticsGen / SchemaGen /
ExampleValidator check the data (with drift against the previous span), Transform
preprocesses it, Tuner (optional) searches hyperparameters, Trainer trains a wide-and-deep
Keras model, Evaluator compares it with the last blessed model, InfraValidator loads and
queries it in a sandboxed server, Pusher delivers it in TensorFlow Serving's layout, and
BulkInferrer scores the eval split. Independent branches run in parallel.

The DAG file imports no TensorFlow: every heavy library loads inside the tasks.
Run it once: ``airflow dags test taxi_pipeline 2024-01-01`` (or ``make demo``).

Settings (environment variables, read when the DAG file is parsed):

- ``TAXI_ENABLE_TUNER=1`` adds the Tuner (off by default: it multiplies training time);
- ``TAXI_TRAIN_STEPS`` / ``TAXI_EVAL_STEPS``: training and evaluation steps (1000 / 150, as in
  TFX's taxi example);
- ``TAXI_SERVING_MODEL_DIR``: where Pusher puts the model (default
  ``<pipeline root>/serving_model``).
"""

from __future__ import annotations

import datetime as dt
import os

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    BulkInferrerOperator,
    CsvExampleGenOperator,
    EvaluatorOperator,
    ExampleValidatorOperator,
    InfraValidatorOperator,
    PipelineTaskOperator,
    PusherOperator,
    ResolverOperator,
    SchemaGenOperator,
    StatisticsGenOperator,
    TrainerOperator,
    TransformOperator,
    TunerOperator,
)
from airflow_tfx_provider.operators.pipeline_task import default_pipeline_root

DAG_ID = "taxi_pipeline"
HERE = os.path.dirname(os.path.realpath(__file__))  # realpath: the file may be linked into a DAGs folder
DATA_ROOT = os.path.join(HERE, "data", "taxi")
PREPROCESSING_MODULE = os.path.join(HERE, "taxi_module", "preprocessing.py")
MODEL_MODULE = os.path.join(HERE, "taxi_module", "model.py")

ENABLE_TUNER = os.environ.get("TAXI_ENABLE_TUNER", "0") == "1"
TRAIN_STEPS = int(os.environ.get("TAXI_TRAIN_STEPS", "1000"))
EVAL_STEPS = int(os.environ.get("TAXI_EVAL_STEPS", "150"))
SERVING_MODEL_DIR = os.environ.get(
    "TAXI_SERVING_MODEL_DIR", os.path.join(default_pipeline_root(DAG_ID), "serving_model")
)

# TFMA evaluates on raw examples; the label (tips > 20% of fare) is computed by the model's
# `transform_features` signature, which applies the same transform graph as training.
EVAL_CONFIG = {
    "model_specs": [
        {
            "signature_name": "serving_default",
            "label_key": "tips_xf",
            "preprocessing_function_names": ["transform_features"],
        }
    ],
    "slicing_specs": [{}, {"feature_keys": ["trip_start_hour"]}],
    # TFMA would also recompute the metrics the model was compiled with (loss, accuracy), and it
    # reloads the SavedModel for each of those combiners: half the Evaluator's time here. The
    # metrics below are what the blessing needs.
    "options": {"include_default_metrics": False},
    "metrics_specs": [
        {
            "metrics": [
                {"class_name": "ExampleCount"},
                {"class_name": "AUC"},
                {
                    "class_name": "BinaryAccuracy",
                    # thresholds on the overall slice only: per-hour slices are too small to gate on
                    "per_slice_thresholds": [
                        {
                            "slicing_specs": [{}],
                            "threshold": {
                                "value_threshold": {"lower_bound": {"value": 0.6}},
                                # a new model may be at most 1 point worse than the last blessed one
                                "change_threshold": {
                                    "direction": "HIGHER_IS_BETTER",
                                    "absolute": {"value": -0.01},
                                },
                            },
                        }
                    ],
                },
            ]
        }
    ],
}


def taxi_components() -> list[PipelineTaskOperator]:
    """The pipeline's components, wired by passing outputs to inputs."""
    example_gen = CsvExampleGenOperator(task_id="example_gen", input_base=DATA_ROOT)
    examples = example_gen.outputs["examples"]
    statistics_gen = StatisticsGenOperator(examples=examples)
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
    transform = TransformOperator(
        examples=examples, schema=schema_gen.outputs["schema"], module_file=PREPROCESSING_MODULE
    )
    transformed = transform.outputs["transformed_examples"]
    transform_graph = transform.outputs["transform_graph"]
    tuner = None
    if ENABLE_TUNER:
        tuner = TunerOperator(
            examples=transformed,
            transform_graph=transform_graph,
            schema=schema_gen.outputs["schema"],
            module_file=MODEL_MODULE,
            train_args={"splits": ["train"], "num_steps": max(1, TRAIN_STEPS // 4)},
            eval_args={"splits": ["eval"], "num_steps": EVAL_STEPS},
            custom_config={"max_trials": 4},
        )
    trainer = TrainerOperator(
        examples=transformed,
        transform_graph=transform_graph,
        schema=schema_gen.outputs["schema"],
        hyperparameters=tuner.outputs["best_hyperparameters"] if tuner else None,
        module_file=MODEL_MODULE,
        train_args={"splits": ["train"], "num_steps": TRAIN_STEPS},
        eval_args={"splits": ["eval"], "num_steps": EVAL_STEPS},
    )
    model = trainer.outputs["model"]
    baseline = ResolverOperator(task_id="latest_blessed_model", strategy="latest_blessed_model", model=model)
    evaluator = EvaluatorOperator(
        examples=examples, model=model, baseline_model=baseline.outputs["model"], eval_config=EVAL_CONFIG
    )
    infra_validator = InfraValidatorOperator(
        model=model,
        examples=examples,
        request_spec={
            "tensorflow_serving": {"signature_names": ["serving_default"]},
            "split_name": "eval",
            "num_examples": 10,
        },
        validation_spec={"max_loading_time_seconds": 120, "num_tries": 2},
    )
    pusher = PusherOperator(
        model=model,
        model_blessing=evaluator.outputs["blessing"],
        infra_blessing=infra_validator.outputs["blessing"],
        push_destination={"filesystem": {"base_directory": SERVING_MODEL_DIR}},
    )
    bulk_inferrer = BulkInferrerOperator(
        examples=examples,
        model=model,
        model_blessing=evaluator.outputs["blessing"],
        data_spec={"example_splits": ["eval"]},
    )
    components: list[PipelineTaskOperator | None] = [
        example_gen, statistics_gen, schema_gen, previous_statistics, example_validator, transform, tuner,
        trainer, baseline, evaluator, infra_validator, pusher, bulk_inferrer,
    ]  # fmt: skip
    return [c for c in components if c is not None]


dag = create_pipeline_dag(
    dag_id=DAG_ID,
    components=taxi_components,
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["tfx", "example"],
    default_args={"retries": 1, "retry_delay": dt.timedelta(seconds=30)},
    doc_md=__doc__,
)
