"""ExampleGen: turn external files (CSV, TFRecord, Parquet) into an Examples artifact.

Two specs share one executor, :func:`run_executor`:

- ``CsvExampleGenSpec`` reads CSV files with a header line;
- ``ImportExampleGenSpec`` reads TFRecord files of ``tf.Example`` (gzipped or not, by the
  ``.gz`` suffix) or Parquet files.

Parameters keep TFX's names and take the dict forms of TFX's protos:

- ``input_base``: folder holding the input files (may be a rendered Airflow template);
- ``input_config``: ``{"splits": [{"name": "train", "pattern": "train/*"}, ...]}``; patterns are
  globs relative to ``input_base`` and may hold ``{SPAN}``, ``{VERSION}`` (optionally with a
  width, ``{SPAN:2}``) or ``{YYYY}``, ``{MM}``, ``{DD}``. ``None`` means one split, pattern ``*``;
- ``output_config``: ``{"split_config": {"splits": [{"name": "train", "hash_buckets": 2}, ...]},
  "partition_feature_name": "..."}``. ``None`` means a 2:1 train/eval hash split when the input
  has a single split, and the input's splits otherwise;
- ``range_config``: ``{"static_range": {"start_span_number": N, "end_span_number": N}}`` picks one span;
- ``span_from_data_interval``: derive the span from the run's data interval (see below);
- ``input_format``: ``"csv"``, ``"tfrecord"`` or ``"parquet"``.

Span and version, the same for every split:

1. ``{YYYY}{MM}{DD}`` patterns: span = days since 1970-01-01 of the date. The date is
   ``range_config``'s span if given, else the date of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else the latest date found on disk.
2. ``{SPAN}`` patterns: ``range_config``'s span if given, else the latest span on disk.
3. No span placeholder: days since epoch of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else 0. Backfilling over a static file thus yields one span
   per data interval.
4. ``{VERSION}``: the latest version present for the chosen span (``version`` is 0 without it).

Output: ``<uri>/Split-<name>/data_tfrecord-NNNNN-of-MMMMM.gz``, gzipped TFRecords of
serialized ``tf.Example``. CSV columns become INT64 if every non-empty value of the split is an
integer, FLOAT if every one is a number, BYTES otherwise; an empty cell gives a feature that
is present with no values (as TFX does).

Resolving which files to read (:func:`resolve_input`) is cheap and shared by the executor and
:func:`input_fingerprint`, which the caching layer uses to rerun ExampleGen when the files change.
Nothing heavy (pyarrow, TensorFlow, tfx-bsl) is imported at module level.

This module is the component: its specs, the checks of its parameters and the executor that
ties the parts together. The parts:

- :mod:`.example_gen_patterns`: the placeholder syntax of split patterns;
- :mod:`.example_gen_inputs`: which files on disk make the span and version to read;
- :mod:`.example_gen_records`: what readers yield (batches of serialized ``tf.Example``);
- :mod:`.example_gen_csv`, :mod:`.example_gen_parquet`, :mod:`.example_gen_tfrecord`: the readers;
- :mod:`.example_gen_writer`: hash split and sharded gzipped TFRecord output.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from airflow_tfx_provider.components.base import (
    REQUIRED,
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.components.example_gen_csv import csv_source
from airflow_tfx_provider.components.example_gen_inputs import (
    InputFile,
    ResolvedInput,
    check_input_base,
    resolve_files,
)
from airflow_tfx_provider.components.example_gen_parquet import parquet_source
from airflow_tfx_provider.components.example_gen_patterns import Pattern, parse_pattern
from airflow_tfx_provider.components.example_gen_records import Reader
from airflow_tfx_provider.components.example_gen_tfrecord import tfrecord_source
from airflow_tfx_provider.components.example_gen_writer import SplitPlan, write_examples
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLES, ArtifactRef

log = logging.getLogger(__name__)

INPUT_FORMATS = ("csv", "tfrecord", "parquet")
DEFAULT_SPLIT_PATTERN = "*"
DEFAULT_OUTPUT_SPLITS: tuple[tuple[str, int], ...] = (("train", 2), ("eval", 1))

_SPLIT_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")

_READERS: dict[str, Reader] = {
    "csv": csv_source,
    "parquet": parquet_source,
    "tfrecord": tfrecord_source,
}


# ---------------------------------------------------------------------------------------------
# Parameter validation (dict structure only; cheap)
# ---------------------------------------------------------------------------------------------


def _check_split_name(where: str, name: Any) -> str:
    if not isinstance(name, str) or not _SPLIT_NAME_RE.match(name):
        raise PipelineDefinitionError(
            f"{where}: split name {name!r} is not valid; use letters, digits, '_', '-' or '.' "
            "(it becomes the folder name Split-<name>)"
        )
    return name


def _check_keys(where: str, value: Any, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(f"{where} must be a dict, got {type(value).__name__}: {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise PipelineDefinitionError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")
    return dict(value)


def _named_splits(where: str, config: Any, key: str) -> Iterator[tuple[str, str, Any]]:
    """``(where, name, value)`` of each entry of ``{'splits': [{'name': ..., key: ...}, ...]}``.

    Checks the structure and each entry's name as it goes, then that the names are unique;
    the caller checks each value as it gets it.
    """
    config = _check_keys(where, config, ["splits"])
    splits = config.get("splits")
    if not isinstance(splits, list) or not splits:
        raise PipelineDefinitionError(
            f"{where} needs a non-empty list 'splits' of {{'name': ..., '{key}': ...}}, got {splits!r}"
        )
    names = []
    for i, split in enumerate(splits):
        entry = f"{where}.splits[{i}]"
        split = _check_keys(entry, split, ["name", key])
        name = _check_split_name(entry, split.get("name"))
        names.append(name)
        yield entry, name, split.get(key)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PipelineDefinitionError(f"{where}: duplicate split name(s) {dupes}")


def _input_splits(params: Mapping[str, Any]) -> list[tuple[str, Pattern]]:
    """The input splits as (name, parsed pattern); checks the structure of ``input_config``."""
    config = params.get("input_config")
    if config is None:
        return [("single_split", parse_pattern("single_split", DEFAULT_SPLIT_PATTERN))]
    result: list[tuple[str, Pattern]] = []
    for where, name, pattern in _named_splits("input_config", config, "pattern"):
        if not isinstance(pattern, str) or not pattern.strip():
            raise PipelineDefinitionError(f"{where} (split {name!r}): 'pattern' must be a non-empty string")
        if pattern.startswith("/"):
            raise PipelineDefinitionError(
                f"{where} (split {name!r}): pattern {pattern!r} must be relative to input_base"
            )
        result.append((name, parse_pattern(name, pattern)))
    kinds = {frozenset(p.placeholders) for _, p in result}
    if len(kinds) > 1:
        raise PipelineDefinitionError(
            "input_config: all split patterns must use the same placeholders; got "
            + ", ".join(f"{n}: {p.text!r}" for n, p in result)
        )
    return result


def _output_splits(
    params: Mapping[str, Any], n_input_splits: int
) -> tuple[list[tuple[str, int]] | None, str | None]:
    """Hash-split plan ``([(name, buckets), ...], partition_feature)``; ``None``: keep the input splits."""
    config = params.get("output_config")
    partition: str | None = None
    splits: list[tuple[str, int]] | None = None
    if config is not None:
        config = _check_keys("output_config", config, ["split_config", "partition_feature_name"])
        partition = config.get("partition_feature_name")
        if partition is not None and (not isinstance(partition, str) or not partition):
            raise PipelineDefinitionError(
                f"output_config.partition_feature_name must be a non-empty string, got {partition!r}"
            )
        split_config = config.get("split_config")
        if split_config is not None:
            splits = []
            for where, name, buckets in _named_splits(
                "output_config.split_config", split_config, "hash_buckets"
            ):
                if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
                    raise PipelineDefinitionError(
                        f"{where} (split {name!r}): hash_buckets must be a positive integer, got {buckets!r}"
                    )
                splits.append((name, buckets))
    if n_input_splits > 1:
        if splits is not None:
            raise PipelineDefinitionError(
                "input_config has several splits and output_config has a split_config: give one or the "
                "other (with several input splits, each input split becomes the output split of its name)"
            )
        if partition is not None:
            raise PipelineDefinitionError(
                "output_config.partition_feature_name only applies when one input split is hash-split"
            )
        return None, None
    return (splits if splits is not None else list(DEFAULT_OUTPUT_SPLITS)), partition


def _range_span(params: Mapping[str, Any]) -> int | None:
    config = params.get("range_config")
    if config is None:
        return None
    config = _check_keys("range_config", config, ["static_range"])
    static = config.get("static_range")
    static = _check_keys("range_config.static_range", static, ["start_span_number", "end_span_number"])
    start, end = static.get("start_span_number"), static.get("end_span_number")
    for key, value in (("start_span_number", start), ("end_span_number", end)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PipelineDefinitionError(
                f"range_config.static_range.{key} must be a non-negative integer, got {value!r}"
            )
    if start != end:
        raise PipelineDefinitionError(
            f"range_config.static_range must select one span (start_span_number == end_span_number), "
            f"got {start}..{end}"
        )
    assert isinstance(start, int)
    return start


def _check_common(params: Mapping[str, Any], formats: Sequence[str]) -> None:
    base = params.get("input_base")
    if not isinstance(base, str) or not base.strip():
        raise PipelineDefinitionError(f"input_base must be a non-empty string (a folder), got {base!r}")
    fmt = params.get("input_format")
    if fmt not in formats:
        raise PipelineDefinitionError(f"input_format must be one of {list(formats)}, got {fmt!r}")
    if not isinstance(params.get("span_from_data_interval", True), bool):
        raise PipelineDefinitionError(
            f"span_from_data_interval must be True or False, got {params.get('span_from_data_interval')!r}"
        )
    splits = _input_splits(params)
    _output_splits(params, len(splits))
    span = _range_span(params)
    pattern = splits[0][1]
    if span is not None and not (pattern.has_span or pattern.has_date):
        raise PipelineDefinitionError(
            f"range_config selects span {span}, but the input pattern {pattern.text!r} has neither {{SPAN}} "
            "nor {YYYY}{MM}{DD}"
        )


def validate_parameters(params: Mapping[str, Any]) -> None:
    """Check the structure of ExampleGen's parameters; raise ``PipelineDefinitionError``."""
    _check_common(params, INPUT_FORMATS)


