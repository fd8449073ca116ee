"""Evaluator executor on real TFMA/Beam, with two tiny tf_keras models (a good and a bad one).

The TFMA runs are module-scoped fixtures (each costs seconds); several tests read one run.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_tfx_provider.components._artifacts import data_validation as tfdv_io
from airflow_tfx_provider.components.evaluator import EvaluatorSpec, validate_parameters
from airflow_tfx_provider.components.evaluator import eval_config as eval_config_io
from airflow_tfx_provider.components.evaluator.executor import headline_metrics, metric_properties
from airflow_tfx_provider.exceptions import InvalidInputDataError, PipelineDefinitionError
from airflow_tfx_provider.types import ArtifactRef
from tests.conftest import REPO
from tests.unit.components.evaluator import fixtures as fx


@dataclass
class World:
    root: Path
    examples: ArtifactRef
    good: ArtifactRef
    bad: ArtifactRef
    schema: ArtifactRef


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, write_examples: Any) -> World:
    root = tmp_path_factory.mktemp("evaluator")
    rows = fx.make_rows(200)
    examples = write_examples(root / "examples", {"train": rows[:20], "eval": rows}, mlmd_id=11)
    good = ArtifactRef(type="Model", uri=str(root / "good"), mlmd_id=21)
    bad = ArtifactRef(type="Model", uri=str(root / "bad"), mlmd_id=22)
    model = fx.train(rows)
    fx.export(model, Path(good.uri))
    fx.export(fx.reversed_model(model), Path(bad.uri))
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    for name, kind in (("x1", schema_pb2.FLOAT), ("x2", schema_pb2.FLOAT),
                       (fx.SLICE_FEATURE, schema_pb2.INT), (fx.LABEL, schema_pb2.INT)):  # fmt: skip
        feature = schema.feature.add(name=name, type=kind)
        feature.shape.dim.add(size=1)
        feature.presence.min_fraction = 1.0
    schema_ref = ArtifactRef(type="Schema", uri=str(root / "schema"), mlmd_id=31)
    tfdv_io.write_schema(schema, schema_ref)
    return World(root, examples, good, bad, schema_ref)


@dataclass
class Run:
    evaluation: ArtifactRef
    blessing: ArtifactRef
    log: str


def _run(world: World, run_component: Any, inputs: dict[str, ArtifactRef | None], **params: Any) -> Run:
    """Run the Evaluator, capturing this package's log (caplog is function-scoped)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("airflow_tfx_provider")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        out = run_component(EvaluatorSpec, world.root, {"examples": world.examples, **inputs}, **params)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return Run(out["evaluation"], out["blessing"], stream.getvalue())


def _metric(name: str, **threshold: Any) -> dict[str, Any]:
    return {"class_name": name, **({"threshold": threshold} if threshold else {})}


def _config(*metrics: dict[str, Any], slice_by: str | None = None) -> dict[str, Any]:
    slicing: list[dict[str, Any]] = [{}] + ([{"feature_keys": [slice_by]}] if slice_by else [])
    return {
        "model_specs": [{"label_key": fx.LABEL}],
        "slicing_specs": slicing,
        "metrics_specs": [{"metrics": [_metric("ExampleCount"), _metric("AUC"), *metrics]}],
    }


HIGHER = "HIGHER_IS_BETTER"


def _marker(blessing: ArtifactRef) -> list[str]:
    return sorted(os.listdir(blessing.uri))


# --- TFMA runs (module-scoped) --------------------------------------------------------------
@pytest.fixture(scope="module")
def good_run(world: World, run_component: Any) -> Run:
    """Good model, no baseline, sliced by hour; a value threshold that holds and a change threshold."""
    config = _config(
        _metric(
            "BinaryAccuracy",
            value_threshold={"lower_bound": {"value": 0.7}},  # TFX's wrapper spelling works too
            change_threshold={"absolute": {"value": -0.01}, "direction": HIGHER},
        ),
        slice_by=fx.SLICE_FEATURE,
    )
    proto = eval_config_io.parse_eval_config(config, "test")  # the proto form: a tfma.EvalConfig
    return _run(world, run_component, {"model": world.good}, eval_config=proto)


