"""The taxi pipeline under a real Airflow scheduler (LocalExecutor), cold and cached.

For each variant (a set of Airflow settings), in a fresh directory:

1. copy ``dags/`` (the taxi DAG, its module files and data) and add ``warmup_noop``, a
   one-task no-op DAG; start ``airflow api-server``, ``airflow scheduler`` and
   ``airflow dag-processor`` on loopback (``bench/airflow_stack.py``; SQLite Airflow DB,
   SQLite MLMD, local files, Beam in-process);
2. **warm-up**: trigger ``warmup_noop`` once. A deployment's first task pays one-off costs
   (the execution API's first requests, the forkserver's imports); a scheduled retraining
   DAG runs on a deployment that is already up, so they are reported separately;
3. **cold**: trigger ``taxi_pipeline`` for 2024-01-01; every component executes;
4. **cached**: clear that run (the UI's "Clear"), so every task runs again over the same
   data; every component must reuse its outputs and the Pusher must not push again.

Measured: run duration (first task start -> last task end, from the Airflow DB), each
task's duration and queue wait, the provider's own time per task (the operator's
``executed in`` line), peak memory per task and of the whole deployment (RSS and PSS,
``bench/stack_memory.py``), the evaluation's overall binary accuracy (from MLMD) and the
number of pushed versions.

Reference (issue 4): TFX 1.21's LocalDagRunner, same taxi pipeline (1000 train / 150 eval
steps) on a machine of this kind: 79-96 s cold, 21 s cached (pushes the same model again),
1.1 GB in its largest process, binary accuracy 0.78. Goals: cold <= 0.8 x TFX, cached
<= 10 s, no duplicate push, binary accuracy >= 0.78.

``--pipelines project,tfx_example`` also runs **TFX 1.21's own taxi example**
(``taxi_pipeline_native_keras.py`` + ``taxi_utils_native_keras.py`` from the tfx wheel, migrated
by ``airflow tfx migrate``, ``tests/harness/tfx_examples.py``) through a TFX user's Airflow DAG
file (``tests/dags/tfx_example_pipeline.py`` with its JSON settings), the same way, in its own
fresh deployment whose processes all see ``HOME`` = the extracted home (the example reads
``$HOME/taxi`` when it is parsed). The pipelines alternate within each repetition (project,
tfx_example, project, ...), and are compared as same-run ratios per repetition; that report
goes to its own section of RESULTS.md (``scheduler_tfx_example``), and the project-only
section (``scheduler_pipeline``) is written only when ``project`` runs alone.

    python -m bench.scheduler_pipeline --variants fork,preload --reps 1
    python -m bench.scheduler_pipeline --variants preload --pipelines project,tfx_example --reps 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    OUT_DIR,
    REPO,
    Summary,
    bench_env,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    package_versions,
    paired_ratios,
    section_header,
    update_results,
)
from bench.stack_memory import TASK_TITLE_PREFIX, PhaseMemory, StackMemorySampler
from tests.harness.airflow_stack import PRELOAD, AirflowStack, RunTiming
from tests.harness.celery_stack import CeleryStack, celery_deployment
from tests.harness.dag_runs import install_dag
from tests.harness.tfx_examples import TAXI, TAXI_FILES, migrated_taxi_example

DAG_ID = "taxi_pipeline"
TFX_EXAMPLE_DAG_ID = "tfx_taxi_example"
PIPELINES = {
    "project": "the project's `dags/taxi_pipeline.py`",
    "tfx_example": "TFX 1.21's taxi example, migrated, through `tests/dags/tfx_example_pipeline.py`",
}
# the TFX example's task -> the project's task doing the same (same ids otherwise)
TASK_PAIRS = {"latest_blessed_model_resolver": "latest_blessed_model"}
WARMUP_DAG_ID = "warmup_noop"
LOGICAL_DATE = "2024-01-01T00:00:00+00:00"
TFX_COLD_S = (79.0, 96.0)
TFX_CACHED_S = 21.0
TFX_PEAK_GB = 1.1
TFX_ACCURACY = 0.78
FAST_LOOP = {"AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1"}

# name -> (settings, what it is)
VARIANTS: dict[str, tuple[dict[str, str], str]] = {
    "default": ({}, "Airflow defaults: `fork` start method (Python 3.11 on Linux), scheduler idle sleep 1 s"),
    "fork": (dict(FAST_LOOP), "`fork`, `[scheduler] scheduler_idle_sleep_time = 0.1`"),
    "fork-nopyc": (
        {**FAST_LOOP, "PYTHONPYCACHEPREFIX": "/nonexistent-pycache", "PYTHONDONTWRITEBYTECODE": "1"},
        "as `fork`, but without `.pyc` files (what an install without `--compile-bytecode` gives "
        "where `PYTHONDONTWRITEBYTECODE` is set): every process compiles the sources it imports",
    ),
    "forkserver": (
        {**FAST_LOOP, "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver"},
        "`[scheduler] mp_start_method = forkserver`, no preload, idle sleep 0.1",
    ),
    "preload": (
        {
            **FAST_LOOP,
            "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
            "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": PRELOAD,
        },
        f"`forkserver` + `[scheduler] mp_forkserver_preload = {PRELOAD}`, idle sleep 0.1",
    ),
    "preload-serial": (
        {
            **FAST_LOOP,
            "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
            "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": PRELOAD,
            "AIRFLOW__CORE__PARALLELISM": "1",
        },
        "as `preload`, but `[core] parallelism = 1`: no parallel branches",
    ),
}

#: Variants run on docker-compose.yaml's deployment started natively (``tests/harness/celery_stack.py``):
#: CeleryExecutor with two workers of 2 slots each, PostgreSQL for Airflow's DB and MLMD, Redis.
CELERY_PRELOAD_CONFIG = "airflow_tfx_provider.celery_preload.CELERY_CONFIG"
CELERY_DEFAULT_CONFIG = "airflow.providers.celery.executors.default_celery.DEFAULT_CELERY_CONFIG"
CELERY_VARIANTS: dict[str, tuple[dict[str, str], str]] = {
    "celery": (
        {"AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": CELERY_DEFAULT_CONFIG},
        "docker-compose.yaml's deployment started natively: CeleryExecutor, 2 workers x 2 slots, "
        "PostgreSQL Airflow DB and MLMD, Redis, idle sleep 0.1; Airflow's default Celery settings "
        "(no preload)",
    ),
    "celery-preload": (
        {"AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": CELERY_PRELOAD_CONFIG},
        f"as `celery`, with `[celery] celery_config_options = {CELERY_PRELOAD_CONFIG}`: each worker "
        "imports `airflow_tfx_provider.preload` before it forks its pool",
    ),
}
VARIANTS.update(CELERY_VARIANTS)

WARMUP_DAG = """
import datetime as dt

