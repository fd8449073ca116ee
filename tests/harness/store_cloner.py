"""Copies of a pipeline run that the launcher recorded, written with MLMD's batch calls.

The launcher records one daily run of ``generated_store`` (5 executions) in 60 ms on a fresh
SQLite store and ~0.9 s on a PostgreSQL store of thousands of runs, a few round trips per
record; 20,000 runs (100,000 executions) would take most of a day. Here a run the launcher made
(the *template*) is read back from MLMD once, and copies of it for other runs are written a batch
of runs at a time, in six calls per batch whatever its size:

1. ``put_contexts``: the new ``pipeline_run`` contexts;
2. ``put_executions``: the executions, with the template's properties (run id replaced);
3. ``put_artifacts``, once per level: artifacts whose properties name no other artifact of the
   run first, then those naming them (a ModelBlessing's ``current_model_id``, a PushedModel's
   ``pushed_model_id``), their folders written just before (their URIs hold the new execution ids);
4. ``put_lineage_subgraph``: the events, and the executions again with their final properties
   (the fingerprint, which hashes the input artifact ids; texts naming an artifact's id or URI);
5. ``put_attributions_and_associations``: each record under the contexts its template is under
   (the template run's context replaced by the new run's; the pipeline and node contexts shared).

The records therefore have the launcher's shapes by construction: the same types, properties,
custom properties, states, event paths, contexts, attributions and associations. What varies
from run to run (the run id, spans, files, the Pusher's versions, the fingerprint) is the
``Variation``'s business: the cloner replaces ids and URIs generically and asks the variation for
the rest. MLMD stamps the creation times itself, so the copies are ordered (by time, then id)
as the runs are: each batch is written in run order. Inputs from outside the template run (none
in ``generated_store``'s runs) are referred to as they are.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.convert import (
    fill_artifact_proto,
    get_value,
    know_type,
    ref_from_proto,
    set_value,
)
from airflow_tfx_provider.metadata.store import PIPELINE_RUN_CONTEXT, MetadataGateway
from airflow_tfx_provider.runtime.output_dirs import MANIFEST_BYTES, MANIFEST_FILES, inventory
from airflow_tfx_provider.types import ArtifactRef

#: Properties (of artifacts and executions) that hold the id of another artifact of the run.
ARTIFACT_ID_PROPERTIES = frozenset({"current_model_id", "pushed_model_id"})


@dataclass(frozen=True)
class Template:
    """One recorded run, as read back from MLMD."""

    run_id: str
    run_context: Any  # pb.Context
    executions: list[Any]  # pb.Execution, in the order they were recorded
    events: list[Any]  # pb.Event of those executions, in the order they were recorded
    artifacts: dict[int, Any]  # id -> pb.Artifact, every artifact an event names
    type_names: dict[int, str]  # artifact type id -> name
    produced: dict[int, int]  # artifact id -> the run's execution that output it first
    associations: dict[int, list[int]]  # execution id -> its context ids
    attributions: dict[int, list[int]]  # artifact id -> its context ids among the run's contexts

    def component_id(self, execution_id: int) -> str:
        execution = next(e for e in self.executions if e.id == execution_id)
        return str(execution.custom_properties["component_id"].string_value)

    def output_key(self, artifact_id: int) -> str:
        return next(
            e.path.steps[0].key
            for e in self.events
            if e.artifact_id == artifact_id and e.type == pb.Event.OUTPUT
        )


def read_template(gateway: MetadataGateway, pipeline: str, run_id: str) -> Template:
    """The records of run ``run_id`` of ``pipeline``, as the launcher made them."""
    store = gateway.raw
    run_context = store.get_context_by_type_and_name(PIPELINE_RUN_CONTEXT, f"{pipeline}.{run_id}")
    if run_context is None:
        raise LookupError(f"no run {run_id!r} of {pipeline!r} in {gateway.config.describe()}")
    executions = sorted(store.get_executions_by_context(run_context.id), key=lambda e: e.id)
    events = sorted(
        store.get_events_by_execution_ids([e.id for e in executions]),
        key=lambda e: (e.execution_id, e.milliseconds_since_epoch, e.type != pb.Event.INPUT),
    )
    artifacts = {a.id: a for a in store.get_artifacts_by_id(sorted({e.artifact_id for e in events}))}
    produced: dict[int, int] = {}
    for event in events:
        if event.type == pb.Event.OUTPUT:
            produced.setdefault(event.artifact_id, event.execution_id)
    associations = {e.id: [c.id for c in store.get_contexts_by_execution(e.id)] for e in executions}
    own = {c for ids in associations.values() for c in ids}  # pipeline, run, the run's nodes
    attributions = {
        a: [c.id for c in store.get_contexts_by_artifact(a) if c.id in own] for a in sorted(artifacts)
    }
    type_names = {}
    for artifact_type in store.get_artifact_types():
        know_type(artifact_type)
        type_names[artifact_type.id] = artifact_type.name
    return Template(
        run_id, run_context, executions, events, artifacts, type_names, produced, associations, attributions
    )


class Variation:
    """What differs between the copies: the cloner asks for it run by run."""

    def run_id(self, day: int) -> str:
        return f"day{day}"

    def template(self, day: int) -> str:
        """The run id of the template that run ``day`` copies."""
        raise NotImplementedError

    def artifact(
        self, day: int, component_id: str, key: str, template: ArtifactRef, ref: ArtifactRef,
        placed: Mapping[int, ArtifactRef],
    ) -> None:  # fmt: skip
        """Set ``ref``'s properties and write its folder ``ref.uri`` (absent yet).

        ``ref`` starts as the template's copy at its new URI, ids of the run's artifacts in
        ``ARTIFACT_ID_PROPERTIES`` already replaced; ``placed`` maps the template's artifact ids to
        the copies written so far (those named by such a property among them). By default the
        folder holds hard links to the template's files. The manifest is counted afterwards.
        """
        link_tree(template.uri, ref.uri)

    def execution(
        self, day: int, component_id: str, type_name: str, properties: dict[str, Any],
        inputs: Mapping[str, list[ArtifactRef]],
    ) -> None:  # fmt: skip
        """Adjust the final custom properties of a copied execution (e.g. its fingerprint);
        ``inputs`` are its INPUT artifacts by key, as copied."""


def link_tree(source: str, destination: str) -> None:
    """``destination`` as a copy of the folder ``source`` whose files are hard links."""
    os.makedirs(destination)
    for parent, folders, files in os.walk(source):
        target = os.path.join(destination, os.path.relpath(parent, source))
        for name in folders:
            os.makedirs(os.path.join(target, name), exist_ok=True)
        for name in files:
            os.link(os.path.join(parent, name), os.path.join(target, name))


@dataclass
class _Copy:
    """One run being copied: template ids -> the copy's."""

    day: int
    template: Template
    run_context: Any = None
    executions: dict[int, Any] = field(default_factory=dict)  # template id -> new pb.Execution
    artifacts: dict[int, ArtifactRef] = field(default_factory=dict)  # template id -> new ref

    def made(self) -> dict[tuple[str, str], int]:
        """(component id, output key) -> the copy's artifact id."""
        return {
            (self.template.component_id(self.template.produced[a]), self.template.output_key(a)): int(
                ref.mlmd_id or 0
            )
            for a, ref in self.artifacts.items()
        }

    def artifact_id(self, template_id: int) -> int:
        """The copy's id of an artifact the template's events name (external ones: the same)."""
        ref = self.artifacts.get(template_id)
        return int(ref.mlmd_id or 0) if ref is not None else template_id


