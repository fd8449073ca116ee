"""ExampleGen's executor: resolve the span's input files, read them, write Examples splits."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components.example_gen.inputs import (
    InputFile,
    ResolvedInput,
    check_input_base,
    resolve_files,
)
from airflow_tfx_provider.components.example_gen.parameters import (
    input_splits,
    output_splits,
    range_span,
    validate_parameters,
)
from airflow_tfx_provider.components.example_gen.readers.csv import csv_source
from airflow_tfx_provider.components.example_gen.readers.parquet import parquet_source
from airflow_tfx_provider.components.example_gen.readers.records import Reader
from airflow_tfx_provider.components.example_gen.readers.tfrecord import tfrecord_source
from airflow_tfx_provider.components.example_gen.writer import SplitPlan, write_examples
from airflow_tfx_provider.components.spec import ExecutionInfo, Inputs, Outputs

log = logging.getLogger(__name__)

_READERS: dict[str, Reader] = {
    "csv": csv_source,
    "parquet": parquet_source,
    "tfrecord": tfrecord_source,
}


def _interval_date(params: Mapping[str, Any], info: ExecutionInfo) -> dt.date | None:
    """The UTC date of the run's data interval start, if there is one and the span derives from it."""
    start = info.data_interval_start
    if start is None or not params.get("span_from_data_interval", True):
        return None
    if start.tzinfo is not None:
        start = start.astimezone(dt.UTC)
    return start.date()


def resolve_input(params: Mapping[str, Any], info: ExecutionInfo) -> ResolvedInput:
    """Find the files to read and the span/version they make; raise ``InvalidInputDataError``.

    Uses only the standard library (``glob``/``os``), so it is cheap enough for fingerprinting.
    """
    base = str(params["input_base"])
    check_input_base(base)
    return resolve_files(base, input_splits(params), range_span(params), _interval_date(params, info))


def input_fingerprint(params: dict[str, Any], info: ExecutionInfo) -> str:
    """Path, size and mtime of every file the executor would read (plus span/version).

    The caching layer adds this to the cache key, so ExampleGen reruns when input files change.
    Raises ``InvalidInputDataError`` like the executor when the files cannot be resolved.
    """
    return resolve_input(params, info).fingerprint()


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Read the input files of the resolved span and write them as Examples splits."""
    del inputs  # ExampleGen has no upstream artifacts
    validate_parameters(params)
    examples = single(outputs, "examples")
    resolved = resolve_input(params, info)
    fmt = params["input_format"]
    split_plan, partition = output_splits(params, len(resolved.splits))
    log.info(
        "ExampleGen (%s) from %s: span %d, version %s",
        fmt,
        resolved.input_base,
        resolved.span,
        resolved.version if resolved.has_version else "none (no {VERSION} in the pattern)",
    )
    for split, files in resolved.splits:
        for f in files:
            log.info("split %s: reading %s (%d bytes)", split, f.path, f.size)

    read = _READERS[fmt]
    if split_plan is not None:
        ((in_split, files),) = resolved.splits
        log.info(
            "hash-splitting into %s%s",
            ", ".join(f"{n}:{b}" for n, b in split_plan),
            f" by feature {partition!r}" if partition else "",
        )
        plans = [SplitPlan(in_split, read(in_split, files, partition), _size(files), split_plan)]
    else:  # each input split becomes the output split of its name, in one hash bucket
        plans = [
            SplitPlan(split, read(split, files, None), _size(files), [(split, 1)])
            for split, files in resolved.splits
        ]
    split_names = write_examples(examples, plans)

    examples.properties["span"] = resolved.span
    examples.properties["version"] = resolved.version
    examples.split_names = split_names
    examples.properties["input_fingerprint"] = resolved.fingerprint()


def _size(files: Sequence[InputFile]) -> int:
    return sum(f.size for f in files)
