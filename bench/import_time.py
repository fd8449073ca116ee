"""Import cost of the provider and the example DAG file, on top of ``import airflow.sdk``.

Two kinds of fresh Python processes alternate (A B A B ...):

- ``sdk``: ``import airflow.sdk``;
- ``dag``: ``import airflow.sdk``, then ``import airflow_tfx_provider.operators,
  airflow_tfx_provider.dag_factory``, then ``runpy.run_path("dags/taxi_pipeline.py")``.

The overhead is the median of the paired differences of process wall time (``dag - sdk`` of
back-to-back runs), and, inside each ``dag`` process, the clock around the provider imports and
the DAG file. One extra ``python -X importtime`` run of ``dag`` lists the slowest modules the
provider and DAG file pull in after ``airflow.sdk``, and every run checks that no heavy module
(TensorFlow, TFDV, Beam, MLMD, pyarrow, ...) got imported. Goal: overhead < 0.3 s.

    python -m bench.import_time --reps 15
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    HEAVY_MODULES,
    JSON_MARKER,
    OUT_DIR,
    REPO,
    Measurement,
    Summary,
    alternate,
    bench_env,
    check_ok,
    invoked_command,
    machine_info,
    markdown_table,
    now_utc,
    package_versions,
    run_measured,
    section_header,
    update_results,
)

DAG_FILE = REPO / "dags" / "taxi_pipeline.py"
STAGE_MARKER = "BENCH_STAGE"
GOAL_S = 0.3

PROBE = f"""
import json, runpy, sys, time
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
print("{STAGE_MARKER} sdk", file=sys.stderr, flush=True)
result = {{"sdk_s": t1 - t0}}
if sys.argv[1] == "dag":
    import airflow_tfx_provider.operators, airflow_tfx_provider.dag_factory
    t2 = time.perf_counter()
    runpy.run_path(sys.argv[2], run_name="taxi_pipeline_bench")
    t3 = time.perf_counter()
    result.update(provider_s=t2 - t1, dag_file_s=t3 - t2)