@pytest.fixture(scope="module")
def bad_run(world: World, run_component: Any) -> Run:
    """Bad model, no baseline: its accuracy fails the value threshold (JSON form of the config)."""
    config = _config(_metric("BinaryAccuracy", value_threshold={"lower_bound": 0.7}))
    return _run(world, run_component, {"model": world.bad}, eval_config=json.dumps(config))


@pytest.fixture(scope="module")
def baseline_run(world: World, run_component: Any) -> Run:
    """Bad candidate against the good baseline, only a change threshold (text-proto form)."""
    text = """
        model_specs { label_key: "label" }
        slicing_specs {}
        metrics_specs {
          metrics { class_name: "ExampleCount" }
          metrics {
            class_name: "AUC"
            threshold { change_threshold { absolute { value: -0.05 } direction: HIGHER_IS_BETTER } }
          }
        }
    """
    return _run(world, run_component, {"model": world.bad, "baseline_model": world.good}, eval_config=text)


@pytest.fixture(scope="module")
def no_threshold_run(world: World, run_component: Any) -> Run:
    """No thresholds at all; with a schema input and both splits."""
    return _run(
        world,
        run_component,
        {"model": world.good, "schema": world.schema},
        eval_config=_config(_metric("BinaryAccuracy")),
        example_splits=["train", "eval"],
    )


# --- metrics ------------------------------------------------------------------------------------
def test_metrics_written_and_loadable(good_run: Run) -> None:
    import tensorflow_model_analysis as tfma

    result = tfma.load_eval_result(good_run.evaluation.uri)
    overall = dict(result.slicing_metrics)[()][""][""]
    assert overall["example_count"]["doubleValue"] == 200
    assert overall["binary_accuracy"]["doubleValue"] > 0.8
    assert overall["auc"]["doubleValue"] > 0.9
    assert tfma.load_validation_result(good_run.evaluation.uri).validation_ok

    props = good_run.evaluation.properties
    assert props["metric/Overall/binary_accuracy"] == pytest.approx(overall["binary_accuracy"]["doubleValue"])
    assert props["metric/Overall/auc"] == pytest.approx(overall["auc"]["doubleValue"])
    assert props["metric/Overall/example_count"] == 200
    assert all(isinstance(v, float) for k, v in props.items() if k.startswith("metric/"))
    assert "metrics of candidate model 21, slice Overall: auc=" in good_run.log


def test_per_slice_metrics(good_run: Run) -> None:
    import tensorflow_model_analysis as tfma

    slices = dict(tfma.load_eval_result(good_run.evaluation.uri).slicing_metrics)
    for hour in range(4):
        assert slices[((fx.SLICE_FEATURE, hour),)][""][""]["example_count"]["doubleValue"] == 50
        assert f"metric/trip_start_hour={hour}/binary_accuracy" in good_run.evaluation.properties
        assert f"slice trip_start_hour={hour}: auc=" in good_run.log
    counts = [float(v) for k, v in good_run.evaluation.properties.items() if k.endswith("/example_count")]
    assert sum(counts) == 400  # Overall + the four hours


def test_value_threshold_passed_blessed(good_run: Run, world: World) -> None:
    assert _marker(good_run.blessing) == ["BLESSED"]
    props = good_run.blessing.properties
    assert props["blessed"] == 1
    assert props["current_model"] == world.good.uri
    assert props["current_model_id"] == world.good.mlmd_id
    assert "baseline_model" not in props and "baseline_model_id" not in props
    assert "validation passed" in good_run.log


def test_change_threshold_without_baseline_is_skipped(good_run: Run) -> None:
    import tensorflow_model_analysis as tfma

    assert "no baseline model given: skipping 1 change threshold(s)" in good_run.log
    assert "value thresholds still apply" in good_run.log
    config = tfma.load_eval_result(good_run.evaluation.uri).config  # what TFMA actually ran
    (accuracy,) = [m for m in config.metrics_specs[0].metrics if m.class_name == "BinaryAccuracy"]
    assert accuracy.threshold.HasField("value_threshold")
    assert not accuracy.threshold.HasField("change_threshold")
    assert good_run.blessing.properties["blessed"] == 1
    assert (
        good_run.blessing.properties["reason"]
        == "every threshold holds (1 change threshold(s) skipped: no baseline)"
    )


