"""Retention: delete what a pipeline no longer needs, never what it still does (``airflow tfx gc``).

Kept, whatever its age:

- the serving model (that of the newest push, also the next run's baseline) and the models of
  the last ``keep_models`` pushes, with everything they were made from (their whole input
  lineage, back to the examples) and what was made of them directly (evaluations, blessings,
  pushes, inference results);
- everything made from the examples of the newest ``keep_spans`` spans;
- whatever an execution still RUNNING reads or writes (checked again just before each deletion,
  so a run that starts meanwhile keeps its inputs), and everything the executions of a DAG run
  still in progress resolved, read or made (Airflow says which runs are; a Resolver's choice
  must still be there when the task it feeds starts);
- every PushedModel (the push history: small records), and artifacts this pipeline did not
  write (the Importer's external files); files under a push destination are never touched.

Everything else that is LIVE (and, with ``older_than``, older than that) is deleted: its folder
removed and its MLMD artifact marked DELETED, MLMD first so that no reader takes a folder being
removed for a LIVE artifact.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.store import PIPELINE_CONTEXT, MetadataGateway
from airflow_tfx_provider.runtime.output_dirs import EXTERNAL_PROPERTY, MANIFEST_BYTES
from airflow_tfx_provider.runtime.retention_policy import RetentionPolicy, parse_duration

log = logging.getLogger(__name__)

__all__ = ["RetentionPlan", "RetentionPolicy", "apply_retention", "parse_duration", "plan_retention"]

_ACTIVE = (pb.Execution.NEW, pb.Execution.RUNNING)
RESOLVER_TYPE = "Resolver"
#: Runs with no execution updated for this long are not asked about (a run waiting longer between
#: two tasks than this could lose a resolved input to gc; raise it for such pipelines).
IN_PROGRESS_WINDOW = dt.timedelta(days=2)


@dataclass(frozen=True)
class Doomed:
    artifact_id: int
    type: str
    uri: str
    bytes: int


@dataclass
class RetentionPlan:
    kept: dict[int, str] = field(default_factory=dict)  # artifact id -> why
    doomed: list[Doomed] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(d.bytes for d in self.doomed)


class _Graph:
    """The pipeline's artifacts and executions, and the events between them."""

    def __init__(self, gateway: MetadataGateway, pipeline: str) -> None:
        store = gateway.raw
        context = store.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline)
        if context is None:
            raise LookupError(f"no pipeline {pipeline!r} in {gateway.config.describe()}")
        self.artifacts = {a.id: a for a in store.get_artifacts_by_context(context.id)}
        self.types = {t.id: t.name for t in store.get_artifact_types()}
        self.executions = {e.id: e for e in store.get_executions_by_context(context.id)}
        self.inputs: dict[int, set[int]] = {}  # execution -> artifacts
        self.outputs: dict[int, set[int]] = {}
        self.resolved: dict[int, set[int]] = {}  # Resolver execution -> the artifacts it chose
        resolver_types = {t.id for t in store.get_execution_types() if t.name == RESOLVER_TYPE}
        resolvers = {e for e, execution in self.executions.items() if execution.type_id in resolver_types}
        self.producers: dict[int, set[int]] = {}  # artifact -> executions
        self.consumers: dict[int, set[int]] = {}
        for event in store.get_events_by_execution_ids(list(self.executions)) if self.executions else []:
            if event.type == pb.Event.INPUT:
                self.inputs.setdefault(event.execution_id, set()).add(event.artifact_id)
                self.consumers.setdefault(event.artifact_id, set()).add(event.execution_id)
            elif event.execution_id in resolvers:
                # a Resolver makes nothing: its outputs are earlier artifacts it chose, so they are
                # no lineage link (else every span's statistics would descend from the next span's)
                self.resolved.setdefault(event.execution_id, set()).add(event.artifact_id)
            elif event.type in (pb.Event.OUTPUT, pb.Event.DECLARED_OUTPUT):
                self.outputs.setdefault(event.execution_id, set()).add(event.artifact_id)
                self.producers.setdefault(event.artifact_id, set()).add(event.execution_id)

    def used_by(self, execution_id: int) -> set[int]:
        """What the execution read, made or (a Resolver) chose."""
        return (
            self.inputs.get(execution_id, set())
            | self.outputs.get(execution_id, set())
            | self.resolved.get(execution_id, set())
        )

    def type_of(self, artifact_id: int) -> str:
        return (
            self.types.get(self.artifacts[artifact_id].type_id, "?") if artifact_id in self.artifacts else "?"
        )

    def prop(self, artifact_id: int, name: str) -> Any:
        artifact = self.artifacts[artifact_id]
        for values in (artifact.properties, artifact.custom_properties):
            if name in values:
                value = values[name]
                return getattr(value, value.WhichOneof("value") or "string_value")
        return None

    def upstream(self, start: Iterable[int]) -> set[int]:
        """``start`` and everything its artifacts were made from."""
        seen, stack = set(start), list(start)
        while stack:
            for execution in self.producers.get(stack.pop(), ()):
                for made_from in self.inputs.get(execution, ()):
                    if made_from not in seen:
                        seen.add(made_from)
                        stack.append(made_from)
        return seen

    def downstream(self, start: Iterable[int], depth: int | None = None) -> set[int]:
        """``start`` and what was made from it (``depth`` levels of executions, or all)."""
        seen, frontier, level = set(start), list(start), 0
        while frontier and (depth is None or level < depth):
            level += 1
            nxt = []
            for artifact in frontier:
                for execution in self.consumers.get(artifact, ()):
                    for made in self.outputs.get(execution, ()):
                        if made not in seen:
                            seen.add(made)
                            nxt.append(made)
            frontier = nxt
        return seen


