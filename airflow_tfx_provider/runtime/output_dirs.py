"""Output folders: allocation, staging, verification and atomic publication.

Final URI: ``<pipeline_root>/<component_id>/<output_key>/<execution_id>/``. The executor
writes into a sibling staging folder ``.staging-<execution_id>``; only after it succeeded
and every output is verified is the folder renamed to its final URI (a single ``rename``,
atomic on a local filesystem). A failed or killed attempt therefore never leaves
half-written files under a published URI.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Mapping

from airflow_tfx_provider.exceptions import OutputVerificationError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"


def final_uri(pipeline_root: str, component_id: str, key: str, execution_id: int) -> str:
    return os.path.join(pipeline_root, component_id, key, str(execution_id))


def staging_uri(final: str) -> str:
    parent, name = os.path.split(final.rstrip("/"))
    return os.path.join(parent, f"{STAGING_PREFIX}{name}")


def prepare_staging(outputs: Mapping[str, list[ArtifactRef]]) -> dict[str, list[ArtifactRef]]:
    """Copies of ``outputs`` pointing at fresh, empty staging folders."""
    staged: dict[str, list[ArtifactRef]] = {}
    for key, refs in outputs.items():
        staged[key] = []
        for ref in refs:
            path = staging_uri(ref.uri)
            if os.path.exists(path):
                shutil.rmtree(path)
            os.makedirs(path)
            staged[key].append(
                ArtifactRef(type=ref.type, uri=path, mlmd_id=ref.mlmd_id, properties=dict(ref.properties))
            )
    return staged


def verify_staged(
    staged: Mapping[str, list[ArtifactRef]], component: str, optional: frozenset[str]
) -> set[str]:
    """Every staged output folder must exist and hold a file; return the optional ones left empty."""
    dropped: set[str] = set()
    for key, refs in staged.items():
        for ref in refs:
            if not os.path.isdir(ref.uri):
                raise OutputVerificationError(f"{component}: output {key!r} folder {ref.uri} is missing")
            if any(files for _, _, files in os.walk(ref.uri)):
                continue
            if key in optional:
                dropped.add(key)
                continue
            raise OutputVerificationError(
                f"{component}: the executor wrote nothing for output {key!r} ({ref.type}) in {ref.uri}"
            )
    return dropped


def publish(staged: Mapping[str, list[ArtifactRef]], outputs: Mapping[str, list[ArtifactRef]]) -> None:
    """Rename each staging folder to its final URI and copy the executor's properties over."""
    for key, refs in outputs.items():
        for final, stage in zip(refs, staged[key], strict=True):
            if os.path.exists(final.uri):
                raise OutputVerificationError(
                    f"output {key!r}: {final.uri} exists already; refusing to overwrite"
                )
            os.rename(stage.uri, final.uri)
            final.properties = dict(stage.properties)
            log.info("published %s %s at %s", final.type, key, final.uri)


def discard(path: str) -> None:
    """Remove a staging folder (or a folder of a failed attempt), ignoring absence."""
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


def is_present(uri: str) -> bool:
    return os.path.isdir(uri)
