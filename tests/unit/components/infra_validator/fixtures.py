"""A tiny SavedModel for the InfraValidator tests, exported the TFX way.

``serving_default`` takes serialized tf.Examples (``tf.string [None]``, input ``examples``)
with one float feature ``x`` and returns ``probabilities``: sigmoid(1.5 * x - 0.25), one per
example. It is a plain ``tf.Module``: no Keras, quick to build and to load.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

from airflow_tfx_provider.types import ArtifactRef

SERVING_DIR = "Format-Serving"
_ids = itertools.count(500)


def export_tiny_model(uri: Path) -> ArtifactRef:
    """A Model artifact at ``uri`` with the SavedModel under ``Format-Serving/``."""
    import tensorflow as tf

    class Tiny(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = tf.Variable(1.5)
            self.b = tf.Variable(-0.25)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples: Any) -> dict[str, Any]:
            spec = {"x": tf.io.FixedLenFeature([1], tf.float32, default_value=[0.0])}
            x = tf.io.parse_example(examples, spec)["x"][:, 0]
            return {"probabilities": tf.sigmoid(x * self.w + self.b)}

    module = Tiny()
    tf.saved_model.save(module, str(uri / SERVING_DIR), signatures={"serving_default": module.serve})
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=next(_ids))


def copy_model(model: ArtifactRef, uri: Path) -> ArtifactRef:
    """A copy of a Model artifact at ``uri`` (its path is unique: a marker for process checks)."""
    shutil.copytree(model.uri, uri)
    return ArtifactRef(type="Model", uri=str(uri), mlmd_id=next(_ids))


def predict_in_process(model: ArtifactRef, records: list[bytes]) -> list[float]:
    """``serving_default``'s probabilities, computed in this process."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(Path(model.uri) / SERVING_DIR))
    result = loaded.signatures["serving_default"](examples=tf.constant(records))
    return [float(v) for v in result["probabilities"].numpy().tolist()]


def x_rows(count: int, offset: int = 0) -> list[dict[str, Any]]:
    """Rows with one float feature ``x`` in [-2, 2)."""
    return [{"x": ((i * 37) % 100) / 25.0 - 2.0} for i in range(offset, offset + count)]
