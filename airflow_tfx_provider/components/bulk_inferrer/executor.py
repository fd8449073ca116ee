"""bulk_inferrer's executor."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import apache_beam as beam
import numpy as np
import tensorflow as tf
from apache_beam.metrics.metric import MetricsFilter
from google.protobuf import text_format
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import prediction_log_pb2
from tfx_bsl.public.beam import RunInference
from tfx_bsl.public.proto import model_spec_pb2

from airflow_tfx_provider.components._artifacts import examples as example_io
from airflow_tfx_provider.components._artifacts import model as model_io
from airflow_tfx_provider.components._artifacts import single
from airflow_tfx_provider.components._artifacts.blessing import refusal
from airflow_tfx_provider.components._beam import make_pipeline
from airflow_tfx_provider.components.bulk_inferrer.parameters import (
    _NAME,
    DEFAULT_SIGNATURE,
    data_spec_splits,
    model_spec_values,
    output_example_spec_value,
    validate_parameters,
)
from airflow_tfx_provider.components.spec import (
    ExecutionInfo,
    Inputs,
    Outputs,
    Refusal,
)
from airflow_tfx_provider.exceptions import (
    ComponentSkipped,
    ExecutorError,
    InvalidInputDataError,
    PipelineDefinitionError,
)
from airflow_tfx_provider.types import ArtifactRef

log = logging.getLogger(__name__)


PREDICTION_LOGS_PREFIX = "prediction_logs"


OUTPUT_EXAMPLES_PREFIX = example_io.EXAMPLES_FILE_PREFIX


_COUNTER_NAMESPACE = "airflow_tfx_provider.BulkInferrer"


_PREDICT_METHOD = "tensorflow/serving/predict"


_CLASSIFY_METHOD = "tensorflow/serving/classify"


_REGRESS_METHOD = "tensorflow/serving/regress"


_OUTPUT_KIND_OF_METHOD = {
    _PREDICT_METHOD: "predict_output",
    _CLASSIFY_METHOD: "classify_output",
    _REGRESS_METHOD: "regress_output",
}


def gate(inputs: Inputs, params: dict[str, Any], info: ExecutionInfo) -> Refusal | None:
    """Skip when the given model blessing says no."""
    reason = refusal(list(inputs.get("model_blessing", [])))
    return None if reason is None else Refusal("not_blessed", f"not running inference: {reason}")


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
    model_path: str,
    signatures: list[str],
    tags: list[str],
    example_spec: dict[str, Any] | None,
    *,
    model: ArtifactRef | None = None,
) -> dict[str, str]:
    """Signature name -> method name; errors name what the SavedModel offers instead.

    Also checks, from the signature defs (the model is not loaded), that tfx_bsl's RunInference
    can feed each signature serialized tf.Examples and write its outputs into PredictionLogs
    (:func:`check_signature_io`). ``model``: the Model artifact, named in errors.
    """
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
    for name, method in methods.items():
        check_signature_io(_model_description(model_path, model), name, method, signature_defs[name])
    if example_spec is not None:
        _check_spec_against_signatures(model_path, signature_defs, methods, example_spec)
    return methods


def _model_description(model_path: str, model: ArtifactRef | None) -> str:
    if model is None:
        return f"the SavedModel at {model_path}"
    return f"model artifact {model.mlmd_id} (SavedModel at {model_path})"


# What tfx_bsl's RunInference (1.x) can write into PredictionLogs, by method. Its predict path
# splits every output along the batch dimension and reads ``output[i].dtype``: a rank-1 string
# output gives Python ``bytes`` there and fails with "'bytes' object has no attribute 'dtype'".
_SUPPORTED_OUTPUTS = {
    _PREDICT_METHOD: (
        "predict signatures need dense outputs with a batch dimension: numeric or bool tensors of "
        "shape [batch, ...] (rank >= 1), string tensors of rank >= 2 ([batch, n, ...]); tfx_bsl's "
        "RunInference cannot write a rank-1 string output ([batch]) into PredictionLogs: return it as "
        "[batch, 1] in the serving signature (e.g. tf.expand_dims(output, -1)) or serve another signature"
    ),
    _CLASSIFY_METHOD: (
        "classify signatures need outputs 'classes' (string, [batch, num_classes]) and/or 'scores' "
        "(float32, [batch, num_classes])"
    ),
    _REGRESS_METHOD: "regress signatures need the output 'outputs' (float32, [batch] or [batch, 1])",
}


def describe_tensor_info(info: Any) -> str:
    """``string, shape [None]`` for a SignatureDef's TensorInfo (``..., sparse`` for composites)."""
    try:
        dtype = tf.dtypes.as_dtype(info.dtype).name
    except TypeError:
        dtype = f"dtype enum {info.dtype}"
    encoding = info.WhichOneof("encoding")
    if encoding != "name":
        return f"{dtype}, {'sparse' if encoding == 'coo_sparse' else 'composite (e.g. ragged)'} tensor"
    return f"{dtype}, shape {_shape_text(info)}"


