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

import json
from collections.abc import Mapping
from typing import Any

from airflow_tfx_provider.components._parameters import check_exclude_splits
from airflow_tfx_provider.components.spec import ComponentSpec, InputSpec, OutputSpec, Parameter
from airflow_tfx_provider.exceptions import PipelineDefinitionError
from airflow_tfx_provider.types import EXAMPLE_STATISTICS, EXAMPLES, SCHEMA

_NAME = "StatisticsGen"


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed."""
    check_exclude_splits(params, _NAME)
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


StatisticsGenSpec = ComponentSpec(
    name=_NAME,
    default_id="statistics_gen",
    doc="Computes TFDV statistics per split (TFX's StatisticsGen).",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="the examples to describe"),
        "schema": InputSpec(
            SCHEMA,
            optional=True,
            doc="set as ``StatsOptions.schema``: steers the statistics (not used to decode the records)",
        ),
    },
    outputs={
        "statistics": OutputSpec(
            EXAMPLE_STATISTICS,
            doc="``Split-<name>/FeatureStats.pb`` per split, a binary ``DatasetFeatureStatisticsList``",
        ),
    },
    parameters={
        "stats_options": Parameter(
            None,
            "``None`` (TFDV's defaults), a ``tfdv.StatsOptions``, or a JSON-able dict of its keyword "
            'arguments, e.g. ``{"num_top_values": 50}``; setting a schema in it and as input is an error',
        ),
        "exclude_splits": Parameter([], "names of splits to skip"),
    },
    executor="airflow_tfx_provider.components.statistics_gen.executor.run",
    validate_parameters=validate_parameters,
)
