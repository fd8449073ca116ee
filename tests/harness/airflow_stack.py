"""A real Airflow 3 deployment on loopback: api-server, scheduler (LocalExecutor), dag-processor.

Used by ``bench/scheduler_pipeline.py`` (and the LocalExecutor integration test) to run DAGs
the way a deployment does, rather than in-process with ``dag.test()``. Everything lives in
one fresh ``AIRFLOW_HOME`` with the SQLite metadata DB; DAG runs are triggered with the CLI
and followed by reading the metadata DB directly (read-only), so the caller never imports
Airflow and its own process stays small.

    with AirflowStack(home, dags_folder, extra_env) as stack:
        stack.wait_for_dag("taxi_pipeline")
        run = stack.run_dag("taxi_pipeline", "cold", "2024-01-01T00:00:00+00:00")
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

AIRFLOW_BIN = Path(sys.executable).parent / "airflow"
FINISHED_RUN_STATES = {"success", "failed"}
COMPONENTS = ("api-server", "scheduler", "dag-processor")

#: The README's recommended forkserver preload for ``[scheduler] mp_forkserver_preload``.
PRELOAD = "airflow,airflow.executors.local_executor,airflow_tfx_provider.preload"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _parse_db_time(value: object) -> float | None:
    """Airflow stores UTC timestamps in SQLite as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


@dataclass
class TaskTiming:
    """One task instance of a finished run, from the ``task_instance`` table."""

    task_id: str
    ti_id: str  # the task instance's UUID as 32 hex digits, whatever the database
    state: str
    try_number: int
    queued_at: float | None
    start: float | None
    end: float | None

    @property
    def duration_s(self) -> float | None:
        return None if self.start is None or self.end is None else self.end - self.start

    @property
    def queue_wait_s(self) -> float | None:
        return None if self.queued_at is None or self.start is None else self.start - self.queued_at


@dataclass
class RunTiming:
    """One finished DAG run: its state, span and task instances."""

    run_id: str
    state: str
    queued_at: float | None
    start: float | None
    end: float | None
    tasks: dict[str, TaskTiming] = field(default_factory=dict)

    @property
    def duration_s(self) -> float | None:
        """Scheduler start of the run -> its end (what the Airflow UI shows as the run's duration)."""
        return None if self.start is None or self.end is None else self.end - self.start


