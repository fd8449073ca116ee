"""Resolver and launcher time against a big MLMD store (issue 12's "MLMD on PostgreSQL").

Generates ``--runs`` daily runs (5 executions each: ``tests/harness/generated_store.py``, the
real launcher and Pusher) into SQLite or a PostgreSQL server started on loopback, then times,
``--reps`` times each, what every scheduled run of a pipeline asks the store:

- ``latest_blessed_model`` (the Evaluator's baseline: the serving model);
- ``previous_span`` (ExampleValidator's drift baseline: the statistics of span - 1);
- the launcher's own time for one task (a toy component that writes one small file: contexts,
  input checks, cache lookup, execution and artifact records, publish).

Goal: resolution < 50 ms at 10k and 100k executions.

    python -m bench.resolution_at_scale --runs 2000 --backend postgresql
"""

from __future__ import annotations

import argparse
import json
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
from bench.ui_pages import _percentiles, _store_config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    args = parser.parse_args(argv)
    started, machine = now_utc(), machine_info()

    from airflow_tfx_provider.metadata.store import MetadataGateway
    from airflow_tfx_provider.runtime.artifact_query import ArtifactQuery
    from airflow_tfx_provider.runtime.launcher import launch
    from airflow_tfx_provider.runtime.resolver import latest_blessed_model, previous_span
    from tests.harness import generated_store
    from tests.unit.runtime.toy_components import ToySchemaSpec

    work = Path(tempfile.mkdtemp(prefix="resolution-"))
    root = work / "root"
    with _store_config(args.backend, work) as config:
        start = time.perf_counter()
        last: dict[str, int] = {}
        for day in range(1, args.runs + 1):
            last = generated_store.make_day(root, day, config)
            if day % 500 == 0:
                print(f"generated {day} runs in {time.perf_counter() - start:.0f} s", flush=True)
        generate_s = time.perf_counter() - start
        gateway = MetadataGateway.connect(config)
        executions = len(gateway.raw.get_executions())
        settings = generated_store.settings(root, "resolver", "probe", config)
        examples = gateway.get_artifact(last["examples"])
        model = gateway.get_artifact(last["model"])
        assert examples is not None and model is not None
        cases: dict[str, Any] = {
            "latest_blessed_model": lambda: latest_blessed_model(
                gateway, settings, ArtifactQuery("Model"), [model.ref], {}
            ),
            "previous_span": lambda: previous_span(
                gateway, settings, ArtifactQuery("Examples", "example_gen"), [examples.ref], {}
            ),
        }
        rows, result = [], {"runs": args.runs, "executions": executions, "generate_s": generate_s}
        for name, resolve in cases.items():
            seconds = []
            for _ in range(args.reps):
                t = time.perf_counter()
                found = resolve()
                seconds.append(time.perf_counter() - t)
            p50, p95 = _percentiles(seconds)
            result[name] = {"p50_s": p50, "p95_s": p95, "found": [r.mlmd_id for r in found]}
            rows.append(
                [
                    f"`{name}`",
                    f"{p50 * 1000:.1f}",
                    f"{p95 * 1000:.1f}",
                    f"#{found[0].mlmd_id}" if found else "-",
                ]
            )
        launches = []
        for rep in range(args.reps):
            t = time.perf_counter()
            launch(
                ToySchemaSpec, generated_store.settings(root, "schema_probe", f"probe{rep}", config),
                {"examples": [examples.ref.to_json()]}, {},
            )  # fmt: skip
            launches.append(time.perf_counter() - t)
        p50, p95 = _percentiles(launches)
        result["launch"] = {"p50_s": p50, "p95_s": p95}
        rows.append(["launcher, one tiny task", f"{p50 * 1000:.1f}", f"{p95 * 1000:.1f}", ""])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"resolution_{args.backend}_{args.runs}.json").write_text(json.dumps(result, indent=2))
    body = "\n\n".join(
        [
            section_header(
                f"Resolution and launcher time with {executions:,} executions ({args.backend} MLMD)",
                invoked_command("bench.resolution_at_scale", argv),
                machine,
                started,
            ),
            f"{args.runs} generated daily runs ({executions:,} executions, made through the launcher in "
            f"{generate_s:.0f} s); {args.reps} calls each. Goal: resolution < 50 ms.",
            markdown_table(["what", "p50 ms", "p95 ms", "resolved"], rows),
        ]
    )
    print(body)
    update_results(f"resolution_{args.backend}", body)


if __name__ == "__main__":
    main()