_MENTIONED_ID = re.compile(r"#(\d+)\b")


class StoreCloner:
    """Writes copies of template runs into ``gateway``'s store."""

    def __init__(self, gateway: MetadataGateway, pipeline: str, variation: Variation) -> None:
        self.gateway = gateway
        self.pipeline = pipeline
        self.variation = variation
        self._templates: dict[str, Template] = {}
        self._execution_types = {t.id: t.name for t in gateway.raw.get_execution_types()}

    def template(self, run_id: str) -> Template:
        if run_id not in self._templates:
            self._templates[run_id] = read_template(self.gateway, self.pipeline, run_id)
        return self._templates[run_id]

    def clone(
        self,
        days: Iterable[int],
        batch: int = 100,
        progress: Callable[[int, float], None] | None = None,
    ) -> dict[int, dict[tuple[str, str], int]]:
        """Copy a template run for each day; return day -> (component id, output key) -> artifact id.

        ``progress(days done, seconds)`` is called after each batch.
        """
        made: dict[int, dict[tuple[str, str], int]] = {}
        pending: list[int] = []
        start = time.perf_counter()
        for day in days:
            pending.append(day)
            if len(pending) == batch:
                made.update(self._write(pending))
                pending = []
                if progress is not None:
                    progress(len(made), time.perf_counter() - start)
        if pending:
            made.update(self._write(pending))
            if progress is not None:
                progress(len(made), time.perf_counter() - start)
        return made

    # ------------------------------------------------------------------------------------------
    def _write(self, days: list[int]) -> dict[int, dict[tuple[str, str], int]]:
        store = self.gateway.raw
        copies = [_Copy(day, self.template(self.variation.template(day))) for day in days]
        # 1. the runs' contexts
        contexts = [self._run_context(c) for c in copies]
        for c, context, context_id in zip(copies, contexts, store.put_contexts(contexts), strict=True):
            context.id = context_id
            c.run_context = context
        # 2. the executions, with the template's properties (those naming artifacts come in step 4)
        executions = []
        for c in copies:
            for template in c.template.executions:
                execution = pb.Execution()
                execution.CopyFrom(template)
                for name in ("id", "create_time_since_epoch", "last_update_time_since_epoch"):
                    execution.ClearField(name)
                self._replace_run_id(execution.custom_properties, c)
                c.executions[template.id] = execution
                executions.append(execution)
        for execution, execution_id in zip(executions, store.put_executions(executions), strict=True):
            execution.id = execution_id
        # 3. the artifacts, by level: those naming another artifact of the run after it
        remaining = [(c, a) for c in copies for a in sorted(c.template.produced)]
        while remaining:
            ready = [(c, a) for c, a in remaining if not self._names_unplaced(c, a)]
            if not ready:
                raise ValueError(f"artifacts naming each other in run {copies[0].template.run_id}")
            protos = [self._artifact(c, a) for c, a in ready]
            for (c, a), artifact_id in zip(ready, store.put_artifacts(protos), strict=True):
                c.artifacts[a].mlmd_id = int(artifact_id)
            done = {(id(c), a) for c, a in ready}
            remaining = [(c, a) for c, a in remaining if (id(c), a) not in done]
        # 4. the events, and the executions' final properties
        final, edges = [], []
        for c in copies:
            for template in c.template.executions:
                execution = c.executions[template.id]
                self._finish_execution(c, template, execution)
                final.append(execution)
            for event in c.template.events:
                copied = pb.Event(
                    type=event.type,
                    execution_id=c.executions[event.execution_id].id,
                    artifact_id=c.artifact_id(event.artifact_id),
                )
                copied.path.CopyFrom(event.path)
                edges.append((None, None, copied))
        store.put_lineage_subgraph(final, [], [], edges)
        # 5. the contexts of every record
        attributions, associations = [], []
        for c in copies:
            for template_id, context_ids in c.template.associations.items():
                execution_id = c.executions[template_id].id
                associations += [
                    pb.Association(context_id=self._context_id(c, i), execution_id=execution_id)
                    for i in context_ids
                ]
            for template_id, context_ids in c.template.attributions.items():
                artifact_id = c.artifact_id(template_id)
                attributions += [
                    pb.Attribution(context_id=self._context_id(c, i), artifact_id=artifact_id)
                    for i in context_ids
                ]
        store.put_attributions_and_associations(attributions, associations)
        return {c.day: c.made() for c in copies}

    def _run_context(self, c: _Copy) -> Any:
        context = pb.Context()
        context.CopyFrom(c.template.run_context)
        for name in ("id", "create_time_since_epoch", "last_update_time_since_epoch"):
            context.ClearField(name)
        context.name = f"{self.pipeline}.{self.variation.run_id(c.day)}"
        self._replace_run_id(context.custom_properties, c)
        return context

    def _replace_run_id(self, properties: Any, c: _Copy) -> None:
        for value in properties.values():
            if value.WhichOneof("value") == "string_value" and value.string_value == c.template.run_id:
                value.string_value = self.variation.run_id(c.day)

    def _context_id(self, c: _Copy, template_context_id: int) -> int:
        return (
            int(c.run_context.id) if template_context_id == c.template.run_context.id else template_context_id
        )

    def _names_unplaced(self, c: _Copy, artifact_id: int) -> bool:
        """Whether the artifact names (by id) an artifact of the run not written yet."""
        proto = c.template.artifacts[artifact_id]
        for name in ARTIFACT_ID_PROPERTIES:
            for values in (proto.properties, proto.custom_properties):
                if name in values:
                    named = int(values[name].int_value)
                    if named in c.template.produced and named != artifact_id:
                        ref = c.artifacts.get(named)
                        if ref is None or ref.mlmd_id is None:
                            return True
        return False

    def _artifact(self, c: _Copy, artifact_id: int) -> Any:
        """The copy of one artifact (its folder written), as a proto to insert."""
        template = c.template
        proto = template.artifacts[artifact_id]
        type_name = template.type_names[proto.type_id]
        old = ref_from_proto(proto, type_name)
        producer = template.produced[artifact_id]
        new_producer = c.executions[producer].id
        suffix = f"{os.sep}{producer}"
        if not old.uri.rstrip(os.sep).endswith(suffix):
            raise ValueError(
                f"artifact #{artifact_id} at {old.uri}: the URI does not end with its execution id"
            )
        uri = old.uri.rstrip(os.sep)[: -len(suffix)] + f"{os.sep}{new_producer}"
        properties = dict(old.properties)
        for name in ARTIFACT_ID_PROPERTIES & set(properties):
            properties[name] = c.artifact_id(int(properties[name]))
        ref = ArtifactRef(type=type_name, uri=uri, properties=properties)
        c.artifacts[artifact_id] = ref
        component_id = template.component_id(producer)
        self.variation.artifact(c.day, component_id, template.output_key(artifact_id), old, ref, c.artifacts)
        if MANIFEST_FILES in old.properties:
            ref.properties[MANIFEST_FILES], ref.properties[MANIFEST_BYTES] = inventory(ref.uri)
        copied = pb.Artifact(type_id=proto.type_id, uri=ref.uri, state=proto.state)
        fill_artifact_proto(copied, ref)
        return copied

    def _finish_execution(self, c: _Copy, template: Any, execution: Any) -> None:
        """The final custom properties: texts naming the run's artifacts, the variation's part."""
        renames = sorted(
            ((c.template.artifacts[a].uri, ref.uri) for a, ref in c.artifacts.items()),
            key=lambda pair: -len(pair[0]),
        )
        for value in execution.custom_properties.values():
            if value.WhichOneof("value") != "string_value":
                continue
            text = value.string_value
            for old_uri, new_uri in renames:
                text = text.replace(old_uri, new_uri)
            value.string_value = _MENTIONED_ID.sub(
                lambda m: (
                    f"#{c.artifact_id(int(m.group(1)))}" if int(m.group(1)) in c.artifacts else m.group(0)
                ),
                text,
            )
        properties = {k: get_value(v) for k, v in execution.custom_properties.items()}
        inputs: dict[str, list[ArtifactRef]] = {}
        for event in c.template.events:
            if event.execution_id == template.id and event.type == pb.Event.INPUT:
                steps = list(event.path.steps)
                for key_step, index_step in zip(steps[::2], steps[1::2], strict=True):
                    refs = inputs.setdefault(key_step.key, [])
                    refs.extend([None] * (index_step.index + 1 - len(refs)))  # type: ignore[list-item]
                    refs[index_step.index] = self._input_ref(c, event.artifact_id)
        component_id = str(properties.get("component_id", ""))
        type_name = self._execution_types.get(execution.type_id, "")
        if not type_name:
            self._execution_types = {t.id: t.name for t in self.gateway.raw.get_execution_types()}
            type_name = self._execution_types[execution.type_id]
        self.variation.execution(c.day, component_id, type_name, properties, inputs)
        for name in list(execution.custom_properties):
            if name not in properties:
                del execution.custom_properties[name]
        for name, value in properties.items():
            set_value(execution.custom_properties[name], value)

    def _input_ref(self, c: _Copy, artifact_id: int) -> ArtifactRef:
        if artifact_id in c.artifacts:
            return c.artifacts[artifact_id]
        proto = c.template.artifacts[artifact_id]
        return ref_from_proto(proto, c.template.type_names[proto.type_id])