heavy = sys.argv[3].split(",")
result["heavy"] = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
result["modules"] = len(sys.modules)
print("{JSON_MARKER}" + json.dumps(result), flush=True)
"""


def _cmd(variant: str, dag_file: Path, *flags: str) -> list[str]:
    return [sys.executable, *flags, "-c", PROBE, variant, str(dag_file), ",".join(HEAVY_MODULES)]


_IMPORTTIME_RE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def slowest_after_sdk(
    env: dict[str, str], top: int, dag_file: Path
) -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]], int]:
    """``-X importtime`` of the ``dag`` probe: top-level imports after ``airflow.sdk``, slowest first."""
    proc = subprocess.run(
        _cmd("dag", dag_file, "-X", "importtime"), env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"-X importtime probe failed:\n{proc.stderr[-3000:]}")
    after = proc.stderr.split(f"{STAGE_MARKER} sdk", 1)[-1]
    entries: list[tuple[str, float, float, int]] = []
    for line in after.splitlines():
        match = _IMPORTTIME_RE.match(line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            entries.append((match.group(4), int(match.group(1)) / 1e6, int(match.group(2)) / 1e6, depth))
    # Modules first imported after airflow.sdk; keep the outermost ones (the cumulative times
    # of nested modules are included in their parents').
    outer = [(name, self_s, cum_s) for name, self_s, cum_s, depth in entries if depth == 0]
    outer.sort(key=lambda e: -e[2])
    by_self = sorted(((name, self_s, cum_s) for name, self_s, cum_s, _ in entries), key=lambda e: -e[1])
    return outer[:top], by_self[:top], len(entries)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=15, help="repetitions per variant (>= 7 recommended)")
    parser.add_argument("--top", type=int, default=12, help="how many slow modules to list")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--dag-file", type=Path, default=DAG_FILE, help="the DAG file to parse")
    parser.add_argument("--goal", type=float, default=GOAL_S, help="goal for the overhead, seconds")
    parser.add_argument("--section", default="import_time", help="section of bench/RESULTS.md to write")
    parser.add_argument(
        "--title", default="provider + taxi DAG file", help="what is measured, for the heading"
    )
    parser.add_argument("--home", help="HOME for the probes (DAG files that read paths under $HOME)")
    args = parser.parse_args(argv)
    dag_file: Path = args.dag_file.resolve()
    goal: float = args.goal
    args.argv = argv

    machine, started = machine_info(), now_utc()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="import-time-home-", dir=OUT_DIR))
    env = bench_env(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dag_file.parent),
        **({"HOME": args.home} if args.home else {}),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW_TFX_PIPELINE_ROOT_BASE=str(home / "tfx_pipelines"),
    )
    try:
        # Warm the OS file cache and let Airflow write its default config once, untimed.
        for variant in ("sdk", "dag"):
            check_ok(run_measured(_cmd(variant, dag_file), env=env, poll_memory=False), f"warm-up {variant}")

        def runner(variant: str) -> Any:
            def run(rep: int) -> Measurement:
                m = run_measured(
                    _cmd(variant, dag_file),
                    env=env,
                    poll_memory=False,
                    log_path=OUT_DIR / "logs" / f"import-{variant}.log",
                )
                check_ok(m, f"import probe {variant}")
                return m

            return run

        print(f"alternating sdk / dag, {args.reps} repetitions ...", flush=True)
        results = alternate([("sdk", runner("sdk")), ("dag", runner("dag"))], args.reps)
        slow, slow_self, imported = slowest_after_sdk(env, args.top, dag_file)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    sdk, dag = results["sdk"], results["dag"]
    diffs = [d.wall_s - s.wall_s for s, d in zip(sdk, dag, strict=True)]
    in_process = [d.child["provider_s"] + d.child["dag_file_s"] for d in dag]
    heavy = sorted({h for m in dag for h in m.child.get("heavy", [])})
    overhead = Summary.of(diffs)
    cpu_overhead = Summary.of(
        [
            d.cpu_s - s.cpu_s
            for s, d in zip(sdk, dag, strict=True)
            if d.cpu_s is not None and s.cpu_s is not None
        ]
    )
    table = markdown_table(
        ["measure", "median (min-max)"],
        [
            ["process wall, `import airflow.sdk` only", Summary.of([m.wall_s for m in sdk]).fmt(3, "s")],
            ["process wall, + provider + DAG file", Summary.of([m.wall_s for m in dag]).fmt(3, "s")],
            ["**overhead: paired difference of process wall**", f"**{overhead.fmt(3, 's')}**"],
            ["overhead: paired difference of process CPU (user + system)", cpu_overhead.fmt(3, "s")],
            [
                "in-process: `import airflow.sdk`",
                Summary.of([m.child["sdk_s"] for m in sdk + dag]).fmt(3, "s"),
            ],
            ["in-process: provider imports", Summary.of([m.child["provider_s"] for m in dag]).fmt(3, "s")],
            [
                f"in-process: run `{dag_file.name}`",
                Summary.of([m.child["dag_file_s"] for m in dag]).fmt(3, "s"),
            ],
            ["in-process: provider + DAG file", Summary.of(in_process).fmt(3, "s")],
            ["modules loaded (sdk / dag)", f"{sdk[0].child['modules']} / {dag[0].child['modules']}"],
        ],
    )
    slow_table = markdown_table(
        ["outermost module imported after airflow.sdk", "cumulative s", "self s"],
        [[f"`{name}`", f"{cum:.3f}", f"{self_s:.3f}"] for name, self_s, cum in slow],
    )
    self_table = markdown_table(
        ["module (any depth), by self time", "self s", "cumulative s"],
        [[f"`{name}`", f"{self_s:.4f}", f"{cum:.4f}"] for name, self_s, cum in slow_self],
    )
    in_proc = Summary.of(in_process)

    def verdict(value: float) -> str:
        return "met" if value < goal else "NOT met"

    spread = (overhead.high - overhead.low) / 2
    noisy = spread > goal
    body = "\n".join(
        [
            section_header(
                f"Import cost: {args.title} over `import airflow.sdk`",
                invoked_command("bench.import_time", args.argv),
                machine,
                started,
            ),
            f"- versions: {package_versions(['apache-airflow', 'apache-airflow-task-sdk'])}",
            f"- {args.reps} repetitions per variant, alternating sdk / dag, each a fresh `python -c` process "
            "(after one untimed warm-up run of each)",
            "",
            table,
            "",
            f"Goal: overhead < {goal} s. In-process clock around the provider imports and the DAG file "
            f"(no interpreter start-up noise): median {in_proc.median:.3f} s -> "
            f"**{verdict(in_proc.median)}**. "
            f"Median paired difference of process wall: {overhead.median:.3f} s -> {verdict(overhead.median)}"
            + (
                f" (but the paired differences spread +-{spread:.2f} s, more than the goal: with this load "
                f"the wall-clock difference cannot resolve {goal} s; "
                f"CPU time: {cpu_overhead.median:.3f} s)."
                if noisy
                else "."
            ),
            "",
            f"Heavy modules loaded by the provider + DAG file ({', '.join(HEAVY_MODULES)}): "
            + (", ".join(f"`{h}`" for h in heavy) if heavy else "**none**"),
            "",
            "Slowest imports after `airflow.sdk` "
            f"(one `python -X importtime` run; {imported} modules in total):",
            "",
            slow_table,
            "",
            self_table,
        ]
    )
    print()
    print(body)
    if not args.no_results:
        update_results(args.section, body)
    print(json.dumps({"overhead_s": overhead.median, "heavy": heavy}))


if __name__ == "__main__":
    main()
