"""BulkInferrer: PredictionLogs per split, data_spec, output_example_spec, gate, errors.

Real TensorFlow, Beam and tfx_bsl on 30 examples; the tiny model is exported once per module
and the two Beam runs (default, and eval-only with output examples) are shared by the tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components._artifacts.blessing import write_blessing
from airflow_tfx_provider.components.bulk_inferrer import BulkInferrerSpec
from airflow_tfx_provider.components.bulk_inferrer.executor import gate, prediction_log_to_example
from airflow_tfx_provider.components.bulk_inferrer.parameters import validate_parameters
from airflow_tfx_provider.components.spec import ExecutionInfo
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.runtime.output_dirs import verify_staged
from airflow_tfx_provider.types import ArtifactRef
from tests.unit.components.bulk_inferrer.fixtures import (
    OUTPUT_KEY,
    export_model,
    predict_in_process,
    read_records,
    tiny_splits,
)

SCORE_SPEC = {
    "output_columns_spec": [
        {"predict_output": {"output_columns": [{"output_key": OUTPUT_KEY, "output_column": "score"}]}}
    ]
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory, write_examples):
    root = tmp_path_factory.mktemp("bulk_inferrer")
    examples = write_examples(root / "examples", tiny_splits(), span=5)
    model = export_model(root / "model")
    return root, examples, model


@pytest.fixture(scope="module")
def default_run(setup, run_component):
    root, examples, model = setup
    return run_component(BulkInferrerSpec, root, {"examples": examples, "model": model})


@pytest.fixture(scope="module")
def examples_run(setup, run_component):
    root, examples, model = setup
    return run_component(
        BulkInferrerSpec,
        root,
        {"examples": examples, "model": model},
        data_spec={"example_splits": ["eval"]},
        model_spec={"model_signature_name": ["serving_default"]},
        output_example_spec=SCORE_SPEC,
    )


def test_prediction_logs_per_split_hold_the_models_predictions(setup, default_run):
    from tensorflow_serving.apis import prediction_log_pb2

    _root, examples, model = setup
    result = default_run["inference_result"]
    assert result.type == "InferenceResult"
    assert json.loads(str(result.properties["split_names"])) == ["train", "eval"]
    assert sorted(os.listdir(result.uri)) == ["Split-eval", "Split-train"]
    for split, rows in tiny_splits().items():
        names = os.listdir(result.split_uri(split))
        assert names and all(n.startswith("prediction_logs-") and n.endswith(".gz") for n in names)
        logs = [prediction_log_pb2.PredictionLog.FromString(r) for r in read_records(result.split_uri(split))]
        assert len(logs) == len(rows)
        inputs = [bytes(next(iter(p.predict_log.request.inputs.values())).string_val[0]) for p in logs]
        assert sorted(inputs) == sorted(read_records(examples.split_uri(split)))
        expected = predict_in_process(model, inputs)
        import tensorflow as tf

        got = [
            float(tf.make_ndarray(p.predict_log.response.outputs[OUTPUT_KEY]).reshape(-1)[0]) for p in logs
        ]
        assert got == pytest.approx(expected, abs=1e-6)
        assert len(set(round(v, 4) for v in got)) > 3  # the model does not predict a constant


def test_only_inference_result_is_produced_by_default(default_run):
    staged = {key: [ref] for key, ref in default_run.items()}
    assert verify_staged(staged, "test", frozenset(BulkInferrerSpec.outputs)) == {"output_examples"}


def test_output_example_spec_gives_examples_with_the_score_column(setup, examples_run):
    import tensorflow as tf

    _root, examples, model = setup
    out = examples_run["output_examples"]
    assert out.type == "Examples"
    assert out.split_names == ["eval"]  # data_spec restricted the splits
    assert out.properties["span"] == 5 and out.properties["version"] == 0
    assert os.listdir(out.uri) == ["Split-eval"]
    assert os.listdir(examples_run["inference_result"].uri) == []  # not produced
    records = read_records(out.split_uri("eval"))
    originals = read_records(examples.split_uri("eval"))
    assert len(records) == len(originals) == 10
    expected = dict(zip(originals, predict_in_process(model, originals), strict=True))
    for record in records:
        example = tf.train.Example.FromString(record)
        score = list(example.features.feature["score"].float_list.value)
        del example.features.feature["score"]
        original = example.SerializeToString(deterministic=True)
        match = [
            o
            for o in originals
            if tf.train.Example.FromString(o).SerializeToString(deterministic=True) == original
        ]
        assert len(match) == 1, "the original features must be kept unchanged"
        assert set(example.features.feature) == {"trips", "fare", "company"}
        assert score == pytest.approx([expected[match[0]]], abs=1e-6)


def blessing(tmp_path: Path, blessed: bool, mlmd_id: int) -> ArtifactRef:
    ref = ArtifactRef(type="ModelBlessing", uri=str(tmp_path / f"blessing{mlmd_id}"), mlmd_id=mlmd_id)
    write_blessing(ref, blessed)
    return ref


def test_gate_refuses_an_unblessed_model_and_accepts_a_blessed_one(tmp_path):
    params = BulkInferrerSpec.resolve_parameters({}, where="t")
    assert gate({}, params, ExecutionInfo()) is None
    assert gate({"model_blessing": [blessing(tmp_path, True, 1)]}, params, ExecutionInfo()) is None
    refused = gate({"model_blessing": [blessing(tmp_path, False, 2)]}, params, ExecutionInfo())
    assert refused is not None and refused.code == "not_blessed"
    assert "NOT_BLESSED" in refused.reason and "#2" in refused.reason


def test_bad_model_path_and_unknown_split_are_reported(setup, run_component, tmp_path):
    _root, examples, model = setup
    empty_model = ArtifactRef(type="Model", uri=str(tmp_path / "no_model"), mlmd_id=77)
    with pytest.raises(
        InvalidInputDataError,
        match=r"BulkInferrer: model artifact 77 has no SavedModel at .*no_model/Format-Serving",
    ):
        run_component(BulkInferrerSpec, tmp_path, {"examples": examples, "model": empty_model})
    with pytest.raises(InvalidInputDataError, match=r"\['test'\].*it has \['train', 'eval'\]"):
        run_component(
            BulkInferrerSpec,
            tmp_path,
            {"examples": examples, "model": model},
            data_spec={"example_splits": ["test"]},
        )
    with pytest.raises(
        InvalidInputDataError, match=r"no signature\(s\) \['predict'\]; it has \['serving_default'\]"
    ):
        run_component(
            BulkInferrerSpec,
            tmp_path,
            {"examples": examples, "model": model},
            model_spec={"model_signature_name": ["predict"]},
        )
    bad_key = {
        "output_columns_spec": [
            {"predict_output": {"output_columns": [{"output_key": "probs", "output_column": "p"}]}}
        ]
    }
    with pytest.raises(PipelineDefinitionError, match=r"output_key 'probs'.*has outputs \['outputs'\]"):
        run_component(
            BulkInferrerSpec, tmp_path, {"examples": examples, "model": model}, output_example_spec=bad_key
        )


def test_parameters_are_checked_without_tensorflow():
    validate_parameters(
        {"data_spec": {"exampleSplits": ["eval"]}, "model_spec": None, "output_example_spec": None}
    )
    with pytest.raises(PipelineDefinitionError, match="unknown field 'splits'"):
        validate_parameters({"data_spec": {"splits": ["eval"]}})
    with pytest.raises(PipelineDefinitionError, match="exactly one of"):
        validate_parameters({"output_example_spec": {"output_columns_spec": [{"signature_name": "x"}]}})
    with pytest.raises(PipelineDefinitionError, match="needs 'output_column'"):
        validate_parameters(
            {
                "output_example_spec": {
                    "output_columns_spec": [{"predict_output": {"output_columns": [{"output_key": "a"}]}}]
                }
            }
        )


def _input_example() -> bytes:
    import tensorflow as tf

    example = tf.train.Example()
    example.features.feature["fare"].float_list.value.append(3.5)
    return example.SerializeToString()


def test_classify_and_regress_logs_become_columns():
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    classify = prediction_log_pb2.PredictionLog()
    classify.classify_log.request.input.example_list.examples.add().ParseFromString(_input_example())
    classes = classify.classify_log.response.result.classifications.add()
    for label, score in (("no", 0.25), ("yes", 0.75)):
        klass = classes.classes.add()
        klass.label, klass.score = label, score
    spec = {"output_columns_spec": [{"classify_output": {"label_column": "label", "score_column": "score"}}]}
    features = tf.train.Example.FromString(prediction_log_to_example(classify, spec)).features.feature
    assert list(features["label"].bytes_list.value) == [b"no", b"yes"]
    assert list(features["score"].float_list.value) == [0.25, 0.75]
    assert list(features["fare"].float_list.value) == [3.5]

    regress = prediction_log_pb2.PredictionLog()
    regress.regress_log.request.input.example_list.examples.add().ParseFromString(_input_example())
    regress.regress_log.response.result.regressions.add().value = 1.5
    spec = {"output_columns_spec": [{"regress_output": {"value_column": "value"}}]}
    features = tf.train.Example.FromString(prediction_log_to_example(regress, spec)).features.feature
    assert list(features["value"].float_list.value) == [1.5]

    clash = {"output_columns_spec": [{"regress_output": {"value_column": "fare"}}]}
    with pytest.raises(InvalidInputDataError, match="'fare' already exists"):
        prediction_log_to_example(regress, clash)


# --- outputs tfx_bsl's RunInference cannot write: named upfront, or when RunInference fails -----------
def export_string_label_model(uri: Path, mlmd_id: int = 501) -> ArtifactRef:
    """A Model whose ``serving_default`` returns a rank-1 string ``label`` ([batch]) and a float ``fare``.

    ``expanded`` returns the label as [batch, 1] (what RunInference supports) and
    ``unknown_rank`` returns it with no static rank (so only running it can tell).
    """
    import tensorflow as tf

    spec = [tf.TensorSpec([None], tf.string, name="examples")]

    def parse(serialized: Any) -> tuple[Any, Any]:
        fare = tf.io.parse_example(serialized, {"fare": tf.io.FixedLenFeature([1], tf.float32)})["fare"][:, 0]
        return tf.where(fare > 5.0, "high", "low"), fare

    class Labels(tf.Module):
        @tf.function(input_signature=spec)
        def serve(self, serialized: Any) -> dict[str, Any]:
            label, fare = parse(serialized)
            return {"label": label, "fare": fare}

        @tf.function(input_signature=spec)
        def expanded(self, serialized: Any) -> dict[str, Any]:
            label, _ = parse(serialized)
            return {"label": tf.expand_dims(label, -1)}

        @tf.function(input_signature=spec)
        def unknown_rank(self, serialized: Any) -> dict[str, Any]:
            label, _ = parse(serialized)
            return {"label": tf.reshape(label, tf.boolean_mask(tf.shape(label), [True]))}

    module = Labels()
    signatures = {
        "serving_default": module.serve,
        "expanded": module.expanded,
        "unknown_rank": module.unknown_rank,
    }
    tf.saved_model.save(module, str(uri / "Format-Serving"), signatures=signatures)
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=mlmd_id)


@pytest.fixture(scope="module")
def label_model(tmp_path_factory):
    return export_string_label_model(tmp_path_factory.mktemp("label_model") / "model")


def test_a_rank1_string_output_is_refused_upfront_naming_model_signature_and_output(
    setup, label_model, run_component, tmp_path, monkeypatch
):
    from airflow_tfx_provider.components.bulk_inferrer import executor

    _root, examples, _model = setup
    monkeypatch.setattr(executor, "make_pipeline", lambda info: pytest.fail("Beam must not start"))
    with pytest.raises(InvalidInputDataError) as raised:
        run_component(BulkInferrerSpec, tmp_path, {"examples": examples, "model": label_model})
    serving = os.path.join(label_model.uri, "Format-Serving")
    assert str(raised.value) == (
        f"BulkInferrer: signature 'serving_default' of model artifact 501 (SavedModel at {serving}) has "
        "output(s) 'label' (string, shape [None]) that tfx_bsl's RunInference cannot write into "
        "PredictionLogs (its outputs: 'fare' (float32, shape [None]), 'label' (string, shape [None])). "
        "Supported: predict signatures need dense outputs with a batch dimension: numeric or bool tensors "
        "of shape [batch, ...] (rank >= 1), string tensors of rank >= 2 ([batch, n, ...]); tfx_bsl's "
        "RunInference cannot write a rank-1 string output ([batch]) into PredictionLogs: return it as "
        "[batch, 1] in the serving signature (e.g. tf.expand_dims(output, -1)) or serve another signature"
    )


def test_a_string_output_of_shape_batch_by_1_works(setup, label_model, run_component, tmp_path):
    import tensorflow as tf

    _root, examples, _model = setup
    spec = {
        "output_columns_spec": [
            {"predict_output": {"output_columns": [{"output_key": "label", "output_column": "label"}]}}
        ]
    }
    out = run_component(
        BulkInferrerSpec,
        tmp_path,
        {"examples": examples, "model": label_model},
        data_spec={"example_splits": ["eval"]},
        model_spec={"model_signature_name": ["expanded"]},
        output_example_spec=spec,
    )["output_examples"]
    for record in read_records(out.split_uri("eval")):
        features = tf.train.Example.FromString(record).features.feature
        fare = features["fare"].float_list.value[0]
        assert list(features["label"].bytes_list.value) == [b"high" if fare > 5.0 else b"low"]


def test_a_failure_inside_run_inference_is_reported_naming_model_signature_and_outputs(
    setup, label_model, run_component, tmp_path
):
    _root, examples, _model = setup
    with pytest.raises(InvalidInputDataError) as raised:
        run_component(
            BulkInferrerSpec,
            tmp_path,
            {"examples": examples, "model": label_model},
            data_spec={"example_splits": ["eval"]},
            model_spec={"model_signature_name": ["unknown_rank"]},
        )
    serving = os.path.join(label_model.uri, "Format-Serving")
    message = str(raised.value)
    assert message.startswith(
        f"BulkInferrer: tfx_bsl's RunInference failed running model artifact 501 (SavedModel at {serving}), "
        "signature 'unknown_rank' outputs 'label' (string, shape of unknown rank): AttributeError: 'bytes' "
        "object has no attribute 'dtype'"
    )
    assert "Supported: predict signatures need dense outputs with a batch dimension" in message
    assert isinstance(raised.value.__cause__, AttributeError)


def _signature(method: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> Any:
    import tensorflow as tf
    from tensorflow.core.protobuf import meta_graph_pb2

    signature = meta_graph_pb2.SignatureDef(method_name=method)
    for target, tensors in ((signature.inputs, inputs), (signature.outputs, outputs)):
        for key, (dtype, shape) in tensors.items():
            target[key].name = f"{key}:0"
            target[key].dtype = dtype.as_datatype_enum
            target[key].tensor_shape.CopyFrom(tf.TensorShape(shape).as_proto())
    return signature


def test_signature_io_checks_follow_what_run_inference_supports():
    import tensorflow as tf

    from airflow_tfx_provider.components.bulk_inferrer.executor import check_signature_io

    examples = {"examples": (tf.string, [None])}
    classify_in = {"inputs": (tf.string, [None])}
    predict, classify, regress = (f"tensorflow/serving/{m}" for m in ("predict", "classify", "regress"))
    ok = [
        (
            predict,
            examples,
            {"p": (tf.float32, [None]), "s": (tf.string, [None, 2]), "b": (tf.bool, [None, 1])},
        ),
        (predict, examples, {"u": (tf.string, None)}),  # unknown rank: only running it can tell
        (classify, classify_in, {"classes": (tf.string, [None, 3]), "scores": (tf.float32, [None, 3])}),
        (regress, classify_in, {"outputs": (tf.float32, [None, 1])}),
    ]
    for method, inputs, outputs in ok:
        check_signature_io("model artifact 1", "sig", method, _signature(method, inputs, outputs))
    bad = [
        (predict, examples, {"s": (tf.string, [None])}, r"output\(s\) 's' \(string, shape \[None\]\)"),
        (predict, examples, {"n": (tf.float32, [])}, r"output\(s\) 'n' \(float32, shape \[\]\)"),
        (
            predict,
            {"x": (tf.float32, [None, 2])},
            {"p": (tf.float32, [None])},
            r"takes input\(s\) 'x' \(float32",
        ),
        (
            classify,
            classify_in,
            {"scores": (tf.float64, [None, 2])},
            r"'scores' \(float64, shape \[None, 2\]\)",
        ),
        (
            classify,
            examples,
            {"scores": (tf.float32, [None, 2])},
            r"named 'inputs' for a classify or regress",
        ),
        (
            regress,
            classify_in,
            {"outputs": (tf.float32, [None, 2])},
            r"'outputs' \(float32, shape \[None, 2\]\)",
        ),
    ]
    for method, inputs, outputs, message in bad:
        with pytest.raises(InvalidInputDataError, match=r"signature 'sig' of model artifact 1 .*" + message):
            check_signature_io("model artifact 1", "sig", method, _signature(method, inputs, outputs))
