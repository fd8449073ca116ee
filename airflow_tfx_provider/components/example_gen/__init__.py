"""ExampleGen: turn external files (CSV, TFRecord, Parquet) into an Examples artifact.

Two specs share one executor (``executor.run``):

- ``CsvExampleGenSpec`` reads CSV files with a header line;
- ``ImportExampleGenSpec`` reads TFRecord files of ``tf.Example`` (gzipped or not, by the
  ``.gz`` suffix) or Parquet files.

Parameters keep TFX's names and take the dict forms of TFX's protos:

- ``input_base``: folder holding the input files (may be a rendered Airflow template);
- ``input_config``: ``{"splits": [{"name": "train", "pattern": "train/*"}, ...]}``; patterns are
  globs relative to ``input_base`` and may hold ``{SPAN}``, ``{VERSION}`` (optionally with a
  width, ``{SPAN:2}``) or a date: ``{YYYY}{MM}{DD}``, or ``{YYYY}{MM}`` for monthly folders.
  ``None`` means one split, pattern ``*``;
- ``output_config``: ``{"split_config": {"splits": [{"name": "train", "hash_buckets": 2}, ...]},
  "partition_feature_name": "..."}``. ``None`` means a 2:1 train/eval hash split when the input
  has a single split, and the input's splits otherwise;
- ``range_config``: ``{"static_range": {"start_span_number": N, "end_span_number": N}}`` picks one span;
- ``span_from_data_interval``: derive the span from the run's data interval (see below);
- ``span_from_asset_event``: read the span, date or folder named by the triggering asset event
  (``asset_event``: it becomes ``range_config`` / ``input_base`` before the rules below apply);
- ``input_format``: ``"csv"``, ``"tfrecord"`` or ``"parquet"``.

Span and version, the same for every split:

1. ``{YYYY}{MM}{DD}`` patterns: span = days since 1970-01-01 of the date. The date is
   ``range_config``'s span if given, else the date of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else the latest date found on disk. ``{YYYY}{MM}`` patterns
   work the same with the 1st of the month (a data interval starting mid-month reads its month).
2. ``{SPAN}`` patterns: ``range_config``'s span if given, else the latest span on disk.
3. No span placeholder: days since epoch of ``data_interval_start`` (when present and
   ``span_from_data_interval``), else 0. Backfilling over a static file thus yields one span
   per data interval.
4. ``{VERSION}``: the latest version present for the chosen span (``version`` is 0 without it).

Output: ``<uri>/Split-<name>/data_tfrecord-NNNNN-of-MMMMM.gz``, gzipped TFRecords of
serialized ``tf.Example``. Values are encoded as TFX's ExampleGens encode them:

- CSV: a column is INT64 if every non-empty value of the input split is an integer, FLOAT if
  every one is a number, BYTES otherwise, inferred over the whole input split (before any hash
  split; with ``input_config`` splits, over each input split separately). An empty cell is an
  empty list of the column's kind (``int64_list {}`` ...); a column empty in every row of the
  input split has no kind, and each of its features is ``tf.train.Feature()`` (no kind set).
- Parquet: a null (scalar or list) is ``tf.train.Feature()``; a null inside a list is an error.
- TFRecord: records are copied unchanged.
- Hashing by ``partition_feature_name``: a row whose partition feature has no value (a null,
  ``tf.train.Feature()``) is an error, as in TFX.

Resolving which files to read (``inputs``) uses only the standard library and is shared by the
executor and its ``input_fingerprint``, which the caching layer uses to rerun ExampleGen when the
files change.

The package: this module holds the specs; the parts are

- ``parameters``: the parse-time checks of the parameters (cheap);
- ``patterns``: the placeholder syntax of split patterns;
- ``inputs``: which files on disk make the span and version to read;
- ``readers/``: one reader per input format (``csv``, ``parquet``, ``tfrecord``) and what they
  yield (``records``: batches of serialized ``tf.Example``);
- ``writer``: hash split and sharded gzipped TFRecord output;
- ``executor``: ties the parts together (``run``, ``input_fingerprint``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_tfx_provider.components.example_gen.parameters import (
    INPUT_FORMATS,
    validate_csv_parameters,
    validate_import_parameters,
)
from airflow_tfx_provider.components.spec import REQUIRED, ComponentSpec, OutputSpec, Parameter
from airflow_tfx_provider.types import EXAMPLES

_OUTPUTS = {
    "examples": OutputSpec(
        EXAMPLES,
        "gzipped TFRecords of ``tf.Example`` under ``Split-<name>/``; properties ``span``, ``version``, "
        "``split_names``",
    )
}


def _spec(
    name: str, doc: str, input_format: str, formats_doc: str, validate: Callable[[dict[str, Any]], None]
) -> ComponentSpec:
    """An ExampleGen spec: the shared executor and parameters, with its own input formats."""
    return ComponentSpec(
        name=name,
        doc=doc,
        inputs={},
        outputs=_OUTPUTS,
        parameters={
            "input_base": Parameter(
                REQUIRED, "folder of the input files; templates allowed (``/data/{{ ds_nodash }}``)"
            ),
            "input_config": Parameter(
                None,
                '``{"splits": [{"name": "train", "pattern": "train/*"}, ...]}``: glob patterns relative to '
                "``input_base``, may contain ``{SPAN}``, ``{VERSION}`` (optionally with a width, "
                "``{SPAN:2}``) or a date, ``{YYYY}{MM}{DD}`` or monthly ``{YYYY}{MM}``; ``None``: one split, "
                "pattern ``*``",
            ),
            "output_config": Parameter(
                None,
                '``{"split_config": {"splits": [{"name": "train", "hash_buckets": 2}, {"name": "eval", '
                '"hash_buckets": 1}]}, "partition_feature_name": "..."}``: hash-split a single input split '
                "(by the whole row, or by the partition feature); ``None``: train:eval 2:1 when the input "
                "has one split, else the input's splits",
            ),
            "range_config": Parameter(
                None,
                '``{"static_range": {"start_span_number": N, "end_span_number": N}}``: read span N (start '
                "and end equal; the pattern needs ``{SPAN}`` or ``{YYYY}{MM}{DD}``)",
            ),
            "span_from_data_interval": Parameter(
                True,
                "take the span from the run's data interval start: the ``{YYYY}{MM}{DD}`` date (or its "
                "month for ``{YYYY}{MM}``) to read, or days since 1970-01-01 without a span placeholder; "
                "``False``: latest date on disk, or span 0",
            ),
            "span_from_asset_event": Parameter(
                False,
                "read what the asset event that triggered the run names in its extra: ``span``, ``date`` "
                "(``YYYY-MM-DD`` / ``YYYY-MM``) and/or ``path`` (a folder inside ``input_base``); runs not "
                "triggered by an asset follow the rules above",
            ),
            "input_format": Parameter(input_format, formats_doc),
        },
        executor="airflow_tfx_provider.components.example_gen.executor.run",
        executor_version="1",
        default_id="example_gen",
        input_fingerprint="airflow_tfx_provider.components.example_gen.executor.input_fingerprint",
        validate_parameters=validate,
    )


CsvExampleGenSpec = _spec(
    "CsvExampleGen",
    "Reads CSV files into an Examples artifact, one span per run (TFX's CsvExampleGen).",
    "csv",
    "``'csv'``, the only format",
    validate_csv_parameters,
)

ImportExampleGenSpec = _spec(
    "ImportExampleGen",
    "Reads TFRecord (tf.Example) or Parquet files into an Examples artifact (TFX's ImportExampleGen).",
    "tfrecord",
    "``'tfrecord'`` (``tf.Example`` records; ``.gz`` files are read as gzip) or ``'parquet'``",
    validate_import_parameters,
)

__all__ = ["INPUT_FORMATS", "CsvExampleGenSpec", "ImportExampleGenSpec"]
