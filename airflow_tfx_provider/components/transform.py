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

Inputs: ``examples`` (Examples), ``schema`` (Schema: the raw data's schema),
``analyzer_cache`` (TransformCache, optional: the ``updated_analyzer_cache`` of an earlier run).

Outputs (TFX's keys; all but ``transform_graph`` may stay empty, and then are not published):

- ``transform_graph`` (TransformGraph): ``transform_fn/``, ``transformed_metadata/``, ``metadata/``;
- ``transformed_examples`` (Examples): per transform split; properties ``span``, ``version``
  copied from the input and ``split_names`` = the transform splits. Empty when
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

import inspect
import json
import logging
import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.components import example_io, tfdv_io, transform_io
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
from airflow_tfx_provider.components.user_module import (
    UserFunction,
    module_file_digest,
    resolve_user_function,
)
from airflow_tfx_provider.exceptions import (
    ExecutorError,
    InvalidInputDataError,
    PipelineDefinitionError,
    TfxProviderError,
    UserCodeError,
)
from airflow_tfx_provider.types import (
    EXAMPLE_STATISTICS,
    EXAMPLES,
    SCHEMA,
    TRANSFORM_CACHE,
    TRANSFORM_GRAPH,
    ArtifactRef,
)

if TYPE_CHECKING:
    import apache_beam as beam
    from tensorflow_metadata.proto.v0 import schema_pb2

log = logging.getLogger(__name__)

_NAME = "Transform"
_TELEMETRY = ["airflow_tfx_provider", "Transform"]
_METRICS_NAMESPACE = "airflow_tfx_provider.transform"
_FUNCTION_NAME = "preprocessing_fn"
_CUSTOM_CONFIG = "custom_config"

DEFAULT_ANALYZE_SPLITS: tuple[str, ...] = ("train",)
_SPLITS_CONFIG_KEYS = ("analyze", "transform")
_BOOL_PARAMETERS = ("materialize", "disable_statistics", "force_tf_compat_v1", "disable_analyzer_cache")


# --- parameters ---------------------------------------------------------------------------
def _check_split_list(value: Any, key: str) -> None:
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) and s for s in value):
        raise PipelineDefinitionError(
            f"{_NAME}: splits_config[{key!r}] must be a list of split names (non-empty str), got {value!r}"
        )
    duplicates = sorted({s for s in value if list(value).count(s) > 1})
    if duplicates:
        raise PipelineDefinitionError(f"{_NAME}: splits_config[{key!r}] names {duplicates} more than once")