from airflow.sdk import DAG, BaseOperator


class NoOp(BaseOperator):
    def execute(self, context: object) -> None:
        return None


with DAG("warmup_noop", schedule=None, start_date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)):
    NoOp(task_id="noop")
"""
_PROVIDER_RE = re.compile(r"(\w+) (executed|reused cached outputs) in ([\d.]+)s \(MLMD execution")


@dataclass
class PhaseResult:
    run: RunTiming
    memory: PhaseMemory
    wall_s: float  # trigger (or clear) command returned -> run finished, by the bench's clock
    provider_s: dict[str, float] = field(default_factory=dict)  # task -> launcher seconds

    @property
    def span_s(self) -> float:
        """First task start -> last task end."""
        starts = [t.start for t in self.run.tasks.values() if t.start is not None]
        ends = [t.end for t in self.run.tasks.values() if t.end is not None]
        return max(ends) - min(starts) if starts and ends else float("nan")


@dataclass
class VariantResult:
    pipeline: str
    name: str
    startup_s: float
    warmup_s: float
    cold: PhaseResult
    cached: PhaseResult
    accuracy: float | None
    pushed_versions: int
    cached_states: dict[str, str]


def provider_times(stack: AirflowStack, dag_id: str, run: RunTiming) -> dict[str, float]:
    times = {}
    for task in run.tasks.values():
        log = stack.task_log(dag_id, run.run_id, task.task_id, task.try_number)
        if match := _PROVIDER_RE.search(log):
            times[task.task_id] = float(match.group(3))
    return times


def _phase(
    stack: AirflowStack, sampler: StackMemorySampler, dag_id: str, name: str, rerun: bool
) -> PhaseResult:
    sampler.set_phase(name)
    started = time.time()
    if rerun:
        run = stack.rerun_dag(dag_id, "cold", LOGICAL_DATE)
    else:
        run = stack.run_dag(dag_id, "cold", LOGICAL_DATE)
    wall = time.time() - started
    sampler.set_phase("")
    if run.state != "success":
        failed = sorted(t.task_id for t in run.tasks.values() if t.state != "success")
        raise SystemExit(f"{name} run ended {run.state}; tasks not successful: {failed}; home {stack.home}")
    return PhaseResult(run, sampler.phases[name], wall, provider_times(stack, dag_id, run))


def mlmd_facts(config: Any, pipeline_name: str, run_id: str = "cold") -> tuple[float | None, dict[str, str]]:
    """The overall binary accuracy of the newest evaluation, and the run's execution states (the
    cached run's here: it reuses the cold run's id), none when the run recorded nothing."""
    from airflow_tfx_provider.metadata.report import run_outcomes
    from airflow_tfx_provider.metadata.store import MetadataGateway

    gateway = MetadataGateway.connect(config)
    evaluations = gateway.raw.get_artifacts_by_type("ModelEvaluation")
    accuracy = None
    if evaluations:
        newest = max(evaluations, key=lambda a: a.id)
        prop = newest.custom_properties.get("metric/Overall/binary_accuracy")
        accuracy = prop.double_value if prop is not None else None
    try:
        _, outcomes = run_outcomes(gateway, pipeline_name, run_id)
    except LookupError:  # the run failed before its first component
        return accuracy, {}
    return accuracy, {o.component_id: o.state for o in outcomes}


@dataclass
class Deployment:
    """What one pipeline's deployment needs: its DAGs folder, environment and where its outputs land."""

    dag_id: str
    dags: Path
    env: dict[str, str]
    metadata_db: Path
    serving: Path


