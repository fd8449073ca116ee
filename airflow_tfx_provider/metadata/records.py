"""One pipeline's MLMD records, read in a handful of queries, for the views over its whole history.

``airflow tfx runs`` / ``models`` / ``artifacts`` and the UI pages look at every run at once;
asking MLMD execution by execution costs a round trip per execution and artifact (seconds at a
thousand runs). :meth:`PipelineRecords.load` reads the pipeline's executions, artifacts, events
and run contexts in bulk; the views then work in memory.
"""

from __future__ import annotations

import dataclasses
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


def _stored(proto: Any, type_name: str) -> StoredArtifact:
    return StoredArtifact(ref_from_proto(proto, type_name), pb.Artifact.State.Name(proto.state))


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

    context_id: int = 0
    #: the newest last-update times seen (ms): a refresh reads only what changed since
    execution_mark: int = 0
    artifact_mark: int = 0
    events: dict[int, list[Any]] = field(default_factory=dict)  # execution -> its events
    artifact_updates: dict[int, int] = field(default_factory=dict)  # artifact -> last update (ms)
    _by_run: dict[str, list[Any]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, gateway: MetadataGateway, pipeline: str) -> PipelineRecords:
        """Raise ``LookupError`` when the store has no such pipeline."""
        store = gateway.raw
        context = store.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline)
        if context is None:
            raise LookupError(f"no pipeline {pipeline!r} in {gateway.config.describe()}")
        records = cls(pipeline, [], {}, {}, {}, {}, context_id=context.id)
        records._read(gateway, since=None)
        return records

    def refresh(self, gateway: MetadataGateway) -> PipelineRecords:
        """These records plus what changed since they were read (new or updated executions,
        artifacts, runs): ``self`` when nothing did, else a new object (pages rendering from
        this one in other threads keep a consistent view).

        MLMD sets ``last_update_time_since_epoch`` on every change (a new state, a property, an
        artifact marked DELETED), so filtering on it finds them; the same millisecond is read
        again and recognised.
        """
        executions, protos = self._changes(gateway, since=(self.execution_mark, self.artifact_mark))
        executions = [
            e for e in executions
            if e.id not in self.executions
            or e.last_update_time_since_epoch != self.executions[e.id].last_update_time_since_epoch
        ]  # fmt: skip
        protos = [a for a in protos if self.artifact_updates.get(a.id) != a.last_update_time_since_epoch]
        if not executions and not protos:
            return self
        fresh = dataclasses.replace(
            self,
            executions=dict(self.executions),
            artifacts=dict(self.artifacts),
            created=dict(self.created),
            artifact_updates=dict(self.artifact_updates),
            events=dict(self.events),
        )
        fresh._by_run = None
        fresh._merge(gateway, executions, protos)
        return fresh

    def _read(self, gateway: MetadataGateway, since: tuple[int, int] | None) -> None:
        executions, protos = self._changes(gateway, since)
        self._merge(gateway, executions, protos)

    def _changes(
        self, gateway: MetadataGateway, since: tuple[int, int] | None
    ) -> tuple[list[Any], list[Any]]:
        import ml_metadata as mlmd

        store = gateway.raw

        def changed(mark: int) -> Any:
            if since is None:
                return None
            return mlmd.ListOptions(filter_query=f"last_update_time_since_epoch >= {mark}")

        executions = store.get_executions_by_context(
            self.context_id, list_options=changed(since[0] if since else 0)
        )
        protos = store.get_artifacts_by_context(
            self.context_id, list_options=changed(since[1] if since else 0)
        )
        return list(executions), list(protos)

    def _merge(self, gateway: MetadataGateway, executions: list[Any], artifacts: list[Any]) -> None:
        store = gateway.raw
        known_runs = {self.run_id(c) for c in self.run_contexts}
        if not self.run_contexts or any(
            e.custom_properties["run_id"].string_value not in known_runs for e in executions
        ):
            prefix = f"{self.pipeline}."
            runs = [c for c in store.get_contexts_by_type(PIPELINE_RUN_CONTEXT) if c.name.startswith(prefix)]
            self.run_contexts = sorted(runs, key=lambda c: (c.create_time_since_epoch, c.id))
        if not self.execution_types or any(e.type_id not in self.execution_types for e in executions):
            self.execution_types = {t.id: t.name for t in store.get_execution_types()}
        self.executions.update({e.id: e for e in executions})
        fresh = sorted(e.id for e in executions)
        for execution_id in fresh:
            self.events[execution_id] = []
        for ids in _chunks(fresh):
            for event in store.get_events_by_execution_ids(ids):
                self.events[event.execution_id].append(event)
        protos = {a.id: a for a in artifacts}
        referenced = {e.artifact_id for i in fresh for e in self.events[i]}
        missing = sorted(referenced - set(protos) - set(self.artifacts))  # e.g. another pipeline's inputs
        protos.update({a.id: a for ids in _chunks(missing) for a in store.get_artifacts_by_id(ids)})
        type_names = {}
        for artifact_type in store.get_artifact_types():
            know_type(artifact_type)
            type_names[artifact_type.id] = artifact_type.name
        for a in protos.values():
            self.artifacts[a.id] = _stored(a, type_names[a.type_id])
            self.created[a.id] = a.create_time_since_epoch
            self.artifact_updates[a.id] = a.last_update_time_since_epoch
        self.execution_mark = max(
            [self.execution_mark, *(e.last_update_time_since_epoch for e in executions)]
        )
        self.artifact_mark = max(
            [self.artifact_mark, *(a.last_update_time_since_epoch for a in protos.values())]
        )
        if fresh:
            self._index_events()

    def _index_events(self) -> None:
        self.inputs, self.producers = {}, {}
        keyed: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for execution_id in sorted(self.events):
            for event in self.events[execution_id]:
                if event.type == pb.Event.INPUT:
                    self.inputs.setdefault(execution_id, []).append(event.artifact_id)
                elif event.type == pb.Event.OUTPUT:
                    key, index = event.path.steps[0].key, event.path.steps[1].index
                    by_key = keyed.setdefault(execution_id, {})
                    by_key.setdefault(key, []).append((index, event.artifact_id))
                    self.producers.setdefault(event.artifact_id, []).append(execution_id)
        self.outputs = {
            execution: {key: [a for _, a in sorted(items)] for key, items in by_key.items()}
            for execution, by_key in keyed.items()
        }

    # ------------------------------------------------------------------------------- lookups
    def run_id(self, context: Any) -> str:
        return str(context.name[len(self.pipeline) + 1 :])

    def executions_of_run(self, run_id: str) -> list[Any]:
        """The run's executions, in the order they were recorded."""
        found = [e for e in self.executions.values() if e.custom_properties["run_id"].string_value == run_id]
        return sorted(found, key=lambda e: e.id)

    def executions_by_run(self) -> dict[str, list[Any]]:
        """run id -> its executions in the order they were recorded (computed once per records)."""
        if self._by_run is None:
            by_run: dict[str, list[Any]] = {}
            for execution in sorted(self.executions.values(), key=lambda e: e.id):
                by_run.setdefault(execution.custom_properties["run_id"].string_value, []).append(execution)
            self._by_run = by_run
        return self._by_run

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
