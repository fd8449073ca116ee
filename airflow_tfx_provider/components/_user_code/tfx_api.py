"""TFX's user-code contract (``FnArgs``, ``DataAccessor``, ``TunerFnResult``, data factories).

What module files (``run_fn``, ``tuner_fn``) receive and return, with TFX's field names and
behaviour. Users reach these names through :mod:`airflow_tfx_provider.compat`; the Trainer and
Tuner executors build them here. Importing this module loads no TensorFlow (module files and
DAG files import it through ``compat``): the data factories import TensorFlow and tfx_bsl when
they are called.

**keras-tuner and tf_keras.** keras-tuner 1.4 binds itself to whatever ``import keras``
gives. With TensorFlow 2.16 that is Keras 3, even when ``TF_USE_LEGACY_KERAS=1`` makes
``tf.keras`` the Keras 2 of the ``tf_keras`` package; its tuners then reject tf_keras models
("Expected the model-building function ... to return a valid Keras Model instance",
keras-team/keras-tuner#1039). :func:`import_keras_tuner` imports keras-tuner with ``keras``
pointing at ``tf_keras`` for the duration of the import, so keras-tuner's backend is
tf_keras; the Trainer and Tuner executors call it before loading the module file, so a
module file's own ``import keras_tuner`` gets that binding.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa
    import tensorflow as tf
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.public import tfxio

log = logging.getLogger(__name__)

__all__ = [
    "DataAccessor",
    "FnArgs",
    "TunerFnResult",
    "components",
    "exclude_tf_keras_from_autograph",
    "import_keras_tuner",
    "legacy_keras_enabled",
    "make_data_accessor",
    "parse_pbtxt_file",
    "record_batch_factory",
    "tf_dataset_factory",
    "utils",
]

FilePattern = str | list[str]
_TELEMETRY = ["airflow_tfx_provider"]


class DataAccessor(NamedTuple):
    """For reading the train/eval data (TFX's ``fn_args_utils.DataAccessor``).

    - ``tf_dataset_factory(file_pattern, dataset_options, schema) -> tf.data.Dataset``
    - ``record_batch_factory(file_pattern, options, schema) -> Iterator[pyarrow.RecordBatch]``
    - ``data_view_decode_fn``: TFX's data-view decoder; always ``None`` here (no data views).
    """

    tf_dataset_factory: Callable[..., Any]
    record_batch_factory: Callable[..., Any]
    data_view_decode_fn: Callable[..., Any] | None = None


@dataclass
class FnArgs:
    """What ``run_fn`` and ``tuner_fn`` receive (TFX's ``fn_args_utils.FnArgs``), same field names.

    ``schema_file`` is TFX's old name of ``schema_path`` and ``transform_output`` the old
    name of ``transform_graph_path``: give either, both are set.
    """

    working_dir: str | None = None
    train_files: list[str] | None = None
    eval_files: list[str] | None = None
    train_steps: int | None = None
    eval_steps: int | None = None
    schema_path: str | None = None
    schema_file: str | None = None
    transform_graph_path: str | None = None
    transform_output: str | None = None
    data_accessor: DataAccessor | None = None
    serving_model_dir: str | None = None
    eval_model_dir: str | None = None
    model_run_dir: str | None = None
    base_model: str | None = None
    hyperparameters: dict[str, Any] | None = None
    custom_config: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.schema_file is None:
            self.schema_file = self.schema_path
        elif self.schema_path is None:
            self.schema_path = self.schema_file
        if self.transform_output is None:
            self.transform_output = self.transform_graph_path
        elif self.transform_graph_path is None:
            self.transform_graph_path = self.transform_output


class TunerFnResult(NamedTuple):
    """What ``tuner_fn`` returns (TFX's ``TunerFnResult``): a keras-tuner tuner and ``search()`` kwargs."""

    tuner: Any
    fit_kwargs: dict[str, Any]


# --- data factories (TensorFlow and tfx_bsl load on call) ---------------------------------
def _patterns(file_pattern: FilePattern) -> list[str]:
    if isinstance(file_pattern, str):
        return [file_pattern]
    patterns = list(file_pattern)
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise ValueError(f"file_pattern must be a non-empty str or list of str, got {file_pattern!r}")
    return patterns


def _example_record(
    file_pattern: FilePattern, schema: schema_pb2.Schema | None, what: str
) -> tfxio.TFExampleRecord:
    from tfx_bsl.public import tfxio

    if schema is None:
        raise ValueError(
            f"{what} needs a schema to parse the tf.Examples: pass the data's Schema (e.g. "
            "tft.TFTransformOutput(fn_args.transform_output).transformed_metadata.schema, or "
            "tfx.utils.parse_pbtxt_file(fn_args.schema_path, schema_pb2.Schema()))"
        )
    return tfxio.TFExampleRecord(
        file_pattern=_patterns(file_pattern), schema=schema, telemetry_descriptors=_TELEMETRY
    )


def tf_dataset_factory(
    file_pattern: FilePattern,
    dataset_options: tfxio.TensorFlowDatasetOptions,
    schema: schema_pb2.Schema | None = None,
) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` of parsed tf.Examples read from gzipped (or plain) TFRecord files.

    As in TFX: batches of ``{feature: tensor}`` (or ``(features, label)`` when
    ``dataset_options.label_key`` is set); ``num_epochs=None`` (the default) repeats forever.
    """
    return _example_record(file_pattern, schema, "tf_dataset_factory").TensorFlowDataset(dataset_options)


def record_batch_factory(
    file_pattern: FilePattern,
    options: tfxio.RecordBatchesOptions,
    schema: schema_pb2.Schema | None = None,
) -> Iterator[pa.RecordBatch]:
    """Arrow record batches of the tf.Examples in the files (TFX's ``record_batch_factory``)."""
    return iter(_example_record(file_pattern, schema, "record_batch_factory").RecordBatches(options))


def make_data_accessor() -> DataAccessor:
    """The ``DataAccessor`` given to ``run_fn`` / ``tuner_fn`` for Examples artifacts of tf.Example."""
    return DataAccessor(
        tf_dataset_factory=tf_dataset_factory,
        record_batch_factory=record_batch_factory,
        data_view_decode_fn=None,
    )


# --- tfx.utils -------------------------------------------------------------------------------
Message = TypeVar("Message")


def parse_pbtxt_file(file_name: str, message: Message) -> Message:
    """Parse a text-format protobuf file into ``message``, return it (``tfx.utils.parse_pbtxt_file``)."""
    import tensorflow as tf
    from google.protobuf import text_format

    with tf.io.gfile.GFile(file_name, "r") as handle:
        text_format.Parse(handle.read(), message)  # type: ignore[type-var]
    return message


# --- keras-tuner on tf_keras ---------------------------------------------------------------
def legacy_keras_enabled() -> bool:
    """True when ``TF_USE_LEGACY_KERAS`` asks for Keras 2 (tf_keras), as TensorFlow reads it."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "") in ("1", "true", "True")


def _keras_tuner_on_keras3() -> bool:
    config = sys.modules.get("keras_tuner.src.backend.config")
    return bool(config is not None and config.multi_backend())


def import_keras_tuner() -> ModuleType:
    """Import ``keras_tuner`` so that it works with the Keras ``tf.keras`` is.

    With ``TF_USE_LEGACY_KERAS=1`` (this provider's setting) keras-tuner is imported while
    ``sys.modules["keras"]`` is ``tf_keras``, so its backend is tf_keras (its single-backend
    Keras 2 mode) and it accepts tf_keras models. If keras-tuner was already imported bound to
    Keras 3, its modules are dropped and imported again (code holding the old module keeps
    the old binding). Without the variable, keras-tuner is imported as is (Keras 3).
    """
    if not legacy_keras_enabled():
        return importlib.import_module("keras_tuner")
    existing = sys.modules.get("keras_tuner")
    if existing is not None and not _keras_tuner_on_keras3():
        return existing
    if existing is not None:
        log.info("keras_tuner was imported bound to Keras 3; importing it again bound to tf_keras")
        for name in [n for n in sys.modules if n.split(".")[0] in ("keras_tuner", "kerastuner")]:
            del sys.modules[name]
    import tf_keras

    saved = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        module = importlib.import_module("keras_tuner")
    finally:
        if saved is None:
            sys.modules.pop("keras", None)
        else:
            sys.modules["keras"] = saved
    return module


# --- tf_keras and AutoGraph ------------------------------------------------------------------
def exclude_tf_keras_from_autograph() -> bool:
    """Tell AutoGraph not to transpile tf_keras's own code; True if the rule was added now.

    TensorFlow's AutoGraph leaves modules named ``keras`` alone (Keras 2 in TF <= 2.15 was
    that package) but not ``tf_keras``, so with ``TF_USE_LEGACY_KERAS=1`` the first
    ``model.fit`` in a process transpiles hundreds of tf_keras functions: measured here,
    40 s instead of 3 s for a one-layer model. Adding ``tf_keras`` to AutoGraph's do-not-convert
    rules restores TF 2.15's behaviour; user code (custom layers, ``train_step`` overrides)
    is still converted. Uses TensorFlow's internal rule list; does nothing if that moved.
    """
    try:
        from tensorflow.python.autograph.core import config
    except ImportError:  # pragma: no cover - TensorFlow internals moved
        return False
    rules = tuple(config.CONVERSION_RULES)
    if any(getattr(rule, "_prefix", None) == "tf_keras" for rule in rules):
        return False
    config.CONVERSION_RULES = (config.DoNotConvert("tf_keras"), *rules)
    return True


# --- TFX's namespaces: tfx.components.*, tfx.utils.* ------------------------------------------
_FnArgs: TypeAlias = FnArgs
_DataAccessor: TypeAlias = DataAccessor
_TunerFnResult: TypeAlias = TunerFnResult


class components:
    """``tfx.components.FnArgs`` / ``DataAccessor`` / ``TunerFnResult`` after ``import ... compat as tfx``.

    A class (not a namespace object) so that ``fn_args: tfx.components.FnArgs`` is a valid type.
    """

    FnArgs: TypeAlias = _FnArgs
    DataAccessor: TypeAlias = _DataAccessor
    TunerFnResult: TypeAlias = _TunerFnResult


class utils:
    """``tfx.utils.parse_pbtxt_file`` after ``import ... compat as tfx``."""

    parse_pbtxt_file = staticmethod(parse_pbtxt_file)
