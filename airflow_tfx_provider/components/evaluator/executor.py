"""evaluator's executor."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import apache_beam as beam
import tensorflow as tf
import tensorflow_model_analysis as tfma
from google.protobuf import text_format
from tensorflow_model_analysis import constants as tfma_constants
from tensorflow_model_analysis.metrics.metric_specs import metric_instance
from tfx_bsl.public import tfxio
from tfx_bsl.tfxio import tensor_adapter

from airflow_tfx_provider.components._artifacts import blessing as blessing_io
from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import optional, single
from airflow_tfx_provider.components._beam import make_pipeline
from airflow_tfx_provider.components.evaluator import _NAME
from airflow_tfx_provider.components.evaluator import eval_config as eval_config_io
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
)
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


_TELEMETRY = ["airflow_tfx_provider", "Evaluator"]


#: Headline metrics of at most this many slices go into MLMD custom properties.
MAX_SLICES_IN_PROPERTIES = 50


METRIC_PROPERTY_PREFIX = "metric/"


OVERALL_SLICE = "Overall"


def example_splits(params: Mapping[str, Any]) -> list[str]:
    """The splits to evaluate on (``["eval"]`` when unset, as in TFX)."""
    return list(params.get("example_splits") or ["eval"])


# --- models -----------------------------------------------------------------------------------
def count_change_thresholds(config: tfma.EvalConfig) -> int:
    """How many change thresholds ``config`` sets (all kinds: metric, per-slice, cross-slice, spec)."""

    def has(threshold: Any) -> int:
        return 1 if threshold.HasField("change_threshold") else 0

    count = 0
    for spec in config.metrics_specs:
        for metric in spec.metrics:
            count += has(metric.threshold)
            count += sum(has(t.threshold) for t in metric.per_slice_thresholds)
            count += sum(has(t.threshold) for t in metric.cross_slice_thresholds)
        count += sum(has(t) for t in spec.thresholds.values())
        count += sum(has(t.threshold) for ts in spec.per_slice_thresholds.values() for t in ts.thresholds)
        count += sum(has(t.threshold) for ts in spec.cross_slice_thresholds.values() for t in ts.thresholds)
    return count


def prepare_eval_config(config: tfma.EvalConfig, has_baseline: bool) -> tuple[tfma.EvalConfig, int]:
    """TFX's defaults for the candidate/baseline setup; without a baseline, change thresholds go.

    Returns the updated config and the number of change thresholds removed.
    """
    skipped = 0 if has_baseline else count_change_thresholds(config)
    if skipped:
        log.warning(
            "no baseline model given: skipping %d change threshold(s) (change_threshold needs a baseline); "
            "value thresholds still apply",
            skipped,
        )
    baseline_specs = [s.name or "(unnamed)" for s in config.model_specs if s.is_baseline]
    if not has_baseline and baseline_specs:
        log.info("no baseline model given: ignoring baseline model spec(s) %s", baseline_specs)
    try:
        updated = tfma.utils.update_eval_config_with_defaults(
            config, has_baseline=has_baseline, rubber_stamp=not has_baseline
        )
        tfma.utils.verify_eval_config(updated)
    except (RuntimeError, ValueError) as err:
        raise PipelineDefinitionError(f"{_NAME}: eval_config cannot be used: {err}") from err
    candidates = [s for s in updated.model_specs if not s.is_baseline]
    baselines = [s for s in updated.model_specs if s.is_baseline]
    if len(candidates) != 1:
        raise PipelineDefinitionError(
            f"{_NAME}: eval_config must have exactly one candidate (non-baseline) model spec, "
            f"has {len(candidates)}: {[s.name for s in candidates]}"
        )
    if has_baseline and len(baselines) != 1:
        raise PipelineDefinitionError(
            f"{_NAME}: with a baseline_model, eval_config must have one model spec (candidate and baseline "
            f"are derived from it) or one candidate and one is_baseline spec; it has {len(baselines)} "
            "baseline spec(s)"
        )
    return updated, skipped


def check_metrics(config: tfma.EvalConfig) -> None:
    """Create each configured metric once, so that a bad class name or config fails here, named."""
    for i, spec in enumerate(config.metrics_specs):
        for j, metric in enumerate(spec.metrics):
            try:
                metric_instance(metric)
            except Exception as err:  # TFMA/Keras raise ValueError, TypeError, ImportError, ...
                module = f" from module {metric.module!r}" if metric.module else ""
                raise PipelineDefinitionError(
                    f"{_NAME}: eval_config field eval_config.metrics_specs[{i}].metrics[{j}]: cannot create "
                    f"metric {metric.class_name!r}{module}: {type(err).__name__}: {err}"
                ) from None


def has_thresholds(config: tfma.EvalConfig) -> bool:
    """Whether ``config`` sets any threshold (value or change); as TFX decides whether to validate."""
    return bool(tfma.metrics.metric_thresholds_from_metrics_specs(config.metrics_specs, eval_config=config))


# --- metrics summary ------------------------------------------------------------------------------
def slice_name(slice_key: Any) -> str:
    """``Overall`` or ``col=value[&col2=value2]`` for a ``tfma.SliceKey`` proto."""
    parts = []
    for key_part in slice_key.single_slice_keys:
        kind = key_part.WhichOneof("kind")
        value: Any = getattr(key_part, kind) if kind else ""
        if isinstance(value, bytes):
            value = value.decode("utf-8", "backslashreplace")
        elif isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key_part.column}={value}")
    return "&".join(parts) or OVERALL_SLICE


def headline_metrics(metrics: Iterable[Any], model_name: str) -> dict[str, dict[str, float]]:
    """slice name -> {metric name: value}: the scalar, non-diff metrics of model ``model_name``.

    Metrics of a non-default output are named ``<output>/<metric>``; metrics with a sub key
    (class id, top k), diffs against the baseline and cross-slice comparisons are left out.
    """
    result: dict[str, dict[str, float]] = {}
    for for_slice in metrics:
        if for_slice.HasField("cross_slice_key"):
            continue
        values = result.setdefault(slice_name(for_slice.slice_key), {})
        for entry in for_slice.metric_keys_and_values:
            key, value = entry.key, entry.value
            if key.model_name != model_name or key.is_diff or key.HasField("sub_key"):
                continue
            if key.HasField("aggregation_type") or not value.HasField("double_value"):
                continue
            name = f"{key.output_name}/{key.name}" if key.output_name else key.name
            values[name] = float(value.double_value.value)
    return result


def _size(metrics: Mapping[str, float]) -> float:
    return next((metrics[k] for k in ("example_count", "weighted_example_count") if k in metrics), 0.0)


def ordered_slices(per_slice: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Overall first, then by example count (biggest first), then by name."""
    others = sorted((s for s in per_slice if s != OVERALL_SLICE), key=lambda s: (-_size(per_slice[s]), s))
    return ([OVERALL_SLICE] if OVERALL_SLICE in per_slice else []) + others