def test_value_threshold_failed_not_blessed(bad_run: Run, world: World) -> None:
    assert _marker(bad_run.blessing) == ["NOT_BLESSED"]
    assert bad_run.blessing.properties["blessed"] == 0
    assert bad_run.blessing.properties["current_model_id"] == world.bad.mlmd_id
    assert float(bad_run.evaluation.properties["metric/Overall/binary_accuracy"]) < 0.7
    assert "threshold failed on slice Overall: binary_accuracy = " in bad_run.log
    assert "validation FAILED" in bad_run.log
    reason = str(bad_run.blessing.properties["reason"])
    assert reason.startswith("slice Overall: binary_accuracy = ") and "violates {value_threshold" in reason


def test_worse_than_baseline_not_blessed(baseline_run: Run, world: World) -> None:
    import tensorflow_model_analysis as tfma

    assert _marker(baseline_run.blessing) == ["NOT_BLESSED"]
    props = baseline_run.blessing.properties
    assert props["blessed"] == 0
    assert (props["current_model"], props["current_model_id"]) == (world.bad.uri, world.bad.mlmd_id)
    assert (props["baseline_model"], props["baseline_model_id"]) == (world.good.uri, world.good.mlmd_id)
    assert "threshold failed on slice Overall: auc (model candidate) (diff to baseline)" in baseline_run.log
    assert "skipping" not in baseline_run.log
    assert "slice Overall: auc (model candidate) (diff to baseline) = " in str(props["reason"])

    candidate = dict(
        tfma.load_eval_result(baseline_run.evaluation.uri, model_name="candidate").slicing_metrics
    )
    assert candidate[()][""][""]["auc_diff"]["doubleValue"] < -0.5
    # the properties hold the candidate's metrics, not the baseline's
    assert float(baseline_run.evaluation.properties["metric/Overall/auc"]) < 0.5
    assert "metrics of baseline model 21, slice Overall: auc=" in baseline_run.log


def test_no_thresholds_blessed(no_threshold_run: Run) -> None:
    assert _marker(no_threshold_run.blessing) == ["BLESSED"]
    assert no_threshold_run.blessing.properties["blessed"] == 1
    assert "no thresholds configured: blessed" in no_threshold_run.log
    # both splits were read (20 + 200 examples), decoded with the schema
    assert no_threshold_run.evaluation.properties["metric/Overall/example_count"] == 220


def test_metric_properties_capped() -> None:
    per_slice = {"Overall": {"auc": 0.9, "example_count": 1000.0}}
    per_slice.update({f"h={i}": {"auc": 0.5, "example_count": float(i)} for i in range(80)})
    per_slice["h=5"]["auc"] = float("nan")
    props = metric_properties(per_slice)
    slices = {k.split("/")[1] for k in props}
    assert len(slices) == 50 and "Overall" in slices and "h=79" in slices and "h=0" not in slices
    assert not any(k.startswith("metric/h=5/auc") for k in props)  # non-finite values are left out


def test_headline_metrics_skip_diffs_sub_keys_and_other_models() -> None:
    from tensorflow_model_analysis.proto import metrics_for_slice_pb2 as pb

    m = pb.MetricsForSlice()
    m.slice_key.single_slice_keys.add(column="company", bytes_value=b"alpha")
    for name, model, diff in (
        ("auc", "candidate", False),
        ("auc", "baseline", False),
        ("auc", "candidate", True),
    ):
        entry = m.metric_keys_and_values.add()
        entry.key.name, entry.key.model_name, entry.key.is_diff = name, model, diff
        entry.value.double_value.value = 0.5
    sub = m.metric_keys_and_values.add()
    sub.key.name, sub.key.model_name = "precision", "candidate"
    sub.key.sub_key.class_id.value = 1
    sub.value.double_value.value = 0.1
    assert headline_metrics([m], "candidate") == {"company=alpha": {"auc": 0.5}}


# --- bad inputs -----------------------------------------------------------------------------------
def test_model_without_saved_model(world: World, run_component: Any, tmp_path: Path) -> None:
    empty = ArtifactRef(type="Model", uri=str(tmp_path / "model"), mlmd_id=99)
    os.makedirs(os.path.join(empty.uri, "Format-Serving"))
    with pytest.raises(
        InvalidInputDataError, match=r"model artifact 99 has no SavedModel at .*Format-Serving"
    ):
        run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": empty},
                      eval_config=_config())  # fmt: skip
    with pytest.raises(InvalidInputDataError, match=r"baseline_model artifact 98 .*no such folder"):
        run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": world.good,
                      "baseline_model": ArtifactRef(type="Model", uri=str(tmp_path / "x"), mlmd_id=98)},
                      eval_config=_config())  # fmt: skip


