"""Growth with data: the whole taxi pipeline at 15k, 100k and 1M rows under a real scheduler,
Beam in one process (``in_memory``) vs Beam's worker processes (``multi_processing``).

For each size (``--rows``) and, alternately within a size, each Beam mode (``--modes``), in a
fresh directory:

1. the data: 15000 rows means the checked-in sample ``dags/data/taxi/data.csv`` as it is
   (15,002 rows); any other size is generated once by ``bench.generate_taxi_data`` into
   ``bench/out/taxi_<rows>/data.csv`` and reused while rows, seed and source are the same;
2. the DAGs folder: a copy of ``dags/`` whose ``data/taxi/data.csv`` is that file (a copy of
   the sample, a hard link to a generated file), plus ``taxi_growth_<mode>.py``, a small
   generated DAG file that imports ``taxi_components`` from the copied ``taxi_pipeline`` module
   (the DAGs folder is on ``sys.path`` in the dag-processor and in every task: ``BundleDagBag``)
   and builds the pipeline with ``create_pipeline_dag(dag_id="taxi_growth_<mode>",
   beam_pipeline_args=<the mode's>)``, and the ``warmup_noop`` DAG. ``.airflowignore`` leaves out
   ``taxi_pipeline.py`` and ``taxi_retrain.py`` (not measured; less background parsing). The
   import builds the module's own ``taxi_pipeline`` DAG too, and Airflow registers a DAG built
   in a ``with dag:`` block under the file being parsed (``DagContext`` auto-registration), so
   the generated file also defines ``taxi_pipeline`` (never triggered); parsed as a DAG file of
   its own, ``taxi_pipeline.py`` would define that DAG id a second time;
3. a deployment with ``bench.scheduler_pipeline``'s ``preload`` settings (forkserver workers
   that preload TensorFlow & co., scheduler idle sleep 0.1 s): ``airflow api-server`` +
   ``scheduler`` (LocalExecutor) + ``dag-processor`` on loopback, SQLite Airflow DB and MLMD;
4. a warm-up run of ``warmup_noop``, then the **cold** run of the growth DAG only (the cached
   run is measured by ``bench.scheduler_pipeline``). Tasks do not retry, so a failure shows as
   itself; a failed or timed-out run is recorded (with its failed tasks' log tails), its
   directory is kept (Airflow home with the task logs, pipeline outputs) and the benchmark goes
   on with the next run; a successful run's directory is deleted unless ``--keep``.

Measured per task: duration (Airflow DB), the provider's own time (the launcher's
``executed in`` line in the task log), peak RSS and PSS, CPU time and the most processes of the
task's process tree (``bench.stack_memory``, polled every 0.5 s: the task process and all its
descendants, so Beam's SDK worker processes in ``multi_processing`` mode and InfraValidator's
model server are counted), Airflow and MLMD state. Per run: span (first task start -> last task end), the
deployment's peak PSS, the evaluation's overall binary accuracy (MLMD). Train/eval steps stay at
1000/150, as in the other benchmarks, so the Trainer's cost is constant and the data-bound tasks
show their growth.

    python -m bench.pipeline_growth                         # 15k, 100k, 1M x both modes
    python -m bench.pipeline_growth --rows 15000 --modes in_memory,multi_processing --no-results
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench import generate_taxi_data
from bench.common import (
    OUT_DIR,
    REPO,
    bench_env,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    package_versions,
    section_header,
    update_results,
)
from bench.scheduler_pipeline import (
    LOGICAL_DATE,
    VARIANTS,
    WARMUP_DAG,
    WARMUP_DAG_ID,
    PhaseResult,
    largest_process,
    mlmd_facts,
    provider_times,
    task_peak,
    warm_up,
)
from bench.stack_memory import TASK_TITLE_PREFIX, WORKER_TITLE_PREFIX, PhaseMemory, StackMemorySampler
from tests.harness.airflow_stack import AirflowStack, RunTiming

MODES: dict[str, tuple[list[str] | None, str]] = {
    "in_memory": (None, "no `beam_pipeline_args` (the provider's default: FnApiRunner in the task process)"),
    "multi_processing": (
        ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
        "`beam_pipeline_args=['--direct_running_mode=multi_processing', '--direct_num_workers=2']` "
        "(the task process runs the FnApiRunner and starts 2 SDK worker processes per Beam pipeline)",
    ),
}
DEFAULT_ROWS = "15000,100000,1000000"
SAMPLE_ROWS = 15000  # --rows 15000 = the checked-in sample, as it is
SAMPLE = REPO / "dags" / "data" / "taxi" / "data.csv"
DAG_PREFIX = "taxi_growth"
VARIANT = "preload"
PHASE = "cold"
# A run's timeout: generous, it only has to catch a stuck run (1M rows: 5200 s)
TIMEOUT_BASE_S = 1200.0
TIMEOUT_S_PER_ROW = 0.004
AIRFLOWIGNORE = "taxi_pipeline.py\ntaxi_retrain.py\n"
GROWTH_DAG = '''"""The taxi pipeline with Beam mode {mode!r}, generated by bench/pipeline_growth.py."""

import datetime as dt

from airflow_tfx_provider.dag_factory import create_pipeline_dag
from taxi_pipeline import taxi_components  # the copy of dags/taxi_pipeline.py beside this file

dag = create_pipeline_dag(
    dag_id={dag_id!r},
    components=taxi_components,
    beam_pipeline_args={beam_args!r},
    schedule="@daily",
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    tags=["tfx", "bench"],
    default_args={{"retries": 0}},
)
'''
LOG_TAIL_LINES = 60
MIN_RATIO_BASE = 0.1  # ratios of smaller values (seconds) are noise: reported as n/a


class TaskTreeSampler(StackMemorySampler):
    """``StackMemorySampler`` that also keeps, per task, the most processes seen in its tree and the
    tree's CPU time (user + system of the live processes, plus what the task process has reaped:
    a Beam worker's CPU moves there when it exits; the last half second of a task is not seen)."""

    def __init__(self, roots: Sequence[int], interval: float = 0.5) -> None:
        super().__init__(roots, interval)
        # phase -> task instance id -> most processes / most CPU seconds seen
        self.tree_processes: dict[str, dict[str, int]] = {}
        self.tree_cpu_s: dict[str, dict[str, float]] = {}

    def _sample(self, phase: PhaseMemory) -> None:
        super()._sample(phase)
        counts = self.tree_processes.setdefault(self.phase, {})
        cpu = self.tree_cpu_s.setdefault(self.phase, {})
        for proc in self._processes():
            try:
                title = " ".join(proc.cmdline())
                if not title.startswith(TASK_TITLE_PREFIX) or title.startswith(WORKER_TITLE_PREFIX):
                    continue
                tree = [proc, *proc.children(recursive=True)]
                own = proc.cpu_times()
                seconds = own.children_user + own.children_system
                for member in tree:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                        times = member.cpu_times()
                        seconds += times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            ti_id = title[len(TASK_TITLE_PREFIX) :].strip().replace("-", "")
            counts[ti_id] = max(counts.get(ti_id, 0), len(tree))
            cpu[ti_id] = max(cpu.get(ti_id, 0.0), seconds)


