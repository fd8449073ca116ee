"""``RunSettings``: what a task run needs besides its inputs and parameters (light: no MLMD import)."""

from __future__ import annotations

from dataclasses import dataclass

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
