"""The contract between ExampleGen's readers and its writer, and the pieces the readers share.

Every reader (CSV, Parquet, TFRecord) is a :data:`Reader`, ``(split, files, partition_feature)``,
yielding batches (:class:`Batch`) of serialized ``tf.Example`` records with one hash key each
(the partition feature's value, or the whole row). Heavy libraries are imported inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from airflow_tfx_provider.components.example_gen.inputs import InputFile
from airflow_tfx_provider.exceptions import InvalidInputDataError

# Feature kinds of a column, as TFX names them.
KIND_INT, KIND_FLOAT, KIND_BYTES = "INT64", "FLOAT", "BYTES"
# A column with no value to type it (every CSV cell empty, an Arrow column of type null): its
# features are written present but with no kind set, ``tf.train.Feature()``, as TFX does.
KIND_UNKNOWN = "UNKNOWN"


@dataclass
class Batch:
    records: list[bytes]
    keys: list[bytes]


Reader = Callable[[str, Sequence[InputFile], str | None], Iterator[Batch]]


def list_array(values: pa.Array) -> pa.Array:
    """One-element lists of ``values``; a null value becomes a null list, which the encoder writes
    as a feature with no kind set (``tf.train.Feature()``)."""

    offsets = pa.array(np.arange(len(values) + 1, dtype=np.int32))
    if values.null_count:
        return pa.ListArray.from_arrays(offsets, values, mask=values.is_null())
    return pa.ListArray.from_arrays(offsets, values)


def no_kind_lists(length: int) -> pa.Array:
    """``length`` null lists: features present with no kind set, for a column of unknown kind."""

    return pa.nulls(length, pa.list_(pa.binary()))


def check_not_empty(path: str, size: int) -> None:
    if size == 0:
        raise InvalidInputDataError(f"input file {path} is empty (0 bytes)")


def check_partition_column(partition: str | None, columns: Sequence[str], path: str) -> None:
    """Raise ``InvalidInputDataError`` if the partition feature is not one of ``columns`` (of ``path``)."""
    if partition is not None and partition not in columns:
        raise InvalidInputDataError(
            f"output_config.partition_feature_name {partition!r} is not a column of {path}; "
            f"columns: {columns}"
        )
