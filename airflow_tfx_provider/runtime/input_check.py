"""Check input references read from XCom against MLMD and the pipeline root.

XCom is not trusted: a reference must name an artifact MLMD knows, with the same type
and URI, in state LIVE, stored under the pipeline root (or registered by the Importer
as external), with its files as they were published (``output_dirs.integrity_problem``).
A reference read from a task's XCom (``TaskOutput``) must moreover have been produced or
reused by that task in the current run: an XCom of another run is stale. The MLMD record,
not the XCom copy, is what the executor gets. An artifact found damaged is taken out of use
(state DELETED) so that no later run trusts it either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components.spec import ComponentSpec
from airflow_tfx_provider.exceptions import InputResolutionError
from airflow_tfx_provider.metadata.store import MetadataGateway, RunContexts
from airflow_tfx_provider.runtime import output_dirs
from airflow_tfx_provider.runtime.settings import TaskOutput
from airflow_tfx_provider.types import ArtifactRef

EXTERNAL_PROPERTY = output_dirs.EXTERNAL_PROPERTY


def is_under(path: str, root: str) -> bool:
    path_abs, root_abs = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([path_abs, root_abs]) == root_abs


def check_inputs(
    spec: ComponentSpec,
    raw_inputs: Mapping[str, Sequence[Any]],
    *,
    gateway: MetadataGateway,
    contexts: RunContexts,
    pipeline_root: str,
    where: str,
) -> dict[str, list[ArtifactRef]]:
    """Verified ``ArtifactRef``s per input key; ``InputResolutionError`` on any mismatch."""
    checked: dict[str, list[ArtifactRef]] = {}
    for key, input_spec in spec.inputs.items():
        entries = list(raw_inputs.get(key) or [])
        if not entries and not input_spec.optional:
            raise InputResolutionError(f"{where}: required input {key!r} ({input_spec.type.name}) is empty")
        checked[key] = [
            check_one(entry, key, input_spec.type.name, gateway, contexts, pipeline_root, where)
            for entry in entries
        ]
    unknown = sorted(set(raw_inputs) - set(spec.inputs))
    if unknown:
        raise InputResolutionError(
            f"{where}: unknown input(s) {unknown}; {spec.name} takes {sorted(spec.inputs)}"
        )
    return checked


def check_one(
    entry: Any,
    key: str,
    expected_type: str,
    gateway: MetadataGateway,
    contexts: RunContexts,
    pipeline_root: str,
    where: str,
) -> ArtifactRef:
    label = f"{where}: input {key!r}"
    producer = entry.task_id if isinstance(entry, TaskOutput) else None
    raw: Any = entry.value if isinstance(entry, TaskOutput) else entry
    try:
        ref = raw if isinstance(raw, ArtifactRef) else ArtifactRef.from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputResolutionError(f"{label}: malformed artifact reference {raw!r}: {err}") from None
    if ref.mlmd_id is None:
        raise InputResolutionError(f"{label}: reference to {ref.uri} has no MLMD id")
    stored = gateway.get_artifact(ref.mlmd_id)
    if stored is None:
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} ({ref.type} at {ref.uri}) is not in the MLMD store "
            f"({gateway.config.describe()}); the XCom is stale or belongs to another store"
        )
    record = stored.ref
    if record.type != ref.type or ref.type != expected_type:
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} is a {record.type} in MLMD, the XCom says {ref.type}, "
            f"the input expects {expected_type}"
        )
    if os.path.normpath(record.uri) != os.path.normpath(ref.uri):
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} has URI {record.uri} in MLMD but the XCom says {ref.uri}; "
            "the XCom was tampered with or is stale"
        )
    if stored.state != "LIVE":
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} at {record.uri} is {stored.state}, not LIVE"
        )
    if not record.properties.get(EXTERNAL_PROPERTY) and not is_under(record.uri, pipeline_root):
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} URI {record.uri} lies outside the pipeline root "
            f"{pipeline_root}"
        )
    if producer is not None and not gateway.produced_in_run(ref.mlmd_id, contexts, producer):
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} ({record.type} at {record.uri}) was not produced by task "
            f"{producer!r} in this run ({contexts.pipeline_run.name}); the XCom is stale (of another run "
            "or task) or was tampered with"
        )
    problem = output_dirs.integrity_problem(record)
    if problem is not None:
        gateway.mark_damaged(ref.mlmd_id, problem)
        output_dirs.retire(record)
        raise InputResolutionError(
            f"{label}: artifact id {ref.mlmd_id} ({record.type}) is damaged: {problem}; it is no longer "
            "LIVE, so the next run of its producer makes it again (its remains were removed)"
        )
    return record
