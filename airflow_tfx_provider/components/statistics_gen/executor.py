"""StatisticsGen's executor: one Beam pipeline computing ``FeatureStats.pb`` for every selected split."""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Mapping
from typing import Any

import tensorflow as tf
import tensorflow_data_validation as tfdv
from tfx_bsl.public import tfxio

from airflow_tfx_provider.components._artifacts import copy_span, optional, single
from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._beam import make_pipeline
from airflow_tfx_provider.components.spec import ExecutionInfo, Inputs, Outputs
from airflow_tfx_provider.exceptions import PipelineDefinitionError

log = logging.getLogger(__name__)

_NAME = "StatisticsGen"
_TELEMETRY = ["airflow_tfx_provider", "StatisticsGen"]


def build_stats_options(value: Any) -> tfdv.StatsOptions:
    """A fresh ``tfdv.StatsOptions`` from the ``stats_options`` parameter (never the caller's object)."""
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


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: one Beam pipeline computing ``FeatureStats.pb`` for every selected split."""
    examples = single(inputs, "examples")
    schema_ref = optional(inputs, "schema")
    statistics = single(outputs, "statistics")

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

    copy_span(examples, statistics)
    statistics.split_names = splits