def validate_transform_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks, run when the DAG is parsed (and again by the executor)."""
    module_file = params.get("module_file")
    function_path = params.get(_FUNCTION_NAME)
    for name, value in (("module_file", module_file), (_FUNCTION_NAME, function_path)):
        if value is not None and not isinstance(value, str):
            raise PipelineDefinitionError(f"{_NAME}: {name} must be a str, got {type(value).__name__}")
    if bool(module_file) == bool(function_path):
        raise PipelineDefinitionError(
            f"{_NAME}: give exactly one of module_file (path of a file defining {_FUNCTION_NAME}) and "
            f"{_FUNCTION_NAME} (a dotted path like 'pkg.module.{_FUNCTION_NAME}'), not "
            f"{'both' if module_file else 'neither'}"
        )
    if function_path and "." not in function_path:
        raise PipelineDefinitionError(
            f"{_NAME}: {_FUNCTION_NAME} must be a dotted path like 'pkg.module.{_FUNCTION_NAME}', "
            f"got {function_path!r}"
        )

    custom_config = params.get(_CUSTOM_CONFIG)
    if custom_config is not None:
        if not isinstance(custom_config, Mapping):
            raise PipelineDefinitionError(
                f"{_NAME}: custom_config must be a dict, got {type(custom_config).__name__}"
            )
        try:
            json.dumps(dict(custom_config))
        except (TypeError, ValueError) as err:
            raise PipelineDefinitionError(
                f"{_NAME}: custom_config must be JSON-serializable (as in TFX): {err}"
            ) from None

    splits_config = params.get("splits_config")
    if splits_config is not None:
        if not isinstance(splits_config, Mapping):
            raise PipelineDefinitionError(
                f"{_NAME}: splits_config must be None or a dict {{'analyze': [...], 'transform': [...]}}, "
                f"got {type(splits_config).__name__}"
            )
        unknown = sorted(str(k) for k in splits_config if k not in _SPLITS_CONFIG_KEYS)
        if unknown:
            raise PipelineDefinitionError(
                f"{_NAME}: splits_config has unknown key(s) {unknown}; it takes {list(_SPLITS_CONFIG_KEYS)}"
            )
        analyze = splits_config.get("analyze")
        if not analyze:
            raise PipelineDefinitionError(
                f"{_NAME}: splits_config['analyze'] must name at least one split (TFX: analyze cannot "
                "be empty when splits_config is set)"
            )
        _check_split_list(analyze, "analyze")
        if splits_config.get("transform") is not None:
            _check_split_list(splits_config["transform"], "transform")
            if not splits_config["transform"] and params.get("materialize", True):
                raise PipelineDefinitionError(
                    f"{_NAME}: splits_config['transform'] is empty but materialize=True: nothing to "
                    "materialize; name the splits to transform or set materialize=False"
                )

    for name in _BOOL_PARAMETERS:
        if name in params and not isinstance(params[name], bool):
            raise PipelineDefinitionError(f"{_NAME}: {name} must be a bool, got {params[name]!r}")


def resolve_splits(
    examples: ArtifactRef, splits_config: Mapping[str, Any] | None
) -> tuple[list[str], list[str]]:
    """(analyze splits, transform splits) for ``examples``; ``InvalidInputDataError`` on unknown names."""
    available = examples.split_names
    if splits_config is None:
        analyze = list(DEFAULT_ANALYZE_SPLITS)
        transform = list(available)
        where = "the default splits_config (analyze 'train', transform all splits)"
    else:
        analyze = list(splits_config["analyze"])
        given = splits_config.get("transform")
        transform = list(available) if given is None else list(given)
        where = "splits_config"
    unknown = [s for s in dict.fromkeys([*analyze, *transform]) if s not in available]
    if unknown:
        raise InvalidInputDataError(
            f"{_NAME}: {where} names split(s) {unknown} that examples artifact {examples.mlmd_id} "
            f"({examples.uri}) does not have; it has {available}"
        )
    return analyze, transform


# --- the user's preprocessing_fn ---------------------------------------------------------------
def _takes_custom_config(func: Callable[..., Any]) -> tuple[bool, bool]:
    """(pass custom_config?, by keyword?) for ``func``'s signature."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False, False
    if any(p.name == _CUSTOM_CONFIG and p.kind is not p.VAR_POSITIONAL for p in parameters):
        return True, True  # TFX's rule: bound by name
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 and positional[1].default is inspect.Parameter.empty:
        return True, False  # a required second argument: it can only be the config
    return False, False