@dataclass
class Dataset:
    rows: int  # as asked (--rows)
    actual_rows: int
    path: Path
    mib: float
    source: str  # where it comes from, for the report

    @property
    def label(self) -> str:
        return rows_label(self.rows)


@dataclass
class TaskResult:
    state: str
    try_number: int
    duration_s: float | None
    provider_s: float | None
    queue_wait_s: float | None
    peak_rss_mb: float | None  # None: the task ended between two samples
    peak_pss_mb: float | None
    max_processes: int | None  # the most processes seen in the task's tree
    cpu_s: float | None  # CPU seconds of the task's tree (sampled)
    mlmd_state: str
    start: float | None  # epoch seconds, for the order of the tasks
    log_tail: str = ""  # failed tasks only


@dataclass
class RunResult:
    rows: int
    actual_rows: int
    data_mib: float
    mode: str
    dag_id: str
    state: str  # success, failed, timeout, error
    startup_s: float
    warmup_s: float
    wall_s: float
    span_s: float
    timeout_s: float
    deployment_peak_pss_mb: float
    deployment_peak_rss_mb: float
    largest_process: str
    accuracy: float | None
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    tasks: dict[str, TaskResult] = field(default_factory=dict)
    error: str = ""


def rows_label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def run_dir(workdir: Path, rows: int, mode: str) -> Path:
    return workdir / f"{rows_label(rows)}-{mode}"


