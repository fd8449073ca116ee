"""Cold vs cached wall time of the taxi demo DAG (``airflow dags test taxi_pipeline <date>``).

For each repetition: a fresh temporary ``AIRFLOW_HOME`` (``airflow db migrate``, untimed),
``AIRFLOW__CORE__DAGS_FOLDER`` = the repo's ``dags/`` and a fresh
``AIRFLOW_TFX_PIPELINE_ROOT_BASE``; then ``airflow dags test taxi_pipeline 2024-01-01`` twice:
cold (every component executes), then cached (every component reuses the first run's outputs).
The pair is repeated ``--reps`` times (cold, cached, cold, cached, ...).

Besides the process wall time, the task logs give:

- Airflow startup: process start until the first ``[DAG TEST] starting`` line (CLI imports,
  DAG parsing, serializing the DAG to the DB, creating the run);
- per task: ``[DAG TEST] starting`` -> ``[DAG TEST] end task``;
- provider: the launcher's own time, from the operator's ``executed in Xs`` /
  ``reused cached outputs in Xs`` lines.

A third run per repetition, ``baseline``, runs a pure-Airflow DAG of the same shape (five
no-op tasks, same dependencies, no provider import) the same way: the floor that
``airflow dags test`` costs on this machine whatever the tasks do.

Goal (issue): cached / cold <= 0.10.

    python -m bench.demo_cached --reps 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    OUT_DIR,
    REPO,
    Measurement,
    Summary,
    bench_env,
    check_ok,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    package_versions,
    paired_ratios,
    run_measured,
    section_header,
    update_results,
    which,
)

GOAL = 0.10
DAG_ID = "taxi_pipeline"
BASELINE_DAG_ID = "noop_pipeline"
BASELINE_DAG = """
import datetime as dt

from airflow.sdk import DAG, BaseOperator


class NoOp(BaseOperator):
    def execute(self, context: object) -> None:
        return None


with DAG("noop_pipeline", schedule="@daily", start_date=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
         catchup=False):
    example_gen = NoOp(task_id="example_gen")
    statistics_gen = NoOp(task_id="statistics_gen")
    schema_gen = NoOp(task_id="schema_gen")
    previous_statistics = NoOp(task_id="previous_statistics")
    example_validator = NoOp(task_id="example_validator")
    example_gen >> statistics_gen >> [schema_gen, previous_statistics]
    [statistics_gen, schema_gen, previous_statistics] >> example_validator
