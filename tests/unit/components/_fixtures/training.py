"""Tiny data and a tiny TFX-style module file for the Trainer and Tuner tests.

This file is both a helper module for the tests (``write_tiny_examples``, ``write_schema``,
...) and a module file written the TFX way (``run_fn``, ``tuner_fn`` using
``from airflow_tfx_provider import compat as tfx``): tests copy it to ``tmp_path`` and pass
it as ``module_file``, or name ``tests.unit.components._fixtures.training.run_fn``.

The data: one float feature ``x`` in [0, 1) and an int ``label`` (1 when x > 0.5).
``run_fn`` trains a one-hidden-layer Keras model for a few steps; ``custom_config`` may
hold ``record_file``: each call appends one JSON line with what it received.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx_bsl.public import tfxio

from airflow_tfx_provider import compat as tfx

LABEL_KEY = "label"
DEFAULT_UNITS = 3

SCHEMA_TEXT = """
feature { name: "x" type: FLOAT shape { dim { size: 1 } } presence { min_fraction: 1.0 } }
feature { name: "label" type: INT shape { dim { size: 1 } } presence { min_fraction: 1.0 } }
"""


# --- helpers for the tests ----------------------------------------------------------------
def tiny_rows(count: int, offset: int = 0) -> list[dict[str, Any]]:
    rows = []
    for i in range(offset, offset + count):
        x = ((i * 37) % 100) / 100.0
        rows.append({"x": x, "label": int(x > 0.5)})
    return rows


def tiny_splits() -> dict[str, list[dict[str, Any]]]:
    """48 train and 16 eval rows."""
    return {"train": tiny_rows(48), "eval": tiny_rows(16, offset=48)}


def write_schema(uri: Path, mlmd_id: int = 900) -> Any:
    from airflow_tfx_provider.types import ArtifactRef

    uri.mkdir(parents=True, exist_ok=True)
    (uri / "schema.pbtxt").write_text(SCHEMA_TEXT)
    return ArtifactRef(type="Schema", uri=str(uri), mlmd_id=mlmd_id)


def write_hyperparameters(uri: Path, content: str, mlmd_id: int = 901) -> Any:
    from airflow_tfx_provider.types import ArtifactRef

    uri.mkdir(parents=True, exist_ok=True)
    (uri / "best_hyperparameters.txt").write_text(content)
    return ArtifactRef(type="HyperParameters", uri=str(uri), mlmd_id=mlmd_id)


def copy_module_file(folder: Path, name: str = "tiny_module.py") -> str:
    """This file, copied to ``folder``: a module file for ``module_file=``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(__file__, target)
    return str(target)


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- the module file: TFX's contract ---------------------------------------------------------
def _schema(fn_args: tfx.components.FnArgs) -> Any:
    assert fn_args.schema_path is not None, "this module needs the schema input"
    return tfx.utils.parse_pbtxt_file(fn_args.schema_path, schema_pb2.Schema())


def _dataset(fn_args: tfx.components.FnArgs, files: list[str], batch_size: int = 8) -> Any:
    assert fn_args.data_accessor is not None
    options = tfxio.TensorFlowDatasetOptions(
        batch_size=batch_size, label_key=LABEL_KEY, shuffle_buffer_size=64
    )
    return fn_args.data_accessor.tf_dataset_factory(files, options, _schema(fn_args))


def _build(units: int, learning_rate: float = 0.05) -> Any:
    x = tf.keras.Input(shape=(1,), name="x")
    hidden = tf.keras.layers.Dense(units, activation="relu", name="hidden")(x)
    output = tf.keras.layers.Dense(1, activation="sigmoid", name="output")(hidden)
    model = tf.keras.Model({"x": x}, output)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["binary_accuracy"],
    )
    return model


def _record(fn_args: tfx.components.FnArgs, fn: str) -> None:
    record_file = (fn_args.custom_config or {}).get("record_file")
    if record_file:
        seen = {
            "fn": fn,
            "hyperparameters": fn_args.hyperparameters,
            "train_files": fn_args.train_files,
            "eval_files": fn_args.eval_files,
            "train_steps": fn_args.train_steps,
            "eval_steps": fn_args.eval_steps,
            "schema_path": fn_args.schema_path,
            "schema_file": fn_args.schema_file,
            "transform_output": fn_args.transform_output,
            "serving_model_dir": fn_args.serving_model_dir,
            "model_run_dir": fn_args.model_run_dir,
            "working_dir": fn_args.working_dir,
            "base_model": fn_args.base_model,
        }
        with open(record_file, "a") as handle:
            handle.write(json.dumps(seen) + "\n")


