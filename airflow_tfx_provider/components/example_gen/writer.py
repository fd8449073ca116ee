"""ExampleGen's writer: hash-split records into output splits, as sharded gzipped TFRecords.

Each output split goes to ``<uri>/Split-<name>/data_tfrecord-NNNNN-of-MMMMM.gz``, its records
dealt round robin over the shards (one shard per 256 MiB of input, at most 64). A record's
output split is picked by the MD5 of its hash key, over the splits' hash buckets (train:2,
eval:1 -> buckets [train, train, eval]). TensorFlow is imported inside functions.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

import tensorflow as tf

from airflow_tfx_provider.components._artifacts.examples import shard_path
from airflow_tfx_provider.components.example_gen.readers.records import Batch
from airflow_tfx_provider.types import ArtifactRef

# The component's logger: ExampleGen's records keep one logger name whichever module writes them.
log = logging.getLogger("airflow_tfx_provider.components.example_gen")

_PROGRESS_EVERY = 100_000
_BYTES_PER_SHARD = 256 * 1024 * 1024
_MAX_SHARDS = 64


@dataclass(frozen=True)
class SplitPlan:
    """One input split's batches and the output splits they go to, as ``(name, hash_buckets)``."""

    split: str
    batches: Iterator[Batch]
    input_bytes: int
    outputs: Sequence[tuple[str, int]]


def _bucket(key: bytes, total: int) -> int:
    return int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[:8], "big") % total


def _num_shards(input_bytes: int) -> int:
    return max(1, min(_MAX_SHARDS, math.ceil(input_bytes / _BYTES_PER_SHARD)))


class _SplitWriter:
    """Writes one output split as ``num_shards`` gzipped TFRecord files, round robin."""

    def __init__(self, stack: ExitStack, examples: ArtifactRef, split: str, num_shards: int) -> None:

        split_dir = examples.split_uri(split)
        tf.io.gfile.makedirs(split_dir)
        options = tf.io.TFRecordOptions(compression_type="GZIP")
        self.split = split
        self.count = 0
        self._writers = [
            stack.enter_context(tf.io.TFRecordWriter(shard_path(split_dir, i, num_shards), options))
            for i in range(num_shards)
        ]

    def write(self, record: bytes) -> None:
        self._writers[self.count % len(self._writers)].write(record)
        self.count += 1


def _copy(batches: Iterator[Batch], by_bucket: Sequence[_SplitWriter], split: str) -> None:
    """Write every record to the writer of its hash bucket (no hashing with a single bucket)."""
    rows = 0
    next_report = _PROGRESS_EVERY
    total = len(by_bucket)
    for batch in batches:
        if total == 1:
            for record in batch.records:
                by_bucket[0].write(record)
        else:
            for record, key in zip(batch.records, batch.keys, strict=True):
                by_bucket[_bucket(key, total)].write(record)
        rows += len(batch.records)
        if rows >= next_report:
            log.info("split %s: %d rows read", split, rows)
            next_report = (rows // _PROGRESS_EVERY + 1) * _PROGRESS_EVERY
    log.info("split %s: %d rows read in total", split, rows)


def write_examples(examples: ArtifactRef, plans: Sequence[SplitPlan]) -> list[str]:
    """Write every plan's batches into its output splits of ``examples``; the output split names."""
    writers: list[_SplitWriter] = []
    with ExitStack() as stack:
        for plan in plans:
            shards = _num_shards(plan.input_bytes)
            outputs = [_SplitWriter(stack, examples, name, shards) for name, _ in plan.outputs]
            writers += outputs
            # bucket -> writer, e.g. train:2, eval:1 -> [train, train, eval]
            by_bucket = [
                w for w, (_, buckets) in zip(outputs, plan.outputs, strict=True) for _ in range(buckets)
            ]
            _copy(plan.batches, by_bucket, plan.split)
    for writer in writers:
        log.info("split %s: wrote %d example(s)", writer.split, writer.count)
        if writer.count == 0:
            log.warning(
                "split %s is empty: the input has too few examples for its hash buckets", writer.split
            )
    return [writer.split for writer in writers]
