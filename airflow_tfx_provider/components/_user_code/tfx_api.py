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

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

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
    "exclude_tf_keras_from_autograph",
    "import_keras_tuner",
    "keras_tuner_generation",
    "keras_tuner_imports_on_tf_keras",
    "legacy_keras_enabled",
    "make_data_accessor",
    "parse_pbtxt_file",
    "rebind_keras_tuner",
    "record_batch_factory",
    "stale_keras_tuner_names",
    "tf_dataset_factory",
    "tuner_on_keras3",
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
_KERAS_TUNER_PACKAGES = ("keras_tuner", "kerastuner")


def legacy_keras_enabled() -> bool:
    """True when ``TF_USE_LEGACY_KERAS`` asks for Keras 2 (tf_keras), as TensorFlow reads it."""
    return os.environ.get("TF_USE_LEGACY_KERAS", "") in ("1", "true", "True")


def _keras_tuner_on_keras3() -> bool:
    config = sys.modules.get("keras_tuner.src.backend.config")
    return bool(config is not None and config.multi_backend())


@contextlib.contextmanager
def _keras_is_tf_keras() -> Iterator[None]:
    """``sys.modules["keras"]`` is ``tf_keras`` inside (if tf_keras is installed)."""
    try:
        import tf_keras
    except ImportError:  # pragma: no cover - TensorFlow >= 2.16 with legacy Keras needs tf_keras
        yield
        return
    saved = sys.modules.get("keras")
    sys.modules["keras"] = tf_keras
    try:
        yield
    finally:
        if saved is None:
            sys.modules.pop("keras", None)
        else:
            sys.modules["keras"] = saved


class _TfKerasLoader(importlib.abc.Loader):
    """Runs the ``keras_tuner`` package (which imports all of keras-tuner) with ``keras`` = tf_keras."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        with _keras_is_tf_keras():
            self.loader.exec_module(module)
        log.info("keras_tuner imported bound to tf_keras (TF_USE_LEGACY_KERAS=1)")


class _KerasTunerFinder(importlib.abc.MetaPathFinder):
    """Import hook: a first ``import keras_tuner`` binds keras-tuner to tf_keras (legacy Keras only)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "keras_tuner" or not _finder_users or not legacy_keras_enabled():
            return None
        for finder in list(sys.meta_path):
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _TfKerasLoader(spec.loader)
        return spec


_FINDER = _KerasTunerFinder()
_finder_lock = threading.Lock()
_finder_users = 0


@contextlib.contextmanager
def keras_tuner_imports_on_tf_keras() -> Iterator[None]:
    """Inside, a first ``import keras_tuner`` (by anything) binds keras-tuner to tf_keras.

    An import hook, active only inside (module files load and user functions run inside):
    it costs nothing when keras-tuner is not imported, and keras-tuner stays imported with
    that binding afterwards. Without ``TF_USE_LEGACY_KERAS`` the hook does nothing. The
    finder is put on ``sys.meta_path`` once and then only switched on and off, so that
    imports running in other threads never see ``sys.meta_path`` change under them.
    """
    global _finder_users
    with _finder_lock:
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
        _finder_users += 1
    try:
        yield
    finally:
        with _finder_lock:
            _finder_users -= 1


_generation = 0


def keras_tuner_generation() -> int:
    """How many times :func:`import_keras_tuner` replaced a Keras-3-bound keras-tuner in this process."""
    return _generation


def _forget_keras_tuner() -> None:
    global _generation
    _generation += 1
    for name in [n for n in sys.modules if n.split(".")[0] in _KERAS_TUNER_PACKAGES]:
        del sys.modules[name]


def import_keras_tuner() -> ModuleType:
    """Import ``keras_tuner`` so that it works with the Keras ``tf.keras`` is.

    With ``TF_USE_LEGACY_KERAS=1`` (this provider's setting) keras-tuner is imported while
    ``sys.modules["keras"]`` is ``tf_keras``, so its backend is tf_keras (its single-backend
    Keras 2 mode) and it accepts tf_keras models. If keras-tuner was already imported bound to
    Keras 3, its modules are dropped and imported again (code holding the old module keeps
    the old binding: see :func:`stale_keras_tuner_names`). Without the variable, keras-tuner
    is imported as is (Keras 3).
    """
    if not legacy_keras_enabled():
        return importlib.import_module("keras_tuner")
    existing = sys.modules.get("keras_tuner")
    if existing is not None and not _keras_tuner_on_keras3():
        return existing
    if existing is not None:
        log.warning(
            "keras_tuner was imported bound to Keras 3 (by code that ran earlier in this process); importing "
            "it again bound to tf_keras, as tf.keras is tf_keras (TF_USE_LEGACY_KERAS=1)"
        )
        _forget_keras_tuner()
    with keras_tuner_imports_on_tf_keras():
        return importlib.import_module("keras_tuner")


def rebind_keras_tuner() -> bool:
    """If keras-tuner is imported bound to Keras 3 under legacy Keras, import it again on tf_keras.

    Returns True if it did. Cheap otherwise (it never imports keras-tuner for the first time).
    """
    if not legacy_keras_enabled() or "keras_tuner" not in sys.modules or not _keras_tuner_on_keras3():
        return False
    import_keras_tuner()
    return True


def _is_stale_keras_tuner(value: Any) -> bool:
    """True for a keras-tuner module, class, function or instance from a replaced keras-tuner import."""
    if "keras_tuner" not in sys.modules:
        return False
    if isinstance(value, ModuleType):
        name = getattr(value, "__name__", None)
        return (
            isinstance(name, str)
            and name.split(".")[0] in _KERAS_TUNER_PACKAGES
            and sys.modules.get(name) is not value
        )
    target = value if isinstance(value, type | FunctionType) else type(value)
    module_name = getattr(target, "__module__", None)
    if not isinstance(module_name, str) or module_name.split(".")[0] not in _KERAS_TUNER_PACKAGES:
        return False
    current: Any = sys.modules.get(module_name)
    if current is None:
        return False  # e.g. protobuf classes, whose __module__ names no module: cannot tell
    for part in str(getattr(target, "__qualname__", "")).split("."):
        current = getattr(current, part, None)
        if current is None:
            return False  # not reachable by name (a local class): cannot tell
    return current is not target


def stale_keras_tuner_names(namespace: Mapping[str, Any]) -> list[str]:
    """Names in ``namespace`` bound to keras-tuner from an import that has since been replaced.

    Such code still uses the old keras-tuner (e.g. the one bound to Keras 3, which rejects
    tf_keras models) after :func:`import_keras_tuner` imported it again.
    """
    return sorted(name for name, value in list(namespace.items()) if _is_stale_keras_tuner(value))


def tuner_on_keras3(tuner: Any) -> bool:
    """True if ``tuner`` is a keras-tuner Keras tuner from a keras-tuner bound to Keras 3."""
    for cls in type(tuner).__mro__:
        method = cls.__dict__.get("_try_build")
        config = getattr(method, "__globals__", {}).get("config")
        multi_backend = getattr(config, "multi_backend", None)
        if callable(multi_backend) and cls.__module__.split(".")[0] in _KERAS_TUNER_PACKAGES:
            return bool(multi_backend())
    return False


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