"""
_TS = r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z)"
_START_RE = re.compile(_TS + r".*\[DAG TEST\] starting task_id=(\S+)")
_END_RE = re.compile(_TS + r".*\[DAG TEST\] end task task_id=(\S+)")
_PROVIDER_RE = re.compile(_TS + r".*\s(\w+) (executed|reused cached outputs) in ([\d.]+)s \(MLMD execution")
_FINISHED_RE = re.compile(_TS + r".*DagRun Finished: .*state=(\w+)")


@dataclass
class RunLog:
    """What one ``airflow dags test`` log says about its run."""

    startup_s: float | None = None
    dagrun_s: float | None = None
    state: str = "unknown"
    tasks: dict[str, float] = field(default_factory=dict)
    provider: dict[str, tuple[str, float]] = field(default_factory=dict)  # task -> (state, seconds)

    @property
    def provider_total_s(self) -> float:
        return sum(seconds for _, seconds in self.provider.values())


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def parse_log(text: str, process_start: float) -> RunLog:
    run = RunLog()
    starts: dict[str, float] = {}
    first_start: float | None = None
    current = ""
    for line in text.splitlines():
        if match := _START_RE.match(line):
            current = match.group(2)
            starts[current] = _ts(match.group(1))
            first_start = first_start if first_start is not None else starts[current]
        elif match := _END_RE.match(line):
            task = match.group(2)
            if task in starts:
                run.tasks[task] = _ts(match.group(1)) - starts[task]
        elif match := _PROVIDER_RE.match(line):
            run.provider[current or match.group(2)] = (match.group(3), float(match.group(4)))
        elif match := _FINISHED_RE.match(line):
            run.state = match.group(2)
            if first_start is not None:
                run.dagrun_s = _ts(match.group(1)) - first_start
    if first_start is not None:
        run.startup_s = first_start - process_start
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3, help="cold/cached pairs, each in a fresh AIRFLOW_HOME")
    parser.add_argument("--date", default="2024-01-01")
    parser.add_argument("--dags-folder", type=Path, default=REPO / "dags")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes and logs")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = argv

    machine, started = machine_info(), now_utc()
    airflow = which("airflow")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="demo-cached-", dir=OUT_DIR))
    measured: dict[str, list[Measurement]] = {"cold": [], "cached": [], "baseline": []}
    logs: dict[str, list[RunLog]] = {"cold": [], "cached": [], "baseline": []}
    migrate_s: list[float] = []
    baseline_dags = workdir / "baseline_dags"
    baseline_dags.mkdir()
    (baseline_dags / f"{BASELINE_DAG_ID}.py").write_text(BASELINE_DAG)
    try:
        for rep in range(args.reps):
            home = workdir / f"rep{rep}" / "airflow_home"
            home.mkdir(parents=True)
            env = bench_env(
                AIRFLOW_HOME=str(home),
                AIRFLOW__CORE__DAGS_FOLDER=str(args.dags_folder),
                AIRFLOW__CORE__LOAD_EXAMPLES="False",
                AIRFLOW_TFX_PIPELINE_ROOT_BASE=str(workdir / f"rep{rep}" / "pipelines"),
            )
            m = run_measured(
                [airflow, "db", "migrate"], env=env, log_path=home / "migrate.log", poll_memory=False
            )
            check_ok(m, "airflow db migrate")
            migrate_s.append(m.wall_s)
            for kind in ("cold", "cached", "baseline"):
                log_path = workdir / f"rep{rep}" / f"{kind}.log"
                run_env, dag_id = env, DAG_ID
                if kind == "baseline":
                    run_env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(baseline_dags)}
                    dag_id = BASELINE_DAG_ID
                process_start = time.time()
                m = run_measured([airflow, "dags", "test", dag_id, args.date], env=run_env, log_path=log_path)
                check_ok(m, f"airflow dags test ({kind})")
                run = parse_log(log_path.read_text(errors="replace"), process_start)
                if run.state != "success":
                    raise SystemExit(f"{kind} run of rep {rep} ended in state {run.state}; see {log_path}")
                measured[kind].append(m)
                logs[kind].append(run)
                states = {s for s, _ in run.provider.values()}
                print(
                    f"  rep {rep + 1}/{args.reps} {kind}: {m.wall_s:.1f} s wall, "
                    f"startup {run.startup_s or 0:.1f} s, DAG run {run.dagrun_s or 0:.1f} s, "
                    f"provider {run.provider_total_s:.1f} s {sorted(states)}",
                    flush=True,
                )
            cached_states = {s for s, _ in logs["cached"][-1].provider.values()}
            if cached_states != {"reused cached outputs"}:
                print(f"  WARNING: the second run did not reuse every output: {logs['cached'][-1].provider}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    body = report(args, measured, logs, migrate_s, machine, started, workdir if args.keep else None)
    print()
    print(body)
    if not args.no_results:
        update_results("demo_cached", body)


def report(
    args: argparse.Namespace,
    measured: dict[str, list[Measurement]],
    logs: dict[str, list[RunLog]],
    migrate_s: list[float],
    machine: dict[str, str],
    started: str,
    kept: Path | None,
) -> str:
    cold, cached, base = measured["cold"], measured["cached"], measured["baseline"]

    def col(kind: str, get: Any, digits: int = 1) -> str:
        return Summary.of([get(r) for r in logs[kind]]).fmt(digits)

    wall_ratio = Summary.of(paired_ratios([m.wall_s for m in cached], [m.wall_s for m in cold]))
    dagrun_ratio = Summary.of(
        paired_ratios([r.dagrun_s for r in logs["cached"]], [r.dagrun_s for r in logs["cold"]])
    )
    provider_ratio = Summary.of(
        paired_ratios(
            [r.provider_total_s for r in logs["cached"]], [r.provider_total_s for r in logs["cold"]]
        )
    )
    above_floor = Summary.of(
        paired_ratios(
            [c.wall_s - b.wall_s for c, b in zip(cached, base, strict=True)],
            [c.wall_s - b.wall_s for c, b in zip(cold, base, strict=True)],
        )
    )
    main_table = markdown_table(
        ["measure", "cold", "cached", "baseline (no-op DAG)", "cached / cold (paired)"],
        [
            [
                "process wall s (`airflow dags test`)",
                Summary.of([m.wall_s for m in cold]).fmt(1),
                Summary.of([m.wall_s for m in cached]).fmt(1),
                Summary.of([m.wall_s for m in base]).fmt(1),
                f"**{wall_ratio.fmt(3)}**",
            ],
            [
                "process CPU s (user + system, `time -v`)",
                Summary.of([m.cpu_s for m in cold]).fmt(1),
                Summary.of([m.cpu_s for m in cached]).fmt(1),
                Summary.of([m.cpu_s for m in base]).fmt(1),
                Summary.of(paired_ratios([m.cpu_s for m in cached], [m.cpu_s for m in cold])).fmt(3),
            ],
            [
                "process wall above the no-op baseline s",
                Summary.of([c.wall_s - b.wall_s for c, b in zip(cold, base, strict=True)]).fmt(1),
                Summary.of([c.wall_s - b.wall_s for c, b in zip(cached, base, strict=True)]).fmt(1),
                "0",
                above_floor.fmt(3),
            ],
            [
                "Airflow startup s (process start -> first task)",
                col("cold", lambda r: r.startup_s),
                col("cached", lambda r: r.startup_s),
                col("baseline", lambda r: r.startup_s),
                "",
            ],
            [
                "DAG run s (first task start -> DagRun Finished)",
                col("cold", lambda r: r.dagrun_s),
                col("cached", lambda r: r.dagrun_s),
                col("baseline", lambda r: r.dagrun_s),
                dagrun_ratio.fmt(3),
            ],
            [
                "provider launcher s (sum of `executed in` / `reused cached outputs in`)",
                col("cold", lambda r: r.provider_total_s, 2),
                col("cached", lambda r: r.provider_total_s, 2),
                "-",
                provider_ratio.fmt(3),
            ],
            [
                "peak RSS MB (max of `time -v` and psutil tree)",
                Summary.of([m.peak_mb for m in cold]).fmt(0),
                Summary.of([m.peak_mb for m in cached]).fmt(0),
                Summary.of([m.peak_mb for m in base]).fmt(0),
                "",
            ],
        ],
    )
    tasks = list(logs["cold"][0].tasks)
    task_rows = []
    for task in tasks:
        component = task if task in logs["cold"][0].provider else None
        task_rows.append(
            [
                f"`{task}`",
                col("cold", lambda r, t=task: r.tasks.get(t), 2),
                col("cold", lambda r, c=component: r.provider.get(c, ("", None))[1], 2) if component else "-",
                col("cached", lambda r, t=task: r.tasks.get(t), 2),
                col("cached", lambda r, c=component: r.provider.get(c, ("", None))[1], 2)
                if component
                else "-",
                col("baseline", lambda r, t=task: r.tasks.get(t), 2),
            ]
        )
    task_table = markdown_table(
        [
            "task",
            "cold: task s",
            "cold: provider s",
            "cached: task s",
            "cached: provider s",
            "baseline: task s",
        ],
        task_rows,
    )
    verdict = "met" if wall_ratio.median <= GOAL else "NOT met"
    lines = [
        section_header(
            "Taxi demo DAG: cold vs cached `airflow dags test`",
            invoked_command("bench.demo_cached", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(['apache-airflow', 'tensorflow', 'tensorflow-data-validation'])}",
        f"- DAG `{DAG_ID}` from `{args.dags_folder}` (checked-in sample data), logical date {args.date}; "
        f"{args.reps} repetitions of cold, cached, baseline, each repetition in a fresh AIRFLOW_HOME "
        "(SQLite, "
        f"`airflow db migrate` {Summary.of(migrate_s).fmt(1, 's')}, untimed) and a fresh pipeline root",
        f"- baseline: `{BASELINE_DAG_ID}`, five no-op `BaseOperator` tasks wired like the taxi DAG, "
        "no provider import: the fixed cost of `airflow dags test` here",
        "- values are median (min-max); task s = `[DAG TEST] starting` -> `end task` log lines; provider s = "
        "the operator's `executed in` / `reused cached outputs in` (launcher only)",
        (f"- logs kept in `{kept}`" if kept else "- logs removed (use `--keep` to keep them)"),
        "",
        main_table,
        "",
        f"Goal cached / cold <= {GOAL} (process wall) -> **{verdict}** (median {wall_ratio.median:.3f}).",
        "",
        "Per task:",
        "",
        task_table,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