def run_timeout(rows: int, factor: float = 1.0) -> float:
    return factor * (TIMEOUT_BASE_S + rows * TIMEOUT_S_PER_ROW)


def _count_rows(path: Path) -> int:
    """Data lines of a CSV without quoted newlines (the taxi files have none)."""
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def prepare_data(rows: int, seed: int) -> Dataset:
    """The sample for 15000 rows, else a generated file, cached in bench/out by rows and seed."""
    if rows == SAMPLE_ROWS:
        path, source = SAMPLE, "the checked-in sample `dags/data/taxi/data.csv`"
    else:
        path = OUT_DIR / f"taxi_{rows_label(rows).lower()}" / "data.csv"
        generate_taxi_data.ensure(rows, path, seed=seed)
        source = f"generated by `bench.generate_taxi_data` (seed {seed})"
    return Dataset(rows, _count_rows(path), path, path.stat().st_size / 2**20, source)


def _dags_folder(root: Path, data: Dataset, mode: str, dag_id: str) -> Path:
    dags = root / "dags"
    shutil.copytree(
        REPO / "dags", dags, ignore=shutil.ignore_patterns("__pycache__", "data.csv", ".airflowignore")
    )
    target = dags / "data" / "taxi" / "data.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    if data.path.is_relative_to(OUT_DIR):  # a generated file (up to 124 MiB): a hard link will do
        with contextlib.suppress(OSError):
            os.link(data.path, target)
    if not target.exists():  # never a link to the checked-in sample
        shutil.copyfile(data.path, target)
    (dags / ".airflowignore").write_text(AIRFLOWIGNORE)
    (dags / f"{dag_id}.py").write_text(GROWTH_DAG.format(mode=mode, dag_id=dag_id, beam_args=MODES[mode][0]))
    (dags / f"{WARMUP_DAG_ID}.py").write_text(WARMUP_DAG)
    return dags


def _log_tail(stack: AirflowStack, dag_id: str, run: RunTiming, task_id: str) -> str:
    """The task log's last lines, as ``time level logger: event`` where a line is Airflow's JSON."""
    log = stack.task_log(dag_id, run.run_id, task_id, run.tasks[task_id].try_number)
    lines = []
    for line in log.splitlines()[-LOG_TAIL_LINES:]:
        try:
            entry = json.loads(line)
            when, logger = str(entry.get("timestamp", ""))[11:23], str(entry.get("logger", ""))
            lines.append(f"{when} {entry.get('level', '')} {logger}: {entry.get('event', '')}")
        except (ValueError, AttributeError):
            lines.append(line)
    return "\n".join(lines)


