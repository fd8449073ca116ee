"""Output folders: allocation, staging, verification and atomic publication.

Final URI: ``<pipeline_root>/<component_id>/<output_key>/<execution_id>/``. The executor
writes into a sibling staging folder ``.staging-<execution_id>``; only after it succeeded
and every output is verified is the folder renamed to its final URI (a single ``rename``,
atomic on a local filesystem). A failed or killed attempt therefore never leaves
half-written files under a published URI.

At publication each artifact records a manifest of what it holds (``manifest_files``: the
number of files, ``manifest_bytes``: their total size) as properties. The cache and the
input check compare the folder with it (``integrity_problem``), which costs one directory
walk: an emptied or truncated artifact is caught before anything trusts it.
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
#: Set on artifacts the Importer registers: their files are not the pipeline's to check or remove.
EXTERNAL_PROPERTY = "is_external"
MANIFEST_FILES = "manifest_files"
MANIFEST_BYTES = "manifest_bytes"


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
            files, size = inventory(stage.uri)
            os.rename(stage.uri, final.uri)
            final.properties = {**stage.properties, MANIFEST_FILES: files, MANIFEST_BYTES: size}
            log.info("published %s %s at %s", final.type, key, final.uri)


def discard(path: str) -> None:
    """Remove a staging folder (or a folder of a failed attempt), ignoring absence."""
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


def retire(ref: ArtifactRef) -> None:
    """Remove the folder of an artifact taken out of use (damaged), unless it is external."""
    if not ref.properties.get(EXTERNAL_PROPERTY):
        discard(ref.uri)


def inventory(folder: str) -> tuple[int, int]:
    """(number of files, total bytes) below ``folder``."""
    files = size = 0
    for parent, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(parent, name))
    return files, size


def integrity_problem(ref: ArtifactRef) -> str | None:
    """What is wrong with a published artifact's folder, or None if it matches its manifest.

    Artifacts without a manifest (external ones registered by the Importer, or published
    before manifests existed) are only required to exist.
    """
    if not os.path.exists(ref.uri):
        return f"its files at {ref.uri} are gone"
    expected = (ref.properties.get(MANIFEST_FILES), ref.properties.get(MANIFEST_BYTES))
    if None in expected or not os.path.isdir(ref.uri):
        return None
    files, size = inventory(ref.uri)
    if (files, size) != (int(expected[0] or 0), int(expected[1] or 0)):
        return (
            f"its folder {ref.uri} holds {files} file(s), {size} bytes, but {expected[0]} file(s), "
            f"{expected[1]} bytes were published"
        )
    return None
