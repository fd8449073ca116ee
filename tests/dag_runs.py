"""Run DAGs in tests the way Airflow 3 needs: the file sits in the DAGs folder, then ``dag.test()``."""

from __future__ import annotations

import datetime as dt
import importlib.util
import textwrap
from pathlib import Path
from typing import Any


def write_dag_file(dags_folder: Path, name: str, source: str) -> Path:
    """Write a DAG file into the session's DAGs folder (``dag.test()`` serializes from there)."""
    path = dags_folder / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


def load_dag(path: Path, dag_id: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"test_dag_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for value in vars(module).values():
        if getattr(value, "dag_id", None) == dag_id and hasattr(value, "test"):
            return value
    raise AssertionError(f"no DAG {dag_id!r} in {path}")


def run_dag(dag: Any, logical_date: dt.datetime | None) -> dict[str, str]:
    """Run the DAG with ``dag.test()``; return task_id -> final state."""
    dag_run = dag.test(logical_date=logical_date) if logical_date else dag.test()
    return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.UTC)
