"""``ImportSchemaGenOperator``: TFX's ImportSchemaGen."""

from airflow_tfx_provider.components.schema_gen import ImportSchemaGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class ImportSchemaGenOperator(ComponentOperator):
    """Brings a user-written schema.pbtxt into the pipeline (TFX's ImportSchemaGen).

    See ``ImportSchemaGenSpec`` for inputs, outputs and parameters.
    """

    spec = ImportSchemaGenSpec
