"""Server time of the plugin's pages over a store of many daily runs (issue 11's "measure").

Generates ``--runs`` daily runs with ``tests/harness/generated_store.py`` (the retention tests'
pipeline: ExampleGen, SchemaGen, Trainer, Evaluator, Pusher through the real launcher and MLMD),
on SQLite or, with ``--backend postgresql``, a PostgreSQL server started on loopback (Debian's
package), then renders each page ``--reps`` times in this process, the way the api-server does
(the page functions, MLMD reads included; HTTP and auth excluded), and reports p50 and p95. The
first call of each page is reported apart: it reads the whole store, later calls only what
changed since.

    python -m bench.ui_pages --runs 1000
    python -m bench.ui_pages --runs 1000 --backend postgresql
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def _store_config(backend: str, work: Path) -> Iterator[Any]:
    from airflow_tfx_provider.metadata.config import Backend, MetadataConfig

    if backend == "sqlite":
        yield MetadataConfig.sqlite_under(str(work / "root"))
        return
    from tests.harness.services import postgres_server

    with postgres_server(work) as server:
        yield MetadataConfig(
            backend=Backend.POSTGRESQL, host=server.host, port=server.port, database="mlmd_bench",
            user=server.user,
        )  # fmt: skip


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    started, machine = now_utc(), machine_info()

    from airflow_tfx_provider.plugins import pages
    from airflow_tfx_provider.plugins.store import PipelineStore
    from tests.harness import generated_store

    work = Path(tempfile.mkdtemp(prefix="ui-pages-"))
    with _store_config(args.backend, work) as config:
        start = time.perf_counter()
        last: dict[str, int] = {}
        for day in range(1, args.runs + 1):
            last = generated_store.make_day(work / "root", day, config)
        generate_s = time.perf_counter() - start
        store: Any = PipelineStore(
            dag_id=generated_store.PIPELINE, pipeline_root=str(work / "root"), conn_id=None,
            sqlite_path=config.path or None,
        )  # fmt: skip
        if args.backend != "sqlite":
            store = _ServerStore(store, config)
        run_id = f"day{args.runs}"
        views: dict[str, Callable[[], str]] = {
            "runs (all runs)": lambda: pages.runs_page(store),
            "run": lambda: pages.run_page(store, run_id),
            "task": lambda: pages.run_page(store, run_id, task_id="trainer"),
            "model history + trend": lambda: pages.models_page(store),
            "artifact (Model)": lambda: pages.artifact_page(store, last["model"]),
            "artifact (ModelBlessing)": lambda: pages.artifact_page(store, last["blessing"]),
            "lineage (Model)": lambda: pages.lineage_page(store, last["model"]),
        }
        rows, result = [], {}
        for name, render in views.items():
            pages.forget_records()
            first_start = time.perf_counter()
            render()
            first = time.perf_counter() - first_start
            seconds = []
            for _ in range(args.reps):
                t = time.perf_counter()
                html = render()
                seconds.append(time.perf_counter() - t)
            p50, p95 = _percentiles(seconds)
            result[name] = {"first_s": first, "p50_s": p50, "p95_s": p95, "bytes": len(html)}
            rows.append(
                [name, f"{first * 1000:.0f}", f"{p50 * 1000:.0f}", f"{p95 * 1000:.0f}", f"{len(html):,}"]
            )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / f"ui_pages_{args.backend}.json").write_text(json.dumps(result, indent=2))
    body = "\n\n".join(
        [
            section_header(
                f"UI pages' server time over {args.runs} daily runs ({args.backend} MLMD)",
                invoked_command("bench.ui_pages", argv),
                machine,
                started,
            ),
            f"Store generated through the launcher in {generate_s:.0f} s ({args.runs} runs, 5 executions "
            "each). "
            f"{args.reps} renders per page after a first one; goal p95 < 300 ms.",
            markdown_table(["page", "first ms", "p50 ms", "p95 ms", "HTML bytes"], rows),
        ]
    )
    print(body)
    update_results(f"ui_pages_{args.backend}", body)


class _ServerStore:
    """A ``PipelineStore`` whose gateway is a server store given directly (no Airflow connection)."""

    def __init__(self, store: Any, config: Any) -> None:
        self._store, self._config = store, config

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def gateway(self) -> Any:
        from airflow_tfx_provider.metadata.store import MetadataGateway

        return MetadataGateway.connect(self._config)


if __name__ == "__main__":
    main()