def _keep(plan: RetentionPlan, ids: Iterable[int], why: str) -> None:
    for artifact_id in ids:
        plan.kept.setdefault(artifact_id, why)


def _live(graph: _Graph, type_name: str) -> list[int]:
    return [
        a
        for a, art in graph.artifacts.items()
        if art.state == pb.Artifact.LIVE and graph.type_of(a) == type_name
    ]


def plan_retention(
    gateway: MetadataGateway,
    pipeline: str,
    policy: RetentionPolicy,
    now: dt.datetime | None = None,
    run_in_progress: Callable[[str], bool] | None = None,
) -> RetentionPlan:
    """What ``policy`` keeps and deletes in ``pipeline``'s store; changes nothing.

    ``run_in_progress(run_id)`` says whether that DAG run is still going (Airflow knows, MLMD does
    not): everything its executions resolved, read or made is kept, since a task of that run may
    still read what an earlier task (a Resolver) handed it. Asked once per run, newest first, for
    the runs with executions in the last :data:`IN_PROGRESS_WINDOW`.
    """
    graph = _Graph(gateway, pipeline)
    plan = RetentionPlan()
    pushes = sorted(
        _live(graph, "PushedModel"), key=lambda a: graph.artifacts[a].create_time_since_epoch, reverse=True
    )
    _keep(plan, pushes, "push history")
    pushed_models: list[int] = []
    for push in pushes:
        model = graph.prop(push, "pushed_model_id")
        if model is not None and int(model) not in pushed_models:
            pushed_models.append(int(model))
    for rank, model in enumerate(pushed_models[: policy.keep_models]):
        why = (
            "serving model" if rank == 0 else f"pushed model #{model} (one of the last {policy.keep_models})"
        )
        _keep(plan, graph.upstream([model]), f"lineage of the {why}")
        _keep(plan, graph.downstream([model], depth=1), f"made from the {why}")
    examples = _live(graph, "Examples")
    spans = sorted(
        {int(graph.prop(e, "span")) for e in examples if graph.prop(e, "span") is not None}, reverse=True
    )
    recent = set(spans[: policy.keep_spans])
    recent_examples = [
        e for e in examples if graph.prop(e, "span") is not None and int(graph.prop(e, "span")) in recent
    ]
    _keep(
        plan,
        graph.downstream(recent_examples),
        f"made from the newest {policy.keep_spans} span(s) {sorted(recent)}",
    )
    if run_in_progress is not None:
        _keep_runs_in_progress(plan, graph, run_in_progress, now or dt.datetime.now(dt.UTC))
    for execution_id, execution in graph.executions.items():
        if execution.last_known_state in _ACTIVE:
            _keep(plan, graph.used_by(execution_id), f"used by running execution {execution_id}")
    bases = [os.path.dirname(str(graph.prop(p, "pushed_destination")).rstrip("/")) for p in pushes
             if graph.prop(p, "pushed_destination")]  # fmt: skip
    cutoff = None
    if policy.older_than is not None:
        cutoff = (now or dt.datetime.now(dt.UTC)) - policy.older_than
    for artifact_id, artifact in sorted(graph.artifacts.items()):
        if artifact.state != pb.Artifact.LIVE or artifact_id in plan.kept:
            continue
        if graph.prop(artifact_id, EXTERNAL_PROPERTY):
            plan.kept[artifact_id] = "external files (not this pipeline's)"
        elif any(_inside(artifact.uri, base) for base in bases):
            plan.kept[artifact_id] = "under a push destination"
        elif (
            cutoff is not None
            and dt.datetime.fromtimestamp(artifact.create_time_since_epoch / 1000, dt.UTC) > cutoff
        ):
            plan.kept[artifact_id] = f"newer than {policy.older_than}"
        else:
            size = graph.prop(artifact_id, MANIFEST_BYTES)
            plan.doomed.append(Doomed(artifact_id, graph.type_of(artifact_id), artifact.uri, int(size or 0)))
    return plan


