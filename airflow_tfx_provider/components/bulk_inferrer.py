"""BulkInferrer: batch inference of a model over an Examples artifact (TFX's BulkInferrer).

Inputs: ``examples`` (Examples), ``model`` (Model: a SavedModel under ``<uri>/Format-Serving/``
whose signatures take serialized ``tf.Example``), optional ``model_blessing`` (ModelBlessing).

Gate: with a ``model_blessing`` that says ``NOT_BLESSED`` the component does not run (the
task is skipped, nothing is written), as TFX's BulkInferrer refuses to infer with an
unblessed model. Without a blessing the model is used as it is.

Exactly one of the two outputs is produced (the other stays empty and is not published):

- without ``output_example_spec``: ``inference_result`` (InferenceResult), gzipped TFRecords
  of ``tensorflow_serving.apis.prediction_log_pb2.PredictionLog``, one per input example,
  in one folder per split: ``<uri>/Split-<name>/prediction_logs-00000-of-00001.gz``. (TFX
  writes all splits into one ``prediction_logs-*.gz`` set; the per-split folders tell the
  splits apart, and ``<uri>/Split-*/*.gz`` reads them all.) The custom property
  ``split_names`` lists the splits (JSON, like Examples).
- with ``output_example_spec``: ``output_examples`` (Examples), every input example with the
  prediction columns added, as gzipped TFRecords of ``tf.Example`` in TFX's Examples layout
  (``<uri>/Split-<name>/data_tfrecord-00000-of-00001.gz``); ``split_names`` are the splits
  processed, ``span`` and ``version`` are copied from the input.

Which kind of PredictionLog a record holds depends on the signature's method: a TF2
``tf.function`` signature is a *predict* signature (``predict_log``: ``request.inputs``
holds the serialized example, ``response.outputs`` the output tensors by key); TF1-style
classification / regression signatures give ``classify_log`` / ``regress_log``; several
classify/regress signatures at once give ``multi_inference_log``.

Parameters (TFX's protos in their dict form, as ``google.protobuf.json_format`` reads them;
snake_case or camelCase keys; the proto messages themselves are accepted too):

- ``data_spec``: ``{"example_splits": ["eval"]}``: the splits to run on; default (``None``
  or an empty list): every split of the examples.
- ``model_spec``: ``{"model_signature_name": ["serving_default"], "tag": ["serve"]}``;
  default: signature ``serving_default``, tag ``serve``.
- ``output_example_spec``: how predictions become columns, one entry per signature::

      {"output_columns_spec": [{"predict_output": {"output_columns": [
          {"output_key": "outputs", "output_column": "score"}]}}]}

  ``predict_output`` maps output tensors (by key) to columns; ``classify_output``
  (``label_column``, ``score_column``) and ``regress_output`` (``value_column``) name the
  columns of classification labels/scores and regression values; ``signature_name`` picks
  the signature an entry belongs to when there are several. As in TFX, string results
  become ``bytes_list`` features and numbers ``float_list`` features (integers included); an
  output must hold one value or a 1-D list per example; a column that already exists in the
  example is an error.

Everything runs in one Beam pipeline (``beam_support.make_pipeline``): per selected split,
``ReadFromTFRecord`` -> ``tfx_bsl`` ``RunInference`` -> ``WriteToTFRecord``. The signature,
tags and the output keys named in ``output_example_spec`` are checked against the SavedModel
before the pipeline starts, so such mistakes fail fast with what the model offers.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_tfx_provider.components import example_io, model_io, tfdv_io
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
from airflow_tfx_provider.components.blessing import refusal
from airflow_tfx_provider.exceptions import (
    ComponentSkipped,
    ExecutorError,
    InvalidInputDataError,
    PipelineDefinitionError,
)
from airflow_tfx_provider.types import EXAMPLES, INFERENCE_RESULT, MODEL, MODEL_BLESSING, ArtifactRef

if TYPE_CHECKING:
    from tensorflow_serving.apis import prediction_log_pb2

log = logging.getLogger(__name__)

_NAME = "BulkInferrer"
PREDICTION_LOGS_PREFIX = "prediction_logs"
OUTPUT_EXAMPLES_PREFIX = example_io.EXAMPLES_FILE_PREFIX
DEFAULT_SIGNATURE = "serving_default"
DEFAULT_TAG = "serve"
_COUNTER_NAMESPACE = "airflow_tfx_provider.BulkInferrer"

_PREDICT_METHOD = "tensorflow/serving/predict"
_CLASSIFY_METHOD = "tensorflow/serving/classify"
_REGRESS_METHOD = "tensorflow/serving/regress"
_OUTPUT_KIND_OF_METHOD = {
    _PREDICT_METHOD: "predict_output",
    _CLASSIFY_METHOD: "classify_output",
    _REGRESS_METHOD: "regress_output",
}

# --- the parameter protos of TFX's bulk_inferrer.proto, as a field tree -----------------------
# message name -> field name -> (kind, repeated); kind is "string" or a message name.
_MESSAGES: dict[str, dict[str, tuple[str, bool]]] = {
    "DataSpec": {"example_splits": ("string", True)},
    "ModelSpec": {"model_signature_name": ("string", True), "tag": ("string", True)},
    "OutputExampleSpec": {"output_columns_spec": ("OutputColumnsSpec", True)},
    "OutputColumnsSpec": {
        "signature_name": ("string", False),
        "classify_output": ("ClassifyOutput", False),
        "regress_output": ("RegressOutput", False),
        "predict_output": ("PredictOutput", False),
    },
    "ClassifyOutput": {"label_column": ("string", False), "score_column": ("string", False)},
    "RegressOutput": {"value_column": ("string", False)},
    "PredictOutput": {"output_columns": ("PredictOutputCol", True)},
    "PredictOutputCol": {"output_key": ("string", False), "output_column": ("string", False)},
}
_OUTPUT_KINDS = ("classify_output", "regress_output", "predict_output")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check_message(value: Any, message: str, path: str) -> dict[str, Any]:
    """``value`` checked against ``message``'s fields; returned with snake_case keys."""
    if not isinstance(value, Mapping):
        raise PipelineDefinitionError(
            f"{_NAME}: {path} must be an object ({message}), got {type(value).__name__}: {value!r}"
        )
    fields = _MESSAGES[message]
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = _snake(str(key))
        if name not in fields:
            raise PipelineDefinitionError(
                f"{_NAME}: {path} has unknown field {key!r}; {message} has {sorted(fields)}"
            )
        kind, repeated = fields[name]
        where = f"{path}.{name}"
        if repeated:
            if kind == "string" and isinstance(item, str):
                item = [item]  # a single name for a list of names
            if not isinstance(item, list | tuple):
                raise PipelineDefinitionError(
                    f"{_NAME}: {where} must be a list, got {type(item).__name__}: {item!r}"
                )
            result[name] = [_check_value(v, kind, f"{where}[{i}]") for i, v in enumerate(item)]
        else:
            result[name] = _check_value(item, kind, where)
    return result