def run_one(data: Dataset, mode: str, workdir: Path, args: argparse.Namespace) -> RunResult:
    """One fresh deployment: warm-up run, then the cold run of the growth DAG; never raises for a
    failure of the deployment or the run (it is recorded in the result)."""
    from airflow_tfx_provider.metadata.config import MetadataConfig

    dag_id = f"{DAG_PREFIX}_{mode}"
    root = run_dir(workdir, data.rows, mode)
    dags = _dags_folder(root, data, mode, dag_id)
    pipelines = root / "pipelines"
    env = bench_env(
        AIRFLOW_TFX_PIPELINE_ROOT_BASE=str(pipelines),
        TAXI_SERVING_MODEL_DIR=str(root / "serving_model"),
        TAXI_TRAIN_STEPS=str(args.train_steps),
        TAXI_EVAL_STEPS=str(args.eval_steps),
    )
    env.update(VARIANTS[VARIANT][0])
    metadata_db = Path(MetadataConfig.sqlite_under(str(pipelines / dag_id)).path)
    timeout = run_timeout(data.rows, args.timeout_factor)
    label = f"{data.label}/{mode}"
    stack = AirflowStack(root / "airflow_home", dags, env)
    started = time.time()
    state, error, run, wall = "error", "", None, float("nan")
    startup = warmup = float("nan")
    sampler: TaskTreeSampler | None = None
    provider: dict[str, float] = {}
    tails: dict[str, str] = {}
    load_before = os.getloadavg()
    try:
        stack.start()
        stack.wait_for_dag(dag_id)
        stack.wait_for_dag(WARMUP_DAG_ID)
        startup = time.time() - started
        sampler = TaskTreeSampler([p.pid for p in stack.processes.values()])
        warmup = warm_up(stack, sampler, label, startup)
        load_before = os.getloadavg()
        sampler.set_phase(PHASE)
        cold_started = time.time()
        try:
            run = stack.run_dag(dag_id, PHASE, LOGICAL_DATE, timeout=timeout)
            state = run.state
        except TimeoutError as exc:
            state, error = "timeout", str(exc)
            run = stack.run_timing(dag_id, PHASE)
        wall = time.time() - cold_started
        sampler.set_phase("")
        if run is not None:
            provider = provider_times(stack, dag_id, run)
            tails = {
                t.task_id: _log_tail(stack, dag_id, run, t.task_id)
                for t in run.tasks.values()
                if t.state not in ("success", "skipped")
            }
    except Exception as exc:  # a deployment that did not come up, a warm-up that failed: record, go on
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if sampler is not None:
            sampler.stop()
        stack.stop()  # task processes still running too (a timed-out run)
    load_after = os.getloadavg()
    try:
        accuracy: float | None = None
        mlmd_states: dict[str, str] = {}
        if metadata_db.exists():  # a run that failed early may have made no store
            accuracy, mlmd_states = mlmd_facts(MetadataConfig(path=str(metadata_db)), dag_id, PHASE)
    except Exception as exc:  # recorded like a failed run: the other runs still count
        accuracy, mlmd_states = None, {}
        error = f"{error}; reading MLMD: {type(exc).__name__}: {exc}".lstrip("; ")
    memory = sampler.phases.get(PHASE, PhaseMemory()) if sampler else PhaseMemory()
    counts = sampler.tree_processes.get(PHASE, {}) if sampler else {}
    cpu = sampler.tree_cpu_s.get(PHASE, {}) if sampler else {}
    result = RunResult(
        rows=data.rows, actual_rows=data.actual_rows, data_mib=data.mib, mode=mode, dag_id=dag_id,
        state=state, startup_s=startup, warmup_s=warmup, wall_s=wall, span_s=float("nan"),
        timeout_s=timeout, deployment_peak_pss_mb=memory.total.pss_mb,
        deployment_peak_rss_mb=memory.total.rss_mb, largest_process="", accuracy=accuracy,
        load_before=load_before, load_after=load_after, error=error,
    )  # fmt: skip
    if run is not None:
        phase = PhaseResult(run, memory, wall, provider)
        result.span_s = phase.span_s
        result.largest_process = largest_process(phase) if memory.largest_process_title else ""
        for task_id, task in run.tasks.items():
            result.tasks[task_id] = TaskResult(
                state=task.state,
                try_number=task.try_number,
                duration_s=task.duration_s,
                provider_s=provider.get(task_id),
                queue_wait_s=task.queue_wait_s,
                peak_rss_mb=task_peak(phase, task_id, "rss_mb"),
                peak_pss_mb=task_peak(phase, task_id, "pss_mb"),
                max_processes=counts.get(task.ti_id),
                cpu_s=cpu.get(task.ti_id),
                mlmd_state=mlmd_states.get(task_id, "-"),
                start=task.start,
                log_tail=tails.get(task_id, ""),
            )
    not_ok = sorted(t for t, r in result.tasks.items() if r.state != "success")
    print(
        f"  [{label}] {state}: span {result.span_s:.1f} s (wall {wall:.1f} s), deployment peak "
        f"{result.deployment_peak_pss_mb / 1024:.2f} GB PSS, binary accuracy {accuracy}"
        + (f"; not successful: {not_ok}" if not_ok else "")
        + (f"; {error}" if error else ""),
        flush=True,
    )
    for task_id in not_ok:
        if result.tasks[task_id].log_tail:
            print(f"  --- {task_id} (log tail) ---\n{result.tasks[task_id].log_tail}", flush=True)
    return result


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _measurable(*values: float | None) -> bool:
    """Every value is a number of at least 0.1 (less is below what polling every 0.5 s resolves)."""
    return all(v is not None and not math.isnan(v) and v >= MIN_RATIO_BASE for v in values)


def _ratio(a: float | None, b: float | None, digits: int = 2) -> str:
    if a is None or b is None or not _measurable(a, b):
        return "n/a"
    return f"{a / b:.{digits}f}"


