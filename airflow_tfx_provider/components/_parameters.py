"""Parse-time checks of parameters that several components share (no heavy imports)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError


def check_exclude_splits(params: Mapping[str, Any], component: str) -> None:
    """``exclude_splits`` must be a list of split names (str)."""
    value = params.get("exclude_splits")
    if value is None:
        return
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) and s for s in value):
        raise PipelineDefinitionError(
            f"{component}: exclude_splits must be a list of split names (non-empty str), got {value!r}"
        )


def check_thresholds(params: Mapping[str, Any], name: str, component: str) -> None:
    """``params[name]`` must be ``None`` or a dict feature name (str) -> positive finite number."""
    value = params.get(name)
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(
            f"{component}: {name} must be a dict feature name -> threshold, got {type(value).__name__}"
        )
    for feature, threshold in value.items():
        if not isinstance(feature, str) or not feature:
            raise PipelineDefinitionError(f"{component}: {name} keys must be feature names, got {feature!r}")
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
            or threshold <= 0
        ):
            raise PipelineDefinitionError(
                f"{component}: {name}[{feature!r}] must be a positive number, got {threshold!r}"
            )
