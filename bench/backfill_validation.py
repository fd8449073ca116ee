"""A parallel backfill of the data-validation DAG under a real Airflow deployment.

1. In a fresh directory: a few hundred rows of ``dags/data/taxi/data.csv`` as the input
   folder, and ``bench/dags/backfill_validation_pipeline.py`` (ExampleGen, StatisticsGen,
   SchemaGen, a ``previous_span`` Resolver, ExampleValidator with drift thresholds) in the
   DAGs folder with its settings beside it. The input has no span placeholder, so each run's
   span is the day of its data interval: N days make N spans over the same file.
2. ``airflow api-server`` + ``scheduler`` (LocalExecutor) + ``dag-processor`` on loopback
   (``tests/harness/airflow_stack.py``; SQLite Airflow DB, SQLite MLMD), with the README's
   settings: forkserver workers preloading ``airflow_tfx_provider.preload``, scheduler idle
   sleep 0.1 s, and parallelism for 8 runs at a time.
3. ``airflow backfill create --from-date 2024-01-01 --to-date <+N-1 days> --max-active-runs 8``;
   wait until every run has finished. Runs execute concurrently and finish out of order.
4. From MLMD: for every ExampleValidator execution, the span of its ``statistics`` and of its
   ``previous_statistics`` input. Goal: previous span == span - 1 for all runs but the first
   day (which has no previous span): 29/29 for 30 days. Also: executions left RUNNING and
   LIVE artifacts whose folder is missing (goal 0 each), and "database is locked" in the task
   logs (goal 0; the MLMD gateway's retried "store busy" notices are counted apart).

Measured: wall time of the backfill (first run queued -> last run finished), run durations
(a run's start -> end), peak memory of the deployment (largest process RSS, total PSS,
``bench/stack_memory.py``).

``--executor celery`` runs the same DAG and data on docker-compose.yaml's deployment started
natively (``tests/harness/celery_stack.py``): PostgreSQL (Airflow's DB and the ``mlmd``
database), Redis, api-server, scheduler, dag-processor, triggerer and two Celery workers
(``worker-a``, ``worker-b``, the compose file's 2 slots each); the DAG records its lineage
through the connection ``mlmd_default`` that airflow-init makes. The facts are read from MLMD
on PostgreSQL; the task logs and every service's log (the workers' too) are searched for
PostgreSQL errors (serialization failures, deadlocks, unique violations, "could not",
OperationalError) instead of "database is locked", and so is the PostgreSQL server's own log
(by database). Also reported: task retries and failures, and which worker ran each task.
Its section of ``bench/RESULTS.md`` is ``backfill_validation_celery``.

    python -m bench.backfill_validation --days 30 --max-active-runs 8
    python -m bench.backfill_validation --executor celery --days 30 --max-active-runs 30
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.common import (
    BENCH_DIR,
    JSON_MARKER,
    OUT_DIR,
    REPO,
    Summary,
    bench_env,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    package_versions,
    section_header,
    update_results,
)
from bench.stack_memory import TASK_TITLE_PREFIX, PhaseMemory, StackMemorySampler
from tests.harness.airflow_stack import FINISHED_RUN_STATES, PRELOAD, AirflowStack, RunTiming
from tests.harness.celery_stack import CeleryStack, celery_deployment
from tests.harness.services import Server

DAG_ID = "backfill_validation"
DAG_TEMPLATE = BENCH_DIR / "dags" / "backfill_validation_pipeline.py"
SOURCE_CSV = REPO / "dags" / "data" / "taxi" / "data.csv"
FROM_DATE = dt.date(2024, 1, 1)
EPOCH = dt.date(1970, 1, 1)
TASK_IDS = ("example_gen", "statistics_gen", "schema_gen", "previous_statistics", "example_validator")
LOCKED = "database is locked"
RETRY_NOTICE = "MLMD store busy"  # airflow_tfx_provider/metadata/serialized.py: a retried lock
MLMD_ECHO = "] Execution failed: "  # MLMD's C++ log line of a failed statement (task stderr)
EXECUTORS = ("local", "celery")
WORKERS = ("worker-a", "worker-b")  # the Celery workers' host names
MLMD_CONN_ID = "mlmd_default"  # the connection airflow-init makes (deploy/airflow-init.sh)
FAILED_TASK_STATES = {"failed", "upstream_failed"}


@dataclass(frozen=True)
class LogErrors:
    """The MLMD errors a deployment's logs are searched for: kind -> lower-case markers.

    A line counts once however many kinds it matches; the MLMD gateway's retried "store busy"
    notices are counted apart (the retry succeeded, or a later line says it did not).
    """

    kinds: Mapping[str, tuple[str, ...]]

    def kinds_of(self, line: str) -> list[str]:
        low = line.lower()
        return [kind for kind, markers in self.kinds.items() if any(m in low for m in markers)]


SQLITE_ERRORS = LogErrors({LOCKED: (LOCKED,)})
POSTGRES_ERRORS = LogErrors(
    {
        "serialization failure": ("could not serialize access", "serializationfailure"),
        "deadlock": ("deadlock",),
        "unique violation": ("duplicate key value", "uniqueviolation", "unique constraint"),
        '"could not"': ("could not",),
        "OperationalError": ("operationalerror",),
    },
)


def deployment_settings(parallelism: int) -> dict[str, str]:
    """The README's recommended scheduler settings, with room for several runs at a time."""
    return {
        "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
        "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": PRELOAD,
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
    }


