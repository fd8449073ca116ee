"""Trainer overhead: the Trainer component through the launcher vs calling ``run_fn`` directly.

One warm process (TensorFlow, TFT and the module file already loaded) alternates
``launch(TrainerSpec, ...)`` (cache disabled: MLMD records, input checks, FnArgs, module
loading, output verification, atomic publish) with a direct ``run_fn(fn_args)`` on the same
transformed taxi examples and the same number of steps, and reports the paired difference.
The Examples, Schema and TransformGraph are produced once, untimed, by the real components.

    python -m bench.trainer_overhead --reps 5 --steps 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from bench.common import REPO, machine_info, markdown_table, now_utc, section_header, update_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = now_utc()

    from airflow_tfx_provider.compat import FnArgs, make_data_accessor
    from airflow_tfx_provider.components._user_code.module_file import load_module_file
    from airflow_tfx_provider.components.example_gen import CsvExampleGenSpec
    from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
    from airflow_tfx_provider.components.spec import ExecutionInfo
    from airflow_tfx_provider.components.statistics_gen import StatisticsGenSpec
    from airflow_tfx_provider.components.trainer import TrainerSpec
    from airflow_tfx_provider.components.transform import TransformSpec
    from airflow_tfx_provider.metadata.config import MetadataConfig
    from airflow_tfx_provider.runtime.launcher import launch
    from airflow_tfx_provider.runtime.settings import RunSettings
    from airflow_tfx_provider.types import refs_to_json

    root = tempfile.mkdtemp(prefix="trainer-overhead-")
    module_file = str(REPO / "dags" / "taxi_module" / "model.py")

    def settings(component: str, run: str, cache: bool = True) -> RunSettings:
        return RunSettings(
            run=ExecutionInfo(
                pipeline_name="trainer_overhead",
                pipeline_root=root,
                run_id=run,
                component_id=component,
                temp_dir=os.path.join(root, ".temp", component),
            ),
            metadata=MetadataConfig.sqlite_under(root),
            enable_cache=cache,
        )

    data = str(REPO / "dags" / "data" / "taxi")
    examples = refs_to_json(
        launch(CsvExampleGenSpec, settings("example_gen", "prep"), {}, {"input_base": data}).outputs
    )
    stats = refs_to_json(
        launch(
            StatisticsGenSpec, settings("statistics_gen", "prep"), {"examples": examples["examples"]}, {}
        ).outputs
    )
    schema = refs_to_json(
        launch(SchemaGenSpec, settings("schema_gen", "prep"), {"statistics": stats["statistics"]},
               {"infer_feature_shape": False}).outputs
    )  # fmt: skip
    transform = launch(
        TransformSpec, settings("transform", "prep"),
        {"examples": examples["examples"], "schema": schema["schema"]},
        {"module_file": str(REPO / "dags" / "taxi_module" / "preprocessing.py")},
    ).outputs  # fmt: skip
    transformed, graph = transform["transformed_examples"][0], transform["transform_graph"][0]
    trainer_inputs = {
        "examples": [transformed.to_json()], "transform_graph": [graph.to_json()], "schema": schema["schema"],
    }  # fmt: skip
    trainer_params = {
        "module_file": module_file,
        "train_args": {"splits": ["train"], "num_steps": args.steps},
        "eval_args": {"splits": ["eval"], "num_steps": 5},
    }
    run_fn = load_module_file(module_file).run_fn

    def direct(i: int) -> float:
        out = tempfile.mkdtemp(prefix="direct-", dir=root)
        fn_args = FnArgs(
            working_dir=out,
            train_files=[os.path.join(transformed.split_uri("train"), "*.gz")],
            eval_files=[os.path.join(transformed.split_uri("eval"), "*.gz")],
            train_steps=args.steps, eval_steps=5,
            schema_path=os.path.join(schema["schema"][0]["uri"], "schema.pbtxt"),
            transform_graph_path=graph.uri, data_accessor=make_data_accessor(),
            serving_model_dir=os.path.join(out, "Format-Serving"), model_run_dir=os.path.join(out, "run"),
        )  # fmt: skip
        start = time.perf_counter()
        run_fn(fn_args)
        return time.perf_counter() - start

    def through_launcher(i: int) -> float:
        start = time.perf_counter()
        launch(TrainerSpec, settings("trainer", f"run-{i}", cache=False), trainer_inputs, trainer_params)
        return time.perf_counter() - start

    direct(-1), through_launcher(-1)  # warm-up: graph tracing, caches
    pairs = []
    for i in range(args.reps):
        first, second = (direct, through_launcher) if i % 2 == 0 else (through_launcher, direct)
        a, b = first(i), second(i)
        d, t = (a, b) if first is direct else (b, a)
        pairs.append((d, t))
        print(f"rep {i}: direct {d:.2f} s, trainer {t:.2f} s, overhead {t - d:+.2f} s", flush=True)
    overheads = [t - d for d, t in pairs]
    med = statistics.median(overheads)
    rows = [
        ["run_fn called directly", f"{statistics.median(d for d, _ in pairs):.2f} s"],
        ["Trainer through the launcher", f"{statistics.median(t for _, t in pairs):.2f} s"],
        ["**overhead (median of paired differences)**",
         f"**{med:+.2f} s** ({min(overheads):+.2f} .. {max(overheads):+.2f})"],
    ]  # fmt: skip
    body = "\n".join(
        [
            section_header(
                "Trainer overhead over calling run_fn directly",
                "python -m bench.trainer_overhead " + " ".join(argv or sys.argv[1:]),
                machine_info(),
                started,
            ),
            f"- taxi model.py, {args.steps} training steps on the transformed taxi data, one warm process, "
            f"{args.reps} alternating pairs after one warm-up of each",
            "",
            markdown_table(["measure", "median"], rows),
            "",
            f"Goal: overhead <= 2 s -> **{'met' if med <= 2 else 'NOT met'}**.",
        ]
    )
    print(body)
    if not args.no_results:
        update_results("trainer_overhead", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
