"""``tfx.components`` (and ``tfx.v1.components``): TFX's components by name, and the user-code
classes module files annotate with (``FnArgs``, ``DataAccessor``, ``TunerFnResult``).

Importing it loads no Airflow operator, TensorFlow or TFMA: components are declarations until
``AirflowDagRunner.run(pipeline)`` renders them.
"""

from airflow_tfx_provider.compat._components import (
    BulkInferrer,
    CsvExampleGen,
    Evaluator,
    ExampleValidator,
    Importer,
    ImportExampleGen,
    ImportSchemaGen,
    InfraValidator,
    Pusher,
    SchemaGen,
    StatisticsGen,
    Trainer,
    Transform,
    Tuner,
)
from airflow_tfx_provider.components._user_code.tfx_api import DataAccessor, FnArgs, TunerFnResult

__all__ = [
    "BulkInferrer", "CsvExampleGen", "DataAccessor", "Evaluator", "ExampleValidator", "FnArgs",
    "ImportExampleGen", "ImportSchemaGen", "Importer", "InfraValidator", "Pusher", "SchemaGen",
    "StatisticsGen", "Trainer", "Transform", "Tuner", "TunerFnResult",
]  # fmt: skip
