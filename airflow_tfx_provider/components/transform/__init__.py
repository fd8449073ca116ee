"""Transform: feature engineering with TensorFlow Transform (TFT), with TFX's contracts.

The user writes ``preprocessing_fn(inputs)`` (or ``preprocessing_fn(inputs, custom_config)``)
in a module file, as for TFX. One Beam pipeline (``beam_support.make_pipeline``) then:

1. reads the *analyze* splits of the ``examples`` input (gzipped TFRecords of tf.Example,
   decoded by tfx_bsl's ``TFExampleRecord`` with the ``schema`` input) and runs the TFT
   analyzers over them (``tft_beam.AnalyzeDatasetWithCache``, or ``AnalyzeDataset`` when
   the analyzer cache is disabled);
2. writes the transform graph with ``tft_beam.WriteTransformFn`` (``transform_fn/`` and
   ``transformed_metadata/``), plus the raw schema as ``metadata/``, so
   ``tft.TFTransformOutput(transform_graph.uri)`` works on the output, as with TFX;
3. applies the transform to each *transform* split (``tft_beam.TransformDataset`` with
   ``output_record_batches=True``), encodes the Arrow record batches as tf.Examples
   (``tft_beam.EncodeTransformedDataset``, tfx_bsl's C++ encoder) and writes them gzipped
   to ``transformed_examples/Split-<name>/transformed_examples-NNNNN-of-MMMMM.gz``.

Cost: the same passes over the data as calling TFT directly. A split that is both analyzed
and transformed (``train`` by default) is read once and feeds both phases, as in
``tft_beam.AnalyzeAndTransformDataset`` (TFX re-reads it; on the local runner reading once is
cheaper); other splits are read once. Reads are projected to the columns the phases need
(``tft.get_analyze_input_columns`` / ``tft.get_transform_input_columns``; they trace
``preprocessing_fn`` before any data is read, so errors in user code fail fast). Statistics
(below) ride on those same reads. With an input analyzer cache, splits whose analysis it
fully covers are not read for analysis (TFX's rule). The cache is written in one Beam step
(``transform_io.write_analysis_cache``) instead of a file sink per cache entry.

The module file and the sibling modules it imports are pickled by value
(:func:`pickle_module_file_by_value`): TFT re-traces ``preprocessing_fn`` in a Beam worker, and
worker processes (``--direct_running_mode=multi_processing``, remote runners) cannot import a
module file.

Inputs: ``examples`` (Examples: one artifact, or several, e.g. a span range from a ``span_range``
Resolver, analyzed and transformed together), ``schema`` (Schema: the raw data's schema),
``analyzer_cache`` (TransformCache, optional: the ``updated_analyzer_cache`` of an earlier run).

Outputs (TFX's keys; all but ``transform_graph`` may stay empty, and then are not published):

- ``transform_graph`` (TransformGraph): ``transform_fn/``, ``transformed_metadata/``, ``metadata/``;
- ``transformed_examples`` (Examples): per transform split; properties ``span``, ``version``
  copied from the input (of the newest span when there are several, whose spans are listed in
  the custom property ``spans``) and ``split_names`` = the transform splits. Empty when
  ``materialize=False``;
- ``updated_analyzer_cache`` (TransformCache): the analyzer cache for the analyzed splits
  (the entries of the input cache for these splits plus the new ones). Empty when
  ``disable_analyzer_cache=True``;
- ``pre_transform_schema`` / ``post_transform_schema`` (Schema, ``schema.pbtxt``): the raw
  schema and the schema of the transformed features;
- ``pre_transform_stats`` (ExampleStatistics): TFDV statistics of each analyze split before
  the transform, ``Split-<name>/FeatureStats.pb``;
- ``post_transform_stats`` (ExampleStatistics): statistics of each transform split after the
  transform, ``Split-<name>/FeatureStats.pb``.

  The four schema/statistics outputs are written only when ``disable_statistics=False``. The
  default here is ``True`` (TFX's is ``False``): statistics cost a TFDV pass over the analyze
  and transform splits, and StatisticsGen already describes the raw data. Unlike TFX, whose
  Transform writes one ``FeatureStats.pb`` over all splits flattened, the statistics use this
  provider's ExampleStatistics layout (one ``Split-<name>/`` folder per split, ``split_names``
  set), so ExampleValidator can check them like StatisticsGen's.

Parameters:

- ``module_file``: path of a Python file defining ``preprocessing_fn``; or
- ``preprocessing_fn``: dotted path of the function (``"my_pkg.prep.preprocessing_fn"``).
  Exactly one of the two.
- ``custom_config``: a JSON-able dict handed to ``preprocessing_fn`` when its signature has
  a ``custom_config`` parameter (as TFX does; ``{}`` when unset), or a second positional
  parameter without a default.
- ``splits_config``: ``None`` (TFX's default: analyze ``train``, transform every split of
  the examples) or ``{"analyze": [...], "transform": [...]}`` (TFX's ``SplitsConfig`` as a
  dict; ``analyze`` must not be empty; ``transform`` defaults to every split).
- ``materialize`` (default True): write ``transformed_examples``.
- ``disable_statistics`` (default True): skip the statistics and schema outputs.
- ``force_tf_compat_v1`` (default False): trace ``preprocessing_fn`` in TF1 graph mode.
- ``disable_analyzer_cache`` (default False): neither read ``analyzer_cache`` nor write
  ``updated_analyzer_cache``.

Errors: a missing or broken module file, a missing function, and a ``preprocessing_fn``
that raises or that TFT cannot trace (e.g. it returns no dict) are ``UserCodeError``
naming the file and function; a ``splits_config`` naming a split the examples lack, a split
without record files and a schema that cannot decode the examples are
``InvalidInputDataError``.

Not done (TFX has them): ``stats_options_updater_fn``, ``post_transform_anomalies``, the
"in-place" run without Beam when nothing is analyzed or materialized, and input formats other
than tf.Example (SequenceExample, data views).

Nothing heavy (TensorFlow, TFT, TFDV, Beam) is imported at module level.
"""

