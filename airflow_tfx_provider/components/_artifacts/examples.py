"""On-disk layout of Examples artifacts, shared by every executor that reads or writes them.

TFX's layout: one folder per split, ``<uri>/Split-<name>/``, holding gzipped TFRecord
files of serialized ``tf.Example`` whose names end in ``.gz``.
"""

from __future__ import annotations

import glob
import os

from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

EXAMPLES_FILE_PREFIX = "data_tfrecord"


def split_file_pattern(examples: ArtifactRef, split: str) -> str:
    """Glob pattern of one split's record files."""
    return os.path.join(examples.split_uri(split), "*.gz")


def split_files(examples: ArtifactRef, split: str) -> list[str]:
    """The record files of one split; raise ``InvalidInputDataError`` if there are none."""
    files = sorted(glob.glob(split_file_pattern(examples, split)))
    if not files:
        raise InvalidInputDataError(
            f"Examples artifact {examples.mlmd_id} has no record files for split {split!r} "
            f"(looked for {split_file_pattern(examples, split)})"
        )
    return files


def shard_path(split_dir: str, shard: int = 0, num_shards: int = 1) -> str:
    """Path of one output shard inside a split folder, in TFX's file naming."""
    return os.path.join(split_dir, f"{EXAMPLES_FILE_PREFIX}-{shard:05d}-of-{num_shards:05d}.gz")


def selected_splits(artifact: ArtifactRef, exclude_splits: list[str] | None) -> list[str]:
    """The artifact's split names minus ``exclude_splits``; an error if none remain."""
    exclude = set(exclude_splits or [])
    unknown = exclude - set(artifact.split_names)
    if unknown:
        raise InvalidInputDataError(
            f"exclude_splits names split(s) {sorted(unknown)} that artifact {artifact.mlmd_id} "
            f"({artifact.uri}) does not have; it has {artifact.split_names}"
        )
    splits = [s for s in artifact.split_names if s not in exclude]
    if not splits:
        raise InvalidInputDataError(
            f"no split left to process in artifact {artifact.mlmd_id} ({artifact.uri}) "
            f"after excluding {sorted(exclude)}"
        )
    return splits