def _project_deployment(root: Path, extra_env: Mapping[str, str]) -> Deployment:
    from airflow_tfx_provider.metadata.config import MetadataConfig

    dags = root / "dags"
    shutil.copytree(REPO / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    pipelines = root / "pipelines"
    serving = root / "serving_model"
    env = bench_env(
        AIRFLOW_TFX_PIPELINE_ROOT_BASE=str(pipelines), TAXI_SERVING_MODEL_DIR=str(serving), **extra_env
    )
    metadata_db = Path(MetadataConfig.sqlite_under(str(pipelines / DAG_ID)).path)
    return Deployment(DAG_ID, dags, env, metadata_db, serving)


def _tfx_example_deployment(root: Path) -> Deployment:
    """TFX's taxi example extracted under ``root/home``, migrated, installed as a DAG file + JSON."""
    example = migrated_taxi_example(root / "home")
    if example.migrate.returncode != 0:
        raise SystemExit(f"airflow tfx migrate failed:\n{example.migrate.stdout}{example.migrate.stderr}")
    dags = root / "dags"
    dags.mkdir()
    outputs = root / "pipeline"  # pipeline_root, metadata.db and serving, fresh for this deployment
    outputs.mkdir()
    settings = example.dag_settings(TFX_EXAMPLE_DAG_ID, outputs)
    install_dag(dags, "tfx_example_pipeline", TFX_EXAMPLE_DAG_ID, **settings)
    arguments = settings["arguments"]
    assert isinstance(arguments, dict)
    env = bench_env(HOME=str(example.home))  # the example reads $HOME/taxi when it is parsed
    return Deployment(
        TFX_EXAMPLE_DAG_ID, dags, env, Path(arguments["metadata_path"]), Path(arguments["serving_model_dir"])
    )


def warm_up(stack: AirflowStack, sampler: StackMemorySampler, label: str, startup_s: float) -> float:
    """Start sampling memory and run ``warmup_noop`` once (the deployment's one-off costs); its seconds."""
    sampler.start()
    started = time.time()
    warm = stack.run_dag(WARMUP_DAG_ID, "warmup", LOGICAL_DATE)
    seconds = time.time() - started
    if warm.state != "success":
        raise RuntimeError(f"warm-up run ended {warm.state}; see {stack.log_dir}")
    print(f"  [{label}] deployment up in {startup_s:.1f} s, warm-up run {seconds:.1f} s", flush=True)
    return seconds


@contextlib.contextmanager
def _started(name: str, root: Path, dags: Path, env: Mapping[str, str]) -> Iterator[AirflowStack]:
    """The variant's deployment, running until the block ends: LocalExecutor, or the compose file's."""
    if name in CELERY_VARIANTS:
        # the compose file's environment, then what this run sets (not this machine's whole environment)
        own = {k: v for k, v in env.items() if os.environ.get(k) != v}
        with celery_deployment(root / "celery", dags_folder=dags, extra_env=own) as celery:
            yield celery
        return
    local = AirflowStack(root / "airflow_home", dags, dict(env))
    local.start()
    try:
        yield local
    finally:
        local.stop()


def _metadata_config(stack: AirflowStack, deployment: Deployment) -> Any:
    """Where the run's MLMD records are: the compose file's ``mlmd_default`` server, else the SQLite file."""
    from airflow_tfx_provider.metadata.config import MetadataConfig

    if isinstance(stack, CeleryStack):
        return stack.mlmd_config()
    return MetadataConfig(path=str(deployment.metadata_db))


def run_variant(
    pipeline: str, name: str, settings: Mapping[str, str], workdir: Path, extra_env: Mapping[str, str]
) -> VariantResult:
    root = workdir / (name if pipeline == "project" else f"{pipeline}-{name}")
    if pipeline == "project":
        deployment = _project_deployment(root, extra_env)
    else:
        deployment = _tfx_example_deployment(root)
    dag_id, dags, env, serving = deployment.dag_id, deployment.dags, deployment.env, deployment.serving
    (dags / f"{WARMUP_DAG_ID}.py").write_text(WARMUP_DAG)
    env.update(settings)
    label = name if pipeline == "project" else f"{pipeline}/{name}"
    started = time.time()
    with _started(name, root, dags, env) as stack:
        for each in (dag_id, WARMUP_DAG_ID):
            stack.wait_for_dag(each)
            stack.airflow("dags", "unpause", each)  # the compose file pauses new DAGs
        startup = time.time() - started
        sampler = StackMemorySampler([p.pid for p in stack.processes.values()])
        warmup = warm_up(stack, sampler, label, startup)
        cold = _phase(stack, sampler, dag_id, "cold", rerun=False)
        print(f"  [{label}] cold: span {cold.span_s:.1f} s (wall {cold.wall_s:.1f} s)", flush=True)
        cached = _phase(stack, sampler, dag_id, "cached", rerun=True)
        print(f"  [{label}] cached: span {cached.span_s:.1f} s (wall {cached.wall_s:.1f} s)", flush=True)
        sampler.stop()
        accuracy, states = mlmd_facts(_metadata_config(stack, deployment), dag_id)
    versions = [p for p in serving.iterdir() if p.is_dir() and p.name.isdigit()] if serving.exists() else []
    print(f"  [{label}] binary accuracy {accuracy}, pushed versions {len(versions)}", flush=True)
    return VariantResult(pipeline, name, startup, warmup, cold, cached, accuracy, len(versions), states)


def largest_process(phase: PhaseResult) -> str:
    """Which process peaked highest: a task's id for a task process, else its command line."""
    title = phase.memory.largest_process_title
    ti_id = title.removeprefix(TASK_TITLE_PREFIX).strip().replace("-", "")
    owner = next((t.task_id for t in phase.run.tasks.values() if t.ti_id == ti_id), None)
    name = f"task `{owner}`" if owner else f"`{title[:60]}`"
    return f"{name}, {phase.memory.largest_process_rss_mb:.0f} MB RSS"


def task_peak(phase: PhaseResult, task_id: str, measure: str) -> float | None:
    """A task's peak memory, or None when the task ended between two samples (0.5 s apart)."""
    peak = phase.memory.tasks.get(phase.run.tasks[task_id].ti_id)
    return None if peak is None else float(getattr(peak, measure))


def report(
    args: argparse.Namespace,
    results: Mapping[str, Sequence[VariantResult]],
    machine: Mapping[str, str],
    started: str,
) -> str:
    names = list(results)
    celery = bool(set(names) & set(CELERY_VARIANTS))
    executors = "LocalExecutor vs CeleryExecutor" if celery else "LocalExecutor"
    lines = [
        section_header(
            f"Taxi pipeline under a real scheduler ({executors}): cold and cached",
            invoked_command("bench.scheduler_pipeline", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(['apache-airflow', 'tensorflow', 'tensorflow-data-validation'])}",
        f"- pipeline: `dags/taxi_pipeline.py`, all 11 components (+2 resolvers), {args.train_steps} train / "
        f"{args.eval_steps} eval steps; deployment: `airflow api-server` + `scheduler` (LocalExecutor) + "
        "`dag-processor`, SQLite Airflow DB and MLMD (`celery*` variants: docker-compose.yaml's services, "
        "below), fresh for every variant and repetition",
        "- run s = first task start -> last task end (Airflow DB); cached = the same run cleared and run "
        "again; memory polled every 0.5 s (RSS counts shared pages in every process, PSS divides them)",
        f"- TFX 1.21 reference: cold {TFX_COLD_S[0]:.0f}-{TFX_COLD_S[1]:.0f} s, cached {TFX_CACHED_S:.0f} s, "
        f"{TFX_PEAK_GB} GB largest process, binary accuracy {TFX_ACCURACY}",
        "",
        "Variants:",
        "",
    ]
    lines += [f"- `{name}`: {VARIANTS[name][1]}" for name in names]
    rows = []
    for name in names:
        rs = results[name]
        rows.append(
            [
                f"`{name}`",
                Summary.of([r.cold.span_s for r in rs]).fmt(1),
                Summary.of([r.cold.span_s / TFX_COLD_S[0] for r in rs]).fmt(2),
                Summary.of([r.cached.span_s for r in rs]).fmt(1),
                Summary.of([r.cold.memory.largest_process_rss_mb / 1024 for r in rs]).fmt(2),
                Summary.of([r.cold.memory.total.pss_mb / 1024 for r in rs]).fmt(2),
                Summary.of([r.accuracy for r in rs]).fmt(3),
                ", ".join(str(r.pushed_versions) for r in rs),
                Summary.of([r.startup_s for r in rs]).fmt(1),
                Summary.of([r.warmup_s for r in rs]).fmt(1),
            ]
        )
    lines += [
        "",
        markdown_table(
            [
                "variant",
                "cold run s",
                "cold / TFX 79 s",
                "cached run s",
                "largest process GB (RSS)",
                "deployment peak GB (PSS)",
                "binary accuracy",
                "pushed versions",
                "deployment start s",
                "warm-up run s",
            ],
            rows,
        ),
    ]
    for name in names:
        rs = results[name]
        task_ids = sorted(rs[0].cold.run.tasks, key=lambda t: rs[0].cold.run.tasks[t].start or 0)
        task_rows = []
        for task_id in task_ids:

            def values(pick: object, rs: Sequence[VariantResult] = rs, task_id: str = task_id) -> str:
                return Summary.of([pick(r, task_id) for r in rs]).fmt(1)  # type: ignore[operator]

            task_rows.append(
                [
                    f"`{task_id}`",
                    values(lambda r, t: r.cold.run.tasks[t].duration_s),
                    values(lambda r, t: r.cold.provider_s.get(t)),
                    values(lambda r, t: r.cold.run.tasks[t].queue_wait_s),
                    values(lambda r, t: task_peak(r.cold, t, "rss_mb")),
                    values(lambda r, t: task_peak(r.cold, t, "pss_mb")),
                    values(lambda r, t: r.cached.run.tasks[t].duration_s),
                    values(lambda r, t: task_peak(r.cached, t, "rss_mb")),
                    rs[-1].cached_states.get(task_id, "-"),
                ]
            )
        lines += [
            "",
            f"Largest process in the cold runs of `{name}`: "
            + "; ".join(largest_process(r.cold) for r in rs)
            + ".",
            "",
            f"Per task, variant `{name}` (task s = the task instance's start -> end; provider s = the "
            "launcher's own `executed in`, the rest is Airflow's task start-up and imports; n/a memory = "
            "the task ended between two samples; resolvers re-resolve on every run, so they are COMPLETE):",
            "",
            markdown_table(
                [
                    "task",
                    "cold task s",
                    "cold provider s",
                    "cold queue wait s",
                    "cold peak RSS MB",
                    "cold peak PSS MB",
                    "cached task s",
                    "cached peak RSS MB",
                    "cached MLMD state",
                ],
                task_rows,
            ),
        ]
    return "\n".join(lines)


def _states_summary(states: Mapping[str, str]) -> str:
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "n/a"


def _example_rows() -> str:
    """How many rows TFX's taxi example data has (read from the wheel's data.csv)."""
    import zipfile

    from tests.harness.tfx_examples import tfx_wheel

    with zipfile.ZipFile(tfx_wheel()) as wheel:
        return f"{len(wheel.read(TAXI + 'data/simple/data.csv').splitlines()) - 1}"


def report_tfx_example(
    args: argparse.Namespace,
    results: Mapping[str, Mapping[str, Sequence[VariantResult]]],
    machine: Mapping[str, str],
    started: str,
) -> str:
    """TFX's own taxi example next to the project's taxi DAG, same deployments, same run."""
    pipelines = list(results)
    variants = list(next(iter(results.values())))
    both = "project" in results and "tfx_example" in results
    lines = [
        section_header(
            "TFX 1.21's own taxi example (migrated) vs the project's taxi DAG under a real scheduler: "
            "cold and cached",
            invoked_command("bench.scheduler_pipeline", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(['apache-airflow', 'tensorflow', 'tensorflow-model-analysis'])}; "
        "TFX example files from the `tfx==1.21.0` wheel (downloaded, not installed)",
        f"- `tfx_example`: `{TAXI}{TAXI_FILES[0]}` + `{TAXI_FILES[1]}` and `data/simple/data.csv` "
        f"({_example_rows()} rows), migrated by `airflow tfx migrate` "
        "(`tests.harness.tfx_examples.migrated_taxi_example`), run as the DAG file "
        "`tests/dags/tfx_example_pipeline.py` (`AirflowDagRunner(...).run(_create_pipeline(...))`) with its "
        f"JSON settings: DAG `{TFX_EXAMPLE_DAG_ID}`, 9 components (+ its resolver), 1000 train / 150 eval "
        "steps (hard-coded in the example), `metadata_path` = a SQLite file and `pipeline_root` in the "
        "deployment's fresh directory, Beam `--direct_running_mode=in_memory`; every process of its "
        "deployment (and its CLI calls) runs with `HOME` = the extracted home",
        f"- `project`: `dags/taxi_pipeline.py`, 11 components (+2 resolvers), {args.train_steps} train / "
        f"{args.eval_steps} eval steps, `dags/data/taxi/data.csv` (the same file as the example's)",
        "- deployment: `airflow api-server` + `scheduler` (LocalExecutor) + `dag-processor`, SQLite Airflow "
        "DB and MLMD, fresh for every pipeline, variant and repetition; the pipelines alternate within each "
        f"repetition ({', '.join(pipelines)}), {args.reps} repetition(s); ratios are tfx_example / project "
        "per repetition (the two runs of a pair ran back to back), as median (min-max)",
        "- run s = first task start -> last task end (Airflow DB); cached = the same run cleared and run "
        "again; memory polled every 0.5 s",
        "",
        "Variants:",
        "",
    ]
    lines += [f"- `{name}`: {VARIANTS[name][1]}" for name in variants]
    rows = []
    for name in variants:
        for pipeline in pipelines:
            rs = results[pipeline][name]
            rows.append(
                [
                    f"`{name}`",
                    f"`{pipeline}`",
                    Summary.of([r.cold.span_s for r in rs]).fmt(1),
                    Summary.of([r.cached.span_s for r in rs]).fmt(1),
                    Summary.of([r.cold.memory.largest_process_rss_mb / 1024 for r in rs]).fmt(2),
                    Summary.of([r.cold.memory.total.pss_mb / 1024 for r in rs]).fmt(2),
                    Summary.of([r.accuracy for r in rs]).fmt(3),
                    ", ".join(str(r.pushed_versions) for r in rs),
                    _states_summary(rs[-1].cached_states),
                    Summary.of([r.startup_s for r in rs]).fmt(1),
                    Summary.of([r.warmup_s for r in rs]).fmt(1),
                ]
            )
    lines += [
        "",
        markdown_table(
            [
                "variant",
                "pipeline",
                "cold run s",
                "cached run s",
                "largest process GB (RSS)",
                "deployment peak GB (PSS)",
                "binary accuracy",
                "pushed versions (after cached run)",
                "cached run's MLMD states",
                "deployment start s",
                "warm-up run s",
            ],
            rows,
        ),
    ]
    if both:

        def ratio(name: str, pick: object, digits: int = 2) -> str:
            tfx = [pick(r) for r in results["tfx_example"][name]]  # type: ignore[operator]
            own = [pick(r) for r in results["project"][name]]  # type: ignore[operator]
            return Summary.of(paired_ratios(tfx, own)).fmt(digits)

        ratio_rows = [
            [
                f"`{name}`",
                ratio(name, lambda r: r.cold.span_s),
                ratio(name, lambda r: r.cached.span_s),
                ratio(name, lambda r: r.cold.memory.largest_process_rss_mb),
                ratio(name, lambda r: r.cold.memory.total.pss_mb),
            ]
            for name in variants
        ]
        lines += [
            "",
            "Same-run ratios, tfx_example / project:",
            "",
            markdown_table(
                ["variant", "cold run", "cached run", "largest process (RSS)", "deployment peak (PSS)"],
                ratio_rows,
            ),
        ]
    for name in variants:
        lines += ["", *_task_comparison(results, name)]
    return "\n".join(lines)


def _task_comparison(results: Mapping[str, Mapping[str, Sequence[VariantResult]]], name: str) -> list[str]:
    """Per task, both pipelines side by side (the TFX example's tasks first, in start order)."""
    tfx = results.get("tfx_example", {}).get(name, [])
    own = results.get("project", {}).get(name, [])

    def order(rs: Sequence[VariantResult]) -> list[str]:
        if not rs:
            return []
        tasks = rs[0].cold.run.tasks
        return sorted(tasks, key=lambda t: tasks[t].start or 0)

    pairs = [(t, TASK_PAIRS.get(t, t)) for t in order(tfx)]
    paired = {p for _, p in pairs}
    pairs += [("", t) for t in order(own) if t not in paired]

    def per_rep(rs: Sequence[VariantResult], task_id: str, cached: bool) -> list[float | None]:
        if not task_id:
            return [None for _ in rs]
        phases = [r.cached if cached else r.cold for r in rs]
        return [p.run.tasks[task_id].duration_s if task_id in p.run.tasks else None for p in phases]

    def provider(rs: Sequence[VariantResult], task_id: str) -> str:
        return Summary.of([r.cold.provider_s.get(task_id) for r in rs]).fmt(1) if task_id else "-"

    def state(rs: Sequence[VariantResult], task_id: str) -> str:
        return rs[-1].cached_states.get(task_id, "-") if rs and task_id else "-"

    rows = []
    for tfx_task, own_task in pairs:
        own_task = own_task if any(own_task in r.cold.run.tasks for r in own) else ""
        tfx_cold, own_cold = per_rep(tfx, tfx_task, False), per_rep(own, own_task, False)
        tfx_cached, own_cached = per_rep(tfx, tfx_task, True), per_rep(own, own_task, True)
        label = tfx_task if tfx_task == own_task else f"{tfx_task or '-'} / {own_task or '-'}"
        rows.append(
            [
                f"`{label}`",
                Summary.of(own_cold).fmt(1) if own_task else "-",
                Summary.of(tfx_cold).fmt(1) if tfx_task else "-",
                Summary.of(paired_ratios(tfx_cold, own_cold)).fmt(2),
                provider(own, own_task),
                provider(tfx, tfx_task),
                Summary.of(own_cached).fmt(1) if own_task else "-",
                Summary.of(tfx_cached).fmt(1) if tfx_task else "-",
                Summary.of(paired_ratios(tfx_cached, own_cached)).fmt(2),
                f"{state(own, own_task)} / {state(tfx, tfx_task)}",
            ]
        )
    return [
        f"Per task, variant `{name}` (`tfx_example task / project task` where the ids differ; task s = the "
        "task instance's start -> end; provider s = the launcher's own `executed in`; ratio = tfx_example / "
        "project, per repetition; MLMD state of the cached run, project / tfx_example):",
        "",
        markdown_table(
            [
                "task",
                "project cold s",
                "tfx_example cold s",
                "cold ratio",
                "project cold provider s",
                "tfx_example cold provider s",
                "project cached s",
                "tfx_example cached s",
                "cached ratio",
                "cached MLMD state",
            ],
            rows,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default="default,fork,fork-nopyc,forkserver,preload,preload-serial")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument(
        "--pipelines",
        default="project",
        help=f"comma list among {','.join(PIPELINES)}, run alternately within each repetition: "
        + "; ".join(f"{k} = {v}" for k, v in PIPELINES.items()),
    )
    parser.add_argument("--train-steps", type=int, default=1000, help="TFX's taxi example trains 1000 steps")
    parser.add_argument("--eval-steps", type=int, default=150, help="TFX's taxi example evaluates 150 steps")
    parser.add_argument("--keep", action="store_true", help="keep the deployments' directories and logs")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = argv
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; choose among {sorted(VARIANTS)}")
    pipelines = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    unknown = [p for p in pipelines if p not in PIPELINES]
    if unknown or not pipelines:
        raise SystemExit(f"unknown pipelines {unknown or pipelines}; choose among {sorted(PIPELINES)}")

    machine, started = machine_info(), now_utc()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="scheduler-pipeline-", dir=OUT_DIR))
    extra_env = {"TAXI_TRAIN_STEPS": str(args.train_steps), "TAXI_EVAL_STEPS": str(args.eval_steps)}
    results: dict[str, dict[str, list[VariantResult]]] = {p: {n: [] for n in names} for p in pipelines}
    try:
        for rep in range(args.reps):
            for name in names:  # the variants, and the pipelines of each, alternate within each repetition
                for pipeline in pipelines:
                    print(f"rep {rep + 1}/{args.reps}, variant {name}, pipeline {pipeline}", flush=True)
                    results[pipeline][name].append(
                        run_variant(pipeline, name, VARIANTS[name][0], workdir / f"rep{rep}", extra_env)
                    )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    _save_raw(results)
    if pipelines == ["project"]:
        key = "scheduler_celery" if set(names) & set(CELERY_VARIANTS) else "scheduler_pipeline"
        body = report(args, results["project"], machine, started)
    else:
        key, body = "scheduler_tfx_example", report_tfx_example(args, results, machine, started)
    print()
    print(body)
    if not args.no_results:
        update_results(key, body)


def _save_raw(results: Mapping[str, Mapping[str, Sequence[VariantResult]]]) -> None:
    """The runs' timings as JSON in bench/out (git-ignored), should the report need a second look."""
    raw = {
        pipeline: {
            name: [
                {
                    "startup_s": r.startup_s, "warmup_s": r.warmup_s, "accuracy": r.accuracy,
                    "pushed_versions": r.pushed_versions, "cached_states": r.cached_states,
                    **{
                        phase: {
                            "span_s": getattr(r, phase).span_s, "provider_s": getattr(r, phase).provider_s,
                            "tasks": {t.task_id: t.duration_s for t in getattr(r, phase).run.tasks.values()},
                        }
                        for phase in ("cold", "cached")
                    },
                }
                for r in rs
            ]
            for name, rs in by_variant.items()
        }
        for pipeline, by_variant in results.items()
    }  # fmt: skip
    path = OUT_DIR / "scheduler_pipeline_last.json"
    path.write_text(json.dumps(raw, indent=1))
    print(f"raw timings in {path}")


if __name__ == "__main__":
    main()
