"""Transform through the provider (launcher + MLMD) vs calling TensorFlow Transform directly.

1. Generate (or reuse) a taxi-like CSV (``bench.generate_taxi_data``, 1M rows by default).
2. Once, not timed for the comparison, in one process: CsvExampleGen, StatisticsGen and
   SchemaGen through the launcher, under the benchmark's own pipeline root with a SQLite MLMD
   store. This gives the Examples (gzipped TFRecords, 2:1 train/eval hash split) and the raw
   schema (``schema.pbtxt``, SchemaGen defaults). Reused on later runs.
3. Alternate, each repetition in a fresh Python process, with the same ``preprocessing_fn``
   (``dags/taxi_module/preprocessing.py``) and the same Beam options
   (``beam_support.pipeline_args([])``: the FnApiRunner, in_memory, one worker):

   - ``operator``: what ``TransformOperator.execute`` does minus XCom:
     ``launch(TransformSpec, RunSettings(..., enable_cache=False), {"examples": [ref],
     "schema": [ref]}, {"module_file": ...})`` with the real SQLite MLMD (input check,
     execution records, staging, publish) and the component's defaults (analyze ``train``,
     transform ``train`` and ``eval``, materialize, analyzer cache written, no statistics);
   - ``direct``: the idiomatic TFT program: tfx_bsl ``TFExampleRecord(file_pattern,
     schema=raw schema)`` per split, ``tft_beam.AnalyzeAndTransformDataset`` on train inside
     ``tft_beam.Context(temp_dir=...)``, ``tft_beam.TransformDataset`` on eval (both with
     ``output_record_batches=True``), ``tft_beam.WriteTransformFn``, and the transformed
     splits encoded by ``tft_beam.EncodeTransformedDataset`` and written as gzipped
     tf.Example TFRecords (``beam.io.WriteToTFRecord``).

Measured per process: wall time (parent clock, including interpreter start and imports), CPU
(user + system) and peak RSS (``/usr/bin/time -v``; plus the psutil-polled sum over the
process tree) and, reported by the child, the time to import TFT and of the work itself. The
parent then counts the records each variant wrote per split (outside the measurement).

    python -m bench.transform --rows 1000000 --reps 2
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import shutil
import struct
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
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
    paired_ratios,
    run_measured,
    section_header,
    update_results,
    variant_table,
)
from bench.statistics_gen import _emit, _fmt_ratio, _rows_label

PIPELINE_NAME = "transform_bench"
MODULE_FILE = REPO / "dags" / "taxi_module" / "preprocessing.py"
VERSIONED = ["tensorflow", "tensorflow-transform", "tfx-bsl", "apache-beam", "ml-metadata"]
VARIANTS = ("operator", "direct")


# ---------------------------------------------------------------------------------------------
# Child processes (each imports the heavy libraries itself)
# ---------------------------------------------------------------------------------------------


def _settings(workdir: Path, component_id: str, run_id: str) -> Any:
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
            beam_pipeline_args=(),
            temp_dir=str(workdir / "pipeline_root" / ".temp" / component_id),
        ),
        metadata=MetadataConfig.sqlite_under(root),
        enable_cache=False,
    )


def child_prepare(args: argparse.Namespace) -> None:
    """ExampleGen, StatisticsGen and SchemaGen through the launcher; refs to prepared.json."""
    from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
    from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
    from airflow_tfx_provider.runtime.launcher import launch

    started = time.perf_counter()
    run_id = "bench-prepare"
    result = launch(
        CsvExampleGenSpec,
        _settings(args.workdir, "example_gen", run_id),
        {},
        {"input_base": str(Path(args.csv).parent)},
    )
    (examples,) = result.outputs["examples"]
    result = launch(
        StatisticsGenSpec, _settings(args.workdir, "statistics_gen", run_id), {"examples": [examples]}, {}
    )
    (stats,) = result.outputs["statistics"]
    result = launch(SchemaGenSpec, _settings(args.workdir, "schema_gen", run_id), {"statistics": [stats]}, {})
    (schema,) = result.outputs["schema"]
    (args.workdir / "prepared.json").write_text(
        json.dumps({"examples": examples.to_json(), "schema": schema.to_json(), "csv_meta": args.csv_meta})
    )
    _emit({"seconds": time.perf_counter() - started, "uri": examples.uri, "schema_uri": schema.uri})


def _prepared(workdir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((workdir / "prepared.json").read_text())
    return data


def _splits(ref: dict[str, Any]) -> list[str]:
    splits = ref["properties"]["split_names"]
    return json.loads(splits) if isinstance(splits, str) else list(splits)


def child_operator(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    import tensorflow_transform.beam  # noqa: F401  (same first import as the direct child)

    t1 = time.perf_counter()
    import dataclasses

    from airflow_tfx_provider.components.transform import TransformSpec
    from airflow_tfx_provider.runtime.launcher import launch

    prepared = _prepared(args.workdir)
    executor_seconds: list[float] = []

    def timed_executor(*a: Any) -> None:
        started = time.perf_counter()
        try:
            TransformSpec.load_executor()(*a)
        finally:
            executor_seconds.append(time.perf_counter() - started)

    spec = dataclasses.replace(TransformSpec, executor=timed_executor)
    settings = _settings(args.workdir, "transform", f"bench-operator-{args.rep}")
    inputs = {"examples": [prepared["examples"]], "schema": [prepared["schema"]]}
    t2, c2 = time.perf_counter(), time.process_time()
    result = launch(spec, settings, inputs, {"module_file": str(MODULE_FILE)})
    t3, c3 = time.perf_counter(), time.process_time()
    (out,) = result.outputs["transformed_examples"]
    _emit(
        {
            "import_s": t1 - t0,
            "setup_s": t2 - t1,
            "work_s": t3 - t2,
            "work_cpu_s": c3 - c2,
            "executor_s": executor_seconds[0] if executor_seconds else None,
            "outputs": {s: f"{out.uri}/Split-{s}/*.gz" for s in out.split_names},
            "execution_id": result.execution_id,
        }
    )


def child_direct(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    import tensorflow_transform.beam as tft_beam

    t1 = time.perf_counter()
    import importlib

    import apache_beam as beam
    from apache_beam.io.filesystem import CompressionTypes
    from apache_beam.options.pipeline_options import PipelineOptions
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.public import tfxio

    from airflow_tfx_provider.components._beam import pipeline_args

    sys.path.insert(0, str(MODULE_FILE.parent))
    preprocessing_fn = importlib.import_module(MODULE_FILE.stem).preprocessing_fn

    prepared = _prepared(args.workdir)
    uri, splits = prepared["examples"]["uri"], _splits(prepared["examples"])
    raw_schema = text_format.Parse(
        Path(prepared["schema"]["uri"], "schema.pbtxt").read_text(), schema_pb2.Schema()
    )
    out_dir = args.workdir / "direct" / f"{args.child}-{args.rep}"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    t2, c2 = time.perf_counter(), time.process_time()

    def read(pipeline: Any, split: str) -> Any:
        source = tfxio.TFExampleRecord(file_pattern=f"{uri}/Split-{split}/*.gz", schema=raw_schema)
        return pipeline | f"Read[{split}]" >> source.BeamSource(), source.TensorAdapterConfig()

    def write(dataset: Any, split: str) -> None:
        _ = (
            dataset
            | f"Encode[{split}]" >> tft_beam.EncodeTransformedDataset()
            | f"Write[{split}]"
            >> beam.io.WriteToTFRecord(
                str(out_dir / "transformed_examples" / f"Split-{split}" / "transformed_examples"),
                file_name_suffix=".gz",
                compression_type=CompressionTypes.GZIP,
            )
        )

    with beam.Pipeline(options=PipelineOptions(pipeline_args([]))) as pipeline:
        with tft_beam.Context(temp_dir=str(out_dir / "tmp")):
            transformed_train, transform_fn = read(pipeline, "train") | "AnalyzeAndTransform" >> (
                tft_beam.AnalyzeAndTransformDataset(preprocessing_fn, output_record_batches=True)
            )
            write(transformed_train, "train")
            for split in (s for s in splits if s != "train"):
                transformed = (read(pipeline, split), transform_fn) | f"Transform[{split}]" >> (
                    tft_beam.TransformDataset(output_record_batches=True)
                )
                write(transformed, split)
            _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(
                str(out_dir / "transform_graph")
            )
    t3, c3 = time.perf_counter(), time.process_time()
    _emit(
        {
            "import_s": t1 - t0,
            "setup_s": t2 - t1,
            "work_s": t3 - t2,
            "work_cpu_s": c3 - c2,
            "outputs": {s: str(out_dir / "transformed_examples" / f"Split-{s}" / "*.gz") for s in splits},
        }
    )


CHILDREN = {"prepare": child_prepare, "operator": child_operator, "direct": child_direct}


# ---------------------------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------------------------


def count_records(pattern: str) -> int:
    """Records in gzipped TFRecord files (reads the framing only: no TensorFlow import)."""
    count = 0
    for path in sorted(glob.glob(pattern)):
        with gzip.open(path, "rb") as f:
            while header := f.read(12):  # uint64 length + uint32 masked CRC of the length
                (length,) = struct.unpack("<Q", header[:8])
                f.seek(length + 4, 1)  # data + its CRC
                count += 1
    return count


def _child_cmd(args: argparse.Namespace, child: str, rep: int, extra: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "bench.transform", "--child", child, "--workdir", str(args.workdir)]
    return [*cmd, "--rep", str(rep), *extra]


def prepare_inputs(args: argparse.Namespace, csv_meta: dict[str, Any]) -> dict[str, Any]:
    marker = args.workdir / "prepared.json"
    if marker.exists():
        data = json.loads(marker.read_text())
        if data.get("csv_meta") == csv_meta and Path(data["examples"]["uri"]).is_dir():
            print(f"reusing Examples {data['examples']['uri']} and schema {data['schema']['uri']}")
            return {"seconds": None, "uri": data["examples"]["uri"], "schema_uri": data["schema"]["uri"]}
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    print(
        f"running CsvExampleGen, StatisticsGen, SchemaGen on {args.csv} (once, not compared) ...", flush=True
    )
    m = run_measured(
        _child_cmd(args, "prepare", 0, ["--csv", str(args.csv), "--csv-meta", json.dumps(csv_meta)]),
        env=bench_env(),
        log_path=args.workdir / "logs" / "prepare.log",
    )
    check_ok(m, "prepare")
    print(f"  prepare: {m.wall_s:.1f} s wall -> {m.child.get('uri')}, schema {m.child.get('schema_uri')}")
    return {"seconds": m.wall_s, "uri": m.child.get("uri"), "schema_uri": m.child.get("schema_uri")}


def report(
    args: argparse.Namespace,
    results: dict[str, list[Measurement]],
    prepared: dict[str, Any],
    started: str,
    machine: dict[str, str],
) -> str:
    table = variant_table(
        results,
        import_label="TFT + Beam import s",
        count_key="counts",
        count_label="transformed examples per split",
    )
    op, direct = results["operator"], results["direct"]

    def ratio(get: Any) -> str:
        return _fmt_ratio(paired_ratios([get(m) for m in op], [get(m) for m in direct]))

    ratios = markdown_table(
        [
            "ratio (paired per repetition)",
            "process CPU",
            "work CPU (main process)",
            "max RSS",
            "tree peak RSS",
            "process wall",
            "work wall",
        ],
        [
            [
                "operator / direct",
                ratio(lambda m: m.cpu_s),
                ratio(lambda m: m.child.get("work_cpu_s")),
                ratio(lambda m: m.maxrss_mb),
                ratio(lambda m: m.tree_peak_mb),
                ratio(lambda m: m.wall_s),
                ratio(lambda m: m.child.get("work_s")),
            ]
        ],
    )
    overhead = [
        m.child["work_s"] - m.child["executor_s"] for m in op if m.child.get("executor_s") is not None
    ]
    same_counts = all(
        m.child.get("counts") == op[0].child.get("counts") for ms in results.values() for m in ms
    )
    lines = [
        section_header(
            f"Transform: operator path vs direct TFT ({args.rows:,} rows)",
            invoked_command("bench.transform", args.argv),
            machine,
            started,
        ),
        f"- versions: {package_versions(VERSIONED)}",
        f"- data: {args.csv} ({args.rows:,} rows, {args.csv.stat().st_size / 2**20:.0f} MiB), Examples "
        f"{prepared.get('uri')} (CsvExampleGen default 2:1 train/eval hash split), raw schema "
        f"{prepared.get('schema_uri')} (StatisticsGen + SchemaGen defaults"
        + (f"; {prepared['seconds']:.0f} s to prepare" if prepared.get("seconds") else "")
        + ")",
        f"- preprocessing_fn: `{MODULE_FILE.relative_to(REPO)}` in both variants; Beam options (both): "
        "`beam_support.pipeline_args([])` = `--runner=FnApiRunner` (in_memory, 1 worker)",
        "- operator: `launch(TransformSpec, RunSettings(enable_cache=False, SQLite MLMD), ...)` with the "
        "component defaults (analyze train, transform train + eval, materialize, analyzer cache written, "
        "no statistics); direct: `AnalyzeAndTransformDataset` on train, `TransformDataset` on eval, "
        "`WriteTransformFn`, `EncodeTransformedDataset` + gzipped `WriteToTFRecord`",
        f"- {args.reps} repetitions per variant, alternating {' / '.join(results)} (order rotated by one "
        "each repetition against load drift); each in a fresh process; values are median (min-max); "
        "ratios are per repetition (the two runs of a repetition ran back to back), then median (min-max)",
        "- process wall / CPU = whole child process (interpreter start, imports, work; CPU = user + system "
        "from `/usr/bin/time -v`). **CPU is the primary measure**: the machine has 2 cores shared with "
        "other jobs, so wall time is noisy; work = the `launch` call (operator) or the Beam pipeline "
        "(direct); transformed examples counted afterwards by the parent from the written files "
        f"({'same in every run' if same_counts else 'DIFFER between runs'})",
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
    parser.add_argument("--workdir", type=Path, default=None, help="default bench/out/transform_<rows>")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--prepare-only", action="store_true", help="only generate the CSV, Examples, schema")
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
    args.workdir = (args.workdir or OUT_DIR / f"transform_{label}").resolve()
    machine, started = machine_info(), now_utc()
    generate_taxi_data.ensure(args.rows, args.csv, seed=args.seed)
    csv_meta = json.loads(generate_taxi_data.meta_path(args.csv).read_text())
    prepared = prepare_inputs(args, csv_meta)
    if args.prepare_only:
        return

    def runner(child: str) -> Any:
        def run(rep: int) -> Measurement:
            m = run_measured(
                _child_cmd(args, child, rep, []),
                env=bench_env(),
                log_path=args.workdir / "logs" / f"{child}-{rep}.log",
            )
            check_ok(m, child)
            m.child["counts"] = {s: count_records(p) for s, p in m.child.get("outputs", {}).items()}
            return m

        return run

    print(f"alternating {' / '.join(VARIANTS)}, {args.reps} repetitions ...", flush=True)
    results = alternate([(v, runner(v)) for v in VARIANTS], args.reps, rotate=True)
    body = report(args, results, prepared, started, machine)
    print()
    print(body)
    if not args.no_results:
        update_results(f"transform_{label}", body)


if __name__ == "__main__":
    main()
