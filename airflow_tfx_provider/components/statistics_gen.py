"""StatisticsGen: TFDV statistics of every split of an Examples artifact.

Output layout (TFX 1.x): ``<statistics.uri>/Split-<name>/FeatureStats.pb``, a binary
``DatasetFeatureStatisticsList`` per processed split. All splits run in one Beam pipeline
(``beam_support.make_pipeline``): gzipped TFRecords of tf.Example are read with tfx_bsl's
``TFExampleRecord`` and fed straight into ``tfdv.GenerateStatistics`` and
``tfdv.WriteStatisticsToBinaryFile``, i.e. the same transforms (and the same batch size) as
``tfdv.generate_statistics_from_tfrecord``, with no extra pass over the data.

Parameters:

- ``stats_options``: ``None`` (TFDV's defaults), a ``tfdv.StatsOptions``, or a dict of
  ``tfdv.StatsOptions`` keyword arguments, e.g. ``{"num_top_values": 50,
  "feature_allowlist": ["fare", "company"]}``. The dict must be JSON-serializable (so it can be
  fingerprinted for caching and shown in the UI); options that take Python objects
  (``generators``, ``slice_functions``, ...) need a ``StatsOptions`` object.
- ``exclude_splits``: split names to skip.

With a ``schema`` input, the schema is set as ``StatsOptions.schema`` (as TFX does); it steers
the statistics (categorical ints, semantic domains, ...). It is deliberately not used to decode
the records: a schema-driven decoder drops features the schema does not know, and
ExampleValidator must see those to report them. Setting a schema both as input and inside
``stats_options`` is an error.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.components import example_io, tfdv_io
from airflow_tfx_provider.components.base import (
    ComponentSpec,
    ExecutionInfo,
    Inputs,
    InputSpec,
    Outputs,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.components.beam_support import make_pipeline
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLE_STATISTICS, EXAMPLES, SCHEMA

if TYPE_CHECKING:
    import tensorflow_data_validation as tfdv

log = logging.getLogger(__name__)

_NAME = "StatisticsGen"
_TELEMETRY = ["airflow_tfx_provider", "StatisticsGen"]


def validate_statistics_gen_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    tfdv_io.check_exclude_splits(params, _NAME)
    options = params.get("stats_options")
    if options is None:
        return
    if isinstance(options, Mapping):
        bad_keys = [k for k in options if not isinstance(k, str)]
        if bad_keys:
            raise PipelineDefinitionError(f"{_NAME}: stats_options keys must be str, got {bad_keys!r}")
        try:
            json.dumps(dict(options))
        except (TypeError, ValueError) as err:
            raise PipelineDefinitionError(
                f"{_NAME}: a stats_options dict must be JSON-serializable ({err}); "
                "pass a tfdv.StatsOptions object for options that take Python objects"
            ) from None
        return
    if type(options).__name__ != "StatsOptions":
        raise PipelineDefinitionError(
            f"{_NAME}: stats_options must be None, a tfdv.StatsOptions or a dict of its keyword "
            f"arguments, got {type(options).__name__}"
        )


def build_stats_options(value: Any) -> tfdv.StatsOptions:
    """A fresh ``tfdv.StatsOptions`` from the ``stats_options`` parameter (never the caller's object)."""
    import tensorflow_data_validation as tfdv

    if value is None:
        return tfdv.StatsOptions()
    if isinstance(value, tfdv.StatsOptions):
        return copy.copy(value)  # we may set .schema; do not touch the DAG's object
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(
            f"{_NAME}: stats_options must be None, a tfdv.StatsOptions or a dict, got {type(value).__name__}"
        )
    accepted = set(inspect.signature(tfdv.StatsOptions.__init__).parameters) - {"self"}
    unknown = sorted(set(value) - accepted)
    if unknown:
        raise PipelineDefinitionError(
            f"{_NAME}: stats_options has unknown key(s) {unknown}; tfdv.StatsOptions takes {sorted(accepted)}"
        )
    try:
        return tfdv.StatsOptions(**dict(value))
    except (TypeError, ValueError) as err:
        raise PipelineDefinitionError(f"{_NAME}: invalid stats_options {dict(value)!r}: {err}") from err


def run_statistics_gen(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: one Beam pipeline computing ``FeatureStats.pb`` for every selected split."""
    import tensorflow as tf
    import tensorflow_data_validation as tfdv
    from tfx_bsl.public import tfxio

    examples = tfdv_io.single_input(inputs, "examples")
    schema_ref = tfdv_io.optional_input(inputs, "schema")
    statistics = tfdv_io.single_output(outputs, "statistics")

    splits = example_io.selected_splits(examples, params.get("exclude_splits"))
    options = build_stats_options(params.get("stats_options"))
    if schema_ref is not None:
        if options.schema is not None:
            raise PipelineDefinitionError(
                f"{_NAME}: a schema is given both as input ({schema_ref.uri}) and in stats_options; "
                "set only one"
            )
        options.schema = tfdv_io.load_schema(schema_ref)

    plan: list[tuple[str, str, str]] = []
    for split in splits:
        files = example_io.split_files(examples, split)  # fails early, naming the folder, if empty
        pattern = example_io.split_file_pattern(examples, split)
        out_path = tfdv_io.statistics_path(statistics, split)
        tf.io.gfile.makedirs(statistics.split_uri(split))
        log.info("split %r: reading %d file(s) matching %s", split, len(files), pattern)
        plan.append((split, pattern, out_path))

    log.info(
        "computing statistics for split(s) %s of examples artifact %s (%s)%s",
        splits,
        examples.mlmd_id,
        examples.uri,
        f" with schema {schema_ref.uri}" if schema_ref is not None else "",
    )
    with make_pipeline(info) as pipeline:
        for split, pattern, out_path in plan:
            _ = (
                pipeline
                | f"ReadExamples[{split}]"
                >> tfxio.TFExampleRecord(file_pattern=pattern, telemetry_descriptors=_TELEMETRY).BeamSource(
                    options.desired_batch_size
                )
                | f"GenerateStatistics[{split}]" >> tfdv.GenerateStatistics(options)
                | f"WriteStatistics[{split}]" >> tfdv.WriteStatisticsToBinaryFile(out_path)
            )
    for split, _pattern, out_path in plan:
        log.info("split %r: wrote statistics to %s", split, out_path)

    tfdv_io.copy_span(examples, statistics)
    statistics.split_names = splits


StatisticsGenSpec = ComponentSpec(
    name=_NAME,
    default_id="statistics_gen",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="the examples to describe"),
        "schema": InputSpec(SCHEMA, optional=True, doc="optional schema steering the statistics"),
    },
    outputs={
        "statistics": OutputSpec(EXAMPLE_STATISTICS, doc="Split-<name>/FeatureStats.pb per split"),
    },
    parameters={
        "stats_options": Parameter(
            None, "None, a tfdv.StatsOptions, or a JSON-able dict of tfdv.StatsOptions keyword arguments"
        ),
        "exclude_splits": Parameter([], "names of splits to skip"),
    },
    executor=run_statistics_gen,
    validate_parameters=validate_statistics_gen_parameters,
)