def _validate_csv_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("csv",))


def _validate_import_parameters(params: dict[str, Any]) -> None:
    _check_common(params, ("tfrecord", "parquet"))


# ---------------------------------------------------------------------------------------------
# Input resolution and fingerprint (cheap: stdlib only)
# ---------------------------------------------------------------------------------------------


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
    return resolve_files(base, _input_splits(params), _range_span(params), _interval_date(params, info))


def input_fingerprint(params: dict[str, Any], info: ExecutionInfo) -> str:
    """Path, size and mtime of every file the executor would read (plus span/version).

    The caching layer adds this to the cache key, so ExampleGen reruns when input files change.
    Raises ``InvalidInputDataError`` like the executor when the files cannot be resolved.
    """
    return resolve_input(params, info).fingerprint()


# ---------------------------------------------------------------------------------------------
# Executor
# ---------------------------------------------------------------------------------------------


def _single_output(outputs: Outputs) -> ArtifactRef:
    refs = outputs.get("examples")
    if not refs or len(refs) != 1:
        raise PipelineDefinitionError(f"ExampleGen writes exactly one 'examples' artifact, got {refs!r}")
    return refs[0]


def run_executor(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Read the input files of the resolved span and write them as Examples splits."""
    del inputs  # ExampleGen has no upstream artifacts
    validate_parameters(params)
    examples = _single_output(outputs)
    resolved = resolve_input(params, info)
    fmt = params["input_format"]
    output_splits, partition = _output_splits(params, len(resolved.splits))
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
    if output_splits is not None:
        ((in_split, files),) = resolved.splits
        log.info(
            "hash-splitting into %s%s",
            ", ".join(f"{n}:{b}" for n, b in output_splits),
            f" by feature {partition!r}" if partition else "",
        )
        plans = [SplitPlan(in_split, read(in_split, files, partition), _size(files), output_splits)]
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


# ---------------------------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------------------------


_OUTPUTS = {"examples": OutputSpec(EXAMPLES, "tf.Examples in gzipped TFRecords under Split-<name>/")}


def _spec(
    name: str, input_format: str, formats_doc: str, validate: Callable[[dict[str, Any]], None]
) -> ComponentSpec:
    """An ExampleGen spec: the shared executor and parameters, with its own input formats."""
    return ComponentSpec(
        name=name,
        inputs={},
        outputs=_OUTPUTS,
        parameters={
            "input_base": Parameter(REQUIRED, "folder holding the input files (may be an Airflow template)"),
            "input_config": Parameter(
                None,
                "{'splits': [{'name': ..., 'pattern': ...}]}: globs relative to input_base, may use {SPAN}, "
                "{VERSION}, {YYYY}{MM}{DD}; None = one split, pattern '*'",
            ),
            "output_config": Parameter(
                None,
                "{'split_config': {'splits': [{'name': ..., 'hash_buckets': N}]}, "
                "'partition_feature_name': ...}; None = train:eval 2:1 hash split of a single input split",
            ),
            "range_config": Parameter(
                None, "{'static_range': {'start_span_number': N, 'end_span_number': N}}: read span N"
            ),
            "span_from_data_interval": Parameter(
                True, "derive the span (or the {YYYY}{MM}{DD} date) from the run's data interval start"
            ),
            "input_format": Parameter(input_format, formats_doc),
        },
        executor=run_executor,
        executor_version="1",
        default_id="example_gen",
        input_fingerprint=input_fingerprint,
        validate_parameters=validate,
    )


CsvExampleGenSpec = _spec("CsvExampleGen", "csv", "'csv'", _validate_csv_parameters)

ImportExampleGenSpec = _spec(
    "ImportExampleGen",
    "tfrecord",
    "'tfrecord' (tf.Example records, gzipped if '.gz') or 'parquet'",
    _validate_import_parameters,
)

__all__ = [
    "INPUT_FORMATS",
    "CsvExampleGenSpec",
    "ImportExampleGenSpec",
    "InputFile",
    "ResolvedInput",
    "input_fingerprint",
    "resolve_input",
    "run_executor",
    "validate_parameters",
]
