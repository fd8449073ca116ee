"""Artifacts as executors see them: the one way to take artifacts out of an input or output map,
and the on-disk layouts TFX gives each artifact type (one module per family).

Every executor gets ``inputs`` and ``outputs`` as ``key -> list[ArtifactRef]`` and takes what it
needs with :func:`single` (exactly one artifact) or :func:`optional` (at most one)::

    examples = single(inputs, "examples")
    schema = optional(inputs, "schema")
    statistics = single(outputs, "statistics")

Modules: ``examples`` (Split-<name>/ TFRecords), ``data_validation`` (FeatureStats.pb,
schema.pbtxt, SchemaDiff.pb), ``model`` (Format-Serving/), ``blessing`` (BLESSED markers).
This package never imports a component.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from airflow_tfx_provider.exceptions import ExecutorError
from airflow_tfx_provider.types import ArtifactRef

ArtifactMap = Mapping[str, Sequence[ArtifactRef]]

__all__ = ["ArtifactMap", "copy_span", "optional", "single"]


def optional(artifacts: ArtifactMap, key: str) -> ArtifactRef | None:
    """The one artifact under ``key``, or ``None`` if the key is absent or empty."""
    refs = list(artifacts.get(key) or [])
    if len(refs) > 1:
        raise ExecutorError(
            f"{key!r} must hold at most one artifact, got {len(refs)}: {[r.uri for r in refs]}"
        )
    return refs[0] if refs else None


def single(artifacts: ArtifactMap, key: str) -> ArtifactRef:
    """The one artifact under ``key`` (an input or an output); an error names the key otherwise."""
    refs = list(artifacts.get(key) or [])
    if len(refs) != 1:
        several = " (of the components, only Transform reads several Examples, e.g. a span range)"
        raise ExecutorError(
            f"{key!r} must hold exactly one artifact, got {len(refs)}{several if refs else ''}"
        )
    return refs[0]


def copy_span(source: ArtifactRef, target: ArtifactRef) -> None:
    """Copy the ``span`` property (if any) from ``source`` to ``target``."""
    if "span" in source.properties:
        target.properties["span"] = source.properties["span"]
