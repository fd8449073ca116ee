"""``SchemaGenOperator``: Infers a schema from statistics (TFX's SchemaGen)."""

from airflow_tfx_provider.components.schema_gen import SchemaGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class SchemaGenOperator(ComponentOperator):
    """Infers a schema from statistics (TFX's SchemaGen).

    See ``SchemaGenSpec`` for inputs, outputs and parameters.
    """

    spec = SchemaGenSpec
