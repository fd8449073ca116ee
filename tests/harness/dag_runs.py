"""Run DAGs in tests the way Airflow 3 needs: the file sits in the DAGs folder, then ``dag.test()``.

Test DAGs are real files in ``tests/dags/``; ``install_dag`` copies one into the session's DAGs
folder under the DAG id, with its settings in ``<dag_id>.json`` next to it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

TEST_DAGS = Path(__file__).resolve().parents[1] / "dags"


def install_dag(dags_folder: Path, template: str, dag_id: str, **config: Any) -> Path:
    """Copy ``tests/dags/<template>.py`` to ``<dags_folder>/<dag_id>.py`` with its settings beside it."""
    path = dags_folder / f"{dag_id}.py"
    shutil.copyfile(TEST_DAGS / f"{template}.py", path)
    path.with_suffix(".json").write_text(json.dumps({"dag_id": dag_id, **config}))
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


def taxi_sample(folder: Path, lines: int) -> Path:
    """``folder/data.csv``: the first ``lines`` lines (header included) of the shipped taxi CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    head = (TEST_DAGS.parents[1] / "dags" / "data" / "taxi" / "data.csv").read_text().splitlines()[:lines]
    (folder / "data.csv").write_text("\n".join(head) + "\n")
    return folder