def _exponent(c1: float | None, c2: float | None, r1: int, r2: int) -> str:
    """b in cost ~ rows^b between two sizes."""
    if c1 is None or c2 is None or not _measurable(c1, c2) or r1 == r2:
        return "n/a"
    return f"{math.log(c2 / c1) / math.log(r2 / r1):.2f}"


def _task_value(run: RunResult | None, task_id: str, attr: str) -> float | None:
    task = run.tasks.get(task_id) if run else None
    value = getattr(task, attr) if task else None
    return float(value) if value is not None else None


def _task_order(results: Sequence[RunResult]) -> list[str]:
    """Tasks in start order of the run with the most tasks (then any others)."""
    order: list[str] = []
    for r in sorted(results, key=lambda r: -len(r.tasks)):
        for task_id in sorted(r.tasks, key=lambda t: r.tasks[t].start or float("inf")):
            if task_id not in order:
                order.append(task_id)
    return order


def _dominant(r: RunResult) -> str:
    timed = {t: x.duration_s for t, x in r.tasks.items() if x.duration_s is not None}
    if not timed:
        return "n/a"
    task_id = max(timed, key=lambda t: timed[t] or 0.0)
    seconds = timed[task_id] or 0.0
    share = f", {100 * seconds / r.span_s:.0f} % of the span" if r.span_s and not math.isnan(r.span_s) else ""
    return f"`{task_id}` {seconds:.1f} s{share}"


def _header(
    args: argparse.Namespace,
    data: Mapping[int, Dataset],
    modes: Sequence[str],
    started: str,
    machine: Mapping[str, str],
) -> list[str]:
    versions = package_versions(
        ["apache-airflow", "apache-beam", "tensorflow", "tensorflow-data-validation", "tensorflow-transform",
         "tensorflow-model-analysis"]
    )  # fmt: skip
    sizes = "; ".join(
        f"{rows_label(n)} = {d.actual_rows:,} rows, {d.mib:.1f} MiB, {d.source}" for n, d in data.items()
    )
    return [
        section_header(
            "Growth with data: the taxi pipeline at 15k / 100k / 1M rows under a real scheduler, "
            "Beam in_memory vs multi_processing",
            invoked_command("bench.pipeline_growth", args.argv),
            machine,
            started,
        ),
        f"- versions: {versions}",
        f"- data: {sizes}",
        f"- pipeline: `dags/taxi_pipeline.py`'s `taxi_components()` (11 components + 2 resolvers), "
        f"{args.train_steps} train / {args.eval_steps} eval steps at every size, built by a generated DAG "
        "file `taxi_growth_<mode>.py` (`create_pipeline_dag(..., beam_pipeline_args=...)`, no retries) in a "
        "copy of `dags/` whose `data/taxi/data.csv` is the size's file; cold run only (every component "
        "executes)",
        f"- deployment: fresh for every size and mode, `{VARIANT}` settings of `bench.scheduler_pipeline` "
        f"({VARIANTS[VARIANT][1]}); `airflow api-server` + `scheduler` (LocalExecutor) + `dag-processor`, "
        "SQLite Airflow DB and MLMD; the modes alternate within each size, one run each",
        "- modes: " + "; ".join(f"`{m}`: {MODES[m][1]}" for m in modes),
        "- task s = the task instance's start -> end (Airflow DB); provider s = the launcher's own "
        "`executed in` (the rest is the task process's start-up); CPU s = user + system CPU of the task's "
        "process tree; MB = peak RSS of that tree. The tree is the task process and all its descendants "
        "(Beam's SDK workers, InfraValidator's model server), polled every 0.5 s (n/a: the task ended "
        "between two samples); RSS counts shared pages in every process: each task process shares about "
        "460 MB with the forkserver that preloaded TensorFlow & co., each Beam worker is a fresh "
        "interpreter that imports them again (PSS in the raw JSON)",
        "- one run per cell on a shared 2-core machine: compare CPU s where the wall times disagree (the "
        "Trainer and InfraValidator use no Beam, so their ratio between modes shows the noise)",
        "",
    ]


