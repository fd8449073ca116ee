"""Tuner: TFX's tuner_fn contract with keras-tuner on tf_keras, and the Trainer consuming its result."""

from __future__ import annotations

import json
import os

import pytest

from airflow_tfx_provider.components.trainer import TrainerSpec
from airflow_tfx_provider.components.tuner import TunerSpec
from airflow_tfx_provider.exceptions import PipelineDefinitionError, UserCodeError
from tests.unit.components._fixtures.training import copy_module_file, read_records, tiny_splits, write_schema

STEPS = {"train_args": {"num_steps": 3}, "eval_args": {"num_steps": 1}}


@pytest.fixture(scope="module")
def data(tmp_path_factory, write_examples):
    root = tmp_path_factory.mktemp("tuner-data")
    return {
        "examples": write_examples(root / "examples", tiny_splits()),
        "schema": write_schema(root / "schema"),
    }


def test_tuner_writes_best_hyperparameters_that_the_trainer_uses(tmp_path, data, run_component):
    import tensorflow as tf

    from airflow_tfx_provider.compat import import_keras_tuner

    module_file = copy_module_file(tmp_path / "module")
    record_file = tmp_path / "record.jsonl"
    config = {"record_file": str(record_file)}
    cwd = os.getcwd()
    tuned = run_component(TunerSpec, tmp_path, data, module_file=module_file, custom_config=config, **STEPS)
    assert os.getcwd() == cwd

    best_file = os.path.join(tuned["best_hyperparameters"].uri, "best_hyperparameters.txt")
    best = json.loads(open(best_file).read())
    values = import_keras_tuner().HyperParameters.from_config(best).values
    assert set(values) == {"units", "learning_rate"} and values["units"] in (2, 4, 6)

    results = json.loads(open(os.path.join(tuned["tuner_results"].uri, "tuner_results.json")).read())
    assert len(results) == 2
    assert all(set(r) == {"trial_id", "score", "units", "learning_rate"} for r in results)
    assert {k: results[0][k] for k in values} == values  # best trial first
    assert results[0]["score"] >= results[1]["score"]

    [seen] = read_records(record_file)
    assert seen["fn"] == "tuner_fn" and seen["train_steps"] == 3
    assert not os.path.exists(seen["working_dir"])  # the tuner's temporary folder is gone

    trained = run_component(
        TrainerSpec, tmp_path, {**data, "hyperparameters": tuned["best_hyperparameters"]},
        module_file=module_file, custom_config=config, **STEPS,
    )  # fmt: skip
    seen_by_trainer = read_records(record_file)[-1]
    assert seen_by_trainer["fn"] == "run_fn" and seen_by_trainer["hyperparameters"] == best
    model = tf.keras.models.load_model(os.path.join(trained["model"].uri, "Format-Serving"))
    assert model.get_layer("hidden").units == values["units"]


DEFAULT_DIRECTORY_MODULE = """
import keras_tuner
import tensorflow as tf
from airflow_tfx_provider import compat as tfx

def tuner_fn(fn_args):
    def build(hp):
        model = tf.keras.Sequential([tf.keras.layers.Dense(hp.Int("units", 1, 2), input_shape=(1,))])
        model.compile(loss="mse")
        return model
    tuner = keras_tuner.RandomSearch(build, objective="loss", max_trials=1)  # directory left at "."
    data = tf.data.Dataset.from_tensor_slices(([[0.0], [1.0]], [[0.0], [1.0]])).batch(2)
    return tfx.components.TunerFnResult(tuner=tuner, fit_kwargs={"x": data, "epochs": 1, "verbose": 0})
"""


def test_tuner_left_at_the_default_directory_writes_into_the_working_dir(
    tmp_path, data, run_component, monkeypatch
):
    module_file = tmp_path / "default_dir.py"
    module_file.write_text(DEFAULT_DIRECTORY_MODULE)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    tuned = run_component(TunerSpec, tmp_path, data, module_file=str(module_file))
    assert os.listdir(cwd) == []  # no untitled_project/ in the worker's current directory
    assert os.path.isfile(os.path.join(tuned["best_hyperparameters"].uri, "best_hyperparameters.txt"))


BAD_TUNER_MODULES = {
    "returns_a_dict": (
        "def tuner_fn(fn_args):\n    return {'tuner': None}\n",
        r"tuner_fn in .*bad\.py must return TunerFnResult\(tuner=\.\.\., fit_kwargs=\{\.\.\.\}\)",
    ),
    "returns_no_keras_tuner": (
        "from airflow_tfx_provider.compat import TunerFnResult\n"
        "def tuner_fn(fn_args):\n    return TunerFnResult(tuner=object(), fit_kwargs={})\n",
        r"tuner_fn in .*bad\.py returned a tuner of type object without \['search', ",
    ),
    "every_trial_fails": (
        "import keras_tuner\nimport tensorflow as tf\nfrom airflow_tfx_provider.compat import TunerFnResult\n"
        "def build(hp):\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(hp.Int('units', 1, 3), input_shape=(1,))])\n"
        "    model.compile(loss='mse')\n"
        "    return model\n"
        "def tuner_fn(fn_args):\n"
        "    tuner = keras_tuner.RandomSearch(build, objective='loss', max_trials=2, "
        "directory=fn_args.working_dir, max_consecutive_failed_trials=1)\n"
        "    fit_kwargs = {'x': [[0.0, 1.0, 2.0]], 'y': [[0.0]], 'verbose': 0}\n"
        "    return TunerFnResult(tuner=tuner, fit_kwargs=fit_kwargs)\n",
        r"RandomSearch\.search \(from tuner_fn\) in .*bad\.py raised RuntimeError: Number of consecutive",
    ),
    "no_tuner_fn": ("def run_fn(fn_args):\n    pass\n", r"bad\.py defines no function 'tuner_fn'"),
}


