"""TFX's API under TFX's names, so that TFX pipelines and module files run after changing imports.

``from airflow_tfx_provider import compat as tfx`` stands in for ``from tfx import v1 as tfx``:
``tfx.components.CsvExampleGen``, ``tfx.proto.TrainArgs``, ``tfx.dsl.Pipeline``,
``tfx.dsl.Resolver``, ``tfx.dsl.experimental.LatestBlessedModelStrategy``, ``tfx.types``,
``tfx.orchestration.metadata``, ``tfx.orchestration.AirflowDagRunner``, and the user-code names
(``tfx.components.FnArgs``, ...). TFX's module paths have the same names under this package
(``tfx.proto.trainer_pb2`` -> ``airflow_tfx_provider.compat.proto.trainer_pb2``,
``tfx.orchestration.airflow.airflow_dag_runner`` -> ``airflow_tfx_provider.compat.orchestration.
airflow.airflow_dag_runner``, ...), and ``compat.tfma`` stands in for TFMA's EvalConfig family
in a pipeline file. Importing any of it loads no TensorFlow, TFMA or Airflow operator.

User code (module files, ``run_fn``, ``tuner_fn``) keeps TFX's field names and behaviour:

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

from airflow_tfx_provider.compat import components, dsl, orchestration, proto, tfma, types, utils
from airflow_tfx_provider.components._user_code.tfx_api import (
    DataAccessor,
    FnArgs,
    TunerFnResult,
    exclude_tf_keras_from_autograph,
    import_keras_tuner,
    legacy_keras_enabled,
    make_data_accessor,
    parse_pbtxt_file,
    record_batch_factory,
    tf_dataset_factory,
)

__all__ = [
    "DataAccessor",
    "FnArgs",
    "TunerFnResult",
    "components",
    "dsl",
    "exclude_tf_keras_from_autograph",
    "import_keras_tuner",
    "legacy_keras_enabled",
    "make_data_accessor",
    "orchestration",
    "parse_pbtxt_file",
    "proto",
    "record_batch_factory",
    "tf_dataset_factory",
    "tfma",
    "types",
    "utils",
]