class AirflowStack:
    """Starts and stops the three Airflow 3 services of a LocalExecutor deployment."""

    def __init__(
        self, home: Path, dags_folder: Path, extra_env: Mapping[str, str] | None = None, *, port: int = 0
    ) -> None:
        self.home = home
        self.dags_folder = dags_folder
        self.port = port or free_port()
        self.log_dir = home / "service_logs"
        self.env = self._environment(extra_env or {})
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # -- configuration ---------------------------------------------------------------------

    def _environment(self, extra_env: Mapping[str, str]) -> dict[str, str]:
        base_url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__API__BASE_URL": base_url,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API_AUTH__JWT_SECRET": "airflow-tfx-provider-bench-secret",
                # only the runs the caller triggers: no scheduled run appears behind its back
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra_env)
        return env

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> AirflowStack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def airflow(self, *args: str, timeout: float = 300) -> str:
        """Run one ``airflow`` CLI command in this deployment; its output, or an error with its tail."""
        done = subprocess.run(
            [str(AIRFLOW_BIN), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            raise RuntimeError(f"airflow {' '.join(args)} exited with {done.returncode}:\n{tail}")
        return done.stdout

    def start(self, timeout: float = 180) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.airflow("db", "migrate")
        for component in COMPONENTS:
            log = (self.log_dir / f"{component}.log").open("wb")
            self.processes[component] = subprocess.Popen(
                [str(AIRFLOW_BIN), component],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals the whole tree
            )
        self._wait(self._api_healthy, timeout, "the api-server to answer /api/v2/monitor/health")

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM each service's process group, then SIGKILL whatever is left in it.

        The forkserver's LocalExecutor workers outlive a stopped scheduler (they are the
        forkserver's children, not the scheduler's), so the group is always swept at the end.
        Task processes still running are in process groups of their own (the task SDK's
        supervisor makes one per task), so every process under a service, as seen before the
        stop, is killed last.
        """
        below: list[psutil.Process] = []
        for proc in self.processes.values():
            with contextlib.suppress(psutil.Error):
                below += psutil.Process(proc.pid).children(recursive=True)
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for process in below:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(below, timeout=30)
        self.processes.clear()

    def _check_alive(self) -> None:
        for component, proc in self.processes.items():
            if proc.poll() is not None:
                log = (self.log_dir / f"{component}.log").read_text(errors="replace").splitlines()
                tail = "\n".join(log[-30:])
                raise RuntimeError(f"airflow {component} exited with {proc.returncode}:\n{tail}")

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if ready():
                return
            time.sleep(0.5)
        raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what} (logs in {self.log_dir})")

    def _api_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/monitor/health", timeout=2):
                return True
        except OSError:
            return False

    # -- the metadata DB -------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        db = self.home / "airflow.db"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Until the dag-processor has serialized ``dag_id`` (or reported an import error)."""

        def parsed() -> bool:
            errors = self._query("SELECT filename, stacktrace FROM import_error")
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            return bool(self._query("SELECT 1 FROM serialized_dag WHERE dag_id = ?", (dag_id,)))

        self._wait(parsed, timeout, f"DAG {dag_id} to be parsed")

    def trigger(self, dag_id: str, run_id: str, logical_date: str) -> None:
        self.airflow("dags", "trigger", dag_id, "--run-id", run_id, "--logical-date", logical_date)

    def run_timing(self, dag_id: str, run_id: str) -> RunTiming | None:
        rows = self._query(
            "SELECT state, queued_at, start_date, end_date FROM dag_run WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        )
        if not rows:
            return None
        state, queued, start, end = rows[0]
        run = RunTiming(
            run_id,
            str(state),
            _parse_db_time(queued),
            _parse_db_time(start),
            _parse_db_time(end),
        )
        for task_id, ti_id, ti_state, try_number, ti_queued, ti_start, ti_end in self._query(
            "SELECT task_id, id, state, try_number, queued_dttm, start_date, end_date FROM task_instance "
            "WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        ):
            run.tasks[str(task_id)] = TaskTiming(
                str(task_id),
                str(ti_id).replace("-", ""),  # PostgreSQL keeps the dashes, SQLite not
                str(ti_state),
                int(str(try_number)),
                _parse_db_time(ti_queued),
                _parse_db_time(ti_start),
                _parse_db_time(ti_end),
            )
        return run

    def run_dag(self, dag_id: str, run_id: str, logical_date: str, timeout: float = 1800) -> RunTiming:
        """Trigger a run and wait until it has finished; its timing (whatever its final state)."""
        self.trigger(dag_id, run_id, logical_date)
        return self._wait_finished(dag_id, run_id, timeout)

    def rerun_dag(self, dag_id: str, run_id: str, logical_date: str, timeout: float = 1800) -> RunTiming:
        """Clear every task of a finished run (as the UI's "Clear" does) and wait for it to finish again."""
        self.airflow(
            "tasks", "clear", dag_id, "--start-date", logical_date, "--end-date", logical_date, "--yes"
        )
        cleared = self.run_timing(dag_id, run_id)
        if cleared is None or cleared.state in FINISHED_RUN_STATES:
            raise RuntimeError(f"clearing run {run_id} of {dag_id} left it {cleared and cleared.state}")
        return self._wait_finished(dag_id, run_id, timeout)

    def _wait_finished(self, dag_id: str, run_id: str, timeout: float) -> RunTiming:
        finished: list[RunTiming] = []

        def done() -> bool:
            run = self.run_timing(dag_id, run_id)
            if run is not None and run.state in FINISHED_RUN_STATES:
                finished.append(run)
                return True
            return False

        self._wait(done, timeout, f"run {run_id} of {dag_id} to finish")
        return finished[0]

    def wait_for_run_of_type(self, dag_id: str, run_type: str, timeout: float = 1800) -> RunTiming:
        """Until a run of ``dag_id`` the scheduler created by itself (e.g. ``asset_triggered``) finishes."""
        found: list[str] = []

        def created() -> bool:
            rows = self._query(
                "SELECT run_id FROM dag_run WHERE dag_id = ? AND run_type = ? ORDER BY id", (dag_id, run_type)
            )
            found.extend(str(r[0]) for r in rows[:1])
            return bool(rows)

        self._wait(created, timeout, f"an {run_type} run of {dag_id}")
        return self._wait_finished(dag_id, found[0], timeout)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the metadata DB (read-only), e.g. the asset tables."""
        return self._query(sql, params)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The task's log file as the LocalExecutor wrote it (default log layout)."""
        path = (
            self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
            / f"attempt={try_number}.log"
        )  # fmt: skip
        return path.read_text(errors="replace") if path.exists() else ""
