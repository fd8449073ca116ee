"""Data-aware retraining: an ETL DAG lands a month of taxi trips, the pipeline retrains on it.

Two DAGs, wired by an Airflow Asset:

- ``taxi_trips_etl`` (``@monthly``) stands in for the upstream ETL job: each run lands the trips
  of the month before its logical date (the month that just ended) in
  ``<landing>/<YYYYMM>/trips.csv``, written atomically, and emits an event on the
  ``taxi_trips`` asset with ``{"date": "YYYY-MM", "rows": N}`` in its extra. A month without
  trips ends skipped, and emits nothing.
- ``taxi_retrain`` is scheduled on that asset. Its ExampleGen reads ``{YYYY}{MM}/*.csv`` with
  ``span_from_asset_event=True``: the month named by the triggering event becomes the span, so
  each month is one span whatever the run's own date. It validates every span against a curated
  schema (``taxi_module/schema.pbtxt``) and against the previous span (drift), trains, compares
  the model with the one serving (it may be at most 1 point less accurate), and pushes it when it
  is blessed. Its ExampleGen emits a ``taxi_examples`` asset event (span and artifact in the extra)
  for pipelines that consume the examples.

Without a scheduler (``airflow dags test taxi_retrain 2015-07-01``, as ``make demo-retrain`` runs
it) no event triggers the run, and ExampleGen reads the month of the run's date instead.

Settings (environment variables, read when the DAG file is parsed): ``TAXI_LANDING_DIR`` (default
``<pipeline roots>/_landing/taxi_trips``), ``TAXI_TRAIN_STEPS`` (default 500),
``TAXI_SERVING_MODEL_DIR``.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, Asset, CronTriggerTimetable, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from airflow_tfx_provider.operators import (
    CsvExampleGenOperator,
    EvaluatorOperator,
    ExampleValidatorOperator,
    ImportSchemaGenOperator,
    PipelineTaskOperator,
    PusherOperator,
    ResolverOperator,
    StatisticsGenOperator,
    TrainerOperator,
    TransformOperator,
)
from airflow_tfx_provider.operators.pipeline_task import default_pipeline_root

HERE = os.path.dirname(os.path.realpath(__file__))
RAW_TRIPS = os.path.join(HERE, "data", "taxi", "data.csv")  # the upstream system's export
MODULES = os.path.join(HERE, "taxi_module")
PIPELINE_ID = "taxi_retrain"
PIPELINE_ROOTS = os.path.dirname(default_pipeline_root(PIPELINE_ID))
LANDING = os.environ.get("TAXI_LANDING_DIR", os.path.join(PIPELINE_ROOTS, "_landing", "taxi_trips"))
TRAIN_STEPS = int(os.environ.get("TAXI_TRAIN_STEPS", "500"))
SERVING_MODEL_DIR = os.environ.get(
    "TAXI_SERVING_MODEL_DIR", os.path.join(default_pipeline_root(PIPELINE_ID), "serving_model")
)

TAXI_TRIPS = Asset(name="taxi_trips", uri=f"file://{LANDING}")
TAXI_EXAMPLES = Asset(name="taxi_examples", uri=f"file://{default_pipeline_root(PIPELINE_ID)}/example_gen")

# ------------------------------------------------------------------------------------- the ETL DAG


def land_month(month_start: dt.datetime, landing: str = LANDING) -> tuple[str, int]:
    """Copy the trips that started in ``month_start``'s month to ``<landing>/<YYYYMM>/trips.csv``.

    Written to a temporary file and renamed, so the pipeline never reads half a month.
    Returns (folder name, rows written).
    """
    import csv  # the DAG file stays light: nothing beyond the standard library, and only here

    first = month_start.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start, end = first.timestamp(), following.timestamp()
    folder = os.path.join(landing, f"{first:%Y%m}")
    os.makedirs(folder, exist_ok=True)
    target, temporary = os.path.join(folder, "trips.csv"), os.path.join(folder, ".trips.csv.tmp")
    rows = 0
    with open(RAW_TRIPS, newline="") as source, open(temporary, "w", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
        writer.writeheader()
        for row in reader:
            if start <= int(row["trip_start_timestamp"]) < end:
                writer.writerow(row)
                rows += 1
    if not rows:
        os.remove(temporary)
        os.rmdir(folder)
        return os.path.basename(folder), 0
    os.replace(temporary, target)
    return os.path.basename(folder), rows


with DAG(
    dag_id="taxi_trips_etl",
    # runs on the 1st of each month, for the month that just ended
    schedule=CronTriggerTimetable("@monthly", timezone="UTC"),
    start_date=dt.datetime(2015, 8, 1, tzinfo=dt.UTC),
    catchup=False,
    tags=["tfx", "example", "etl"],
    doc_md=__doc__,
):

    @task(outlets=[TAXI_TRIPS])
    def land_trips() -> dict[str, str | int]:
        context = get_current_context()
        run_date = context["logical_date"]
        if run_date is None:
            raise AirflowSkipException("the run has no logical date: no month to land (trigger it with one)")
        month = (run_date.astimezone(dt.UTC) - dt.timedelta(days=1)).replace(day=1)  # the month that ended
        folder, rows = land_month(month)
        if not rows:
            raise AirflowSkipException(f"no trips in {month:%Y-%m}: nothing landed, no asset event")
        extra: dict[str, str | int] = {
            "date": f"{month:%Y-%m}",
            "rows": rows,
            "file": os.path.join(folder, "trips.csv"),
        }
        context["outlet_events"][TAXI_TRIPS].extra.update(extra)
        return extra

    land_trips()

# -------------------------------------------------------------------------------- the pipeline DAG

EVAL_CONFIG = {
    "model_specs": [
        {
            "signature_name": "serving_default",
            "label_key": "tips_xf",
            "preprocessing_function_names": ["transform_features"],
        }
    ],
    "slicing_specs": [{}, {"feature_keys": ["payment_type"]}],
    "options": {"include_default_metrics": False},
    "metrics_specs": [
        {
            "metrics": [
                {"class_name": "ExampleCount"},
                {"class_name": "AUC"},
                {
                    "class_name": "BinaryAccuracy",
                    "per_slice_thresholds": [
                        {
                            "slicing_specs": [{}],
                            "threshold": {
                                "value_threshold": {"lower_bound": {"value": 0.6}},
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


def retrain_components() -> list[PipelineTaskOperator]:
    example_gen = CsvExampleGenOperator(
        input_base=LANDING,
        input_config={"splits": [{"name": "trips", "pattern": "{YYYY}{MM}/*.csv"}]},
        span_from_asset_event=True,
        outlets=[TAXI_EXAMPLES],
    )
    examples = example_gen.outputs["examples"]
    statistics_gen = StatisticsGenOperator(examples=examples)
    statistics = statistics_gen.outputs["statistics"]
    schema_gen = ImportSchemaGenOperator(schema_file=os.path.join(MODULES, "schema.pbtxt"))
    schema = schema_gen.outputs["schema"]
    previous_statistics = ResolverOperator(
        task_id="previous_statistics", strategy="previous_span", statistics=statistics
    )
    example_validator = ExampleValidatorOperator(
        statistics=statistics,
        schema=schema,
        previous_statistics=previous_statistics.outputs["statistics"],
        drift_thresholds={"payment_type": 0.05, "company": 0.1},
    )
    transform = TransformOperator(
        examples=examples, schema=schema, module_file=os.path.join(MODULES, "preprocessing.py")
    )
    trainer = TrainerOperator(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema,
        module_file=os.path.join(MODULES, "model.py"),
        train_args={"splits": ["train"], "num_steps": TRAIN_STEPS},
        eval_args={"splits": ["eval"], "num_steps": 50},
    )
    model = trainer.outputs["model"]
    baseline = ResolverOperator(task_id="latest_blessed_model", strategy="latest_blessed_model", model=model)
    evaluator = EvaluatorOperator(
        examples=examples, model=model, baseline_model=baseline.outputs["model"], eval_config=EVAL_CONFIG
    )
    pusher = PusherOperator(
        model=model,
        model_blessing=evaluator.outputs["blessing"],
        push_destination={"filesystem": {"base_directory": SERVING_MODEL_DIR}},
    )
    return [
        example_gen, statistics_gen, schema_gen, previous_statistics, example_validator, transform,
        trainer, baseline, evaluator, pusher,
    ]  # fmt: skip


retrain = create_pipeline_dag(
    dag_id=PIPELINE_ID,
    components=retrain_components,
    schedule=[TAXI_TRIPS],
    start_date=dt.datetime(2015, 7, 1, tzinfo=dt.UTC),
    max_active_runs=1,
    tags=["tfx", "example"],
    default_args={"retries": 1, "retry_delay": dt.timedelta(seconds=30)},
    doc_md=__doc__,
)