def celery_settings(parallelism: int) -> dict[str, str]:
    """On top of the compose file's environment (which has the idle sleep of 0.1 s): the same room
    for runs as the LocalExecutor gets. The workers' slots stay the compose file's (2 each)."""
    return {
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
    }


# ---------------------------------------------------------------------------------------------
# The deployment and the backfill
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def deployment(executor: str, workdir: Path, dags: Path, parallelism: int) -> Iterator[AirflowStack]:
    """The started deployment, until the block ends; then every service (and server) is stopped.

    ``local``: api-server, scheduler (LocalExecutor), dag-processor on SQLite. ``celery``:
    docker-compose.yaml's services with PostgreSQL and Redis; these two servers still run after
    ``stack.stop()`` (the Airflow services), until the block ends.
    """
    if executor == "celery":
        with celery_deployment(workdir / "deployment", WORKERS, celery_settings(parallelism), dags) as celery:
            yield celery
        return
    stack = AirflowStack(workdir / "airflow_home", dags, bench_env(**deployment_settings(parallelism)))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@dataclass
class BackfillRun:
    """What the Airflow side saw: every run's timing, the memory, how long things took."""

    runs: dict[str, RunTiming]  # run id -> timing
    memory: PhaseMemory
    startup_s: float  # services started -> DAG parsed
    create_s: float  # dags pause + backfill create + dags unpause
    cli_lock_retries: int  # CLI commands repeated after SQLite's "database is locked"
    leftover_processes: list[str]  # deployment processes still alive after stop()

    @property
    def wall_s(self) -> float:
        """First run queued -> last run finished (Airflow DB)."""
        queued = [r.queued_at for r in self.runs.values() if r.queued_at is not None]
        ends = [r.end for r in self.runs.values() if r.end is not None]
        return max(ends) - min(queued) if queued and ends else float("nan")

    @property
    def active_s(self) -> float:
        """First run started -> last run finished."""
        starts = [r.start for r in self.runs.values() if r.start is not None]
        ends = [r.end for r in self.runs.values() if r.end is not None]
        return max(ends) - min(starts) if starts and ends else float("nan")


def prepare(
    workdir: Path, rows: int, max_active_runs: int, metadata_conn_id: str | None = None
) -> tuple[Path, Path, Path]:
    """The input folder, the DAGs folder (DAG file + its JSON settings) and the pipeline root.

    Without ``metadata_conn_id`` the DAG uses the provider's default store: ``mlmd_default`` if
    the deployment has it (the LocalExecutor's has not), else the SQLite file under the root.
    """
    data = workdir / "data"
    data.mkdir(parents=True)
    with SOURCE_CSV.open() as source:
        lines = [line for _, line in zip(range(rows + 1), source, strict=False)]  # header + rows
    (data / "data.csv").write_text("".join(lines))
    dags = workdir / "dags"
    dags.mkdir()
    shutil.copyfile(DAG_TEMPLATE, dags / f"{DAG_ID}.py")
    pipeline_root = workdir / "pipeline"
    config = {
        "dag_id": DAG_ID,
        "input_base": str(data),
        "pipeline_root": str(pipeline_root),
        "max_active_runs": max_active_runs,
    }
    if metadata_conn_id is not None:
        config["metadata_conn_id"] = metadata_conn_id
    (dags / f"{DAG_ID}.json").write_text(json.dumps(config, indent=2))
    return data, dags, pipeline_root


def _run_states(stack: AirflowStack) -> dict[str, str]:
    return {
        str(r): str(s)
        for r, s in stack._query("SELECT run_id, state FROM dag_run WHERE dag_id = ?", (DAG_ID,))
    }


def _deployment_pids(stack: AirflowStack) -> dict[int, str]:
    found: dict[int, str] = {}
    for proc in stack.processes.values():
        try:
            root = psutil.Process(proc.pid)
            for p in [root, *root.children(recursive=True)]:
                found[p.pid] = " ".join(p.cmdline())[:100]
        except psutil.Error:
            continue
    return found


def airflow_retrying(stack: AirflowStack, *args: str, attempts: int = 5) -> int:
    """Run an ``airflow`` CLI command, again when it failed on SQLite's "database is locked".

    Returns how many attempts failed that way. Only for commands that are safe to repeat:
    ``dags pause/unpause``, and ``backfill create``, which deletes its partial backfill when it
    hits a lock error ("clean up the orphan so the user can retry", ``airflow.models.backfill``).
    """
    for attempt in range(attempts):
        try:
            stack.airflow(*args)
            return attempt
        except RuntimeError as err:
            if LOCKED not in str(err).lower() or attempt == attempts - 1:
                raise
            print(f"  `airflow {' '.join(args[:2])}` hit {LOCKED!r}; retrying", flush=True)
            time.sleep(2)
    raise AssertionError("unreachable")


