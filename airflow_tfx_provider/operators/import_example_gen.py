"""``ImportExampleGenOperator``: TFX's ImportExampleGen."""

from airflow_tfx_provider.components.example_gen import ImportExampleGenSpec
from airflow_tfx_provider.operators.component import ComponentOperator


class ImportExampleGenOperator(ComponentOperator):
    """Imports tf.Example TFRecords or Parquet files into the Examples layout (TFX's ImportExampleGen).

    See ``ImportExampleGenSpec`` for inputs, outputs and parameters.
    """

    spec = ImportExampleGenSpec
