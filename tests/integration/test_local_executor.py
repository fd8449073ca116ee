"""A pipeline under a real deployment: api-server, scheduler (LocalExecutor), dag-processor.

``dag.test()`` runs every task in one process; a deployment forks a process per task, passes
XComs through the execution API and parses the DAG file in each task. This runs a small
pipeline that way, with the configuration the README recommends (forkserver workers that
preload TensorFlow & co. through ``airflow_tfx_provider.preload``), then clears the run so
that every task runs again and reuses its cached outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.report import run_outcomes
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.harness.airflow_stack import PRELOAD, AirflowStack
from tests.harness.dag_runs import install_dag, taxi_sample

pytestmark = pytest.mark.integration

TASKS = {"example_gen", "statistics_gen", "schema_gen", "example_validator"}
PRELOAD_SETTINGS = {
    "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
    "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": PRELOAD,
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
}


def _outcomes(root: Path) -> list[tuple[str, str]]:
    """(component id, MLMD execution state) of each execution of the run, oldest first."""
    gateway = MetadataGateway.connect(MetadataConfig.sqlite_under(str(root)))
    _, outcomes = run_outcomes(gateway, "deployed", "first")
    return [(o.component_id, o.state) for o in outcomes]


def test_pipeline_runs_and_caches_under_the_scheduler(tmp_path):
    data = taxi_sample(tmp_path / "data", 400)
    dags = tmp_path / "dags"
    dags.mkdir()
    root = tmp_path / "pipeline"
    install_dag(dags, "deployed_pipeline", "deployed", input_base=str(data), pipeline_root=str(root))
    shutil.copy(REPO / "dags" / ".airflowignore", dags / ".airflowignore")

    with AirflowStack(tmp_path / "home", dags, PRELOAD_SETTINGS) as stack:
        stack.wait_for_dag("deployed")
        first = stack.run_dag("deployed", "first", "2024-01-01T00:00:00+00:00", timeout=600)
        assert first.state == "success", {t.task_id: t.state for t in first.tasks.values()}
        assert set(first.tasks) == TASKS
        assert "imported 10 modules" in (stack.log_dir / "scheduler.log").read_text(errors="replace")
        executed = stack.task_log("deployed", "first", "statistics_gen")
        assert "StatisticsGen executed in" in executed

        again = stack.rerun_dag("deployed", "first", "2024-01-01T00:00:00+00:00", timeout=600)
        assert again.state == "success"
        assert {t.try_number for t in again.tasks.values()} == {2}
        cached = stack.task_log("deployed", "first", "statistics_gen", try_number=2)
        assert "reused cached outputs" in cached

    outcomes = _outcomes(root)  # the first run's executions, then the cleared run's
    assert len(outcomes) == 2 * len(TASKS)
    assert {c for c, _ in outcomes[: len(TASKS)]} == TASKS
    assert {s for _, s in outcomes[: len(TASKS)]} == {"COMPLETE"}
    assert {c for c, _ in outcomes[len(TASKS) :]} == TASKS
    assert {s for _, s in outcomes[len(TASKS) :]} == {"CACHED"}