@dataclass(frozen=True)
class PreprocessingFn:
    """The user's ``preprocessing_fn`` as TFT calls it: one argument, config bound, output checked.

    Exceptions it raises become ``UserCodeError`` naming the function and its file.
    """

    user_fn: UserFunction
    custom_config: Mapping[str, Any] | None = None

    @property
    def where(self) -> str:
        return f"{self.user_fn.name} in {self.user_fn.source}"

    def __call__(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        takes_config, by_keyword = _takes_custom_config(self.user_fn.func)
        config = dict(self.custom_config or {})
        if not takes_config:
            outputs = self.user_fn(inputs)
        elif by_keyword:
            outputs = self.user_fn(inputs, **{_CUSTOM_CONFIG: config})
        else:
            outputs = self.user_fn(inputs, config)
        if not isinstance(outputs, Mapping):
            raise UserCodeError(
                f"{self.where} must return a dict of feature name -> Tensor/SparseTensor/RaggedTensor, "
                f"got {type(outputs).__name__}"
            )
        if not outputs:
            raise UserCodeError(f"{self.where} returned an empty dict; TFT needs at least one output")
        bad_keys = [k for k in outputs if not isinstance(k, str)]
        if bad_keys:
            raise UserCodeError(f"{self.where} returned non-str feature name(s) {bad_keys!r}")
        return dict(outputs)


def load_preprocessing_fn(params: Mapping[str, Any]) -> PreprocessingFn:
    """Load ``preprocessing_fn`` from ``module_file`` or the dotted path, binding ``custom_config``."""
    user_fn = resolve_user_function(
        module_file=params.get("module_file"),
        function_path=params.get(_FUNCTION_NAME),
        name=_FUNCTION_NAME,
    )
    fn = PreprocessingFn(user_fn, params.get(_CUSTOM_CONFIG))
    takes_config, by_keyword = _takes_custom_config(user_fn.func)
    if takes_config:
        log.info(
            "%s takes custom_config (%s); passing %s",
            fn.where,
            "by name" if by_keyword else "as its second argument",
            sorted(fn.custom_config or {}),
        )
    elif params.get(_CUSTOM_CONFIG):
        log.warning(
            "custom_config is set but %s takes no custom_config parameter; it is not passed", fn.where
        )
    return fn


def pickle_module_file_by_value(module_file: str, user_fn: UserFunction) -> list[str]:
    """Make Beam pickle the module file's functions by value; return the module names registered.

    TFT re-traces ``preprocessing_fn`` inside a Beam worker (to write the final SavedModel),
    so the function must unpickle in worker processes (``--direct_running_mode=multi_processing``,
    remote runners), where the module file, loaded under a private name, cannot be imported.
    The module and the sibling modules it imports (``from features import ...``) are
    therefore registered with Beam's cloudpickle to travel by value. (TFX installs the
    module file as a temporary pip package instead.) Needs Beam's default pickler, cloudpickle.
    """
    from apache_beam.internal.cloudpickle import cloudpickle as beam_cloudpickle

    folder = os.path.dirname(os.path.abspath(module_file))
    files = {os.path.normpath(os.path.join(folder, name)) for name in module_file_digest(module_file)}
    modules = {}
    user_module = sys.modules.get(getattr(user_fn.func, "__module__", "") or "")
    if user_module is not None:
        modules[user_module.__name__] = user_module
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.normpath(os.path.abspath(path)) in files:
            modules[name] = module
    for module in modules.values():
        beam_cloudpickle.register_pickle_by_value(module)
    return sorted(modules)


def _user_code_error(fn: PreprocessingFn, stage: str, err: Exception) -> UserCodeError:
    """``err`` (raised while TFT traced or analyzed the user's function) as a ``UserCodeError``."""
    if isinstance(err, UserCodeError):
        # TF's autograph may have re-raised it with its own prefix; keep the message readable.
        message = str(err).strip()
        return UserCodeError(message if fn.user_fn.source in message else f"{fn.where}: {message}")
    return UserCodeError(f"{stage} {fn.where} failed: {type(err).__name__}: {err}")


# --- the executor ---------------------------------------------------------------------------------
def _optional_output(outputs: Outputs, key: str) -> ArtifactRef | None:
    refs = list(outputs.get(key) or [])
    if len(refs) > 1:
        raise ExecutorError(f"output {key!r} must hold at most one artifact, got {len(refs)}")
    return refs[0] if refs else None


def _count_rows(batch: tuple[Any, Any], counter_name: str) -> tuple[Any, Any]:
    """Pass a (RecordBatch, passthrough) element on, counting its rows in a Beam counter."""
    import apache_beam as beam

    beam.metrics.Metrics.counter(_METRICS_NAMESPACE, counter_name).inc(batch[0].num_rows)
    return batch


def _counter_values(result: Any) -> dict[str, int]:
    from apache_beam.metrics.metric import MetricsFilter

    values: dict[str, int] = {}
    try:
        counters = result.metrics().query(MetricsFilter().with_namespace(_METRICS_NAMESPACE))["counters"]
    except Exception:  # metrics are a nicety; some runners do not report them
        log.debug("could not query Beam metrics", exc_info=True)
        return values
    for counter in counters:
        value = counter.committed if counter.committed is not None else counter.attempted
        name = counter.key.metric.name
        values[name] = values.get(name, 0) + int(value or 0)
    return values


def _make_temp_dir(info: ExecutionInfo) -> str:
    import tensorflow as tf

    if info.temp_dir:
        path = os.path.join(info.temp_dir, f"transform-{info.execution_id}-{uuid.uuid4().hex[:8]}")
        tf.io.gfile.makedirs(path)
        return path
    return tempfile.mkdtemp(prefix="tft-")


@dataclass
class _Plan:
    """What one Transform run reads and writes (resolved before building the pipeline)."""

    analyze: list[str]
    transform: list[str]
    materialize: bool
    statistics: bool
    input_cache_dir: str | None
    output_cache: ArtifactRef | None


def run_transform(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: analyze, write the transform graph and (optionally) materialize the transformed splits."""
    validate_transform_parameters(params)
    import tensorflow as tf
    import tensorflow_transform as tft
    from tfx_bsl.public import tfxio

    examples = tfdv_io.single_input(inputs, "examples")
    schema_ref = tfdv_io.single_input(inputs, "schema")
    cache_in = tfdv_io.optional_input(inputs, "analyzer_cache")
    graph_out = tfdv_io.single_output(outputs, "transform_graph")
    examples_out = _optional_output(outputs, "transformed_examples")

    analyze, transform = resolve_splits(examples, params.get("splits_config"))
    materialize = bool(params.get("materialize", True))
    if materialize and examples_out is None:
        raise ExecutorError(f"{_NAME}: materialize=True but no 'transformed_examples' output was given")
    statistics = not params.get("disable_statistics", True)
    use_cache = not params.get("disable_analyzer_cache", False)
    force_tf_compat_v1 = bool(params.get("force_tf_compat_v1", False))
    if cache_in is not None and not use_cache:
        log.warning("disable_analyzer_cache=True: ignoring the analyzer_cache input %s", cache_in.uri)
    plan = _Plan(
        analyze=analyze,
        transform=transform if (materialize or statistics) else [],
        materialize=materialize,
        statistics=statistics,
        input_cache_dir=cache_in.uri if (cache_in is not None and use_cache) else None,
        output_cache=_optional_output(outputs, "updated_analyzer_cache") if use_cache else None,
    )
    stats_outputs: dict[str, ArtifactRef] = {}
    if statistics:
        for key in (
            "pre_transform_schema",
            "pre_transform_stats",
            "post_transform_schema",
            "post_transform_stats",
        ):
            ref = _optional_output(outputs, key)
            if ref is None:
                raise ExecutorError(f"{_NAME}: disable_statistics=False but no {key!r} output was given")
            stats_outputs[key] = ref

    raw_schema = tfdv_io.load_schema(schema_ref)
    preprocessing_fn = load_preprocessing_fn(params)
    if params.get("module_file"):
        by_value = pickle_module_file_by_value(params["module_file"], preprocessing_fn.user_fn)
        log.info("Beam pickles module(s) %s by value (for worker processes)", by_value)

    patterns: dict[str, str] = {}
    for split in dict.fromkeys([*plan.analyze, *plan.transform]):
        files = example_io.split_files(examples, split)  # fails early, naming the folder, if empty
        patterns[split] = example_io.split_file_pattern(examples, split)
        log.info("split %r: %d file(s) matching %s", split, len(files), patterns[split])

    def make_tfxio(split: str) -> Any:
        return tfxio.TFExampleRecord(
            file_pattern=patterns[split], schema=raw_schema, telemetry_descriptors=_TELEMETRY
        )

    try:
        typespecs = make_tfxio(plan.analyze[0]).TensorAdapter().OriginalTypeSpecs()
    except ValueError as err:  # e.g. a fixed shape on a feature that may be missing
        raise InvalidInputDataError(
            f"{_NAME}: the schema {tfdv_io.schema_path(schema_ref)} cannot decode the examples: {err}"
        ) from err
    try:  # traces preprocessing_fn: fails fast, before any data is read, on errors in user code
        analyze_columns = tft.get_analyze_input_columns(
            preprocessing_fn, typespecs, force_tf_compat_v1=force_tf_compat_v1
        )
        transform_columns = tft.get_transform_input_columns(
            preprocessing_fn, typespecs, force_tf_compat_v1=force_tf_compat_v1
        )
    except Exception as err:
        raise _user_code_error(preprocessing_fn, "tracing", err) from err
    log.info(
        "%s needs %d of %d raw feature(s) for analysis %s and %d for the transform %s",
        preprocessing_fn.where,
        len(analyze_columns),
        len(typespecs),
        sorted(analyze_columns),
        len(transform_columns),
        sorted(transform_columns),
    )

    log.info(
        "Transform of examples artifact %s (%s) with schema %s: analyzing split(s) %s, transforming %s%s",
        examples.mlmd_id,
        examples.uri,
        schema_ref.uri,
        plan.analyze,
        plan.transform if plan.materialize else "none (materialize=False)",
        "; computing pre/post-transform statistics" if plan.statistics else "",
    )

    temp_dir = _make_temp_dir(info)
    try:
        _run_pipeline(
            plan,
            info,
            examples=examples,
            graph_out=graph_out,
            examples_out=examples_out,
            stats_outputs=stats_outputs,
            raw_schema=raw_schema,
            preprocessing_fn=preprocessing_fn,
            make_tfxio=make_tfxio,
            analyze_columns=analyze_columns,
            transform_columns=transform_columns,
            force_tf_compat_v1=force_tf_compat_v1,
            temp_dir=temp_dir,
        )
    finally:
        if tf.io.gfile.exists(temp_dir):
            tf.io.gfile.rmtree(temp_dir)

    # The raw schema, as TFX writes it next to the transform graph (TFTransformOutput.raw_metadata).
    from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io

    metadata_io.write_metadata(
        dataset_metadata.DatasetMetadata(raw_schema), transform_io.raw_metadata_dir(graph_out)
    )
    log.info("wrote the transform graph to %s", graph_out.uri)

    if plan.statistics:
        transformed_schema = _transformed_schema(graph_out)
        tfdv_io.write_schema(raw_schema, stats_outputs["pre_transform_schema"])
        tfdv_io.write_schema(transformed_schema, stats_outputs["post_transform_schema"])
        pre_stats, post_stats = stats_outputs["pre_transform_stats"], stats_outputs["post_transform_stats"]
        tfdv_io.copy_span(examples, pre_stats)
        pre_stats.split_names = plan.analyze
        tfdv_io.copy_span(examples, post_stats)
        post_stats.split_names = plan.transform
        log.info(
            "wrote pre-transform statistics of %s to %s and post-transform statistics of %s to %s",
            plan.analyze,
            pre_stats.uri,
            plan.transform,
            post_stats.uri,
        )

    if plan.materialize and examples_out is not None:
        for key in ("span", "version"):
            if key in examples.properties:
                examples_out.properties[key] = examples.properties[key]
        examples_out.split_names = plan.transform
    else:
        log.info("materialize=False: transformed_examples is left empty (not published)")


def _transformed_schema(graph_out: ArtifactRef) -> schema_pb2.Schema:
    """The schema of the transformed features, read back from ``transformed_metadata/``."""
    schema: schema_pb2.Schema = transform_io.transform_output(graph_out).transformed_metadata.schema
    return schema


def _run_pipeline(
    plan: _Plan,
    info: ExecutionInfo,
    *,
    examples: ArtifactRef,
    graph_out: ArtifactRef,
    examples_out: ArtifactRef | None,
    stats_outputs: Mapping[str, ArtifactRef],
    raw_schema: schema_pb2.Schema,
    preprocessing_fn: PreprocessingFn,
    make_tfxio: Callable[[str], Any],
    analyze_columns: Sequence[str],
    transform_columns: Sequence[str],
    force_tf_compat_v1: bool,
    temp_dir: str,
) -> None:
    """Build and run the one Beam pipeline of a Transform run."""
    import apache_beam as beam
    import tensorflow as tf
    import tensorflow_transform.beam as tft_beam
    from apache_beam.io.filesystem import CompressionTypes
    from tensorflow_transform.beam import analyzer_cache

    def projected(split: str, columns: Sequence[str]) -> Any:
        source = make_tfxio(split)
        return source.Project(list(columns)) if columns else source  # no columns: keep all

    # A split that is analyzed and transformed is read once and feeds both, as in
    # tft_beam.AnalyzeAndTransformDataset: such reads (and, for equal tensor adapter configs,
    # every analysis read) carry the columns of both phases.
    shared = [s for s in plan.analyze if s in plan.transform]
    if shared or plan.statistics:
        analysis_columns = list(dict.fromkeys([*analyze_columns, *transform_columns]))
    else:
        analysis_columns = list(analyze_columns)
    analyze_sources = {split: projected(split, analysis_columns) for split in plan.analyze}
    adapter_config = analyze_sources[plan.analyze[0]].TensorAdapterConfig()
    keys = {
        split: analyzer_cache.DatasetKey(transform_io.dataset_key_name(examples, split))
        for split in plan.analyze
    }

    pipeline = make_pipeline(info)
    with tft_beam.Context(temp_dir=temp_dir, force_tf_compat_v1=force_tf_compat_v1):
        input_cache: dict[Any, Any] | None = None
        needed: set[Any] = set(keys.values())
        if plan.output_cache is not None or plan.input_cache_dir is not None:
            input_cache = {}
            if plan.input_cache_dir is not None:
                input_cache, needed = _read_cache(
                    pipeline,
                    plan.input_cache_dir,
                    list(keys.values()),
                    preprocessing_fn,
                    adapter_config,
                    force_tf_compat_v1,
                )
                cached = [s for s, k in keys.items() if k not in needed]
                log.info(
                    "analyzer cache %s: split(s) %s fully served from it, %s analyzed",
                    plan.input_cache_dir,
                    cached or "none",
                    [s for s in plan.analyze if s not in cached] or "none",
                )

        raw: dict[str, Any] = {}
        for split in plan.analyze:
            # a split fully served by the cache is read only if statistics or the transform need it
            if keys[split] in needed or plan.statistics or split in shared:
                raw[split] = pipeline | f"Read[{split}]" >> analyze_sources[split].BeamSource()

        try:
            if input_cache is not None:
                analysis_input = {keys[s]: raw.get(s) if keys[s] in needed else None for s in plan.analyze}
                transform_fn, cache_output = (
                    analysis_input,
                    input_cache,
                    adapter_config,
                ) | "Analyze" >> tft_beam.AnalyzeDatasetWithCache(preprocessing_fn, pipeline=pipeline)
            else:
                datasets = [raw[s] for s in plan.analyze]
                flat = datasets[0] if len(datasets) == 1 else datasets | "FlattenAnalyze" >> beam.Flatten()
                transform_fn = (flat, adapter_config) | "Analyze" >> tft_beam.AnalyzeDataset(preprocessing_fn)
                cache_output = None
        except TfxProviderError:
            raise
        except Exception as err:
            raise _user_code_error(preprocessing_fn, "analyzing", err) from err

        _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(graph_out.uri)

        if plan.output_cache is not None:
            _write_cache(pipeline, plan, keys, cache_output)

        if plan.statistics:
            _pre_transform_statistics(raw, plan, raw_schema, stats_outputs["pre_transform_stats"])
            transformed_schema = transform_fn[1].dataset_metadata.schema
        for split in plan.transform:
            if split in raw:
                dataset = (raw[split], adapter_config)
            else:
                source = projected(split, transform_columns)
                dataset = (pipeline | f"Read[{split}]" >> source.BeamSource(), source.TensorAdapterConfig())
            transformed, transformed_metadata = (dataset, transform_fn) | f"Transform[{split}]" >> (
                tft_beam.TransformDataset(output_record_batches=True)
            )
            if plan.statistics:
                _post_transform_statistics(
                    transformed, split, transformed_schema, stats_outputs["post_transform_stats"]
                )
            if plan.materialize:
                assert examples_out is not None
                prefix = transform_io.transformed_examples_prefix(examples_out, split)
                tf.io.gfile.makedirs(os.path.dirname(prefix))
                _ = (
                    (
                        transformed | f"Count[{split}]" >> beam.Map(_count_rows, f"examples[{split}]"),
                        transformed_metadata,
                    )
                    | f"Encode[{split}]" >> tft_beam.EncodeTransformedDataset()
                    | f"Write[{split}]"
                    >> beam.io.WriteToTFRecord(
                        prefix, file_name_suffix=".gz", compression_type=CompressionTypes.GZIP
                    )
                )
                log.info("split %r: writing transformed examples to %s-*.gz", split, prefix)

    result = pipeline.run()
    result.wait_until_finish()
    counts = _counter_values(result)
    for split in plan.transform if plan.materialize else []:
        count = counts.get(f"examples[{split}]")
        if count is not None:
            log.info("split %r: wrote %d transformed example(s)", split, count)


def _read_cache(
    pipeline: beam.Pipeline,
    cache_dir: str,
    dataset_keys: list[Any],
    preprocessing_fn: PreprocessingFn,
    adapter_config: Any,
    force_tf_compat_v1: bool,
) -> tuple[dict[Any, Any], set[Any]]:
    """The input analyzer cache and the dataset keys that still need analysis (as TFX does)."""
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.beam import analyzer_cache
    from tfx_bsl.tfxio.tensor_adapter import TensorAdapter

    typespecs = TensorAdapter(adapter_config).OriginalTypeSpecs()
    try:
        entry_keys = tft_beam.analysis_graph_builder.get_analysis_cache_entry_keys(
            preprocessing_fn, typespecs, dataset_keys, force_tf_compat_v1
        )
        input_cache = pipeline | "ReadCache" >> analyzer_cache.ReadAnalysisCacheFromFS(
            cache_dir, dataset_keys, cache_entry_keys=entry_keys
        )
        needed = tft_beam.analysis_graph_builder.get_analysis_dataset_keys(
            preprocessing_fn, typespecs, dataset_keys, input_cache, force_tf_compat_v1
        )
    except TfxProviderError:
        raise
    except Exception as err:
        raise _user_code_error(preprocessing_fn, "reading the analyzer cache for", err) from err
    return dict(input_cache), set(needed)


def _write_cache(pipeline: beam.Pipeline, plan: _Plan, keys: Mapping[str, Any], cache_output: Any) -> None:
    """Copy the input cache of this run's splits to the output, then add the new entries."""
    import tensorflow as tf

    assert plan.output_cache is not None
    out_dir = plan.output_cache.uri
    if plan.input_cache_dir is not None:
        for split, key in keys.items():
            source = os.path.join(plan.input_cache_dir, key.key)
            if tf.io.gfile.isdir(source):
                copied = transform_io.copy_tree(source, os.path.join(out_dir, key.key))
                log.info("split %r: carried %d analyzer cache file(s) over from %s", split, copied, source)
    if cache_output:  # merges with the manifests carried over into out_dir
        transform_io.write_analysis_cache(pipeline, cache_output, out_dir)
    log.info("writing the updated analyzer cache to %s", out_dir)


def _pre_transform_statistics(
    raw: Mapping[str, Any], plan: _Plan, schema: schema_pb2.Schema, target: ArtifactRef
) -> None:
    import tensorflow_data_validation as tfdv

    for split in plan.analyze:
        _ = (
            raw[split]
            | f"PreTransformStats[{split}]" >> tfdv.GenerateStatistics(tfdv.StatsOptions(schema=schema))
            | f"WritePreTransformStats[{split}]"
            >> tfdv.WriteStatisticsToBinaryFile(tfdv_io.statistics_path(target, split))
        )


def _post_transform_statistics(
    transformed: Any, split: str, schema: schema_pb2.Schema, target: ArtifactRef
) -> None:
    import apache_beam as beam
    import tensorflow_data_validation as tfdv

    _ = (
        transformed
        | f"PostTransformBatches[{split}]" >> beam.Keys()
        | f"PostTransformStats[{split}]" >> tfdv.GenerateStatistics(tfdv.StatsOptions(schema=schema))
        | f"WritePostTransformStats[{split}]"
        >> tfdv.WriteStatisticsToBinaryFile(tfdv_io.statistics_path(target, split))
    )


TransformSpec = ComponentSpec(
    name=_NAME,
    default_id="transform",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="the raw examples to analyze and transform"),
        "schema": InputSpec(SCHEMA, doc="schema of the raw examples (decodes them)"),
        "analyzer_cache": InputSpec(
            TRANSFORM_CACHE, optional=True, doc="updated_analyzer_cache of an earlier run, to skip analyses"
        ),
    },
    outputs={
        "transform_graph": OutputSpec(
            TRANSFORM_GRAPH, "transform_fn/, transformed_metadata/, metadata/ (tft.TFTransformOutput)"
        ),
        "transformed_examples": OutputSpec(
            EXAMPLES,
            "gzipped tf.Examples per transform split under Split-<name>/; empty when materialize=False",
            optional=True,
        ),
        "updated_analyzer_cache": OutputSpec(
            TRANSFORM_CACHE, "TFT analyzer cache of the analyzed splits", optional=True
        ),
        "pre_transform_schema": OutputSpec(SCHEMA, "raw schema (disable_statistics=False)", optional=True),
        "pre_transform_stats": OutputSpec(
            EXAMPLE_STATISTICS, "statistics of the analyze splits (disable_statistics=False)", optional=True
        ),
        "post_transform_schema": OutputSpec(
            SCHEMA, "schema of the transformed features (disable_statistics=False)", optional=True
        ),
        "post_transform_stats": OutputSpec(
            EXAMPLE_STATISTICS,
            "statistics of the transformed splits (disable_statistics=False)",
            optional=True,
        ),
    },
    parameters={
        "module_file": Parameter(None, "path of a Python file defining preprocessing_fn", module_file=True),
        "preprocessing_fn": Parameter(
            None, "dotted path of preprocessing_fn (instead of module_file)", function_path=True
        ),
        "custom_config": Parameter(None, "JSON-able dict passed to preprocessing_fn(inputs, custom_config)"),
        "splits_config": Parameter(
            None, "{'analyze': [...], 'transform': [...]}; None = analyze 'train', transform all splits"
        ),
        "materialize": Parameter(True, "write the transformed examples"),
        "disable_statistics": Parameter(
            True, "skip pre/post-transform statistics and schemas (TFX's default is False)"
        ),
        "force_tf_compat_v1": Parameter(False, "trace preprocessing_fn in TF1 (compat.v1) graph mode"),
        "disable_analyzer_cache": Parameter(False, "neither read nor write the TFT analyzer cache"),
    },
    executor=run_transform,
    executor_version="1",
    validate_parameters=validate_transform_parameters,
)

__all__ = [
    "DEFAULT_ANALYZE_SPLITS",
    "PreprocessingFn",
    "TransformSpec",
    "load_preprocessing_fn",
    "pickle_module_file_by_value",
    "resolve_splits",
    "run_transform",
    "validate_transform_parameters",
]
