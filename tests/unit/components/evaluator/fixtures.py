"""Tiny data and tiny tf_keras models for the Evaluator tests.

Binary label ``label`` = 1 when ``x1`` (plus a little noise) is positive; ``x2`` is noise and
``trip_start_hour`` (0..3) is there to slice on. The good model is a logistic regression
trained on the data with tf_keras; the bad one has its weights negated (it ranks backwards).
Models are exported as TFX does: a SavedModel under ``<uri>/Format-Serving/`` whose
``serving_default`` signature takes serialized tf.Examples.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

FEATURES = ("x1", "x2")
LABEL = "label"
SLICE_FEATURE = "trip_start_hour"


def make_rows(n: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        x1, x2 = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        rows.append(
            {
                "x1": x1,
                "x2": x2,
                SLICE_FEATURE: i % 4,
                LABEL: 1 if x1 + rng.gauss(0.0, 0.2) > 0 else 0,
            }
        )
    return rows


def _build() -> Any:
    import tensorflow as tf

    inputs = {name: tf.keras.Input(shape=(1,), name=name, dtype=tf.float32) for name in FEATURES}
    joined = tf.keras.layers.Concatenate()([inputs[name] for name in FEATURES])
    output = tf.keras.layers.Dense(1, activation="sigmoid")(joined)
    model = tf.keras.Model(inputs=inputs, outputs=output)
    # Eager training and no saved traces (see ``export``): tracing tf_keras' internals through
    # autograph costs tens of seconds per process, for nothing at this size.
    model.compile(optimizer=tf.keras.optimizers.Adam(0.3), loss="binary_crossentropy", run_eagerly=True)
    return model


def train(rows: list[dict[str, Any]]) -> Any:
    """A logistic regression of ``label`` on ``x1``, ``x2``, trained with tf_keras."""
    import numpy as np
    import tensorflow as tf

    tf.keras.utils.set_random_seed(1)
    model = _build()
    x = {name: np.array([[r[name]] for r in rows], dtype=np.float32) for name in FEATURES}
    y = np.array([[r[LABEL]] for r in rows], dtype=np.float32)
    model.fit(x, y, epochs=15, batch_size=len(rows), verbose=0)
    return model


def reversed_model(model: Any) -> Any:
    """The bad model: ``model`` with negated weights, so it ranks every example backwards."""
    bad = _build()
    bad.set_weights([-w for w in model.get_weights()])
    return bad


def export(model: Any, uri: Path) -> str:
    """Export as TFX does: ``<uri>/Format-Serving``, ``serving_default`` takes serialized tf.Examples."""
    import tensorflow as tf

    feature_spec = {name: tf.io.FixedLenFeature([1], tf.float32) for name in FEATURES}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")], autograph=False)
    def serve_tf_examples(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"outputs": model(tf.io.parse_example(serialized, feature_spec))}

    path = os.path.join(uri, "Format-Serving")
    model.save(path, save_format="tf", signatures={"serving_default": serve_tf_examples}, save_traces=False)
    return path
