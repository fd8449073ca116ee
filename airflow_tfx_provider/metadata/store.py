"""The MLMD gateway: every read and write of ML Metadata goes through here.

Records follow TFX's model: contexts ``pipeline``, ``pipeline_run`` and ``node``; one
execution per task attempt (RUNNING -> COMPLETE / CACHED / FAILED) with INPUT and OUTPUT
events whose path names the input/output key; output artifacts PENDING while the executor
runs, LIVE once published, ABANDONED if the attempt failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from ml_metadata.proto import metadata_store_pb2 as pb  # short name for the many enum lookups

from airflow_tfx_provider.exceptions import MetadataStoreError
from airflow_tfx_provider.metadata.config import Backend, MetadataConfig
from airflow_tfx_provider.metadata.convert import (
    fill_artifact_proto,
    get_value,
    know_type,
    ref_from_proto,
    set_value,
)
from airflow_tfx_provider.metadata.serialized import CONNECT_MARKERS, SerializedStore, call_with_retry
from airflow_tfx_provider.types import ArtifactRef, artifact_type

log = logging.getLogger(__name__)

PIPELINE_CONTEXT = "pipeline"
PIPELINE_RUN_CONTEXT = "pipeline_run"
NODE_CONTEXT = "node"


@dataclass(frozen=True)
class RunContexts:
    """The three contexts one task attempt is recorded under."""

    pipeline: Any
    pipeline_run: Any
    node: Any

    def all(self) -> list[Any]:
        return [self.pipeline, self.pipeline_run, self.node]


@dataclass(frozen=True)
class StoredArtifact:
    """An artifact as MLMD has it: the reference plus its state name (``LIVE``, ...)."""

    ref: ArtifactRef
    state: str


#: ``latest_artifacts`` first reads the newest ``4 * min(limit, _NEWEST_FIRST) + 8`` of the store.
_NEWEST_FIRST = 20


def _quoted(text: str) -> str:
    """A string literal for MLMD's filter queries (SQL-like: a quote is doubled)."""
    return text.replace("'", "''")


def _in_context(context: Any) -> str:
    """MLMD filter: executions associated with ``context``. MLMD turns it into a join in SQL;
    ``get_executions_by_context`` with a filter instead sends every id of the context along, so
    its cost grows with the node's history (issue 12's 100k-execution measurements)."""
    return f"contexts_a.id = {int(context.id)}"