def _shape_text(info: Any) -> str:
    if info.tensor_shape.unknown_rank:
        return "of unknown rank"
    return "[" + ", ".join("None" if d.size < 0 else str(d.size) for d in info.tensor_shape.dim) + "]"


def _rank(info: Any) -> int | None:
    return None if info.tensor_shape.unknown_rank else len(info.tensor_shape.dim)


def _unsupported_outputs(method: str, outputs: Any) -> list[str]:
    """The outputs of a signature that RunInference cannot handle, described (empty if none)."""
    bad: list[str] = []
    if method == _PREDICT_METHOD:
        for key in sorted(outputs):
            info, rank = outputs[key], _rank(outputs[key])
            dense = info.WhichOneof("encoding") == "name"
            if not dense or rank == 0 or (info.dtype == tf.string.as_datatype_enum and rank == 1):
                bad.append(f"{key!r} ({describe_tensor_info(info)})")
        return bad
    wanted = (
        {"classes": (tf.string, (2,)), "scores": (tf.float32, (2,))}
        if method == _CLASSIFY_METHOD
        else {"outputs": (tf.float32, (1, 2))}
    )
    for key in sorted(outputs):
        info = outputs[key]
        if key not in wanted:
            continue
        dtype, ranks = wanted[key]
        rank = _rank(info)
        wide = rank == 2 and method == _REGRESS_METHOD and info.tensor_shape.dim[1].size not in (-1, 1)
        if info.dtype != dtype.as_datatype_enum or (rank is not None and rank not in ranks) or wide:
            bad.append(f"{key!r} ({describe_tensor_info(info)})")
    return bad


def check_signature_io(where: str, name: str, method: str, signature_def: Any) -> None:
    """Raise ``InvalidInputDataError`` if RunInference cannot run ``signature_def`` as tfx_bsl does.

    Its inputs must be one tf.string tensor (the serialized tf.Examples); its outputs must be
    what :data:`_SUPPORTED_OUTPUTS` says for its method. Errors name ``where`` (the model),
    the signature and the offending inputs/outputs with their dtype and shape.
    """
    inputs = signature_def.inputs
    keyed = method == _PREDICT_METHOD or "inputs" in inputs  # classify/regress: the input is 'inputs'
    if len(inputs) != 1 or next(iter(inputs.values())).dtype != tf.string.as_datatype_enum or not keyed:
        described = ", ".join(f"{k!r} ({describe_tensor_info(v)})" for k, v in sorted(inputs.items()))
        raise InvalidInputDataError(
            f"{_NAME}: signature {name!r} of {where} takes input(s) {described or 'none'}; RunInference "
            "feeds serialized tf.Examples and needs a signature with exactly one tf.string input"
            + ("" if method == _PREDICT_METHOD else ", named 'inputs' for a classify or regress signature")
        )
    bad = _unsupported_outputs(method, signature_def.outputs)
    if bad:
        outputs = ", ".join(
            f"{k!r} ({describe_tensor_info(v)})" for k, v in sorted(signature_def.outputs.items())
        )
        raise InvalidInputDataError(
            f"{_NAME}: signature {name!r} of {where} has output(s) {', '.join(bad)} that tfx_bsl's "
            f"RunInference cannot write into PredictionLogs (its outputs: {outputs}). Supported: "
            f"{_SUPPORTED_OUTPUTS[method]}"
        )


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


