"""The Resolver: choose existing artifacts from MLMD by strategy (TFX's Resolver node).

It records an execution (so lineage shows who chose which artifact) but runs no executor and
writes no folder. Artifacts given as current inputs (read from XCom) are checked against MLMD
like any component input.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from airflow_tfx_provider.exceptions import InputResolutionError
from airflow_tfx_provider.metadata import history
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.artifact_query import STRATEGY_NAMES, ArtifactQuery
from airflow_tfx_provider.runtime.input_check import check_one
from airflow_tfx_provider.runtime.settings import RunSettings
from airflow_tfx_provider.types import ArtifactRef, artifact_type

log = logging.getLogger(__name__)


#: (store, settings, what to look for, the current artifacts of that key, the strategy's config)
Strategy = Callable[
    [MetadataGateway, RunSettings, ArtifactQuery, Sequence[ArtifactRef], Mapping[str, Any]], list[ArtifactRef]
]


def latest_artifact(
    gateway: MetadataGateway,
    settings: RunSettings,
    query: ArtifactQuery,
    current: Sequence[ArtifactRef],
    config: Mapping[str, Any],
) -> list[ArtifactRef]:
    """The newest LIVE artifact matching the query (TFX's LatestArtifactStrategy)."""
    return gateway.latest_artifacts(
        query.type, pipeline_name=settings.run.pipeline_name, producer_node_id=query.producer_task_id
    )


def previous_span(
    gateway: MetadataGateway,
    settings: RunSettings,
    query: ArtifactQuery,
    current: Sequence[ArtifactRef],
    config: Mapping[str, Any],
) -> list[ArtifactRef]:
    """The LIVE artifact from the same producer with the largest span below the current one.

    Ties (several artifacts of that span) go to the highest ``version``, then the newest. The
    order in which runs finished does not matter: in a parallel backfill, day 9 compares with
    day 8 even if day 5 finished last.
    """
    if not current:
        raise InputResolutionError("the previous_span strategy needs the current artifact as input")
    span = current[0].properties.get("span")
    if span is None:
        raise InputResolutionError(f"artifact #{current[0].mlmd_id} has no span; previous_span cannot apply")
    lookup = functools.partial(
        gateway.latest_artifacts,
        query.type,
        pipeline_name=settings.run.pipeline_name,
        producer_node_id=query.producer_task_id,
        limit=100_000,
        where=lambda r: r.properties.get("span") is not None and int(r.properties["span"]) < int(span),
    )  # newest first, so max() keeps the newest among equal (span, version)
    earlier = []
    if "span" in artifact_type(query.type).properties:  # usually the span just before: ask for it
        earlier = lookup(filter_query=f"properties.span.int_value = {int(span) - 1}")
    if not earlier:
        earlier = lookup()
    if not earlier:
        return []
    return [max(earlier, key=lambda r: (int(r.properties["span"]), int(r.properties.get("version") or 0)))]


def latest_blessed_model(
    gateway: MetadataGateway,
    settings: RunSettings,
    query: ArtifactQuery,
    current: Sequence[ArtifactRef],
    config: Mapping[str, Any],
) -> list[ArtifactRef]:
    """The Evaluator's baseline (TFX's LatestBlessedModelStrategy, made backfill-safe).

    1. The model serving now: that of the newest PushedModel of this pipeline (what the Pusher
       last delivered), if it is still LIVE.
    2. Else, when nothing was pushed yet, the newest LIVE Model blessed by a ModelBlessing of a
       run that is not a backfill.

    Backfill runs bless models but do not push them (unless ``allow_backfill_push``), so a model
    trained on old data never becomes the baseline of the next scheduled run. The candidate (an
    upstream ``trainer.outputs["model"]``) is never its own baseline: a cached rerun then
    resolves the same baseline as the first run, and the Evaluator stays a cache hit.
    """
    if query.type != "Model":
        raise InputResolutionError(f"latest_blessed_model resolves Models, not {query.type}")
    candidates = {ref.mlmd_id for ref in current}

    def pushed_ids() -> Iterator[int]:
        """The pushed models, newest first: the newest few pushes, then (rarely needed) all."""
        seen: set[int] = set()
        for limit in (4, 100_000):
            for push in history.pushes(gateway, settings.run.pipeline_name, limit=limit):
                if push.mlmd_id not in seen:
                    seen.add(int(push.mlmd_id or 0))
                    yield int(push.properties["pushed_model_id"])

    def blessed_ids() -> Iterator[int]:
        """Models blessed outside backfills, newest first; read only when no pushed model will do."""
        blessings = gateway.latest_artifacts(
            "ModelBlessing",
            pipeline_name=settings.run.pipeline_name,
            limit=100_000,
            where=lambda r: int(r.properties.get("blessed", 0)) == 1 and "current_model_id" in r.properties,
        )
        for b in blessings:
            if gateway.producer_properties(int(b.mlmd_id or 0)).get("run_type") != "backfill":
                yield int(b.properties["current_model_id"])

    for model_id in itertools.chain(pushed_ids(), blessed_ids()):  # the serving model first
        if model_id in candidates:
            continue
        stored = gateway.get_artifact(model_id)
        if stored is None or stored.state != "LIVE" or stored.ref.type != "Model":
            continue
        producer = query.producer_task_id
        if producer and not gateway.output_by(model_id, settings.run.pipeline_name, producer):
            continue
        return [stored.ref]
    return []


def span_range(
    gateway: MetadataGateway,
    settings: RunSettings,
    query: ArtifactQuery,
    current: Sequence[ArtifactRef],
    config: Mapping[str, Any],
) -> list[ArtifactRef]:
    """LIVE artifacts of the spans ``config["range_config"]`` names, one per span (the highest
    ``version``, then the newest), in span order (TFX's SpanRangeStrategy). See
    ``artifact_query.check_range_config`` for the two kinds of range."""
    range_config = config.get("range_config")
    if not range_config:
        raise InputResolutionError("the span_range strategy needs a range_config")
    found = gateway.latest_artifacts(
        query.type,
        pipeline_name=settings.run.pipeline_name,
        producer_node_id=query.producer_task_id,
        limit=100_000,
        where=lambda r: r.properties.get("span") is not None,
    )  # newest first, so max() keeps the newest among equal (span, version)
    per_span: dict[int, list[ArtifactRef]] = {}
    for ref in found:
        per_span.setdefault(int(ref.properties["span"]), []).append(ref)
    spans = sorted(per_span)
    if "static_range" in range_config:
        static = range_config["static_range"]
        spans = [s for s in spans if static["start_span_number"] <= s <= static["end_span_number"]]
    else:
        rolling = range_config["rolling_range"]
        newest_first = [s for s in reversed(spans) if s >= int(rolling.get("start_span_number") or 0)]
        skip = int(rolling.get("skip_num_recent_spans") or 0)
        spans = sorted(newest_first[skip : skip + int(rolling["num_spans"])])
    return [max(per_span[s], key=lambda r: int(r.properties.get("version") or 0)) for s in spans]


STRATEGIES: dict[str, Strategy] = {
    "latest_artifact": latest_artifact,
    "previous_span": previous_span,
    "latest_blessed_model": latest_blessed_model,
    "span_range": span_range,
}
assert set(STRATEGIES) == set(STRATEGY_NAMES), "artifact_query.STRATEGY_NAMES must name every strategy"


def resolve(
    settings: RunSettings,
    *,
    strategy: str,
    queries: Mapping[str, ArtifactQuery],
    current_inputs: Mapping[str, Sequence[Any]],
    config: Mapping[str, Any] | None = None,
) -> dict[str, list[ArtifactRef]]:
    """Pick artifacts from MLMD for each query key; record a Resolver execution.

    ``current_inputs`` holds the references read from XCom (for strategies such as
    ``previous_span`` that start from the current artifact); they are checked against MLMD first.
    """
    run = settings.run
    if strategy not in STRATEGIES:
        raise InputResolutionError(f"unknown resolver strategy {strategy!r}; known: {sorted(STRATEGIES)}")
    gateway = MetadataGateway.connect(settings.metadata)
    where = f"Resolver {run.component_id!r}"
    contexts = gateway.run_contexts(run.pipeline_name, run.run_id, run.component_id)
    current = {
        key: [
            check_one(entry, key, queries[key].type, gateway, contexts, run.pipeline_root, where)
            for entry in entries
        ]
        for key, entries in current_inputs.items()
    }
    outputs: dict[str, list[ArtifactRef]] = {}
    for key, query in queries.items():
        outputs[key] = STRATEGIES[strategy](gateway, settings, query, current.get(key, []), config or {})
        if outputs[key]:
            for ref in outputs[key]:
                log.info("resolved %s: %s #%s at %s %s", key, ref.type, ref.mlmd_id, ref.uri, ref.properties)
        else:
            log.info("resolved %s: nothing matches (%s, strategy %s)", key, query, strategy)
    props = {"component_id": run.component_id, "run_id": run.run_id, "strategy": strategy}
    gateway.record_reusing_execution("Resolver", contexts, current, outputs, props, state="COMPLETE")
    return outputs
