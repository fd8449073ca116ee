"""``RunSettings``: what a task run needs besides its inputs and parameters (light: no MLMD import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.metadata.config import MetadataConfig


@dataclass(frozen=True)
class RunSettings:
    """Everything a task run needs besides its inputs and parameters. Plain data, no Airflow.

    ``run`` is what the executor will see (the launcher only fills in its ``execution_id``);
    the MLMD store and the cache switch stay on this side of the executor boundary.
    """

    run: ExecutionInfo
    metadata: MetadataConfig
    enable_cache: bool = True


@dataclass(frozen=True)
class TaskOutput:
    """An input entry read from the XCom of the task ``task_id`` in the current DAG run.

    The input check then also requires that this task produced (or reused) the artifact in
    this run: an XCom of another run, or of another task, with a consistent id, type and URI
    is still refused. Plain entries (artifact references passed as constants) skip that check.
    """

    value: Any
    task_id: str
