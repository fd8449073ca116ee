"""TFX's user-code API, so that a TFX module file runs after changing only its imports.

TFX module files (``run_fn``, ``tuner_fn``) use a handful of names from TFX. This module
provides them with the field names and behaviour TFX gives them.

Migration, one line each:

- ``from tfx import v1 as tfx`` -> ``from airflow_tfx_provider import compat as tfx``
- ``from tfx.components.trainer.fn_args_utils import FnArgs, DataAccessor`` ->
  ``from airflow_tfx_provider.compat import FnArgs, DataAccessor``
- ``from tfx.components.tuner.component import TunerFnResult`` ->
  ``from airflow_tfx_provider.compat import TunerFnResult``

After ``from airflow_tfx_provider import compat as tfx``: ``tfx.components.FnArgs``,
``tfx.components.DataAccessor``, ``tfx.components.TunerFnResult`` and
``tfx.utils.parse_pbtxt_file`` work as in TFX.

Importing this module loads no TensorFlow: ``FnArgs``, ``DataAccessor`` and
``TunerFnResult`` are plain classes, and the data factories import TensorFlow and
tfx_bsl when they are called.
"""

from airflow_tfx_provider.components._user_code.tfx_api import (
    DataAccessor,
    FnArgs,
    TunerFnResult,
    components,
    exclude_tf_keras_from_autograph,
    import_keras_tuner,
    legacy_keras_enabled,
    make_data_accessor,
    parse_pbtxt_file,
    record_batch_factory,
    tf_dataset_factory,
    utils,
)

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
