"""What a Resolver asks for (light: operators build these when the DAG is parsed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import artifact_type

#: The Resolver's strategies (implemented in ``runtime.resolver``).
STRATEGY_NAMES = ("latest_artifact", "previous_span", "latest_blessed_model", "span_range")


@dataclass(frozen=True)
class ArtifactQuery:
    """Artifacts of a type in this pipeline's MLMD records, optionally from one producer task."""

    type: str
    producer_task_id: str | None = None

    def __post_init__(self) -> None:
        artifact_type(self.type)


_RANGE_FIELDS = {
    "static_range": {"start_span_number": True, "end_span_number": True},
    "rolling_range": {"start_span_number": False, "num_spans": True, "skip_num_recent_spans": False},
}


def check_range_config(range_config: Any, *, where: str) -> None:
    """TFX's ``RangeConfig`` in dict form, checked when the DAG is parsed.

    ``{"static_range": {"start_span_number": a, "end_span_number": b}}`` (spans a..b) or
    ``{"rolling_range": {"num_spans": n, "start_span_number": s, "skip_num_recent_spans": k}}``
    (the ``n`` newest spans not below ``s``, after skipping the ``k`` newest).
    """
    if (
        not isinstance(range_config, Mapping)
        or len(range_config) != 1
        or set(range_config) - set(_RANGE_FIELDS)
    ):
        raise PipelineDefinitionError(
            f"{where}: range_config must hold exactly one of static_range or rolling_range, "
            f"got {range_config!r}"
        )
    [(kind, fields)] = range_config.items()
    declared = _RANGE_FIELDS[kind]
    if not isinstance(fields, Mapping) or set(fields) - set(declared):
        raise PipelineDefinitionError(f"{where}: {kind} takes {sorted(declared)}, got {fields!r}")
    for name, required in declared.items():
        value = fields.get(name)
        if value is None and required:
            raise PipelineDefinitionError(f"{where}: {kind} needs {name}")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise PipelineDefinitionError(f"{where}: {kind}.{name} must be a non-negative int, got {value!r}")
    if kind == "static_range" and fields["start_span_number"] > fields["end_span_number"]:
        raise PipelineDefinitionError(f"{where}: static_range starts after it ends: {dict(fields)}")
    if kind == "rolling_range" and fields["num_spans"] < 1:
        raise PipelineDefinitionError(f"{where}: rolling_range.num_spans must be at least 1")
