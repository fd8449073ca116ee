"""transform's executor."""

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
from typing import Any

import apache_beam as beam
import tensorflow as tf
import tensorflow_data_validation as tfdv
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from apache_beam.internal.cloudpickle import cloudpickle as beam_cloudpickle
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.metrics.metric import MetricsFilter
from tensorflow_metadata.proto.v0 import schema_pb2
from tensorflow_transform.beam import analyzer_cache
from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io
from tfx_bsl.public import tfxio
from tfx_bsl.tfxio.tensor_adapter import TensorAdapter

from airflow_tfx_provider.components._artifacts import copy_span, optional, single
from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._beam import make_pipeline
from airflow_tfx_provider.components._user_code.module_file import (
    UserFunction,
    module_file_digest,
    resolve_user_function,
)
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.components.transform import graph_layout as transform_io
from airflow_tfx_provider.components.transform.parameters import (
    _CUSTOM_CONFIG,
    _FUNCTION_NAME,
    _NAME,
    validate_parameters,
)
from airflow_tfx_provider.exceptions import (
    ExecutorError,
    InvalidInputDataError,
    TfxProviderError,
    UserCodeError,
)
from airflow_tfx_provider.types import (
    ArtifactRef,
)

log = logging.getLogger(__name__)


_TELEMETRY = ["airflow_tfx_provider", "Transform"]


_METRICS_NAMESPACE = "airflow_tfx_provider.transform"


DEFAULT_ANALYZE_SPLITS: tuple[str, ...] = ("train",)


def resolve_splits(
    examples: Sequence[ArtifactRef], splits_config: Mapping[str, Any] | None
) -> tuple[list[str], list[str]]:
    """(analyze splits, transform splits) for ``examples``; ``InvalidInputDataError`` on unknown names.

    With several Examples artifacts (a span range), a split is there when every artifact has it.
    """
    available = [s for s in examples[0].split_names if all(s in e.split_names for e in examples[1:])]
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
        lacking = "; ".join(
            f"examples artifact {e.mlmd_id} ({e.uri}) does not have; it has {e.split_names}"
            for e in examples
            if not set(unknown) <= set(e.split_names)
        )
        raise InvalidInputDataError(f"{_NAME}: {where} names split(s) {unknown} that {lacking}")
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
    beam.metrics.Metrics.counter(_METRICS_NAMESPACE, counter_name).inc(batch[0].num_rows)
    return batch


def _counter_values(result: Any) -> dict[str, int]:

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


@dataclass(frozen=True)
class _Job:
    """The artifacts, schema and user function one Transform pipeline works with."""

    examples: Sequence[ArtifactRef]  # one, or several (a span range) read together
    graph_out: ArtifactRef
    examples_out: ArtifactRef | None
    stats_outputs: Mapping[str, ArtifactRef]
    raw_schema: schema_pb2.Schema
    preprocessing_fn: PreprocessingFn
    make_tfxio: Callable[[str], Any]
    analyze_columns: Sequence[str]
    transform_columns: Sequence[str]
    force_tf_compat_v1: bool

    def projected(self, split: str, columns: Sequence[str]) -> Any:
        """The TFXIO of ``split`` reading only ``columns`` (all columns if none)."""
        source = self.make_tfxio(split)
        return source.Project(list(columns)) if columns else source  # no columns: keep all


def _make_plan(
    params: dict[str, Any],
    outputs: Outputs,
    examples: Sequence[ArtifactRef],
    cache_in: ArtifactRef | None,
    examples_out: ArtifactRef | None,
) -> _Plan:
    """The splits to analyze and transform, and which optional outputs this run writes."""
    analyze, transform = resolve_splits(examples, params.get("splits_config"))
    materialize = bool(params.get("materialize", True))
    if materialize and examples_out is None:
        raise ExecutorError(f"{_NAME}: materialize=True but no 'transformed_examples' output was given")
    statistics = not params.get("disable_statistics", True)
    use_cache = not params.get("disable_analyzer_cache", False)
    if cache_in is not None and not use_cache:
        log.warning("disable_analyzer_cache=True: ignoring the analyzer_cache input %s", cache_in.uri)
    return _Plan(
        analyze=analyze,
        transform=transform if (materialize or statistics) else [],
        materialize=materialize,
        statistics=statistics,
        input_cache_dir=cache_in.uri if (cache_in is not None and use_cache) else None,
        output_cache=_optional_output(outputs, "updated_analyzer_cache") if use_cache else None,
    )