@pytest.mark.parametrize("case", sorted(BAD_TUNER_MODULES))
def test_bad_tuner_module(case, tmp_path, data, run_component):
    source, message = BAD_TUNER_MODULES[case]
    module_file = tmp_path / "bad.py"
    module_file.write_text(source)
    with pytest.raises(UserCodeError, match=message):
        run_component(TunerSpec, tmp_path, data, module_file=str(module_file))


def test_tuner_parameters_are_checked_at_parse_time():
    assert TunerSpec.validate_parameters is not None
    with pytest.raises(PipelineDefinitionError, match=r"exactly one of module_file .* and tuner_fn"):
        TunerSpec.validate_parameters(TunerSpec.resolve_parameters({}, where="test"))
    with pytest.raises(PipelineDefinitionError, match="unknown parameter"):
        TunerSpec.resolve_parameters({"run_fn": "a.b"}, where="test")
    TunerSpec.validate_parameters(TunerSpec.resolve_parameters({"tuner_fn": "a.b.tuner_fn"}, where="test"))


# --- the taxi module end to end: Transform -> tuner_fn -> run_fn with the best hyperparameters -> no skew --
@pytest.mark.slow
def test_taxi_module_tunes_trains_and_serves_raw_examples_without_skew(
    tmp_path, write_examples, run_component
):
    """dags/taxi_module: the served model (raw tf.Examples in) predicts what its Keras model predicts
    on the materialized transformed examples, i.e. the transform graph inside the served model is the
    one Transform applied; tuner_fn and run_fn work on the transformed data."""
    import glob

    import numpy as np
    import tensorflow as tf
    import tensorflow_transform as tft

    from airflow_tfx_provider.components.transform import TransformSpec
    from tests.unit.components._fixtures.training import TAXI_MODULE_DIR, taxi_rows, write_taxi_schema

    rows = taxi_rows(240)
    examples = write_examples(tmp_path / "taxi", {"train": rows[:160], "eval": rows[160:]})
    schema = write_taxi_schema(tmp_path / "taxi_schema")
    transformed = run_component(
        TransformSpec, tmp_path, {"examples": examples, "schema": schema},
        module_file=str(TAXI_MODULE_DIR / "preprocessing.py"),
    )  # fmt: skip
    inputs = {
        "examples": transformed["transformed_examples"],
        "transform_graph": transformed["transform_graph"],
    }
    tuned = run_component(
        TunerSpec, tmp_path, inputs, module_file=str(TAXI_MODULE_DIR / "model.py"),
        train_args={"num_steps": 4}, eval_args={"num_steps": 1},
        custom_config={"batch_size": 16, "max_trials": 1},
    )  # fmt: skip
    best = json.loads(
        open(os.path.join(tuned["best_hyperparameters"].uri, "best_hyperparameters.txt")).read()
    )
    assert set(best["values"]) == {"learning_rate", "num_layers", "units"}
    trained = run_component(
        TrainerSpec, tmp_path, {**inputs, "hyperparameters": tuned["best_hyperparameters"]},
        module_file=str(TAXI_MODULE_DIR / "model.py"),
        train_args={"num_steps": 12}, eval_args={"num_steps": 1},
        custom_config={"batch_size": 16, "epochs": 1},
    )  # fmt: skip
    serving = os.path.join(trained["model"].uri, "Format-Serving")

    def records(pattern):
        return [
            r.numpy() for r in tf.data.TFRecordDataset(sorted(glob.glob(pattern)), compression_type="GZIP")
        ]

    raw_eval = records(f"{examples.split_uri('eval')}/*.gz")
    served = tf.saved_model.load(serving).signatures["serving_default"](examples=tf.constant(raw_eval))
    served_probability = served["probability"].numpy().ravel()

    tft_output = tft.TFTransformOutput(transformed["transform_graph"].uri)
    spec = tft_output.transformed_feature_spec()
    spec.pop("tips_xf")
    materialized = records(f"{transformed['transformed_examples'].split_uri('eval')}/*")
    features = tf.io.parse_example(tf.constant(materialized), spec)
    keras_model = tf.keras.models.load_model(serving)
    assert (
        len(
            [
                layer
                for layer in keras_model.layers
                if layer.name.startswith("deep_") and layer.name[5:].isdigit()
            ]
        )
        == best["values"]["num_layers"]
    )
    direct_probability = keras_model(features).numpy().ravel()

    assert len(served_probability) == len(direct_probability) == 80
    assert 0.0 < served_probability.min() and served_probability.max() < 1.0
    # Transform may write the rows in another order: compare the sorted predictions.
    np.testing.assert_allclose(np.sort(served_probability), np.sort(direct_probability), atol=1e-5, rtol=0)