def _scheduler_running(stack: AirflowStack) -> bool:
    """The scheduler's loop has started (after its forkserver preload): its job row is running."""
    return bool(stack._query("SELECT 1 FROM job WHERE job_type = 'SchedulerJob' AND state = 'running'"))


def run_backfill(
    stack: AirflowStack, days: int, max_active_runs: int, timeout: float, started: float
) -> BackfillRun:
    """The backfill on a started deployment (``started``: when it began to start); stops its
    Airflow services at the end, and reports which of their processes outlived that."""
    seen: dict[int, str] = {}
    try:
        stack.wait_for_dag(DAG_ID)
        stack._wait(lambda: _scheduler_running(stack), 300, "the scheduler's loop to start")
        startup = time.time() - started
        print(f"deployment up, DAG parsed, scheduler running in {startup:.1f} s", flush=True)
        sampler = StackMemorySampler([p.pid for p in stack.processes.values()])
        sampler.start()
        sampler.set_phase("backfill")
        to_date = FROM_DATE + dt.timedelta(days=days - 1)
        # The runs are created with the DAG paused, so the scheduler starts none of them before
        # the CLI has committed them all. Without this, Airflow 3.3.2 on SQLite raced here: the
        # CLI failed with "database is locked" at the 9th run, deleted its partial backfill, and
        # the scheduler, which had started the first run meanwhile, died on a StaleDataError.
        create_started = time.time()
        lock_retries = airflow_retrying(stack, "dags", "pause", DAG_ID)
        lock_retries += airflow_retrying(
            stack, "backfill", "create", "--dag-id", DAG_ID, "--from-date", FROM_DATE.isoformat(),
            "--to-date", to_date.isoformat(), "--max-active-runs", str(max_active_runs),
        )  # fmt: skip
        lock_retries += airflow_retrying(stack, "dags", "unpause", DAG_ID)
        create_s = time.time() - create_started
        print(f"backfill of {days} days created in {create_s:.1f} s", flush=True)
        last_report = [0.0]

        def finished() -> bool:
            seen.update(_deployment_pids(stack))
            states = _run_states(stack)
            if time.monotonic() - last_report[0] >= 30:
                last_report[0] = time.monotonic()
                counts = ", ".join(f"{s} {n}" for s, n in sorted(Counter(states.values()).items()))
                print(f"  [{time.time() - create_started:5.0f} s] {len(states)} runs: {counts}", flush=True)
            return len(states) >= days and all(s in FINISHED_RUN_STATES for s in states.values())

        stack._wait(finished, timeout, f"the {days} backfill runs of {DAG_ID} to finish")
        sampler.stop()
        runs = {}
        for run_id in sorted(_run_states(stack)):
            timing = stack.run_timing(DAG_ID, run_id)
            assert timing is not None
            runs[run_id] = timing
    finally:
        seen.update(_deployment_pids(stack))
        stack.stop()
    time.sleep(1)
    leftovers = []
    for pid, title in seen.items():
        try:
            proc = psutil.Process(pid)
            same = " ".join(proc.cmdline())[:100] == title  # not a recycled pid
            if same and proc.status() != psutil.STATUS_ZOMBIE:
                leftovers.append(f"{pid} {title}")
        except psutil.Error:
            continue
    return BackfillRun(runs, sampler.phases["backfill"], startup, create_s, lock_retries, leftovers)


# ---------------------------------------------------------------------------------------------
# What MLMD and the logs say
# ---------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """One ExampleValidator execution: which spans it compared."""

    run_id: str
    state: str
    span: int | None
    previous_span: int | None
    expected_span: int | None  # from the run id's logical date
    note: str = ""
    lead_s: float | None = None  # span - 1's statistics LIVE -> this run's Resolver recorded its choice
    newest_rule_span: int | None = None  # what the newest LIVE statistics with a lower span were then

    @property
    def correct(self) -> bool:
        return self.span is not None and self.previous_span == self.span - 1


@dataclass
class MlmdFacts:
    comparisons: list[Comparison] = field(default_factory=list)
    execution_states: dict[str, int] = field(default_factory=dict)
    running: list[str] = field(default_factory=list)  # "component_id run_id" of executions left RUNNING
    missing_folders: list[str] = field(default_factory=list)  # LIVE artifacts whose folder is gone


def _logical_date_span(run_id: str) -> int | None:
    """``backfill__2024-01-05T00:00:00+00:00`` -> days since 1970-01-01 of that date."""
    match = re.search(r"(\d{4}-\d{2}-\d{2})T", run_id)
    return (dt.date.fromisoformat(match.group(1)) - EPOCH).days if match else None


def _event_keys(event: Any) -> list[str]:
    """The input keys an event's path names (one artifact may be used under several keys)."""
    return [step.key for step in event.path.steps if step.HasField("key")]


def _span(artifact: Any) -> int | None:
    for props in (artifact.properties, artifact.custom_properties):
        if "span" in props:
            return int(props["span"].int_value)
    return None


