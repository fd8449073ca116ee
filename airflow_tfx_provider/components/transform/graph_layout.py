"""On-disk layout of the Transform artifacts, shared by Transform and its consumers (Trainer, ...).

TFX's layout, which ``tft.TFTransformOutput`` reads:

- TransformGraph: ``<uri>/transform_fn/`` (the SavedModel applying ``preprocessing_fn``),
  ``<uri>/transformed_metadata/`` (schema of the transformed data) and ``<uri>/metadata/``
  (schema of the raw data);
- transformed Examples: ``<uri>/Split-<name>/transformed_examples-NNNNN-of-MMMMM.gz``,
  gzipped TFRecords of ``tf.Example`` (read them like any Examples artifact: ``*.gz``);
- TransformCache: ``<uri>/<dataset key>/`` per analyzed dataset, in the format of
  ``tft_beam.analyzer_cache`` (see :func:`write_analysis_cache`).

Nothing heavy is imported at module level.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import apache_beam as beam
import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_transform.beam import analyzer_cache

from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)

# The names tft.TFTransformOutput uses (kept as strings: importing TFT costs seconds).
TRANSFORM_FN_DIR = "transform_fn"
TRANSFORMED_METADATA_DIR = "transformed_metadata"
RAW_METADATA_DIR = "metadata"

#: File name prefix of materialized transformed examples (TFX's).
TRANSFORMED_EXAMPLES_PREFIX = "transformed_examples"

_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def transform_fn_dir(transform_graph: ArtifactRef) -> str:
    """``<uri>/transform_fn``: the SavedModel of the transform."""
    return os.path.join(transform_graph.uri, TRANSFORM_FN_DIR)


def transformed_metadata_dir(transform_graph: ArtifactRef) -> str:
    """``<uri>/transformed_metadata``: the schema of the transformed features."""
    return os.path.join(transform_graph.uri, TRANSFORMED_METADATA_DIR)


def raw_metadata_dir(transform_graph: ArtifactRef) -> str:
    """``<uri>/metadata``: the schema of the raw features."""
    return os.path.join(transform_graph.uri, RAW_METADATA_DIR)


def transform_output(transform_graph: ArtifactRef) -> tft.TFTransformOutput:
    """A ``tft.TFTransformOutput`` over a TransformGraph artifact (imports TFT)."""

    return tft.TFTransformOutput(transform_graph.uri)


def transformed_examples_prefix(transformed_examples: ArtifactRef, split: str) -> str:
    """File path prefix of one split's transformed examples (``Split-<split>/transformed_examples``)."""
    return os.path.join(transformed_examples.split_uri(split), TRANSFORMED_EXAMPLES_PREFIX)


def dataset_key_name(examples: Sequence[ArtifactRef], split: str) -> str:
    """The analyzer-cache key of one split of the Examples artifact(s) analyzed together.

    Examples artifacts are immutable once published, so the split's folder identifies its
    content: a later run analyzing the same split finds its cache entries under the same key,
    and new data never hits stale entries. Several artifacts (a span range read together) key
    on all their folders: another set of spans is another dataset.
    """
    folders = [e.split_uri(split).rstrip("/") for e in examples]
    digest = hashlib.sha256("\n".join(folders).encode("utf-8")).hexdigest()[:24]
    tail = _KEY_UNSAFE.sub("_", "-".join(folders[-1].split("/")[-3:]))[-80:]
    return f"{tail}-{digest}"


def copy_tree(source: str, target: str) -> int:
    """Copy a folder recursively through ``tf.io.gfile`` (object stores too); return the file count."""

    copied = 0
    for folder, _subdirs, files in tf.io.gfile.walk(source):
        relative = os.path.relpath(folder, source)
        destination = target if relative == "." else os.path.join(target, relative)
        tf.io.gfile.makedirs(destination)
        for name in files:
            tf.io.gfile.copy(os.path.join(folder, name), os.path.join(destination, name), overwrite=True)
            copied += 1
    return copied


# --- the analyzer cache -----------------------------------------------------------------------------
_CACHE_METADATA_FILE = "METADATA-00000-of-00001"


def _key_by(value: Any, path: str) -> tuple[str, Any]:
    return path, value


def _encode_metadata(metadata: Any, path: str) -> tuple[str, bytes]:
    return path, metadata.encode()


def _write_records(path: str, records: Iterable[bytes]) -> str:
    """Write one TFRecord file (gzipped if the name ends in ``.gz``), replacing any earlier attempt's."""

    with tf.io.TFRecordWriter(path, options="GZIP" if path.endswith(".gz") else None) as writer:
        for record in records:
            writer.write(record)
    return path


def write_analysis_cache(pipeline: beam.Pipeline, cache_output: Mapping[Any, Any], cache_dir: str) -> None:
    """Add ``cache_output`` (from ``tft_beam.AnalyzeDatasetWithCache``) to the cache in ``cache_dir``.

    Writes the files ``tft_beam.analyzer_cache.WriteAnalysisCacheToFS`` writes (per dataset key:
    ``MANIFEST``, ``<n>-00000-of-00001.gz`` per cache entry, ``METADATA-00000-of-00001``), so
    ``ReadAnalysisCacheFromFS`` and TFX read them, but in one GroupByKey and one write step
    instead of a file sink (four Beam stages) per entry: with a dozen analyzers that saves
    dozens of stages, a fixed cost of seconds on the local runner. New entries are numbered
    after those already in the manifest (e.g. carried over from the input cache), as TFT does.
    """

    manifest_file_class = getattr(analyzer_cache, "_ManifestFile", None)
    if manifest_file_class is None:  # another TFT version: let TFT write its own format
        _ = cache_output | "WriteCache" >> analyzer_cache.WriteAnalysisCacheToFS(
            pipeline=pipeline, cache_base_dir=cache_dir, dataset_keys=list(cache_output)
        )
        return

    keyed: list[beam.PCollection] = []
    for d, (dataset_key, dataset_cache) in enumerate(sorted(cache_output.items(), key=lambda kv: kv[0].key)):
        key_dir = os.path.join(cache_dir, dataset_key.key)
        with manifest_file_class(key_dir) as manifest_file:
            manifest = manifest_file.read()
            first = max(manifest.values()) + 1 if manifest else 0
            for index, (entry_key, entries) in enumerate(dataset_cache.cache_dict.items(), first):
                manifest[entry_key] = index
                path = os.path.join(key_dir, f"{index}-00000-of-00001.gz")
                keyed.append(entries | f"KeyCacheEntry[{d}][{index}]" >> beam.Map(_key_by, path))
            manifest_file.write(manifest)
        metadata = dataset_cache.metadata
        if metadata is not None:
            if not isinstance(metadata, beam.pvalue.PCollection):
                metadata = pipeline | f"CreateCacheMetadata[{d}]" >> beam.Create([metadata])
            path = os.path.join(key_dir, _CACHE_METADATA_FILE)
            keyed.append(metadata | f"KeyCacheMetadata[{d}]" >> beam.Map(_encode_metadata, path))
    if keyed:
        _ = (
            keyed
            | "FlattenCache" >> beam.Flatten()
            | "GroupCacheByFile" >> beam.GroupByKey()
            | "WriteCacheFiles" >> beam.MapTuple(_write_records)
        )
