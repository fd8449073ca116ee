"""evaluator's executor."""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
import tensorflow as tf
import tensorflow_model_analysis as tfma
from google.protobuf import text_format
from google.protobuf.message import DecodeError
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
from airflow_tfx_provider.components.evaluator.naming import OVERALL_SLICE, slice_name
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


def log_validation(result: Any) -> list[str]:
    """Log each failed threshold, each missing slice and the overall verdict; return the
    failures and missing slices, one line each (the reason of a NOT_BLESSED verdict)."""
    problems: list[str] = []
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
            model_note = f" (model {key.model_name})" if key.model_name else ""
            problems.append(
                f"{where}: {key.name}{model_note}{' (diff to baseline)' if key.is_diff else ''} = {shown} "
                f"violates {{{_describe_threshold(failure.metric_threshold)}}}"
                + (f": {failure.message}" if failure.message else "")
            )
            log.warning("threshold failed on %s", problems[-1])
    for spec in result.missing_slices:
        problems.append(f"threshold slice not found in the data: {{{_describe_threshold(spec)}}}")
        log.warning("%s", problems[-1])
    for cross in result.missing_cross_slices:
        problems.append(f"threshold cross slice not found in the data: {{{_describe_threshold(cross)}}}")
        log.warning("%s", problems[-1])
    log.info("validation %s", "passed: every threshold holds" if result.validation_ok else "FAILED")
    return problems


# --- label keys ------------------------------------------------------------------------------
#: The signatures TFMA calls for transformed features when a model spec names no
#: ``preprocessing_function_names`` (``transformed_features_extractor._DEFAULT_SIGNATURE_NAMES``).
DEFAULT_PREPROCESSING_FUNCTIONS = ("transformed_features", "transformed_labels")

#: Model types whose labels TFMA looks up in the features (and transformed features) only.
_FEATURE_LABEL_MODEL_TYPES = ("", tfma_constants.TF_KERAS, tfma_constants.TF_GENERIC)

#: How TFMA's failure reads when an example has no value for the label key.
_NO_LABEL_VALUE = re.compile(r"no value provided for label|'labels': None")

_MAX_NAMES_SHOWN = 40


@dataclass(frozen=True)
class ExampleFeatures:
    """Feature names TFMA will see, and where they were read (for messages)."""

    names: frozenset[str]
    source: str


@dataclass(frozen=True)
class SpecLabels:
    """A model spec's label keys and what could produce them besides the example features."""

    spec: str  # "eval_config.model_specs[0] (candidate model, artifact 21)"
    keys: dict[str, str]  # field of the model spec ("label_key", "label_keys['out']") -> label key
    #: preprocessing function TFMA calls -> its output names (None: unknown);
    #: None: cannot tell which functions TFMA calls. ``{}``: none, labels come from the features.
    functions: dict[str, list[str] | None] | None

    def produced(self) -> set[str]:
        return {name for outputs in (self.functions or {}).values() for name in outputs or ()}


def _names(names: Iterable[str]) -> str:
    shown = sorted(names)
    more = len(shown) - _MAX_NAMES_SHOWN
    return str(shown[:_MAX_NAMES_SHOWN])[:-1] + (f", ... ({more} more)]" if more > 0 else "]")


def _meta_graph(saved_model: Any) -> Any:
    for meta in saved_model.meta_graphs:
        if tf.saved_model.SERVING in meta.meta_info_def.tags:
            return meta
    return saved_model.meta_graphs[0] if saved_model.meta_graphs else None


def saved_model_functions(path: str) -> tuple[dict[str, list[str]], frozenset[str]] | None:
    """A SavedModel's signatures (name -> output names) and its root object's attribute names.

    Read from ``saved_model.pb`` without loading the model; None if that cannot be read.
    """
    from tensorflow.core.protobuf import saved_model_pb2

    try:
        with tf.io.gfile.GFile(os.path.join(path, "saved_model.pb"), "rb") as handle:
            meta = _meta_graph(saved_model_pb2.SavedModel.FromString(handle.read()))
    except (tf.errors.OpError, DecodeError, OSError) as err:
        log.info("cannot read the signatures of %s (%s); label keys are checked only after TFMA", path, err)
        return None
    if meta is None:
        return None
    signatures = {name: sorted(sig.outputs) for name, sig in meta.signature_def.items()}
    nodes = meta.object_graph_def.nodes
    attributes = frozenset(child.local_name for child in nodes[0].children) if nodes else frozenset()
    return signatures, attributes