def report(
    args: argparse.Namespace,
    data: Mapping[int, Dataset],
    results: Sequence[RunResult],
    machine: Mapping[str, str],
    started: str,
) -> str:
    sizes = sorted({r.rows for r in results})
    modes = [m for m in args.mode_list if any(r.mode == m for r in results)]
    by = {(r.rows, r.mode): r for r in results}
    columns = [(n, m) for n in sizes for m in modes if (n, m) in by]
    column_names = [f"{rows_label(n)} {m}" for n, m in columns]
    tasks = _task_order(results)
    lines = _header(args, data, modes, started, machine)
    run_rows = [
        [rows_label(r.rows), f"`{r.mode}`", r.state, _num(r.span_s), _num(r.wall_s),
         _num(r.deployment_peak_pss_mb / 1024, 2), r.largest_process or "n/a", _num(r.accuracy, 3),
         _dominant(r), _num(r.startup_s), _num(r.warmup_s), ", ".join(f"{x:.2f}" for x in r.load_before)]
        for r in results
    ]  # fmt: skip
    lines += [
        markdown_table(
            [
                "rows",
                "mode",
                "state",
                "run span s",
                "trigger -> finished s",
                "deployment peak GB (PSS)",
                "largest process",
                "binary accuracy",
                "longest task",
                "deployment start s",
                "warm-up run s",
                "load avg before the run",
            ],
            run_rows,
        ),
        "",
        "Per task, `task s / provider s / CPU s / peak MB`:",
        "",
    ]

    def cell(r: RunResult, task_id: str) -> str:
        t = r.tasks.get(task_id)
        if t is None:
            return "-"
        text = f"{_num(t.duration_s)} / {_num(t.provider_s)} / {_num(t.cpu_s)} / {_num(t.peak_rss_mb, 0)}"
        return text if t.state == "success" else f"{text} **{t.state}**"

    lines.append(
        markdown_table(
            ["task", *column_names], [[f"`{t}`", *(cell(by[c], t) for c in columns)] for t in tasks]
        )
    )
    lines += [
        "",
        "Most processes seen in each task's tree (1 = the task process alone; each Beam worker counts "
        "twice, with the `/bin/sh -c` that starts it; 2 for InfraValidator = its model server):",
        "",
        markdown_table(
            ["task", *column_names],
            [[f"`{t}`", *(_num(_task_value(by[c], t, "max_processes"), 0) for c in columns)] for t in tasks],
        ),
    ]
    if len(sizes) > 1:
        lines += _growth(sizes, modes, by, tasks)
    if "in_memory" in modes and "multi_processing" in modes:
        lines += _mode_ratios(sizes, by, tasks)
    failures = [(r, t, x) for r in results for t, x in r.tasks.items() if x.state != "success"]
    if failures or any(r.error for r in results):
        lines += ["", "Not successful:", ""]
        lines += [f"- {rows_label(r.rows)} `{r.mode}`: {r.state}, {r.error}" for r in results if r.error]
        lines += [
            f"- {rows_label(r.rows)} `{r.mode}` `{t}`: {x.state} (MLMD {x.mlmd_state})"
            for r, t, x in failures
        ]
    return "\n".join(lines)


def _growth(
    sizes: Sequence[int], modes: Sequence[str], by: Mapping[tuple[int, str], RunResult], tasks: Sequence[str]
) -> list[str]:
    """Per mode: each task's growth factor between consecutive sizes, and its exponent b."""
    steps = list(itertools.pairwise(sizes))
    small, large = sizes[-2], sizes[-1]
    lines = [
        "",
        "Growth per task between consecutive sizes (task s, CPU s and peak MB of the larger size / the "
        f"smaller; b = exponent of cost ~ rows^b between {rows_label(small)} and {rows_label(large)}, from "
        "provider s and from CPU s: 1 = linear, 0 = constant):",
    ]
    for mode in modes:
        header = ["task"]
        for a, b in steps:
            step = f"{rows_label(a)}->{rows_label(b)}"
            header += [f"s x ({step}, rows x{b / a:.1f})", f"CPU x ({step})", f"MB x ({step})"]
        header += ["b (provider s)", "b (CPU s)"]
        body = []
        for t in tasks:

            def get(n: int, attr: str, t: str = t, mode: str = mode) -> float | None:
                return _task_value(by.get((n, mode)), t, attr)

            row = [f"`{t}`"]
            for a, b in steps:
                row += [_ratio(get(b, attr), get(a, attr)) for attr in ("duration_s", "cpu_s", "peak_rss_mb")]
            row += [
                _exponent(get(small, attr), get(large, attr), small, large)
                for attr in ("provider_s", "cpu_s")
            ]
            body.append(row)
        lines += ["", f"`{mode}`:", "", markdown_table(header, body)]
    return lines


