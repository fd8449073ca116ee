"""The deployment of ``docker-compose.yaml`` started on loopback, without Docker.

PostgreSQL (Airflow's database and the ``mlmd`` database, created as the postgres image does it
from ``deploy/postgres-init/``) and Redis from Debian's packages; then the compose file's own
airflow-init command, and its api-server, scheduler, dag-processor, triggerer and Celery workers
(``-H celery@<name>`` each, as separate containers would be), with the compose environment, the
Dockerfile's ``ENV`` and the native settings below; the services' health checks are the compose
file's too. Service names and container paths are mapped onto local ports and folders by a
``compose_file.Loopback``.

    with celery_deployment(tmp_path, workers=("worker-a", "worker-b"), extra_env=env) as stack:
        stack.wait_for_dag("taxi_pipeline")
        run = stack.run_dag("taxi_pipeline", "first", "2024-01-01T00:00:00+00:00")
        stack.kill_worker("worker-a")

Everything started here is stopped on the way out, also when the test fails: each service with
every process under it, then Redis and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil
import psycopg2

from airflow_tfx_provider.hooks.mlmd import config_from_fields
from airflow_tfx_provider.metadata.config import MetadataConfig
from tests.harness import compose_file, dockerfile
from tests.harness.airflow_stack import AirflowStack, free_port
from tests.harness.services import Server, postgres_server, redis_server

#: Where the Dockerfile puts the provider's source and ``deploy/`` in the image.
IMAGE_SOURCE = "/opt/airflow-tfx-provider"
#: The compose services with fixed roles, and the default ports their URLs in the compose file use.
POSTGRES, REDIS, API_SERVER, SCHEDULER, WORKER = (
    "postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-worker",
)  # fmt: skip
POSTGRES_PORT, REDIS_PORT, API_PORT, SCHEDULER_HEALTH_PORT = 5432, 6379, 8080, 8974
INITDB_FOLDER = "/docker-entrypoint-initdb.d"


def kill_tree(root: int) -> list[int]:
    """SIGKILL a process and every process under it, whatever process group each is in.

    This is what a dead container or host leaves: nothing. Killing the process group of a Celery
    worker is not enough, because the task SDK's supervisor puts each task process in a group of
    its own (to signal the task's children), so the task would go on as an orphan. Every process
    of the tree is stopped (SIGSTOP) before it is killed, so that none forks unseen meanwhile.
    """
    try:
        top = psutil.Process(root)
    except psutil.NoSuchProcess:
        return []
    seen: dict[int, psutil.Process] = {}
    while True:
        tree = [top]
        with contextlib.suppress(psutil.Error):
            tree += top.children(recursive=True)
        new = [p for p in tree if p.pid not in seen]
        if not new:
            break
        for process in new:
            seen[process.pid] = process
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal.SIGSTOP)
    for process in seen.values():
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in seen.values()):
        time.sleep(0.1)
    return sorted(seen)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _python_path() -> str:
    """The repository first (for ``tests.harness.worker_host``), then whatever was there."""
    return os.pathsep.join(filter(None, [str(compose_file.REPO), os.environ.get("PYTHONPATH")]))


def _psql(server: Server, user: str, database: str, *args: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", str(server.port),
         "-U", user, "-d", database, *args],
        input=stdin, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"psql {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def initialize_postgres(server: Server, compose: Mapping[str, Any]) -> dict[str, str]:
    """What the postgres image does on an empty volume: its user and database, then the init scripts.

    Returns the service's environment (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB).
    """
    service = compose["services"][POSTGRES]
    env = {k: str(v) for k, v in service["environment"].items()}
    user, password, database = env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"]
    _psql(
        server, server.user, "postgres", "-v", f"user={user}", "-v", f"password={password}",
        "-v", f"db={database}",
        stdin="CREATE ROLE :\"user\" LOGIN SUPERUSER PASSWORD :'password';\n"
        "CREATE DATABASE :\"db\" OWNER :\"user\";\n",
    )  # fmt: skip
    init_folder = compose_file.bind_mounts(service)[INITDB_FOLDER]
    for script in sorted(init_folder.glob("*.sql")):
        _psql(server, user, database, "-f", str(script))
    return env


class CeleryStack(AirflowStack):
    """The Airflow services of ``docker-compose.yaml`` as local processes (see the module doc)."""

    def __init__(
        self,
        home: Path,
        compose: Mapping[str, Any],
        postgres: Server,
        redis: Server,
        workers: Sequence[str],
        extra_env: Mapping[str, str],
        dags_folder: Path | None = None,
    ) -> None:
        """``dags_folder``: a folder of the caller's instead of the compose file's ``./dags``."""
        self.compose = compose
        self.postgres = postgres
        self.workers = tuple(workers)
        self.killed: dict[str, list[int]] = {}
        self.health_port = free_port()
        api_port = free_port()
        image_env = dockerfile.image_environment(os.environ)
        common = compose[compose_file.COMMON]
        container_dags = common["environment"]["AIRFLOW__CORE__DAGS_FOLDER"]
        paths = {target: str(source) for target, source in compose_file.bind_mounts(common).items()}
        if dags_folder is not None:
            paths[container_dags] = str(dags_folder)
        paths |= {
            IMAGE_SOURCE: str(compose_file.REPO),
            image_env["AIRFLOW_HOME"]: str(home),
            image_env["VIRTUAL_ENV"]: sys.prefix,
        }
        self.loopback = compose_file.Loopback(
            addresses={
                f"{POSTGRES}:{POSTGRES_PORT}": f"127.0.0.1:{postgres.port}",
                f"{REDIS}:{REDIS_PORT}": f"127.0.0.1:{redis.port}",
                f"{API_SERVER}:{API_PORT}": f"127.0.0.1:{api_port}",
                f"localhost:{API_PORT}": f"127.0.0.1:{api_port}",
                f"localhost:{SCHEDULER_HEALTH_PORT}": f"127.0.0.1:{self.health_port}",
            },
            paths=paths,
            variables={k: v for k, v in os.environ.items() if k.startswith("_AIRFLOW")},
        )
        self._image_env = {k: self.loopback.translate(v) for k, v in image_env.items()}
        self._extra_env = dict(extra_env)
        self._worker_envs: dict[str, dict[str, str]] = {}
        super().__init__(home, Path(self.loopback.translate(container_dags)), extra_env, port=api_port)

    # -- configuration ---------------------------------------------------------------------

    def _environment(self, extra_env: Mapping[str, str]) -> dict[str, str]:
        """The environment of every service: this machine's, the image's, the compose file's, then
        the settings only a run on one machine needs (its ports, and no runs behind the test's back)."""
        env = {**os.environ, **self._image_env}
        env |= self.loopback.environment(self.compose[compose_file.COMMON])
        env |= {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.health_port),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        }
        return env | dict(extra_env)

    def _service_env(self, service: str) -> dict[str, str]:
        """One service's environment: the common one, the service's own, the caller's settings last."""
        return self.env | self.loopback.environment(self.compose["services"][service]) | self._extra_env

    def _worker_env(self, name: str) -> dict[str, str]:
        """A worker as if on a host of its own: its host name, and its own log server port."""
        if name not in self._worker_envs:
            self._worker_envs[name] = self._service_env(WORKER) | {
                "HOSTNAME": name,
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.harness.worker_host.hostname",
                "PYTHONPATH": _python_path(),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            }
        return self._worker_envs[name]

    def _command(self, service: str) -> list[str]:
        return self.loopback.argv(self.compose["services"][service]["command"])

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 240) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for folder in self._volume_folders():
            folder.mkdir(parents=True, exist_ok=True)
        self._run_init()
        services = compose_file.long_running(self.compose)
        for service in services:
            if service != WORKER:
                self._spawn(service, self._command(service), self._service_env(service))
        for name in self.workers:
            self._spawn(name, [*self._command(WORKER), "-H", f"celery@{name}"], self._worker_env(name))
        self._wait(self._api_healthy, timeout, "the api-server to answer /api/v2/monitor/health")
        self.wait_healthy(timeout)

    def _volume_folders(self) -> list[Path]:
        """Where the named volumes of the Airflow services are: empty folders, as a new volume is."""
        named = self.compose.get("volumes") or {}
        targets = [str(v).split(":")[1] for v in self.compose[compose_file.COMMON]["volumes"]]
        sources = [str(v).split(":")[0] for v in self.compose[compose_file.COMMON]["volumes"]]
        return [Path(self.loopback.translate(t)) for s, t in zip(sources, targets, strict=True) if s in named]

    def _run_init(self) -> None:
        """The airflow-init service: one command that must exit with 0 before the others start."""
        log = self.log_dir / f"{compose_file.INIT_SERVICE}.log"
        with log.open("wb") as out:
            done = subprocess.run(
                self._command(compose_file.INIT_SERVICE),
                env=self._service_env(compose_file.INIT_SERVICE),
                stdout=out, stderr=subprocess.STDOUT, timeout=600, check=False,
            )  # fmt: skip
        if done.returncode != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{compose_file.INIT_SERVICE} exited with {done.returncode}:\n{tail}")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def health_checks(self) -> dict[str, tuple[list[str], dict[str, str]]]:
        """Each running service's compose health check: (argv, environment)."""
        services = compose_file.long_running(self.compose)
        checks = {
            name: (self.loopback.argv(compose_file.health_argv(services[name])), self._service_env(name))
            for name in services
            if name != WORKER
        }
        worker_check = self.loopback.argv(compose_file.health_argv(services[WORKER]))
        for name in self.workers:
            if name not in self.killed:
                checks[name] = (worker_check, self._worker_env(name))
        return checks

    def wait_healthy(self, timeout: float) -> None:
        """Run the health checks, all at once, again every second for those that fail, until all pass."""
        pending = self.health_checks()
        outputs: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while pending:
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"health checks still failing after {timeout:.0f} s: {outputs}")
            running = {
                name: subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                for name, (argv, env) in pending.items()
            }
            for name, check in running.items():
                output, _ = check.communicate(timeout=120)
                outputs[name] = output.decode(errors="replace")[-500:]
                if check.returncode == 0:
                    del pending[name]
            if pending:
                time.sleep(1)

    def stop(self, timeout: float = 60) -> None:
        """SIGKILL every service with all the processes under it (see ``kill_tree``)."""
        for process in self.processes.values():
            kill_tree(process.pid)
        for process in self.processes.values():
            process.wait(timeout)
        self.processes.clear()

    def kill_worker(self, name: str) -> list[int]:
        """Kill a worker as if its host died: the worker and every process under it, at once."""
        process = self.processes.pop(name)
        self.killed[name] = kill_tree(process.pid)
        process.wait(30)
        return self.killed[name]

    # -- the metadata DB -------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        env = self.compose["services"][POSTGRES]["environment"]
        connection = psycopg2.connect(
            host=self.postgres.host, port=self.postgres.port, user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DB"],
        )  # fmt: skip
        with contextlib.closing(connection) as conn:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return list(cursor.fetchall())

    def wait_finished(self, dag_id: str, run_id: str, timeout: float) -> Any:
        return self._wait_finished(dag_id, run_id, timeout)

    def backfill(self, dag_id: str, date: str, timeout: float = 120) -> str:
        """Backfill one date (``airflow backfill create``); the id of the run the scheduler made for it.

        A backfill run has the data interval of its date, hence its own span. A manual run's
        interval is the time it was triggered, so two manual runs of one day share a span, and
        the second reuses the first's outputs.
        """
        sql = "SELECT run_id FROM dag_run WHERE dag_id = ? AND run_type = 'backfill'"
        before = {row[0] for row in self._query(sql, (dag_id,))}
        self.airflow("backfill", "create", "--dag-id", dag_id, "--from-date", date, "--to-date", date)
        made: list[str] = []

        def created() -> bool:
            made[:] = [str(row[0]) for row in self._query(sql, (dag_id,)) if row[0] not in before]
            return bool(made)

        self._wait(created, timeout, f"the backfill run of {dag_id} for {date}")
        [run_id] = made
        return run_id

    def running_task(self, dag_id: str, run_id: str, task_id: str) -> tuple[str, int] | None:
        """(host name of its worker, id of the task process) while the task runs, else None."""
        rows = self._query(
            "SELECT hostname, pid FROM task_instance WHERE dag_id = ? AND run_id = ? AND task_id = ? "
            "AND state = 'running'",
            (dag_id, run_id, task_id),
        )
        return (str(rows[0][0]), int(rows[0][1])) if rows and rows[0][0] and rows[0][1] else None

    def attempts(self, dag_id: str, run_id: str, task_id: str) -> dict[int, tuple[str, str]]:
        """try number -> (host name, state) of every attempt of a task in a run, earlier ones included."""
        sql = "SELECT try_number, hostname, state FROM {} WHERE dag_id = ? AND run_id = ? AND task_id = ?"
        rows = [
            *self._query(sql.format("task_instance_history"), (dag_id, run_id, task_id)),
            *self._query(sql.format("task_instance"), (dag_id, run_id, task_id)),
        ]
        return {int(number): (str(host), str(state)) for number, host, state in rows}

    def mlmd_config(self, conn_id: str = "mlmd_default") -> MetadataConfig:
        """The MLMD store of an ``mlmd`` connection (airflow-init makes ``mlmd_default``)."""
        [conn] = json.loads(self.airflow("connections", "get", conn_id, "-o", "json"))
        if conn["conn_type"] != "mlmd":
            raise RuntimeError(f"connection {conn_id} has type {conn['conn_type']!r}, not 'mlmd'")
        return config_from_fields(
            conn_id=conn_id, host=conn["host"], port=int(conn["port"]), schema=conn["schema"],
            login=conn["login"], password=conn["password"], extra=conn["extra_dejson"],
        )  # fmt: skip

    def hostnames(self, dag_id: str, run_id: str) -> dict[str, str]:
        """task id -> the host name of the worker that ran its last attempt."""
        rows = self._query(
            "SELECT task_id, hostname FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
        )
        return {str(task): str(host) for task, host in rows}


@contextlib.contextmanager
def celery_deployment(
    workdir: Path,
    workers: Sequence[str] = ("worker-a", "worker-b"),
    extra_env: Mapping[str, str] | None = None,
    dags_folder: Path | None = None,
) -> Iterator[CeleryStack]:
    """PostgreSQL, Redis and the Airflow services of docker-compose.yaml; all stopped on exit."""
    compose = compose_file.load()
    with (
        postgres_server(workdir / POSTGRES) as postgres,
        redis_server(workdir / REDIS) as redis,
    ):
        initialize_postgres(postgres, compose)
        stack = CeleryStack(
            workdir / "opt-airflow", compose, postgres, redis, workers, extra_env or {}, dags_folder
        )
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()
