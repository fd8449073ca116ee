"""ExampleGen's TFRecord reader: files of serialized ``tf.Example``, gzipped if named ``*.gz``.

Records are copied as they are, as TFX's ImportExampleGen does (features with no kind set or
empty lists stay so); only the first record of each file is parsed, to check that it is a
``tf.Example`` (and every record when hashing by a partition feature, whose value must then have
a kind set, as TFX's partitioning requires). TensorFlow is imported inside functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import tensorflow as tf
from google.protobuf.message import DecodeError

from airflow_tfx_provider.components.example_gen.inputs import InputFile
from airflow_tfx_provider.components.example_gen.readers.records import Batch, check_not_empty
from airflow_tfx_provider.exceptions import InvalidInputDataError

_TFRECORD_BATCH = 1024


def tfrecord_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[Batch]:
    """Read one split's TFRecord files of ``tf.Example`` s in batches, keyed for hashing."""

    for f in files:
        check_not_empty(f.path, f.size)
        compression = "GZIP" if f.path.endswith(".gz") else ""
        dataset = tf.data.TFRecordDataset([f.path], compression_type=compression).batch(_TFRECORD_BATCH)
        first = True
        index = 0
        try:
            for chunk in dataset.as_numpy_iterator():
                records = [bytes(r) for r in chunk]
                if first:
                    _check_example(f.path, records[0])
                    first = False
                if partition is not None:
                    keys = [_partition_key(f.path, index + i, r, partition) for i, r in enumerate(records)]
                else:
                    keys = records
                index += len(records)
                yield Batch(records, keys)
        except tf.errors.OpError as err:
            raise InvalidInputDataError(
                f"cannot read TFRecord file {f.path} (compression {compression or 'none'}, chosen by the "
                f"'.gz' suffix) after {index} record(s): {err.message}"
            ) from None
        if first:
            raise InvalidInputDataError(f"TFRecord file {f.path} holds no records")


def _check_example(path: str, record: bytes) -> None:

    try:
        tf.train.Example.FromString(record)
    except DecodeError as err:
        raise InvalidInputDataError(
            f"TFRecord file {path}: the first record is not a tf.Example: {err}"
        ) from None


def _partition_key(path: str, index: int, record: bytes, partition: str) -> bytes:

    example = tf.train.Example.FromString(record)
    if partition not in example.features.feature:
        raise InvalidInputDataError(
            f"TFRecord file {path}: record {index} has no feature {partition!r} "
            "(output_config.partition_feature_name)"
        )
    feature = example.features.feature[partition]
    kind = feature.WhichOneof("kind")
    if kind is None:
        raise InvalidInputDataError(
            f"TFRecord file {path}: record {index} has no value for feature {partition!r} "
            "(output_config.partition_feature_name): it has no kind set"
        )
    return repr(list(getattr(feature, kind).value)).encode("utf-8")