def _statistics_outputs(outputs: Outputs, statistics: bool) -> dict[str, ArtifactRef]:
    """The pre/post-transform schema and statistics outputs (all required if ``statistics``)."""
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
    return stats_outputs


def _tfxio_factory(
    examples: Sequence[ArtifactRef], plan: _Plan, raw_schema: schema_pb2.Schema
) -> Callable[[str], Any]:
    """A function making the TFXIO of a split (of every examples artifact together); checks
    every split the plan reads has files."""
    patterns: dict[str, list[str]] = {}
    for split in dict.fromkeys([*plan.analyze, *plan.transform]):
        patterns[split] = []
        for artifact in examples:
            files = example_io.split_files(artifact, split)  # fails early, naming the folder, if empty
            patterns[split].append(example_io.split_file_pattern(artifact, split))
            log.info("split %r: %d file(s) matching %s", split, len(files), patterns[split][-1])

    def make_tfxio(split: str) -> Any:
        return tfxio.TFExampleRecord(
            file_pattern=patterns[split], schema=raw_schema, telemetry_descriptors=_TELEMETRY
        )

    return make_tfxio


def _input_columns(
    preprocessing_fn: PreprocessingFn,
    make_tfxio: Callable[[str], Any],
    split: str,
    schema_ref: ArtifactRef,
    force_tf_compat_v1: bool,
) -> tuple[Sequence[str], Sequence[str]]:
    """The raw columns ``preprocessing_fn`` needs for analysis and for the transform.

    ``preprocessing_fn`` is traced with the type specs of ``split``'s TFXIO.
    """
    try:
        typespecs = make_tfxio(split).TensorAdapter().OriginalTypeSpecs()
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
    return analyze_columns, transform_columns


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: analyze, write the transform graph and (optionally) materialize the transformed splits."""
    validate_parameters(params)

    examples = list(inputs.get("examples") or [])
    if not examples:
        raise ExecutorError(f"{_NAME}: 'examples' holds no artifact")
    schema_ref = single(inputs, "schema")
    cache_in = optional(inputs, "analyzer_cache")
    graph_out = single(outputs, "transform_graph")
    examples_out = _optional_output(outputs, "transformed_examples")
    plan = _make_plan(params, outputs, examples, cache_in, examples_out)
    stats_outputs = _statistics_outputs(outputs, plan.statistics)
    force_tf_compat_v1 = bool(params.get("force_tf_compat_v1", False))

    raw_schema = tfdv_io.load_schema(schema_ref)
    preprocessing_fn = load_preprocessing_fn(params)
    if params.get("module_file"):
        by_value = pickle_module_file_by_value(params["module_file"], preprocessing_fn.user_fn)
        log.info("Beam pickles module(s) %s by value (for worker processes)", by_value)

    make_tfxio = _tfxio_factory(examples, plan, raw_schema)
    analyze_columns, transform_columns = _input_columns(
        preprocessing_fn, make_tfxio, plan.analyze[0], schema_ref, force_tf_compat_v1
    )

    log.info(
        "Transform of examples artifact(s) %s with schema %s: analyzing split(s) %s, transforming %s%s",
        ", ".join(f"{e.mlmd_id} (span {e.properties.get('span')}, {e.uri})" for e in examples),
        schema_ref.uri,
        plan.analyze,
        plan.transform if plan.materialize else "none (materialize=False)",
        "; computing pre/post-transform statistics" if plan.statistics else "",
    )

    job = _Job(
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
    )
    temp_dir = _make_temp_dir(info)
    try:
        _run_pipeline(plan, info, job, temp_dir)
    finally:
        if tf.io.gfile.exists(temp_dir):
            tf.io.gfile.rmtree(temp_dir)

    _write_raw_metadata(raw_schema, graph_out)
    if plan.statistics:
        _publish_statistics(plan, job)
    _publish_transformed_examples(plan, examples, examples_out)


def _write_raw_metadata(raw_schema: schema_pb2.Schema, graph_out: ArtifactRef) -> None:
    """Write the raw schema next to the transform graph, as TFX does (TFTransformOutput.raw_metadata)."""
    metadata_io.write_metadata(
        dataset_metadata.DatasetMetadata(raw_schema), transform_io.raw_metadata_dir(graph_out)
    )
    log.info("wrote the transform graph to %s", graph_out.uri)


def _publish_statistics(plan: _Plan, job: _Job) -> None:
    """Write the pre/post-transform schemas and set the statistics artifacts' span and splits."""
    transformed_schema = _transformed_schema(job.graph_out)
    tfdv_io.write_schema(job.raw_schema, job.stats_outputs["pre_transform_schema"])
    tfdv_io.write_schema(transformed_schema, job.stats_outputs["post_transform_schema"])
    pre_stats, post_stats = (
        job.stats_outputs["pre_transform_stats"],
        job.stats_outputs["post_transform_stats"],
    )
    copy_span(_newest(job.examples), pre_stats)
    pre_stats.split_names = plan.analyze
    copy_span(_newest(job.examples), post_stats)
    post_stats.split_names = plan.transform
    log.info(
        "wrote pre-transform statistics of %s to %s and post-transform statistics of %s to %s",
        plan.analyze,
        pre_stats.uri,
        plan.transform,
        post_stats.uri,
    )


