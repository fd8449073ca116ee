"""Where a Model artifact keeps its SavedModel (TFX's layout), and the check that it is there.

A Model artifact's URI holds ``Format-Serving/``, the SavedModel that ``run_fn`` writes to
``fn_args.serving_model_dir``, and for TF estimators ``Format-TFMA/`` (their EvalSavedModel).
Trainer, Evaluator, InfraValidator, Pusher and BulkInferrer all find the model here, and all
report a missing one the same way.
"""

from __future__ import annotations

import os

from airflow_tfx_provider.exceptions import InvalidInputDataError
from airflow_tfx_provider.types import ArtifactRef

SERVING_MODEL_DIR = "Format-Serving"
EVAL_MODEL_DIR = "Format-TFMA"
SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")


def serving_model_dir(model: ArtifactRef) -> str:
    """``<model uri>/Format-Serving``: where the SavedModel of a Model artifact lives."""
    return os.path.join(model.uri, SERVING_MODEL_DIR)


def eval_model_dir(model: ArtifactRef) -> str:
    """``<model uri>/Format-TFMA`` (TFX's eval model folder; unused by Keras models)."""
    return os.path.join(model.uri, EVAL_MODEL_DIR)


def _is_local(path: str) -> bool:
    return "://" not in path


def _exists(path: str) -> bool:
    if _is_local(path):
        return os.path.exists(path)
    import tensorflow as tf

    return bool(tf.io.gfile.exists(path))


def _contents(path: str) -> str:
    """What a folder holds, for an error message."""
    if _is_local(path):
        return f"the folder holds {sorted(os.listdir(path))}" if os.path.isdir(path) else "no such folder"
    import tensorflow as tf

    return (
        f"the folder holds {sorted(tf.io.gfile.listdir(path))}"
        if tf.io.gfile.isdir(path)
        else "no such folder"
    )


def saved_model_dir(model: ArtifactRef, component: str, role: str = "model") -> str:
    """The model's ``Format-Serving`` folder; ``InvalidInputDataError`` if it holds no SavedModel.

    ``component`` and ``role`` (the input's name, e.g. ``baseline_model``) make the message say
    which task found which input wanting. Local paths are checked without TensorFlow.
    """
    path = serving_model_dir(model)
    if any(_exists(os.path.join(path, name)) for name in SAVED_MODEL_FILES):
        return path
    raise InvalidInputDataError(
        f"{component}: {role} artifact {model.mlmd_id} has no SavedModel at {path} "
        f"(no saved_model.pb; {_contents(path)})"
    )
