"""ExampleGen's Parquet reader: Arrow columns become ``tf.Example`` features.

Integers and booleans become INT64, floats and decimals FLOAT, strings, binary and dates/times
BYTES; lists of these become multi-valued features. Every file of a split must have the same
columns, of the same kinds. Missing values, as in TFX's Parquet executor (``dict_to_example`` of
``tfx/components/example_gen/utils.py``):

- a null (a null scalar, a null list, any value of a column of Arrow type ``null``) becomes a
  feature present with no kind set, ``tf.train.Feature()``; a column of type ``null`` (all null
  in a file, as pandas writes an all-None column) has no kind, so it agrees with any kind of the
  same column in the split's other files;
- a null inside a list is an error (TFX fails on it too), rather than being written as 0 or "";
- rows whose ``partition_feature_name`` value is null are an error, as in TFX.

TFX's ``dict_to_example`` tests values by truthiness, so it also writes empty lists, 0, 0.0,
False and "" as ``tf.train.Feature()``; this reader keeps those values (an empty list is an
empty list of the column's kind).

pyarrow and tfx-bsl are imported inside functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyarrow.types as pat
from tfx_bsl.coders import example_coder

from airflow_tfx_provider.components.example_gen.inputs import InputFile
from airflow_tfx_provider.components.example_gen.readers.records import (
    KIND_BYTES,
    KIND_FLOAT,
    KIND_INT,
    KIND_UNKNOWN,
    Batch,
    check_not_empty,
    check_partition_column,
    list_array,
    no_kind_lists,
)
from airflow_tfx_provider.exceptions import InvalidInputDataError

# The component's logger: ExampleGen's records keep one logger name whichever module writes them.
log = logging.getLogger("airflow_tfx_provider.components.example_gen")

_PARQUET_BATCH = 65_536


def _convert_arrow_column(path: str, name: str, column: pa.Array, first_row: int) -> tuple[pa.Array, str]:
    """A Parquet column as a list array of int64 / float32 / binary, and its feature kind.

    ``first_row`` is the file's row number of the column's first value, for error messages.
    """

    def primitive(values: pa.Array) -> tuple[pa.Array, str]:
        typ = values.type
        if pat.is_dictionary(typ):
            return primitive(values.dictionary_decode())
        if pat.is_integer(typ) or pat.is_boolean(typ):
            try:
                return pc.cast(values, pa.int64()), KIND_INT
            except pa.ArrowInvalid as err:
                raise InvalidInputDataError(
                    f"Parquet file {path}: column {name!r} ({typ}) does not fit int64: {err}"
                ) from None
        if pat.is_floating(typ) or pat.is_decimal(typ):
            return pc.cast(values, pa.float32()), KIND_FLOAT
        if pat.is_string(typ) or pat.is_large_string(typ) or pat.is_binary(typ) or pat.is_large_binary(typ):
            return pc.cast(values, pa.large_binary()), KIND_BYTES
        if pat.is_fixed_size_binary(typ):
            return pc.cast(values, pa.binary()), KIND_BYTES
        if pat.is_temporal(typ):
            return pc.cast(pc.cast(values, pa.string()), pa.large_binary()), KIND_BYTES
        raise InvalidInputDataError(
            f"Parquet file {path}: column {name!r} has type {typ}, which cannot become a tf.Example "
            "feature (supported: integers, booleans, floats, decimals, strings, binary, dates/times, "
            "and lists of these)"
        )

    typ = column.type
    if pat.is_list(typ) or pat.is_large_list(typ) or pat.is_fixed_size_list(typ):
        if pat.is_fixed_size_list(typ):
            column = pc.cast(column, pa.list_(typ.value_type))
        if pat.is_list(typ.value_type) or pat.is_large_list(typ.value_type) or pat.is_struct(typ.value_type):
            raise InvalidInputDataError(
                f"Parquet file {path}: column {name!r} has nested type {typ}; "
                "only lists of scalars are supported"
            )
        flat = pc.list_flatten(column)
        if flat.null_count:
            parents = pc.filter(pc.list_parent_indices(column), pc.is_null(flat))
            raise InvalidInputDataError(
                f"Parquet file {path}: column {name!r} ({typ}), row {first_row + parents[0].as_py()}: a "
                "list holds a null value, which a tf.Example feature cannot hold "
                f"({flat.null_count} null value(s) in lists of this batch)"
            )
        if pat.is_null(typ.value_type):  # only empty and null lists: nothing gives them a kind
            return no_kind_lists(len(column)), KIND_UNKNOWN
        values, kind = primitive(column.values)
        list_type = pa.large_list(values.type)
        mask = column.is_null() if column.null_count else None
        rebuilt = pa.LargeListArray.from_arrays(pc.cast(column.offsets, pa.int64()), values, mask=mask)
        return rebuilt.cast(list_type), kind
    if pat.is_null(typ):
        return no_kind_lists(len(column)), KIND_UNKNOWN
    values, kind = primitive(column)
    return list_array(values), kind


def parquet_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[Batch]:
    """Read one split's Parquet files as batches of serialized ``tf.Example`` s, keyed for hashing."""

    schemas: list[tuple[str, pa.Schema]] = []
    for f in files:
        check_not_empty(f.path, f.size)
        try:
            parquet = pq.ParquetFile(f.path)
        except (pa.ArrowException, OSError) as err:
            raise InvalidInputDataError(f"cannot read Parquet file {f.path}: {err}") from None
        if parquet.metadata.num_rows == 0:
            raise InvalidInputDataError(f"Parquet file {f.path} has no rows")
        schema = parquet.schema_arrow
        if schemas and schema.names != schemas[0][1].names:
            raise InvalidInputDataError(
                f"Parquet files of split {split!r} have different columns: {schemas[0][0]} has "
                f"{schemas[0][1].names} but {f.path} has {schema.names}"
            )
        schemas.append((f.path, schema))
    names = schemas[0][1].names
    check_partition_column(partition, names, files[0].path)
    encoder = example_coder.RecordBatchToExamplesEncoder()
    kinds: dict[str, str] = {}
    for f in files:
        first_row = 0
        try:
            batches = pq.ParquetFile(f.path).iter_batches(batch_size=_PARQUET_BATCH)
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                converted = []
                for name, column in zip(names, batch.columns, strict=True):
                    array, kind = _convert_arrow_column(f.path, name, column, first_row)
                    seen = kinds.setdefault(name, kind)
                    if kind != seen and KIND_UNKNOWN not in (kind, seen):
                        raise InvalidInputDataError(
                            f"Parquet files of split {split!r}: column {name!r} is {seen} in one file "
                            f"and {kind} in {f.path}"
                        )
                    if seen == KIND_UNKNOWN:
                        kinds[name] = kind
                    converted.append(array)
                records = encoder.encode(pa.RecordBatch.from_arrays(converted, names))
                if partition is not None:
                    key_column = batch.column(names.index(partition))
                    if key_column.null_count:
                        # Its feature would have no kind set, which TFX's partitioning rejects too.
                        null_row = pc.index(pc.is_null(key_column), True).as_py()
                        raise InvalidInputDataError(
                            f"Parquet file {f.path}: row {first_row + null_row} has no value for "
                            f"output_config.partition_feature_name {partition!r} (null)"
                        )
                    key_values = key_column.to_pylist()
                    keys = [repr(v).encode("utf-8") for v in key_values]
                else:
                    keys = [
                        repr(row).encode("utf-8")
                        for row in zip(*(c.to_pylist() for c in batch.columns), strict=True)
                    ]
                first_row += batch.num_rows
                yield Batch(records, keys)
        except pa.ArrowException as err:
            raise InvalidInputDataError(f"cannot read Parquet file {f.path}: {err}") from None
    log.info("split %s: column kinds %s", split, ", ".join(f"{k}={v}" for k, v in kinds.items()))
