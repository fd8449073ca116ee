"""A tiny model and tiny data for the BulkInferrer tests.

The model is a tf_keras model (one sigmoid unit over ``fare`` and ``trips``) exported with a
``serving_default`` signature that takes serialized ``tf.Example`` (``tf.string [None]``,
input name ``examples``) and returns ``{"outputs": probability [None, 1]}``, the way TFX
module files export their serving models.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from airflow_tfx_provider.types import ArtifactRef

OUTPUT_KEY = "outputs"


def tiny_rows(count: int, offset: int = 0) -> list[dict[str, Any]]:
    """Rows with an int ``trips``, a float ``fare`` and a string ``company``."""
    companies = ("alpha", "beta", "gamma")
    return [
        {"trips": i % 7, "fare": 2.0 + (i % 10) * 0.75, "company": companies[i % 3]}
        for i in range(offset, offset + count)
    ]


def tiny_splits() -> dict[str, list[dict[str, Any]]]:
    """30 examples: 20 in train, 10 in eval."""
    return {"train": tiny_rows(20), "eval": tiny_rows(10, offset=20)}


def export_model(uri: Path, mlmd_id: int = 500) -> ArtifactRef:
    """A Model artifact at ``uri`` with the SavedModel under ``Format-Serving/``."""
    import numpy as np
    import tensorflow as tf

    keras = tf.keras  # tf_keras, thanks to TF_USE_LEGACY_KERAS=1
    fare = keras.Input(shape=(1,), name="fare", dtype=tf.float32)
    trips = keras.Input(shape=(1,), name="trips", dtype=tf.float32)
    joined = keras.layers.Concatenate()([fare, trips])
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model({"fare": fare, "trips": trips}, dense(joined))
    dense.set_weights([np.array([[0.45], [-0.6]], dtype=np.float32), np.array([-1.2], dtype=np.float32)])
    feature_spec = {
        "fare": tf.io.FixedLenFeature([1], tf.float32),
        "trips": tf.io.FixedLenFeature([1], tf.int64),
    }

    # autograph=False: converting tf_keras internals with autograph takes many seconds.
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")], autograph=False)
    def serve(serialized: Any) -> dict[str, Any]:
        parsed = tf.io.parse_example(serialized, feature_spec)
        features = {"fare": parsed["fare"], "trips": tf.cast(parsed["trips"], tf.float32)}
        return {OUTPUT_KEY: model(features)}

    # Saving a plain tf.Module that tracks the model's variables skips tf_keras' own
    # SavedModel serialization (it traces every layer's call), which costs seconds.
    export = tf.Module()
    export.model_variables = list(model.variables)
    export.serve = serve
    tf.saved_model.save(export, str(uri / "Format-Serving"), signatures={"serving_default": serve})
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=mlmd_id)


def predict_in_process(model: ArtifactRef, records: Sequence[bytes]) -> list[float]:
    """The exported model's ``outputs`` for serialized examples, computed in this process."""
    import tensorflow as tf

    loaded = tf.saved_model.load(os.path.join(model.uri, "Format-Serving"))
    result = loaded.signatures["serving_default"](examples=tf.constant(list(records)))
    return [float(v) for v in result[OUTPUT_KEY].numpy().reshape(-1)]


def read_records(folder: str) -> list[bytes]:
    """Every record of the gzipped TFRecord files in ``folder``, file by file."""
    import tensorflow as tf

    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".gz"))
    return [bytes(r.numpy()) for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
