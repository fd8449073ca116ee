"""What a Resolver asks for (light: operators build these when the DAG is parsed)."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_tfx_provider.types import artifact_type

#: The Resolver's strategies (implemented in ``runtime.resolver``).
STRATEGY_NAMES = ("latest_artifact", "previous_span", "latest_blessed_model")


@dataclass(frozen=True)
class ArtifactQuery:
    """Artifacts of a type in this pipeline's MLMD records, optionally from one producer task."""

    type: str
    producer_task_id: str | None = None

    def __post_init__(self) -> None:
        artifact_type(self.type)