def mlmd_store(stack: AirflowStack, pipeline_root: Path) -> Any:
    """The ``MetadataConfig`` of the store the DAG wrote to: the PostgreSQL database of the
    connection ``mlmd_default`` on the Celery deployment, else the SQLite file under the root."""
    from airflow_tfx_provider.metadata.config import MetadataConfig

    if isinstance(stack, CeleryStack):
        return stack.mlmd_config(MLMD_CONN_ID)
    return MetadataConfig.sqlite_under(str(pipeline_root))


def verify_mlmd(config: Any) -> MlmdFacts:
    """What the MLMD store of ``config`` (a ``MetadataConfig``) says about the backfill."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    from airflow_tfx_provider.metadata.store import MetadataGateway

    store = MetadataGateway.connect(config).raw
    executions = store.get_executions()
    artifacts = {a.id: a for a in store.get_artifacts()}
    events = store.get_events_by_execution_ids([e.id for e in executions]) if executions else []
    by_execution: dict[int, list[Any]] = {}
    for event in events:
        by_execution.setdefault(event.execution_id, []).append(event)

    def prop(execution: Any, name: str) -> str:
        return (
            str(execution.custom_properties[name].string_value) if name in execution.custom_properties else ""
        )

    def state(execution: Any) -> str:
        return str(pb.Execution.State.Name(execution.last_known_state))

    facts = MlmdFacts()
    facts.execution_states = dict(Counter(f"{prop(e, 'component_id')} {state(e)}" for e in executions))
    facts.running = [
        f"{prop(e, 'component_id')} {prop(e, 'run_id')}"
        for e in executions
        if e.last_known_state == pb.Execution.RUNNING
    ]
    facts.missing_folders = [
        f"#{a.id} {a.uri}"
        for a in artifacts.values()
        if a.state == pb.Artifact.LIVE and not os.path.exists(a.uri)
    ]

    # each span's statistics: (span, artifact created, became LIVE = its StatisticsGen execution completed)
    produced: list[tuple[int, float, float]] = []
    resolved_at: dict[str, float] = {}  # run id -> when its Resolver recorded its choice
    for e in executions:
        component = prop(e, "component_id")
        if component == "statistics_gen" and e.last_known_state == pb.Execution.COMPLETE:
            for ev in by_execution.get(e.id, []):
                artifact = artifacts.get(ev.artifact_id)
                span = _span(artifact) if artifact is not None else None
                if ev.type == pb.Event.OUTPUT and artifact is not None and span is not None:
                    created = artifact.create_time_since_epoch / 1000
                    produced.append((span, created, e.last_update_time_since_epoch / 1000))
        elif component == "previous_statistics":
            resolved_at[prop(e, "run_id")] = e.create_time_since_epoch / 1000
    live_at = {span: live for span, _, live in sorted(produced, reverse=True)}  # earliest per span

    for e in sorted(executions, key=lambda e: e.id):
        if prop(e, "component_id") != "example_validator":
            continue
        spans: dict[str, int | None] = {"statistics": None, "previous_statistics": None}
        for ev in by_execution.get(e.id, []):
            if ev.type != pb.Event.INPUT or ev.artifact_id not in artifacts:
                continue
            for key in _event_keys(ev):
                if key in spans:
                    spans[key] = _span(artifacts[ev.artifact_id])
        run_id = prop(e, "run_id")
        comparison = Comparison(
            run_id, state(e), spans["statistics"], spans["previous_statistics"], _logical_date_span(run_id)
        )
        span, resolved = comparison.span, resolved_at.get(run_id)
        if span is not None and resolved is not None:
            if span - 1 in live_at:
                comparison.lead_s = resolved - live_at[span - 1]
            # what "the newest LIVE artifact with a lower span" (the rule before the fix) had then
            earlier = [(created, s) for s, created, live in produced if s < span and live <= resolved]
            comparison.newest_rule_span = max(earlier)[1] if earlier else None
        if span is not None and not comparison.correct and comparison.expected_span != _first_span():
            if comparison.lead_s is None:
                comparison.note = f"span {span - 1} never got statistics"
            else:
                when = "before" if comparison.lead_s > 0 else "after"
                comparison.note = (
                    f"span {span - 1}'s statistics became LIVE {abs(comparison.lead_s):.1f} s {when} the "
                    "resolver recorded its choice"
                )
        facts.comparisons.append(comparison)
    return facts


def _first_span() -> int:
    return (FROM_DATE - EPOCH).days


@dataclass
class LogFacts:
    task_logs: int = 0
    error_lines: int = 0  # lines of the task logs with an error of ``LogErrors``, retried notices excluded
    by_kind: dict[str, int] = field(default_factory=dict)
    retry_notices: int = 0  # the MLMD gateway's "MLMD store busy (...); retry" lines
    error_files: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # the first few distinct error lines
    service_error_lines: dict[str, int] = field(default_factory=dict)  # service (or worker) -> lines


def _note_example(examples: list[str], where: str, line: str, keep: int = 8) -> None:
    example = f"{where}: {line.strip()[:300]}"
    if len(examples) < keep and example not in examples:
        examples.append(example)


def _retried_echo(lines: Sequence[str], index: int) -> bool:
    """MLMD's own C++ log line of an error (``... metadata_source.cc:128] Execution failed: ERROR: ...``)
    that the gateway then retried: its "MLMD store busy" notice follows within a few lines (after the
    error's DETAIL line). The notice counts the event; the echo is not another error."""
    return MLMD_ECHO in lines[index] and any(RETRY_NOTICE in line for line in lines[index + 1 : index + 4])


def grep_logs(stack: AirflowStack, errors: LogErrors) -> LogFacts:
    """Search the task logs (``<home>/logs/dag_id=...``, where LocalExecutor and Celery workers write
    them) and every service's output (``service_logs/``: the Celery workers' too) for ``errors``."""
    facts = LogFacts()
    by_kind: Counter[str] = Counter()
    logs = stack.home / "logs"
    for path in sorted(logs.rglob("*.log")) if logs.exists() else []:
        if "dag_id=" not in str(path):
            continue
        facts.task_logs += 1
        errors_here = 0
        lines = path.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            kinds = errors.kinds_of(line)
            if not kinds:
                continue
            if RETRY_NOTICE in line:
                facts.retry_notices += 1
                continue
            if _retried_echo(lines, index):
                continue
            errors_here += 1
            by_kind.update(kinds)
            _note_example(facts.examples, str(path.relative_to(logs)), line)
        facts.error_lines += errors_here
        if errors_here:
            facts.error_files.append(str(path.relative_to(logs)))
    for path in sorted(stack.log_dir.glob("*.log")):
        count = 0
        for line in path.read_text(errors="replace").splitlines():
            if errors.kinds_of(line) and RETRY_NOTICE not in line:
                count += 1
                _note_example(facts.examples, path.name, line)
        facts.service_error_lines[path.stem] = count
    facts.by_kind = {kind: by_kind[kind] for kind in errors.kinds}
    return facts


@dataclass
class CeleryFacts:
    """What only the Celery deployment has: several workers, and a PostgreSQL server log."""

    workers: dict[str, dict[str, int]]  # task id -> worker host name -> tasks (their last attempt)
    retried: list[str]  # tasks with try_number > 1: "<run> <task>: try 1 worker-a failed, try 2 ..."
    server_errors: dict[str, dict[str, int]]  # database -> kind -> ERROR/FATAL lines of the server log
    server_examples: list[str]
    sqlite_store: bool  # a metadata.sqlite under the pipeline root (MLMD should be on PostgreSQL only)


_SERVER_LOG_ERROR = re.compile(r"\] (?:\S*@(\S*) )?(ERROR|FATAL|PANIC):\s+(.*)")


def server_log_size(server: Server) -> int:
    return server.log.stat().st_size if server.log and server.log.exists() else 0


def server_log_errors(server: Server, offset: int = 0) -> tuple[dict[str, dict[str, int]], list[str]]:
    """ERROR/FATAL lines of the PostgreSQL server's log from ``offset`` (bytes) on, by database
    (``airflow``, ``mlmd``) and kind. The server's view: errors its clients retried are in it too."""
    found: dict[str, Counter[str]] = {}
    examples: list[str] = []
    text = ""
    if server.log and server.log.exists():
        with server.log.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    for line in text.splitlines():
        match = _SERVER_LOG_ERROR.search(line)
        if not match:
            continue
        database, severity, message = match.group(1) or "-", match.group(2), match.group(3)
        kinds = POSTGRES_ERRORS.kinds_of(message) or [f"other {severity}"]
        found.setdefault(database, Counter()).update(kinds[:1])
        _note_example(examples, database, f"{severity}: {message}")
    return {db: dict(kinds) for db, kinds in sorted(found.items())}, examples


def celery_facts(
    stack: CeleryStack, runs: Mapping[str, RunTiming], pipeline_root: Path, server_log_offset: int
) -> CeleryFacts:
    """From the Airflow DB and the PostgreSQL server (still running: call it inside ``deployment``);
    the server log from ``server_log_offset`` on (airflow-init's migration has expected errors)."""
    workers: dict[str, Counter[str]] = {task_id: Counter() for task_id in TASK_IDS}
    retried = []
    for run_id, run in sorted(runs.items()):
        for task_id, host in stack.hostnames(DAG_ID, run_id).items():
            workers.setdefault(task_id, Counter())[host or "-"] += 1
        for task in sorted(run.tasks.values(), key=lambda t: t.task_id):
            if task.try_number > 1:
                attempts = stack.attempts(DAG_ID, run_id, task.task_id)
                tries = ", ".join(f"try {n} {host} {state}" for n, (host, state) in sorted(attempts.items()))
                retried.append(f"{run_id} {task.task_id}: {tries}")
    server_errors, server_examples = server_log_errors(stack.postgres, server_log_offset)
    return CeleryFacts(
        {task_id: dict(hosts) for task_id, hosts in workers.items()},
        retried,
        server_errors,
        server_examples,
        (pipeline_root / "metadata.sqlite").exists(),
    )


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _largest_process(backfill: BackfillRun) -> str:
    title = backfill.memory.largest_process_title
    ti_id = title.removeprefix(TASK_TITLE_PREFIX).strip().replace("-", "")
    for run in backfill.runs.values():
        for task in run.tasks.values():
            if task.ti_id.replace("-", "") == ti_id:  # SQLite stores the UUID without dashes, PostgreSQL with
                return f"task `{task.task_id}` of `{run.run_id}`"
    if "multiprocessing.forkserver" in title:
        return "the scheduler's forkserver, which holds the preloaded libraries every task shares"
    return f"`{title[:60]}`"


def finished_before_previous_day(runs: Mapping[str, RunTiming]) -> int:
    """Runs that finished before the run of the day before them: how out of order the backfill went."""
    ordered = sorted(runs.values(), key=lambda r: r.run_id)  # backfill__<ISO date>: by day
    return sum(
        1
        for earlier, later in itertools.pairwise(ordered)
        if earlier.end is not None and later.end is not None and later.end < earlier.end
    )


def most_tasks_at_once(runs: Mapping[str, RunTiming]) -> int:
    """The most task instances running at the same moment (Airflow DB start/end times)."""
    edges = sorted(
        (time_, step)
        for run in runs.values()
        for task in run.tasks.values()
        if task.start is not None and task.end is not None
        for time_, step in ((task.start, 1), (task.end, -1))
    )
    return max(itertools.accumulate(step for _, step in edges), default=0)


def summarize(
    backfill: BackfillRun, mlmd: MlmdFacts, logs: LogFacts, days: int, celery: CeleryFacts | None = None
) -> dict[str, Any]:
    durations = [r.duration_s for r in backfill.runs.values() if r.duration_s is not None]
    latest = {c.run_id: c for c in mlmd.comparisons}  # the last validator execution of each run
    first = _first_span()
    later = [c for c in latest.values() if c.expected_span != first]
    first_day = [c for c in latest.values() if c.expected_span == first]
    task_peaks = [p.rss_mb for p in backfill.memory.tasks.values()]
    leads = [c.lead_s for c in later if c.lead_s is not None]
    tasks = [(r.run_id, t) for r in backfill.runs.values() for t in r.tasks.values()]
    summary = {
        "days": days,
        "runs": len(backfill.runs),
        "run_states": dict(Counter(r.state for r in backfill.runs.values())),
        "task_states": dict(Counter(t.state for _, t in tasks)),
        "failed_tasks": sorted(
            f"{run_id} {t.task_id} {t.state}" for run_id, t in tasks if t.state in FAILED_TASK_STATES
        ),
        "retried_tasks": sum(t.try_number > 1 for _, t in tasks),
        "most_tasks_at_once": most_tasks_at_once(backfill.runs),
        "validator_executions": len(mlmd.comparisons),
        "previous_span_ok": sum(c.correct for c in later),
        "previous_span_expected": days - 1,
        "first_day_without_previous": all(c.previous_span is None for c in first_day) and bool(first_day),
        "span_matches_logical_date": sum(c.span == c.expected_span for c in latest.values()),
        "wrong": [asdict(c) for c in later if not c.correct],
        "finished_before_previous_day": finished_before_previous_day(backfill.runs),
        "smallest_lead_s": round(min(leads), 1) if leads else None,
        "newest_rule_wrong": sorted(
            c.run_id for c in later if c.span is not None and c.newest_rule_span != c.span - 1
        ),
        "wall_s": round(backfill.wall_s, 1),
        "first_start_to_last_end_s": round(backfill.active_s, 1),
        "run_s_median": round(statistics.median(durations), 1) if durations else None,
        "run_s_max": round(max(durations), 1) if durations else None,
        "largest_process_rss_mb": round(backfill.memory.largest_process_rss_mb),
        "largest_process": _largest_process(backfill),
        "largest_task_rss_mb": round(max(task_peaks)) if task_peaks else None,
        "total_pss_mb": round(backfill.memory.total.pss_mb),
        "total_rss_mb": round(backfill.memory.total.rss_mb),
        "log_errors_task_logs": logs.error_lines,
        "log_errors_by_kind": logs.by_kind,
        "retry_notices": logs.retry_notices,
        "log_error_files": logs.error_files[:10],
        "log_errors_service_logs": logs.service_error_lines,
        "log_error_examples": logs.examples,
        "task_logs": logs.task_logs,
        "running_executions": len(mlmd.running),
        "live_artifacts_missing_folder": len(mlmd.missing_folders),
        "execution_states": mlmd.execution_states,
        "leftover_processes": len(backfill.leftover_processes),
        "startup_s": round(backfill.startup_s, 1),
        "backfill_create_s": round(backfill.create_s, 1),
        "cli_lock_retries": backfill.cli_lock_retries,
    }
    if celery is not None:
        per_worker: Counter[str] = Counter()
        for hosts in celery.workers.values():
            per_worker.update(hosts)
        summary |= {
            "tasks_per_worker": dict(sorted(per_worker.items())),
            "workers_per_task": celery.workers,
            "retries": celery.retried,
            "server_log_errors": celery.server_errors,
            "server_log_examples": celery.server_examples,
            "mlmd_sqlite_file": celery.sqlite_store,
        }
    return summary


def failures(summary: Mapping[str, Any]) -> bool:
    """Anything the goals call a failure: a wrong comparison, an MLMD error, a failed run or task,
    a retry, an execution left RUNNING or a LIVE artifact without its folder."""
    return bool(
        summary["wrong"]
        or summary["log_errors_task_logs"]
        or summary["run_states"].get("failed")
        or summary["failed_tasks"]
        or summary["retried_tasks"]
        or summary["running_executions"]
        or summary["live_artifacts_missing_folder"]
        or summary.get("mlmd_sqlite_file")
    )


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def _deployment_lines(args: argparse.Namespace, s: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Lines of the report that depend on the executor: what ran the backfill; the errors in its logs."""
    dag = (
        "- DAG: `bench/dags/backfill_validation_pipeline.py` (ExampleGen, StatisticsGen, SchemaGen, "
        f"`previous_span` Resolver, ExampleValidator with drift), {args.rows} rows; `airflow backfill "
        f"create` of {args.days} days from {FROM_DATE}, `--max-active-runs {args.max_active_runs}`; "
    )
    service_errors = _counts(s["log_errors_service_logs"])
    if args.executor == "local":
        setup = [
            f"{dag}api-server + scheduler (LocalExecutor, forkserver + preload, idle sleep 0.1 s, "
            f"parallelism {args.parallelism}) + dag-processor, SQLite Airflow DB and MLMD",
            "- the runs are created with the DAG paused, then it is unpaused: creating them under a running "
            'scheduler raced on SQLite in a first attempt (the CLI got "database is locked" at the 9th run, '
            "Airflow deleted the partial backfill, and the scheduler, which had started the first run, died "
            "on a StaleDataError); CLI commands retried after a lock error this time: "
            f"{s['cli_lock_retries']}",
        ]
        errors = [
            f'- "database is locked" in task logs: {s["log_errors_task_logs"]} (goal 0; plus '
            f'{s["retry_notices"]} retried MLMD "store busy" notices) in {s["task_logs"]} logs; service '
            f"logs: {service_errors}",
        ]
        return setup, errors
    server = "; ".join(f"`{db}`: {_counts(found)}" for db, found in s["server_log_errors"].items())
    examples = "; ".join(f"`{e[:160]}`" for e in [*s["log_error_examples"], *s["server_log_examples"]][:6])
    setup = [
        f"{dag}docker-compose.yaml's deployment started natively (`tests/harness/celery_stack.py`): "
        f"api-server, scheduler (CeleryExecutor, idle sleep 0.1 s, parallelism {args.parallelism}), "
        f"dag-processor, triggerer, {len(WORKERS)} Celery workers ({', '.join(WORKERS)}; the compose file's "
        "2 slots each, and its Celery settings: each worker preloads TensorFlow & co. before it forks "
        "its pool, `airflow_tfx_provider.celery_preload`), Redis broker, PostgreSQL 15 for the "
        f"Airflow DB and MLMD (database `mlmd` of the connection `{MLMD_CONN_ID}`, which the DAG names)",
        "- the runs are created with the DAG paused (the compose file pauses new DAGs), then it is "
        f"unpaused; an MLMD SQLite file under the pipeline root: {s['mlmd_sqlite_file']} (goal False)",
        f"- tasks per worker (host name of the last attempt): {_counts(s['tasks_per_worker'])}; most tasks "
        f"running at once: {s['most_tasks_at_once']}; **task retries (try_number > 1): {s['retried_tasks']}, "
        f"failed tasks: {len(s['failed_tasks'])}** (goal 0 each)"
        + (f"; retried: {'; '.join(s['retries'][:10])}" if s["retries"] else "")
        + (f"; failed: {', '.join(s['failed_tasks'][:10])}" if s["failed_tasks"] else ""),
    ]
    errors = [
        f"- **MLMD / PostgreSQL errors in task logs: {s['log_errors_task_logs']}** (goal 0; "
        f"{_counts(s['log_errors_by_kind'])}) in {s['task_logs']} logs, plus {s['retry_notices']} retried "
        f'MLMD "store busy" notices; service logs (the Celery workers\' included): {service_errors}; '
        "PostgreSQL server log after the deployment's start (errors clients retried included), ERROR/FATAL "
        f"lines by database: {server or 'none'}" + (f"; first lines: {examples}" if examples else ""),
    ]
    return setup, errors


def report(
    args: argparse.Namespace,
    summary: Mapping[str, Any],
    backfill: BackfillRun,
    machine: Mapping[str, str],
    started: str,
) -> str:
    s = summary
    celery = args.executor == "celery"
    per_task = []
    for task_id in TASK_IDS:
        values = [r.tasks[task_id].duration_s for r in backfill.runs.values() if task_id in r.tasks]
        waits = [r.tasks[task_id].queue_wait_s for r in backfill.runs.values() if task_id in r.tasks]
        row = [f"`{task_id}`", Summary.of(values).fmt(1), Summary.of(waits).fmt(1)]
        if celery:
            hosts = s["workers_per_task"].get(task_id, {})
            row.append(" / ".join(str(hosts.get(w, 0)) for w in WORKERS))
        per_task.append(row)
    wrong = "; ".join(
        f"`{w['run_id']}`: span {w['span']} vs {w['previous_span']}"
        + (f" ({w['note']})" if w["note"] else "")
        for w in s["wrong"]
    )
    states = ", ".join(f"{k} {v}" for k, v in sorted(s["run_states"].items()))
    task_states = ", ".join(f"{k} {v}" for k, v in sorted(s["task_states"].items()))
    setup, log_errors = _deployment_lines(args, s)
    title = "Parallel backfill of the data-validation DAG (previous_span under concurrency)"
    if celery:
        title = "Parallel backfill of the data-validation DAG on Celery workers, PostgreSQL MLMD"
    memory_scope = " (Airflow services and workers with their tasks; PostgreSQL and Redis not counted)"
    lines = [
        section_header(title, invoked_command("bench.backfill_validation", args.argv), machine, started),
        f"- versions: {package_versions(['apache-airflow', 'tensorflow-data-validation', 'ml-metadata'])}",
        *setup,
        f"- runs: {s['runs']} ({states}); tasks: {task_states}; runs that finished before the previous "
        f"day's run: {s['finished_before_previous_day']}",
        "- **ExampleValidator compared with span - 1: "
        f"{s['previous_span_ok']}/{s['previous_span_expected']}** "
        f"(goal all); first day without previous statistics: {s['first_day_without_previous']}; statistics "
        f"span = run's day in {s['span_matches_logical_date']}/{s['runs']} runs"
        + (f"; wrong: {wrong}" if wrong else ""),
        f"- closest call: span - 1's statistics were LIVE {s['smallest_lead_s']} s before the Resolver "
        "recorded its choice; the rule before the fix (newest LIVE artifact with a lower span) would have "
        f"picked another span in {len(s['newest_rule_wrong'])}/{s['previous_span_expected']} runs, "
        "from the same MLMD timestamps",
        f"- backfill wall time (first run queued -> last run finished): {s['wall_s']:.0f} s "
        f"(first start -> last end {s['first_start_to_last_end_s']:.0f} s); run duration median "
        f"{s['run_s_median']} s, max {s['run_s_max']} s"
        + (
            f"; deployment start -> DAG parsed and scheduler running: {s['startup_s']:.0f} s"
            if celery
            else ""
        ),
        f"- peak memory{memory_scope if celery else ''}: largest process "
        f"{s['largest_process_rss_mb']} MB RSS ({s['largest_process']}); largest task "
        f"{s['largest_task_rss_mb']} MB RSS; whole deployment {s['total_pss_mb']} MB PSS "
        f"({s['total_rss_mb']} MB summed RSS)",
        *log_errors,
        f"- MLMD executions left RUNNING: {s['running_executions']}; LIVE artifacts without their folder: "
        f"{s['live_artifacts_missing_folder']}; deployment processes left after stop: "
        f"{s['leftover_processes']}",
        "",
        markdown_table(
            ["task", "task s median (min-max)", "queue wait s", *([" / ".join(WORKERS)] if celery else [])],
            per_task,
        ),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: LocalExecutor on SQLite; celery: docker-compose.yaml's deployment (2 Celery workers, "
        "PostgreSQL Airflow DB and MLMD, Redis), started natively",
    )
    parser.add_argument("--days", type=int, default=30, help="days to backfill from 2024-01-01")
    parser.add_argument("--max-active-runs", type=int, default=8)
    parser.add_argument("--parallelism", type=int, default=16, help="[core] parallelism and max_active_tasks")
    parser.add_argument("--rows", type=int, default=400, help="rows of the taxi CSV each day reads")
    parser.add_argument("--timeout", type=float, default=5400, help="seconds to wait for the backfill")
    parser.add_argument("--keep", action="store_true", help="keep the deployment's directory and logs")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else None
    if args.days < 2:
        raise SystemExit("--days must be at least 2")
    celery = args.executor == "celery"

    machine, started = machine_info(), now_utc()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"backfill-validation-{args.executor}-", dir=OUT_DIR))
    print(f"working in {workdir}", flush=True)
    keep = args.keep
    try:
        _, dags, pipeline_root = prepare(
            workdir, args.rows, args.max_active_runs, MLMD_CONN_ID if celery else None
        )
        deployment_started = time.time()
        try:
            with deployment(args.executor, workdir, dags, args.parallelism) as stack:
                server_log_start = server_log_size(stack.postgres) if isinstance(stack, CeleryStack) else 0
                backfill = run_backfill(
                    stack, args.days, args.max_active_runs, args.timeout, deployment_started
                )
                # the Airflow services are stopped; the Celery deployment's database servers still run
                mlmd = verify_mlmd(mlmd_store(stack, pipeline_root))
                logs = grep_logs(stack, POSTGRES_ERRORS if celery else SQLITE_ERRORS)
                extra = None
                if isinstance(stack, CeleryStack):
                    extra = celery_facts(stack, backfill.runs, pipeline_root, server_log_start)
        except BaseException:
            keep = True  # the logs are the evidence
            raise
        summary = summarize(backfill, mlmd, logs, args.days, extra)
        if failures(summary):
            keep = True
        body = report(args, summary, backfill, machine, started)
    finally:
        if keep:
            print(f"kept {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(body)
    if not args.no_results:
        update_results("backfill_validation_celery" if celery else "backfill_validation", body)
    print(JSON_MARKER + json.dumps(summary, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
