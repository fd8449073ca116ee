"""StatisticsGen through the provider (launcher + MLMD) vs calling TFDV directly.

1. Generate (or reuse) a taxi-like CSV (``bench.generate_taxi_data``, 1M rows by default).
2. Run the CsvExampleGen spec once through the launcher (not timed for the comparison): this
   writes the Examples TFRecords (train/eval, 2:1 hash split) and registers them in a SQLite
   MLMD store under the benchmark's pipeline root. Reused on later runs.
3. Alternate, each repetition in a fresh Python process:

   - ``operator``: what ``StatisticsGenOperator.execute`` does minus XCom:
     ``launch(StatisticsGenSpec, RunSettings(..., enable_cache=False), {"examples": [ref]}, params)``
     with the real SQLite MLMD (input check, execution records, staging, publish);
   - ``direct``: the idiomatic TFDV call a user would write,
     ``tfdv.generate_statistics_from_tfrecord(data_location=<Split-x/*.gz>, output_path=...,
     stats_options=..., pipeline_options=PipelineOptions(beam_args))``, once per split;
   - ``direct-1p`` (optional, ``--direct-modes``): both splits in one hand-written Beam pipeline
     with the same transforms as the provider's executor (isolates the launcher's own cost).

   The same ``StatsOptions`` and Beam options go to every variant. The provider's default
   ``beam_pipeline_args`` is empty, i.e. Beam's DirectRunner with its defaults
   (``direct_running_mode=in_memory``, ``direct_num_workers=1``); ``--beam-arg`` adds options.

Measured per process: wall time (parent clock, including interpreter start and imports), peak
RSS (``/usr/bin/time -v`` maximum resident set size of the largest process, and the psutil-polled
sum over the process tree), and, reported by the child, the time to import TFDV and the time of
the work itself (launch / TFDV calls).

    python -m bench.statistics_gen --rows 1000000 --reps 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    JSON_MARKER,
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
    update_results,
    variant_table,
)

PIPELINE_NAME = "statistics_gen_bench"
VERSIONED = ["apache-airflow", "tensorflow", "tensorflow-data-validation", "apache-beam", "ml-metadata"]


def _rows_label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


# ---------------------------------------------------------------------------------------------
# Child processes (each imports the heavy libraries itself)
# ---------------------------------------------------------------------------------------------


def _emit(payload: dict[str, Any]) -> None:
    print(JSON_MARKER + json.dumps(payload), flush=True)


def _settings(workdir: Path, component_id: str, run_id: str, beam_args: list[str]) -> Any:
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.runtime.settings import RunSettings

    root = str(workdir / "pipeline_root")
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name=PIPELINE_NAME,
            pipeline_root=root,
            run_id=run_id,
            component_id=component_id,
            beam_pipeline_args=tuple(beam_args),
            temp_dir=str(workdir / "pipeline_root" / ".temp" / component_id),
        ),
        metadata=MetadataConfig.sqlite_under(root),
        enable_cache=False,
    )


def child_prepare(args: argparse.Namespace) -> None:
    """Run CsvExampleGen through the launcher; write the Examples reference to examples.json."""
    from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
    from airflow_tfx_provider.runtime.launcher import launch

    started = time.perf_counter()
    settings = _settings(args.workdir, "example_gen", "bench-prepare", args.beam_arg)
    result = launch(CsvExampleGenSpec, settings, {}, {"input_base": str(Path(args.csv).parent)})
    (ref,) = result.outputs["examples"]
    (args.workdir / "examples.json").write_text(json.dumps({"ref": ref.to_json(), "csv_meta": args.csv_meta}))
    _emit({"seconds": time.perf_counter() - started, "uri": ref.uri, "splits": ref.split_names})


def _stats_options(args: argparse.Namespace) -> Any:
    from airflow_tfx_provider.components.statistics_gen.executor import build_stats_options

    return build_stats_options(json.loads(args.stats_options) if args.stats_options else None)


def _num_examples(path: str, binary: bool) -> int:
    import tensorflow_data_validation as tfdv

    stats = tfdv.load_stats_binary(path) if binary else tfdv.load_statistics(path)
    return int(stats.datasets[0].num_examples)


def child_operator(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    import tensorflow_data_validation  # noqa: F401  (same first import as the direct child)

    t1 = time.perf_counter()
    import dataclasses

    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
    from airflow_tfx_provider.runtime.launcher import launch

    ref = json.loads((args.workdir / "examples.json").read_text())["ref"]
    executor_seconds: list[float] = []

    def timed_executor(*a: Any) -> None:
        started = time.perf_counter()
        try:
            StatisticsGenSpec.load_executor()(*a)
        finally:
            executor_seconds.append(time.perf_counter() - started)

    spec = dataclasses.replace(StatisticsGenSpec, executor=timed_executor)
    params: dict[str, Any] = {}
    if args.stats_options:
        params["stats_options"] = json.loads(args.stats_options)
    settings = _settings(args.workdir, "statistics_gen", f"bench-operator-{args.rep}", args.beam_arg)
    t2, c2 = time.perf_counter(), time.process_time()
    result = launch(spec, settings, {"examples": [ref]}, params)
    t3, c3 = time.perf_counter(), time.process_time()
    (stats,) = result.outputs["statistics"]
    counts = {s: _num_examples(f"{stats.split_uri(s)}/FeatureStats.pb", True) for s in stats.split_names}
    t4 = time.perf_counter()
    _emit(
        {
            "import_s": t1 - t0,
            "setup_s": t2 - t1,
            "work_s": t3 - t2,
            "work_cpu_s": c3 - c2,
            "executor_s": executor_seconds[0] if executor_seconds else None,
            "verify_s": t4 - t3,
            "num_examples": counts,
            "execution_id": result.execution_id,
        }
    )


def child_direct(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    import tensorflow_data_validation as tfdv

    t1 = time.perf_counter()
    from apache_beam.options.pipeline_options import PipelineOptions

    ref = json.loads((args.workdir / "examples.json").read_text())["ref"]
    uri, splits = ref["uri"], ref["properties"]["split_names"]
    splits = json.loads(splits) if isinstance(splits, str) else list(splits)
    options = _stats_options(args)
    out_dir = args.workdir / "direct" / f"{args.child}-{args.rep}"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    t2, c2 = time.perf_counter(), time.process_time()
    counts: dict[str, int] = {}
    if args.child == "direct":
        for split in splits:
            stats = tfdv.generate_statistics_from_tfrecord(
                data_location=f"{uri}/Split-{split}/*.gz",
                output_path=str(out_dir / f"Split-{split}" / "stats.tfrecord"),
                stats_options=options,
                pipeline_options=PipelineOptions(list(args.beam_arg)),
            )
            counts[split] = int(stats.datasets[0].num_examples)
        t3, c3 = time.perf_counter(), time.process_time()
    else:  # one pipeline for all splits, the same transforms as the provider's executor
        import apache_beam as beam
        from tfx_bsl.public import tfxio

        with beam.Pipeline(options=PipelineOptions(list(args.beam_arg))) as pipeline:
            for split in splits:
                (out_dir / f"Split-{split}").mkdir()
                _ = (
                    pipeline
                    | f"ReadExamples[{split}]"
                    >> tfxio.TFExampleRecord(file_pattern=f"{uri}/Split-{split}/*.gz").BeamSource(
                        options.desired_batch_size
                    )
                    | f"GenerateStatistics[{split}]" >> tfdv.GenerateStatistics(options)
                    | f"WriteStatistics[{split}]"
                    >> tfdv.WriteStatisticsToBinaryFile(str(out_dir / f"Split-{split}" / "FeatureStats.pb"))
                )
        t3, c3 = time.perf_counter(), time.process_time()
        counts = {s: _num_examples(str(out_dir / f"Split-{s}" / "FeatureStats.pb"), True) for s in splits}
    t4 = time.perf_counter()
    _emit(
        {
            "import_s": t1 - t0,
            "setup_s": t2 - t1,
            "work_s": t3 - t2,
            "work_cpu_s": c3 - c2,
            "verify_s": t4 - t3,
            "num_examples": counts,
        }
    )


CHILDREN = {
    "prepare": child_prepare,
    "operator": child_operator,
    "direct": child_direct,
    "direct-1p": child_direct,
}


# ---------------------------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------------------------


def _child_cmd(args: argparse.Namespace, child: str, rep: int, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "bench.statistics_gen", "--child", child, "--workdir", str(args.workdir)]
    cmd += ["--rep", str(rep)]
    for beam_arg in args.beam_arg:
        cmd.append(f"--beam-arg={beam_arg}")
    if args.stats_options:
        cmd += ["--stats-options", args.stats_options]
    return cmd + extra


def prepare_examples(args: argparse.Namespace, csv_meta: dict[str, Any]) -> dict[str, Any]:
    marker = args.workdir / "examples.json"
    if marker.exists():
        data = json.loads(marker.read_text())
        if data.get("csv_meta") == csv_meta and Path(data["ref"]["uri"]).is_dir():
            print(f"reusing Examples {data['ref']['uri']}")
            return {"seconds": None, "uri": data["ref"]["uri"]}
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    print(f"running CsvExampleGen on {args.csv} (once, not part of the comparison) ...", flush=True)
    m = run_measured(
        _child_cmd(args, "prepare", 0, ["--csv", str(args.csv), "--csv-meta", json.dumps(csv_meta)]),
        env=bench_env(),
        log_path=args.workdir / "logs" / "prepare.log",
    )
    check_ok(m, "CsvExampleGen")
    print(f"  ExampleGen: {m.wall_s:.1f} s wall, peak {m.peak_mb or 0:.0f} MB -> {m.child.get('uri')}")
    return {"seconds": m.wall_s, "peak_mb": m.peak_mb, "uri": m.child.get("uri")}


def _fmt_ratio(values: list[float]) -> str:
    return Summary.of(values).fmt(3) if values else "n/a"


def report(
    args: argparse.Namespace,
    results: dict[str, list[Measurement]],
    prepared: dict[str, Any],
    started: str,
    machine: dict[str, str],
) -> str:
    table = variant_table(
        results, import_label="TFDV import s", count_key="num_examples", count_label="examples per split"
    )
    op = results["operator"]

    def ratio(get: Any, other: list[Measurement]) -> str:
        return _fmt_ratio(paired_ratios([get(m) for m in op], [get(m) for m in other]))

    ratio_rows = []
    for name, other in results.items():
        if name == "operator":
            continue
        ratio_rows.append(
            [
                f"operator / {name}",
                ratio(lambda m: m.wall_s, other),
                ratio(lambda m: m.cpu_s, other),
                ratio(lambda m: m.child.get("work_s"), other),
                ratio(lambda m: m.child.get("work_cpu_s"), other),
                ratio(lambda m: m.maxrss_mb, other),
                ratio(lambda m: m.tree_peak_mb, other),
            ]
        )
    ratios = markdown_table(
        [
            "ratio (paired per repetition)",
            "process wall",
            "process CPU",
            "work wall",
            "work CPU (main process)",
            "max RSS",
            "tree peak RSS",
        ],
        ratio_rows,
    )
    overhead = [
        m.child["work_s"] - m.child["executor_s"] for m in op if m.child.get("executor_s") is not None
    ]
    side = [m.child.get("setup_s", 0) + m.child.get("verify_s", 0) for ms in results.values() for m in ms]
    beam = " ".join(args.beam_arg) or "(none: provider default -> DirectRunner, in_memory, 1 worker)"
    lines = [
        section_header(
            f"StatisticsGen: operator path vs direct TFDV ({args.rows:,} rows)",
            invoked_command("bench.statistics_gen", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(VERSIONED)}",
        f"- data: {args.csv} ({args.rows:,} rows, {args.csv.stat().st_size / 2**20:.0f} MiB), Examples "
        f"{prepared.get('uri')} (CsvExampleGen default 2:1 train/eval hash split"
        + (f", {prepared['seconds']:.0f} s to write" if prepared.get("seconds") else "")
        + ")",
        f"- Beam options (all variants): {beam}; StatsOptions: {args.stats_options or 'TFDV defaults'}",
        f"- {args.reps} repetitions per variant, alternating {' / '.join(results)} (order rotated by one "
        "each repetition against load drift); each in a fresh process; values are median (min-max); "
        "ratios are per repetition (runs of one repetition ran back to back), then median (min-max)",
        "- process wall / CPU = whole child process (interpreter start, imports, work; CPU = user + system "
        "from `/usr/bin/time -v`, less sensitive than wall time to other load on the machine); "
        "TFDV import = `import tensorflow_data_validation` (first thing in every child); "
        "work = `launch(...)` for the operator (MLMD + executor), the TFDV calls / Beam pipeline "
        "for direct (wall and `time.process_time()`); executor = the StatisticsGen executor inside `launch`",
        f"- not shown: other imports/arguments before the work and reading back `num_examples` after it: "
        f"at most {max(side, default=0):.2f} s per process",
        "",
        table,
        "",
        ratios,
        "",
        f"Launcher overhead around the executor (work - executor, operator): "
        f"{Summary.of(overhead).fmt(2, 's')}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, default=None, help="default bench/out/taxi_<rows>/data.csv")
    parser.add_argument("--workdir", type=Path, default=None, help="default bench/out/statistics_gen_<rows>")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--direct-modes",
        default="direct,direct-1p",
        help="comma list of direct variants: direct (per split, tfdv.generate_statistics_from_tfrecord), "
        "direct-1p (one hand-written Beam pipeline)",
    )
    parser.add_argument("--beam-arg", action="append", default=[], help="Beam option for every variant")
    parser.add_argument(
        "--stats-options", default="", help="JSON dict of tfdv.StatsOptions keyword arguments"
    )
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--prepare-only", action="store_true", help="only generate the CSV and the Examples")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--rep", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--csv-meta", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.argv = argv

    if args.child:
        args.csv_meta = json.loads(args.csv_meta)
        CHILDREN[args.child](args)
        return

    from bench import generate_taxi_data

    label = _rows_label(args.rows)
    args.csv = args.csv or OUT_DIR / f"taxi_{label}" / "data.csv"
    args.workdir = (args.workdir or OUT_DIR / f"statistics_gen_{label}").resolve()
    machine, started = machine_info(), now_utc()
    generate_taxi_data.ensure(args.rows, args.csv, seed=args.seed)
    csv_meta = json.loads(generate_taxi_data.meta_path(args.csv).read_text())
    prepared = prepare_examples(args, csv_meta)
    if args.prepare_only:
        return

    modes = [m.strip() for m in args.direct_modes.split(",") if m.strip()]
    for mode in modes:
        if mode not in ("direct", "direct-1p"):
            parser.error(f"unknown direct mode {mode!r}")

    def runner(child: str) -> Any:
        def run(rep: int) -> Measurement:
            m = run_measured(
                _child_cmd(args, child, rep, []),
                env=bench_env(),
                log_path=args.workdir / "logs" / f"{child}-{rep}.log",
            )
            check_ok(m, child)
            return m

        return run

    print(f"alternating operator vs {', '.join(modes)}, {args.reps} repetitions ...", flush=True)
    variants = [("operator", runner("operator")), *((m, runner(m)) for m in modes)]
    results = alternate(variants, args.reps, rotate=True)
    body = report(args, results, prepared, started, machine)
    print()
    print(body)
    if not args.no_results:
        update_results(f"statistics_gen_{label}", body)


if __name__ == "__main__":
    main()