def _preprocessing_functions(spec: Any, path: str) -> dict[str, list[str] | None] | None:
    """The functions TFMA calls for ``spec``'s transformed features, with their outputs if known."""
    if spec.model_type not in _FEATURE_LABEL_MODEL_TYPES:
        return None
    found = saved_model_functions(path)
    if spec.preprocessing_function_names:
        signatures = found[0] if found is not None else {}
        return {name: signatures.get(name) for name in spec.preprocessing_function_names}
    if found is None:
        return None
    signatures, attributes = found
    return {
        name: signatures.get(name)
        for name in DEFAULT_PREPROCESSING_FUNCTIONS
        if name in signatures or name in attributes
    }


def spec_labels(
    original: tfma.EvalConfig,
    config: tfma.EvalConfig,
    paths: Mapping[bool, str],
    models: Mapping[bool, ArtifactRef],
) -> list[SpecLabels]:
    """The label keys of each model spec of ``config`` (TFX-updated), named as in ``original``."""
    result = []
    for spec in config.model_specs:
        index = next((i for i, s in enumerate(original.model_specs) if s.is_baseline == spec.is_baseline), 0)
        field = f"eval_config.model_specs[{index}]"
        if spec.label_key:
            keys = {"label_key": spec.label_key}
        else:
            keys = {f"label_keys[{out!r}]": key for out, key in sorted(spec.label_keys.items()) if key}
        if not keys:
            continue
        role = "baseline" if spec.is_baseline else "candidate"
        name = f", model spec name {spec.name!r}" if spec.name else ""
        where = f"{field} ({role} model, artifact {models[spec.is_baseline].mlmd_id}{name})"
        result.append(SpecLabels(where, keys, _preprocessing_functions(spec, paths[spec.is_baseline])))
    return result


def example_features(
    examples: ArtifactRef, split: str, schema: Any, schema_ref: ArtifactRef | None
) -> ExampleFeatures | None:
    """The features TFMA will see: the schema's when one decodes the data, else the first example's.

    None if the first example cannot be read (TFMA will then report the data itself).
    """
    if schema is not None and schema_ref is not None:
        return ExampleFeatures(
            frozenset(f.name for f in schema.feature),
            f"the schema that decodes the examples (Schema artifact {schema_ref.mlmd_id}, {schema_ref.uri})",
        )
    for path in example_io.split_files(examples, split):
        try:
            for record in tf.data.TFRecordDataset(path, compression_type="GZIP").take(1):
                names = frozenset(tf.train.Example.FromString(record.numpy()).features.feature)
                return ExampleFeatures(names, f"the first example of split {split!r} ({path})")
        except (tf.errors.OpError, DecodeError) as err:
            log.info("cannot read the first example of %s (%s); label keys are checked after TFMA", path, err)
            return None
    return None


def _missing(spec: SpecLabels, features: ExampleFeatures | None) -> dict[str, str]:
    """The label keys of ``spec`` that are neither known features nor known preprocessing outputs."""
    present = spec.produced() | (features.names if features is not None else frozenset())
    return {field: key for field, key in spec.keys.items() if key not in present}


def _describe_missing(spec: SpecLabels, missing: Mapping[str, str], features: ExampleFeatures | None) -> str:
    keys = " and ".join(f"{field} {key!r}" for field, key in missing.items())
    if features is not None:
        hints = {h for key in missing.values() for h in difflib.get_close_matches(key, features.names, 3)}
        hint = f" (did you mean {_names(hints)[1:-1]}?)" if hints else ""
        available = f"{features.source} has the features {_names(features.names)}{hint}"
    else:
        available = "the examples' features could not be read"
    if spec.functions == {}:
        produced = (
            "no preprocessing function of the model makes features (TFMA reads labels from the examples)"
        )
    elif spec.functions is None:
        produced = (
            "which preprocessing functions of the model TFMA calls could not be read from its SavedModel"
        )
    else:
        calls = ", ".join(
            f"{name!r} (outputs {_names(outputs)})" if outputs is not None else f"{name!r} (outputs unknown)"
            for name, outputs in spec.functions.items()
        )
        produced = f"the model's preprocessing function(s) {calls} do not list it"
    return f"{spec.spec}: {keys} not found: {available}; {produced}"