def test_missing_split(world: World, run_component: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputDataError, match=r"no split\(s\) \['test'\]; it has \['train', 'eval'\]"):
        run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": world.good},
                      eval_config=_config(), example_splits=["test"])  # fmt: skip


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_specs": [{"label_key": "l", "label_keys": {"a": "b"}}]},
         "only one of label_key or label_keys"),
        ({"metrics_specs": [{"metrics": [{"class_name": "NoSuchMetric"}]}]},
         r"metrics_specs\[0\]\.metrics\[0\]: cannot create metric 'NoSuchMetric'"),
        ({"model_specs": [{"name": "a"}, {"name": "b"}]}, "exactly one candidate"),
    ],
)  # fmt: skip
def test_invalid_config_at_task_start(world: World, run_component: Any, tmp_path: Path,
                                      config: dict[str, Any], message: str) -> None:  # fmt: skip
    with pytest.raises(PipelineDefinitionError, match=message):
        run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": world.good},
                      eval_config=config)  # fmt: skip


# --- label keys -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def preprocessing_model(world: World) -> ArtifactRef:
    """The good model plus two signatures on serialized examples: ``transform_features`` ->
    ``{"x1_scaled"}`` (named in preprocessing_function_names) and ``transformed_labels`` ->
    ``{"label_t"}`` (a name TFMA calls by default)."""
    import tensorflow as tf

    model = fx.train(fx.make_rows(40))
    spec = {name: tf.io.FixedLenFeature([1], tf.float32) for name in fx.FEATURES}
    spec[fx.LABEL] = tf.io.FixedLenFeature([1], tf.int64)
    examples = tf.TensorSpec([None], tf.string, name="examples")

    @tf.function(input_signature=[examples], autograph=False)
    def serve(serialized: Any) -> Any:
        return {
            "outputs": model({k: v for k, v in tf.io.parse_example(serialized, spec).items() if k != "label"})
        }

    @tf.function(input_signature=[examples], autograph=False)
    def transform_features(serialized: Any) -> Any:
        return {"x1_scaled": 2.0 * tf.io.parse_example(serialized, spec)["x1"]}

    @tf.function(input_signature=[examples], autograph=False)
    def transformed_labels(serialized: Any) -> Any:
        return {"label_t": tf.io.parse_example(serialized, spec)[fx.LABEL]}

    ref = ArtifactRef(type="Model", uri=str(world.root / "preprocessing"), mlmd_id=23)
    signatures = {"serving_default": serve, "transform_features": transform_features,
                  "transformed_labels": transformed_labels}  # fmt: skip
    model.save(os.path.join(ref.uri, "Format-Serving"), save_format="tf", signatures=signatures,
               save_traces=False)  # fmt: skip
    return ref


@pytest.mark.parametrize("with_schema", [False, True])
def test_label_key_not_in_examples_fails_before_tfma(
    world: World, run_component: Any, tmp_path: Path, with_schema: bool
) -> None:
    config = {**_config(), "model_specs": [{"label_key": "lable"}]}
    inputs = {
        "examples": world.examples,
        "model": world.good,
        "schema": world.schema if with_schema else None,
    }
    source = (
        r"the schema that decodes the examples \(Schema artifact 31, .*schema\) "
        if with_schema
        else r"the first example of split 'eval' \(.*Split-eval.*\.gz\) "
    )
    with pytest.raises(InvalidInputDataError) as raised:
        run_component(EvaluatorSpec, tmp_path, inputs, eval_config=config)
    message = str(raised.value)
    assert re.search(
        r"Evaluator: a label key of eval_config is not in the examples: eval_config\.model_specs\[0\] "
        r"\(candidate model, artifact 21\): label_key 'lable' not found: "
        + source
        + r"has the features \['label', 'trip_start_hour', 'x1', 'x2'\] \(did you mean 'label'\?\); "
        r"no preprocessing function of the model makes features",
        message,
    ), message
    (run_dir,) = [p for p in tmp_path.iterdir() if p.name.startswith("evaluator-")]
    assert (
        os.listdir(run_dir / "evaluation") == [] and os.listdir(run_dir / "blessing") == []
    )  # TFMA never ran