def _check_value(value: Any, kind: str, where: str) -> Any:
    if kind == "string":
        if not isinstance(value, str):
            raise PipelineDefinitionError(
                f"{_NAME}: {where} must be a string, got {type(value).__name__}: {value!r}"
            )
        return value
    return _check_message(value, kind, where)


def _as_dict(value: Any, message: str, param: str) -> dict[str, Any] | None:
    """A parameter in plain dict form (snake_case keys), or None when unset."""
    if value is None:
        return None
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString"):  # a protobuf message
        from google.protobuf import json_format

        if value.DESCRIPTOR.name != message:
            raise PipelineDefinitionError(
                f"{_NAME}: {param} must be a {message}, got a {value.DESCRIPTOR.name} message"
            )
        value = json_format.MessageToDict(value, preserving_proto_field_name=True)
    return _check_message(value, message, param)


def data_spec_splits(value: Any) -> list[str]:
    """The ``example_splits`` of a ``data_spec`` parameter; empty means every split."""
    spec = _as_dict(value, "DataSpec", "data_spec") or {}
    return list(spec.get("example_splits", []))


def model_spec_values(value: Any) -> tuple[list[str], list[str]]:
    """``(signature names, tags)`` of a ``model_spec`` parameter, defaults filled in."""
    spec = _as_dict(value, "ModelSpec", "model_spec") or {}
    signatures = list(spec.get("model_signature_name") or [DEFAULT_SIGNATURE])
    tags = list(spec.get("tag") or [DEFAULT_TAG])
    return signatures, tags


