"""Data-aware retraining under a real scheduler: the ETL DAG's asset event triggers the pipeline.

``dags/taxi_retrain.py`` as shipped (linked into a fresh DAGs folder): the ETL run lands a
month of trips and emits an event on ``taxi_trips`` naming it; the scheduler creates an
``asset_triggered`` run of ``taxi_retrain``, whose ExampleGen reads the month from the event,
not from its own date (an asset-triggered run's date is when it was queued).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from airflow_tfx_provider.metadata import history
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.harness.airflow_stack import PRELOAD, AirflowStack

pytestmark = pytest.mark.integration

SETTINGS = {
    "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
    "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": PRELOAD,
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True",  # asset-triggered runs are created by it
    "TAXI_TRAIN_STEPS": "20",
}
AUGUST_2015 = (dt.date(2015, 8, 1) - dt.date(1970, 1, 1)).days


def test_the_etl_event_triggers_the_pipeline_which_reads_the_month_it_names(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "taxi_retrain.py").symlink_to(REPO / "dags" / "taxi_retrain.py")
    roots, landing = tmp_path / "roots", tmp_path / "landing"
    env = {**SETTINGS, "AIRFLOW_TFX_PIPELINE_ROOT_BASE": str(roots), "TAXI_LANDING_DIR": str(landing)}

    with AirflowStack(tmp_path / "home", dags, env) as stack:
        stack.wait_for_dag("taxi_retrain")
        # the ETL run on 2015-09-01 covers August (its data interval) and names it in the event
        etl = stack.run_dag("taxi_trips_etl", "land_august", "2015-09-01T00:00:00+00:00", timeout=300)
        assert etl.state == "success", {t.task_id: t.state for t in etl.tasks.values()}
        run = stack.wait_for_run_of_type("taxi_retrain", "asset_triggered", timeout=900)
        tasks = {t.task_id: t.state for t in run.tasks.values()}
        assert run.state == "success", tasks
        log = stack.task_log("taxi_retrain", run.run_id, "example_gen")
        assert "reading date='2015-08' named by the asset event of 'taxi_trips'" in log
        assert "taxi_trips_etl/land_august/land_trips" in log
        [(etl_extra,)] = stack.query(
            "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.name = 'taxi_trips'"
        )
        examples_events = stack.query(
            "SELECT e.extra, e.source_task_id FROM asset_event e JOIN asset a ON a.id = e.asset_id "
            "WHERE a.name = 'taxi_examples'"
        )
        producers = dict(
            stack.query(
                "SELECT a.name, r.task_id FROM task_outlet_asset_reference r "
                "JOIN asset a ON a.id = r.asset_id WHERE r.dag_id = 'taxi_retrain'"
            )
        )

    landed = landing / "201508" / "trips.csv"
    assert json.loads(etl_extra) == {"date": "2015-08", "rows": 412, "file": "201508/trips.csv"}
    assert len(landed.read_text().splitlines()) == 412 + 1
    gateway = MetadataGateway.connect(MetadataConfig.sqlite_under(str(roots / "taxi_retrain")))
    [examples] = [a for a in gateway.raw.get_artifacts_by_type("Examples") if "/example_gen/" in a.uri]
    assert examples.properties["span"].int_value == AUGUST_2015
    assert examples.uri.startswith(str(roots / "taxi_retrain"))
    # August's trips hold no value the curated schema does not know; `airflow tfx runs` says so
    [summary] = history.runs(gateway, "taxi_retrain")
    validator = next(c for c in summary.components if c.component_id == "example_validator")
    assert validator.outcome == "executed" and validator.detail == "no anomalies"
    # ExampleGen announced its examples: the span and the artifact in the event's extra
    [(extra, source_task)] = examples_events
    assert source_task == "example_gen"
    extra = json.loads(extra)
    assert extra["span"] == AUGUST_2015 and extra["outputs"]["examples"][0]["id"] == examples.id
    assert extra["cached"] is False
    # Airflow knows which task produces each asset (the pushed model's is the Pusher)
    assert producers["taxi_examples"] == "example_gen"
    assert producers[f"tfx-model:{os.path.join(roots, 'taxi_retrain', 'serving_model')}"] == "pusher"