def _newest(examples: Sequence[ArtifactRef]) -> ArtifactRef:
    """The artifact of the largest span (the last one without spans)."""
    return max(enumerate(examples), key=lambda e: (int(e[1].properties.get("span", -1)), e[0]))[1]


def _publish_transformed_examples(
    plan: _Plan, examples: Sequence[ArtifactRef], examples_out: ArtifactRef | None
) -> None:
    """Give ``transformed_examples`` the transformed splits and the span and version of the input
    (of the newest span, when several spans were transformed together; they are listed in ``spans``)."""
    if plan.materialize and examples_out is not None:
        newest = _newest(examples)
        for key in ("span", "version"):
            if key in newest.properties:
                examples_out.properties[key] = newest.properties[key]
        if len(examples) > 1:
            examples_out.properties["spans"] = json.dumps([e.properties.get("span") for e in examples])
        examples_out.split_names = plan.transform
    else:
        log.info("materialize=False: transformed_examples is left empty (not published)")


def _transformed_schema(graph_out: ArtifactRef) -> schema_pb2.Schema:
    """The schema of the transformed features, read back from ``transformed_metadata/``."""
    schema: schema_pb2.Schema = transform_io.transform_output(graph_out).transformed_metadata.schema
    return schema


def _run_pipeline(plan: _Plan, info: ExecutionInfo, job: _Job, temp_dir: str) -> None:
    """Build and run the one Beam pipeline of a Transform run."""
    # A split that is analyzed and transformed is read once and feeds both, as in
    # tft_beam.AnalyzeAndTransformDataset: such reads (and, for equal tensor adapter configs,
    # every analysis read) carry the columns of both phases.
    shared = [s for s in plan.analyze if s in plan.transform]
    if shared or plan.statistics:
        analysis_columns = list(dict.fromkeys([*job.analyze_columns, *job.transform_columns]))
    else:
        analysis_columns = list(job.analyze_columns)
    analyze_sources = {split: job.projected(split, analysis_columns) for split in plan.analyze}
    adapter_config = analyze_sources[plan.analyze[0]].TensorAdapterConfig()
    keys = {
        split: analyzer_cache.DatasetKey(transform_io.dataset_key_name(job.examples, split))
        for split in plan.analyze
    }

    pipeline = make_pipeline(info)
    with tft_beam.Context(temp_dir=temp_dir, force_tf_compat_v1=job.force_tf_compat_v1):
        input_cache, needed = _input_cache(pipeline, plan, job, keys, adapter_config)

        raw: dict[str, Any] = {}
        for split in plan.analyze:
            # a split fully served by the cache is read only if statistics or the transform need it
            if keys[split] in needed or plan.statistics or split in shared:
                raw[split] = pipeline | f"Read[{split}]" >> analyze_sources[split].BeamSource()

        transform_fn, cache_output = _analyze(
            pipeline, plan, job, keys, needed, raw, input_cache, adapter_config
        )

        _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(job.graph_out.uri)

        if plan.output_cache is not None:
            _write_cache(pipeline, plan, keys, cache_output)

        transformed_schema = None
        if plan.statistics:
            _pre_transform_statistics(raw, plan, job.raw_schema, job.stats_outputs["pre_transform_stats"])
            transformed_schema = transform_fn[1].dataset_metadata.schema
        for split in plan.transform:
            if split in raw:
                dataset = (raw[split], adapter_config)
            else:
                source = job.projected(split, job.transform_columns)
                dataset = (pipeline | f"Read[{split}]" >> source.BeamSource(), source.TensorAdapterConfig())
            _transform_split(plan, job, split, dataset, transform_fn, transformed_schema)

    result = pipeline.run()
    result.wait_until_finish()
    counts = _counter_values(result)
    for split in plan.transform if plan.materialize else []:
        count = counts.get(f"examples[{split}]")
        if count is not None:
            log.info("split %r: wrote %d transformed example(s)", split, count)


