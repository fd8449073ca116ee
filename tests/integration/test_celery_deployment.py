"""docker-compose.yaml's deployment on loopback: the taxi DAG on two Celery workers, then again
while the worker running the Trainer dies.

``tests/harness/celery_stack.py`` starts what the compose file starts (PostgreSQL with the
``mlmd`` database, Redis, airflow-init, api-server, scheduler, dag-processor, triggerer, Celery
workers) from the compose file's own commands and environment. The first run must succeed with
every task on a worker and every execution COMPLETE in MLMD on PostgreSQL. In the second run
(a backfill of another date, so a new span that no cache answers) the worker that runs the
Trainer is killed with all its processes (as when its host dies) while
MLMD shows the Trainer's execution RUNNING; the scheduler must notice the missing heartbeat,
the retry must run on the other worker, the run must succeed, and MLMD must be consistent:
the killed execution FAILED, no LIVE artifact without its files, nothing left RUNNING or PENDING.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway
from tests.conftest import REPO
from tests.faults.invariants import assert_consistent
from tests.harness.celery_stack import CeleryStack, celery_deployment

pytestmark = pytest.mark.integration

DAG_ID = "taxi_pipeline"
WORKERS = ("worker-a", "worker-b")
COMPONENTS = (
    "example_gen", "statistics_gen", "schema_gen", "previous_statistics", "example_validator", "transform",
    "trainer", "latest_blessed_model", "evaluator", "infra_validator", "pusher", "bulk_inferrer",
)  # fmt: skip
SETTINGS = {
    # the deployment is under test, not the model: train briefly (as test_taxi_pipeline does)
    "TAXI_TRAIN_STEPS": "200",
    "TAXI_EVAL_STEPS": "10",
    # a task whose worker died is failed (and retried) once its last heartbeat is this old; the
    # default is 300 s. The task SDK's supervisor heartbeats every 5 s ([workers] min_heartbeat_interval).
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
}


def _dags_folder(folder: Path) -> Path:
    """The example DAG file alone (the repository's dags/ may hold other DAGs), as a user links it in."""
    folder.mkdir()
    (folder / "taxi_pipeline.py").symlink_to(REPO / "dags" / "taxi_pipeline.py")
    shutil.copy(REPO / "dags" / ".airflowignore", folder / ".airflowignore")
    return folder


def _login(stack: CeleryStack, username: str, password: str) -> int:
    """HTTP status of a login at the api-server's simple auth manager (201: a token was issued)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.port}/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["access_token"]
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def _executions(mlmd: MetadataConfig, run_id: str) -> dict[str, list[str]]:
    """component id -> the states of its executions in the run, oldest first."""
    store = MetadataGateway.connect(mlmd).raw
    context = store.get_context_by_type_and_name("pipeline_run", f"{DAG_ID}.{run_id}")
    found: dict[str, list[str]] = {}
    executions = store.get_executions_by_context(context.id) if context else []
    for execution in sorted(executions, key=lambda e: e.id):
        component = execution.custom_properties["component_id"].string_value
        found.setdefault(component, []).append(pb.Execution.State.Name(execution.last_known_state))
    return found


def _trainer_running(
    stack: CeleryStack, mlmd: MetadataConfig, run_id: str, timeout: float
) -> tuple[str, int]:
    """Wait until a worker runs the Trainer and its MLMD execution is RUNNING: (worker, task process id)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = stack.running_task(DAG_ID, run_id, "trainer")
        if running and "RUNNING" in _executions(mlmd, run_id).get("trainer", []):
            return running
        run = stack.run_timing(DAG_ID, run_id)
        assert run is None or run.state not in ("success", "failed"), f"run {run_id} ended first: {run}"
        time.sleep(0.3)
    raise TimeoutError(f"the trainer of run {run_id} did not start within {timeout} s")


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_taxi_dag_on_celery_workers_survives_a_dead_worker(tmp_path):
    dags = _dags_folder(tmp_path / "dags")
    with celery_deployment(tmp_path / "deployment", WORKERS, SETTINGS, dags) as stack:
        assert stack.env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        mlmd = stack.mlmd_config()
        assert mlmd.backend is Backend.POSTGRESQL
        assert (mlmd.host, mlmd.port, mlmd.database) == ("127.0.0.1", stack.postgres.port, "mlmd")
        root = Path(stack.env["AIRFLOW_TFX_PIPELINE_ROOT_BASE"]) / DAG_ID
        init = stack.loopback.environment(stack.compose["services"]["airflow-init"])
        admin, password = init["_AIRFLOW_WWW_USER_USERNAME"], init["_AIRFLOW_WWW_USER_PASSWORD"]
        assert _login(stack, admin, password) == 201  # the admin user that airflow-init made
        assert _login(stack, admin, password + "-wrong") == 401
        stack.wait_for_dag(DAG_ID)
        stack.airflow("dags", "unpause", DAG_ID)

        first = stack.run_dag(DAG_ID, "first", "2024-01-01T00:00:00+00:00", timeout=900)
        assert {t.task_id: t.state for t in first.tasks.values()} == dict.fromkeys(COMPONENTS, "success")
        assert set(stack.hostnames(DAG_ID, "first").values()) <= set(WORKERS)
        for worker in WORKERS:  # the compose file's Celery settings preload the libraries in each worker
            assert "airflow_tfx_provider.preload: imported" in (stack.log_dir / f"{worker}.log").read_text()
        assert _executions(mlmd, "first") == {c: ["COMPLETE"] for c in COMPONENTS}
        assert not (root / "metadata.sqlite").exists()  # MLMD went to PostgreSQL, not the default file
        serving = Path(stack.env["TAXI_SERVING_MODEL_DIR"])
        versions = [p.name for p in serving.iterdir() if p.name.isdigit()]  # TF Serving's layout
        assert len(versions) == 1, f"the first run's model is not on the shared serving volume: {versions}"

        second_id = stack.backfill(DAG_ID, "2024-01-02")
        victim, task_pid = _trainer_running(stack, mlmd, second_id, timeout=600)
        assert victim in WORKERS
        killed = stack.kill_worker(victim)
        assert task_pid in killed, "the task process itself is killed, not left running as an orphan"
        assert not [pid for pid in killed if _alive(pid)]

        second = stack.wait_finished(DAG_ID, second_id, timeout=900)
        assert second.state == "success", {t.task_id: t.state for t in second.tasks.values()}
        [survivor] = set(WORKERS) - {victim}
        attempts = stack.attempts(DAG_ID, second_id, "trainer")
        assert sorted(attempts) == [1, 2], attempts
        assert attempts[1][0] == victim
        assert attempts[2] == (survivor, "success")
        assert _executions(mlmd, second_id)["trainer"] == ["FAILED", "COMPLETE"]
        assert_consistent(root, COMPONENTS, mlmd)