def _keep_runs_in_progress(
    plan: RetentionPlan, graph: _Graph, run_in_progress: Callable[[str], bool], now: dt.datetime
) -> None:
    since = (now - IN_PROGRESS_WINDOW).timestamp() * 1000
    by_run: dict[str, list[int]] = {}
    for execution_id, execution in graph.executions.items():
        if execution.last_update_time_since_epoch >= since and "run_id" in execution.custom_properties:
            by_run.setdefault(execution.custom_properties["run_id"].string_value, []).append(execution_id)
    for run_id, executions in sorted(by_run.items(), key=lambda item: -max(item[1])):
        if run_in_progress(run_id):
            used: set[int] = set()
            for e in executions:
                used |= graph.used_by(e)
            _keep(plan, used, f"used by DAG run {run_id}, still in progress")


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _in_use(gateway: MetadataGateway, artifact_id: int) -> int | None:
    """An execution NEW or RUNNING that reads or writes the artifact now (None if none)."""
    store = gateway.raw
    ids = sorted({e.execution_id for e in store.get_events_by_artifact_ids([artifact_id])})
    for execution in store.get_executions_by_id(ids) if ids else []:
        if execution.last_known_state in _ACTIVE:
            return int(execution.id)
    return None


def apply_retention(gateway: MetadataGateway, plan: RetentionPlan, reason: str) -> tuple[list[int], int]:
    """Delete ``plan.doomed`` (MLMD DELETED, then files); (deleted ids, bytes freed)."""
    deleted, freed = [], 0
    for doomed in plan.doomed:
        running = _in_use(gateway, doomed.artifact_id)
        if running is not None:
            log.info(
                "keeping %s #%d: execution %d started using it", doomed.type, doomed.artifact_id, running
            )
            continue
        if not gateway.mark_deleted(doomed.artifact_id, reason):
            continue  # no longer LIVE (another gc, or found damaged)
        if os.path.isdir(doomed.uri):
            shutil.rmtree(doomed.uri)
        elif os.path.lexists(doomed.uri):
            os.remove(doomed.uri)
        deleted.append(doomed.artifact_id)
        freed += doomed.bytes
        log.info("deleted %s #%d at %s (%d bytes)", doomed.type, doomed.artifact_id, doomed.uri, doomed.bytes)
    return deleted, freed
