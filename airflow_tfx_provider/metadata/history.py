"""A pipeline's history as MLMD recorded it: runs with each component's outcome, artifacts,
and the lineage of one artifact. Plain data, for the ``airflow tfx`` commands (and the UI).

Everything is read from the store; nothing here changes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.records import PipelineRecords
from airflow_tfx_provider.metadata.store import PIPELINE_CONTEXT, PIPELINE_RUN_CONTEXT, MetadataGateway
from airflow_tfx_provider.types import ArtifactRef

#: MLMD execution state -> what the run did with the component.
OUTCOMES = {
    pb.Execution.COMPLETE: "executed",
    pb.Execution.CACHED: "cached",
    pb.Execution.FAILED: "failed",
    pb.Execution.CANCELED: "skipped",
    pb.Execution.RUNNING: "running",
    pb.Execution.NEW: "running",
}


def _time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds") if ms else ""


@dataclass(frozen=True)
class ComponentOutcome:
    """One component of one run: what happened and why."""

    component_id: str
    component_type: str
    outcome: str  # executed, cached, failed, skipped, running
    detail: str  # the skip reason, the failure, or which execution a cache hit reused
    seconds: float
    execution_id: int
    skip_code: str = ""  # for skipped ones: not_blessed, backfill, gated


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started: str  # ISO time the run's first record was made
    components: list[ComponentOutcome]
    model_id: int | None  # the Model artifact the run produced (or reused)
    verdict: str  # "blessed", "not blessed", or "" without an evaluation

    @property
    def outcome(self) -> str:
        outcomes = {c.outcome for c in self.components}
        for state in ("failed", "running"):
            if state in outcomes:
                return state
        return "success" if self.components else "empty"


def _detail(execution: Any) -> str:
    props = execution.custom_properties
    if "skip_reason" in props:
        return str(props["skip_reason"].string_value)
    if "failure" in props:
        return str(props["failure"].string_value)
    if "cached_from_execution" in props:
        return f"outputs of execution {props['cached_from_execution'].int_value}"
    return ""


def _anomalies_detail(properties: Mapping[str, Any]) -> str:
    count = int(properties["anomaly_count"])
    if not count:
        return "no anomalies"
    return f"{count} anomal{'y' if count == 1 else 'ies'}: {properties.get('anomalies', '')}"


def _records(gateway: MetadataGateway, pipeline: str) -> PipelineRecords | None:
    """The pipeline's records; ``None`` when the store has never seen it."""
    try:
        return PipelineRecords.load(gateway, pipeline)
    except LookupError:
        return None


def run_contexts(gateway: MetadataGateway, pipeline: str) -> list[Any]:
    """The ``pipeline_run`` contexts of ``pipeline``, oldest first."""
    runs = [
        c for c in gateway.raw.get_contexts_by_type(PIPELINE_RUN_CONTEXT) if c.name.startswith(f"{pipeline}.")
    ]
    return sorted(runs, key=lambda c: (c.create_time_since_epoch, c.id))


def runs(gateway: MetadataGateway, pipeline: str) -> list[RunSummary]:
    """Every run of ``pipeline`` in the store, oldest first."""
    records = _records(gateway, pipeline)
    if records is None:
        return []
    return summarize_runs(records)


def summarize_runs(records: PipelineRecords, only: str | Collection[str] | None = None) -> list[RunSummary]:
    """The runs of already loaded records (just the run(s) ``only`` names), oldest first."""
    wanted = {only} if isinstance(only, str) else (set(only) if only is not None else None)
    by_run = records.executions_by_run()
    summaries = []
    for context in records.run_contexts:
        if wanted is not None and records.run_id(context) not in wanted:
            continue
        components = []
        model_id: int | None = None
        verdict = ""
        for execution in by_run.get(records.run_id(context), []):
            seconds = (execution.last_update_time_since_epoch - execution.create_time_since_epoch) / 1000
            detail = _detail(execution)
            if records.type_of(execution) != "Resolver":  # a Resolver's outputs are what it chose
                for stored in [s for refs in records.output_artifacts(execution.id).values() for s in refs]:
                    if stored.ref.type == "ExampleAnomalies" and "anomaly_count" in stored.ref.properties:
                        detail = "; ".join(d for d in (detail, _anomalies_detail(stored.ref.properties)) if d)
                    if stored.ref.type == "Model" and stored.state == "LIVE":
                        model_id = stored.ref.mlmd_id
                    if stored.ref.type == "ModelBlessing" and stored.state == "LIVE":
                        blessed = int(stored.ref.properties.get("blessed", 0)) == 1
                        verdict = "blessed" if blessed else "not blessed"
            components.append(
                ComponentOutcome(
                    component_id=execution.custom_properties["component_id"].string_value,
                    component_type=records.type_of(execution),
                    outcome=OUTCOMES.get(execution.last_known_state, "unknown"),
                    detail=detail,
                    seconds=round(seconds, 1),
                    execution_id=execution.id,
                    skip_code=execution.custom_properties["skip_code"].string_value
                    if "skip_code" in execution.custom_properties
                    else "",
                )
            )
        summaries.append(
            RunSummary(
                records.run_id(context), _time(context.create_time_since_epoch), components, model_id, verdict
            )
        )
    return summaries