def output_example_spec_value(value: Any) -> dict[str, Any] | None:
    """The ``output_example_spec`` parameter in dict form, checked; None when unset."""
    spec = _as_dict(value, "OutputExampleSpec", "output_example_spec")
    if spec is None:
        return None
    entries = spec.get("output_columns_spec") or []
    if not entries:
        raise PipelineDefinitionError(
            f"{_NAME}: output_example_spec needs at least one entry in output_columns_spec, e.g. "
            '{"output_columns_spec": [{"predict_output": {"output_columns": '
            '[{"output_key": "outputs", "output_column": "score"}]}}]}'
        )
    columns: list[str] = []
    for i, entry in enumerate(entries):
        where = f"output_example_spec.output_columns_spec[{i}]"
        kinds = [kind for kind in _OUTPUT_KINDS if kind in entry]
        if len(kinds) != 1:
            raise PipelineDefinitionError(
                f"{_NAME}: {where} must set exactly one of {list(_OUTPUT_KINDS)}, got {kinds or 'none'}"
            )
        kind = kinds[0]
        body = entry[kind]
        if kind == "predict_output":
            mapping = body.get("output_columns") or []
            if not mapping:
                raise PipelineDefinitionError(f"{_NAME}: {where}.predict_output.output_columns is empty")
            for j, col in enumerate(mapping):
                for key in ("output_key", "output_column"):
                    if not col.get(key):
                        raise PipelineDefinitionError(
                            f"{_NAME}: {where}.predict_output.output_columns[{j}] needs {key!r}"
                        )
                columns.append(col["output_column"])
        elif kind == "classify_output":
            named = [body[k] for k in ("label_column", "score_column") if body.get(k)]
            if not named:
                raise PipelineDefinitionError(
                    f"{_NAME}: {where}.classify_output needs label_column and/or score_column"
                )
            columns.extend(named)
        else:
            if not body.get("value_column"):
                raise PipelineDefinitionError(f"{_NAME}: {where}.regress_output needs value_column")
            columns.append(body["value_column"])
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise PipelineDefinitionError(f"{_NAME}: output_example_spec names column(s) {duplicates} twice")
    return spec


def validate_parameters(params: dict[str, Any]) -> None:
    """Cheap structural checks (no TensorFlow), run when the DAG is parsed and before running."""
    data_spec_splits(params.get("data_spec"))
    model_spec_values(params.get("model_spec"))
    output_example_spec_value(params.get("output_example_spec"))


def gate(inputs: Inputs, params: dict[str, Any], info: ExecutionInfo) -> str | None:
    """Skip when the given model blessing says no."""
    reason = refusal(list(inputs.get("model_blessing", [])))
    return None if reason is None else f"not running inference: {reason}"


def selected_splits(examples: ArtifactRef, wanted: list[str]) -> list[str]:
    """The splits to run on: ``wanted`` (in that order), or every split when it is empty."""
    available = examples.split_names
    if not available:
        raise InvalidInputDataError(
            f"Examples #{examples.mlmd_id} ({examples.uri}) has no split_names property, so its "
            "splits are unknown"
        )
    if not wanted:
        return available
    unknown = [s for s in wanted if s not in available]
    if unknown:
        raise InvalidInputDataError(
            f"data_spec.example_splits names split(s) {unknown} that Examples #{examples.mlmd_id} "
            f"({examples.uri}) does not have; it has {available}"
        )
    return list(dict.fromkeys(wanted))


# --- the SavedModel's signatures, checked before Beam starts ---------------------------------
def _read_saved_model(model_path: str) -> Any:
    import tensorflow as tf
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel()
    binary = os.path.join(model_path, "saved_model.pb")
    try:
        if tf.io.gfile.exists(binary):
            with tf.io.gfile.GFile(binary, "rb") as handle:
                saved_model.ParseFromString(handle.read())
        else:
            with tf.io.gfile.GFile(os.path.join(model_path, "saved_model.pbtxt")) as handle:
                text_format.Parse(handle.read(), saved_model)
    except Exception as err:  # a corrupt file: say which one
        raise InvalidInputDataError(f"cannot read the SavedModel at {model_path}: {err}") from err
    return saved_model