def _multi_inference_columns(multi: Any, entries: list[Mapping[str, Any]]) -> list[tuple[str, list[Any]]]:
    """The prediction columns of a multi_inference_log (one result per classify/regress signature)."""
    by_name = {e.get("signature_name") or DEFAULT_SIGNATURE: e for e in entries}
    columns: list[tuple[str, list[Any]]] = []
    for result in multi.response.results:
        entry = by_name[result.model_spec.signature_name or DEFAULT_SIGNATURE]
        if result.HasField("classification_result"):
            columns += _classification_columns(
                result.classification_result.classifications[0], entry["classify_output"]
            )
        elif result.HasField("regression_result"):
            value_column = entry["regress_output"]["value_column"]
            columns.append((value_column, [result.regression_result.regressions[0].value]))
    return columns


def _predict_columns(predict: Any, entry: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """The prediction columns of a predict_log: the mapped outputs of the model's response."""
    outputs = predict.response.outputs
    columns: list[tuple[str, list[Any]]] = []
    for col in entry["predict_output"]["output_columns"]:
        key = col["output_key"]
        if key not in outputs:
            raise ExecutorError(f"the model's response has no output {key!r}; it has {sorted(outputs)}")
        values = _column_values(tf.make_ndarray(outputs[key]), f"output {key!r}")
        columns.append((col["output_column"], values))
    return columns


def _input_example_and_columns(
    prediction_log: prediction_log_pb2.PredictionLog, entries: list[Mapping[str, Any]]
) -> tuple[Any, list[tuple[str, list[Any]]]]:
    """The input ``tf.Example`` of ``prediction_log`` and the prediction columns to add to it."""
    example = tf.train.Example()
    kind = prediction_log.WhichOneof("log_type")
    if kind == "multi_inference_log":
        multi = prediction_log.multi_inference_log
        example.CopyFrom(multi.request.input.example_list.examples[0])
        columns = _multi_inference_columns(multi, entries)
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
        columns = _predict_columns(predict, entries[0])
    else:
        raise ExecutorError(f"unsupported PredictionLog kind {kind!r}")
    return example, columns


def _add_columns(example: Any, columns: list[tuple[str, list[Any]]]) -> None:
    """Add each (name, values) column to ``example``; a name the example already has is an error."""
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


def prediction_log_to_example(
    prediction_log: prediction_log_pb2.PredictionLog, example_spec: Mapping[str, Any]
) -> bytes:
    """The serialized input ``tf.Example`` of ``prediction_log`` with the prediction columns added."""
    example, columns = _input_example_and_columns(prediction_log, example_spec["output_columns_spec"])
    _add_columns(example, columns)
    return bytes(example.SerializeToString())


def _count(record: Any, counter: Any) -> Any:
    counter.inc()
    return record


# --- the executor ---------------------------------------------------------------------------
def _split_patterns(examples: ArtifactRef, splits: list[str]) -> dict[str, str]:
    """The file pattern of each split; fails early, naming the folder, if a split has no files."""
    patterns: dict[str, str] = {}
    for split in splits:
        files = example_io.split_files(examples, split)  # fails early, naming the folder, if empty
        patterns[split] = example_io.split_file_pattern(examples, split)
        log.info("split %r: reading %d file(s) matching %s", split, len(files), patterns[split])
    return patterns


def _infer_split(
    pipeline: beam.Pipeline,
    split: str,
    pattern: str,
    inference_spec: model_spec_pb2.InferenceSpecType,
    prefix: str,
    example_spec: dict[str, Any] | None,
) -> None:
    """Add one split's read, RunInference and write (PredictionLogs or Examples) to ``pipeline``."""
    # One RunInference per split. tfx_bsl's keyed form ((split, record) pairs through a
    # single RunInference) fails with Beam 2.72: its (key, log) output gets PredictionLog's coder.
    counter = beam.metrics.Metrics.counter(_COUNTER_NAMESPACE, f"examples[{split}]")
    logs = (
        pipeline
        | f"Read[{split}]" >> beam.io.ReadFromTFRecord(pattern, coder=beam.coders.BytesCoder())
        | f"Count[{split}]" >> beam.Map(_count, counter)
        | f"RunInference[{split}]" >> RunInference(inference_spec)
    )
    if example_spec is None:
        _ = logs | f"Write[{split}]" >> beam.io.WriteToTFRecord(
            prefix,
            file_name_suffix=".gz",
            coder=beam.coders.ProtoCoder(prediction_log_pb2.PredictionLog),
        )
    else:
        _ = (
            logs
            | f"ToExample[{split}]" >> beam.Map(prediction_log_to_example, example_spec)
            | f"Write[{split}]"
            >> beam.io.WriteToTFRecord(prefix, file_name_suffix=".gz", coder=beam.coders.BytesCoder())
        )


def _example_counts(result: Any) -> dict[str, int]:
    """Counter name -> committed value of this component's Beam counters (empty if unavailable)."""
    counts: dict[str, int] = {}
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(_COUNTER_NAMESPACE))
        for counter_result in query["counters"]:
            counts[counter_result.key.metric.name] = int(counter_result.committed or 0)
    except Exception:  # counts are informative only; some runners do not report them
        log.debug("could not read the example counters", exc_info=True)
    return counts


