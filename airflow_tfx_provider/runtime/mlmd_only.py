"""Nodes that only touch MLMD, not files: the Importer and the Resolver.

Both record an execution (so lineage shows where an artifact came from and who chose
it) but run no executor and write no folder.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_tfx_provider.exceptions import InputResolutionError, InvalidInputDataError
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.input_check import EXTERNAL_PROPERTY
from airflow_tfx_provider.runtime.launcher import RunSettings
from airflow_tfx_provider.types import ArtifactRef, artifact_type

log = logging.getLogger(__name__)


def import_artifact(
    settings: RunSettings,
    *,
    source_uri: str,
    type_name: str,
    properties: Mapping[str, Any],
    reimport: bool,
) -> dict[str, list[ArtifactRef]]:
    """Register an existing file/folder as an artifact (``result``); reuse an earlier import."""
    artifact_type(type_name)
    if not os.path.exists(source_uri):
        raise InvalidInputDataError(f"Importer {settings.component_id!r}: {source_uri} does not exist")
    gateway = MetadataGateway.connect(settings.metadata)
    contexts = gateway.run_contexts(settings.pipeline_name, settings.run_id, settings.component_id)
    wanted = {**properties, EXTERNAL_PROPERTY: 1}
    existing = (
        []
        if reimport
        else [
            r
            for r in gateway.latest_artifacts(
                type_name,
                pipeline_name=settings.pipeline_name,
                producer_node_id=settings.component_id,
                limit=1000,
            )
            if os.path.normpath(r.uri) == os.path.normpath(source_uri)
            and all(r.properties.get(k) == v for k, v in wanted.items())
        ]
    )
    props = {"component_id": settings.component_id, "run_id": settings.run_id, "source_uri": source_uri}
    if existing:
        outputs = {"result": [existing[0]]}
        gateway.record_reusing_execution("Importer", contexts, {}, outputs, props)
        log.info("Importer: reusing artifact #%s for %s", existing[0].mlmd_id, source_uri)
        return outputs
    ref = ArtifactRef(type=type_name, uri=source_uri, properties=dict(wanted))
    execution_id = gateway.start_execution("Importer", contexts, {}, props)
    gateway.declare_outputs(execution_id, contexts, {"result": [ref]})
    gateway.complete_execution(execution_id, contexts, {"result": [ref]})
    log.info("Importer: registered %s #%s at %s", type_name, ref.mlmd_id, source_uri)
    return {"result": [ref]}


@dataclass(frozen=True)
class ArtifactQuery:
    """Artifacts of a type in this pipeline's MLMD records, optionally from one producer task."""

    type: str
    producer_task_id: str | None = None

    def __post_init__(self) -> None:
        artifact_type(self.type)


Strategy = Callable[[MetadataGateway, RunSettings, "ArtifactQuery", Sequence[ArtifactRef]], list[ArtifactRef]]


def latest_artifact(
    gateway: MetadataGateway, settings: RunSettings, query: ArtifactQuery, current: Sequence[ArtifactRef]
) -> list[ArtifactRef]:
    """The newest LIVE artifact matching the query (TFX's LatestArtifactStrategy)."""
    return gateway.latest_artifacts(
        query.type, pipeline_name=settings.pipeline_name, producer_node_id=query.producer_task_id
    )


def previous_span(
    gateway: MetadataGateway, settings: RunSettings, query: ArtifactQuery, current: Sequence[ArtifactRef]
) -> list[ArtifactRef]:
    """The newest LIVE artifact from the same producer with a span below the current one."""
    if not current:
        raise InputResolutionError("the previous_span strategy needs the current artifact as input")
    span = current[0].properties.get("span")
    if span is None:
        raise InputResolutionError(f"artifact #{current[0].mlmd_id} has no span; previous_span cannot apply")
    return gateway.latest_artifacts(
        query.type,
        pipeline_name=settings.pipeline_name,
        producer_node_id=query.producer_task_id,
        where=lambda r: r.properties.get("span") is not None and int(r.properties["span"]) < int(span),
    )


def latest_blessed_model(
    gateway: MetadataGateway, settings: RunSettings, query: ArtifactQuery, current: Sequence[ArtifactRef]
) -> list[ArtifactRef]:
    """The newest LIVE Model that a ModelBlessing of this pipeline blessed (TFX's
    LatestBlessedModelStrategy): the baseline for the Evaluator's change thresholds.

    Given the candidate (an upstream ``trainer.outputs["model"]``), the candidate itself is
    never its own baseline: a cached rerun then resolves the same baseline as the first run
    and the Evaluator stays a cache hit.
    """
    if query.type != "Model":
        raise InputResolutionError(f"latest_blessed_model resolves Models, not {query.type}")
    blessings = gateway.latest_artifacts(
        "ModelBlessing",
        pipeline_name=settings.pipeline_name,
        limit=10_000,
        where=lambda r: int(r.properties.get("blessed", 0)) == 1 and "current_model_id" in r.properties,
    )
    candidates = {ref.mlmd_id for ref in current}
    for blessing in blessings:  # newest first
        if int(blessing.properties["current_model_id"]) in candidates:
            continue
        stored = gateway.get_artifact(int(blessing.properties["current_model_id"]))
        if stored is None or stored.state != "LIVE" or stored.ref.type != "Model":
            continue
        if query.producer_task_id and not _produced_by(gateway, settings, stored.ref, query.producer_task_id):
            continue
        return [stored.ref]
    return []


def _produced_by(gateway: MetadataGateway, settings: RunSettings, ref: ArtifactRef, task_id: str) -> bool:
    return any(
        r.mlmd_id == ref.mlmd_id
        for r in gateway.latest_artifacts(
            ref.type, pipeline_name=settings.pipeline_name, producer_node_id=task_id, limit=10_000
        )
    )


STRATEGIES: dict[str, Strategy] = {
    "latest_artifact": latest_artifact,
    "previous_span": previous_span,
    "latest_blessed_model": latest_blessed_model,
}


def resolve(
    settings: RunSettings,
    *,
    gateway: MetadataGateway,
    strategy: str,
    queries: Mapping[str, ArtifactQuery],
    current: Mapping[str, Sequence[ArtifactRef]],
) -> dict[str, list[ArtifactRef]]:
    """Pick artifacts from MLMD for each query key; record a Resolver execution."""
    if strategy not in STRATEGIES:
        raise InputResolutionError(f"unknown resolver strategy {strategy!r}; known: {sorted(STRATEGIES)}")
    contexts = gateway.run_contexts(settings.pipeline_name, settings.run_id, settings.component_id)
    outputs: dict[str, list[ArtifactRef]] = {}
    for key, query in queries.items():
        outputs[key] = STRATEGIES[strategy](gateway, settings, query, current.get(key, []))
        if outputs[key]:
            for ref in outputs[key]:
                log.info("resolved %s: %s #%s at %s %s", key, ref.type, ref.mlmd_id, ref.uri, ref.properties)
        else:
            log.info("resolved %s: nothing matches (%s, strategy %s)", key, query, strategy)
    props = {"component_id": settings.component_id, "run_id": settings.run_id, "strategy": strategy}
    gateway.record_reusing_execution("Resolver", contexts, current, outputs, props, state="COMPLETE")
    return outputs