def test_label_key_made_by_no_preprocessing_function_wraps_tfma_failure(
    world: World, run_component: Any, tmp_path: Path, preprocessing_model: ArtifactRef
) -> None:
    config = {**_config(), "model_specs": [
        {"label_key": "label_u", "preprocessing_function_names": ["transform_features"]}]}  # fmt: skip
    with pytest.raises(InvalidInputDataError) as raised:
        run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": preprocessing_model},
                      eval_config=config)  # fmt: skip
    message = str(raised.value)
    assert re.search(
        r"Evaluator: TFMA found no label value; .*: eval_config\.model_specs\[0\] \(candidate model, "
        r"artifact 23\): label_key 'label_u' not found: the first example of split 'eval' \(.*\) has the "
        r"features \['label', 'trip_start_hour', 'x1', 'x2'\] \(did you mean 'label'\?\); the model's "
        r"preprocessing function\(s\) 'transform_features' \(outputs \['x1_scaled'\]\) do not list it\. "
        r"TFMA failed with RuntimeError: add_input failed on ",
        message,
    ), message
    assert "\n" not in message
    assert isinstance(raised.value.__cause__, RuntimeError)  # TFMA's own error and traceback are kept


def test_label_key_made_by_a_default_preprocessing_signature_is_not_rejected(
    world: World, run_component: Any, tmp_path: Path, preprocessing_model: ArtifactRef
) -> None:
    # ``label_t`` is in no example, but TFMA calls the model's ``transformed_labels`` signature by default
    config = {**_config(), "model_specs": [{"label_key": "label_t"}]}
    out = run_component(EvaluatorSpec, tmp_path, {"examples": world.examples, "model": preprocessing_model},
                        eval_config=config)  # fmt: skip
    assert out["evaluation"].properties["metric/Overall/auc"] > 0.8


# --- eval_config forms ------------------------------------------------------------------------------
THRESHOLD_TEXT = """
    model_specs { label_key: "label" }
    slicing_specs {}
    slicing_specs { feature_keys: ["trip_start_hour"] }
    metrics_specs {
      metrics {
        class_name: "BinaryAccuracy"
        threshold {
          value_threshold { lower_bound { value: 0.7 } }
          change_threshold { absolute { value: -1e-2 } direction: HIGHER_IS_BETTER }
        }
      }
      thresholds { key: "auc" value { value_threshold { lower_bound { value: 0.5 } } } }
      per_slice_thresholds {
        key: "auc"
        value { thresholds { slicing_specs {} threshold { value_threshold { upper_bound { value: 1 } } } } }
      }
    }
    options { include_default_metrics { value: false } min_slice_size { value: 2 } }  # a comment
"""
THRESHOLD_DICT: dict[str, Any] = {
    "model_specs": [{"label_key": "label"}],
    "slicing_specs": [{}, {"feature_keys": ["trip_start_hour"]}],
    "metrics_specs": [
        {
            "metrics": [
                {
                    "class_name": "BinaryAccuracy",
                    "threshold": {
                        "value_threshold": {"lower_bound": 0.7},
                        "change_threshold": {"absolute": -0.01, "direction": "HIGHER_IS_BETTER"},
                    },
                }
            ],
            "thresholds": {"auc": {"value_threshold": {"lower_bound": {"value": 0.5}}}},
            "per_slice_thresholds": {
                "auc": {
                    "thresholds": [
                        {"slicing_specs": [{}], "threshold": {"value_threshold": {"upper_bound": 1}}}
                    ]
                }
            },
        }
    ],
    "options": {"include_default_metrics": False, "min_slice_size": {"value": 2}},
}
CAMEL_DICT: dict[str, Any] = {
    "modelSpecs": [{"labelKey": "label"}],
    "slicingSpecs": [{}, {"featureKeys": ["trip_start_hour"]}],
    "metricsSpecs": [
        {
            "metrics": [
                {
                    "className": "BinaryAccuracy",
                    "threshold": {
                        "valueThreshold": {"lowerBound": 0.7},
                        "changeThreshold": {"absolute": -0.01, "direction": "HIGHER_IS_BETTER"},
                    },
                }
            ],
            "thresholds": {"auc": {"valueThreshold": {"lowerBound": 0.5}}},
            "perSliceThresholds": {
                "auc": {
                    "thresholds": [{"slicingSpecs": [{}], "threshold": {"valueThreshold": {"upperBound": 1}}}]
                }
            },
        }
    ],
    "options": {"includeDefaultMetrics": False, "minSliceSize": 2},
}