def _input_cache(
    pipeline: beam.Pipeline, plan: _Plan, job: _Job, keys: Mapping[str, Any], adapter_config: Any
) -> tuple[dict[Any, Any] | None, set[Any]]:
    """The analyzer cache to analyze with (``None``: analyze without one) and the keys still to analyze."""
    needed: set[Any] = set(keys.values())
    if plan.output_cache is None and plan.input_cache_dir is None:
        return None, needed
    if plan.input_cache_dir is None:
        return {}, needed
    input_cache, needed = _read_cache(
        pipeline,
        plan.input_cache_dir,
        list(keys.values()),
        job.preprocessing_fn,
        adapter_config,
        job.force_tf_compat_v1,
    )
    cached = [s for s, k in keys.items() if k not in needed]
    log.info(
        "analyzer cache %s: split(s) %s fully served from it, %s analyzed",
        plan.input_cache_dir,
        cached or "none",
        [s for s in plan.analyze if s not in cached] or "none",
    )
    return input_cache, needed


def _analyze(
    pipeline: beam.Pipeline,
    plan: _Plan,
    job: _Job,
    keys: Mapping[str, Any],
    needed: set[Any],
    raw: Mapping[str, Any],
    input_cache: dict[Any, Any] | None,
    adapter_config: Any,
) -> tuple[Any, Any]:
    """Apply TFT's analysis (with the cache if there is one): (transform_fn, cache output or None)."""
    preprocessing_fn = job.preprocessing_fn
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
    return transform_fn, cache_output


def _transform_split(
    plan: _Plan,
    job: _Job,
    split: str,
    dataset: tuple[Any, Any],
    transform_fn: Any,
    transformed_schema: schema_pb2.Schema | None,
) -> None:
    """Transform one split's (record batches, adapter config); add its statistics and writes."""
    transformed, transformed_metadata = (dataset, transform_fn) | f"Transform[{split}]" >> (
        tft_beam.TransformDataset(output_record_batches=True)
    )
    if plan.statistics:
        _post_transform_statistics(
            transformed, split, transformed_schema, job.stats_outputs["post_transform_stats"]
        )
    if plan.materialize:
        assert job.examples_out is not None
        _write_transformed_examples(transformed, transformed_metadata, job.examples_out, split)


def _write_transformed_examples(
    transformed: Any, transformed_metadata: Any, examples_out: ArtifactRef, split: str
) -> None:
    """Encode one split's transformed record batches and write them as gzipped TFRecords."""
    prefix = transform_io.transformed_examples_prefix(examples_out, split)
    tf.io.gfile.makedirs(os.path.dirname(prefix))
    _ = (
        (
            transformed | f"Count[{split}]" >> beam.Map(_count_rows, f"examples[{split}]"),
            transformed_metadata,
        )
        | f"Encode[{split}]" >> tft_beam.EncodeTransformedDataset()
        | f"Write[{split}]"
        >> beam.io.WriteToTFRecord(prefix, file_name_suffix=".gz", compression_type=CompressionTypes.GZIP)
    )
    log.info("split %r: writing transformed examples to %s-*.gz", split, prefix)


def _read_cache(
    pipeline: beam.Pipeline,
    cache_dir: str,
    dataset_keys: list[Any],
    preprocessing_fn: PreprocessingFn,
    adapter_config: Any,
    force_tf_compat_v1: bool,
) -> tuple[dict[Any, Any], set[Any]]:
    """The input analyzer cache and the dataset keys that still need analysis (as TFX does)."""
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

    _ = (
        transformed
        | f"PostTransformBatches[{split}]" >> beam.Keys()
        | f"PostTransformStats[{split}]" >> tfdv.GenerateStatistics(tfdv.StatsOptions(schema=schema))
        | f"WritePostTransformStats[{split}]"
        >> tfdv.WriteStatisticsToBinaryFile(tfdv_io.statistics_path(target, split))
    )