def run_fn(fn_args: tfx.components.FnArgs) -> None:
    """Train the tiny model and save it with a serving signature over serialized tf.Examples."""
    _record(fn_args, "run_fn")
    units = DEFAULT_UNITS
    learning_rate = 0.05
    if fn_args.hyperparameters:
        import keras_tuner

        hp = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
        units, learning_rate = hp.get("units"), hp.get("learning_rate")
    model = _build(units, learning_rate)
    model.fit(
        _dataset(fn_args, fn_args.train_files or []),
        steps_per_epoch=fn_args.train_steps or 4,
        validation_data=_dataset(fn_args, fn_args.eval_files or []),
        validation_steps=fn_args.eval_steps or 1,
        epochs=1,
        verbose=0,
        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir)],
    )
    feature_spec = {"x": tf.io.FixedLenFeature([1], tf.float32)}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
    def serve(serialized: Any) -> Any:
        return {"probability": model(tf.io.parse_example(serialized, feature_spec))}

    assert fn_args.serving_model_dir is not None
    model.save(fn_args.serving_model_dir, save_format="tf", signatures={"serving_default": serve})


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
    """A two-trial random search over the hidden layer's width and the learning rate."""
    import keras_tuner

    _record(fn_args, "tuner_fn")

    def build(hp: Any) -> Any:
        return _build(hp.Int("units", 2, 6, step=2), hp.Choice("learning_rate", [0.05, 0.01]))

    tuner = keras_tuner.RandomSearch(
        build,
        objective="val_binary_accuracy",
        max_trials=(fn_args.custom_config or {}).get("max_trials", 2),
        directory=fn_args.working_dir,
        project_name="tiny",
        seed=1,
    )
    fit_kwargs = {
        "x": _dataset(fn_args, fn_args.train_files or []),
        "validation_data": _dataset(fn_args, fn_args.eval_files or []),
        "steps_per_epoch": fn_args.train_steps or 3,
        "validation_steps": fn_args.eval_steps or 1,
        "epochs": 1,
        "verbose": 0,
    }
    return tfx.components.TunerFnResult(tuner=tuner, fit_kwargs=fit_kwargs)


# --- tiny taxi data (for the taxi model in dags/taxi_module) ----------------------------------
TAXI_DATA = Path(__file__).resolve().parents[4] / "dags" / "data" / "taxi" / "data.csv"
TAXI_MODULE_DIR = TAXI_DATA.parents[2] / "taxi_module"

#: The raw taxi columns' types, as SchemaGen infers them from the whole data set.
TAXI_TYPES = {
    "company": "BYTES", "dropoff_census_tract": "INT", "dropoff_community_area": "INT",
    "dropoff_latitude": "FLOAT", "dropoff_longitude": "FLOAT", "fare": "FLOAT", "payment_type": "BYTES",
    "pickup_census_tract": "INT", "pickup_community_area": "INT", "pickup_latitude": "FLOAT",
    "pickup_longitude": "FLOAT", "tips": "FLOAT", "trip_miles": "FLOAT", "trip_seconds": "INT",
    "trip_start_day": "INT", "trip_start_hour": "INT", "trip_start_month": "INT",
    "trip_start_timestamp": "INT",
}  # fmt: skip

#: Like SchemaGen(infer_feature_shape=False) in the taxi DAG: every feature a VarLen of at most one value.
TAXI_SCHEMA = "".join(
    f'feature {{ name: "{name}" type: {kind} value_count {{ min: 0 max: 1 }} }}\n'
    for name, kind in sorted(TAXI_TYPES.items())
)


def taxi_rows(count: int) -> list[dict[str, Any]]:
    """The first ``count`` trips of the taxi CSV, typed as in ``TAXI_TYPES``; empty cells are None."""
    import csv

    casts = {"INT": lambda v: int(float(v)), "FLOAT": float, "BYTES": str}
    rows = []
    with open(TAXI_DATA, newline="") as handle:
        for i, record in enumerate(csv.DictReader(handle)):
            if i >= count:
                break
            rows.append({k: casts[TAXI_TYPES[k]](v) if v != "" else None for k, v in record.items()})
    return rows


def write_taxi_schema(uri: Path, mlmd_id: int = 902) -> Any:
    from airflow_tfx_provider.types import ArtifactRef

    uri.mkdir(parents=True, exist_ok=True)
    (uri / "schema.pbtxt").write_text(TAXI_SCHEMA)
    return ArtifactRef(type="Schema", uri=str(uri), mlmd_id=mlmd_id)