def test_all_forms_parse_to_the_same_config() -> None:
    import tensorflow_model_analysis as tfma
    from google.protobuf import text_format

    expected = text_format.Parse(THRESHOLD_TEXT, tfma.EvalConfig())
    for form in (THRESHOLD_TEXT, THRESHOLD_DICT, CAMEL_DICT, json.dumps(THRESHOLD_DICT), expected):
        validate_parameters({"eval_config": form, "example_splits": ["eval"]})
        parsed = eval_config_io.parse_eval_config(form, "Evaluator")
        assert parsed == expected, form
        assert parsed is not expected  # a copy: the executor may change it


@pytest.mark.parametrize(
    "text",
    [
        'slicing_specs: [{}, {feature_keys: "a"}]',
        'model_specs < label_key: "l" >, model_specs { name: "b" is_baseline: 1 };',
        "metrics_specs { metrics { threshold { value_threshold { lower_bound { value: -inf } } } } }",
        'metrics_specs { thresholds { key: "auc" value: { change_threshold: { direction: 2 } } } }',
        'metrics_specs { output_weights { key: "a" value: 0.5f } model_names: ["x", "y"] }',
        "options { include_default_metrics { value: True } compute_confidence_intervals: { value: f } }",
        "model_specs { label_key: \"a\" 'b' inference_batch_size: 0x10 }",
        'slicing_specs { feature_values { key: "h" value: "3" } }',
        "# only a comment",
    ],
)
def test_valid_text_forms(text: str) -> None:
    import tensorflow_model_analysis as tfma
    from google.protobuf import text_format

    validate_parameters({"eval_config": text, "example_splits": ["eval"]})
    assert eval_config_io.parse_eval_config(text, "Evaluator") == text_format.Parse(text, tfma.EvalConfig())


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "eval_config is required"),
        ("  ", "eval_config is required"),
        (42, "must be a tfma.EvalConfig, its dict form"),
        ({"metric_specs": []}, r"eval_config\.metric_specs: EvalConfig has no field 'metric_specs'"),
        ({"metrics_specs": {"metrics": []}}, r"eval_config\.metrics_specs: must be a list"),
        ({"model_specs": [{"label_key": 3}]}, r"eval_config\.model_specs\[0\]\.label_key: must be a string"),
        ({"metrics_specs": [{"metrics": [{"class_name": "AUC", "threshold": {"value_threshold": {
            "lower_bound": "high"}}}]}]},
         r"metrics_specs\[0\]\.metrics\[0\]\.threshold\.value_threshold\.lower_bound: must be a number"),
        ({"metrics_specs": [{"thresholds": {"auc": {"change_threshold": {"direction": "UP"}}}}]},
         r"thresholds\['auc'\]\.change_threshold\.direction: must be one of"),
        ({"metrics_specs": [{"thresholds": {"auc": {"value_threshold": {"lower_bound": True}}}}]},
         "must be a number"),
        ({"model_specs": [{"labelKey": "a", "label_key": "b"}]}, "given twice"),
        ('{"model_specs": [', "looks like JSON but does not parse"),
        ('{"modelSpecs": [{"labelKey": "l", "isBaseline": "yes"}]}', r"is_baseline: must be true or false"),
        ("metric_specs {}", r"eval_config\.metric_specs \(line 1\): EvalConfig has no field"),
        ('metrics_specs { metrics { class_name: "AUC" }', "missing '}'"),
        ("model_specs { label_key: label }", "must be a quoted string"),
        ('metrics_specs { metrics { threshold { value_threshold { lower_bound { value: "x" } } } } }',
         "lower_bound.*must be a number"),
        ("options { min_slice_size { value: 1.5 } }", "must be an integer"),
        ("metrics_specs { thresholds { key: 'auc' value { change_threshold { relative: 1 } } } }",
         r"field eval_config\.metrics_specs\[0\]\.thresholds\['auc'\]\.change_threshold\.relative "
         r"\(line 1\): a wrapped double is written \{ value: ... \}"),
        ("model_specs { label_key: 'a' label_key: 'b' }", "given more than once"),
        ("slicing_specs { feature_keys: ['a' 'b' }", "expected ',' or ']'"),
        ("model_specs ! {}", r"line 1, column 13: unexpected character '!'"),
    ],
)  # fmt: skip
def test_invalid_eval_config_at_parse_time(config: Any, message: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=message):
        validate_parameters({"eval_config": config, "example_splits": ["eval"]})


