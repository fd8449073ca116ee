"""What must hold after any fault, and after the next run of the faulted task.

- no LIVE artifact whose files are missing or differ from what was published;
- no folder at the URI of an artifact that is not LIVE (ABANDONED, PENDING, DELETED ...),
  except external ones (registered by the Importer, not ours to delete);
- no ``.staging-*`` folder and no scratch folder left in the pipeline root;
- after the next run of a node: no execution of it left RUNNING, no output of it PENDING.

The store is the SQLite file under the pipeline root unless ``config`` names another (an MLMD
database server, as in the Celery deployment test).
"""

from __future__ import annotations

import os
from pathlib import Path

from ml_metadata.proto import metadata_store_pb2 as pb

from airflow_tfx_provider.metadata.config import MetadataConfig
from airflow_tfx_provider.metadata.store import MetadataGateway, StoredArtifact
from airflow_tfx_provider.runtime import output_dirs


def _artifacts(gateway: MetadataGateway) -> list[StoredArtifact]:
    return [s for s in (gateway.get_artifact(a.id) for a in gateway.raw.get_artifacts()) if s is not None]


def violations(
    root: Path, settled_nodes: tuple[str, ...] = (), config: MetadataConfig | None = None
) -> dict[str, list[str]]:
    """Every broken invariant, by kind (empty lists when all hold)."""
    gateway = MetadataGateway.connect(config or MetadataConfig.sqlite_under(str(root)))
    found: dict[str, list[str]] = {"live_without_files": [], "folder_of_non_live": [], "leftovers": []}
    for stored in _artifacts(gateway):
        ref = stored.ref
        if stored.state == "LIVE":
            problem = output_dirs.integrity_problem(ref)
            if problem:
                found["live_without_files"].append(f"#{ref.mlmd_id} {problem}")
        elif not ref.properties.get("is_external") and os.path.exists(ref.uri):
            found["folder_of_non_live"].append(f"#{ref.mlmd_id} {stored.state} at {ref.uri}")
    for parent, dirs, _ in os.walk(root):
        found["leftovers"] += [
            os.path.join(parent, d) for d in dirs if d.startswith(output_dirs.STAGING_PREFIX)
        ]
    temp = root / ".temp"
    if temp.exists():
        found["leftovers"] += [str(p) for task in temp.iterdir() for p in task.iterdir()]
    if settled_nodes:
        for execution in gateway.raw.get_executions():
            node = execution.custom_properties["component_id"].string_value
            if node in settled_nodes and execution.last_known_state == pb.Execution.RUNNING:
                found["leftovers"].append(f"execution {execution.id} of {node} still RUNNING")
        for stored in _artifacts(gateway):
            if stored.state == "PENDING":
                found["leftovers"].append(f"artifact #{stored.ref.mlmd_id} still PENDING at {stored.ref.uri}")
    return found


def assert_consistent(
    root: Path, settled_nodes: tuple[str, ...] = (), config: MetadataConfig | None = None
) -> dict[str, int]:
    """Assert every invariant; return the counts (all 0) for the suite's figures."""
    found = violations(root, settled_nodes, config)
    assert found == {"live_without_files": [], "folder_of_non_live": [], "leftovers": []}, found
    return {kind: len(items) for kind, items in found.items()}