def check_label_keys(specs: Iterable[SpecLabels], features: ExampleFeatures | None) -> None:
    """Fail before TFMA runs if a label key is certainly absent (labels come from the features only)."""
    if features is None:
        return
    problems = []
    for spec in specs:
        if spec.functions != {}:
            continue  # a preprocessing function may produce the label: TFMA's failure is wrapped instead
        missing = _missing(spec, features)
        if missing:
            problems.append(_describe_missing(spec, missing, features))
    if problems:
        raise InvalidInputDataError(
            f"{_NAME}: a label key of eval_config is not in the examples: "
            + "; ".join(problems)
            + ". Set label_key (or label_keys) to a feature of the examples, or to an output of a "
            "preprocessing function listed in the model spec's preprocessing_function_names"
        )


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def label_failure(
    err: BaseException, specs: Iterable[SpecLabels], features: ExampleFeatures | None
) -> InvalidInputDataError | None:
    """A clear error if TFMA failed for want of a label value and a label key is not known to exist."""
    if not any(_NO_LABEL_VALUE.search(str(e)) for e in _chain(err)):
        return None
    problems = []
    for spec in specs:
        missing = _missing(spec, features)
        if missing:
            problems.append(_describe_missing(spec, missing, features))
    if not problems:
        return None
    first_line = next(iter(str(err).splitlines()), "")
    return InvalidInputDataError(
        f"{_NAME}: TFMA found no label value; a label key of eval_config is probably neither in the "
        "examples nor made by the model's preprocessing functions: "
        + "; ".join(problems)
        + f". TFMA failed with {type(err).__name__}: {first_line}"
    )


# --- executor ------------------------------------------------------------------------------
def _set_blessing(
    blessing: ArtifactRef, verdict: tuple[bool, str], model: ArtifactRef, baseline: ArtifactRef | None
) -> None:
    blessed, reason = verdict
    blessing_io.write_blessing(blessing, blessed)
    blessing.properties["reason"] = reason[:2000]  # why, for `airflow tfx models` and the UI
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


def _blessed(config: tfma.EvalConfig, evaluation: ArtifactRef, skipped: int) -> tuple[bool, str]:
    """(TFMA's validation verdict if ``config`` has thresholds, blessed otherwise; why)."""
    if has_thresholds(config):
        result = tfma.load_validation_result(evaluation.uri)
        problems = log_validation(result)
        if result.validation_ok:
            note = f" ({skipped} change threshold(s) skipped: no baseline)" if skipped else ""
            return True, f"every threshold holds{note}"
        return False, "; ".join(problems) or "TFMA's validation failed"
    reason = (
        "no thresholds left after skipping the change thresholds (no baseline)"
        if skipped
        else "no thresholds configured"
    )
    log.info("%s: blessed", reason)
    return True, reason


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: TFMA on Beam into ``evaluation``, then the blessing from its validation result."""
    examples = single(inputs, "examples")
    model = single(inputs, "model")
    baseline = optional(inputs, "baseline_model")
    schema_ref = optional(inputs, "schema")
    evaluation = single(outputs, "evaluation")
    blessing = single(outputs, "blessing")

    original = eval_config_io.parse_eval_config(params.get("eval_config"), _NAME)
    config, skipped = prepare_eval_config(original, baseline is not None)
    check_metrics(config)
    paths = {False: model_io.saved_model_dir(model, _NAME)}
    models = {False: model}
    if baseline is not None:
        paths[True] = model_io.saved_model_dir(baseline, _NAME, "baseline_model")
        models[True] = baseline
    splits = example_splits(params)
    patterns = _split_patterns(examples, splits)
    schema = tfdv_io.load_schema(schema_ref) if schema_ref is not None else None
    labels = spec_labels(original, config, paths, models)
    features = example_features(examples, splits[0], schema, schema_ref) if labels else None
    check_label_keys(labels, features)

    eval_shared_model = _eval_shared_model(config, paths)
    try:
        _evaluate(info, eval_shared_model, config, examples, evaluation, splits, patterns, schema)
    except Exception as err:
        failure = label_failure(err, labels, features)
        if failure is None:
            raise
        raise failure from err
    _record_metrics(evaluation, config, model, baseline)
    _set_blessing(blessing, _blessed(config, evaluation, skipped), model, baseline)
