"""StatisticsGen on three Beam set-ups of one machine, alternating within one run.

- ``in_memory``: the provider's default (no ``beam_pipeline_args``: the FnApiRunner in the task
  process, ``direct_running_mode=in_memory``, one worker);
- ``multi_processing``: ``--direct_running_mode=multi_processing --direct_num_workers=N``
  (N SDK worker processes started by the task process);
- ``portable_loopback``: ``--runner=PortableRunner --job_endpoint=localhost:<port>
  --environment_type=LOOPBACK`` against Beam's Python job server (``local_job_service_main``),
  which this script starts once for the whole run: the runner (fusion, shuffles, data plane)
  lives in the job server, the SDK worker is a thread of the task process.

Each repetition of a variant is a fresh process running what ``StatisticsGenOperator.execute``
runs minus XCom (``bench.statistics_gen``'s ``operator`` child: ``launch(StatisticsGenSpec, ...)``
with SQLite MLMD, the cache off) on the same Examples (generated taxi-like CSV,
``bench.generate_taxi_data``, written once by CsvExampleGen). The job server's CPU time during
each portable repetition (psutil) is reported next to the process CPU of the task, because it
is spent outside the measured process tree. Prints a Markdown section; does not touch
``bench/RESULTS.md`` (the numbers are quoted in ``docs/beam_runners.md``).

    python -m bench.beam_runners --rows 100000 --reps 3
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import generate_taxi_data
from bench.common import (
    OUT_DIR,
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
    paired_ratios,
    run_measured,
    section_header,
)
from bench.statistics_gen import _rows_label as rows_label
from bench.statistics_gen import prepare_examples

VERSIONED = ["apache-beam", "tensorflow-data-validation", "tensorflow"]
JOB_SERVER_STARTUP_S = 120.0


class JobServer:
    """Beam's Python job server on a free ``localhost`` port (port 0; it writes the port to a file)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        port_file = folder / "job_server.port"
        port_file.unlink(missing_ok=True)
        self.log = folder / "job_server.log"
        command = [
            sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
            "--port", "0", "--port_file", str(port_file), "--staging_dir", str(folder / "staging"),
        ]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=bench_env())
        deadline = time.monotonic() + JOB_SERVER_STARTUP_S
        while not port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the job server did not start; log {self.log}")
            time.sleep(0.2)
        self.endpoint = f"localhost:{int(port_file.read_text())}"

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _child_cmd(workdir: Path, rep: int, beam_args: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "bench.statistics_gen", "--child", "operator", "--workdir", str(workdir)]
    return [*cmd, "--rep", str(rep), *(f"--beam-arg={a}" for a in beam_args)]


def _report(
    args: argparse.Namespace,
    variants: dict[str, list[str]],
    results: dict[str, list[Measurement]],
    started: str,
    machine: dict[str, str],
) -> str:
    def s(name: str, get: Callable[[Measurement], float | None], digits: int = 1) -> str:
        return Summary.of([get(m) for m in results[name]]).fmt(digits)

    rows = [
        [
            name,
            s(name, lambda m: m.child.get("work_s")),
            s(name, lambda m: m.wall_s),
            s(name, lambda m: m.cpu_s),
            s(name, lambda m: m.child.get("job_server_cpu_s")) if name == "portable_loopback" else "-",
            s(name, lambda m: m.tree_peak_mb, 0),
            json.dumps(ms[0].child.get("num_examples")),
        ]
        for name, ms in results.items()
    ]
    table = markdown_table(
        [
            "variant", "StatisticsGen launch s", "process wall s", "process tree CPU s", "job server CPU s",
            "tree peak RSS MB", "examples per split",
        ],
        rows,
    )  # fmt: skip
    base = results["in_memory"]
    ratio_rows = [
        [
            f"{name} / in_memory",
            Summary.of(
                paired_ratios([m.child.get("work_s") for m in ms], [m.child.get("work_s") for m in base])
            ).fmt(2),
            Summary.of(paired_ratios([m.wall_s for m in ms], [m.wall_s for m in base])).fmt(2),
        ]
        for name, ms in results.items()
        if name != "in_memory"
    ]
    ratios = markdown_table(["ratio (paired per repetition)", "launch wall", "process wall"], ratio_rows)
    lines = [
        section_header(
            f"StatisticsGen on three Beam set-ups ({args.rows:,} rows)",
            invoked_command("bench.beam_runners", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(VERSIONED)}",
        *(f"- `{name}`: `{' '.join(a) or '(no beam_pipeline_args)'}`" for name, a in variants.items()),
        f"- {args.reps} repetitions per variant, alternating (order rotated by one each repetition), "
        "each in a fresh process; median (min-max); ratios per repetition, then median (min-max)",
        "- launch = `launch(StatisticsGenSpec, ...)` in the child (MLMD + executor); process = the "
        "child process (interpreter start, TFDV import, work); tree CPU from `/usr/bin/time -v` "
        "(waited children only); job server CPU = psutil delta of the job server process over "
        "the repetition",
        "",
        table,
        "",
        ratios,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="--direct_num_workers of multi_processing")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.argv = argv

    label = rows_label(args.rows)
    csv = OUT_DIR / f"taxi_{label}" / "data.csv"
    workdir = (OUT_DIR / f"beam_runners_{label}").resolve()
    machine, started = machine_info(), now_utc()
    generate_taxi_data.ensure(args.rows, csv, seed=args.seed)
    csv_meta = json.loads(generate_taxi_data.meta_path(csv).read_text())
    prepare = argparse.Namespace(csv=csv, workdir=workdir, beam_arg=[], stats_options="")
    prepare_examples(prepare, csv_meta)

    server = JobServer(workdir / "job_server")
    try:
        variants = {
            "in_memory": [],
            "multi_processing": [
                "--direct_running_mode=multi_processing", f"--direct_num_workers={args.workers}",
            ],
            "portable_loopback": [
                "--runner=PortableRunner", f"--job_endpoint={server.endpoint}", "--environment_type=LOOPBACK",
            ],
        }  # fmt: skip

        def runner(name: str) -> Callable[[int], Measurement]:
            def run(rep: int) -> Measurement:
                before = server.cpu_seconds()
                m = run_measured(
                    _child_cmd(workdir, rep, variants[name]),
                    env=bench_env(),
                    log_path=workdir / "logs" / f"{name}-{rep}.log",
                )
                m.child["job_server_cpu_s"] = server.cpu_seconds() - before
                check_ok(m, name)
                return m

            return run

        print(f"alternating {', '.join(variants)}, {args.reps} repetitions ...", flush=True)
        results = alternate([(name, runner(name)) for name in variants], args.reps, rotate=True)
    finally:
        server.stop()
    counts = {name: [m.child.get("num_examples") for m in ms] for name, ms in results.items()}
    expected = counts["in_memory"][0]
    if any(c != expected for cs in counts.values() for c in cs):
        raise SystemExit(f"the variants counted different examples: {counts}")
    print()
    print(_report(args, variants, results, started, machine))


if __name__ == "__main__":
    main()
