"""The history commands and gc on a store of many daily runs (issue 13's "measure").

Generates ``--runs`` daily runs with ``tests/harness/generated_store.py`` (ExampleGen, SchemaGen,
Trainer, Evaluator, Pusher through the real launcher and MLMD; tiny files), then times, on that
store:

- ``history.runs`` and ``history.models`` (what ``airflow tfx runs`` / ``models`` compute), in
  this process, ``--reps`` times each;
- ``airflow tfx runs`` / ``models`` end to end (a fresh CLI process, Airflow's start-up included);
- ``plan_retention`` (what ``gc --dry-run`` computes) and one real ``apply_retention`` with
  ``--keep-spans 30 --keep-models 5``: seconds, artifacts deleted, bytes freed.

    python -m bench.history_at_scale --runs 1000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    OUT_DIR,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    section_header,
    update_results,
)

AIRFLOW = Path(sys.executable).with_name("airflow")


def _timed(fn: Any, reps: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def _cli(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(AIRFLOW), "tfx", *args], check=True, capture_output=True, env=os.environ.copy())
    return time.perf_counter() - start


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    started, machine = now_utc(), machine_info()

    from airflow_tfx_provider.metadata import history
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.metadata.store import MetadataGateway
    from airflow_tfx_provider.runtime.retention import RetentionPolicy, apply_retention, plan_retention
    from tests.harness import generated_store

    work = Path(tempfile.mkdtemp(prefix="history-at-scale-"))
    root = work / "root"
    start = time.perf_counter()
    for day in range(1, args.runs + 1):
        generated_store.make_day(root, day)
        if day % 100 == 0:
            print(f"generated {day} runs in {time.perf_counter() - start:.0f} s", flush=True)
    generate_s = time.perf_counter() - start
    store = MetadataConfig.sqlite_under(str(root))
    gateway = MetadataGateway.connect(store)
    pipeline = generated_store.PIPELINE
    counts = {
        "executions": len(gateway.raw.get_executions()),
        "artifacts": len(gateway.raw.get_artifacts()),
        "store MB": round(os.path.getsize(store.path or "") / 1e6, 1),
    }

    runs_s, runs = _timed(lambda: history.runs(gateway, pipeline), args.reps)
    models_s, models = _timed(lambda: history.models(gateway, pipeline), args.reps)
    cli_startup = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([str(AIRFLOW), "version"], check=True, capture_output=True, env=os.environ.copy())
        cli_startup.append(time.perf_counter() - start)
    cli_runs = [_cli("runs", pipeline, "--pipeline-root", str(root), "-o", "json") for _ in range(3)]
    cli_models = [_cli("models", pipeline, "--pipeline-root", str(root), "-o", "json") for _ in range(3)]
    policy = RetentionPolicy(keep_spans=30, keep_models=5, older_than=None)
    plan_s, plan = _timed(lambda: plan_retention(gateway, pipeline, policy), args.reps)
    start = time.perf_counter()
    deleted, freed = apply_retention(gateway, plan, "bench.history_at_scale")
    apply_s = time.perf_counter() - start

    result = {
        "runs": args.runs, **counts, "generate_s": round(generate_s, 1),
        "history.runs_s": runs_s, "history.models_s": models_s, "cli_runs_s": cli_runs,
        "cli_models_s": cli_models, "cli_startup_s": cli_startup, "plan_s": plan_s, "apply_s": apply_s,
        "deleted": len(deleted),
        "freed_bytes": freed, "kept": len(plan.kept), "listed_runs": len(runs), "listed_models": len(models),
    }  # fmt: skip
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "history_at_scale.json").write_text(json.dumps(result, indent=2))
    rows = [
        ["`history.runs` (what `airflow tfx runs` computes)", _fmt(runs_s), f"{len(runs)} runs"],
        ["`history.models`", _fmt(models_s), f"{len(models)} models"],
        ["`airflow version` (the CLI's own start-up, for comparison)", _fmt(cli_startup), ""],
        ["`airflow tfx runs -o json` (fresh CLI process)", _fmt(cli_runs), ""],
        ["`airflow tfx models -o json` (fresh CLI process)", _fmt(cli_models), ""],
        ["`plan_retention` (gc --dry-run), keep 30 spans / 5 models", _fmt(plan_s), f"{len(plan.kept)} kept"],
        ["`apply_retention` (gc)", f"{apply_s:.1f}", f"{len(deleted)} deleted, {freed} bytes freed"],
    ]
    body = "\n\n".join(
        [
            section_header(
                f"History commands and gc on a store of {args.runs} daily runs (SQLite MLMD)",
                invoked_command("bench.history_at_scale", argv),
                machine,
                started,
            ),
            f"Store: {counts['executions']} executions, {counts['artifacts']} artifacts, "
            f"{counts['store MB']} MB; generated through the launcher in {generate_s:.0f} s.",
            markdown_table(["what", "seconds, median (min-max)", "result"], rows),
        ]
    )
    print(body)
    update_results("history_at_scale", body)


if __name__ == "__main__":
    main()