class MetadataGateway:
    """Typed access to one MLMD store. Create with ``MetadataGateway.connect(config)``."""

    def __init__(self, store: Any, config: MetadataConfig) -> None:
        self._store = store
        self.config = config
        self._type_ids: dict[tuple[str, str], int] = {}

    @classmethod
    def connect(cls, config: MetadataConfig) -> MetadataGateway:

        lock_path: str | None = None
        if config.backend is Backend.SQLITE:
            os.makedirs(os.path.dirname(os.path.abspath(config.path)), exist_ok=True)
            lock_path = config.path + ".lock"
        try:
            proto = connection_proto(config)
            store = call_with_retry(
                metadata_store.MetadataStore, proto, lock_path=lock_path, also_transient=CONNECT_MARKERS
            )
        except Exception as err:
            raise MetadataStoreError(f"cannot open the MLMD store ({config.describe()}): {err}") from err
        return cls(SerializedStore(store, lock_path), config)

    # ------------------------------------------------------------------ types
    def _type_id(self, kind: str, name: str, properties: Mapping[str, Any] | None = None) -> int:

        key = (kind, name)
        if key not in self._type_ids:
            proto_cls = {
                "artifact": pb.ArtifactType,
                "execution": pb.ExecutionType,
                "context": pb.ContextType,
            }[kind]
            type_proto = proto_cls(name=name)
            kinds = {"int": pb.INT, "double": pb.DOUBLE, "string": pb.STRING}
            for prop, prop_kind in (properties or {}).items():
                type_proto.properties[prop] = kinds[getattr(prop_kind, "value", prop_kind)]
            put = getattr(self._store, f"put_{kind}_type")
            self._type_ids[key] = put(type_proto, can_add_fields=True)
        return self._type_ids[key]

    def _artifact_type_id(self, type_name: str) -> int:
        return self._type_id("artifact", type_name, artifact_type(type_name).properties)

    # --------------------------------------------------------------- contexts
    def _context(self, type_name: str, name: str, props: Mapping[str, str]) -> Any:

        type_id = self._type_id("context", type_name)
        found = self._store.get_context_by_type_and_name(type_name, name)
        if found is not None:
            return found
        context = pb.Context(type_id=type_id, name=name)
        for key, value in props.items():
            context.custom_properties[key].string_value = value
        try:
            [context.id] = self._store.put_contexts([context])
        except Exception:  # a parallel task created it first
            found = self._store.get_context_by_type_and_name(type_name, name)
            if found is None:
                raise
            return found
        return context

    def run_contexts(self, pipeline_name: str, run_id: str, node_id: str) -> RunContexts:
        """Get or create the pipeline, pipeline_run and node contexts of one task."""
        return RunContexts(
            pipeline=self._context(PIPELINE_CONTEXT, pipeline_name, {"pipeline_name": pipeline_name}),
            pipeline_run=self._context(
                PIPELINE_RUN_CONTEXT,
                f"{pipeline_name}.{run_id}",
                {"pipeline_name": pipeline_name, "run_id": run_id},
            ),
            node=self._context(
                NODE_CONTEXT,
                f"{pipeline_name}.{node_id}",
                {"pipeline_name": pipeline_name, "node_id": node_id},
            ),
        )

    # -------------------------------------------------------------- artifacts
    def get_artifact(self, artifact_id: int) -> StoredArtifact | None:

        found = self._store.get_artifacts_by_id([artifact_id])
        if not found:
            return None
        proto = found[0]
        [type_proto] = self._store.get_artifact_types_by_id([proto.type_id])
        know_type(type_proto)
        return StoredArtifact(ref_from_proto(proto, type_proto.name), pb.Artifact.State.Name(proto.state))

    def _artifact_protos(self, refs: Sequence[ArtifactRef]) -> list[Any]:
        ids = [r.mlmd_id for r in refs if r.mlmd_id is not None]
        by_id = {a.id: a for a in self._store.get_artifacts_by_id(ids)} if ids else {}
        return [by_id[r.mlmd_id] for r in refs if r.mlmd_id is not None]

    def latest_artifacts(
        self,
        type_name: str,
        *,
        pipeline_name: str,
        producer_node_id: str | None = None,
        exclude_run_id: str | None = None,
        limit: int = 1,
        where: Any = None,
        filter_query: str | None = None,
    ) -> list[ArtifactRef]:
        """Newest LIVE artifacts of a type in a pipeline (optionally output by one node).

        ``exclude_run_id`` leaves out artifacts produced in that run (e.g. "the previous
        span", seen from the current run). ``where`` filters ``ArtifactRef``s; ``filter_query``
        narrows the MLMD query itself (MLMD's filter syntax, e.g. ``properties.span.int_value = 3``).

        The producer is the node whose execution first output the artifact (its OUTPUT event),
        not any node the artifact is attributed to: MLMD attributes an execution's inputs to its
        contexts too, so Transform's node context also holds the raw Examples it read.

        First the newest artifacts of the query in the whole store are read (MLMD orders them by
        creation time with an index: a few milliseconds however large the store) and their
        producers checked. That answers whenever it finds ``limit`` of them, or when the query
        matched fewer than it read (e.g. one span). Only otherwise is the pipeline's (or the
        node's) whole list read, which grows with the number of runs.
        """
        type_id = self._artifact_type_id(type_name)
        query = f"type = '{_quoted(type_name)}' AND state = LIVE" + (
            f" AND {filter_query}" if filter_query else ""
        )
        if exclude_run_id is None:
            probe = 4 * min(limit, _NEWEST_FIRST) + 8
            order = metadata_store.OrderByField.CREATE_TIME
            newest = metadata_store.ListOptions(filter_query=query, order_by=order, is_asc=False, limit=probe)
            found = self._store.get_artifacts(list_options=newest)
            mine = self._output_by(found, pipeline_name, producer_node_id)
            refs = self._newest_refs(mine, type_id, type_name, where)
            if len(refs) >= limit or len(found) < probe:
                return refs[:limit]
        context_type, context_name = (
            (NODE_CONTEXT, f"{pipeline_name}.{producer_node_id}")
            if producer_node_id
            else (PIPELINE_CONTEXT, pipeline_name)
        )
        context = self._store.get_context_by_type_and_name(context_type, context_name)
        if context is None:
            return []
        only = metadata_store.ListOptions(filter_query=query)
        candidates = list(self._store.get_artifacts_by_context(context.id, list_options=only))
        if producer_node_id:
            candidates = self._output_by(candidates, pipeline_name, producer_node_id)
        if exclude_run_id is not None:
            run_ctx = self._store.get_context_by_type_and_name(
                PIPELINE_RUN_CONTEXT, f"{pipeline_name}.{exclude_run_id}"
            )
            if run_ctx is not None:
                in_run = {a.id for a in self._store.get_artifacts_by_context(run_ctx.id)}
                candidates = [a for a in candidates if a.id not in in_run]
        return self._newest_refs(candidates, type_id, type_name, where)[:limit]

    def output_by(self, artifact_id: int, pipeline_name: str, node_id: str) -> bool:
        """Whether an execution of ``node_id`` in ``pipeline_name`` first output the artifact."""
        return bool(self._output_by(self._store.get_artifacts_by_id([artifact_id]), pipeline_name, node_id))

    def _output_by(self, artifacts: Sequence[Any], pipeline_name: str, node_id: str | None) -> list[Any]:
        """The artifacts whose first producing execution ran in ``pipeline_name`` (as ``node_id``)."""
        if not artifacts:
            return []
        first: dict[int, int] = {}
        for event in self._store.get_events_by_artifact_ids([a.id for a in artifacts]):
            if event.type == pb.Event.OUTPUT:
                earliest = first.get(event.artifact_id, event.execution_id)
                first[event.artifact_id] = min(earliest, event.execution_id)
        producers = {e.id: e for e in self._store.get_executions_by_id(sorted(set(first.values())))}

        def made_here(artifact: Any) -> bool:
            execution = producers.get(first.get(artifact.id, -1))
            if execution is None:
                return False
            props = execution.custom_properties
            if node_id is not None and get_value(props["component_id"]) != node_id:
                return False
            return self._execution_pipeline(execution) == pipeline_name

        return [a for a in artifacts if made_here(a)]

    def _execution_pipeline(self, execution: Any) -> str | None:
        """The pipeline an execution ran in: its ``pipeline_name`` property (recorded since
        2026-11-30), else the name of its pipeline context (one more query, for older records)."""
        if "pipeline_name" in execution.custom_properties:
            return str(get_value(execution.custom_properties["pipeline_name"]))
        pipeline_type = self._type_id("context", PIPELINE_CONTEXT)
        for context in self._store.get_contexts_by_execution(execution.id):
            if context.type_id == pipeline_type:
                return str(context.name)
        return None

    @staticmethod
    def _newest_refs(found: Sequence[Any], type_id: int, type_name: str, where: Any) -> list[ArtifactRef]:
        live = [a for a in found if a.type_id == type_id and a.state == pb.Artifact.LIVE]
        live.sort(key=lambda a: (a.create_time_since_epoch, a.id), reverse=True)
        refs = [ref_from_proto(a, type_name) for a in live]
        return [r for r in refs if where(r)] if where is not None else refs

    # ------------------------------------------------------------- executions
    def _event(self, event_type: int, key: str, index: int) -> Any:

        event = pb.Event(type=event_type)
        event.path.steps.add().key = key
        event.path.steps.add().index = index
        return event

    def _input_pairs(self, inputs: Mapping[str, Sequence[ArtifactRef]]) -> list[tuple[Any, Any]]:
        """One INPUT event per artifact; an artifact used under several keys (a Resolver that
        hands the candidate back as the baseline) gets one (key, index) pair per use in its path,
        as MLMD allows only one event per artifact, execution and type."""
        pairs: dict[int, tuple[Any, Any]] = {}
        for key, refs in inputs.items():
            for index, proto in enumerate(self._artifact_protos(refs)):
                if proto.id in pairs:
                    event = pairs[proto.id][1]
                    event.path.steps.add().key = key
                    event.path.steps.add().index = index
                else:
                    pairs[proto.id] = (proto, self._event(pb.Event.INPUT, key, index))
        return list(pairs.values())

    def start_execution(
        self,
        component_type: str,
        contexts: RunContexts,
        inputs: Mapping[str, Sequence[ArtifactRef]],
        properties: Mapping[str, Any],
    ) -> int:
        """Record a RUNNING execution with its INPUT events; return its id."""
        execution = pb.Execution(
            type_id=self._type_id("execution", component_type), last_known_state=pb.Execution.RUNNING
        )
        for key, value in {**properties, "pipeline_name": contexts.pipeline.name}.items():
            set_value(execution.custom_properties[key], value)
        execution_id, _, _ = self._store.put_execution(
            execution, self._input_pairs(inputs), contexts.all(), reuse_context_if_already_exist=True
        )
        return int(execution_id)

    def _execution(self, execution_id: int) -> Any:
        [execution] = self._store.get_executions_by_id([execution_id])
        return execution

    def declare_outputs(
        self, execution_id: int, contexts: RunContexts, outputs: Mapping[str, list[ArtifactRef]]
    ) -> None:
        """Register the execution's output artifacts as PENDING (sets their ``mlmd_id``)."""
        pairs, flat = [], []
        for key, refs in outputs.items():
            for index, ref in enumerate(refs):
                proto = pb.Artifact(type_id=self._artifact_type_id(ref.type), state=pb.Artifact.PENDING)
                fill_artifact_proto(proto, ref)
                pairs.append((proto, self._event(pb.Event.OUTPUT, key, index)))
                flat.append(ref)
        _, artifact_ids, _ = self._store.put_execution(
            self._execution(execution_id), pairs, contexts.all(), reuse_context_if_already_exist=True
        )
        for ref, artifact_id in zip(flat, artifact_ids, strict=True):
            ref.mlmd_id = int(artifact_id)

    def complete_execution(
        self,
        execution_id: int,
        contexts: RunContexts,
        outputs: Mapping[str, list[ArtifactRef]],
        extra_properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Atomically mark ``outputs`` LIVE (with their final properties) and the execution COMPLETE.

        Declared outputs not in ``outputs`` (optional ones the executor did not produce) are
        marked ABANDONED in the same transaction.
        """

        execution = self._execution(execution_id)
        execution.last_known_state = pb.Execution.COMPLETE
        for key, value in (extra_properties or {}).items():
            set_value(execution.custom_properties[key], value)
        pairs = []
        flat = [ref for refs in outputs.values() for ref in refs]
        for ref, proto in zip(flat, self._artifact_protos(flat), strict=True):
            fill_artifact_proto(proto, ref)
            proto.state = pb.Artifact.LIVE
            pairs.append((proto, None))
        published = {ref.mlmd_id for ref in flat}
        for proto in self._store.get_artifacts_by_id(self._output_artifact_ids(execution_id)):
            if proto.id not in published and proto.state == pb.Artifact.PENDING:
                proto.state = pb.Artifact.ABANDONED
                pairs.append((proto, None))
        self._store.put_execution(execution, pairs, contexts.all(), reuse_context_if_already_exist=True)

    def fail_execution(self, execution_id: int, contexts: RunContexts | None, reason: str) -> None:
        """Mark the execution FAILED and every PENDING output of it ABANDONED.

        ``contexts`` None: the execution keeps the contexts it has (for reclaiming an attempt of
        another run, which must not be attributed to the current one).
        """
        execution = self._execution(execution_id)
        execution.last_known_state = pb.Execution.FAILED
        execution.custom_properties["failure"].string_value = reason[:2000]
        pending = [
            a
            for a in self._store.get_artifacts_by_id(self._output_artifact_ids(execution_id))
            if a.state == pb.Artifact.PENDING
        ]
        for artifact in pending:
            artifact.state = pb.Artifact.ABANDONED
        self._store.put_execution(
            execution,
            [(a, None) for a in pending],
            contexts.all() if contexts is not None else [],
            reuse_context_if_already_exist=True,
        )

    def record_reusing_execution(
        self,
        component_type: str,
        contexts: RunContexts,
        inputs: Mapping[str, Sequence[ArtifactRef]],
        outputs: Mapping[str, Sequence[ArtifactRef]],
        properties: Mapping[str, Any],
        state: str = "CACHED",
    ) -> int:
        """Record a finished execution whose outputs are existing artifacts (cache hits, resolvers)."""
        execution = pb.Execution(
            type_id=self._type_id("execution", component_type),
            last_known_state=pb.Execution.State.Value(state),
        )
        for key, value in {**properties, "pipeline_name": contexts.pipeline.name}.items():
            set_value(execution.custom_properties[key], value)
        pairs = self._input_pairs(inputs)
        for key, refs in outputs.items():
            for index, proto in enumerate(self._artifact_protos(refs)):
                pairs.append((proto, self._event(pb.Event.OUTPUT, key, index)))
        execution_id, _, _ = self._store.put_execution(
            execution, pairs, contexts.all(), reuse_context_if_already_exist=True
        )
        return int(execution_id)

    def _output_artifact_ids(self, execution_id: int) -> list[int]:

        return [
            e.artifact_id
            for e in self._store.get_events_by_execution_ids([execution_id])
            if e.type == pb.Event.OUTPUT
        ]

    def execution_outputs(self, execution_id: int) -> dict[str, list[StoredArtifact]]:
        """An execution's OUTPUT artifacts by output key, in event order."""
        events = [
            e for e in self._store.get_events_by_execution_ids([execution_id]) if e.type == pb.Event.OUTPUT
        ]
        by_key: dict[str, list[tuple[int, int]]] = {}
        for e in events:
            key, index = e.path.steps[0].key, e.path.steps[1].index
            by_key.setdefault(key, []).append((index, e.artifact_id))
        result: dict[str, list[StoredArtifact]] = {}
        for key, items in by_key.items():
            stored = [self.get_artifact(artifact_id) for _, artifact_id in sorted(items)]
            result[key] = [s for s in stored if s is not None]
        return result

    def executions_of_node(self, contexts: RunContexts) -> list[Any]:
        """All executions recorded under the node context, newest first."""
        executions = self._store.get_executions_by_context(contexts.node.id)
        return sorted(executions, key=lambda e: (e.create_time_since_epoch, e.id), reverse=True)

    def find_cached_execution(
        self, contexts: RunContexts, fingerprint: str
    ) -> tuple[int, dict[str, list[ArtifactRef]]] | None:
        """The newest COMPLETE execution of this node with this fingerprint whose outputs are all LIVE.

        MLMD is asked for just those (a node of a pipeline that ran daily for years has thousands
        of executions, which the Python client would read in pages of 100).
        """
        wanted = metadata_store.ListOptions(
            filter_query=f"{_in_context(contexts.node)} AND last_known_state = COMPLETE AND "
            f"custom_properties.fingerprint.string_value = '{_quoted(fingerprint)}'"
        )
        found = self._store.get_executions(list_options=wanted)
        for execution in sorted(found, key=lambda e: (e.create_time_since_epoch, e.id), reverse=True):
            if execution.last_known_state != pb.Execution.COMPLETE:
                continue
            if get_value(execution.custom_properties["fingerprint"]) != fingerprint:
                continue
            outputs = self.execution_outputs(execution.id)
            # ABANDONED outputs of a COMPLETE execution are optional ones it did not produce.
            kept = {k: [s for s in v if s.state != "ABANDONED"] for k, v in outputs.items()}
            if all(s.state == "LIVE" for stored in kept.values() for s in stored):
                return execution.id, {k: [s.ref for s in v] for k, v in kept.items()}
        return None

    def running_executions_of_node(self, contexts: RunContexts) -> list[tuple[int, dict[str, Any], bool]]:
        """RUNNING executions of this node in any run: (id, properties, whether in this run)."""
        in_run = {e.id for e in self._store.get_executions_by_context(contexts.pipeline_run.id)}
        running = metadata_store.ListOptions(
            filter_query=f"{_in_context(contexts.node)} AND last_known_state = RUNNING"
        )
        return [
            (e.id, {k: get_value(v) for k, v in e.custom_properties.items()}, e.id in in_run)
            for e in self._store.get_executions(list_options=running)
            if e.last_known_state == pb.Execution.RUNNING
        ]

    def produced_in_run(self, artifact_id: int, contexts: RunContexts, producer_node_id: str) -> bool:
        """Whether an execution of ``producer_node_id`` in this run output (or reused) the artifact."""
        pipeline_name = contexts.pipeline.name
        node = self._store.get_context_by_type_and_name(NODE_CONTEXT, f"{pipeline_name}.{producer_node_id}")
        if node is None:
            return False
        in_run = {e.id for e in self._store.get_executions_by_context(contexts.pipeline_run.id)}
        of_node = {e.id for e in self._store.get_executions_by_context(node.id)}
        return any(
            e.type == pb.Event.OUTPUT and e.execution_id in in_run & of_node
            for e in self._store.get_events_by_artifact_ids([artifact_id])
        )

    def producer_properties(self, artifact_id: int) -> dict[str, Any]:
        """Custom properties of the execution that first output the artifact ({} if none)."""
        producers = sorted(
            e.execution_id
            for e in self._store.get_events_by_artifact_ids([artifact_id])
            if e.type == pb.Event.OUTPUT
        )
        if not producers:
            return {}
        execution = self._execution(producers[0])
        return {k: get_value(v) for k, v in execution.custom_properties.items()}

    def mark_damaged(self, artifact_id: int, reason: str) -> None:
        """Take a LIVE artifact whose files are gone or changed out of use: state DELETED, with why."""
        found = self._store.get_artifacts_by_id([artifact_id])
        if not found or found[0].state != pb.Artifact.LIVE:
            return
        proto = found[0]
        proto.state = pb.Artifact.DELETED
        proto.custom_properties["integrity_failure"].string_value = reason[:2000]
        self._store.put_artifacts([proto])
        log.warning("artifact %d is no longer LIVE: %s", artifact_id, reason)

    def mark_deleted(self, artifact_id: int, reason: str) -> bool:
        """Retention: a LIVE artifact becomes DELETED (MLMD's own state), with why; False if not LIVE."""
        found = self._store.get_artifacts_by_id([artifact_id])
        if not found or found[0].state != pb.Artifact.LIVE:
            return False
        proto = found[0]
        proto.state = pb.Artifact.DELETED
        proto.custom_properties["deleted_by"].string_value = reason[:2000]
        self._store.put_artifacts([proto])
        return True

    @property
    def raw(self) -> Any:
        """The underlying (serialized) ``MetadataStore``, for queries not wrapped here."""
        return self._store


def artifact_state_name(state: int) -> str:
    return str(pb.Artifact.State.Name(state))


def execution_state_name(execution: metadata_store_pb2.Execution) -> str:
    return str(pb.Execution.State.Name(execution.last_known_state))


def connection_proto(config: MetadataConfig) -> metadata_store_pb2.ConnectionConfig:
    """The ``ConnectionConfig`` proto MLMD takes for ``config``."""
    proto = metadata_store_pb2.ConnectionConfig()
    if config.backend is Backend.SQLITE:
        proto.sqlite.filename_uri = config.path
        proto.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    elif config.backend is Backend.MYSQL:
        proto.mysql.host = config.host
        proto.mysql.port = config.port or 3306
        proto.mysql.database = config.database
        proto.mysql.user = config.user
        proto.mysql.password = config.password
        proto.mysql.skip_db_creation = False
    else:
        proto.postgresql.host = config.host
        proto.postgresql.port = str(config.port or 5432)
        proto.postgresql.dbname = config.database
        proto.postgresql.user = config.user
        proto.postgresql.password = config.password
        proto.postgresql.skip_db_creation = False
    return proto
