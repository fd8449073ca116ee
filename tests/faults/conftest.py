"""Fixtures of the fault suite (its figures are printed by ``tests/conftest.py``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.runtime.settings import RunSettings


def make_settings(
    root: Path, component_id: str, run_id: str = "run-1", *, pipeline: str = "faults"
) -> RunSettings:
    return RunSettings(
        run=ExecutionInfo(
            pipeline_name=pipeline, pipeline_root=str(root), run_id=run_id, component_id=component_id,
            temp_dir=os.path.join(str(root), ".temp", component_id),
        ),
        metadata=MetadataConfig.sqlite_under(str(root)),
    )  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Callable[..., RunSettings]:
    root = tmp_path / "root"

    def build(component_id: str, run_id: str = "run-1", **kwargs: Any) -> RunSettings:
        return make_settings(root, component_id, run_id, **kwargs)

    return build