@dataclass(frozen=True)
class ArtifactRow:
    id: int
    type: str
    span: int | None
    state: str
    bytes: int | None  # total size of its files, from the manifest written at publish time
    uri: str
    producer: str  # component id of the execution that first output it
    run_id: str  # the run that produced it


def artifacts(
    gateway: MetadataGateway, pipeline: str, *, run_id: str | None = None, type_name: str | None = None
) -> list[ArtifactRow]:
    """Artifacts produced by ``pipeline`` (optionally in one run, of one type), oldest first."""
    records = _records(gateway, pipeline)
    if records is None:
        return []
    return _artifact_rows(records, run_id=run_id, type_name=type_name)


def _artifact_rows(
    records: PipelineRecords, *, run_id: str | None = None, type_name: str | None = None
) -> list[ArtifactRow]:
    by_run = records.executions_by_run()
    run_ids = [records.run_id(c) for c in records.run_contexts]
    if run_id is not None:
        if run_id not in run_ids:
            raise LookupError(f"pipeline {records.pipeline!r} has no run {run_id!r}")
        run_ids = [run_id]
    rows: dict[int, ArtifactRow] = {}
    for run in run_ids:
        for execution in by_run.get(run, []):
            if execution.last_known_state != pb.Execution.COMPLETE:
                continue  # cached executions reuse, resolvers choose: they produce nothing new
            component = execution.custom_properties["component_id"].string_value
            for stored in [s for refs in records.output_artifacts(execution.id).values() for s in refs]:
                ref = stored.ref
                if ref.mlmd_id is None or ref.mlmd_id in rows or (type_name and ref.type != type_name):
                    continue
                span, size = ref.properties.get("span"), ref.properties.get("manifest_bytes")
                rows[ref.mlmd_id] = ArtifactRow(
                    id=ref.mlmd_id, type=ref.type, span=None if span is None else int(span),
                    state=stored.state, bytes=None if size is None else int(size), uri=ref.uri,
                    producer=component, run_id=run,
                )  # fmt: skip
    return sorted(rows.values(), key=lambda r: r.id)


@dataclass
class LineageLink:
    """An execution that links an artifact to the next level of its lineage tree."""

    execution: str  # "<component_id> (<type>, execution N, run R)"
    artifacts: list[LineageNode]


@dataclass
class LineageNode:
    """An artifact in a lineage tree, with the executions that made it (up) or used it (down)."""

    artifact_id: int
    type: str
    uri: str
    state: str
    direction: str = "up"
    links: list[LineageLink] = field(default_factory=list)

    def lines(self, depth: int = 0) -> Iterator[str]:
        yield f"{'  ' * depth}{self.type} #{self.artifact_id} [{self.state}] {self.uri}"
        for link in self.links:
            yield f"{'  ' * (depth + 1)}{'<-' if self.direction == 'up' else '->'} {link.execution}"
            for artifact in link.artifacts:
                yield from artifact.lines(depth + 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "artifact_id": self.artifact_id, "type": self.type, "uri": self.uri, "state": self.state,
            "links": [
                {"execution": link.execution, "artifacts": [a.to_json() for a in link.artifacts]}
                for link in self.links
            ],
        }  # fmt: skip


def lineage(
    gateway: MetadataGateway, artifact_id: int, direction: Literal["up", "down"] = "up", max_depth: int = 20
) -> LineageNode:
    """The artifacts ``artifact_id`` was made from (``up``) or that were made from it (``down``),
    across runs, through the executions that really ran (COMPLETE ones; cache hits add no new link)."""
    store = gateway.raw
    exec_types = {t.id: t.name for t in store.get_execution_types()}

    def node(aid: int, depth: int, seen: frozenset[int]) -> LineageNode:
        stored = gateway.get_artifact(aid)
        if stored is None:
            raise LookupError(f"no artifact {aid} in {gateway.config.describe()}")
        here = LineageNode(aid, stored.ref.type, stored.ref.uri, stored.state, direction=direction)
        if depth >= max_depth or aid in seen:
            return here
        own = pb.Event.OUTPUT if direction == "up" else pb.Event.INPUT
        other = pb.Event.INPUT if direction == "up" else pb.Event.OUTPUT
        execution_ids = [e.execution_id for e in store.get_events_by_artifact_ids([aid]) if e.type == own]
        executions = [
            e
            for e in store.get_executions_by_id(execution_ids)
            if e.last_known_state == pb.Execution.COMPLETE
        ]
        for execution in sorted(executions, key=lambda e: e.id):
            linked = sorted(
                {e.artifact_id for e in store.get_events_by_execution_ids([execution.id]) if e.type == other}
            )
            props = execution.custom_properties
            label = (
                f"{props['component_id'].string_value} ({exec_types.get(execution.type_id, '?')}, execution "
                f"{execution.id}, run {props['run_id'].string_value})"
            )
            here.links.append(LineageLink(label, [node(a, depth + 1, seen | {aid}) for a in linked]))
        return here

    return node(artifact_id, 0, frozenset())