def metric_properties(per_slice: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Custom properties ``metric/<slice>/<metric>`` -> value, for the first ``MAX_SLICES_IN_PROPERTIES``."""
    slices = ordered_slices(per_slice)
    if len(slices) > MAX_SLICES_IN_PROPERTIES:
        log.info(
            "%d slices: storing the metrics of the first %d (Overall, then the biggest) as properties of "
            "the evaluation artifact; all slices are in the evaluation files",
            len(slices),
            MAX_SLICES_IN_PROPERTIES,
        )
    props: dict[str, float] = {}
    for name in slices[:MAX_SLICES_IN_PROPERTIES]:
        for metric, value in sorted(per_slice[name].items()):
            if math.isfinite(value):
                props[f"{METRIC_PROPERTY_PREFIX}{name}/{metric}"] = value
    return props


def _log_metrics(per_slice: Mapping[str, Mapping[str, float]], model: str) -> None:
    slices = ordered_slices(per_slice)
    for name in slices[:MAX_SLICES_IN_PROPERTIES]:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in sorted(per_slice[name].items()))
        log.info("metrics of %s, slice %s: %s", model, name, shown or "(none)")
    if len(slices) > MAX_SLICES_IN_PROPERTIES:
        log.info("... and %d more slice(s): see the evaluation files", len(slices) - MAX_SLICES_IN_PROPERTIES)


def _describe_threshold(threshold: Any) -> str:

    return text_format.MessageToString(threshold, as_one_line=True)


def log_validation(result: Any) -> None:
    """Log each failed threshold, each missing slice and the overall verdict."""
    for per_slice in result.metric_validations_per_slice:
        where = (
            f"cross slice {slice_name(per_slice.cross_slice_key.baseline_slice_key)} vs "
            f"{slice_name(per_slice.cross_slice_key.comparison_slice_key)}"
            if per_slice.HasField("cross_slice_key")
            else f"slice {slice_name(per_slice.slice_key)}"
        )
        for failure in per_slice.failures:
            key = failure.metric_key
            value = failure.metric_value
            shown = (
                f"{value.double_value.value:.6g}" if value.HasField("double_value") else str(value).strip()
            )
            log.warning(
                "threshold failed on %s: %s%s%s = %s violates {%s}%s",
                where,
                key.name,
                f" (model {key.model_name})" if key.model_name else "",
                " (diff to baseline)" if key.is_diff else "",
                shown,
                _describe_threshold(failure.metric_threshold),
                f": {failure.message}" if failure.message else "",
            )
    for spec in result.missing_slices:
        log.warning("threshold slice not found in the data: {%s}", _describe_threshold(spec))
    for cross in result.missing_cross_slices:
        log.warning("threshold cross slice not found in the data: {%s}", _describe_threshold(cross))
    log.info("validation %s", "passed: every threshold holds" if result.validation_ok else "FAILED")


# --- executor ------------------------------------------------------------------------------
def _set_blessing(
    blessing: ArtifactRef, blessed: bool, model: ArtifactRef, baseline: ArtifactRef | None
) -> None:
    blessing_io.write_blessing(blessing, blessed)
    blessing.properties["current_model"] = model.uri
    if model.mlmd_id is not None:
        blessing.properties["current_model_id"] = model.mlmd_id
    if baseline is not None:
        blessing.properties["baseline_model"] = baseline.uri
        if baseline.mlmd_id is not None:
            blessing.properties["baseline_model_id"] = baseline.mlmd_id
    log.info("model %s (%s): %s, written to %s", model.mlmd_id, model.uri,
             "BLESSED" if blessed else "NOT_BLESSED", blessing.uri)  # fmt: skip


def _split_patterns(examples: ArtifactRef, splits: list[str]) -> list[str]:
    """The file pattern of each split to evaluate on; fails if a split is missing or empty."""
    known = examples.split_names
    missing = [s for s in splits if known and s not in known]
    if missing:
        raise InvalidInputDataError(
            f"{_NAME}: examples artifact {examples.mlmd_id} ({examples.uri}) has no split(s) {missing}; "
            f"it has {known}"
        )
    patterns = []
    for split in splits:
        files = example_io.split_files(examples, split)
        patterns.append(example_io.split_file_pattern(examples, split))
        log.info("split %r: %d file(s) matching %s", split, len(files), patterns[-1])
    return patterns


def _eval_shared_model(config: tfma.EvalConfig, paths: Mapping[bool, str]) -> Any:
    """TFMA's shared model for each model spec (one, or a list with the baseline)."""
    shared_models = []
    for spec in config.model_specs:
        path = paths[spec.is_baseline]
        log.info("using %s as %s model %r", path, "baseline" if spec.is_baseline else "candidate", spec.name)
        shared_models.append(
            tfma.default_eval_shared_model(
                eval_saved_model_path=path, model_name=spec.name, eval_config=config
            )
        )
    return shared_models[0] if len(shared_models) == 1 else shared_models


def _read_examples(
    pipeline: beam.Pipeline,
    batched: bool,
    splits: list[str],
    patterns: list[str],
    schema: Any,
) -> tuple[list[Any], Any]:
    """The reads of each split, and the tensor adapter config for batched input with a schema."""
    tensor_adapter_config = None
    reads = []
    if batched:
        source = None
        for split, pattern in zip(splits, patterns, strict=True):
            source = tfxio.TFExampleRecord(
                file_pattern=pattern,
                schema=schema,
                raw_record_column_name=tfma_constants.ARROW_INPUT_COLUMN,
                telemetry_descriptors=_TELEMETRY,
            )
            reads.append(pipeline | f"ReadExamples[{split}]" >> source.BeamSource())
        if schema is not None and source is not None:
            tensor_adapter_config = tensor_adapter.TensorAdapterConfig(
                arrow_schema=source.ArrowSchema(), tensor_representations=source.TensorRepresentations()
            )
    else:  # an estimator's EvalSavedModel takes raw records
        for split, pattern in zip(splits, patterns, strict=True):
            reads.append(pipeline | f"ReadRecords[{split}]" >> beam.io.ReadFromTFRecord(file_pattern=pattern))
    return reads, tensor_adapter_config


def _evaluate(
    info: ExecutionInfo,
    eval_shared_model: Any,
    config: tfma.EvalConfig,
    examples: ArtifactRef,
    evaluation: ArtifactRef,
    splits: list[str],
    patterns: list[str],
    schema: Any,
) -> None:
    """Run TFMA on Beam over ``splits``, writing its results to ``evaluation``."""
    tf.io.gfile.makedirs(evaluation.uri)
    log.info("evaluating on split(s) %s of examples artifact %s (%s)", splits, examples.mlmd_id, examples.uri)
    with make_pipeline(info) as pipeline:
        batched = tfma.is_batched_input(eval_shared_model, config)
        reads, tensor_adapter_config = _read_examples(pipeline, batched, splits, patterns, schema)
        _ = (
            reads
            | "FlattenExamples" >> beam.Flatten()
            | "ExtractEvaluateAndWriteResults"
            >> tfma.ExtractEvaluateAndWriteResults(
                eval_shared_model=eval_shared_model,
                eval_config=config,
                output_path=evaluation.uri,
                display_only_data_location=examples.uri,
                tensor_adapter_config=tensor_adapter_config,
                schema=schema,
            )
        )
    log.info("evaluation written to %s", evaluation.uri)


def _record_metrics(
    evaluation: ArtifactRef, config: tfma.EvalConfig, model: ArtifactRef, baseline: ArtifactRef | None
) -> None:
    """Log the headline metrics and store the candidate's as properties of ``evaluation``."""
    candidate_name = next(s.name for s in config.model_specs if not s.is_baseline)
    per_slice = headline_metrics(tfma.load_metrics(evaluation.uri), candidate_name)
    _log_metrics(per_slice, f"candidate model {model.mlmd_id}")
    if baseline is not None:
        baseline_name = next(s.name for s in config.model_specs if s.is_baseline)
        overall = headline_metrics(tfma.load_metrics(evaluation.uri), baseline_name).get(OVERALL_SLICE, {})
        _log_metrics({OVERALL_SLICE: overall}, f"baseline model {baseline.mlmd_id}")
    evaluation.properties.update(metric_properties(per_slice))


def _blessed(config: tfma.EvalConfig, evaluation: ArtifactRef, skipped: int) -> bool:
    """TFMA's validation verdict if ``config`` has thresholds; blessed otherwise."""
    if has_thresholds(config):
        result = tfma.load_validation_result(evaluation.uri)
        log_validation(result)
        return bool(result.validation_ok)
    if skipped:
        log.info("no thresholds left after skipping the change thresholds: blessed")
    else:
        log.info("no thresholds configured: blessed")
    return True


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: TFMA on Beam into ``evaluation``, then the blessing from its validation result."""
    examples = single(inputs, "examples")
    model = single(inputs, "model")
    baseline = optional(inputs, "baseline_model")
    schema_ref = optional(inputs, "schema")
    evaluation = single(outputs, "evaluation")
    blessing = single(outputs, "blessing")

    config, skipped = prepare_eval_config(
        eval_config_io.parse_eval_config(params.get("eval_config"), _NAME), baseline is not None
    )
    check_metrics(config)
    paths = {False: model_io.saved_model_dir(model, _NAME)}
    if baseline is not None:
        paths[True] = model_io.saved_model_dir(baseline, _NAME, "baseline_model")
    splits = example_splits(params)
    patterns = _split_patterns(examples, splits)
    schema = tfdv_io.load_schema(schema_ref) if schema_ref is not None else None

    eval_shared_model = _eval_shared_model(config, paths)
    _evaluate(info, eval_shared_model, config, examples, evaluation, splits, patterns, schema)
    _record_metrics(evaluation, config, model, baseline)
    _set_blessing(blessing, _blessed(config, evaluation, skipped), model, baseline)