def check_signatures(
    model_path: str, signatures: list[str], tags: list[str], example_spec: dict[str, Any] | None
) -> dict[str, str]:
    """Signature name -> method name; errors name what the SavedModel offers instead."""
    saved_model = _read_saved_model(model_path)
    graphs = [g for g in saved_model.meta_graphs if set(g.meta_info_def.tags) == set(tags)]
    if not graphs:
        offered = [sorted(g.meta_info_def.tags) for g in saved_model.meta_graphs]
        raise InvalidInputDataError(
            f"the SavedModel at {model_path} has no MetaGraph with tags {sorted(tags)}; it has {offered}"
        )
    signature_defs = graphs[0].signature_def
    missing = [s for s in signatures if s not in signature_defs]
    if missing:
        offered_names = sorted(k for k in signature_defs if not k.startswith("__"))
        raise InvalidInputDataError(
            f"the SavedModel at {model_path} has no signature(s) {missing}; it has {offered_names}"
        )
    methods = {name: signature_defs[name].method_name for name in signatures}
    for name, method in methods.items():
        if method not in _OUTPUT_KIND_OF_METHOD:
            raise InvalidInputDataError(
                f"signature {name!r} of the SavedModel at {model_path} has method {method!r}; "
                f"RunInference supports {sorted(_OUTPUT_KIND_OF_METHOD)}"
            )
    if len(signatures) > 1 and any(m == _PREDICT_METHOD for m in methods.values()):
        raise InvalidInputDataError(
            f"several signatures {signatures} of {model_path} can run together only when all are "
            f"classify/regress signatures; got methods {methods}"
        )
    if example_spec is not None:
        _check_spec_against_signatures(model_path, signature_defs, methods, example_spec)
    return methods


def _check_spec_against_signatures(
    model_path: str, signature_defs: Any, methods: dict[str, str], example_spec: dict[str, Any]
) -> None:
    entries = example_spec["output_columns_spec"]
    if len(methods) == 1:
        [(name, method)] = methods.items()
        if len(entries) != 1:
            raise PipelineDefinitionError(
                f"{_NAME}: one signature ({name!r}) gives one result per example, so "
                f"output_example_spec.output_columns_spec needs exactly one entry, got {len(entries)}"
            )
        pairs = [(name, method, entries[0])]
    else:
        by_name = {e.get("signature_name") or DEFAULT_SIGNATURE: e for e in entries}
        unmatched = [n for n in methods if n not in by_name]
        if unmatched:
            raise PipelineDefinitionError(
                f"{_NAME}: output_example_spec has no entry with signature_name for {unmatched}"
            )
        pairs = [(n, m, by_name[n]) for n, m in methods.items()]
    for name, method, entry in pairs:
        kind = _OUTPUT_KIND_OF_METHOD[method]
        if kind not in entry:
            raise PipelineDefinitionError(
                f"{_NAME}: signature {name!r} of {model_path} is a {method.rsplit('/', 1)[-1]} signature, "
                f"so its output_example_spec entry needs {kind!r}, got {sorted(entry)}"
            )
        if kind == "predict_output":
            outputs = sorted(signature_defs[name].outputs)
            for col in entry["predict_output"]["output_columns"]:
                if col["output_key"] not in outputs:
                    raise PipelineDefinitionError(
                        f"{_NAME}: output_example_spec maps output_key {col['output_key']!r}, but "
                        f"signature {name!r} of {model_path} has outputs {outputs}"
                    )


# --- PredictionLog -> tf.Example ---------------------------------------------------------------
def _column_values(values: Any, where: str) -> list[Any]:
    import numpy as np

    array = np.squeeze(np.asarray(values))
    if array.ndim > 1:
        raise ExecutorError(f"{where} must be one value or a 1-D list per example, got shape {array.shape}")
    return [array.item()] if array.ndim == 0 else array.tolist()