@pytest.mark.parametrize("splits", [[], "eval", ["eval", ""], ["eval", "eval"]])
def test_invalid_example_splits(splits: Any) -> None:
    with pytest.raises(PipelineDefinitionError, match="example_splits"):
        validate_parameters({"eval_config": {}, "example_splits": splits})


def test_errors_only_the_full_parser_finds_name_the_field() -> None:
    # padding_options is not modelled by the cheap checks; the task-start parse names it
    config = {"model_specs": [{"padding_options": {"bogus": 1}}]}
    validate_parameters({"eval_config": config, "example_splits": ["eval"]})
    with pytest.raises(PipelineDefinitionError, match=r"padding_options.*bogus|bogus.*padding"):
        eval_config_io.parse_eval_config(config, "Evaluator")
    with pytest.raises(
        PipelineDefinitionError, match=r"text proto\) is not a valid .*: line 1, column \d+: Message"
    ):
        eval_config_io.parse_eval_config("model_specs { padding_options { bogus: 1 } }", "Evaluator")


def test_cheap_field_tree_matches_tfma_proto() -> None:
    from google.protobuf.descriptor import FieldDescriptor
    from tensorflow_model_analysis.proto import config_pb2

    wrappers = {"DoubleValue": "double", "BoolValue": "bool", "Int32Value": "int"}
    scalars = {FieldDescriptor.TYPE_STRING: "string", FieldDescriptor.TYPE_BOOL: "bool",
               FieldDescriptor.TYPE_INT32: "int", FieldDescriptor.TYPE_DOUBLE: "double",
               FieldDescriptor.TYPE_FLOAT: "double"}  # fmt: skip
    for message, fields in eval_config_io.MESSAGES.items():
        descriptor = getattr(config_pb2, message).DESCRIPTOR
        assert set(fields) == set(descriptor.fields_by_name), message
        for name, field in fields.items():
            proto = descriptor.fields_by_name[name]
            is_map = proto.message_type is not None and proto.message_type.GetOptions().map_entry
            target = proto.message_type.fields_by_name["value"] if is_map else proto
            assert field.map == is_map, (message, name)
            assert field.repeated == (proto.label == FieldDescriptor.LABEL_REPEATED and not is_map), (
                message,
                name,
            )
            if field.kind == "any":
                continue
            if target.message_type is not None and target.message_type.name in wrappers:
                assert field.wrapper and field.kind == wrappers[target.message_type.name], (message, name)
            elif target.message_type is not None:
                assert field.kind == target.message_type.name, (message, name)
            elif target.enum_type is not None:
                assert field.kind == "enum:" + "|".join(v.name for v in target.enum_type.values), (
                    message,
                    name,
                )
            else:
                assert field.kind == scalars[target.type], (message, name)


def test_validate_parameters_imports_neither_tfma_nor_tensorflow() -> None:
    script = textwrap.dedent(
        f"""
        import json, sys
        from airflow_tfx_provider.components.evaluator import EvaluatorSpec
        from airflow_tfx_provider.exceptions import PipelineDefinitionError
        config = {THRESHOLD_DICT!r}
        for form in (config, json.dumps(config), {THRESHOLD_TEXT!r}):
            EvaluatorSpec.validate_parameters({{"eval_config": form, "example_splits": ["eval"]}})
        try:
            EvaluatorSpec.validate_parameters({{"eval_config": {{"metric_specs": []}}}})
        except PipelineDefinitionError:
            pass
        else:
            raise SystemExit("no error for a bad config")
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("tensorflow", "tensorflow_model_analysis", "apache_beam"))
        print(json.dumps(heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
