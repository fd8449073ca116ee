"""ExampleGen's CSV reader: check each file's header, infer each column's feature kind, convert.

Two passes over an input split: the first checks every file (a header line, the same header in
every file, rows of the header's width) and infers each column's kind over all the split's rows,
INT64 if every non-empty value is an integer, FLOAT if every one is a number, BYTES otherwise;
the second streams the rows as ``tf.Example`` s. As in TFX's CsvExampleGen (its executor's
``_int_handler`` / ``_float_handler`` / ``_bytes_handler``, over tfx-bsl's ``ColumnTypeInferrer``):

- an empty cell becomes an empty list of the column's kind (``int64_list {}``, ``float_list {}``
  or ``bytes_list {}``), so the column keeps its type in every output split;
- a column empty in every row of the input split has no kind (tfx-bsl's ``UNKNOWN``): each of
  its features is ``tf.train.Feature()``, present with no kind set;
- kinds are inferred per input split: before a hash split (one input split) over the whole
  input, with ``input_config`` splits over each split separately, so a column can have different
  kinds (or none) in different input splits, exactly as in TFX.

pyarrow and tfx-bsl are imported inside functions.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
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
    no_kind_lists,
)
from airflow_tfx_provider.exceptions import InvalidInputDataError

# The component's logger: ExampleGen's records keep one logger name whichever module writes them.
log = logging.getLogger("airflow_tfx_provider.components.example_gen")

# A header field that looks like a number means the file most likely has no header line.
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# Same notion of "integer" / "number" as Python's int() / float(), which TFX uses (RE2 syntax).
_INT_VALUE_RE = r"^\s*[+-]?[0-9]+\s*$"
_FLOAT_VALUE_RE = r"^\s*[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))\s*$"

_CSV_BLOCK_SIZE = 4 * 1024 * 1024


def _csv_header(path: str) -> list[str]:
    """Read and check the header line; raise ``InvalidInputDataError`` if it does not look like one."""
    with open(path, "rb") as f:
        first = f.readline()
        has_more = False
        while chunk := f.read(1 << 16):
            if chunk.strip():
                has_more = True
                break
    try:
        line = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise InvalidInputDataError(f"first line of {path} is not valid UTF-8: {err}") from None
    fields = next(csv.reader([line]), []) if line.strip() else []
    problems: list[str] = []
    if not fields:
        problems.append("it is empty")
    seen: set[str] = set()
    for i, name in enumerate(fields, 1):
        if not name.strip():
            problems.append(f"field {i} is empty")
        elif _NUMBER_RE.match(name.strip()):
            problems.append(f"field {i} ({name!r}) is a number")
        elif name in seen:
            problems.append(f"field {i} ({name!r}) is a duplicate")
        seen.add(name)
    if problems:
        shown = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        raise InvalidInputDataError(
            f"first line of {path} does not look like a header: {shown} (line: {line[:200]!r}). "
            "CSV input needs a first line naming the columns"
        )
    if not has_more:
        raise InvalidInputDataError(f"CSV file {path} has a header but no data rows")
    return fields


def _csv_batches(path: str, header: list[str], *, use_threads: bool) -> Iterator[pa.RecordBatch]:
    """Stream a CSV file as record batches of string columns ("" for empty cells)."""

    bad: list[Any] = []

    def on_invalid_row(row: Any) -> str:
        bad.append(row)
        return "skip"

    def raise_bad() -> None:
        row = bad[0]
        where = f"line {row.number}" if row.number is not None else "a row"
        raise InvalidInputDataError(
            f"CSV file {path}: {where} has {row.actual_columns} field(s) but the header has "
            f"{row.expected_columns}: {str(row.text)[:200]!r}"
            + (f" ({len(bad)} such rows in this block)" if len(bad) > 1 else "")
        )

    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=use_threads, block_size=_CSV_BLOCK_SIZE
            ),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid_row, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            if bad:
                raise_bad()
            yield batch
    except pa.ArrowInvalid as err:
        raise InvalidInputDataError(f"cannot parse CSV file {path}: {err}") from None
    if bad:
        raise_bad()


@dataclass
class _ColumnKind:
    all_int: bool = True
    all_number: bool = True
    has_values: bool = False

    @property
    def kind(self) -> str:
        if not self.all_number:
            return KIND_BYTES
        if not self.has_values:
            return KIND_UNKNOWN  # only empty cells: every feature is present with no kind set
        return KIND_INT if self.all_int else KIND_FLOAT


def _update_kind(state: _ColumnKind, column: pa.Array) -> None:

    if not state.all_number:
        return
    present = pc.not_equal(column, "")
    values = pc.filter(column, present)
    if len(values) == 0:
        return
    state.has_values = True
    is_int = pc.match_substring_regex(values, _INT_VALUE_RE)
    if state.all_int and not pc.all(is_int).as_py():
        state.all_int = False
    # Integers beyond int64 make the column strings, as in TFX.
    if state.all_int:
        if not _fits_int64(values):
            state.all_number = False
        return
    if pc.any(is_int).as_py() and not _fits_int64(pc.filter(values, is_int)):
        state.all_number = False
        return
    if not pc.all(pc.match_substring_regex(values, _FLOAT_VALUE_RE)).as_py():
        state.all_number = False


def _fits_int64(values: pa.Array) -> bool:
    """Whether every value (all integer text) casts to int64."""

    try:
        pc.cast(_normalize_number(values), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _normalize_number(values: pa.Array) -> pa.Array:
    """Strip blanks and a leading '+', which Python's int()/float() accept and Arrow's cast does not."""

    return pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^\+", "")


def _convert_csv_column(column: pa.Array, kind: str) -> pa.Array:
    """A column of cell strings as lists of ``kind``: one value per non-empty cell, none per empty one."""

    if kind == KIND_UNKNOWN:
        return no_kind_lists(len(column))
    present = pc.not_equal(column, "")
    values = pc.filter(column, present)
    if kind == KIND_BYTES:
        values = values.cast(pa.binary())
    else:
        values = pc.cast(_normalize_number(values), pa.int64() if kind == KIND_INT else pa.float32())
    # An empty cell is an empty list (not a null one, which would be written with no kind).
    lengths = present.to_numpy(zero_copy_only=False).astype(np.int32)
    offsets = np.zeros(len(column) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _infer_csv_split(split: str, files: Sequence[InputFile]) -> tuple[list[str], dict[str, str]]:
    """First pass over a split's CSV files: check them, and infer each column's feature kind."""
    header: list[str] | None = None
    header_file = ""
    states: dict[str, _ColumnKind] = {}
    for f in files:
        check_not_empty(f.path, f.size)
        this_header = _csv_header(f.path)
        if header is None:
            header, header_file = this_header, f.path
            states = {name: _ColumnKind() for name in header}
        elif this_header != header:
            raise InvalidInputDataError(
                f"CSV files of split {split!r} have different headers: {header_file} has {header} but "
                f"{f.path} has {this_header}"
            )
        rows = 0
        for batch in _csv_batches(f.path, this_header, use_threads=False):
            rows += batch.num_rows
            for name, column in zip(this_header, batch.columns, strict=True):
                _update_kind(states[name], column)
        if rows == 0:
            raise InvalidInputDataError(f"CSV file {f.path} has a header but no data rows")
    assert header is not None
    return header, {name: states[name].kind for name in header}


def csv_source(split: str, files: Sequence[InputFile], partition: str | None) -> Iterator[Batch]:
    """Read one split's CSV files as batches of serialized ``tf.Example`` s, keyed for hashing."""

    header, kinds = _infer_csv_split(split, files)
    log.info(
        "split %s: %d column(s): %s",
        split,
        len(header),
        ", ".join(f"{name}={kind}" for name, kind in kinds.items()),
    )
    check_partition_column(partition, header, files[0].path)
    if partition is not None and kinds[partition] == KIND_UNKNOWN:
        # Its features would have no kind set, which TFX's partitioning rejects too.
        raise InvalidInputDataError(
            f"output_config.partition_feature_name {partition!r} is empty in every row of split {split!r}"
        )
    encoder = example_coder.RecordBatchToExamplesEncoder()
    for f in files:
        for batch in _csv_batches(f.path, header, use_threads=True):
            if batch.num_rows == 0:
                continue
            converted = [
                _convert_csv_column(col, kinds[name]) for name, col in zip(header, batch.columns, strict=True)
            ]
            records = encoder.encode(pa.RecordBatch.from_arrays(converted, header))
            if partition is not None:
                key_column = batch.column(header.index(partition))
            else:
                key_column = pc.binary_join_element_wise(*batch.columns, "\x1f")
            keys = [k.encode("utf-8") for k in key_column.to_pylist()]
            yield Batch(records, keys)