def _classification_columns(classifications: Any, spec: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    classes = classifications.classes
    columns: list[tuple[str, list[Any]]] = []
    if spec.get("label_column"):
        columns.append((spec["label_column"], [c.label for c in classes]))
    if spec.get("score_column"):
        columns.append((spec["score_column"], [c.score for c in classes]))
    return columns


def _predict_input_example(predict_log: Any) -> bytes:
    inputs = predict_log.request.inputs
    tensor = inputs["examples"] if "examples" in inputs or len(inputs) != 1 else next(iter(inputs.values()))
    if len(tensor.string_val) != 1:
        raise ExecutorError("a predict_log must hold the one serialized input example in its request")
    return bytes(tensor.string_val[0])


def prediction_log_to_example(
    prediction_log: prediction_log_pb2.PredictionLog, example_spec: Mapping[str, Any]
) -> bytes:
    """The serialized input ``tf.Example`` of ``prediction_log`` with the prediction columns added."""
    import tensorflow as tf

    entries = example_spec["output_columns_spec"]
    example = tf.train.Example()
    columns: list[tuple[str, list[Any]]] = []
    kind = prediction_log.WhichOneof("log_type")
    if kind == "multi_inference_log":
        multi = prediction_log.multi_inference_log
        by_name = {e.get("signature_name") or DEFAULT_SIGNATURE: e for e in entries}
        example.CopyFrom(multi.request.input.example_list.examples[0])
        for result in multi.response.results:
            entry = by_name[result.model_spec.signature_name or DEFAULT_SIGNATURE]
            if result.HasField("classification_result"):
                columns += _classification_columns(
                    result.classification_result.classifications[0], entry["classify_output"]
                )
            elif result.HasField("regression_result"):
                value_column = entry["regress_output"]["value_column"]
                columns.append((value_column, [result.regression_result.regressions[0].value]))
    elif kind == "classify_log":
        classify = prediction_log.classify_log
        example.CopyFrom(classify.request.input.example_list.examples[0])
        columns = _classification_columns(
            classify.response.result.classifications[0], entries[0]["classify_output"]
        )
    elif kind == "regress_log":
        regress = prediction_log.regress_log
        example.CopyFrom(regress.request.input.example_list.examples[0])
        value_column = entries[0]["regress_output"]["value_column"]
        columns = [(value_column, [regress.response.result.regressions[0].value])]
    elif kind == "predict_log":
        predict = prediction_log.predict_log
        example.ParseFromString(_predict_input_example(predict))
        outputs = predict.response.outputs
        for col in entries[0]["predict_output"]["output_columns"]:
            key = col["output_key"]
            if key not in outputs:
                raise ExecutorError(f"the model's response has no output {key!r}; it has {sorted(outputs)}")
            values = _column_values(tf.make_ndarray(outputs[key]), f"output {key!r}")
            columns.append((col["output_column"], values))
    else:
        raise ExecutorError(f"unsupported PredictionLog kind {kind!r}")

    features = example.features.feature
    for name, values in columns:
        if name in features:
            raise InvalidInputDataError(
                f"output column {name!r} already exists in the input example; choose another "
                "output_column in output_example_spec"
            )
        if values and isinstance(values[0], str | bytes):
            features[name].bytes_list.value[:] = [v.encode() if isinstance(v, str) else v for v in values]
        else:
            features[name].float_list.value[:] = [float(v) for v in values]
    return bytes(example.SerializeToString())


def _count(record: Any, counter: Any) -> Any:
    counter.inc()
    return record


# --- the executor ---------------------------------------------------------------------------
def run_bulk_inferrer(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: one Beam pipeline running the model over the selected splits."""
    import apache_beam as beam
    import tensorflow as tf
    from apache_beam.metrics.metric import MetricsFilter
    from tensorflow_serving.apis import prediction_log_pb2
    from tfx_bsl.public.beam import RunInference
    from tfx_bsl.public.proto import model_spec_pb2

    validate_parameters(params)
    examples = tfdv_io.single_input(inputs, "examples")
    model = tfdv_io.single_input(inputs, "model")
    reason = refusal(list(inputs.get("model_blessing", [])))
    if reason is not None:  # the launcher's gate catches this first; guard direct calls too
        raise ComponentSkipped(f"{_NAME}: not running inference: {reason}")

    example_spec = output_example_spec_value(params.get("output_example_spec"))
    out_key = "inference_result" if example_spec is None else "output_examples"
    target = tfdv_io.single_output(outputs, out_key)
    model_path = model_io.saved_model_dir(model, "BulkInferrer")
    signatures, tags = model_spec_values(params.get("model_spec"))
    methods = check_signatures(model_path, signatures, tags, example_spec)
    splits = selected_splits(examples, data_spec_splits(params.get("data_spec")))

    log.info(
        "model #%s: SavedModel at %s, signature(s) %s, tags %s", model.mlmd_id, model_path, methods, tags
    )
    patterns: dict[str, str] = {}
    for split in splits:
        files = example_io.split_files(examples, split)  # fails early, naming the folder, if empty
        patterns[split] = example_io.split_file_pattern(examples, split)
        log.info("split %r: reading %d file(s) matching %s", split, len(files), patterns[split])

    prefix = PREDICTION_LOGS_PREFIX if example_spec is None else OUTPUT_EXAMPLES_PREFIX
    prefixes = {split: os.path.join(target.split_uri(split), prefix) for split in splits}
    for split in splits:
        tf.io.gfile.makedirs(target.split_uri(split))

    inference_spec = model_spec_pb2.InferenceSpecType(
        saved_model_spec=model_spec_pb2.SavedModelSpec(
            model_path=model_path, signature_name=signatures, tag=tags
        )
    )
    pipeline = make_pipeline(info)
    for split in splits:
        # One RunInference per split. tfx_bsl's keyed form ((split, record) pairs through a
        # single RunInference) fails with Beam 2.72: its (key, log) output gets PredictionLog's coder.
        counter = beam.metrics.Metrics.counter(_COUNTER_NAMESPACE, f"examples[{split}]")
        logs = (
            pipeline
            | f"Read[{split}]" >> beam.io.ReadFromTFRecord(patterns[split], coder=beam.coders.BytesCoder())
            | f"Count[{split}]" >> beam.Map(_count, counter)
            | f"RunInference[{split}]" >> RunInference(inference_spec)
        )
        if example_spec is None:
            _ = logs | f"Write[{split}]" >> beam.io.WriteToTFRecord(
                prefixes[split],
                file_name_suffix=".gz",
                coder=beam.coders.ProtoCoder(prediction_log_pb2.PredictionLog),
            )
        else:
            _ = (
                logs
                | f"ToExample[{split}]" >> beam.Map(prediction_log_to_example, example_spec)
                | f"Write[{split}]"
                >> beam.io.WriteToTFRecord(
                    prefixes[split], file_name_suffix=".gz", coder=beam.coders.BytesCoder()
                )
            )
    log.info(
        "running inference over split(s) %s of Examples #%s (%s)", splits, examples.mlmd_id, examples.uri
    )
    result = pipeline.run()
    result.wait_until_finish()

    counts: dict[str, int] = {}
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(_COUNTER_NAMESPACE))
        for counter_result in query["counters"]:
            counts[counter_result.key.metric.name] = int(counter_result.committed or 0)
    except Exception:  # counts are informative only; some runners do not report them
        log.debug("could not read the example counters", exc_info=True)
    for split in splits:
        if not tf.io.gfile.glob(os.path.join(target.split_uri(split), "*.gz")):
            # Left empty, the optional output would silently not be published.
            raise ExecutorError(f"{_NAME}: the Beam pipeline wrote no file to {target.split_uri(split)}")
        count = counts.get(f"examples[{split}]")
        log.info(
            "split %r: %s example(s) inferred; wrote %s to %s",
            split,
            "?" if count is None else count,
            "PredictionLogs" if example_spec is None else "Examples with prediction columns",
            target.split_uri(split),
        )

    target.split_names = splits  # on InferenceResult a custom property, as JSON like on Examples
    if example_spec is not None:
        for key in ("span", "version"):
            if key in examples.properties:
                target.properties[key] = examples.properties[key]


BulkInferrerSpec = ComponentSpec(
    name=_NAME,
    default_id="bulk_inferrer",
    inputs={
        "examples": InputSpec(EXAMPLES, doc="the examples to run the model on"),
        "model": InputSpec(MODEL, doc="the model (SavedModel under Format-Serving/)"),
        "model_blessing": InputSpec(
            MODEL_BLESSING, optional=True, doc="Evaluator's verdict; NOT_BLESSED skips the task"
        ),
    },
    outputs={
        "inference_result": OutputSpec(
            INFERENCE_RESULT,
            optional=True,
            doc="without output_example_spec: Split-<name>/prediction_logs-*.gz (PredictionLog)",
        ),
        "output_examples": OutputSpec(
            EXAMPLES,
            optional=True,
            doc="with output_example_spec: Split-<name>/data_tfrecord-*.gz (tf.Example + predictions)",
        ),
    },
    parameters={
        "data_spec": Parameter(None, '{"example_splits": ["eval"]}; default: every split'),
        "model_spec": Parameter(
            None, '{"model_signature_name": ["serving_default"], "tag": ["serve"]}; default: those'
        ),
        "output_example_spec": Parameter(
            None,
            '{"output_columns_spec": [{"predict_output": {"output_columns": '
            '[{"output_key": "outputs", "output_column": "score"}]}}]}: write Examples instead of '
            "PredictionLogs",
        ),
    },
    executor=run_bulk_inferrer,
    validate_parameters=validate_parameters,
    gate=gate,
)