from __future__ import annotations

from airflow_tfx_provider.components.spec import (
    ComponentSpec,
    InputSpec,
    OutputSpec,
    Parameter,
)
from airflow_tfx_provider.components.transform.parameters import _NAME, validate_parameters
from airflow_tfx_provider.types import (
    EXAMPLE_STATISTICS,
    EXAMPLES,
    SCHEMA,
    TRANSFORM_CACHE,
    TRANSFORM_GRAPH,
)

TransformSpec = ComponentSpec(
    name=_NAME,
    default_id="transform",
    doc="Analyzes and transforms examples with a preprocessing_fn (TFX's Transform, on tf.Transform).",
    inputs={
        "examples": InputSpec(
            EXAMPLES,
            doc="the raw examples to analyze and transform; several (a span range) are read together",
        ),
        "schema": InputSpec(SCHEMA, doc="schema of the raw examples (decodes them)"),
        "analyzer_cache": InputSpec(
            TRANSFORM_CACHE,
            optional=True,
            doc="``updated_analyzer_cache`` of an earlier run: splits whose analysis it covers are not "
            "re-read",
        ),
    },
    outputs={
        "transform_graph": OutputSpec(
            TRANSFORM_GRAPH,
            "``transform_fn/``, ``transformed_metadata/``, raw ``metadata/``; load it with "
            "``tft.TFTransformOutput(uri)``",
        ),
        "transformed_examples": OutputSpec(
            EXAMPLES,
            "gzipped tf.Examples per transform split under ``Split-<name>/``; not published when "
            "``materialize=False``",
            optional=True,
        ),
        "updated_analyzer_cache": OutputSpec(
            TRANSFORM_CACHE,
            "TFT analyzer cache of the analyzed splits; not published when ``disable_analyzer_cache=True``",
            optional=True,
        ),
        "pre_transform_schema": OutputSpec(
            SCHEMA, "the raw schema; only with ``disable_statistics=False``", optional=True
        ),
        "pre_transform_stats": OutputSpec(
            EXAMPLE_STATISTICS,
            "statistics of the analyze splits before the transform; only with ``disable_statistics=False``",
            optional=True,
        ),
        "post_transform_schema": OutputSpec(
            SCHEMA,
            "schema of the transformed features; only with ``disable_statistics=False``",
            optional=True,
        ),
        "post_transform_stats": OutputSpec(
            EXAMPLE_STATISTICS,
            "statistics of the transform splits after the transform; only with ``disable_statistics=False``",
            optional=True,
        ),
    },
    parameters={
        "module_file": Parameter(
            None,
            "path of a Python module file defining ``preprocessing_fn`` (exactly one of ``module_file`` "
            "and ``preprocessing_fn``)",
            module_file=True,
        ),
        "preprocessing_fn": Parameter(
            None,
            'dotted import path of ``preprocessing_fn``, e.g. ``"my_pkg.prep.preprocessing_fn"`` '
            "(instead of ``module_file``)",
            function_path=True,
        ),
        "custom_config": Parameter(
            None,
            "JSON-able dict passed as ``preprocessing_fn(inputs, custom_config)`` when the function takes "
            "it (``{}`` when unset)",
        ),
        "splits_config": Parameter(
            None,
            '``{"analyze": ["train"], "transform": ["train", "eval"]}`` (``analyze`` not empty; '
            "``transform`` defaults to every split); ``None``: analyze ``train``, transform every split",
        ),
        "materialize": Parameter(
            True, "write ``transformed_examples``; ``False`` leaves it empty (not published)"
        ),
        "disable_statistics": Parameter(
            True,
            "skip the four pre/post-transform statistics and schema outputs (TFX's default is ``False``)",
        ),
        "force_tf_compat_v1": Parameter(
            False, "trace ``preprocessing_fn`` in TF1 (``compat.v1``) graph mode, as in TFX"
        ),
        "disable_analyzer_cache": Parameter(
            False, "neither read ``analyzer_cache`` nor write ``updated_analyzer_cache``"
        ),
    },
    executor="airflow_tfx_provider.components.transform.executor.run",
    executor_version="1",
    validate_parameters=validate_parameters,
)
