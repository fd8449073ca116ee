"""One pipeline's MLMD records, read in a handful of queries, for the views over its whole history.

``airflow tfx runs`` / ``models`` / ``artifacts`` and the UI pages look at every run at once;
asking MLMD execution by execution costs a round trip per execution and artifact (seconds at a
thousand runs). :meth:`PipelineRecords.load` reads the pipeline's executions, artifacts, events
and run contexts in bulk; the views then work in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.convert import know_type, ref_from_proto
from airflow_tfx_provider.metadata.store import (
    PIPELINE_CONTEXT,
    PIPELINE_RUN_CONTEXT,
    MetadataGateway,
    StoredArtifact,
)

_CHUNK = 2000  # ids per MLMD call: keeps each query's IN list small on every backend


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


@dataclass
class PipelineRecords:
    """Executions, artifacts and the events between them, of one pipeline."""

    pipeline: str
    run_contexts: list[Any]  # pipeline_run contexts, oldest first
    executions: dict[int, Any]  # id -> pb.Execution
    execution_types: dict[int, str]  # execution type id -> name
    artifacts: dict[int, StoredArtifact]
    created: dict[int, int]  # artifact id -> create time (ms since epoch)
    inputs: dict[int, list[int]] = field(default_factory=dict)  # execution -> artifacts read
    outputs: dict[int, dict[str, list[int]]] = field(default_factory=dict)  # execution -> key -> artifacts
    producers: dict[int, list[int]] = field(default_factory=dict)  # artifact -> executions, oldest first

    @classmethod
    def load(cls, gateway: MetadataGateway, pipeline: str) -> PipelineRecords:
        """Raise ``LookupError`` when the store has no such pipeline."""
        store = gateway.raw
        context = store.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline)
        if context is None:
            raise LookupError(f"no pipeline {pipeline!r} in {gateway.config.describe()}")
        runs = [
            c for c in store.get_contexts_by_type(PIPELINE_RUN_CONTEXT) if c.name.startswith(f"{pipeline}.")
        ]
        executions = {e.id: e for e in store.get_executions_by_context(context.id)}
        events = [e for ids in _chunks(sorted(executions)) for e in store.get_events_by_execution_ids(ids)]
        protos = {a.id: a for a in store.get_artifacts_by_context(context.id)}
        missing = sorted({e.artifact_id for e in events} - set(protos))  # e.g. another pipeline's inputs
        protos.update({a.id: a for ids in _chunks(missing) for a in store.get_artifacts_by_id(ids)})
        type_names = {}
        for artifact_type in store.get_artifact_types():
            know_type(artifact_type)
            type_names[artifact_type.id] = artifact_type.name
        records = cls(
            pipeline=pipeline,
            run_contexts=sorted(runs, key=lambda c: (c.create_time_since_epoch, c.id)),
            executions=executions,
            execution_types={t.id: t.name for t in store.get_execution_types()},
            artifacts={
                a.id: StoredArtifact(
                    ref_from_proto(a, type_names[a.type_id]), pb.Artifact.State.Name(a.state)
                )
                for a in protos.values()
            },
            created={a.id: a.create_time_since_epoch for a in protos.values()},
        )
        keyed: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for event in events:
            if event.type == pb.Event.INPUT:
                records.inputs.setdefault(event.execution_id, []).append(event.artifact_id)
            elif event.type == pb.Event.OUTPUT:
                key, index = event.path.steps[0].key, event.path.steps[1].index
                keyed.setdefault(event.execution_id, {}).setdefault(key, []).append(
                    (index, event.artifact_id)
                )
                records.producers.setdefault(event.artifact_id, []).append(event.execution_id)
        records.outputs = {
            execution: {key: [a for _, a in sorted(items)] for key, items in by_key.items()}
            for execution, by_key in keyed.items()
        }
        for producers in records.producers.values():
            producers.sort()
        return records

    # ------------------------------------------------------------------------------- lookups
    def run_id(self, context: Any) -> str:
        return str(context.name[len(self.pipeline) + 1 :])

    def executions_of_run(self, run_id: str) -> list[Any]:
        """The run's executions, in the order they were recorded."""
        found = [e for e in self.executions.values() if e.custom_properties["run_id"].string_value == run_id]
        return sorted(found, key=lambda e: e.id)

    def executions_by_run(self) -> dict[str, list[Any]]:
        by_run: dict[str, list[Any]] = {}
        for execution in sorted(self.executions.values(), key=lambda e: e.id):
            by_run.setdefault(execution.custom_properties["run_id"].string_value, []).append(execution)
        return by_run

    def type_of(self, execution: Any) -> str:
        return self.execution_types.get(execution.type_id, "?")

    def output_artifacts(self, execution_id: int) -> dict[str, list[StoredArtifact]]:
        return {
            key: [self.artifacts[a] for a in ids if a in self.artifacts]
            for key, ids in self.outputs.get(execution_id, {}).items()
        }

    def input_artifacts(self, execution_id: int) -> list[StoredArtifact]:
        return [self.artifacts[a] for a in self.inputs.get(execution_id, []) if a in self.artifacts]

    def producer(self, artifact_id: int) -> Any | None:
        """The execution that first output the artifact (later ones are cache hits reusing it)."""
        producers = self.producers.get(artifact_id)
        return self.executions.get(producers[0]) if producers else None

    def live(self, type_name: str) -> list[StoredArtifact]:
        """LIVE artifacts of a type, newest first (as ``MetadataGateway.latest_artifacts`` orders them)."""
        found = [s for s in self.artifacts.values() if s.ref.type == type_name and s.state == "LIVE"]
        return sorted(found, key=lambda s: (self.created[s.ref.mlmd_id or 0], s.ref.mlmd_id), reverse=True)