def _check_written(
    target: ArtifactRef, splits: list[str], counts: Mapping[str, int], example_spec: dict[str, Any] | None
) -> None:
    """Fail if a split's folder got no file; log what each split wrote."""
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


def _failed_in_run_inference(err: BaseException) -> bool:
    """True if ``err`` was raised by tfx_bsl's RunInference (by its Beam step name or traceback)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if "RunInference[" in str(current):
            return True
        trace = current.__traceback__
        while trace is not None:
            if (
                "tfx_bsl" in trace.tb_frame.f_code.co_filename
                and "run_inference" in trace.tb_frame.f_code.co_filename
            ):
                return True
            trace = trace.tb_next
        current = current.__cause__ or current.__context__
    return False


def _explain_inference_failure(
    err: Exception, where: str, model_path: str, methods: Mapping[str, str], tags: list[str]
) -> None:
    """Raise ``InvalidInputDataError`` naming the model, signature(s) and outputs if RunInference failed."""
    if isinstance(err, InvalidInputDataError) or not _failed_in_run_inference(err):
        return
    described = []
    try:
        graphs = [
            g for g in _read_saved_model(model_path).meta_graphs if set(g.meta_info_def.tags) == set(tags)
        ]
        defs = graphs[0].signature_def if graphs else {}
        for name in methods:
            outputs = defs[name].outputs if name in defs else {}
            shown = ", ".join(f"{k!r} ({describe_tensor_info(v)})" for k, v in sorted(outputs.items()))
            described.append(f"signature {name!r} outputs {shown or '?'}")
    except Exception:  # describing is best effort; the error below still names the signature(s)
        described = [f"signature(s) {sorted(methods)}"]
    supported = " ".join(dict.fromkeys(_SUPPORTED_OUTPUTS[m] + "." for m in methods.values()))
    raise InvalidInputDataError(
        f"{_NAME}: tfx_bsl's RunInference failed running {where}, {'; '.join(described)}: "
        f"{type(err).__name__}: {err}. Supported: {supported}"
    ) from err


def run(inputs: Inputs, outputs: Outputs, params: dict[str, Any], info: ExecutionInfo) -> None:
    """Executor: one Beam pipeline running the model over the selected splits."""
    validate_parameters(params)
    examples = single(inputs, "examples")
    model = single(inputs, "model")
    reason = refusal(list(inputs.get("model_blessing", [])))
    if reason is not None:  # the launcher's gate catches this first; guard direct calls too
        raise ComponentSkipped(f"{_NAME}: not running inference: {reason}")

    example_spec = output_example_spec_value(params.get("output_example_spec"))
    out_key = "inference_result" if example_spec is None else "output_examples"
    target = single(outputs, out_key)
    model_path = model_io.saved_model_dir(model, "BulkInferrer")
    signatures, tags = model_spec_values(params.get("model_spec"))
    methods = check_signatures(model_path, signatures, tags, example_spec, model=model)
    splits = selected_splits(examples, data_spec_splits(params.get("data_spec")))

    log.info(
        "model #%s: SavedModel at %s, signature(s) %s, tags %s", model.mlmd_id, model_path, methods, tags
    )
    patterns = _split_patterns(examples, splits)

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
        _infer_split(pipeline, split, patterns[split], inference_spec, prefixes[split], example_spec)
    log.info(
        "running inference over split(s) %s of Examples #%s (%s)", splits, examples.mlmd_id, examples.uri
    )
    try:
        result = pipeline.run()
        result.wait_until_finish()
    except Exception as err:
        _explain_inference_failure(err, _model_description(model_path, model), model_path, methods, tags)
        raise
    _check_written(target, splits, _example_counts(result), example_spec)

    target.split_names = splits  # on InferenceResult a custom property, as JSON like on Examples
    if example_spec is not None:
        for key in ("span", "version"):
            if key in examples.properties:
                target.properties[key] = examples.properties[key]