def pushes(gateway: MetadataGateway, pipeline: str, limit: int = 100_000) -> list[ArtifactRef]:
    """The pipeline's LIVE pushes (PushedModel with the pushed model's id), newest first: the
    first names the serving model."""
    return gateway.latest_artifacts(
        "PushedModel",
        pipeline_name=pipeline,
        limit=limit,
        where=lambda r: "pushed_model_id" in r.properties,
    )


def pipeline_exists(gateway: MetadataGateway, pipeline: str) -> bool:
    return gateway.raw.get_context_by_type_and_name(PIPELINE_CONTEXT, pipeline) is not None


@dataclass(frozen=True)
class ModelRow:
    """One trained model: where it came from, its verdict and why, where it was pushed."""

    model_id: int
    run_id: str
    run_type: str  # scheduled, manual, backfill, ...
    span: int | None  # the newest span of the examples it was trained on
    verdict: str  # "blessed", "not blessed", or "" when never evaluated
    reason: str  # why (the Evaluator's thresholds), from its newest blessing
    pushed_version: str  # "" when never pushed
    destination: str
    serving: bool  # the model of the newest push
    metrics: dict[str, float]  # the Overall slice's metrics of its newest evaluation
    uri: str


def _trained_on_span(records: PipelineRecords, trainer: Any) -> int | None:
    spans = [
        int(stored.ref.properties["span"])
        for stored in records.input_artifacts(trainer.id)
        if stored.ref.type == "Examples" and "span" in stored.ref.properties
    ]
    return max(spans) if spans else None


def _overall_metrics(records: PipelineRecords, blessing_id: int) -> dict[str, float]:
    evaluator = records.producer(blessing_id)
    if evaluator is None:
        return {}
    prefix = "metric/Overall/"
    return {
        key[len(prefix) :]: float(value)
        for stored in records.output_artifacts(evaluator.id).get("evaluation", [])
        for key, value in stored.ref.properties.items()
        if key.startswith(prefix)
    }


def models(gateway: MetadataGateway, pipeline: str) -> list[ModelRow]:
    """Every model ``pipeline`` trained, oldest first, with its newest verdict and its pushes."""
    records = _records(gateway, pipeline)
    return [] if records is None else model_rows(records)


def model_rows(records: PipelineRecords) -> list[ModelRow]:
    """``models`` of already loaded records."""
    newest_blessing: dict[int, ArtifactRef] = {}
    for stored in reversed(records.live("ModelBlessing")):  # oldest first: the newest one stays
        newest_blessing[int(stored.ref.properties.get("current_model_id", -1))] = stored.ref
    first_push: dict[int, ArtifactRef] = {}
    pushed = [
        s.ref for s in records.live("PushedModel") if "pushed_model_id" in s.ref.properties
    ]  # newest first
    for each in pushed:  # newest first: the oldest one stays, the version it was delivered as
        first_push[int(each.properties["pushed_model_id"])] = each
    serving = int(pushed[0].properties["pushed_model_id"]) if pushed else None
    rows = []
    for artifact in _artifact_rows(records, type_name="Model"):
        blessing = newest_blessing.get(artifact.id)
        push = first_push.get(artifact.id)
        trainer = records.producer(artifact.id)
        verdict = ""
        if blessing is not None:
            verdict = "blessed" if int(blessing.properties.get("blessed", 0)) == 1 else "not blessed"
        rows.append(
            ModelRow(
                model_id=artifact.id,
                run_id=artifact.run_id,
                run_type=trainer.custom_properties["run_type"].string_value
                if trainer is not None and "run_type" in trainer.custom_properties
                else "",
                span=_trained_on_span(records, trainer) if trainer is not None else None,
                verdict=verdict,
                reason=str(blessing.properties.get("reason", "")) if blessing is not None else "",
                pushed_version=str(push.properties.get("pushed_version", "")) if push is not None else "",
                destination=str(push.properties.get("pushed_destination", "")) if push is not None else "",
                serving=artifact.id == serving,
                metrics=_overall_metrics(records, int(blessing.mlmd_id or 0)) if blessing is not None else {},
                uri=artifact.uri,
            )
        )
    return rows
