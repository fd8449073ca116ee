"""The Importer: register an existing file or folder as an artifact (TFX's Importer node).

It records an execution (so lineage shows where an artifact came from) but runs no executor
and writes no folder. The artifact is marked external, so its URI may lie outside the
pipeline root.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.metadata.store import MetadataGateway
from airflow_tfx_provider.runtime.input_check import EXTERNAL_PROPERTY
from airflow_tfx_provider.runtime.settings import RunSettings
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
    run = settings.run
    artifact_type(type_name)
    if not os.path.exists(source_uri):
        raise InvalidInputDataError(f"Importer {run.component_id!r}: {source_uri} does not exist")
    gateway = MetadataGateway.connect(settings.metadata)
    contexts = gateway.run_contexts(run.pipeline_name, run.run_id, run.component_id)
    wanted = {**properties, EXTERNAL_PROPERTY: 1}
    existing = (
        []
        if reimport
        else [
            r
            for r in gateway.latest_artifacts(
                type_name,
                pipeline_name=run.pipeline_name,
                producer_node_id=run.component_id,
                limit=1000,
            )
            if os.path.normpath(r.uri) == os.path.normpath(source_uri)
            and all(r.properties.get(k) == v for k, v in wanted.items())
        ]
    )
    props = {
        "component_id": run.component_id,
        "run_id": run.run_id,
        "source_uri": source_uri,
    }
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