def _mode_ratios(
    sizes: Sequence[int], by: Mapping[tuple[int, str], RunResult], tasks: Sequence[str]
) -> list[str]:
    header = ["task"]
    for n in sizes:
        header += [f"{rows_label(n)} s", f"{rows_label(n)} CPU", f"{rows_label(n)} MB"]
    body = []
    for t in tasks:
        row = [f"`{t}`"]
        for n in sizes:
            mp, im = by.get((n, "multi_processing")), by.get((n, "in_memory"))
            row += [
                _ratio(_task_value(mp, t, attr), _task_value(im, t, attr))
                for attr in ("duration_s", "cpu_s", "peak_rss_mb")
            ]
        body.append(row)
    row = ["**run: span, -, deployment peak PSS**"]
    for n in sizes:
        mp, im = by.get((n, "multi_processing")), by.get((n, "in_memory"))
        row += [
            _ratio(mp.span_s if mp else None, im.span_s if im else None),
            "-",
            _ratio(mp.deployment_peak_pss_mb if mp else None, im.deployment_peak_pss_mb if im else None),
        ]
    body.append(row)
    return [
        "",
        "multi_processing / in_memory at each size (runs back to back): per task, task s, CPU s and peak "
        "MB; per run, span and deployment peak PSS:",
        "",
        markdown_table(header, body),
    ]


def _save_raw(path: Path, data: Mapping[int, Dataset], results: Sequence[RunResult]) -> None:
    raw = {
        "data": {str(n): {**asdict(d), "path": str(d.path)} for n, d in data.items()},
        "runs": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(raw, indent=1, default=str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default=DEFAULT_ROWS, help="comma list of sizes (15000 = the sample)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma list among {','.join(MODES)}")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    parser.add_argument("--train-steps", type=int, default=1000, help="as TFX's taxi example")
    parser.add_argument("--eval-steps", type=int, default=150, help="as TFX's taxi example")
    parser.add_argument(
        "--timeout-factor",
        type=float,
        default=1.0,
        help=f"scales each run's timeout ({TIMEOUT_BASE_S:.0f} s + {TIMEOUT_S_PER_ROW * 1000:g} s "
        "per 1000 rows)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep every run's directory (failed runs' are always kept)"
    )
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = argv
    sizes = [int(s.replace("_", "")) for s in args.rows.split(",") if s.strip()]
    args.mode_list = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in args.mode_list if m not in MODES]
    if unknown or not args.mode_list:
        raise SystemExit(f"unknown modes {unknown or args.mode_list}; choose among {sorted(MODES)}")
    if not sizes or min(sizes) <= 0:
        raise SystemExit(f"--rows needs positive sizes, got {args.rows!r}")

    machine, started = machine_info(), now_utc()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    data = {n: prepare_data(n, args.seed) for n in sizes}
    raw_path = OUT_DIR / f"pipeline_growth_{'-'.join(map(rows_label, sizes))}_{'-'.join(args.mode_list)}.json"
    workdir = Path(tempfile.mkdtemp(prefix="pipeline-growth-", dir=OUT_DIR))
    results: list[RunResult] = []
    try:
        for n in sizes:
            for mode in args.mode_list:  # the modes alternate within each size
                print(
                    f"{rows_label(n)} rows ({data[n].actual_rows:,}), mode {mode}, "
                    f"timeout {run_timeout(n, args.timeout_factor):.0f} s",
                    flush=True,
                )
                result = run_one(data[n], mode, workdir, args)
                results.append(result)
                _save_raw(raw_path, data, results)  # after every run: a later failure keeps the earlier ones
                root = run_dir(workdir, n, mode)
                if args.keep or result.state != "success":
                    print(f"  kept {root} (Airflow home, task logs, pipeline outputs)", flush=True)
                else:  # the 1M runs' outputs take GBs
                    shutil.rmtree(root, ignore_errors=True)
    finally:
        with contextlib.suppress(OSError):
            workdir.rmdir()  # when no run was kept
    print(f"raw results in {raw_path}")
    body = report(args, data, results, machine, started)
    print()
    print(body)
    if not args.no_results:
        update_results("pipeline_growth", body)


if __name__ == "__main__":
    main()
